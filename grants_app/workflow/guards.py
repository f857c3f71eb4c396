"""Named guards used by workflow definitions. Each returns None, or the reason the action is refused."""

from __future__ import annotations

from sqlalchemy import func, select

from grants_app.dates import format_date
from grants_app.models import Meeting, MonitoringReturn, Payment
from grants_app.money import format_pence
from grants_app.services import fund_budget, quorum
from grants_app.services.application_checks import missing_sections
from grants_app.workflow.engine import TransitionContext
from grants_app.workflow.registry import guard


@guard("fund_open")
def fund_open(ctx: TransitionContext) -> str | None:
    fund = ctx.obj.fund
    if ctx.today < fund.opens_on:
        return f"The {fund.name} opens for applications on {format_date(fund.opens_on)}"
    if ctx.today > fund.closes_on:
        return f"The {fund.name} closed for applications on {format_date(fund.closes_on)}"
    return None


@guard("fund_open_for_resubmission")
def fund_open_for_resubmission(ctx: TransitionContext) -> str | None:
    # Answers to our questions are welcome after the closing date, until the fund's year ends.
    fund = ctx.obj.fund
    if ctx.today > fund.year_ends_on:
        return f"The {fund.name} {fund.year_label} has ended and can no longer take changes"
    return None


@guard("application_complete")
def application_complete(ctx: TransitionContext) -> str | None:
    missing = missing_sections(ctx.obj, ctx.today)
    if missing:
        return "Complete these sections before you submit: " + "; ".join(missing)
    return None


@guard("information_answered")
def information_answered(ctx: TransitionContext) -> str | None:
    open_requests = [r for r in ctx.obj.information_requests if not r.answered_at]
    if open_requests:
        return "Answer the question we asked before you send the application back"
    return None


def _meeting(ctx: TransitionContext) -> Meeting | None:
    meeting_id = ctx.inputs.get("meeting_id")
    return ctx.session.get(Meeting, meeting_id) if meeting_id else None


@guard("meeting_not_held")
def meeting_not_held(ctx: TransitionContext) -> str | None:
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose a JAG meeting that exists"
    if meeting.minutes_approved_at is not None:
        return f"The minutes of {meeting.title} are approved: choose a later meeting"
    return None


@guard("on_meeting_agenda")
def on_meeting_agenda(ctx: TransitionContext) -> str | None:
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose the JAG meeting that took this decision"
    if quorum.open_agenda_item(ctx.session, meeting.id, ctx.obj.id) is None:
        return f"This application is not an undecided item on the agenda of {meeting.title}"
    return None


def _quorum_refusal(ctx: TransitionContext, meeting: Meeting) -> str | None:
    status = quorum.quorum_for(ctx.session, meeting, ctx.obj.id)
    return None if status.is_quorate else status.explain()


@guard("quorate")
def quorate(ctx: TransitionContext) -> str | None:
    meeting = _meeting(ctx)
    if meeting is None:
        return "Choose the JAG meeting that took this decision"
    return _quorum_refusal(ctx, meeting)


@guard("quorate_if_at_meeting")
def quorate_if_at_meeting(ctx: TransitionContext) -> str | None:
    meeting = _meeting(ctx)
    if ctx.inputs.get("meeting_id") and meeting is None:
        return "Choose a JAG meeting that exists"
    return _quorum_refusal(ctx, meeting) if meeting else None


@guard("majority_in_favour")
def majority_in_favour(ctx: TransitionContext) -> str | None:
    meeting = _meeting(ctx)
    item = quorum.open_agenda_item(ctx.session, meeting.id, ctx.obj.id) if meeting else None
    if item is None:
        return "This application is not an undecided item on that meeting's agenda"
    status = quorum.quorum_for(ctx.session, meeting, ctx.obj.id)
    count = quorum.count_votes(ctx.session, item, status.voting_member_ids)
    if not count.carried:
        return (
            f"Approval needs more votes for than against among members without an interest "
            f"(for {count.in_favour}, against {count.against}, abstained {count.abstain})"
        )
    ctx.extra["votes"] = {"for": count.in_favour, "against": count.against, "abstain": count.abstain}
    return None


@guard("amount_within_request")
def amount_within_request(ctx: TransitionContext) -> str | None:
    amount = ctx.inputs["amount_pence"]
    requested = ctx.obj.amount_requested_pence
    if amount > requested:
        return f"The award of {format_pence(amount)} is more than the {format_pence(requested)} requested"
    return None


@guard("within_budget")
def within_budget(ctx: TransitionContext) -> str | None:
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
    limit = ctx.obj.fund.delegated_limit_pence
    amount = ctx.inputs["amount_pence"]
    if amount > limit:
        return (
            f"Only awards up to {format_pence(limit)} can be approved under delegated authority; "
            f"put this application to the JAG"
        )
    return None


@guard("offer_not_expired")
def offer_not_expired(ctx: TransitionContext) -> str | None:
    award = ctx.obj.award
    if award is None or award.offer_expires_on is None:
        return "There is no offer to accept"
    if ctx.today > award.offer_expires_on:
        return f"This offer expired on {format_date(award.offer_expires_on)}. Contact us to discuss it"
    return None


@guard("offer_expired")
def offer_expired(ctx: TransitionContext) -> str | None:
    award = ctx.obj.award
    if award is None or award.offer_expires_on is None or ctx.today <= award.offer_expires_on:
        return "The offer has not expired yet"
    return None


@guard("final_return_accepted")
def final_return_accepted(ctx: TransitionContext) -> str | None:
    accepted = ctx.session.execute(
        select(func.count())
        .select_from(MonitoringReturn)
        .where(
            MonitoringReturn.application_id == ctx.obj.id,
            MonitoringReturn.is_final.is_(True),
            MonitoringReturn.state == "accepted",
        )
    ).scalar_one()
    return None if accepted else "Accept the final monitoring return first"


@guard("no_payments_pending")
def no_payments_pending(ctx: TransitionContext) -> str | None:
    pending = ctx.session.execute(
        select(func.count())
        .select_from(Payment)
        .where(Payment.application_id == ctx.obj.id, Payment.state.in_(("requested", "authorised")))
    ).scalar_one()
    return "Pay or cancel the payments still in progress first" if pending else None


@guard("repayment_within_paid")
def repayment_within_paid(ctx: TransitionContext) -> str | None:
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    award = ctx.obj.award
    already = award.repayment_demanded_pence if award else 0
    can_ask = money["paid"] - already
    if ctx.inputs["amount_pence"] > can_ask:
        return f"You can ask for at most {format_pence(max(can_ask, 0))}: the grant paid out less than that"
    return None


@guard("nothing_owed")
def nothing_owed(ctx: TransitionContext) -> str | None:
    money = fund_budget.application_money(ctx.session, ctx.obj.id)
    award = ctx.obj.award
    demanded = award.repayment_demanded_pence if award else 0
    if demanded > money["repaid"]:
        return f"{format_pence(demanded - money['repaid'])} asked for back has not been repaid yet"
    underspend = money["paid"] - money["spent"] - money["repaid"]
    if ctx.from_state == "final_return_accepted" and underspend > 0:
        return (
            f"The accepted returns show an underspend of {format_pence(underspend)}: "
            f"ask for it back before closing"
        )
    return None


@guard("return_complete")
def return_complete(ctx: TransitionContext) -> str | None:
    ret: MonitoringReturn = ctx.obj
    missing = []
    if not ret.progress_narrative.strip():
        missing.append("what you did in this period")
    if ret.beneficiaries_reached is None:
        missing.append("how many people took part")
    if missing:
        return "Tell us " + " and ".join(missing) + " before you send the return"
    return None


@guard("second_person")
def second_person(ctx: TransitionContext) -> str | None:
    if ctx.obj.requested_by_id == getattr(ctx.actor, "id", None):
        return "A payment must be authorised by a different finance user from the one who requested it"
    return None


@guard("payment_within_award")
def payment_within_award(ctx: TransitionContext) -> str | None:
    payment: Payment = ctx.obj
    award = payment.application.award
    if award is None:
        return "This application has no award to pay"
    committed = ctx.session.execute(
        select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
            Payment.application_id == payment.application_id,
            Payment.state.in_(("authorised", "paid")),
            Payment.id != payment.id,
        )
    ).scalar_one()
    if committed + payment.amount_pence > award.amount_pence:
        return (
            f"Authorising {format_pence(payment.amount_pence)} would pay more than the award of "
            f"{format_pence(award.amount_pence)} ({format_pence(committed)} already authorised or paid)"
        )
    return None
