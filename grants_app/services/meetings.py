"""JAG meetings: arranging them, attendance, the agenda, delegated decisions for noting, and minutes.

Declarations, scores, votes and decisions have their own modules (declarations, scoring, votes,
decisions); the meeting record page and draft minutes are read from services.meeting_record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.dates import as_utc, format_datetime
from grants_app.models import (
    AgendaItem,
    Application,
    Attendance,
    Award,
    DecisionRoute,
    Meeting,
    Role,
    User,
    utcnow,
)
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.permissions import require_role
from grants_app.workflow import fire

MAX_MINUTES = 50_000


def has_started(meeting: Meeting) -> bool:
    """Whether the meeting's start time (stored in UTC) has passed."""
    return as_utc(meeting.starts_at) <= utcnow()


def require_started(meeting: Meeting, what: str) -> None:
    """Refusal when the meeting has not started yet: `what` ("Attendance", "Votes") is recorded at it."""
    if not has_started(meeting):
        raise Refusal(
            f"{meeting.title} starts on {format_datetime(meeting.starts_at)}: "
            f"{what.lower()} can be recorded once it has started"
        )


def create_meeting(
    session: Session,
    actor: User,
    *,
    title: str,
    starts_at: datetime,
    location: str = "",
    quorum_min_members: int = 3,
    quorum_min_agencies: int = 2,
    chair: User | None = None,
) -> Meeting:
    """Arrange a JAG meeting (officer). `starts_at` is an aware datetime (stored in UTC); the quorum
    is the number of voting members and of partner agencies needed for a decision."""
    require_role(actor, Role.OFFICER)
    if not title.strip():
        raise Refusal("Enter a title for the meeting", field="title")
    meeting = Meeting(
        title=title.strip(),
        starts_at=starts_at,
        location=location.strip(),
        quorum_min_members=quorum_min_members,
        quorum_min_agencies=quorum_min_agencies,
        chair_id=chair.id if chair is not None else None,
    )
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "meetings", meeting.id, "create", data=audit.snapshot(meeting))
    return meeting


def record_attendance(
    session: Session,
    actor: User,
    meeting: Meeting,
    member: User,
    *,
    present: bool = True,
    voting: bool = True,
) -> Attendance:
    """Record whether a member is present and voting (only JAG members vote); their agency is copied
    as it is today. Refusal before the meeting starts or once its minutes are approved."""
    require_role(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise Refusal("The minutes of this meeting are approved: attendance can no longer change")
    require_started(meeting, "Attendance")
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == member.id)
    ).scalar_one_or_none()
    if attendance is None:
        attendance = Attendance(meeting_id=meeting.id, user_id=member.id, agency_id=member.agency_id)
        session.add(attendance)
    attendance.present = present
    attendance.is_voting = voting and member.has_role(Role.JAG_MEMBER)
    session.flush()
    audit.record(
        session,
        actor,
        "meetings",
        meeting.id,
        "attendance",
        data={"member": member.audit_label, "present": present, "voting": attendance.is_voting},
    )
    return attendance


def set_attendance(
    session: Session, actor: User, meeting: Meeting, present_ids: set[int], candidates: list[User]
) -> None:
    """Record who of the candidates (the JAG members) is present: those whose ids are in present_ids."""
    for member in candidates:
        record_attendance(session, actor, meeting, member, present=member.id in present_ids)


def add_to_agenda(session: Session, actor: User, applications: list[Application], meeting: Meeting) -> None:
    """Put applications on a meeting's agenda: all of them, or (the caller rolling back) none."""
    if not applications:
        raise Refusal("Choose at least one application to add", field="application_id")
    for application in applications:
        fire(session, application, "add_to_agenda", actor, meeting_id=meeting.id)


def delegated_awaiting_noting(session: Session) -> list[Award]:
    """Awards the officer approved under delegated authority, not yet noted at a meeting."""
    return list(
        session.execute(
            select(Award)
            .where(Award.decision_route == DecisionRoute.DELEGATED, Award.noted_at_meeting_id.is_(None))
            .order_by(Award.approved_at)
        ).scalars()
    )


def note_delegated_decisions(session: Session, actor: User, meeting: Meeting) -> int:
    """The JAG notes the officer's delegated approvals made since its last meeting; returns how many."""
    require_role(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise Refusal("The minutes of this meeting are approved and can no longer change")
    awards = delegated_awaiting_noting(session)
    for award in awards:
        award.noted_at_meeting_id = meeting.id
        audit.record(
            session,
            actor,
            "application",
            award.application_id,
            "delegated_decision_noted",
            data={"meeting_id": meeting.id, "amount_pence": award.amount_pence},
        )
    session.flush()
    return len(awards)


def save_minutes(
    session: Session, actor: User, meeting: Meeting, *, minutes: str, approve: bool = False
) -> None:
    """Save the minutes (up to 50,000 characters); approving them locks the meeting's record, so it is
    refused (Refusal) while an item on the agenda has no outcome: decide, defer or take it off first."""
    require_role(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise Refusal("These minutes are approved and can no longer be changed")
    minutes = (minutes or "").strip()
    if len(minutes) > MAX_MINUTES:
        raise Refusal("Keep the minutes to 50,000 characters or fewer", field="minutes")
    if approve and not minutes:
        raise Refusal("Write the minutes before approving them", field="minutes")
    if approve:
        undecided = (
            session.execute(
                select(Application.reference)
                .join(AgendaItem, AgendaItem.application_id == Application.id)
                .where(AgendaItem.meeting_id == meeting.id, AgendaItem.outcome.is_(None))
                .order_by(AgendaItem.position, AgendaItem.id)
            )
            .scalars()
            .all()
        )
        if undecided:
            raise Refusal(
                "The minutes cannot be approved while an item has no outcome: decide, defer or take "
                f"off the agenda {', '.join(undecided)} first",
                field="minutes",
            )
    old = meeting.minutes
    meeting.minutes = minutes
    if approve:
        meeting.minutes_approved_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "meetings",
        meeting.id,
        "minutes_approved" if approve else "minutes_saved",
        data={"minutes": {"from": old, "to": minutes}},
    )
