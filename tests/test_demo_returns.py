"""The demo shows monitoring returns at every stage across its grants in delivery, and reminders run on
it queue once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from grants_app.lifecycle import ApplicationTag, ReturnTag, has_tag
from grants_app.models import Application, MonitoringReturn, OutboxEmail, ReturnQuery, SpendLine
from grants_app.seed.demo import DEMO_APPLICANT, seed_demo
from grants_app.seed.demo.people import DEMO_STAFF, SECRETARIES
from grants_app.services.reminders import send_reminders
from grants_app.workflow import SYSTEM

TODAY = date(2026, 11, 30)


def test_the_demo_has_returns_due_overdue_to_review_queried_and_accepted(session, upload_folder):
    seed_demo(session, upload_folder, TODAY)
    session.commit()
    returns = session.execute(select(MonitoringReturn)).scalars().all()
    in_delivery = [r for r in returns if has_tag(r.application, ApplicationTag.PAYABLE)]
    tagged = {tag: [r for r in in_delivery if has_tag(r, tag)] for tag in ReturnTag}
    assert (
        tagged[ReturnTag.SPEND_ACCEPTED]
        and tagged[ReturnTag.AWAITING_REVIEW]
        and tagged[ReturnTag.QUERY_OPEN]
    )
    outstanding = tagged[ReturnTag.OUTSTANDING]
    assert any(r.due_on < TODAY for r in outstanding if not has_tag(r, ReturnTag.QUERY_OPEN))  # overdue
    assert any(r.due_on >= TODAY for r in outstanding)  # due
    # The demo applicant has an accepted return and one to do next, to walk through.
    mine = [
        r
        for r in in_delivery
        if DEMO_APPLICANT[0] in {m.user.email for m in r.application.organisation.members}
    ]
    assert any(has_tag(r, ReturnTag.SPEND_ACCEPTED) for r in mine)
    assert any(has_tag(r, ReturnTag.EDITABLE_BY_APPLICANT) for r in mine)
    # Filled in as the portal does: receipts on most lines, outcomes for each priority, the question kept.
    lines = session.execute(select(SpendLine)).scalars().all()
    assert lines and 0 < sum(1 for x in lines if x.receipt_document_id) < len(lines)
    reviewed = tagged[ReturnTag.AWAITING_REVIEW][0]
    assert reviewed.progress_narrative and len(reviewed.priority_outcomes) == len(
        reviewed.application.priority_splits
    )
    assert session.execute(select(func.count()).select_from(ReturnQuery)).scalar_one() == 1

    first = send_reminders(session, SYSTEM, TODAY)
    session.commit()
    assert first.overdue and first.digest_recipients
    queued = session.execute(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
    )
    assert queued.scalar_one() > 0
    second = send_reminders(session, SYSTEM, TODAY)
    assert not second.sent_anything
    assert session.execute(select(func.count()).select_from(Application)).scalar_one() >= 30


def test_demo_people_have_one_name_each():
    """A staff member and a group's secretary never share a name (the history would read as one person
    paying their own group)."""
    names = [s[1] for s in DEMO_STAFF] + SECRETARIES + [DEMO_APPLICANT[1]]
    assert len(names) == len(set(names))
