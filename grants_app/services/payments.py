"""Payments: requested by one finance user, authorised by another, then paid; and repayments."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from grants_app.models import Application, Payment, Repayment, Role, User
from grants_app.services import audit
from grants_app.services.fund_budget import application_money
from grants_app.workflow import get_engine

PAYABLE_STATES = frozenset({"offer_accepted", "in_delivery"})


class PaymentRefused(Exception):
    """The payment cannot be made; the message says why."""


def request_payment(
    session: Session, actor: User, application: Application, *, amount_pence: int, description: str = ""
) -> Payment:
    if not actor.has_role(Role.FINANCE):
        raise PaymentRefused("Only finance users can request payments")
    if application.state not in PAYABLE_STATES or application.award is None:
        raise PaymentRefused("Payments can be made only on an accepted offer")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise PaymentRefused("Enter an amount of more than £0")
    money = application_money(session, application.id)
    if money["paid"] + money["pending"] + amount_pence > application.award.amount_pence:
        raise PaymentRefused("The payments would add up to more than the award")
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
    if not actor.has_role(Role.FINANCE):
        raise PaymentRefused("Only finance users can record repayments")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        raise PaymentRefused("Enter an amount of more than £0")
    money = application_money(session, application.id)
    if money["repaid"] + amount_pence > money["paid"]:
        raise PaymentRefused("More would be repaid than was ever paid")
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
