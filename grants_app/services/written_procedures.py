"""Written procedure: deciding an urgent application between JAG meetings by the members' written votes.

The officer circulates an application that passed screening with a summary, a recommendation (approve
an amount, with conditions, or decline, with the reason the group will be given) and a deadline at
least WRITTEN_PROCEDURE_MIN_HOURS ahead. Every active JAG member is emailed and sees it in "Your
tasks"; each declares any interest, then votes for, against or abstains on the recommendation.

It closes when the deadline passes (the `jobs close-written-procedures` CLI job, or the next page load)
or when every member has voted or declared an interest. The recommendation is adopted when enough
members responded (the written-procedure quorum: responses from at least WRITTEN_PROCEDURE_QUORUM_PERCENT
of the members without an interest, from at least WRITTEN_PROCEDURE_QUORUM_AGENCIES statutory partner
agencies) and more voted for than against; the application is then decided through its workflow.
Otherwise the application goes to the next meeting's agenda. The result, votes and responses are noted
at the next meeting and written into its draft minutes.

Counting follows the meeting's rules: only members of statutory partner agencies count, members who
declared an interest neither vote nor count, abstentions count as responses but for neither side.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from grants_app.dates import as_utc, format_datetime, london_moment
from grants_app.lifecycle import WrittenProcedureTag, has_tag, written_procedure_states
from grants_app.models import (
    Application,
    DeclarationOfInterest,
    Meeting,
    PartnerAgency,
    Recommendation,
    Role,
    User,
    UserRole,
    VoteChoice,
    WrittenProcedure,
    WrittenProcedureResponse,
    utcnow,
)
from grants_app.money import format_pence, parse_pounds
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.permissions import require_role
from grants_app.services.quorum import VoteCount, tally
from grants_app.services.votes import (
    clean_comment,
    parse_choice,
    record_vote_event,
    require_may_vote_for,
    require_no_interest_for,
)
from grants_app.text import clean_typed_text, plural
from grants_app.workflow import SYSTEM, fire, get_engine, start

MAX_SUMMARY = 5000
MAX_REASON = 5000
RECOMMENDATION_WORDS = {Recommendation.APPROVE: "approve", Recommendation.DECLINE: "decline"}


# -- counting ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProcedureCount:
    """Where a written procedure stands: who counts, who responded, and whether that is enough."""

    members: int  # circulated members of statutory partner agencies without an interest
    responded: int  # of those, how many voted (abstentions included)
    agencies: int  # statutory partner agencies of the members who responded
    required_responses: int
    required_agencies: int
    count: VoteCount
    # Every member it was sent to has voted or declared an interest: nothing more can come in.
    everyone_responded: bool
    interest_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def responses_needed(self) -> int:
        """At least one response, the quorum's share of the members, and one from each agency needed:
        three agencies cannot answer with fewer than three responses."""
        return max(self.required_responses, self.required_agencies, 1)

    @property
    def is_quorate(self) -> bool:
        return self.responded >= self.responses_needed and self.agencies >= self.required_agencies

    @property
    def carried(self) -> bool:
        return self.count.carried

    def explain(self) -> str:
        """Why the written procedure is not quorate, in a sentence."""
        return (
            f"Not quorate: {plural(self.responded, 'member')} of {self.members} without an interest "
            f"responded, from {plural(self.agencies, 'partner agency', 'partner agencies')}; at least "
            f"{plural(self.responses_needed, 'response')} from "
            f"{plural(self.required_agencies, 'agency', 'agencies')} are needed"
        )


def required_responses(members: int, percent: int) -> int:
    """Responses needed from `members`: `percent` of them, rounded up (half of 5 is 3)."""
    return math.ceil(members * percent / 100)


def count_responses(
    procedure: WrittenProcedure,
    rows: list[tuple[int, int | None, bool, VoteChoice | None]],
    interest_ids: frozenset[int],
) -> ProcedureCount:
    """The count from [(member id, agency id, agency is statutory, choice or None)] and the members
    who declared an interest in the application."""
    counted = [(u, a, c) for u, a, statutory, c in rows if statutory and u not in interest_ids]
    voted = [(u, a, c) for u, a, c in counted if c is not None]
    return ProcedureCount(
        members=len(counted),
        responded=len(voted),
        agencies=len({a for _u, a, _c in voted}),
        required_responses=required_responses(len(counted), procedure.quorum_percent),
        required_agencies=procedure.quorum_min_agencies,
        count=tally(((u, c) for u, _a, c in voted), frozenset(u for u, _a, _c in voted)),
        everyone_responded=all(c is not None or u in interest_ids for u, _a, _s, c in rows),
        interest_ids=interest_ids,
    )


def count_procedure(session: Session, procedure: WrittenProcedure) -> ProcedureCount:
    """Where the written procedure stands now (two queries)."""
    rows = session.execute(
        select(
            WrittenProcedureResponse.user_id,
            WrittenProcedureResponse.agency_id,
            PartnerAgency.is_statutory_partner,
            WrittenProcedureResponse.choice,
        )
        .outerjoin(PartnerAgency, PartnerAgency.id == WrittenProcedureResponse.agency_id)
        .where(WrittenProcedureResponse.procedure_id == procedure.id)
    ).all()
    interests = frozenset(
        session.execute(
            select(DeclarationOfInterest.user_id).where(
                DeclarationOfInterest.application_id == procedure.application_id,
                DeclarationOfInterest.has_interest.is_(True),
            )
        ).scalars()
    )
    return count_responses(procedure, [(r[0], r[1], bool(r[2]), r[3]) for r in rows], interests)


# -- starting -------------------------------------------------------------------------------------------
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$|^(\d{1,2})/(\d{1,2})/(\d{4})$")
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})$")


def parse_deadline(day: str, clock: str) -> datetime:
    """The deadline as typed (a date like 2026-05-14 or 14/05/2026 and a 24-hour time like 17:00,
    Europe/London) -> an aware UTC datetime. Refusal naming the field for anything else."""
    day = day.strip() if isinstance(day, str) else ""
    clock = (clock.strip() if isinstance(clock, str) else "") or "17:00"
    match = _DAY.match(day)
    when = None
    if match:
        year, month, dom = (match[1], match[2], match[3]) if match[1] else (match[6], match[5], match[4])
        try:
            when = date(int(year), int(month), int(dom))
        except ValueError:
            when = None
    if when is None:
        raise Refusal("Enter the deadline as a real date, like 14/05/2026", field="deadline_date")
    match = _CLOCK.match(clock)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise Refusal("Enter the deadline time as 24-hour time, like 17:00", field="deadline_time")
    at = time(int(match[1]), int(match[2]))
    return london_moment(when, at)


def parse_amount(text: str) -> int:
    """Pounds as typed -> pence; Refusal on the amount field."""
    try:
        return parse_pounds(text)
    except ValueError as exc:
        raise Refusal(str(exc), field="amount") from None


def _text(value: object, label: str, field_name: str, max_length: int) -> str:
    try:
        return clean_typed_text(value, label=label, max_length=max_length)
    except ValueError as exc:
        raise Refusal(str(exc), field=field_name) from None


def open_procedure_for(session: Session, application_id: int) -> WrittenProcedure | None:
    """The application's written procedure that is being prepared or circulating, if any."""
    return session.execute(
        select(WrittenProcedure)
        .where(
            WrittenProcedure.application_id == application_id,
            WrittenProcedure.state.not_in(written_procedure_states(WrittenProcedureTag.TERMINAL)),
        )
        .order_by(WrittenProcedure.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def procedures_for(session: Session, application_id: int) -> list[WrittenProcedure]:
    """Every written procedure on the application, newest first, with responses and members loaded."""
    return list(
        session.execute(
            select(WrittenProcedure)
            .where(WrittenProcedure.application_id == application_id)
            .options(
                selectinload(WrittenProcedure.responses).joinedload(WrittenProcedureResponse.user),
                selectinload(WrittenProcedure.responses).joinedload(WrittenProcedureResponse.agency),
                selectinload(WrittenProcedure.responses).joinedload(WrittenProcedureResponse.cast_by),
                joinedload(WrittenProcedure.started_by),
                joinedload(WrittenProcedure.referred_to_meeting),
            )
            .order_by(WrittenProcedure.id.desc())
        )
        .unique()
        .scalars()
    )


def start_written_procedure(
    session: Session,
    actor: User,
    application: Application,
    *,
    deadline_at: datetime | None,
    summary: str,
    recommendation: Recommendation | str,
    amount_pence: int | None = None,
    conditions: str = "",
    reason: str = "",
) -> WrittenProcedure:
    """Put an application that passed screening to written procedure (officer), and circulate it.

    `deadline_at` is an aware datetime (see parse_deadline); `summary` (up to 5,000 characters) is what
    the members read; `recommendation` is approve (amount_pence, no more than requested; optional
    conditions) or decline (`reason`, sent to the group if adopted). The workflow checks the deadline
    is far enough ahead and that there are members to consult, takes the application into written
    procedure, enrols every active JAG member and emails them. Refusal (naming the field) for anything
    missing or wrong; nothing is changed then.
    """
    require_role(actor, Role.OFFICER)
    problems: dict[str, str] = {}
    try:
        summary = _text(summary, "The summary", "summary", MAX_SUMMARY)
        if not summary:
            problems["summary"] = "Enter a summary for the members"
    except Refusal as refusal:
        problems.update(refusal.errors)
    try:
        choice = Recommendation(recommendation) if isinstance(recommendation, str | Recommendation) else None
    except ValueError:
        choice = None
    if choice is None:
        problems["recommendation"] = "Choose whether you recommend approving or declining the application"
    try:
        conditions = _text(conditions, "The conditions", "conditions", MAX_REASON)
        reason = _text(reason, "The reason", "reason", MAX_REASON)
    except Refusal as refusal:
        problems.update(refusal.errors)
    if choice == Recommendation.APPROVE:
        if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
            problems["amount"] = "Enter the amount you recommend approving"
        elif amount_pence > application.amount_requested_pence:
            problems["amount"] = (
                f"The recommended award of {format_pence(amount_pence)} is more than the "
                f"{format_pence(application.amount_requested_pence)} requested"
            )
        reason = ""
    elif choice == Recommendation.DECLINE:
        amount_pence, conditions = None, ""
        if not reason and "reason" not in problems:
            problems["reason"] = "Enter the reason for declining: the group is told it if the members agree"
    if not isinstance(deadline_at, datetime) or deadline_at.tzinfo is None:
        problems["deadline_date"] = "Enter the deadline date and time"
    if problems:
        raise Refusal(errors=problems)

    procedure = WrittenProcedure(
        application_id=application.id,
        started_by_id=actor.id,
        summary=summary,
        recommendation=choice,
        amount_pence=amount_pence,
        conditions=conditions,
        reason=reason,
        deadline_at=deadline_at.astimezone(UTC),
    )
    start(procedure)
    session.add(procedure)
    session.flush()
    procedure.application = application
    fire(session, procedure, "circulate", actor)
    return procedure


# -- voting -------------------------------------------------------------------------------------------
def _lock(session: Session, procedure_id: int) -> WrittenProcedure | None:
    """The procedure, reloaded under its row lock: a vote and the close are taken one after the other."""
    return session.execute(
        select(WrittenProcedure)
        .where(WrittenProcedure.id == procedure_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def cast_written_vote(
    session: Session,
    actor: User,
    procedure: WrittenProcedure,
    member: User,
    choice: VoteChoice | str,
    comment: str = "",
) -> WrittenProcedureResponse:
    """Record `member`'s vote on the recommendation (replacing an earlier one), by the member (or the
    officer on their behalf), with an optional comment (up to 2,000 characters). When it is the last
    response awaited, the procedure closes at once (as the system).

    Refusal if another member's vote is cast by a non-officer, the choice or comment is invalid, the
    procedure is not circulating or its deadline has passed, it was not sent to the member, or the
    member has not declared or has an interest.
    """
    on_behalf = require_may_vote_for(actor, member)
    choice = parse_choice(choice)
    comment = clean_comment(comment)
    locked = _lock(session, procedure.id)
    if locked is None or not has_tag(locked, WrittenProcedureTag.OPEN_FOR_VOTES):
        raise Refusal("This written procedure has closed: votes can no longer be given or changed")
    now = utcnow()
    if as_utc(locked.deadline_at) <= now:
        raise Refusal(
            f"The deadline for this written procedure passed on {format_datetime(locked.deadline_at)}: "
            "votes can no longer be given or changed"
        )
    response = session.execute(
        select(WrittenProcedureResponse)
        .where(
            WrittenProcedureResponse.procedure_id == locked.id, WrittenProcedureResponse.user_id == member.id
        )
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if response is None:
        who = f"{member.full_name} was" if on_behalf else "You were"
        raise Refusal(
            f"{who} not a JAG member when this written procedure was circulated, so cannot vote on it"
        )
    require_no_interest_for(session, member, locked.application_id, on_behalf)
    previous = response.choice
    if previous == choice and response.comment == comment and response.cast_by_id == actor.id:
        return response  # sent twice: nothing changes
    response.choice = choice
    response.comment = comment
    response.cast_at = now
    response.cast_by_id = actor.id
    session.flush()
    record_vote_event(
        session,
        actor,
        member,
        locked.application_id,
        "written_vote",
        choice=choice,
        previous=previous,
        comment=comment,
        on_behalf=on_behalf,
        where={"written_procedure_id": locked.id},
    )
    if count_procedure(session, locked).everyone_responded:
        try:  # the last awaited response closes it at once; if that is refused, the job closes it later
            with session.begin_nested():
                close_written_procedure(session, SYSTEM, locked)
        except Refusal:
            pass
    return response


# -- closing ------------------------------------------------------------------------------------------
def voting_is_over(session: Session, procedure: WrittenProcedure, now: datetime) -> bool:
    """The deadline has passed, or every member it was sent to has voted or declared an interest."""
    return as_utc(procedure.deadline_at) <= now or count_procedure(session, procedure).everyone_responded


def close_written_procedure(session: Session, actor, procedure: WrittenProcedure) -> str:
    """Close a circulating procedure whose voting is over: adopt the recommendation when it is quorate
    and carried (deciding the application), else refer the application to the next JAG meeting.

    Returns the trigger fired ("adopt" or "refer"). If the decision itself is refused (the fund has no room left for
    the award, say), the application is referred with that reason. Refusal if voting is not over.
    """
    count = count_procedure(session, procedure)
    if count.is_quorate and count.carried:
        try:
            fire(session, procedure, "adopt", actor)
        except Refusal as refusal:
            why = f"The recommendation was carried but could not be carried out: {refusal}"
        else:
            return "adopt"
    elif not count.is_quorate:
        why = count.explain()
    else:
        why = f"Not carried: {count.count.in_favour} for, {count.count.against} against, {count.count.abstain} abstained"
    fire(session, procedure, "refer", actor, reason=why)
    return "refer"


def circulating() -> ColumnElement[bool]:
    """The condition "this written procedure is open for votes" (on the state index)."""
    return WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.OPEN_FOR_VOTES))


def due_for_closing(session: Session, now: datetime, limit: int = 50) -> list[int]:
    """Ids of circulating procedures whose deadline has passed or which every member has answered
    (voted or declared an interest): one query, oldest deadline first."""
    awaited = (
        select(WrittenProcedureResponse.id)
        .where(
            WrittenProcedureResponse.procedure_id == WrittenProcedure.id,
            WrittenProcedureResponse.choice.is_(None),
            not_(
                exists().where(
                    and_(
                        DeclarationOfInterest.application_id == WrittenProcedure.application_id,
                        DeclarationOfInterest.user_id == WrittenProcedureResponse.user_id,
                        DeclarationOfInterest.has_interest.is_(True),
                    )
                )
            ),
        )
        .correlate(WrittenProcedure)
    )
    return list(
        session.execute(
            select(WrittenProcedure.id)
            .where(
                WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.OPEN_FOR_VOTES)),
                or_(WrittenProcedure.deadline_at <= now, not_(awaited.exists())),
            )
            .order_by(WrittenProcedure.deadline_at)
            .limit(limit)
        ).scalars()
    )


@dataclass
class CloseReport:
    """What closing due written procedures did: (reference, result) closed, and (reference, why) refused."""

    closed: list[tuple[str, str]] = field(default_factory=list)  # (reference, the result for staff)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def close_due_written_procedures(session: Session, actor=SYSTEM) -> CloseReport:
    """Close every written procedure whose voting is over (the CLI job and the page-load check).

    Each close is its own savepoint in the caller's transaction, so one refusal (reported, not raised:
    someone else closed it a moment ago, say) does not undo the others.
    """
    report = CloseReport()
    for procedure_id in due_for_closing(session, utcnow()):
        procedure = session.get(WrittenProcedure, procedure_id)
        reference = procedure.application.reference
        try:
            with session.begin_nested():
                close_written_procedure(session, actor, procedure)
                report.closed.append((reference, get_engine().staff_label(procedure)))
        except Refusal as refusal:
            report.refused.append((reference, str(refusal)))
    return report


def stop_written_procedure(
    session: Session, actor: User, procedure: WrittenProcedure, *, reason: str
) -> None:
    """The officer stops a circulating procedure (with a reason, up to 5,000 characters): the
    application goes back to the applications that passed screening. Refusal if it has closed."""
    require_role(actor, Role.OFFICER)
    reason = _text(reason, "The reason", "reason", MAX_REASON)
    if not reason:
        raise Refusal("Enter the reason for stopping the written procedure", field="reason")
    fire(session, procedure, "stop", actor, reason=reason)


# -- after it closes ----------------------------------------------------------------------------------
def awaiting_noting(session: Session) -> list[WrittenProcedure]:
    """Concluded procedures (adopted or referred) not yet noted at a meeting, with what the meeting
    page and the minutes show loaded (two queries)."""
    return _with_details(
        session,
        select(WrittenProcedure).where(
            WrittenProcedure.state.in_(written_procedure_states(WrittenProcedureTag.CONCLUDED)),
            WrittenProcedure.noted_at_meeting_id.is_(None),
        ),
    )


def noted_at(session: Session, meeting_id: int) -> list[WrittenProcedure]:
    """The procedures noted at this meeting, with their details (two queries)."""
    return _with_details(
        session, select(WrittenProcedure).where(WrittenProcedure.noted_at_meeting_id == meeting_id)
    )


def _with_details(session: Session, stmt) -> list[WrittenProcedure]:
    return list(
        session.execute(
            stmt.options(
                joinedload(WrittenProcedure.application).joinedload(Application.award),
                joinedload(WrittenProcedure.started_by),
                joinedload(WrittenProcedure.referred_to_meeting),
                selectinload(WrittenProcedure.responses).options(
                    joinedload(WrittenProcedureResponse.user),
                    joinedload(WrittenProcedureResponse.agency),
                    joinedload(WrittenProcedureResponse.cast_by),
                ),
            ).order_by(WrittenProcedure.closed_at, WrittenProcedure.id)
        )
        .unique()
        .scalars()
    )


def note_written_procedures(session: Session, actor: User, meeting: Meeting) -> int:
    """The JAG notes the written procedures concluded since it last met; returns how many."""
    require_role(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise Refusal("The minutes of this meeting are approved and can no longer change")
    procedures = awaiting_noting(session)
    for procedure in procedures:
        procedure.noted_at_meeting_id = meeting.id
        audit.record(
            session,
            actor,
            "application",
            procedure.application_id,
            "written_procedure_noted",
            data={"meeting_id": meeting.id, "written_procedure_id": procedure.id},
        )
    session.flush()
    return len(procedures)


def recommendation_words(procedure: WrittenProcedure) -> str:
    """'Approve £1,500.00 with conditions: ...' or 'Decline: reason' (no closing full stop)."""
    if procedure.recommendation == Recommendation.APPROVE:
        text = f"Approve {format_pence(procedure.amount_pence)}"
        return text + (
            f" with conditions: {procedure.conditions.rstrip('.')}" if procedure.conditions else ""
        )
    return f"Decline: {procedure.reason.rstrip('.')}"


def jag_members_to_consult(session: Session) -> list[User]:
    """Active JAG members, with their agency (one query): whom a written procedure is circulated to."""
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
