"""A member's own screen: where they stand on each vote open to them (an item at a meeting that has
started, or a written procedure), and the tasks that send them there. Reads only; constant queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from grants_app.dates import as_utc, format_datetime
from grants_app.lifecycle import WrittenProcedureTag, has_tag, written_procedure_states
from grants_app.models import (
    AgendaItem,
    Application,
    Attendance,
    DeclarationOfInterest,
    Meeting,
    User,
    Vote,
    WrittenProcedure,
    WrittenProcedureResponse,
    utcnow,
)
from grants_app.services.meetings import has_started
from grants_app.text import plural

# What stands between the member and voting (the template words each one).
OPEN, NOT_STARTED, NOT_PRESENT, UNDECLARED, INTEREST, CLOSED, NOT_SENT = (
    "open",
    "not_started",
    "not_present",
    "undeclared",
    "interest",
    "voting_closed",
    "not_sent",
)
MAX_TASKS = 20


@dataclass
class Ballot:
    """What a member's 'Your vote' box shows: whether they may vote now (state), their vote so far,
    and the meeting item or written procedure it is on."""

    state: str
    vote: object | None = None  # Vote (meeting) or WrittenProcedureResponse (written procedure)
    meeting: Meeting | None = None
    item: AgendaItem | None = None
    procedure: WrittenProcedure | None = None


def _declaration_state(declaration: DeclarationOfInterest | None) -> str | None:
    if declaration is None:
        return UNDECLARED
    if declaration.has_interest:
        return INTEREST
    return None


def meeting_ballot(
    session: Session, user: User, application: Application, declaration: DeclarationOfInterest | None
) -> Ballot | None:
    """The member's vote on the application's open item at a meeting whose minutes are open, if it is
    on such an agenda (three queries)."""
    row = session.execute(
        select(AgendaItem, Meeting)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            AgendaItem.application_id == application.id,
            AgendaItem.outcome.is_(None),
            Meeting.minutes_approved_at.is_(None),
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    ).first()
    if row is None:
        return None
    item, meeting = row
    vote = session.execute(
        select(Vote)
        .where(Vote.agenda_item_id == item.id, Vote.user_id == user.id)
        .options(joinedload(Vote.cast_by))
    ).scalar_one_or_none()
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == user.id)
    ).scalar_one_or_none()
    if not has_started(meeting):
        state = NOT_STARTED
    elif attendance is None or not attendance.present or not attendance.is_voting:
        state = NOT_PRESENT
    else:
        state = _declaration_state(declaration) or OPEN
    return Ballot(state, vote, meeting=meeting, item=item)


def written_ballot(
    session: Session, user: User, procedure: WrittenProcedure, declaration: DeclarationOfInterest | None
) -> Ballot:
    """The member's vote on a written procedure (its responses already loaded)."""
    response = next((r for r in procedure.responses if r.user_id == user.id), None)
    if response is None:
        state = NOT_SENT
    elif (
        not has_tag(procedure, WrittenProcedureTag.OPEN_FOR_VOTES)
        or as_utc(procedure.deadline_at) <= utcnow()
    ):
        state = CLOSED
    else:
        state = _declaration_state(declaration) or OPEN
    return Ballot(state, response, procedure=procedure)


@dataclass(frozen=True)
class VotingTask:
    """A voting task for a JAG member's dashboard, linking to the part of the application page."""

    text: str
    application_id: int
    anchor: str


def voting_tasks(session: Session, user: User) -> list[VotingTask]:
    """A JAG member's votes still to give: items at meetings that have started where they are present
    and voting, and written procedures sent to them that are still open (two queries, at most 20)."""
    now = utcnow()
    mine = aliased(DeclarationOfInterest)
    tasks: list[VotingTask] = []
    items = session.execute(
        select(AgendaItem.application_id, Application.reference, Application.title, Meeting.title, mine.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Application, Application.id == AgendaItem.application_id)
        .join(
            Attendance,
            and_(
                Attendance.meeting_id == Meeting.id,
                Attendance.user_id == user.id,
                Attendance.present.is_(True),
                Attendance.is_voting.is_(True),
            ),
        )
        .outerjoin(mine, and_(mine.application_id == Application.id, mine.user_id == user.id))
        .outerjoin(Vote, and_(Vote.agenda_item_id == AgendaItem.id, Vote.user_id == user.id))
        .where(
            AgendaItem.outcome.is_(None),
            Meeting.minutes_approved_at.is_(None),
            Meeting.starts_at <= now,
            Vote.id.is_(None),
            func.coalesce(mine.has_interest, False).is_(False),
        )
        .order_by(Meeting.starts_at, AgendaItem.position)
        .limit(MAX_TASKS)
    ).all()
    for app_id, reference, title, meeting_title, declared in items:
        first = "Vote on" if declared else "Declare any interest in and vote on"
        tasks.append(
            VotingTask(f"{first} {reference} {title} at {meeting_title} (open now)", app_id, "your-vote")
        )
    procedures = session.execute(
        select(
            WrittenProcedure.application_id,
            Application.reference,
            Application.title,
            WrittenProcedure.deadline_at,
            mine.id,
        )
        .join(Application, Application.id == WrittenProcedure.application_id)
        .join(
            WrittenProcedureResponse,
            and_(
                WrittenProcedureResponse.procedure_id == WrittenProcedure.id,
                WrittenProcedureResponse.user_id == user.id,
                WrittenProcedureResponse.choice.is_(None),
            ),
        )
        .outerjoin(mine, and_(mine.application_id == Application.id, mine.user_id == user.id))
        .where(
            WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.OPEN_FOR_VOTES)),
            WrittenProcedure.deadline_at > now,
            func.coalesce(mine.has_interest, False).is_(False),
        )
        .order_by(WrittenProcedure.deadline_at)
        .limit(MAX_TASKS)
    ).all()
    for app_id, reference, title, deadline, declared in procedures:
        first = "vote on" if declared else "declare any interest in and vote on"
        tasks.append(
            VotingTask(
                f"Written procedure: {first} {reference} {title} by {format_datetime(deadline)}",
                app_id,
                "written-procedure",
            )
        )
    return tasks[:MAX_TASKS]


def officer_written_procedure_tasks(session: Session) -> list[VotingTask]:
    """Circulating written procedures (with how many members have responded) and concluded ones to
    report to the next meeting (two queries)."""
    responded = (
        select(
            WrittenProcedureResponse.procedure_id,
            func.count(WrittenProcedureResponse.choice).label("voted"),
            func.count().label("sent"),
        )
        .group_by(WrittenProcedureResponse.procedure_id)
        .subquery()
    )
    rows = session.execute(
        select(
            WrittenProcedure.application_id,
            Application.reference,
            WrittenProcedure.deadline_at,
            responded.c.voted,
            responded.c.sent,
        )
        .join(Application, Application.id == WrittenProcedure.application_id)
        .outerjoin(responded, responded.c.procedure_id == WrittenProcedure.id)
        .where(WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.OPEN_FOR_VOTES)))
        .order_by(WrittenProcedure.deadline_at)
        .limit(MAX_TASKS)
    ).all()
    tasks = [
        VotingTask(
            f"Written procedure on {reference}: {voted or 0} of {sent or 0} members have voted; "
            f"closes {format_datetime(deadline)}",
            app_id,
            "written-procedure",
        )
        for app_id, reference, deadline, voted, sent in rows
    ]
    to_note = session.execute(
        select(func.count())
        .select_from(WrittenProcedure)
        .where(
            WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.CONCLUDED)),
            WrittenProcedure.noted_at_meeting_id.is_(None),
        )
    ).scalar_one()
    if to_note:
        tasks.append(
            VotingTask(
                f"{plural(to_note, 'decision')} by written procedure to report to the next JAG meeting", 0, ""
            )
        )
    return tasks
