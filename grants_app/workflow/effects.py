"""Named effects used by workflow definitions: the work that follows a transition, in its transaction."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from grants_app.dates import quarter_bounds
from grants_app.models import (
    AgendaItem,
    AgendaOutcome,
    Award,
    DecisionRoute,
    InformationRequest,
    MonitoringReturn,
)
from grants_app.services import quorum
from grants_app.services.notifications import application_recipients, email_context
from grants_app.services.outbox import queue_email
from grants_app.workflow.engine import TransitionContext
from grants_app.workflow.registry import effect


def _email(ctx: TransitionContext, template: str, application=None, **context) -> None:
    application = application or ctx.obj
    queue_email(
        ctx.session,
        application_recipients(ctx.session, application),
        template,
        **email_context(ctx.session, ctx.settings, application),
        **context,
    )


# -- applications -------------------------------------------------------------------------------
@effect("stamp_submission")
def stamp_submission(ctx: TransitionContext) -> None:
    ctx.obj.submitted_at = ctx.now
    ctx.obj.amount_requested_pence = ctx.obj.budget_total_pence


@effect("refresh_amount_requested")
def refresh_amount_requested(ctx: TransitionContext) -> None:
    # The applicant may have changed the budget while answering our question.
    ctx.obj.amount_requested_pence = ctx.obj.budget_total_pence


@effect("email_submission_received")
def email_submission_received(ctx: TransitionContext) -> None:
    _email(ctx, "submission_received")


@effect("email_outcome")
def email_outcome(ctx: TransitionContext) -> None:
    _email(
        ctx,
        "status_changed",
        status=ctx.definition.applicant_label(ctx.transition.dest),
        reason=ctx.inputs.get("reason", ""),
    )


@effect("record_screening_notes")
def record_screening_notes(ctx: TransitionContext) -> None:
    note = ctx.inputs.get("notes") or ctx.inputs.get("reason")
    if note:
        stamp = f"[{ctx.transition.label}, {ctx.actor.audit_label}]"
        ctx.obj.screening_notes = "\n\n".join(filter(None, [ctx.obj.screening_notes, f"{stamp} {note}"]))


@effect("open_information_request")
def open_information_request(ctx: TransitionContext) -> None:
    ctx.obj.information_requests.append(
        InformationRequest(
            question=ctx.inputs["reason"], asked_by_id=getattr(ctx.actor, "id", None), asked_at=ctx.now
        )
    )


@effect("email_information_requested")
def email_information_requested(ctx: TransitionContext) -> None:
    _email(ctx, "information_requested", question=ctx.inputs["reason"])


_OUTCOMES = {
    "approved": AgendaOutcome.APPROVED,
    "declined": AgendaOutcome.DECLINED,
    "information_requested": AgendaOutcome.INFORMATION_REQUESTED,
}


@effect("record_agenda_outcome")
def record_agenda_outcome(ctx: TransitionContext) -> None:
    meeting_id = ctx.inputs.get("meeting_id")
    if not meeting_id:
        return
    item = quorum.open_agenda_item(ctx.session, meeting_id, ctx.obj.id)
    if item is not None:
        item.outcome = _OUTCOMES[ctx.transition.dest]
        item.outcome_notes = ctx.inputs.get("reason") or ctx.inputs.get("conditions") or ""
        item.decided_at = ctx.now
        ctx.extra["agenda_item_id"] = item.id


@effect("create_agenda_item")
def create_agenda_item(ctx: TransitionContext) -> None:
    meeting_id = ctx.inputs["meeting_id"]
    item = ctx.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.application_id == ctx.obj.id)
    ).scalar_one_or_none()
    if item is None:
        last = ctx.session.execute(
            select(func.coalesce(func.max(AgendaItem.position), 0)).where(AgendaItem.meeting_id == meeting_id)
        ).scalar_one()
        item = AgendaItem(meeting_id=meeting_id, application_id=ctx.obj.id, position=last + 1)
        ctx.session.add(item)
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
    _defer_open_items(ctx, ctx.inputs.get("reason", ""))


@effect("withdraw_from_agenda")
def withdraw_from_agenda(ctx: TransitionContext) -> None:
    _defer_open_items(ctx, "Withdrawn: " + ctx.inputs.get("reason", ""))


@effect("create_award")
def create_award(ctx: TransitionContext) -> None:
    meeting_id = ctx.inputs.get("meeting_id")
    ctx.obj.award = Award(
        amount_pence=ctx.inputs["amount_pence"],
        conditions=ctx.inputs.get("conditions", ""),
        decision_route=DecisionRoute.MEETING if meeting_id else DecisionRoute.DELEGATED,
        meeting_id=meeting_id,
        approved_by_id=getattr(ctx.actor, "id", None),
        approved_at=ctx.now,
    )


@effect("stamp_offer")
def stamp_offer(ctx: TransitionContext) -> None:
    award = ctx.obj.award
    award.offer_issued_at = ctx.now
    award.offer_expires_on = ctx.today + timedelta(days=ctx.obj.fund.offer_valid_days)


@effect("email_offer")
def email_offer(ctx: TransitionContext) -> None:
    award = ctx.obj.award
    _email(
        ctx,
        "offer_issued",
        amount=award.amount_pence,
        conditions=award.conditions,
        expires_on=award.offer_expires_on,
    )


@effect("stamp_acceptance")
def stamp_acceptance(ctx: TransitionContext) -> None:
    ctx.obj.award.accepted_at = ctx.now
    ctx.obj.award.accepted_by_name = ctx.inputs["accepted_by_name"]


@effect("record_repayment_demand")
def record_repayment_demand(ctx: TransitionContext) -> None:
    ctx.obj.award.repayment_demanded_pence += ctx.inputs["amount_pence"]


def monitoring_schedule(start: date, end: date) -> list[tuple[str, date, bool]]:
    """Quarterly returns for each financial quarter the project runs through, then a final return.

    Interim returns are due a month after the quarter ends; the final return a month after the project.
    """
    from grants_app.dates import financial_quarter_of, financial_year_of

    schedule: list[tuple[str, date, bool]] = []
    year, quarter = financial_year_of(start), financial_quarter_of(start)
    while True:
        _q_start, q_end = quarter_bounds(year, quarter)
        if q_end >= end:
            break
        schedule.append(
            (f"Q{quarter} {year}/{str(year + 1)[-2:]} progress", q_end + timedelta(days=30), False)
        )
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    schedule.append(("Final return", end + timedelta(days=30), True))
    return schedule


@effect("schedule_monitoring_returns")
def schedule_monitoring_returns(ctx: TransitionContext) -> None:
    from grants_app.workflow.engine import get_engine

    app = ctx.obj
    existing = {r.period_label for r in app.monitoring_returns}
    start = app.start_date or ctx.today
    end = app.end_date or app.fund.year_ends_on
    for label, due_on, is_final in monitoring_schedule(start, end):
        if label in existing:
            continue
        ret = MonitoringReturn(period_label=label, due_on=due_on, is_final=is_final)
        get_engine().start(ret)
        app.monitoring_returns.append(ret)


# -- monitoring returns ------------------------------------------------------------------------
@effect("stamp_return_submission")
def stamp_return_submission(ctx: TransitionContext) -> None:
    ctx.obj.submitted_at = ctx.now
    ctx.obj.submitted_by_id = getattr(ctx.actor, "id", None)


@effect("email_return_received")
def email_return_received(ctx: TransitionContext) -> None:
    _email(ctx, "return_received", application=ctx.obj.application, period=ctx.obj.period_label)


@effect("email_return_queried")
def email_return_queried(ctx: TransitionContext) -> None:
    _email(
        ctx,
        "return_queried",
        application=ctx.obj.application,
        period=ctx.obj.period_label,
        reason=ctx.inputs["reason"],
    )


# -- payments ------------------------------------------------------------------------------------
@effect("stamp_authoriser")
def stamp_authoriser(ctx: TransitionContext) -> None:
    ctx.obj.authorised_by_id = ctx.actor.id


@effect("stamp_payment")
def stamp_payment(ctx: TransitionContext) -> None:
    ctx.obj.paid_on = ctx.inputs["paid_on"]
    ctx.obj.payment_reference = ctx.inputs["payment_reference"]


@effect("email_payment_made")
def email_payment_made(ctx: TransitionContext) -> None:
    _email(
        ctx,
        "payment_made",
        application=ctx.obj.application,
        amount=ctx.obj.amount_pence,
        paid_on=ctx.obj.paid_on,
        payment_reference=ctx.obj.payment_reference,
    )
