"""Rules about the offer: when it expires, and what issuing and accepting it record."""

from __future__ import annotations

from datetime import timedelta

from grants_app.dates import format_date
from grants_app.rules.registry import effect, guard
from grants_app.workflow import TransitionContext


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


@effect("stamp_offer")
def stamp_offer(ctx: TransitionContext) -> None:
    """The offer is issued now and expires after the fund's offer_valid_days."""
    award = ctx.obj.award
    award.offer_issued_at = ctx.now
    award.offer_expires_on = ctx.today + timedelta(days=ctx.obj.fund.offer_valid_days)


@effect("stamp_acceptance")
def stamp_acceptance(ctx: TransitionContext) -> None:
    """Who accepted the offer for the group, and when."""
    ctx.obj.award.accepted_at = ctx.now
    ctx.obj.award.accepted_by_name = ctx.inputs["accepted_by_name"]
