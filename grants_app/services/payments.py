"""Payments: finance requests one from an instalment that is due, a second finance user authorises it,
then it is recorded as paid (date and BACS reference). The payment workflow's guards hold the rules on
every path: two people, a payable grant, never more than the award (or the accepted spend)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from grants_app.dates import format_date, format_datetime, london_today
from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    has_tag,
    payment_states,
    return_states,
)
from grants_app.models import (
    Application,
    AuditEvent,
    Award,
    Instalment,
    InstalmentTrigger,
    MonitoringReturn,
    Payment,
    Role,
    User,
)
from grants_app.money import format_pence
from grants_app.refusals import AlreadyDone, NotFound, Refusal
from grants_app.services import audit
from grants_app.services.fund_budget import GrantMoney, application_money, grant_money, lock_application
from grants_app.workflow import fire, get_engine

# A BACS reference is at most 18 characters; other methods (CHAPS, faster payments) allow 35.
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./&-]{0,34}$")

PAID, IN_PROGRESS, DUE, NOT_YET_DUE, ON_HOLD, NOT_NEEDED = (
    "Paid",
    "In progress",
    "Due",
    "Not yet due",
    "On hold",
    "Not needed",
)


@dataclass
class InstalmentStatus:
    """An instalment with where it stands: its payment (the latest not cancelled), a status from the
    names above, a sentence saying why, and what a payment for it may be now (pence)."""

    instalment: Instalment
    status: str
    why: str
    payment: Payment | None
    payable_pence: int

    @property
    def can_request(self) -> bool:
        return self.status == DUE and self.payable_pence > 0


def _first_return_accepted(session: Session, application_id: int) -> bool:
    return bool(
        session.execute(
            select(
                exists().where(
                    MonitoringReturn.application_id == application_id,
                    MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
                )
            )
        ).scalar()
    )


def schedule_status(
    session: Session, application: Application, today: date | None = None, money: GrantMoney | None = None
) -> list[InstalmentStatus]:
    """Each instalment of the award's schedule with its status: paid or in progress (a payment that is
    not cancelled), due, not yet due (its trigger has not happened), on hold (the grant is not
    payable), or not needed (the final return is accepted and the accepted spend is already met, or the
    grant is closed).
    Three queries whatever the schedule's length."""
    award = application.award
    if award is None:
        return []
    today = today or london_today()
    money = money or application_money(session, application.id)
    payments = {}
    for payment in application.payments:
        if payment.instalment_id is not None and not payment_is_cancelled(payment):
            payments[payment.instalment_id] = payment
    accepted = award.accepted_at is not None
    payable = accepted and has_tag(application, ApplicationTag.PAYABLE)
    returned = None  # asked only when an instalment waits for it
    left = money.left_to_pay_pence
    result: list[InstalmentStatus] = []
    for instalment in award.instalments:
        payment = payments.get(instalment.id)
        if payment is not None:
            paid = has_tag(payment, PaymentTag.PAID_OUT)
            why = (
                f"on {format_date(payment.paid_on)}, reference {payment.payment_reference}"
                if paid
                else get_engine().staff_label(payment).lower()
            )
            result.append(InstalmentStatus(instalment, PAID if paid else IN_PROGRESS, why, payment, 0))
            continue
        if not accepted:
            result.append(InstalmentStatus(instalment, NOT_YET_DUE, "The offer is not accepted yet", None, 0))
            continue
        if money.closed:
            result.append(
                InstalmentStatus(instalment, NOT_NEEDED, "The grant is closed: nothing more is paid", None, 0)
            )
            continue
        if instalment.due_trigger == InstalmentTrigger.AFTER_FIRST_ACCEPTED_RETURN:
            if returned is None:
                returned = _first_return_accepted(session, application.id)
            if not returned:
                result.append(
                    InstalmentStatus(instalment, NOT_YET_DUE, "No monitoring return accepted yet", None, 0)
                )
                continue
        if (
            instalment.due_trigger == InstalmentTrigger.ON_DATE
            and instalment.due_on
            and instalment.due_on > today
        ):
            result.append(
                InstalmentStatus(instalment, NOT_YET_DUE, f"Due on {format_date(instalment.due_on)}", None, 0)
            )
            continue
        amount = min(instalment.amount_pence, left)
        if amount <= 0:
            why = (
                "The final return's accepted spend has been paid"
                if money.final_accepted
                else "The award has been paid in full"
            )
            result.append(InstalmentStatus(instalment, NOT_NEEDED, why, None, 0))
            continue
        if not payable:
            state = get_engine().staff_label(application)
            result.append(
                InstalmentStatus(
                    instalment, ON_HOLD, f"Nothing is paid while the grant is '{state}'", None, 0
                )
            )
            continue
        left -= amount
        why = "Due now"
        if amount < instalment.amount_pence:
            why = f"Due now: {format_pence(amount)}, the rest of the accepted spend"
        result.append(InstalmentStatus(instalment, DUE, why, None, amount))
    return result


def due_instalments(session: Session, today: date, limit: int = 50) -> list[Instalment]:
    """Instalments finance can request now, oldest grant first, at most `limit`: the offer accepted, the
    grant payable, no payment for it that is not cancelled, its trigger met (on acceptance; a date on
    or before `today`; or a monitoring return of the grant accepted), and something still to pay on
    the grant (once its final return is accepted, only up to the accepted spend). Two queries."""
    live_payment = exists().where(
        Payment.instalment_id == Instalment.id,
        Payment.state.in_(payment_states(PaymentTag.PENDING) + payment_states(PaymentTag.PAID_OUT)),
    )
    candidates = list(
        session.execute(
            select(Instalment)
            .join(Award, Award.id == Instalment.award_id)
            .join(Application, Application.id == Award.application_id)
            .options(joinedload(Instalment.award).joinedload(Award.application))
            .where(
                Award.accepted_at.is_not(None),
                Application.state.in_(application_states(ApplicationTag.PAYABLE)),
                ~live_payment,
                or_(
                    Instalment.due_trigger == InstalmentTrigger.ON_ACCEPTANCE,
                    and_(Instalment.due_trigger == InstalmentTrigger.ON_DATE, Instalment.due_on <= today),
                    and_(
                        Instalment.due_trigger == InstalmentTrigger.AFTER_FIRST_ACCEPTED_RETURN,
                        exists().where(
                            MonitoringReturn.application_id == Application.id,
                            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
                        ),
                    ),
                ),
            )
            .order_by(Application.id, Instalment.position)
            .limit(limit)
        ).scalars()
    )
    left = {
        g.application_id: g.left_to_pay_pence
        for g in grant_money(session, application_ids={i.award.application_id for i in candidates})
    }
    due = []
    for instalment in candidates:
        application_id = instalment.award.application_id
        if left.get(application_id, 0) > 0:
            due.append(instalment)
            left[application_id] -= instalment.amount_pence
    return due


def payment_is_cancelled(payment: Payment) -> bool:
    """Neither in progress nor paid: its instalment can be requested again."""
    return not has_tag(payment, PaymentTag.PENDING) and not has_tag(payment, PaymentTag.PAID_OUT)


def _require_finance(actor: User, what: str) -> None:
    if not actor.has_role(Role.FINANCE):
        raise Refusal(f"Only finance users can {what}")


def request_payment(
    session: Session, actor: User, instalment: Instalment, *, today: date | None = None
) -> Payment:
    """A finance user asks for an instalment that is due to be paid (its amount, or the part of it the
    accepted spend still needs). The payment starts in its workflow's initial state; a second finance
    user authorises it. Locks the application row first, so the same instalment is never requested
    twice. AlreadyDone if the instalment already has a payment (in progress or paid: the request sent
    twice, or another finance user's a moment before), saying who requested it and when. Refusal if the
    actor is not finance, or the instalment is not due (not yet due, the grant not payable), with the
    reason."""
    _require_finance(actor, "request payments")
    application = lock_application(session, instalment.award.application_id)
    session.refresh(application, ["payments"])
    statuses = {s.instalment.id: s for s in schedule_status(session, application, today)}
    status = statuses.get(instalment.id)
    if status is None:
        raise NotFound("No such instalment")
    if not status.can_request:
        if status.payment is not None:
            raise _already_requested(instalment.position, application, status)
        raise Refusal(f"Instalment {instalment.position} cannot be paid yet: {status.why}")
    total = len(application.award.instalments)
    payment = Payment(
        amount_pence=status.payable_pence,
        description=f"Instalment {instalment.position} of {total}",
        requested_by_id=actor.id,
        instalment_id=instalment.id,
    )
    get_engine().start(payment)
    application.payments.append(payment)
    session.flush()
    audit.record(
        session,
        actor,
        "payment",
        payment.id,
        "create",
        data={
            "application": application.reference,
            "instalment": instalment.position,
            "amount_pence": payment.amount_pence,
        },
    )
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "payment_requested",
        data={"instalment": instalment.position, "amount_pence": payment.amount_pence},
    )
    return payment


def _already_requested(position: int, application: Application, status: InstalmentStatus) -> AlreadyDone:
    payment = status.payment
    where = f"paid {status.why}" if status.status == PAID else f"now {status.why}"
    return AlreadyDone(
        f"Instalment {position} of {application.reference} already has a payment of "
        f"{format_pence(payment.amount_pence)}, requested by {payment.requested_by.full_name} on "
        f"{format_datetime(payment.created_at)} ({where}): nothing was requested again"
    )


def authorise_payment(
    session: Session, actor: User, payment: Payment, *, expected_version: int | None = None
) -> AuditEvent:
    """A second finance user authorises a requested payment (guards: not the requester, a payable
    grant, within the award)."""
    return fire(session, payment, "authorise", actor, expected_version=expected_version)


def record_paid(
    session: Session,
    actor: User,
    payment: Payment,
    *,
    paid_on: date | None,
    reference: str,
    expected_version: int | None = None,
) -> AuditEvent:
    """Record an authorised payment as paid on `paid_on` (a Europe/London date) with its bank
    reference. TransitionAlreadyMade (an AlreadyDone: by whom and when) for a payment already recorded
    as paid, such as a second click of the same button, before the inputs are checked; nothing is
    changed. Refusal for a missing or future date, or a reference that is not 1 to 35 letters, digits,
    spaces or . / & -."""
    get_engine().refuse_if_already_made(session, payment, "pay")
    errors = {}
    if paid_on is None:
        errors["paid_on"] = "Enter the date the payment was made"
    text = (reference or "").strip()
    if not REFERENCE.match(text):
        errors["payment_reference"] = "Enter the bank reference: up to 35 letters, numbers, spaces or . / & -"
    if errors:
        raise Refusal(errors=errors)
    return fire(
        session,
        payment,
        "pay",
        actor,
        expected_version=expected_version,
        paid_on=paid_on,
        payment_reference=text,
    )


def cancel_payment(
    session: Session, actor: User, payment: Payment, *, reason: str, expected_version: int | None = None
) -> AuditEvent:
    """Cancel a requested or authorised payment, with a reason; its instalment can be requested again."""
    return fire(session, payment, "cancel", actor, expected_version=expected_version, reason=reason)
