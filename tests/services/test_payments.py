"""Payments from the schedule: only a due instalment can be requested, once; two finance users; never
before acceptance, while suspended or beyond the award; a second "record as paid" changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants_app.dates import london_today
from grants_app.models import Application, AuditEvent, Payment
from grants_app.refusals import AlreadyDone, Refusal
from grants_app.services import fund_budget, offers, payments
from grants_app.workflow import ConflictError, GuardFailed, fire


def delivering(make, amount_pence: int = 200_000, days: int = 300) -> tuple[Application, object]:
    """A grant in delivery whose project runs `days` from today (so it has interim returns)."""
    app, _meeting, officer = make.approved(amount_pence=amount_pence)
    app.end_date = london_today() + timedelta(days=days)
    fire(make.session, app, "issue_offer", officer)
    make.accept(app)
    fire(make.session, app, "start_delivery", officer)
    return app, officer


def suspended_after_a_payment(make) -> tuple[Application, object, Payment]:
    """A £1,000 grant in delivery, its first £500 instalment paid, then suspended (committed): paid
    money neither spent in an accepted return nor asked back."""
    app, officer = delivering(make, amount_pence=100_000)
    payment = make.pay(app)
    fire(make.session, app, "suspend", officer, reason="Under review")
    make.session.commit()
    return app, officer, payment


def statuses(session, app):
    return [(s.instalment.position, s.status) for s in payments.schedule_status(session, app)]


def test_nothing_is_due_before_the_offer_is_accepted(make, session):
    app, _meeting, officer = make.approved(amount_pence=200_000)
    fire(session, app, "issue_offer", officer)
    assert statuses(session, app) == [(1, "Not yet due"), (2, "Not yet due")]
    with pytest.raises(Refusal, match="cannot be paid yet: The offer is not accepted yet"):
        payments.request_payment(session, make.finance(), app.award.instalments[0])
    assert session.query(Payment).count() == 0


def test_a_due_instalment_is_requested_once_then_authorised_by_someone_else_and_paid(make, session):
    app, _officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    assert statuses(session, app) == [(1, "Due"), (2, "Not yet due")]
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    assert (payment.amount_pence, payment.description) == (100_000, "Instalment 1 of 2")
    assert statuses(session, app) == [(1, "In progress"), (2, "Not yet due")]
    # A double click on "Request payment" asks for nothing more.
    with pytest.raises(Refusal, match="already has a payment"):
        payments.request_payment(session, requester, app.award.instalments[0])
    with pytest.raises(GuardFailed, match="different finance user from the one who requested it"):
        payments.authorise_payment(session, requester, payment)
    assert payment.state == "requested" and payment.authorised_by_id is None
    payments.authorise_payment(session, authoriser, payment)
    payments.record_paid(session, requester, payment, paid_on=london_today(), reference="BACS 000123")
    assert (payment.state, payment.payment_reference, payment.authorised_by_id) == (
        "paid",
        "BACS 000123",
        authoriser.id,
    )
    assert statuses(session, app)[0] == (1, "Paid")
    events = session.query(AuditEvent).filter_by(entity_type="payment", entity_id=payment.id).all()
    assert [e.action for e in events] == ["create", "transition", "transition"]


def test_record_as_paid_twice_changes_nothing(make, session):
    app, _officer = delivering(make)
    payment = make.pay(app)
    paid_on, reference, version = payment.paid_on, payment.payment_reference, payment.version
    with pytest.raises(AlreadyDone, match=r"is already paid \(by .*\): nothing was changed"):
        payments.record_paid(session, make.finance(), payment, paid_on=london_today(), reference="OTHER")
    assert (payment.paid_on, payment.payment_reference, payment.version) == (paid_on, reference, version)


def test_a_stale_form_is_a_conflict_not_a_second_payment(make, session):
    app, _officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    shown = payment.version
    payments.authorise_payment(session, authoriser, payment, expected_version=shown)
    with pytest.raises(ConflictError):
        payments.authorise_payment(session, authoriser, payment, expected_version=shown)


@pytest.mark.parametrize(
    ("paid_on_days", "reference", "message"),
    [
        (1, "BACS 1", "cannot be in the future"),
        (-400, "BACS 1", "cannot be before the payment was requested"),
        (None, "BACS 1", "Enter the date the payment was made"),
        (0, "", "Enter the bank reference"),
        (0, "=HYPERLINK(1)", "Enter the bank reference"),
        (0, "x" * 36, "Enter the bank reference"),
        (0, "BACS\x00", "Enter the bank reference"),
    ],
)
def test_a_bad_payment_date_or_reference_is_refused(make, session, paid_on_days, reference, message):
    app, _officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    payments.authorise_payment(session, authoriser, payment)
    paid_on = None if paid_on_days is None else london_today() + timedelta(days=paid_on_days)
    with pytest.raises(Refusal, match=message):
        payments.record_paid(session, requester, payment, paid_on=paid_on, reference=reference)
    assert payment.state == "authorised" and payment.paid_on is None


def test_the_second_instalment_is_due_after_the_first_accepted_return(make, session):
    app, officer = delivering(make)
    make.pay(app, 1)
    assert statuses(session, app)[1] == (2, "Not yet due")
    make.interim_return(app, 60_000, officer)
    assert statuses(session, app)[1] == (2, "Due")
    make.pay(app, 2)
    assert fund_budget.application_money(session, app.id).paid_pence == 200_000


def test_a_dated_instalment_is_due_on_its_date(make, session):
    app, _meeting, officer = make.approved(amount_pence=90_000)
    today = london_today()
    offers.prepare_offer(
        session,
        officer,
        app,
        conditions="",
        instalments=[
            offers.InstalmentInput(45_000, "on_acceptance"),
            offers.InstalmentInput(45_000, "on_date", today + timedelta(days=10)),
        ],
        expires_on=today + timedelta(days=5),
    )
    fire(session, app, "issue_offer", officer)
    make.accept(app)
    assert [s.status for s in payments.schedule_status(session, app, today)] == ["Due", "Not yet due"]
    later = today + timedelta(days=10)
    assert [s.status for s in payments.schedule_status(session, app, later)] == ["Due", "Due"]


def test_nothing_is_paid_while_the_grant_is_suspended_whatever_the_path(make, session):
    app, officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    requested = payments.request_payment(session, requester, app.award.instalments[0])
    fire(session, app, "suspend", officer, reason="Sessions stopped")
    # The pending payment can be neither authorised nor paid ...
    with pytest.raises(GuardFailed, match="Nothing can be paid on this grant while it is 'Suspended'"):
        payments.authorise_payment(session, authoriser, requested)
    # ... and the schedule offers nothing to request.
    payments.cancel_payment(session, requester, requested, reason="Grant suspended")
    assert statuses(session, app)[0] == (1, "On hold")
    with pytest.raises(Refusal, match="cannot be paid yet: Nothing is paid while the grant is 'Suspended'"):
        payments.request_payment(session, requester, app.award.instalments[0])
    # Lifted: the instalment can be requested again.
    fire(session, app, "reinstate", officer, reason="New youth worker started")
    again = payments.request_payment(session, requester, app.award.instalments[0])
    payments.authorise_payment(session, authoriser, again)
    fire(session, app, "suspend", officer, reason="Stopped again")
    with pytest.raises(GuardFailed, match="while it is 'Suspended'"):
        payments.record_paid(session, requester, again, paid_on=london_today(), reference="BACS 9")
    assert again.state == "authorised"


def test_payments_never_exceed_the_award_even_if_the_schedule_is_tampered_with(make, session):
    app, _officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    # As if a second payment had been slipped in behind the schedule's back:
    extra = Payment(amount_pence=60_000, requested_by_id=requester.id, description="extra")
    from grants_app.workflow import start

    start(extra)
    app.payments.append(extra)
    session.flush()
    payments.authorise_payment(session, authoriser, payment)
    with pytest.raises(GuardFailed, match="would pay more than the award of £1,000.00"):
        payments.authorise_payment(session, authoriser, extra)


def test_only_finance_requests_payments(make, session):
    app, officer = delivering(make)
    with pytest.raises(Refusal, match="Only finance users"):
        payments.request_payment(session, officer, app.award.instalments[0])


def test_due_instalments_are_what_finance_can_request_now(make, session):
    app, officer = delivering(make)
    other, _officer2 = delivering(make, amount_pence=50_000)
    due = payments.due_instalments(session, london_today())
    assert [(i.award.application_id, i.position) for i in due] == [(app.id, 1), (other.id, 1)]
    make.pay(app, 1)
    assert [
        (i.award.application_id, i.position) for i in payments.due_instalments(session, london_today())
    ] == [(other.id, 1)]
