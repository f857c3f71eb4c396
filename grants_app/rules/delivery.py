"""Rules while a grant is delivered: the monitoring schedule, returns and the final return. Money asked
back, settlement and closure are in settlement.py."""

from __future__ import annotations

from sqlalchemy import func, select

from grants_app.dates import format_date
from grants_app.lifecycle import PaymentTag, ReturnTag, payment_states, return_states
from grants_app.models import MonitoringReturn, Payment
from grants_app.rules.registry import effect, guard
from grants_app.services.monitoring import schedule_for_application
from grants_app.services.return_checks import not_sendable_yet, return_problems
from grants_app.workflow import SystemActor, TransitionContext, get_engine


@guard("final_return_is_accepted")
def final_return_is_accepted(ctx: TransitionContext) -> str | None:
    """The grant's final monitoring return has been accepted."""
    accepted = ctx.session.execute(
        select(func.count())
        .select_from(MonitoringReturn)
        .where(
            MonitoringReturn.application_id == ctx.obj.id,
            MonitoringReturn.is_final.is_(True),
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
    ).scalar_one()
    return None if accepted else "Accept the final monitoring return first"


@guard("no_payments_pending")
def no_payments_pending(ctx: TransitionContext) -> str | None:
    """No payment of this grant is still requested or authorised."""
    pending = ctx.session.execute(
        select(func.count())
        .select_from(Payment)
        .where(Payment.application_id == ctx.obj.id, Payment.state.in_(payment_states(PaymentTag.PENDING)))
    ).scalar_one()
    return "Pay or cancel the payments still in progress first" if pending else None


@guard("project_started_if_system")
def project_started_if_system(ctx: TransitionContext) -> str | None:
    """The scheduled job starts delivery on the project's start date (Europe/London), never before it;
    the officer or finance may start it earlier (a project that begins ahead of plan)."""
    starts_on = ctx.obj.start_date
    if not isinstance(ctx.actor, SystemActor) or starts_on is None or starts_on <= ctx.today:
        return None
    return f"The project starts on {format_date(starts_on)}; delivery starts then"


@effect("schedule_monitoring_returns")
def schedule_monitoring_returns(ctx: TransitionContext) -> None:
    """A return for each financial quarter the project runs in, the last one final, each due the fund's
    return_due_days after its period (see services.monitoring.scheduled_returns); returns already
    scheduled are kept."""
    app = ctx.obj
    existing = {r.period_label for r in app.monitoring_returns}
    engine = get_engine()
    for scheduled in schedule_for_application(app, ctx.today):
        if scheduled.label in existing:
            continue
        ret = MonitoringReturn(
            period_label=scheduled.label,
            period_starts_on=scheduled.starts_on,
            period_ends_on=scheduled.ends_on,
            due_on=scheduled.due_on,
            is_final=scheduled.is_final,
        )
        engine.start(ret)
        app.monitoring_returns.append(ret)


@guard("return_period_ended")
def return_period_ended(ctx: TransitionContext) -> str | None:
    """A return is sent from its period's last day (Europe/London), not before (see
    services.return_checks.sendable_from)."""
    return not_sendable_yet(ctx.obj, ctx.today)


@guard("return_complete")
def return_complete(ctx: TransitionContext) -> str | None:
    """A return says what the project did, and for each priority it serves how many people it reached
    and what changed, before it is sent (see services.return_checks.return_problems)."""
    problems = return_problems(ctx.obj)
    if not problems:
        return None
    return "Before you send the return: " + "; ".join(p.message[0].lower() + p.message[1:] for p in problems)


@effect("stamp_return_submission")
def stamp_return_submission(ctx: TransitionContext) -> None:
    """When the return was sent, and by whom."""
    ctx.obj.submitted_at = ctx.now
    ctx.obj.submitted_by_id = getattr(ctx.actor, "id", None)
