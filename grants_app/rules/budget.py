"""Rules about money at decision time: no more than was asked for, within the fund's budget (with the
fund row locked, so concurrent approvals are checked one at a time), within the officer's delegated
limit; and the award the decision creates."""

from __future__ import annotations

from grants_app.models import Award, DecisionRoute
from grants_app.money import format_pence
from grants_app.rules.registry import effect, guard
from grants_app.services import fund_budget
from grants_app.workflow import TransitionContext


@guard("amount_within_request")
def amount_within_request(ctx: TransitionContext) -> str | None:
    """The award (amount_pence) is no more than the amount requested."""
    amount = ctx.inputs["amount_pence"]
    requested = ctx.obj.amount_requested_pence
    if amount > requested:
        return f"The award of {format_pence(amount)} is more than the {format_pence(requested)} requested"
    return None


@guard("within_budget")
def within_budget(ctx: TransitionContext) -> str | None:
    """Committed plus this award stays within the fund's budget plus its over-allocation allowance.
    Locks the fund row first (SELECT ... FOR UPDATE on PostgreSQL) until the transaction ends."""
    fund = fund_budget.lock_fund(ctx.session, ctx.obj.fund_id)
    position = fund_budget.fund_position(ctx.session, fund)
    amount = ctx.inputs["amount_pence"]
    if amount > position.headroom_pence:
        return (
            f"Approving {format_pence(amount)} would take the {fund.name} over its budget: "
            f"{format_pence(position.committed_pence)} of {format_pence(fund.budget_pence)} is committed "
            f"and {format_pence(max(position.headroom_pence, 0))} can still be approved"
        )
    return None


@guard("within_delegated_limit")
def within_delegated_limit(ctx: TransitionContext) -> str | None:
    """Between meetings the officer may approve only up to the fund's delegated limit."""
    limit = ctx.obj.fund.delegated_limit_pence
    amount = ctx.inputs["amount_pence"]
    if amount > limit:
        return (
            f"Only awards up to {format_pence(limit)} can be approved under delegated authority; "
            f"put this application to the JAG"
        )
    return None


@effect("create_award")
def create_award(ctx: TransitionContext) -> None:
    """The award: amount, conditions, and whether a meeting or the officer (delegated) decided it."""
    meeting_id = ctx.inputs.get("meeting_id")
    ctx.obj.award = Award(
        amount_pence=ctx.inputs["amount_pence"],
        conditions=ctx.inputs.get("conditions", ""),
        decision_route=DecisionRoute.MEETING if meeting_id else DecisionRoute.DELEGATED,
        meeting_id=meeting_id,
        approved_by_id=getattr(ctx.actor, "id", None),
        approved_at=ctx.now,
    )
