"""Rules of a JAG meeting: a decision is taken at a meeting that has started and whose minutes are not
approved, on an undecided agenda item, by a quorate meeting with a majority in favour (members who
declared an interest do not count); and what the decision records on the agenda."""

from __future__ import annotations

from sqlalchemy import func, select

from grants_app.dates import as_utc, format_datetime
from grants_app.models import AgendaItem, AgendaOutcome, Meeting
from grants_app.rules.registry import effect, guard
from grants_app.services import quorum
from grants_app.workflow import TransitionContext


def _meeting(ctx: TransitionContext) -> Meeting | None:
    meeting_id = ctx.inputs.get("meeting_id")
    return ctx.session.get(Meeting, meeting_id) if meeting_id else None


@guard("meeting_not_held")
def meeting_not_held(ctx: TransitionContext) -> str | None:
    """The meeting exists and its minutes are not yet approved (so its agenda can still change)."""
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose a JAG meeting that exists"
    if meeting.minutes_approved_at is not None:
        return f"The minutes of {meeting.title} are approved: choose a later meeting"
    return None


@guard("meeting_started")
def meeting_started(ctx: TransitionContext) -> str | None:
    """A decision at a meeting needs the meeting to have begun (none is taken at a future meeting).
    Passes when no meeting is named: another guard says whether one is required."""
    meeting = _meeting(ctx)
    if meeting is None:
        return None if not ctx.inputs.get("meeting_id") else "Choose a JAG meeting that exists"
    starts_at = as_utc(meeting.starts_at)
    if starts_at > ctx.now:
        return (
            f"{meeting.title} starts on {format_datetime(starts_at)}: decisions can be recorded "
            f"once it has started"
        )
    return None


@guard("minutes_not_approved")
def minutes_not_approved(ctx: TransitionContext) -> str | None:
    """Once a meeting's minutes are approved its record is locked: no decision can be added or changed."""
    meeting = _meeting(ctx)
    if meeting is not None and meeting.minutes_approved_at is not None:
        return f"The minutes of {meeting.title} are approved: its decisions can no longer change"
    return None


@guard("on_meeting_agenda")
def on_meeting_agenda(ctx: TransitionContext) -> str | None:
    """The application is an undecided item on the named meeting's agenda. Takes the item's row lock,
    so the quorum and majority guards after it count a tally no vote can change until the decision is
    committed (a member's vote takes the same lock)."""
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose the JAG meeting that took this decision"
    if quorum.open_agenda_item(ctx.session, meeting.id, ctx.obj.id, lock=True) is None:
        return f"This application is not an undecided item on the agenda of {meeting.title}"
    return None


def _quorum_refusal(ctx: TransitionContext, meeting: Meeting) -> str | None:
    status = quorum.quorum_for(ctx.session, meeting, ctx.obj.id)
    return None if status.is_quorate else status.explain()


@guard("quorate")
def quorate(ctx: TransitionContext) -> str | None:
    """Enough voting members present, from enough partner agencies, none of them with an interest
    (the meeting's quorum_min_members and quorum_min_agencies)."""
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose the JAG meeting that took this decision"
    return _quorum_refusal(ctx, meeting)


@guard("quorate_if_at_meeting")
def quorate_if_at_meeting(ctx: TransitionContext) -> str | None:
    """As `quorate` when the action is taken at a meeting; the officer acting alone needs no quorum."""
    meeting = _meeting(ctx)
    if ctx.inputs.get("meeting_id") and meeting is None:
        return "Choose a JAG meeting that exists"
    return _quorum_refusal(ctx, meeting) if meeting else None


@guard("majority_in_favour")
def majority_in_favour(ctx: TransitionContext) -> str | None:
    """More votes for than against among members without an interest; the count goes on the record."""
    meeting = _meeting(ctx)
    item = quorum.open_agenda_item(ctx.session, meeting.id, ctx.obj.id) if meeting else None
    if item is None:
        return "This application is not an undecided item on that meeting's agenda"
    status = quorum.quorum_for(ctx.session, meeting, ctx.obj.id)
    count = quorum.count_votes(ctx.session, item, status.voting_member_ids)
    if not count.carried:
        return (
            f"Approval needs more votes for than against among members without an interest "
            f"(for {count.in_favour}, against {count.against}, abstained {count.abstain})"
        )
    ctx.extra["votes"] = {"for": count.in_favour, "against": count.against, "abstain": count.abstain}
    return None


def _record_outcome(ctx: TransitionContext, outcome: AgendaOutcome) -> None:
    meeting_id = ctx.inputs.get("meeting_id")
    if not meeting_id:
        return
    item = quorum.open_agenda_item(ctx.session, meeting_id, ctx.obj.id, lock=True)
    if item is not None:
        if "votes" not in ctx.extra:  # the tally the item closed on goes on the record, whatever the outcome
            status = quorum.quorum_for(ctx.session, ctx.session.get(Meeting, meeting_id), ctx.obj.id)
            count = quorum.count_votes(ctx.session, item, status.voting_member_ids)
            ctx.extra["votes"] = {"for": count.in_favour, "against": count.against, "abstain": count.abstain}
        item.outcome = outcome
        item.outcome_notes = ctx.inputs.get("reason") or ctx.inputs.get("conditions") or ""
        item.decided_at = ctx.now
        ctx.extra["agenda_item_id"] = item.id


@effect("record_agenda_approval")
def record_agenda_approval(ctx: TransitionContext) -> None:
    """Mark the agenda item approved, with the conditions, when the decision was taken at a meeting."""
    _record_outcome(ctx, AgendaOutcome.APPROVED)


@effect("record_agenda_decline")
def record_agenda_decline(ctx: TransitionContext) -> None:
    """Mark the agenda item declined, with the reason."""
    _record_outcome(ctx, AgendaOutcome.DECLINED)


@effect("record_agenda_question")
def record_agenda_question(ctx: TransitionContext) -> None:
    """Mark the agenda item as sent back with a question (when asked at a meeting)."""
    _record_outcome(ctx, AgendaOutcome.INFORMATION_REQUESTED)


@effect("create_agenda_item")
def create_agenda_item(ctx: TransitionContext) -> None:
    """Add the application at the end of the meeting's agenda (or reopen its deferred item there)."""
    meeting_id = ctx.inputs["meeting_id"]
    item = ctx.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.application_id == ctx.obj.id)
    ).scalar_one_or_none()
    if item is None:
        last = ctx.session.execute(
            select(func.coalesce(func.max(AgendaItem.position), 0)).where(AgendaItem.meeting_id == meeting_id)
        ).scalar_one()
        ctx.session.add(AgendaItem(meeting_id=meeting_id, application_id=ctx.obj.id, position=last + 1))
    else:  # back on the same meeting's agenda after being deferred
        item.outcome = None
        item.decided_at = None


def _defer_open_items(ctx: TransitionContext, note: str) -> None:
    items = ctx.session.execute(
        select(AgendaItem).where(AgendaItem.application_id == ctx.obj.id, AgendaItem.outcome.is_(None))
    ).scalars()
    for item in items:
        item.outcome = AgendaOutcome.DEFERRED
        item.outcome_notes = note
        item.decided_at = ctx.now


@effect("defer_agenda_item")
def defer_agenda_item(ctx: TransitionContext) -> None:
    """Close the open agenda item as deferred, with the reason."""
    _defer_open_items(ctx, ctx.inputs.get("reason", ""))


@effect("withdraw_from_agenda")
def withdraw_from_agenda(ctx: TransitionContext) -> None:
    """A withdrawn application leaves any agenda it was on."""
    _defer_open_items(ctx, "Withdrawn: " + ctx.inputs.get("reason", ""))
