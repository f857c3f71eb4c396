"""The officer's figures for a return: spend against the approved budget and the priority split, with
variances over 10% flagged; accepting and querying through the workflow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from grants_app.dates import london_today
from grants_app.models import BudgetLine, OutboxEmail, SpendLine
from grants_app.refusals import Refusal
from grants_app.services import return_form
from grants_app.services.return_checks import over_award
from grants_app.services.return_review import (
    accept_return,
    approved_by_category,
    query_return,
    return_counts,
    review_of,
)
from grants_app.workflow import GuardFailed, InvalidTransition, PermissionDenied
from tests.factories import end_period_by_today
from tests.return_helpers import accepted_then_draft, fill, grant, line, sent


@given(
    budget=st.dictionaries(st.integers(1, 50), st.integers(1, 10**8), min_size=1, max_size=8),
    award=st.integers(1, 10**9),
)
def test_the_scaled_budget_adds_up_to_the_award_to_the_penny(budget, award):
    scaled = approved_by_category(budget, award)
    assert set(scaled) == set(budget)
    assert sum(scaled.values()) == award
    total = sum(budget.values())
    for cid, amount in budget.items():
        assert abs(scaled[cid] - amount * award / total) < 1


def _two_category_grant(make, session, **kwargs):
    g = grant(make, **kwargs)
    staff, equipment = make.ref.categories[0], make.ref.categories[1]
    app = g.app
    app.budget_lines[0].amount_pence = 150_000  # Staff £1,500 and Equipment £500 = the £2,000 award
    app.budget_lines.append(
        BudgetLine(category=equipment, description="Gloves", amount_pence=50_000, position=1)
    )
    session.flush()
    return g, staff, equipment


def test_categories_over_budget_by_more_than_10_percent_are_flagged(make, session):
    g, staff, equipment = _two_category_grant(make, session)
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, 60_000, category_id=staff.id))
    return_form.add_spend_line(
        session, g.applicant, g.ret, line(g, 56_000, "Gloves", category_id=equipment.id)
    )
    review = review_of(session, g.ret)
    rows = {r.name: r for r in review.categories}
    assert (rows["Staff"].approved_pence, rows["Staff"].to_date_pence, rows["Staff"].flag) == (
        150_000,
        60_000,
        "",
    )
    assert rows["Staff"].note == "Below budget so far"  # an interim return: underspend is expected
    assert rows["Equipment"].flag == "Over budget by 12%"
    assert rows["Equipment"].variance_pence == 6_000 and rows["Equipment"].variance_percent == 12
    return_form.change_spend_line(
        session,
        g.applicant,
        g.ret,
        g.ret.spend_lines[1].id,
        line(g, 55_000, "Gloves", category_id=equipment.id),
    )
    assert {r.name: r.flag for r in review_of(session, g.ret).categories}["Equipment"] == ""  # exactly 10%


def test_spend_to_date_adds_earlier_accepted_returns(make, session):
    g, staff, _equipment = _two_category_grant(make, session)
    sent(session, g, 100_000)
    accept_return(session, g.officer, g.ret)
    later = sorted(g.app.monitoring_returns, key=lambda r: r.due_on)[1]
    end_period_by_today(later)  # so that today's spending is in its period
    return_form.add_spend_line(session, g.applicant, later, line(g, 70_000, category_id=staff.id))
    review = review_of(session, later)
    assert review.earlier_accepted_pence == 100_000 and review.to_date_pence == 170_000
    assert {r.name: r.flag for r in review.categories}["Staff"] == "Over budget by 13%"


def test_the_final_return_flags_underspend_and_categories_outside_the_budget(make, session):
    g, staff, _equipment = _two_category_grant(make, session)
    final = next(r for r in g.app.monitoring_returns if r.is_final)
    end_period_by_today(final)
    venue = make.ref.categories[2]
    return_form.add_spend_line(session, g.applicant, final, line(g, 150_000, category_id=staff.id))
    # The form refuses a category outside the budget; a line can still be there from before the budget
    # was changed, and the review says so.
    final.spend_lines.append(
        SpendLine(
            spent_on=london_today(),
            description="Hall",
            category_id=venue.id,
            priority_id=g.app.priority_splits[0].priority_id,
            amount_pence=10_000,
        )
    )
    session.flush()
    flags = {r.name: r.flag for r in review_of(session, final).categories}
    assert flags == {
        "Staff": "",
        "Equipment": "Under budget by 100%",
        "Venue hire": "Not in the approved budget",
    }


def test_an_award_below_the_budget_scales_each_category(make, session):
    g = grant(make, amount_pence=200_000, award_pence=150_000)
    review = review_of(session, g.ret)
    assert review.budget_scaled and [r.approved_pence for r in review.categories] == [150_000]


def test_spend_by_priority_against_the_split(make, session):
    g = grant(make, priorities=[(1, 60), (2, 40)])
    p1, p2 = (s.priority_id for s in sorted(g.app.priority_splits, key=lambda s: s.priority.number))
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, 90_000, priority_id=p1))
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, 10_000, priority_id=p2))
    rows = review_of(session, g.ret).priorities
    assert [
        (r.split_percent, r.share_of_award_pence, r.to_date_pence, r.share_to_date_percent) for r in rows
    ] == [
        (60, 120_000, 90_000, 90),
        (40, 80_000, 10_000, 10),
    ]
    assert [r.flag for r in rows] == ["30 points above its share", "30 points below its share"]


def test_accept_and_query_go_through_the_workflow_and_email_the_group(make, session):
    g = sent(session, grant(make))
    with pytest.raises(Refusal, match="HTML tags"):
        query_return(session, g.officer, g.ret, "Why <b>this</b>?")
    with pytest.raises(Refusal, match="Enter your question"):
        query_return(session, g.officer, g.ret, "   ")
    with pytest.raises(PermissionDenied):
        query_return(session, make.finance(), g.ret, "Finance asks")
    query_return(session, g.officer, g.ret, "  Please send the invoice.  ")
    assert g.ret.state == "queried" and g.ret.queries[0].question == "Please send the invoice."
    emails = (
        session.execute(select(OutboxEmail).where(OutboxEmail.template == "return_queried")).scalars().all()
    )
    assert emails and all("Please send the invoice." in e.body_text for e in emails)
    assert {e.to_address for e in emails} >= {g.applicant.email}
    with pytest.raises(InvalidTransition):
        accept_return(session, g.officer, g.ret)
    return_form.save_answer(session, g.applicant, g.ret, "Sent.")
    return_form.send_return(session, g.applicant, g.ret)
    accept_return(session, g.officer, g.ret)
    assert g.ret.state == "accepted"
    assert session.execute(select(OutboxEmail).where(OutboxEmail.template == "return_accepted")).first()


def test_counts_for_the_returns_view(make, session):
    g = grant(make)
    today = london_today()
    assert return_counts(session, today).coming_up == len(g.app.monitoring_returns)
    fill(session, g)
    return_form.send_return(session, g.applicant, g.ret)
    counts = return_counts(session, today)
    assert (counts.to_review, counts.overdue) == (1, 0)
    later = max(g.app.monitoring_returns, key=lambda r: r.due_on)
    counts = return_counts(session, later.due_on + timedelta(days=1))
    assert counts.overdue == len(g.app.monitoring_returns) - 1


def test_a_return_not_complete_cannot_be_sent_even_by_fire(make, session):
    g = grant(make)
    with pytest.raises(GuardFailed, match="what the project did"):
        return_form.send_return(session, g.applicant, g.ret)


def test_a_line_dated_outside_the_returns_period_is_flagged_for_the_officer(make, session):
    g = grant(make)
    inside = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    g.app.start_date = g.ret.period_starts_on = london_today() - timedelta(days=40)
    late = return_form.add_spend_line(
        session, g.applicant, g.ret, line(g, 20_000, "Kit", spent_on=london_today() - timedelta(days=35))
    )
    # The forms refuse such a date now; a line can still be there from before that rule, or from before
    # the period was changed.
    g.ret.period_starts_on = london_today()
    review = review_of(session, g.ret)
    assert review.outside_period == {late.id} and inside.id not in review.outside_period
    assert review.flagged >= 1


def test_a_return_taking_reported_spend_past_the_award_is_said_not_refused(make, session):
    # The QA case: £2,120.69 in this return and £1,080 accepted is £3,200.69 on a £2,700 award.
    g, draft = accepted_then_draft(session, make)
    over = over_award(session, draft)
    assert (over.award_pence, over.reported_pence, over.over_pence) == (270_000, 320_069, 50_069)
    assert over.for_the_group.startswith(
        "This takes your reported spend to £3,200.69, £500.69 more than your £2,700.00 grant: "
    )
    assert "£3,200.69, £500.69 more than the £2,700.00 award" in over.for_staff
    # Sending is not stopped (a group may have match funding), and the officer sees the same fact.
    return_form.send_return(session, g.applicant, draft)
    review = review_of(session, draft)
    assert review.over_award == over and review.flagged >= 1


def test_only_sent_returns_and_this_one_count_towards_the_award(make, session):
    g = grant(make)  # £2,000 award
    first_pence = 150_000
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, first_pence))
    later = sorted(g.app.monitoring_returns, key=lambda r: r.due_on)[1]
    end_period_by_today(later)
    return_form.add_spend_line(session, g.applicant, later, line(g, 60_000))
    # The first return is a draft: its £1,500 is not reported spend yet.
    assert over_award(session, later) is None
    return_form.save_progress(session, g.applicant, g.ret, "Ran sessions.")
    for split in g.app.priority_splits:
        return_form.save_outcome(
            session, g.applicant, g.ret, split.priority_id, people_reached=3, what_changed="x"
        )
    return_form.send_return(session, g.applicant, g.ret)
    # Sent (not yet accepted), it counts: £1,500 + £600 is £100 over.
    assert over_award(session, later).over_pence == 10_000
    # Exactly the award is not over it.
    return_form.change_spend_line(session, g.applicant, later, later.spend_lines[0].id, line(g, 50_000))
    assert over_award(session, later) is None
