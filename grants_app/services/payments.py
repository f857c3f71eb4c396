"""Payments: requested by one finance user, authorised by another, then paid; and repayments."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application, Payment, Repayment, Role, User
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.fund_budget import application_money
from grants_app.workflow import get_engine


def request_payment(
    session: Session, actor: User, application: Application, *, amount_pence: int, description: str = ""
) -> Payment:
    """A finance user asks for `amount_pence` to be paid on an accepted offer. The payment starts in its
    workflow's initial state; a second finance user authorises it. Refusal if the actor is not finance,
    the grant is not payable, or the payments would add up to more than the award."""
    if not actor.has_role(Role.FINANCE):
        raise Refusal("Only finance users can request payments")
    if not has_tag(application, ApplicationTag.PAYABLE) or application.award is None:
        raise Refusal("Payments can be made only on an accepted offer")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise Refusal("Enter an amount of more than £0")
    money = application_money(session, application.id)
    if money.paid_pence + money.pending_pence + amount_pence > application.award.amount_pence:
        raise Refusal("The payments would add up to more than the award")
    payment = Payment(
        amount_pence=amount_pence,
        description=description.strip()[:300],
        requested_by_id=actor.id,
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
        data={"application": application.reference, "amount_pence": amount_pence},
    )
    return payment


def record_repayment(
    session: Session,
    actor: User,
    application: Application,
    *,
    amount_pence: int,
    received_on: date,
    reference: str = "",
) -> Repayment:
    """Record money (pence) received back from the group on `received_on` (a Europe/London date).
    Refusal if the actor is not finance or more would be repaid than was paid."""
    if not actor.has_role(Role.FINANCE):
        raise Refusal("Only finance users can record repayments")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise Refusal("Enter an amount of more than £0")
    money = application_money(session, application.id)
    if money.repaid_pence + amount_pence > money.paid_pence:
        raise Refusal("More would be repaid than was ever paid")
    repayment = Repayment(
        application_id=application.id,
        amount_pence=amount_pence,
        received_on=received_on,
        reference=reference.strip()[:100],
        recorded_by_id=actor.id,
    )
    session.add(repayment)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "repayment",
        data={"amount_pence": amount_pence, "received_on": received_on},
    )
    return repayment
