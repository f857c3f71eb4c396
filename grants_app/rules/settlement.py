"""Rules about the end of a grant's money: settling it when the final return is accepted, recoveries
(money asked back for an underspend or misuse) and closure.

A grant closes only when every penny paid is accounted for (spent in accepted returns, or asked back and
then received or written off) and no return waits for review; closing it marks the returns the group has
not sent as not needed, so nobody chases them.

When the officer accepts a final monitoring return, `settle_grant_if_final` moves the application to
its final-return-accepted state and, if the group was paid more than the accepted spend, raises a
recovery for the difference (the group is emailed). The grant closes once nothing is owed either way.
"""

from __future__ import annotations

from datetime import timedelta

from grants_app.dates import format_date
from grants_app.lifecycle import ReturnTag, has_tag
from grants_app.models import MonitoringReturn, Recovery, RecoveryKind
from grants_app.money import format_pence
from grants_app.refusals import Refusal
from grants_app.rules.registry import effect, guard
from grants_app.services import fund_budget
from grants_app.workflow import SystemActor, TransitionContext, fire

DEFAULT_RECOVERY_DAYS = 30
# Furthest a recovery's due date may be set.
MAX_RECOVERY_DAYS = 366


def recovery_days(ctx: TransitionContext) -> int:
    """Days the group has to repay a recovery (RECOVERY_DUE_DAYS, default 30)."""
    return int(getattr(ctx.settings, "recovery_due_days", DEFAULT_RECOVERY_DAYS) or DEFAULT_RECOVERY_DAYS)


@effect("settle_grant_if_final")
def settle_grant_if_final(ctx: TransitionContext) -> None:
    """A final return accepted settles the grant: the application goes to its final-return-accepted
    state (fired as the system, on this officer's acceptance), and if more was paid than the accepted
    spend, a recovery of the underspend (less any recovery already raised) is raised and the group
    emailed. Refusal (nothing accepted) if the grant cannot be settled now, saying why; and for an
    earlier return accepted after the grant was settled, whose spend would change the settled figures."""
    ret: MonitoringReturn = ctx.obj
    application = ret.application
    if not ret.is_final:
        if fund_budget.application_money(ctx.session, application.id).final_accepted:
            raise Refusal(
                "The final return of this grant is accepted and its money settled: an earlier return "
                "can no longer be accepted"
            )
        return
    system = SystemActor(label=f"System, on the final return accepted by {ctx.actor.audit_label}")
    try:
        fire(ctx.session, application, "accept_final_return", system)
    except Refusal as refusal:
        raise Refusal(f"The final return cannot be accepted yet: {refusal}") from refusal
    money = fund_budget.application_money(ctx.session, application.id)
    to_recover = money.underspend_pence - money.raised_pence
    if to_recover > 0:
        fire(
            ctx.session,
            application,
            "demand_repayment",
            system,
            amount_pence=to_recover,
            reason=(
                f"Underspend: {format_pence(money.paid_pence)} was paid and the accepted monitoring "
                f"returns show {format_pence(money.spent_pence)} spent"
            ),
            due_on=ctx.today + timedelta(days=recovery_days(ctx)),
        )


@guard("repayment_within_paid")
def repayment_within_paid(ctx: TransitionContext) -> str | None:
    """Money asked back (amount_pence, on top of earlier recoveries) is no more than was paid."""
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    can_ask = money.paid_pence - money.raised_pence
    if ctx.inputs["amount_pence"] > can_ask:
        return (
            f"You can ask for at most {format_pence(max(can_ask, 0))}: {format_pence(money.paid_pence)} "
            f"was paid and {format_pence(money.raised_pence)} has already been asked back"
        )
    return None


@guard("recovery_due_date_valid")
def recovery_due_date_valid(ctx: TransitionContext) -> str | None:
    """A recovery's due date (if given) is from today to a year ahead."""
    due_on = ctx.inputs.get("due_on")
    if due_on is None:
        return None
    latest = ctx.today + timedelta(days=MAX_RECOVERY_DAYS)
    if not ctx.today <= due_on <= latest:
        return f"The date to repay by must be between {format_date(ctx.today)} and {format_date(latest)}"
    return None


@effect("raise_recovery")
def raise_recovery(ctx: TransitionContext) -> None:
    """Record the recovery: amount, reason and the date to repay by (default: the settings'
    recovery_due_days from today). Raised at settlement it is an underspend; by a person, misuse."""
    recovery = Recovery(
        kind=RecoveryKind.UNDERSPEND if isinstance(ctx.actor, SystemActor) else RecoveryKind.MISUSE,
        amount_pence=ctx.inputs["amount_pence"],
        reason=ctx.inputs["reason"],
        due_on=ctx.inputs.get("due_on") or ctx.today + timedelta(days=recovery_days(ctx)),
        raised_by_id=getattr(ctx.actor, "id", None),
        raised_by_label=ctx.actor.audit_label,
        raised_at=ctx.now,
    )
    ctx.obj.recoveries.append(recovery)
    ctx.session.flush()
    ctx.extra["recovery_id"] = recovery.id


@guard("nothing_owed")
def nothing_owed(ctx: TransitionContext) -> str | None:
    """Every recovery is received or written off."""
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    if money.owed_pence > 0:
        return (
            f"{format_pence(money.owed_pence)} asked back has not been received or written off yet: "
            f"record the money received, or write off what cannot be recovered"
        )
    return None


@guard("nothing_left_to_pay")
def nothing_left_to_pay(ctx: TransitionContext) -> str | None:
    """The accepted spend (up to the award) has all been paid: the group is owed nothing."""
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    if money.left_to_pay_pence > 0:
        return (
            f"The group is still owed {format_pence(money.left_to_pay_pence)} of its accepted spend: "
            f"pay it from the schedule before closing the grant"
        )
    return None


@guard("paid_money_accounted_for")
def paid_money_accounted_for(ctx: TransitionContext) -> str | None:
    """Every penny paid is spent in accepted monitoring returns or asked back (a recovery, which may later
    be written off): a grant closed without its final return (from suspension) must not leave paid money
    unaccounted for."""
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    unaccounted = money.paid_pence - min(money.spent_pence, money.paid_pence) - money.raised_pence
    if unaccounted > 0:
        return (
            f"{format_pence(unaccounted)} paid to the group is neither spent in an accepted monitoring return "
            f"nor asked back: accept the group's returns, or ask for the money back (raise a recovery, and "
            f"write off what cannot be recovered), before closing the grant"
        )
    return None


@guard("no_return_awaiting_review")
def no_return_awaiting_review(ctx: TransitionContext) -> str | None:
    """No monitoring return the group has sent is still waiting for the officer's review."""
    waiting = [r for r in ctx.obj.monitoring_returns if has_tag(r, ReturnTag.AWAITING_REVIEW)]
    if waiting:
        names = ", ".join(r.period_label for r in waiting)
        return f"Review the monitoring return the group sent ({names}) before closing the grant"
    return None


@effect("waive_outstanding_returns")
def waive_outstanding_returns(ctx: TransitionContext) -> None:
    """The grant is closed: the returns the group has not sent (due, or sent back with a question) are not
    needed any more, so they leave the overdue lists and the group's to-do list (fired as the system)."""
    system = SystemActor(label=f"System, on the grant closed by {ctx.actor.audit_label}")
    for ret in list(ctx.obj.monitoring_returns):
        if has_tag(ret, ReturnTag.OUTSTANDING):
            fire(ctx.session, ret, "waive", system)
