"""Rules about payments: two different finance users, never more than the award (nor, once the final
return is accepted, more than the accepted spend), nothing paid unless the grant is payable (offer
accepted and not suspended), and a believable payment date."""

from __future__ import annotations

from grants_app.dates import format_date, to_london
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Payment
from grants_app.money import format_pence
from grants_app.rules.registry import effect, guard
from grants_app.services import audit, fund_budget
from grants_app.workflow import TransitionContext, get_engine


@guard("second_person")
def second_person(ctx: TransitionContext) -> str | None:
    """Four eyes: the authoriser is not the finance user who requested the payment."""
    if ctx.obj.requested_by_id == getattr(ctx.actor, "id", None):
        return "A payment must be authorised by a different finance user from the one who requested it"
    return None


@guard("grant_payable")
def grant_payable(ctx: TransitionContext) -> str | None:
    """The grant is in a state tagged "payable": its offer is accepted and it is not suspended or
    closed."""
    application = ctx.obj.application
    if application.award is None or application.award.accepted_at is None:
        return "Nothing can be paid before the group has accepted the offer"
    if not has_tag(application, ApplicationTag.PAYABLE):
        state = get_engine().staff_label(application)
        return f"Nothing can be paid on this grant while it is '{state}'"
    return None


@guard("payment_within_award")
def payment_within_award(ctx: TransitionContext) -> str | None:
    """This payment plus the others authorised or paid stays within the award, and, once the final
    return is accepted, within the accepted spend."""
    payment: Payment = ctx.obj
    application = payment.application
    if application.award is None:
        return "This application has no award to pay"
    money = fund_budget.application_money(ctx.session, application.id)
    others = fund_budget.authorised_or_paid_pence(
        ctx.session, application.id, excluding_payment_id=payment.id
    )
    if others + payment.amount_pence > money.entitled_pence:
        what = (
            f"the accepted spend of {format_pence(money.entitled_pence)}"
            if money.final_accepted
            else f"the award of {format_pence(application.award.amount_pence)}"
        )
        return (
            f"Paying {format_pence(payment.amount_pence)} would pay more than {what} "
            f"({format_pence(others)} already authorised or paid)"
        )
    return None


@guard("paid_on_valid")
def paid_on_valid(ctx: TransitionContext) -> str | None:
    """The payment date is not in the future and not before the payment was requested."""
    paid_on = ctx.inputs["paid_on"]
    if paid_on > ctx.today:
        return "The date paid cannot be in the future"
    requested_on = to_london(ctx.obj.created_at).date() if ctx.obj.created_at else ctx.today
    if paid_on < requested_on:
        return f"The date paid cannot be before the payment was requested ({format_date(requested_on)})"
    return None


def _note_on_application(ctx: TransitionContext, action: str, **data) -> None:
    """The grant's own history shows each step of its payments, not only the payment's."""
    payment: Payment = ctx.obj
    audit.record(
        ctx.session,
        ctx.actor,
        "application",
        payment.application_id,
        action,
        data={"payment": payment.description, "amount_pence": payment.amount_pence, **data},
    )


@effect("stamp_authoriser")
def stamp_authoriser(ctx: TransitionContext) -> None:
    """Who authorised the payment (noted in the grant's history too)."""
    ctx.obj.authorised_by_id = ctx.actor.id
    _note_on_application(ctx, "payment_authorised")


@effect("stamp_payment")
def stamp_payment(ctx: TransitionContext) -> None:
    """The date it was paid and the BACS (or other) reference (noted in the grant's history too)."""
    ctx.obj.paid_on = ctx.inputs["paid_on"]
    ctx.obj.payment_reference = ctx.inputs["payment_reference"]
    _note_on_application(
        ctx, "payment_made", paid_on=ctx.inputs["paid_on"], reference=ctx.inputs["payment_reference"]
    )
