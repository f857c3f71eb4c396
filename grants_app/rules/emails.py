"""Every email the workflows send. Each is queued in the outbox inside the transition's transaction
and sent after it commits, so a mail failure never loses a decision."""

from __future__ import annotations

from grants_app.models import Application, InstalmentTrigger
from grants_app.rules.registry import effect
from grants_app.services.notifications import (
    application_recipients,
    email_context,
    partnership_contact,
    return_link,
)
from grants_app.services.outbox import queue_email
from grants_app.workflow import TransitionContext


def _email(ctx: TransitionContext, template: str, application: Application | None = None, **context) -> None:
    application = application or ctx.obj
    queue_email(
        ctx.session,
        application_recipients(ctx.session, application),
        template,
        **email_context(ctx.session, ctx.settings, application),
        **context,
    )


@effect("email_submission_received")
def email_submission_received(ctx: TransitionContext) -> None:
    """Tell the group we have their application (or their answer), with its reference."""
    _email(ctx, "submission_received")


@effect("email_outcome")
def email_outcome(ctx: TransitionContext) -> None:
    """Tell the group the application's new status, in applicant words, with the reason if given."""
    _email(
        ctx,
        "status_changed",
        status=ctx.definition.applicant_label(ctx.transition.dest),
        reason=ctx.inputs.get("reason", ""),
    )


@effect("email_information_requested")
def email_information_requested(ctx: TransitionContext) -> None:
    """Send the group our question and how to answer it."""
    _email(ctx, "question_asked", question=ctx.inputs["reason"])


@effect("email_offer")
def email_offer(ctx: TransitionContext) -> None:
    """Send the group the offer: amount, conditions and the date to accept by."""
    award = ctx.obj.award
    _email(
        ctx,
        "offer_made",
        amount=award.amount_pence,
        conditions=award.conditions,
        expires_on=award.offer_expires_on,
        instalments=list(award.instalments),
    )


@effect("email_return_received")
def email_return_received(ctx: TransitionContext) -> None:
    """Confirm a monitoring return has reached us."""
    _email(ctx, "return_received", application=ctx.obj.application, period=ctx.obj.period_label)


@effect("email_return_queried")
def email_return_queried(ctx: TransitionContext) -> None:
    """Send the group our question on their return, and how to answer it."""
    _email(
        ctx,
        "return_queried",
        application=ctx.obj.application,
        period=ctx.obj.period_label,
        reason=ctx.inputs["reason"],
        return_link=return_link(ctx.settings, ctx.obj),
    )


@effect("email_return_accepted")
def email_return_accepted(ctx: TransitionContext) -> None:
    """Tell the group we have accepted their return."""
    _email(
        ctx,
        "return_accepted",
        application=ctx.obj.application,
        period=ctx.obj.period_label,
        spend=ctx.obj.spend_total_pence,
        is_final=ctx.obj.is_final,
    )


@effect("email_payment_made")
def email_payment_made(ctx: TransitionContext) -> None:
    """Tell the group a payment has been made: amount, date and reference."""
    _email(
        ctx,
        "payment_made",
        application=ctx.obj.application,
        amount=ctx.obj.amount_pence,
        paid_on=ctx.obj.paid_on,
        payment_reference=ctx.obj.payment_reference,
    )


@effect("email_offer_accepted")
def email_offer_accepted(ctx: TransitionContext) -> None:
    """Confirm the acceptance to the group: who accepted, when, and the first payment to expect."""
    award = ctx.obj.award
    first = next((i for i in award.instalments if i.due_trigger == InstalmentTrigger.ON_ACCEPTANCE), None)
    _email(
        ctx,
        "offer_acceptance_confirmed",
        amount=award.amount_pence,
        accepted_by_name=award.accepted_by_name,
        accepted_by_role=award.accepted_by_role,
        accepted_at=award.accepted_at,
        first_payment=first.amount_pence if first else None,
    )


@effect("email_recovery")
def email_recovery(ctx: TransitionContext) -> None:
    """Ask the group to return money: the amount, why, the date to pay by and how to reach us."""
    recovery = ctx.obj.recoveries[-1]
    _email(
        ctx,
        "recovery_raised",
        amount=recovery.amount_pence,
        reason=recovery.reason,
        due_on=recovery.due_on,
        contact=partnership_contact(ctx.session),
    )
