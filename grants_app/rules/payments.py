"""Rules about payments: two different finance users, and never more than the award."""

from __future__ import annotations

from sqlalchemy import func, select

from grants_app.lifecycle import PaymentTag, payment_states
from grants_app.models import Payment
from grants_app.money import format_pence
from grants_app.rules.registry import effect, guard
from grants_app.workflow import TransitionContext


@guard("second_person")
def second_person(ctx: TransitionContext) -> str | None:
    """Four eyes: the authoriser is not the finance user who requested the payment."""
    if ctx.obj.requested_by_id == getattr(ctx.actor, "id", None):
        return "A payment must be authorised by a different finance user from the one who requested it"
    return None


@guard("payment_within_award")
def payment_within_award(ctx: TransitionContext) -> str | None:
    """This payment plus those authorised or paid stays within the award."""
    payment: Payment = ctx.obj
    award = payment.application.award
    if award is None:
        return "This application has no award to pay"
    committed = ctx.session.execute(
        select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
            Payment.application_id == payment.application_id,
            Payment.state.in_(payment_states(PaymentTag.COUNTS_AGAINST_AWARD)),
            Payment.id != payment.id,
        )
    ).scalar_one()
    if committed + payment.amount_pence > award.amount_pence:
        return (
            f"Authorising {format_pence(payment.amount_pence)} would pay more than the award of "
            f"{format_pence(award.amount_pence)} ({format_pence(committed)} already authorised or paid)"
        )
    return None


@effect("stamp_authoriser")
def stamp_authoriser(ctx: TransitionContext) -> None:
    """Who authorised the payment."""
    ctx.obj.authorised_by_id = ctx.actor.id


@effect("stamp_payment")
def stamp_payment(ctx: TransitionContext) -> None:
    """The date it was paid and the BACS (or other) reference."""
    ctx.obj.paid_on = ctx.inputs["paid_on"]
    ctx.obj.payment_reference = ctx.inputs["payment_reference"]
