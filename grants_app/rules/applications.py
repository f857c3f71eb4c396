"""Rules about the application itself: the fund is open, every section is complete, our question is
answered, and what screening and submission record."""

from __future__ import annotations

from grants_app.dates import format_date
from grants_app.models import InformationRequest
from grants_app.rules.registry import effect, guard
from grants_app.services.application_checks import missing_sections
from grants_app.workflow import TransitionContext


@guard("fund_open")
def fund_open(ctx: TransitionContext) -> str | None:
    """The fund takes applications today (Europe/London) between its opening and closing dates."""
    fund = ctx.obj.fund
    if ctx.today < fund.opens_on:
        return f"The {fund.name} opens for applications on {format_date(fund.opens_on)}"
    if ctx.today > fund.closes_on:
        return f"The {fund.name} closed for applications on {format_date(fund.closes_on)}"
    return None


@guard("fund_open_for_resubmission")
def fund_open_for_resubmission(ctx: TransitionContext) -> str | None:
    """Answers to our questions are welcome after the closing date, until the fund's year ends."""
    fund = ctx.obj.fund
    if ctx.today > fund.year_ends_on:
        return f"The {fund.name} {fund.year_label} has ended and can no longer take changes"
    return None


@guard("application_complete")
def application_complete(ctx: TransitionContext) -> str | None:
    """Every section of the task list is complete (the same checks the task list shows)."""
    missing = missing_sections(ctx.obj, ctx.today)
    if missing:
        return "Complete these sections before you submit: " + "; ".join(missing)
    return None


@guard("information_answered")
def information_answered(ctx: TransitionContext) -> str | None:
    """Every question we asked has an answer."""
    if any(not r.answered_at for r in ctx.obj.information_requests):
        return "Answer the question we asked before you send the application back"
    return None


@effect("stamp_submission")
def stamp_submission(ctx: TransitionContext) -> None:
    """Record when it was sent; the amount requested is the budget's total from now on."""
    ctx.obj.submitted_at = ctx.now
    ctx.obj.amount_requested_pence = ctx.obj.budget_total_pence


@effect("refresh_amount_requested")
def refresh_amount_requested(ctx: TransitionContext) -> None:
    """The applicant may have changed the budget while answering our question."""
    ctx.obj.amount_requested_pence = ctx.obj.budget_total_pence


@effect("record_screening_notes")
def record_screening_notes(ctx: TransitionContext) -> None:
    """Append the officer's notes (or reason) to the screening notes, stamped with the step, who and
    the day (the notes go into the JAG pack, so the name, not the email address)."""
    note = ctx.inputs.get("notes") or ctx.inputs.get("reason")
    if note:
        who = getattr(ctx.actor, "full_name", None) or ctx.actor.audit_label
        stamp = f"{ctx.transition.label}, {who}, {format_date(ctx.today)}:"
        ctx.obj.screening_notes = "\n\n".join(filter(None, [ctx.obj.screening_notes, f"{stamp} {note}"]))


@effect("open_information_request")
def open_information_request(ctx: TransitionContext) -> None:
    """The reason given becomes a question the applicant answers in the portal."""
    ctx.obj.information_requests.append(
        InformationRequest(
            question=ctx.inputs["reason"], asked_by_id=getattr(ctx.actor, "id", None), asked_at=ctx.now
        )
    )
