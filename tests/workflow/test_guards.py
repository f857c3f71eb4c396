"""The named guards: quorum, majority, interests, budget, delegation, offers, payments, closure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants_app import clock
from grants_app.dates import london_today
from grants_app.models import Fund, Role, VoteChoice
from grants_app.refusals import Refusal
from grants_app.services import declarations, fund_budget, scoring
from grants_app.services import payments as payment_service
from grants_app.workflow import GuardFailed, fire


def test_approval_needs_a_quorate_meeting(make, session):
    officer = make.officer()
    members = make.jag_members(2)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    make.votes(app, meeting, officer, members)
    with pytest.raises(GuardFailed, match="not quorate") as excinfo:
        fire(session, app, "approve", officer, meeting_id=meeting.id, amount_pence=app.amount_requested_pence)
    assert excinfo.value.guard == "quorate"
    assert app.state == "on_agenda" and app.award is None


def test_members_with_an_interest_do_not_count_towards_quorum_or_votes(make, session):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    declarations.declare_interest(
        session, members[0], app, has_interest=True, nature="I am the club's treasurer"
    )
    with pytest.raises(Refusal, match="declared an interest"):
        make.votes(app, meeting, officer, members[:1])
    with pytest.raises(Refusal, match="declared an interest"):
        scoring.record_score(
            session, members[0], app, app.fund.scoring_criteria[0], score=5, justification="x"
        )
    make.votes(app, meeting, officer, members[1:])
    with pytest.raises(GuardFailed, match="1 voting member|2 voting member"):
        fire(session, app, "approve", officer, meeting_id=meeting.id, amount_pence=10_000)


def test_approval_needs_more_votes_for_than_against(make, session):
    officer = make.officer()
    members = make.jag_members(4)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    make.votes(app, meeting, officer, members[:2], VoteChoice.FOR)
    make.votes(app, meeting, officer, members[2:], VoteChoice.AGAINST)
    with pytest.raises(GuardFailed, match="for 2, against 2"):
        fire(session, app, "approve", officer, meeting_id=meeting.id, amount_pence=10_000)
    fire(session, app, "decline", officer, meeting_id=meeting.id, reason="Tied vote; not carried")
    assert app.state == "declined"


def test_award_cannot_exceed_the_request(make, session):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer, amount_pence=100_000)
    make.votes(app, meeting, officer, members)
    with pytest.raises(GuardFailed, match="more than the £1,000.00 requested"):
        fire(session, app, "approve", officer, meeting_id=meeting.id, amount_pence=100_001)


def test_budget_guard_allows_the_over_allocation_allowance_and_no_more(make, session, ref):
    ref.fund.budget_pence = 500_000
    ref.fund.max_award_pence = 300_000
    ref.fund.over_allocation_pct = 10  # ceiling £5,500
    ref.fund.delegated_limit_pence = 300_000
    session.flush()
    first, _m, officer = make.approved(amount_pence=300_000)
    second = make.eligible(officer, amount_pence=300_000)
    with pytest.raises(GuardFailed, match="over its budget.*£2,500.00 can still be approved"):
        fire(session, second, "approve_delegated", officer, amount_pence=260_000, reason="r")
    with pytest.raises(GuardFailed, match="over its budget"):
        fire(session, second, "approve_delegated", officer, amount_pence=250_001, reason="r")
    fire(session, second, "approve_delegated", officer, amount_pence=250_000, reason="r")
    position = fund_budget.fund_position(session, ref.fund)
    assert position.committed_pence == 550_000 == position.ceiling_pence
    assert position.remaining_pence == -50_000


def test_delegated_approval_only_up_to_the_limit(make, session, ref):
    officer = make.officer()
    app = make.eligible(officer, amount_pence=150_000)
    with pytest.raises(GuardFailed, match="up to £1,000.00 can be approved under delegated authority"):
        fire(session, app, "approve_delegated", officer, amount_pence=150_000, reason="between meetings")
    fire(session, app, "approve_delegated", officer, amount_pence=100_000, reason="between meetings")
    assert app.award.decision_route.value == "delegated" and app.award.meeting_id is None


def test_offer_expiry(make, session):
    app, _meeting, officer = make.approved()
    fire(session, app, "issue_offer", officer)
    expires = app.award.offer_expires_on
    with pytest.raises(GuardFailed, match="not expired"):
        fire(session, app, "lapse_offer", officer)
    later = datetime.combine(expires + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=12
    )
    with clock.pinned(later):
        applicant = make.applicant_of(app)
        with pytest.raises(GuardFailed, match="This offer expired on"):
            fire(
                session,
                app,
                "accept_offer",
                applicant,
                accepted_by_name="Pat",
                accepted_by_role="Chair",
                confirmed=True,
            )
        fire(session, app, "lapse_offer", officer)
    assert app.state == "offer_lapsed"


def test_payments_need_two_people_and_stay_within_the_award(make, session):
    app, officer = make.in_delivery(amount_pence=100_000)
    finance_a, finance_b = make.finance(), make.finance()
    first = app.award.instalments[0]
    payment = payment_service.request_payment(session, finance_a, first)
    assert payment.amount_pence == first.amount_pence == 50_000
    with pytest.raises(GuardFailed, match="different finance user"):
        fire(session, payment, "authorise", finance_a)
    fire(session, payment, "authorise", finance_b)
    with pytest.raises(Refusal, match="already has a payment"):
        payment_service.request_payment(session, finance_a, first)
    with pytest.raises(Refusal, match="cannot be paid yet: No monitoring return accepted yet"):
        payment_service.request_payment(session, finance_a, app.award.instalments[1])
    fire(session, payment, "pay", finance_a, paid_on=london_today(), payment_reference="BACS-1")
    assert payment.state == "paid"


def test_closing_needs_the_final_return_and_the_underspend_back(make, session):
    app, officer = make.in_delivery(amount_pence=100_000)
    finance_a, finance_b = make.finance(), make.finance()
    make.pay(app, 1, (finance_a, finance_b))
    # The officer accepts a final return showing £400 of the £500 paid spent: the grant settles.
    make.final_return(app, 40_000, officer)
    assert app.state == "repayment_due"
    recovery = app.recoveries[0]
    assert recovery.amount_pence == 10_000 and recovery.kind.value == "underspend"
    with pytest.raises(GuardFailed, match="£100.00 asked back has not been received"):
        fire(session, app, "close", officer)
    with pytest.raises(GuardFailed, match="at most £400.00"):
        fire(session, app, "demand_repayment", officer, amount_pence=40_001, reason="too much")
    from grants_app.services import recoveries

    recoveries.record_money_received(
        session,
        finance_a,
        recovery,
        amount_pence=10_000,
        received_on=london_today(),
        reference="BACS IN 1",
    )
    fire(session, app, "close", finance_a)
    assert app.state == "closed"
    position = fund_budget.fund_position(session, app.fund)
    # Closed, the grant holds its accepted spend of the budget; the rest of its £1,000 award is free.
    assert position.committed_pence == 40_000 and position.recovered_pence == 10_000
    assert position.not_yet_paid_pence == 0 and position.remaining_pence == app.fund.budget_pence - 40_000


def test_submission_is_refused_when_the_fund_is_closed(make, session, ref):
    ref.fund.closes_on = datetime.now(UTC).date() - timedelta(days=1)
    ref.fund.opens_on = ref.fund.closes_on - timedelta(days=30)
    app = make.application()
    with pytest.raises(GuardFailed, match="closed for applications on"):
        fire(session, app, "submit", make.applicant_of(app))


@pytest.mark.filterwarnings("ignore:Identity map already had")
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=120_000), min_size=1, max_size=8),
    allowance=st.integers(min_value=0, max_value=20),
)
def test_committed_never_exceeds_the_ceiling_and_always_reconciles(make, session, ref, amounts, allowance):
    """Whatever sequence of delegated approvals is tried, the books add up and the ceiling holds."""
    example = session.begin_nested()  # each example is undone, keeping the fixture's reference data
    fund = Fund(
        name=f"Fund {len(amounts)}-{allowance}-{sum(amounts)}-{id(amounts)}",
        slug=f"f{id(amounts)}",
        financial_year=ref.fund.financial_year,
        strategy_period=ref.fund.strategy_period,
        budget_pence=250_000,
        min_award_pence=1,
        max_award_pence=250_000,
        over_allocation_pct=allowance,
        delegated_limit_pence=250_000,
        opens_on=ref.fund.opens_on,
        closes_on=ref.fund.closes_on,
    )
    fund.priorities = ref.priorities
    fund.budget_categories = ref.categories
    session.add(fund)
    session.flush()
    officer = make.user(Role.OFFICER)
    approved = 0
    for amount in amounts:
        app = make.application(amount_pence=amount)
        app.fund = fund
        fire(session, app, "submit", make.applicant_of(app))
        fire(session, app, "pass_screening", officer)
        try:
            fire(session, app, "approve_delegated", officer, amount_pence=amount, reason="r")
            approved += amount
        except GuardFailed as exc:
            assert exc.guard == "within_budget"
            assert approved + amount > fund.allocation_ceiling_pence
        position = fund_budget.fund_position(session, fund)
        assert position.committed_pence == approved <= fund.allocation_ceiling_pence
    example.rollback()
