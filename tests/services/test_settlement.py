"""Settlement, recovery and closure: the final return accepted settles the grant; an underspend is
raised as a recovery and the group emailed; money received (part payments, never more than owed),
write-offs and closure when nothing is owed; suspension can raise a recovery too."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants_app.dates import london_today
from grants_app.models import AuditEvent, OutboxEmail, Recovery
from grants_app.refusals import Refusal
from grants_app.services import dashboard, fund_budget, payments, recoveries
from grants_app.services.monitoring import save_return
from grants_app.workflow import GuardFailed, InvalidTransition, PermissionDenied, fire
from tests.factories import end_period_by_today
from tests.services.test_payments import delivering


def money(session, app):
    return fund_budget.application_money(session, app.id)


def test_an_interim_return_does_not_settle_the_grant(make, session):
    app, officer = delivering(make)
    make.pay(app)
    make.interim_return(app, 30_000, officer)
    assert app.state == "in_delivery" and app.recoveries == []


def test_the_final_return_with_an_underspend_raises_a_recovery_and_emails_the_group(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)  # the first half, £500
    make.final_return(app, 42_000, officer)
    assert app.state == "repayment_due"
    [recovery] = app.recoveries
    assert (recovery.amount_pence, recovery.kind.value) == (8_000, "underspend")
    assert "£500.00 was paid" in recovery.reason and "£420.00 spent" in recovery.reason
    assert recovery.due_on == london_today() + timedelta(days=30)
    triggers = [
        e.trigger
        for e in session.query(AuditEvent)
        .filter_by(entity_type="application", entity_id=app.id, action="transition")
        .order_by(AuditEvent.id)
    ]
    assert triggers[-2:] == ["accept_final_return", "demand_repayment"]
    actor = session.query(AuditEvent).filter_by(trigger="accept_final_return", entity_id=app.id).one()
    assert (
        actor.actor_label.startswith("System, on the final return accepted by")
        and officer.email in actor.actor_label
    )
    email = session.query(OutboxEmail).filter(OutboxEmail.template == "recovery_raised").first()
    assert (
        email.subject
        == f"Please return £80.00 of your grant {app.reference} by {recovery.due_on.day} "
        + (f"{recovery.due_on:%B %Y}")
    )
    g = money(session, app)
    assert (g.underspend_pence, g.owed_pence) == (8_000, 8_000)
    # Nothing more is paid on a grant that owes money back.
    assert [s.status for s in payments.schedule_status(session, app)] == ["Paid", "Not needed"]


def test_money_received_in_parts_never_more_than_owed_then_the_grant_closes(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    finance = make.finance()
    make.pay(app)
    make.final_return(app, 40_000, officer)
    recovery = app.recoveries[0]
    today = london_today()
    with pytest.raises(Refusal, match="more than the £100.00 still owed"):
        recoveries.record_money_received(
            session, finance, recovery, amount_pence=10_001, received_on=today, reference="BACS IN 1"
        )
    recoveries.record_money_received(
        session, finance, recovery, amount_pence=4_000, received_on=today, reference="BACS IN 1"
    )
    with pytest.raises(GuardFailed, match="£60.00 asked back has not been received or written off"):
        fire(session, app, "close", officer)
    with pytest.raises(Refusal, match="more than the £60.00 still owed"):
        recoveries.record_money_received(
            session, finance, recovery, amount_pence=6_001, received_on=today, reference="BACS IN 2"
        )
    recoveries.record_money_received(
        session, finance, recovery, amount_pence=6_000, received_on=today, reference="BACS IN 2"
    )
    with pytest.raises(Refusal, match="Nothing is owed on this recovery"):
        recoveries.record_money_received(
            session, finance, recovery, amount_pence=1, received_on=today, reference="BACS IN 3"
        )
    recoveries.close_grant(session, finance, app)
    assert app.state == "closed"
    g = money(session, app)
    assert (g.received_pence, g.owed_pence) == (10_000, 0)
    received = session.query(AuditEvent).filter_by(entity_id=app.id, action="money_received").all()
    assert [e.data["amount_pence"] for e in received] == [4_000, 6_000]


@pytest.mark.parametrize(
    ("amount", "received_on", "reference", "field", "message"),
    [
        (0, 0, "BACS", "amount", "more than £0"),
        (-5, 0, "BACS", "amount", "more than £0"),
        (None, 0, "BACS", "amount", "more than £0"),
        (True, 0, "BACS", "amount", "more than £0"),
        (100, 1, "BACS", "received_on", "cannot be in the future"),
        (100, -5, "BACS", "received_on", "before the recovery was raised"),
        (100, None, "BACS", "received_on", "Enter the date"),
        (100, 0, "", "reference", "Enter the bank reference"),
        (100, 0, "+cmd|'/C calc'!A0", "reference", "Enter the bank reference"),
    ],
)
def test_garbage_money_received_is_refused_and_changes_nothing(
    make, session, amount, received_on, reference, field, message
):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 40_000, officer)
    recovery = app.recoveries[0]
    day = None if received_on is None else london_today() + timedelta(days=received_on)
    with pytest.raises(Refusal, match=message) as refusal:
        recoveries.record_money_received(
            session, make.finance(), recovery, amount_pence=amount, received_on=day, reference=reference
        )
    assert field in refusal.value.errors
    assert recovery.receipts == []


def test_the_officer_writes_off_what_cannot_be_recovered_then_the_grant_closes(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    finance = make.finance()
    make.pay(app)
    make.final_return(app, 40_000, officer)
    recovery = app.recoveries[0]
    recoveries.record_money_received(
        session, finance, recovery, amount_pence=2_500, received_on=london_today(), reference="BACS IN"
    )
    with pytest.raises(Refusal, match="Only the grants officer"):
        recoveries.write_off(session, finance, recovery, reason="Finance cannot decide this")
    with pytest.raises(Refusal, match="Enter why"):
        recoveries.write_off(session, officer, recovery, reason="   ")
    recoveries.write_off(session, officer, recovery, reason="The group has wound up")
    assert recovery.written_off_pence == 7_500 and recovery.written_off_by_id == officer.id
    with pytest.raises(Refusal, match="nothing to write off"):
        recoveries.write_off(session, officer, recovery, reason="Again")
    event = session.query(AuditEvent).filter_by(entity_id=app.id, action="write_off").one()
    assert event.reason == "The group has wound up" and event.data["amount_pence"] == 7_500
    fire(session, app, "close", officer)
    g = money(session, app)
    assert (g.raised_pence, g.received_pence, g.written_off_pence, g.owed_pence) == (10_000, 2_500, 7_500, 0)


def test_a_final_return_that_matches_what_was_paid_owes_nothing_and_can_close(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 50_000, officer)
    assert app.state == "final_return_accepted" and app.recoveries == []
    # The second instalment is not needed: the accepted spend is paid.
    assert [s.status for s in payments.schedule_status(session, app)] == ["Paid", "Not needed"]
    # The officer's dashboard asks for the grant to be closed, until it is.
    close_task = f"Close the grant {app.reference}"
    assert any(t.text.startswith(close_task) for t in dashboard.officer_tasks(session))
    fire(session, app, "close", officer)
    assert app.state == "closed"
    assert not any(t.text.startswith(close_task) for t in dashboard.officer_tasks(session))


def test_spend_above_what_was_paid_is_made_up_to_the_spend_and_no_more(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 80_000, officer)
    assert app.state == "final_return_accepted"
    with pytest.raises(GuardFailed, match="still owed £300.00 of its accepted spend"):
        fire(session, app, "close", officer)
    [first, second] = payments.schedule_status(session, app)
    assert (second.status, second.payable_pence) == ("Due", 30_000)
    balance = make.pay(app, 2)
    assert balance.amount_pence == 30_000
    fire(session, app, "close", officer)
    assert money(session, app).paid_pence == 80_000


def test_accepting_the_final_return_waits_for_payments_in_progress(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    payments.request_payment(session, make.finance(), app.award.instalments[0])
    with pytest.raises(Refusal, match="The final return cannot be accepted yet: Pay or cancel the payments"):
        make.final_return(app, 10_000, officer)
    session.expire_all()
    final = next(r for r in app.monitoring_returns if r.is_final)
    assert final.state == "submitted" and app.state == "in_delivery"


def test_settlement_is_for_the_system_only(make, session):
    app, officer = delivering(make)
    with pytest.raises(PermissionDenied):
        fire(session, app, "accept_final_return", officer)


def test_suspension_for_misuse_can_raise_a_recovery(make, session, mailer):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    fire(session, app, "suspend", officer, reason="Money spent on a staff party")
    with pytest.raises(GuardFailed, match="at most £500.00"):
        recoveries.raise_recovery(session, officer, app, amount_pence=50_001, reason="All of it")
    with pytest.raises(GuardFailed, match="date to repay by must be between"):
        recoveries.raise_recovery(
            session, officer, app, amount_pence=100, reason="x", due_on=london_today() - timedelta(days=1)
        )
    recoveries.raise_recovery(
        session, officer, app, amount_pence=20_000, reason="Spent on a staff party", due_on=london_today()
    )
    assert app.state == "repayment_due"
    recovery = session.query(Recovery).filter_by(application_id=app.id).one()
    assert (recovery.kind.value, recovery.amount_pence, recovery.raised_by_id) == (
        "misuse",
        20_000,
        officer.id,
    )
    # A further recovery is possible, within what was paid and not yet asked back.
    with pytest.raises(GuardFailed, match="at most £300.00"):
        recoveries.raise_recovery(session, officer, app, amount_pence=30_001, reason="More")
    # Nothing more is paid.
    with pytest.raises(Refusal, match="cannot be paid yet"):
        payments.request_payment(session, make.finance(), app.award.instalments[1])


def test_a_suspended_grant_with_nothing_owed_can_be_closed(make, session):
    app, officer = delivering(make)
    fire(session, app, "suspend", officer, reason="Group folded")
    fire(session, app, "close", officer)
    assert app.state == "closed"
    with pytest.raises(InvalidTransition):
        fire(session, app, "reinstate", officer, reason="Too late")


def test_an_earlier_return_cannot_be_accepted_once_the_grant_is_settled(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 50_000, officer)
    interim = next(r for r in app.monitoring_returns if not r.is_final)
    with pytest.raises(Refusal, match="an earlier return can no longer be accepted"):
        make.file_return(app, interim, 10_000, officer)
    session.expire_all()
    assert interim.state == "submitted" and money(session, app).spent_pence == 50_000


def test_a_suspended_grant_closes_only_once_every_penny_paid_is_accounted_for(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)  # £500 of the £1,000 award
    fire(session, app, "suspend", officer, reason="Group folded")
    # Paid and neither spent in an accepted return nor asked back: closing would lose track of £500.
    with pytest.raises(GuardFailed, match="£500.00 paid to the group is neither spent in an accepted"):
        fire(session, app, "close", officer)
    recoveries.raise_recovery(session, officer, app, amount_pence=100, reason="Token")
    with pytest.raises(GuardFailed, match="£499.00 paid to the group is neither spent"):
        fire(session, app, "close", officer)
    recoveries.raise_recovery(session, officer, app, amount_pence=49_900, reason="The rest")
    assert app.state == "repayment_due"
    first, rest = sorted(app.recoveries, key=lambda r: r.id)
    recoveries.record_money_received(
        session, make.finance(), rest, amount_pence=49_900, received_on=london_today(), reference="BACS IN"
    )
    recoveries.write_off(session, officer, first, reason="Not worth chasing")
    outstanding = [r for r in app.monitoring_returns if r.state == "due"]
    assert outstanding
    fire(session, app, "close", officer)
    assert app.state == "closed"
    # The returns nobody will send leave the overdue lists and the group's to-do list.
    assert {r.state for r in app.monitoring_returns} == {"not_needed"}
    assert dashboard.overdue_returns(session, london_today() + timedelta(days=800)) == ([], 0)
    grant = money(session, app)
    # Nothing more will be paid; the grant cost the fund the £1 written off.
    assert (grant.left_to_pay_pence, grant.not_yet_paid_pence, grant.committed_pence) == (0, 0, 100)


def test_a_grant_does_not_close_with_a_return_waiting_for_review(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    fire(session, app, "suspend", officer, reason="Group folded")
    sent = app.monitoring_returns[0]
    applicant = make.applicant_of(app)
    save_return(
        session,
        applicant,
        sent,
        progress_narrative="Done",
        outcomes="Good",
        beneficiaries_reached=3,
        spend_lines=[],
    )
    end_period_by_today(sent)
    fire(session, sent, "submit", applicant)
    with pytest.raises(
        GuardFailed, match=r"Review the monitoring return the group sent \(.+\) before closing"
    ):
        fire(session, app, "close", officer)
    fire(session, sent, "accept", officer)
    fire(session, app, "close", officer)
    assert sent.state == "accepted" and app.state == "closed"


def test_a_closed_grants_unpaid_instalments_are_not_needed(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    fire(session, app, "suspend", officer, reason="Group folded")
    recoveries.raise_recovery(session, officer, app, amount_pence=50_000, reason="Unspent")
    recoveries.write_off(session, officer, app.recoveries[0], reason="Group dissolved")
    fire(session, app, "close", officer)
    statuses = payments.schedule_status(session, app)
    assert [(s.instalment.position, s.status, s.why) for s in statuses][1] == (
        2,
        payments.NOT_NEEDED,
        "The grant is closed: nothing more is paid",
    )
