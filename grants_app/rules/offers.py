"""Rules about the offer: it is ready to issue (a payment schedule that adds up to the award, an
acceptance deadline still to come), when it expires, and what issuing and accepting it record."""

from __future__ import annotations

from datetime import timedelta

from grants_app.dates import format_date
from grants_app.money import format_pence
from grants_app.rules.registry import effect, guard
from grants_app.services import offers
from grants_app.workflow import TransitionContext


@guard("offer_ready")
def offer_ready(ctx: TransitionContext) -> str | None:
    """The award's payment schedule (if the officer prepared one) adds up to the award to the penny, and
    the acceptance deadline (if set) is after today. An offer nobody prepared gets the fund's default
    schedule and deadline when it is issued (stamp_offer)."""
    award = ctx.obj.award
    if award is None:
        return "There is no award to make an offer from"
    if award.instalments:
        total = sum(i.amount_pence for i in award.instalments)
        if total != award.amount_pence:
            return (
                f"The payment schedule adds up to {format_pence(total)}, not the award of "
                f"{format_pence(award.amount_pence)}: change the instalments before issuing the offer"
            )
    if award.offer_expires_on is not None and award.offer_expires_on <= ctx.today:
        return (
            f"The date to accept by ({format_date(award.offer_expires_on)}) has passed: "
            f"choose a later date before issuing the offer"
        )
    return None


@guard("offer_not_expired")
def offer_not_expired(ctx: TransitionContext) -> str | None:
    """There is an offer and today (Europe/London) is on or before its expiry date."""
    award = ctx.obj.award
    if award is None or award.offer_expires_on is None:
        return "There is no offer to accept"
    if ctx.today > award.offer_expires_on:
        return f"This offer expired on {format_date(award.offer_expires_on)}. Contact us to discuss it"
    return None


@guard("offer_expired")
def offer_expired(ctx: TransitionContext) -> str | None:
    """The offer's expiry date has passed (for lapsing it)."""
    award = ctx.obj.award
    if award is None or award.offer_expires_on is None or ctx.today <= award.offer_expires_on:
        return "The offer has not expired yet"
    return None


@guard("signatory_confirmed")
def signatory_confirmed(ctx: TransitionContext) -> str | None:
    """The person accepting ticked the box confirming they may accept for the group."""
    if ctx.inputs.get("confirmed") is not True:
        return "Confirm that you are authorised to accept the offer for your organisation"
    return None


@effect("stamp_offer")
def stamp_offer(ctx: TransitionContext) -> None:
    """The offer is issued now. Without a prepared schedule it gets the fund's default one; without a
    deadline it expires after the fund's offer_valid_days."""
    award = ctx.obj.award
    award.offer_issued_at = ctx.now
    if not award.instalments:
        award.instalments = offers.default_instalments(ctx.obj.fund, award.amount_pence)
    if award.offer_expires_on is None:
        award.offer_expires_on = ctx.today + timedelta(days=ctx.obj.fund.offer_valid_days)


@effect("stamp_acceptance")
def stamp_acceptance(ctx: TransitionContext) -> None:
    """Who accepted the offer for the group (the authorised signatory and their role), and when."""
    award = ctx.obj.award
    award.accepted_at = ctx.now
    award.accepted_by_name = ctx.inputs["accepted_by_name"]
    award.accepted_by_role = ctx.inputs["accepted_by_role"]
