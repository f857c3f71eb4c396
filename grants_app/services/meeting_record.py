"""The record of one JAG meeting, read in a fixed number of queries whatever the length of its agenda:
attendance, each item with its quorum, votes and declared interests, delegated decisions noted, and a
first draft of the minutes built from all that."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from grants_app.dates import format_datetime
from grants_app.lifecycle import ApplicationTag, application_states
from grants_app.models import (
    AgendaItem,
    AgendaOutcome,
    Application,
    Attendance,
    Award,
    DeclarationOfInterest,
    Meeting,
    Role,
    User,
    UserRole,
)
from grants_app.money import format_pence
from grants_app.services import quorum
from grants_app.services.meetings import delegated_awaiting_noting
from grants_app.text import plural


@dataclass
class ItemRecord:
    """One agenda item as the meeting page shows it: quorum, votes, tally and declared interests."""

    item: AgendaItem
    quorum: quorum.QuorumStatus
    votes: dict[int, str]  # member id -> "for" / "against" / "abstain"
    count: quorum.VoteCount
    interests: list[DeclarationOfInterest] = field(default_factory=list)

    @property
    def application(self) -> Application:
        return self.item.application


@dataclass
class MeetingRecord:
    """Everything the meeting page and the draft minutes show."""

    meeting: Meeting
    attendances: list[Attendance]
    items: list[ItemRecord]
    noted: list[Award]

    @property
    def present_ids(self) -> set[int]:
        return {a.user_id for a in self.attendances if a.present}


def jag_members(session: Session) -> list[User]:
    """Active JAG members by name, with their agency (one query, plus one for their roles)."""
    return list(
        session.execute(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.JAG_MEMBER, User.is_active.is_(True))
            .options(joinedload(User.agency))
            .order_by(User.full_name)
        )
        .unique()
        .scalars()
    )


def ready_for_agenda(session: Session) -> list[Application]:
    """Applications that passed screening and wait for a meeting, with their organisation."""
    return list(
        session.execute(
            select(Application)
            .where(Application.state.in_(application_states(ApplicationTag.READY_FOR_AGENDA)))
            .options(joinedload(Application.organisation))
            .order_by(Application.reference)
        ).scalars()
    )


def delegated_for_noting(session: Session) -> list[Award]:
    """Delegated approvals waiting to be noted, with their application and approver loaded."""
    awards = delegated_awaiting_noting(session)
    if awards:
        session.execute(
            select(Award)
            .where(Award.id.in_([a.id for a in awards]))
            .options(joinedload(Award.application), joinedload(Award.approved_by))
        ).all()
    return awards


def build(session: Session, meeting: Meeting) -> MeetingRecord:
    """Everything the meeting page and the draft minutes show (five queries)."""
    attendances = list(
        session.execute(
            select(Attendance)
            .where(Attendance.meeting_id == meeting.id)
            .options(joinedload(Attendance.user), joinedload(Attendance.agency))
        ).scalars()
    )
    items = list(
        session.execute(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .options(
                joinedload(AgendaItem.application).joinedload(Application.organisation),
                joinedload(AgendaItem.application).joinedload(Application.award),
                selectinload(AgendaItem.votes),
            )
            .order_by(AgendaItem.position)
        )
        .unique()
        .scalars()
    )
    interests: dict[int, list[DeclarationOfInterest]] = defaultdict(list)
    for declaration in session.execute(
        select(DeclarationOfInterest)
        .join(AgendaItem, AgendaItem.application_id == DeclarationOfInterest.application_id)
        .where(AgendaItem.meeting_id == meeting.id, DeclarationOfInterest.has_interest.is_(True))
        .options(joinedload(DeclarationOfInterest.user))
    ).scalars():
        interests[declaration.application_id].append(declaration)
    noted = list(
        session.execute(
            select(Award)
            .where(Award.noted_at_meeting_id == meeting.id)
            .options(joinedload(Award.application), joinedload(Award.approved_by))
            .order_by(Award.approved_at)
        ).scalars()
    )
    voters = [
        (a.user_id, a.agency_id)
        for a in attendances
        if a.present and a.is_voting and a.agency is not None and a.agency.is_statutory_partner
    ]
    records = []
    for item in items:
        conflicted = frozenset(d.user_id for d in interests[item.application_id])
        status = quorum.status_from(meeting, voters, conflicted)
        votes = [(v.user_id, v.choice) for v in item.votes]
        records.append(
            ItemRecord(
                item=item,
                quorum=status,
                votes={user_id: choice.value for user_id, choice in votes},
                count=quorum.tally(votes, status.voting_member_ids),
                interests=interests[item.application_id],
            )
        )
    return MeetingRecord(meeting=meeting, attendances=attendances, items=records, noted=noted)


_OUTCOME_WORDS = {
    AgendaOutcome.APPROVED: "Approved",
    AgendaOutcome.DECLINED: "Declined",
    AgendaOutcome.INFORMATION_REQUESTED: "Information requested from the applicant",
    AgendaOutcome.DEFERRED: "Deferred",
}


def outcome_words(outcome: AgendaOutcome) -> str:
    """An agenda outcome as the minutes say it."""
    return _OUTCOME_WORDS[outcome]


def draft_minutes(record: MeetingRecord) -> str:
    """A first draft of the minutes from the record, so the officer edits rather than retypes."""
    meeting = record.meeting
    lines = [
        f"{meeting.title}, {format_datetime(meeting.starts_at)}"
        + (f", {meeting.location}" if meeting.location else "")
    ]
    present = [a for a in record.attendances if a.present]
    lines.append(
        "Present: "
        + (
            ", ".join(
                f"{a.user.full_name} ({a.agency.short_name if a.agency else 'no agency'})" for a in present
            )
            or "none recorded"
        )
    )
    for n, row in enumerate(record.items, start=1):
        app, item = row.application, row.item
        lines.append("")
        lines.append(
            f"{n}. {app.reference} {app.title} ({app.organisation.name}), "
            f"requested {format_pence(app.amount_requested_pence)}"
        )
        for declaration in row.interests:
            lines.append(
                f"   Interest declared by {declaration.user.full_name}: {declaration.nature}. Did not vote."
            )
        if row.votes:
            lines.append(
                f"   Votes: {row.count.in_favour} for, {row.count.against} against, "
                f"{row.count.abstain} abstained."
            )
        if item.outcome is None:
            lines.append("   Not yet decided.")
        else:
            outcome = outcome_words(item.outcome)
            if item.outcome == AgendaOutcome.APPROVED and app.award is not None:
                outcome += f" ({format_pence(app.award.amount_pence)})"
            lines.append(
                f"   Decision: {outcome}." + (f" {item.outcome_notes}" if item.outcome_notes else "")
            )
    if record.noted:
        lines.append("")
        lines.append(f"{plural(len(record.noted), 'Delegated decision')} noted:")
        lines += [f"   {a.application.reference}: {format_pence(a.amount_pence)}" for a in record.noted]
    return "\n".join(lines)
