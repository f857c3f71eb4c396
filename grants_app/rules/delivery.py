"""Rules while a grant is delivered: the monitoring schedule, returns and the final return. Money asked
back, settlement and closure are in settlement.py."""

from __future__ import annotations

from sqlalchemy import func, select

from grants_app.lifecycle import PaymentTag, ReturnTag, payment_states, return_states
from grants_app.models import MonitoringReturn, Payment
from grants_app.rules.registry import effect, guard
from grants_app.services.monitoring import monitoring_schedule
from grants_app.workflow import TransitionContext, get_engine


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


@effect("schedule_monitoring_returns")
def schedule_monitoring_returns(ctx: TransitionContext) -> None:
    """A return for each financial quarter the project runs through, and a final one (see
    services.monitoring.monitoring_schedule); returns already scheduled are kept."""
    app = ctx.obj
    existing = {r.period_label for r in app.monitoring_returns}
    start = app.start_date or ctx.today
    end = app.end_date or app.fund.year_ends_on
    engine = get_engine()
    for label, due_on, is_final in monitoring_schedule(start, end):
        if label in existing:
            continue
        ret = MonitoringReturn(period_label=label, due_on=due_on, is_final=is_final)
        engine.start(ret)
        app.monitoring_returns.append(ret)


@guard("return_complete")
def return_complete(ctx: TransitionContext) -> str | None:
    """A return says what was done and how many people took part before it is sent."""
    ret: MonitoringReturn = ctx.obj
    missing = []
    if not ret.progress_narrative.strip():
        missing.append("what you did in this period")
    if ret.beneficiaries_reached is None:
        missing.append("how many people took part")
    if missing:
        return "Tell us " + " and ".join(missing) + " before you send the return"
    return None


@effect("stamp_return_submission")
def stamp_return_submission(ctx: TransitionContext) -> None:
    """When the return was sent, and by whom."""
    ctx.obj.submitted_at = ctx.now
    ctx.obj.submitted_by_id = getattr(ctx.actor, "id", None)
