"""The record of one JAG meeting, read in a fixed number of queries whatever the length of its agenda:
attendance, each item with its quorum, the live tally of votes (who has voted, who not yet, who cannot
because of an interest) and declared interests, delegated decisions and written procedures noted, and a
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
    Recommendation,
    Role,
    User,
    UserRole,
    Vote,
    WrittenProcedure,
)
from grants_app.money import format_pence
from grants_app.services import quorum, written_procedures
from grants_app.services.meetings import delegated_awaiting_noting, has_started
from grants_app.services.votes import tally_fingerprint
from grants_app.text import plural

# Where each member present and voting stands on an item.
VOTED, NOT_YET, INTEREST, UNDECLARED = "voted", "not yet voted", "interest", "not yet declared"


@dataclass
class TallyLine:
    """One member present and voting, and where they stand on the item."""

    attendance: Attendance
    status: str  # VOTED, NOT_YET, INTEREST or UNDECLARED
    vote: Vote | None = None

    @property
    def member(self) -> User:
        return self.attendance.user


@dataclass
class ItemRecord:
    """One agenda item as the meeting page shows it: quorum, votes, tally and declared interests."""

    item: AgendaItem
    quorum: quorum.QuorumStatus
    votes: dict[int, str]  # member id -> "for" / "against" / "abstain"
    count: quorum.VoteCount
    interests: list[DeclarationOfInterest] = field(default_factory=list)
    lines: list[TallyLine] = field(default_factory=list)
    # member id -> their declaration on this application (interest or none)
    declarations: dict[int, DeclarationOfInterest] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def application(self) -> Application:
        return self.item.application

    @property
    def is_open(self) -> bool:
        return self.item.outcome is None

    @property
    def outcome_text(self) -> str:
        """The decision in words, with the amount when approved: "Approved (£1,500.00)"; "" if open."""
        return decision_words(self.item)

    def lines_with(self, status: str) -> list[TallyLine]:
        return [line for line in self.lines if line.status == status]

    @property
    def on_behalf(self) -> list[TallyLine]:
        """Members whose vote the officer recorded for them (the record says so)."""
        return [line for line in self.lines if line.vote is not None and line.vote.on_behalf]

    def may_see_votes(self, user: User) -> bool:
        """A JAG member sees others' votes only after declaring no interest in the application; the
        officer, administrators and RAG viewers always do."""
        if not user.has_role(Role.JAG_MEMBER):
            return user.has_role(Role.OFFICER, Role.ADMIN, Role.RAG_VIEWER)
        declaration = self.declarations.get(user.id)
        return declaration is not None and not declaration.has_interest

    def line_for(self, user_id: int) -> TallyLine | None:
        return next((line for line in self.lines if line.member.id == user_id), None)


@dataclass
class MeetingRecord:
    """Everything the meeting page and the draft minutes show."""

    meeting: Meeting
    attendances: list[Attendance]
    items: list[ItemRecord]
    noted: list[Award]
    written_noted: list[WrittenProcedure] = field(default_factory=list)

    @property
    def present_ids(self) -> set[int]:
        return {a.user_id for a in self.attendances if a.present}

    @property
    def voting_open(self) -> bool:
        """Members vote from the meeting's start time until each item is closed, while its minutes
        are open."""
        return has_started(self.meeting) and self.meeting.minutes_approved_at is None


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
    """Everything the meeting page and the draft minutes show (seven queries, whatever the agenda)."""
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
                selectinload(AgendaItem.votes).joinedload(Vote.cast_by),
            )
            .order_by(AgendaItem.position)
        )
        .unique()
        .scalars()
    )
    declarations: dict[int, dict[int, DeclarationOfInterest]] = defaultdict(dict)
    for declaration in session.execute(
        select(DeclarationOfInterest)
        .join(AgendaItem, AgendaItem.application_id == DeclarationOfInterest.application_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .options(joinedload(DeclarationOfInterest.user))
    ).scalars():
        declarations[declaration.application_id][declaration.user_id] = declaration
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
    present_voting = sorted(
        (a for a in attendances if a.present and a.is_voting), key=lambda a: a.user.full_name
    )
    records = []
    for item in items:
        declared = declarations[item.application_id]
        interests = [d for d in declared.values() if d.has_interest]
        conflicted = frozenset(d.user_id for d in interests)
        cleared = frozenset(d.user_id for d in declared.values() if not d.has_interest)
        status = quorum.status_from(meeting, voters, conflicted, cleared)
        votes = [(v.user_id, v.choice) for v in item.votes]
        by_member = {v.user_id: v for v in item.votes}
        records.append(
            ItemRecord(
                item=item,
                quorum=status,
                votes={user_id: choice.value for user_id, choice in votes},
                count=quorum.tally(votes, status.voting_member_ids),
                interests=sorted(interests, key=lambda d: d.user.full_name),
                lines=[_line(a, declared.get(a.user_id), by_member.get(a.user_id)) for a in present_voting],
                declarations=declared,
                fingerprint=tally_fingerprint(votes),
            )
        )
    return MeetingRecord(
        meeting=meeting,
        attendances=attendances,
        items=records,
        noted=noted,
        written_noted=written_procedures.noted_at(session, meeting.id),
    )


def _line(attendance: Attendance, declaration: DeclarationOfInterest | None, vote: Vote | None) -> TallyLine:
    if declaration is not None and declaration.has_interest:
        return TallyLine(attendance, INTEREST)  # a vote cast before declaring the interest never counts
    if vote is not None:
        return TallyLine(attendance, VOTED, vote)
    return TallyLine(attendance, NOT_YET if declaration is not None else UNDECLARED)


_OUTCOME_WORDS = {
    AgendaOutcome.APPROVED: "Approved",
    AgendaOutcome.DECLINED: "Declined",
    AgendaOutcome.INFORMATION_REQUESTED: "Information requested from the applicant",
    AgendaOutcome.DEFERRED: "Deferred",
}


def outcome_words(outcome: AgendaOutcome) -> str:
    """An agenda outcome as the minutes say it."""
    return _OUTCOME_WORDS[outcome]


def decision_words(item: AgendaItem) -> str:
    """An agenda item's outcome in words, with the award when approved; "" while it is open."""
    if item.outcome is None:
        return ""
    words = outcome_words(item.outcome)
    award = item.application.award
    if item.outcome == AgendaOutcome.APPROVED and award is not None:
        words += f" ({format_pence(award.amount_pence)})"
    return words


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
            for word, choice in (("For", "for"), ("Against", "against"), ("Abstained", "abstain")):
                names = [
                    line.member.full_name
                    for line in row.lines
                    if line.vote is not None and line.vote.choice.value == choice
                ]
                if names:
                    lines.append(f"   {word}: {', '.join(names)}.")
            for line in row.on_behalf:
                by = line.vote.cast_by.full_name if line.vote.cast_by else "the officer"
                lines.append(f"   Vote of {line.member.full_name} recorded by the officer ({by}) for them.")
        if item.outcome is None:
            lines.append("   Not yet decided.")
        else:
            outcome = decision_words(item)
            lines.append(
                f"   Decision: {outcome}." + (f" {item.outcome_notes}" if item.outcome_notes else "")
            )
    if record.noted:
        lines.append("")
        lines.append(f"{plural(len(record.noted), 'Delegated decision')} noted:")
        lines += [f"   {a.application.reference}: {format_pence(a.amount_pence)}" for a in record.noted]
    if record.written_noted:
        lines.append("")
        lines.append(f"{plural(len(record.written_noted), 'Decision')} by written procedure noted:")
        for procedure in record.written_noted:
            lines += written_procedure_minutes(procedure)
    return "\n".join(lines)


def written_procedure_minutes(procedure: WrittenProcedure) -> list[str]:
    """A written procedure as the minutes record it: what was put, who responded how, and the result."""
    app = procedure.application
    by = procedure.started_by.full_name if procedure.started_by else "the officer"
    lines = [
        f"   {app.reference} {app.title}: circulated by {by}, deadline "
        f"{format_datetime(procedure.deadline_at)}, closed {format_datetime(procedure.closed_at)}.",
        f"   Recommendation: {written_procedures.recommendation_words(procedure)}.",
        f"   Votes: {procedure.votes_for} for, {procedure.votes_against} against, "
        f"{procedure.votes_abstain} abstained ({procedure.responses_counted} of "
        f"{procedure.members_counted} members responded, from "
        f"{plural(procedure.agencies_counted, 'partner agency', 'partner agencies')}).",
    ]
    for response in procedure.responses:
        lines.append("   - " + response_words(response))
    result = procedure.outcome_note or ""
    if procedure.recommendation == Recommendation.APPROVE and app.award is not None:
        result = result or f"Approved ({format_pence(app.award.amount_pence)})"
    lines.append(f"   Result: {result}.")
    return lines


def response_words(response) -> str:
    """'Amira Hussain (SBC): for - comment', or that they did not respond."""
    who = f"{response.user.full_name} ({response.agency.short_name if response.agency else 'no agency'})"
    if response.had_interest:
        return f"{who}: declared an interest, did not vote"
    if response.choice is None:
        return f"{who}: no vote"
    text = f"{who}: {response.choice.value}"
    if response.on_behalf and response.cast_by is not None:
        text += f" (recorded by the officer, {response.cast_by.full_name}, for them)"
    return text + (f" - {response.comment}" if response.comment else "")
