"""The JAG meeting pack: the agenda and, for each item, what members need to decide; after the meeting,
the decisions and the minutes.

Shape: `build_jag_pack(session, meeting_id, viewer_id=..., viewer_sees_all=...)` returns a `JagPack` of
plain values (pence, London times, labels), read with a constant number of queries whatever the number of
items. A JAG member's pack leaves out the scores of items they declared an interest in, or have not
declared on yet (as the admin's application page does). Raises ReportFilterError("meeting_id").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.dates import as_utc, to_london
from grants_app.lifecycle import WrittenProcedureTag, written_procedure_states
from grants_app.models import (
    AgendaItem,
    AgendaOutcome,
    Application,
    ApplicationPriority,
    Attendance,
    Award,
    DecisionRoute,
    DeclarationOfInterest,
    Meeting,
    Organisation,
    PartnerAgency,
    Priority,
    Score,
    ScoringCriterion,
    User,
    Vote,
    VoteChoice,
    WrittenProcedure,
    WrittenProcedureResponse,
    utcnow,
)
from grants_app.reports.common import Provenance, provenance, state_labeller
from grants_app.reports.period import ReportFilterError
from grants_app.reports.render import render_pdf
from grants_app.reports.tables import COUNT, DATE, MONEY, TENTHS, TEXT, Column, Table
from grants_app.services.written_procedures import recommendation_words


@dataclass(frozen=True)
class CriterionScore:
    criterion: str
    average_tenths: int  # average of the members' scores, in tenths (32 is 3.2)
    max_score: int
    scorers: int


@dataclass(frozen=True)
class Interest:
    member: str
    agency: str
    nature: str


@dataclass
class PackItem:
    position: int
    application_id: int
    reference: str
    project: str
    organisation: str
    summary: str
    requested: int
    priorities: list[tuple[str, int]]
    screening_notes: str
    scores: list[CriterionScore] | None  # None: withheld from this reader
    interests: list[Interest]
    outcome: str = ""
    outcome_notes: str = ""
    awarded: int | None = None
    votes: tuple[int, int, int] = (0, 0, 0)  # for, against, abstain

    @property
    def overall_tenths(self) -> int | None:
        if not self.scores:
            return None
        return round(sum(s.average_tenths for s in self.scores) / len(self.scores))


@dataclass(frozen=True)
class DelegatedDecision:
    reference: str
    organisation: str
    project: str
    amount: int
    decided_at: datetime
    decided_by: str


@dataclass(frozen=True)
class WrittenDecision:
    """A written procedure concluded since the last meeting, for the JAG to note: its result as written
    when it closed (votes and responses never shift afterwards)."""

    reference: str
    organisation: str
    project: str
    recommendation: str  # 'Approve £1,500.00 with conditions: ...' or 'Decline: reason'
    outcome: str  # the staff label of its final state
    closed_at: datetime | None
    votes: tuple[int, int, int]  # for, against, abstained
    members_counted: int
    responses_counted: int
    agencies_counted: int
    outcome_note: str
    responses: tuple[tuple[str, str, str], ...]  # (member, agency, 'For'...), one per member circulated

    @property
    def responses_text(self) -> str:
        """'Name (agency): For; ...' for a spreadsheet cell."""
        return "; ".join(f"{m} ({a}): {r}" if a else f"{m}: {r}" for m, a, r in self.responses)


RESPONSE_WORDS = {VoteChoice.FOR: "For", VoteChoice.AGAINST: "Against", VoteChoice.ABSTAIN: "Abstained"}


@dataclass
class JagPack:
    provenance: Provenance
    meeting_id: int
    meeting_title: str
    starts_at: datetime
    location: str
    chair: str
    quorum: str
    held: bool
    items: list[PackItem]
    delegated: list[DelegatedDecision]
    written: list[WrittenDecision] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    minutes: str = ""
    minutes_approved_at: datetime | None = None

    @property
    def title(self) -> str:
        return f"JAG meeting pack: {self.meeting_title}"

    @property
    def decided(self) -> bool:
        return any(item.outcome for item in self.items)


OUTCOME_LABELS = {
    AgendaOutcome.APPROVED: "Approved",
    AgendaOutcome.DECLINED: "Declined",
    AgendaOutcome.INFORMATION_REQUESTED: "Information requested from the applicant",
    AgendaOutcome.DEFERRED: "Deferred",
}


def build_jag_pack(
    session: Session,
    meeting_id: int,
    *,
    generated_by: str,
    viewer_id: int | None = None,
    viewer_sees_all: bool = True,
) -> JagPack:
    meeting = session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if meeting is None:
        raise ReportFilterError("meeting_id", "Choose a meeting from the list")
    chair = (
        session.execute(select(User.full_name).where(User.id == meeting.chair_id)).scalar()
        if meeting.chair_id
        else None
    )
    rows = session.execute(
        select(AgendaItem, Application, Organisation.name, Award.amount_pence)
        .join(Application, Application.id == AgendaItem.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(Award, Award.application_id == Application.id)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position, AgendaItem.id)
    ).all()
    app_ids = [app.id for _item, app, _org, _amount in rows] or [-1]
    splits: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for app_id, number, short, pct in session.execute(
        select(
            ApplicationPriority.application_id,
            Priority.number,
            Priority.short_name,
            ApplicationPriority.percentage,
        )
        .join(Priority, Priority.id == ApplicationPriority.priority_id)
        .where(ApplicationPriority.application_id.in_(app_ids))
        .order_by(Priority.number)
    ):
        splits[app_id].append((f"{number}. {short}", pct))
    scores: dict[int, list[CriterionScore]] = defaultdict(list)
    for app_id, name, max_score, total, count in session.execute(
        select(
            Score.application_id,
            ScoringCriterion.name,
            ScoringCriterion.max_score,
            func.sum(Score.score),
            func.count(Score.id),
        )
        .join(ScoringCriterion, ScoringCriterion.id == Score.criterion_id)
        .where(Score.application_id.in_(app_ids))
        .group_by(
            Score.application_id,
            ScoringCriterion.id,
            ScoringCriterion.name,
            ScoringCriterion.max_score,
            ScoringCriterion.position,
        )
        .order_by(Score.application_id, ScoringCriterion.position)
    ):
        scores[app_id].append(
            CriterionScore(name, round(int(total) * 10 / int(count)), max_score, int(count))
        )
    interests: dict[int, list[Interest]] = defaultdict(list)
    for app_id, member, agency, nature in session.execute(
        select(
            DeclarationOfInterest.application_id,
            User.full_name,
            PartnerAgency.short_name,
            DeclarationOfInterest.nature,
        )
        .join(User, User.id == DeclarationOfInterest.user_id)
        .outerjoin(PartnerAgency, PartnerAgency.id == User.agency_id)
        .where(
            DeclarationOfInterest.application_id.in_(app_ids), DeclarationOfInterest.has_interest.is_(True)
        )
        .order_by(User.full_name)
    ):
        interests[app_id].append(Interest(member, agency or "", nature))
    may_see: set[int] = set(app_ids)
    if not viewer_sees_all:
        may_see = set(
            session.execute(
                select(DeclarationOfInterest.application_id).where(
                    DeclarationOfInterest.application_id.in_(app_ids),
                    DeclarationOfInterest.user_id == (viewer_id or -1),
                    DeclarationOfInterest.has_interest.is_(False),
                )
            ).scalars()
        )
    votes: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    order = {VoteChoice.FOR: 0, VoteChoice.AGAINST: 1, VoteChoice.ABSTAIN: 2}
    for item_id, choice, count in session.execute(
        select(Vote.agenda_item_id, Vote.choice, func.count())
        .join(AgendaItem, AgendaItem.id == Vote.agenda_item_id)
        .where(AgendaItem.meeting_id == meeting.id)
        .group_by(Vote.agenda_item_id, Vote.choice)
    ):
        votes[item_id][order[VoteChoice(choice)]] = int(count)
    items = [
        PackItem(
            position=n,
            application_id=app.id,
            reference=app.reference,
            project=app.title,
            organisation=org,
            summary=app.summary,
            requested=app.amount_requested_pence,
            priorities=splits.get(app.id, []),
            screening_notes=app.screening_notes,
            scores=scores.get(app.id, []) if app.id in may_see else None,
            interests=interests.get(app.id, []),
            outcome=OUTCOME_LABELS[item.outcome] if item.outcome else "",
            outcome_notes=item.outcome_notes,
            awarded=amount if item.outcome == AgendaOutcome.APPROVED else None,
            votes=tuple(votes[item.id]),
        )
        for n, (item, app, org, amount) in enumerate(rows, start=1)
    ]
    # Delegated decisions noted at this meeting, and, before it is minuted, those made since the previous
    # meeting started and before this one that are still waiting to be noted.
    delegated_filter = Award.noted_at_meeting_id == meeting.id
    if meeting.minutes_approved_at is None:
        delegated_filter = delegated_filter | (
            Award.noted_at_meeting_id.is_(None) & _since_last_meeting(session, meeting, Award.approved_at)
        )
    delegated = [
        DelegatedDecision(ref, org, title, amount, approved_at, by or "")
        for ref, org, title, amount, approved_at, by in session.execute(
            select(
                Application.reference,
                Organisation.name,
                Application.title,
                Award.amount_pence,
                Award.approved_at,
                User.full_name,
            )
            .join(Application, Application.id == Award.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .outerjoin(User, User.id == Award.approved_by_id)
            .where(Award.decision_route == DecisionRoute.DELEGATED, delegated_filter)
            .order_by(Award.approved_at)
        )
    ]
    written = _written_decisions(session, meeting)
    present = [
        f"{name} ({agency})" if agency else name
        for name, agency in session.execute(
            select(User.full_name, PartnerAgency.short_name)
            .select_from(Attendance)
            .join(User, User.id == Attendance.user_id)
            .outerjoin(PartnerAgency, PartnerAgency.id == Attendance.agency_id)
            .where(Attendance.meeting_id == meeting.id, Attendance.present.is_(True))
            .order_by(User.full_name)
        )
    ]

    starts_at = meeting.starts_at
    held = as_utc(starts_at) <= utcnow() or meeting.minutes_approved_at is not None
    return JagPack(
        provenance=provenance(session, generated_by),
        meeting_id=meeting.id,
        meeting_title=meeting.title,
        starts_at=starts_at,
        location=meeting.location,
        chair=chair or "To be confirmed",
        quorum=f"{meeting.quorum_min_members} voting members from {meeting.quorum_min_agencies} partner agencies",
        held=held,
        items=items,
        delegated=delegated,
        written=written,
        present=present,
        minutes=meeting.minutes,
        minutes_approved_at=meeting.minutes_approved_at,
    )


def _written_decisions(session: Session, meeting: Meeting) -> list[WrittenDecision]:
    """Written procedures noted at this meeting and, until its minutes are approved, those concluded
    since the previous meeting started and before this one, still waiting to be noted: three queries."""
    which = WrittenProcedure.noted_at_meeting_id == meeting.id
    if meeting.minutes_approved_at is None:
        which = which | (
            WrittenProcedure.noted_at_meeting_id.is_(None)
            & WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.CONCLUDED))
            & _since_last_meeting(session, meeting, WrittenProcedure.closed_at)
        )
    rows = session.execute(
        select(WrittenProcedure, Application.reference, Application.title, Organisation.name)
        .join(Application, Application.id == WrittenProcedure.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(which)
        .order_by(WrittenProcedure.closed_at, WrittenProcedure.id)
    ).all()
    responses: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for procedure_id, member, agency, choice, had_interest in session.execute(
        select(
            WrittenProcedureResponse.procedure_id,
            User.full_name,
            PartnerAgency.short_name,
            WrittenProcedureResponse.choice,
            WrittenProcedureResponse.had_interest,
        )
        .join(User, User.id == WrittenProcedureResponse.user_id)
        .outerjoin(PartnerAgency, PartnerAgency.id == WrittenProcedureResponse.agency_id)
        .where(WrittenProcedureResponse.procedure_id.in_([row[0].id for row in rows] or [-1]))
        .order_by(User.full_name)
    ):
        if had_interest:
            answer = "Declared an interest (did not vote)"
        elif choice is None:
            answer = "No response"
        else:
            answer = RESPONSE_WORDS[VoteChoice(choice)]
        responses[procedure_id].append((member, agency or "", answer))
    label = state_labeller()
    return [
        WrittenDecision(
            reference=reference,
            organisation=organisation,
            project=title,
            recommendation=recommendation_words(procedure),
            outcome=label(procedure.workflow_name, procedure.state),
            closed_at=procedure.closed_at,
            votes=(procedure.votes_for, procedure.votes_against, procedure.votes_abstain),
            members_counted=procedure.members_counted,
            responses_counted=procedure.responses_counted,
            agencies_counted=procedure.agencies_counted,
            outcome_note=procedure.outcome_note,
            responses=tuple(responses.get(procedure.id, [])),
        )
        for procedure, reference, title, organisation in rows
    ]


def _since_last_meeting(session: Session, meeting: Meeting, decided_at):
    """WHERE clause: `decided_at` is after the previous meeting started (if there was one) and before this
    meeting starts, so a meeting's pack notes only the decisions taken since the JAG last met (one query)."""
    previous = session.execute(
        select(func.max(Meeting.starts_at)).where(
            Meeting.starts_at < meeting.starts_at, Meeting.id != meeting.id
        )
    ).scalar()
    clause = decided_at < meeting.starts_at
    return clause & (decided_at >= previous) if previous is not None else clause


def jag_pack_tables(pack: JagPack) -> list[Table]:
    return [
        Table(
            "Agenda",
            (
                Column("Item", COUNT, 6),
                Column("Reference", TEXT, 15),
                Column("Organisation", TEXT, 30),
                Column("Project", TEXT, 36),
                Column("Requested", MONEY),
                Column("Priorities", TEXT, 36),
                Column("Average score (of 5)", TENTHS, 10),
                Column("Interests declared", COUNT, 10),
                Column("Decision", TEXT, 20),
                Column("Awarded", MONEY),
            ),
            [
                (
                    i.position,
                    i.reference,
                    i.organisation,
                    i.project,
                    i.requested,
                    "; ".join(f"{p} ({pct}%)" for p, pct in i.priorities),
                    i.overall_tenths,
                    len(i.interests),
                    i.outcome,
                    i.awarded,
                )
                for i in pack.items
            ],
        ),
        Table(
            "Delegated decisions",
            (
                Column("Reference", TEXT, 15),
                Column("Organisation", TEXT, 30),
                Column("Project", TEXT, 36),
                Column("Amount", MONEY),
            ),
            [(d.reference, d.organisation, d.project, d.amount) for d in pack.delegated],
        ),
        Table(
            "Written procedures",
            (
                Column("Reference", TEXT, 15),
                Column("Organisation", TEXT, 30),
                Column("Project", TEXT, 36),
                Column("Recommendation", TEXT, 40),
                Column("Outcome", TEXT, 30),
                Column("Closed", DATE),
                Column("For", COUNT, 6),
                Column("Against", COUNT, 8),
                Column("Abstained", COUNT, 9),
                Column("Members counted", COUNT, 9),
                Column("Responses counted", COUNT, 9),
                Column("Agencies responding", COUNT, 9),
                Column("Responses", TEXT, 60),
            ),
            [
                (
                    w.reference,
                    w.organisation,
                    w.project,
                    w.recommendation,
                    w.outcome,
                    to_london(w.closed_at).date() if w.closed_at else None,
                    *w.votes,
                    w.members_counted,
                    w.responses_counted,
                    w.agencies_counted,
                    w.responses_text,
                )
                for w in pack.written
            ],
        ),
    ]


def jag_pack_pdf(pack: JagPack) -> bytes:

    return render_pdf("reports/jag_pack.html", title=pack.title, provenance=pack.provenance, pack=pack)
