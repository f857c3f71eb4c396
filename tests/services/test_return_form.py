"""Filling in a monitoring return a step at a time: every rule refuses with a message and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants_app.dates import format_date, london_today
from grants_app.models import AuditEvent, BudgetCategory, BudgetLine, Document, SpendLine
from grants_app.refusals import NotFound, Refusal
from grants_app.services import return_form
from grants_app.services.documents import minimal_pdf
from grants_app.services.monitoring import SpendLineInput, save_return
from grants_app.services.return_checks import ReturnNotEditable, outside_period, return_period
from grants_app.workflow import ConflictError, GuardFailed, fire
from tests.return_helpers import fill, grant, line, sent
from tests.web.conftest import png


def _lines(session) -> int:
    return session.execute(select(func.count()).select_from(SpendLine)).scalar_one()


def test_spend_lines_are_added_changed_and_removed_with_an_audit_trail(make, session):
    g = grant(make)
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g, 12_345, " Boxing gloves  "))
    assert (added.description, added.amount_pence, added.spent_on) == (
        "Boxing gloves",
        12_345,
        london_today(),
    )
    return_form.change_spend_line(session, g.applicant, g.ret, added.id, line(g, 20_000, "Gloves and pads"))
    assert g.ret.spend_total_pence == 20_000
    return_form.remove_spend_line(session, g.applicant, g.ret, added.id)
    assert g.ret.spend_lines == []
    actions = session.execute(
        select(AuditEvent.action).where(AuditEvent.entity_type == "monitoring_return").order_by(AuditEvent.id)
    ).scalars()
    assert list(actions) == ["spend_line_added", "spend_line_changed", "spend_line_removed"]


def test_a_double_clicked_add_records_the_line_once(make, session):
    g = grant(make)
    first = return_form.add_spend_line(session, g.applicant, g.ret, line(g), token="tok-1")
    again = return_form.add_spend_line(session, g.applicant, g.ret, line(g), token="tok-1")
    assert again.id == first.id and _lines(session) == 1
    return_form.add_spend_line(session, g.applicant, g.ret, line(g), token="tok-2")
    assert _lines(session) == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount_pence": 0}, "amount", "more than £0"),
        ({"amount_pence": -500}, "amount", "more than £0"),
        ({"amount_pence": 200_001}, "amount", "no more than your grant of £2,000.00"),
        ({"amount_pence": 10**15}, "amount", "no more than your grant"),
        ({"description": ""}, "description", "Enter what the money was spent on"),
        ({"description": "x" * 301}, "description", "300 characters or fewer"),
        ({"description": "Gloves\u200b"}, "description", "invisible characters"),
        ({"description": "Gloves \u202etxt.exe"}, "description", "invisible characters"),
        ({"description": "<script>alert(1)</script>"}, "description", "HTML tags"),
        ({"description": "Gloves <b>red</b>"}, "description", "HTML tags"),
        ({"spent_on": None}, "spent_on", "Enter the date"),
        ({"category_id": 999_999}, "category_id", "from your budget"),
        ({"priority_id": 999_999}, "priority_id", "priorities your project serves"),
    ],
)
def test_bad_spend_lines_are_refused_and_nothing_changes(make, session, changes, field, message):
    g = grant(make)
    with pytest.raises(Refusal) as refused:
        return_form.add_spend_line(session, g.applicant, g.ret, line(g, **changes))
    assert message in refused.value.errors[field]
    session.rollback()
    assert _lines(session) == 0


def test_dates_outside_the_grant_period_or_in_the_future_are_refused(make, session):
    g = grant(make)
    start, end = g.app.start_date, g.app.end_date
    for day, message in (
        (start - timedelta(days=1), f"The date must be in the grant period, {format_date(start)} to"),
        (end + timedelta(days=1), "today or in the past"),  # the plainer fault of the two
        (london_today() + timedelta(days=1), "today or in the past"),
    ):
        with pytest.raises(Refusal) as refused:
            return_form.add_spend_line(session, g.applicant, g.ret, line(g, spent_on=day))
        assert message in refused.value.errors["spent_on"], day
    assert _lines(session) == 0


def test_a_category_outside_the_applications_budget_is_refused(make, session):
    g = grant(make)
    elsewhere = BudgetCategory(name="Capital works")
    session.add(elsewhere)
    session.flush()
    in_budget = {b.category_id for b in g.app.budget_lines}
    fund_only = next(c for c in make.ref.categories if c.id not in in_budget)
    for category in (elsewhere, fund_only):
        with pytest.raises(Refusal, match="Select a category from your budget.*ask us first"):
            return_form.add_spend_line(session, g.applicant, g.ret, line(g, category_id=category.id))
    assert g.ret.spend_lines == []


def test_several_problems_are_reported_together_in_form_order(make, session):
    g = grant(make)
    with pytest.raises(Refusal) as refused:
        return_form.add_spend_line(
            session, g.applicant, g.ret, line(g, 0, "", spent_on=None, category_id=0, priority_id=0)
        )
    assert list(refused.value.errors) == ["spent_on", "description", "category_id", "priority_id", "amount"]


def test_another_organisations_return_is_not_found(make, session):
    g = grant(make)
    stranger = make.applicant_of(make.application())
    with pytest.raises(NotFound):
        return_form.add_spend_line(session, stranger, g.ret, line(g))
    with pytest.raises(NotFound):
        return_form.return_for(session, stranger, g.app, g.ret.id)
    other = grant(make)
    with pytest.raises(NotFound):  # a real return, but of another application than the one in the URL
        return_form.return_for(session, g.applicant, g.app, other.ret.id)
    with pytest.raises(NotFound):
        return_form.return_for(session, g.applicant, g.app, 2**40)


def test_receipts_get_the_document_checks_and_replace_the_previous_one(make, session, upload_folder):
    g = grant(make)
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    with pytest.raises(Refusal, match="does not match what is in it"):
        return_form.attach_receipt(
            session, g.applicant, g.ret, added.id, upload_folder, filename="receipt.pdf", content=png()
        )
    with pytest.raises(Refusal, match="must be a PDF, DOCX, JPG or PNG"):
        return_form.attach_receipt(
            session, g.applicant, g.ret, added.id, upload_folder, filename="r.pdf", content=b"<html>hi</html>"
        )
    first = return_form.attach_receipt(
        session, g.applicant, g.ret, added.id, upload_folder, filename="till.pdf", content=minimal_pdf("Till")
    ).receipt
    assert (first.original_filename, first.application_id) == ("till.pdf", g.app.id)
    second = return_form.attach_receipt(
        session, g.applicant, g.ret, added.id, upload_folder, filename="photo.png", content=png()
    ).receipt
    assert (
        added.receipt is second
        and first.deleted_at is not None
        and (upload_folder / first.stored_name).exists()
    )
    return_form.remove_spend_line(session, g.applicant, g.ret, added.id)
    assert session.get(Document, second.id).deleted_at is not None


def test_progress_outcomes_and_answers_are_checked(make, session):
    g = grant(make, priorities=[(1, 60), (2, 40)])
    for narrative, message in (
        ("", "Tell us what the project did"),
        ("a\x00b", "invisible"),
        ("x" * 10_001, "10,000"),
    ):
        with pytest.raises(Refusal, match=message):
            return_form.save_progress(session, g.applicant, g.ret, narrative)
    p1 = g.app.priority_splits[0].priority_id
    with pytest.raises(Refusal) as refused:
        return_form.save_outcome(session, g.applicant, g.ret, p1, people_reached=-1, what_changed="")
    assert set(refused.value.errors) == {"people_reached", "what_changed"}
    with pytest.raises(NotFound):
        return_form.save_outcome(session, g.applicant, g.ret, 999_999, people_reached=1, what_changed="x")
    with pytest.raises(Refusal, match="no question to answer"):
        return_form.save_answer(session, g.applicant, g.ret, "Here")
    return_form.save_outcome(session, g.applicant, g.ret, p1, people_reached=30, what_changed="Safer")
    return_form.save_outcome(session, g.applicant, g.ret, p1, people_reached=31, what_changed="Safer still")
    assert [(o.people_reached, o.what_changed) for o in g.ret.priority_outcomes] == [(31, "Safer still")]
    assert g.ret.beneficiaries_reached == 31


def test_sending_needs_every_part_and_a_sent_return_cannot_change(make, session):
    g = grant(make, priorities=[(1, 60), (2, 40)])
    return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    with pytest.raises(GuardFailed) as refused:
        return_form.send_return(session, g.applicant, g.ret)
    assert "what the project did" in str(refused.value) and "priority 2" in str(refused.value)
    fill(session, g)
    return_form.send_return(session, g.applicant, g.ret)
    assert g.ret.state == "submitted" and g.ret.submitted_by_id == g.applicant.id
    with pytest.raises(ReturnNotEditable, match="You have sent this return"):
        return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    with pytest.raises(ReturnNotEditable):
        return_form.save_progress(session, g.applicant, g.ret, "Changed my mind")
    assert g.ret.progress_narrative == "Ran 10 sessions."


def test_a_return_changed_after_check_answers_is_a_conflict(make, session):
    g = grant(make)
    fill(session, g)
    shown = g.ret.version
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, 1_000, "Late addition"))
    with pytest.raises(ConflictError):
        return_form.send_return(session, g.applicant, g.ret, expected_version=shown)
    return_form.send_return(session, g.applicant, g.ret, expected_version=g.ret.version)


def test_queried_the_group_answers_and_sends_again_and_accepted_it_is_final(make, session, mailer):
    g = sent(session, grant(make))
    fire(session, g.ret, "query", g.officer, reason="Please send the coaches' invoice.")
    assert g.ret.state == "queried" and g.ret.open_query.question == "Please send the coaches' invoice."
    fill(session, g, 1_000)
    with pytest.raises(GuardFailed, match="Answer our question"):
        return_form.send_return(session, g.applicant, g.ret)
    return_form.save_answer(session, g.applicant, g.ret, "Attached to the coaching line.")
    return_form.send_return(session, g.applicant, g.ret)
    assert g.ret.state == "submitted" and g.ret.open_query is None
    assert g.ret.queries[0].answer == "Attached to the coaching line." and g.ret.queries[0].resolved_at
    fire(session, g.ret, "accept", g.officer)
    with pytest.raises(ReturnNotEditable, match="has been accepted"):
        return_form.send_return(session, g.applicant, g.ret)
    with pytest.raises(ReturnNotEditable, match="has been accepted"):
        return_form.add_spend_line(session, g.applicant, g.ret, line(g))


def test_the_whole_return_service_still_takes_whole_project_answers(make, session):
    g = grant(make, priorities=[(1, 60), (2, 40)])
    splits = g.app.priority_splits
    save_return(
        session,
        g.applicant,
        g.ret,
        progress_narrative="Done",
        outcomes="Good",
        beneficiaries_reached=30,
        spend_lines=[
            SpendLineInput(splits[0].priority_id, g.app.budget_lines[0].category_id, "Coaches", 90_000)
        ],
    )
    assert {o.priority_id: o.people_reached for o in g.ret.priority_outcomes} == {
        s.priority_id: 30 for s in splits
    }
    fire(session, g.ret, "submit", g.applicant)
    assert g.ret.state == "submitted"
    with pytest.raises(ReturnNotEditable):
        save_return(session, g.applicant, g.ret, progress_narrative="x", spend_lines=[])


def test_a_changed_line_records_its_category_and_priority_before_and_after(make, session):
    g = grant(make, priorities=[(1, 50), (2, 50)])
    staff = g.app.budget_lines[0].category_id
    other = make.ref.categories[1]
    session.add(BudgetLine(application=g.app, category_id=other.id, description="Kit", amount_pence=1))
    session.flush()
    p1, p2 = (s.priority_id for s in sorted(g.app.priority_splits, key=lambda s: s.priority.number))
    added = return_form.add_spend_line(
        session, g.applicant, g.ret, line(g, category_id=staff, priority_id=p1)
    )
    return_form.change_spend_line(
        session, g.applicant, g.ret, added.id, line(g, category_id=other.id, priority_id=p2)
    )
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "spend_line_changed")).scalar_one()
    assert (event.data["before"]["category_id"], event.data["category_id"]) == (staff, other.id)
    assert (event.data["before"]["priority_id"], event.data["priority_id"]) == (p1, p2)
    assert event.data["before"]["spent_on"] == london_today().isoformat()


def _quarter_return(g, days_ago: int = 30):
    """Make g's return cover the `days_ago` days up to today, in a grant that began long before: its
    period is then stricter than the grant period on both sides, as a Q3 return's is in a year-long grant."""
    today = london_today()
    g.app.start_date = today - timedelta(days=200)
    g.ret.period_starts_on, g.ret.period_ends_on = today - timedelta(days=days_ago), today
    return g.ret.period_starts_on, g.ret.period_ends_on


def test_earlier_spending_reported_late_is_taken_and_flagged_for_the_officer(make, session):
    # A Q3 return (1 October to 31 December) may take a receipt from 20 August that the group missed in
    # Q2's return, which may be accepted and closed to changes: the officer sees it is late.
    g = grant(make)
    first, last = _quarter_return(g)
    for day in (first - timedelta(days=1), first - timedelta(days=42), first, last):
        return_form.add_spend_line(session, g.applicant, g.ret, line(g, spent_on=day))
    flagged = sorted(x.spent_on for x in outside_period(g.ret))
    assert flagged == [first - timedelta(days=42), first - timedelta(days=1)]


def _ended_return(g):
    """g's return covers a period that ended 30 days ago (the grant began 60 days ago)."""
    g.app.start_date = london_today() - timedelta(days=60)
    g.ret.period_starts_on = london_today() - timedelta(days=60)
    g.ret.period_ends_on = london_today() - timedelta(days=30)
    return g.ret.period_ends_on


def test_spending_after_the_returns_period_is_refused(make, session):
    g = grant(make)
    ends = _ended_return(g)
    expected = (
        f"This return covers spending up to {format_date(ends)}. Put later spending in your next return"
    )
    with pytest.raises(Refusal) as refused:
        return_form.add_spend_line(
            session, g.applicant, g.ret, line(g, spent_on=london_today() - timedelta(days=5))
        )
    assert refused.value.errors == {"spent_on": expected}
    assert _lines(session) == 0


def test_a_line_cannot_be_changed_to_a_date_after_the_returns_period(make, session):
    g = grant(make)
    ends = _ended_return(g)
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g, 12_000, spent_on=ends))
    session.commit()
    with pytest.raises(Refusal) as refused:
        return_form.change_spend_line(
            session, g.applicant, g.ret, added.id, line(g, 15_000, spent_on=ends + timedelta(days=1))
        )
    assert "This return covers spending up to" in refused.value.errors["spent_on"]
    session.rollback()
    session.refresh(added)
    assert (added.spent_on, added.amount_pence) == (ends, 12_000)


def test_saving_a_whole_return_refuses_a_line_dated_after_its_period(make, session):
    # The path the demo, imports and tests take: the same rule as the portal's.
    g = grant(make)
    ends = _ended_return(g)
    with pytest.raises(Refusal) as refused:
        save_return(
            session,
            g.applicant,
            g.ret,
            progress_narrative="Ran sessions",
            spend_lines=[line(g, spent_on=ends + timedelta(days=1)), line(g, spent_on=ends)],
        )
    assert "This return covers spending up to" in refused.value.errors["spent_on"]
    session.rollback()
    assert _lines(session) == 0


def test_the_period_a_line_may_be_dated_in_stays_inside_the_grant(make, session):
    g = grant(make)
    today = london_today()
    g.ret.period_starts_on, g.ret.period_ends_on = today - timedelta(days=90), today
    g.app.start_date = today - timedelta(days=10)
    assert return_period(g.ret) == (today - timedelta(days=10), today)
    # A return saved before periods were recorded is held to the grant period.
    g.ret.period_starts_on = g.ret.period_ends_on = None
    assert return_period(g.ret) == (g.app.start_date, g.app.end_date)
