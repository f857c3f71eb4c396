"""The money section of an application's admin page (templates/admin/_application_money.html): the
offer, the payment schedule, payments with the actions the workflow allows this person, recoveries,
and the grant's figures. The template calls `money_section(app)`, so the page's view needs no change."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants_app.admin.security import staff_user
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application, AuditEvent, Payment, Recovery, Role, User
from grants_app.money import format_pence
from grants_app.services import fund_budget
from grants_app.services.offers import default_instalments
from grants_app.services.payments import NOT_YET_DUE, InstalmentStatus, schedule_status
from grants_app.services.recoveries import owed_pence, received_pence
from grants_app.workflow import available_triggers, get_engine


@dataclass
class PaymentRow:
    payment: Payment
    # Trigger names the workflow offers this person on this payment (after the four-eyes rule).
    actions: set[str]
    # This person requested it, so the workflow's second_person rule keeps them from authorising it.
    requested_by_you: bool
    # For a cancelled payment: the audit event of its cancellation (who, when and why).
    cancellation: AuditEvent | None = None


@dataclass
class RecoveryRow:
    recovery: Recovery
    received_pence: int
    owed_pence: int


@dataclass
class MoneySection:
    application: Application
    money: fund_budget.GrantMoney
    schedule: list[InstalmentStatus]
    payments: list[PaymentRow]
    recoveries: list[RecoveryRow]
    is_finance: bool
    is_officer: bool
    today: date
    notes: list[str] = field(default_factory=list)

    @property
    def can_prepare_offer(self) -> bool:
        return self.is_officer and has_tag(self.application, ApplicationTag.AWAITING_OFFER)

    @property
    def next_steps(self) -> list[tuple[str, str]]:
        """What this person can do about the money now, as (button text, where: "offer" for the offer's
        preparation page, "money" for this page's money section), for the page's "What you can do"."""
        steps: list[tuple[str, str]] = []
        if self.can_prepare_offer:
            steps.append(("Prepare and issue the offer", "offer"))
        if not self.is_finance:
            return steps
        for status in self.schedule:
            if status.can_request:
                steps.append(
                    (
                        f"Request instalment {status.instalment.position}: {format_pence(status.payable_pence)}",
                        "money",
                    )
                )
        for row in self.payments:
            amount = format_pence(row.payment.amount_pence)
            if "authorise" in row.actions:
                steps.append((f"Authorise the payment of {amount}", "money"))
            if "pay" in row.actions:
                steps.append((f"Record the payment of {amount} as paid", "money"))
        for row in self.recoveries:
            if row.owed_pence > 0:
                steps.append((f"Record money received: {format_pence(row.owed_pence)} owed", "money"))
        return steps

    @property
    def offer_issued(self) -> bool:
        award = self.application.award
        return award is not None and award.offer_issued_at is not None


def build(application: Application, user: User, today: date) -> MoneySection:
    """The section's data for `user` (five queries whatever the number of payments)."""
    session = db.session
    money = fund_budget.application_money(session, application.id)
    payments = list(
        session.execute(
            select(Payment)
            .options(
                joinedload(Payment.requested_by),
                joinedload(Payment.authorised_by),
                joinedload(Payment.instalment),
            )
            .where(Payment.application_id == application.id)
            .order_by(Payment.id)
        ).scalars()
    )
    recoveries = list(
        session.execute(
            select(Recovery)
            .options(selectinload(Recovery.receipts), joinedload(Recovery.written_off_by))
            .where(Recovery.application_id == application.id)
            .order_by(Recovery.id)
        ).scalars()
    )
    # Why and by whom a payment was cancelled is in its audit trail, not on the payment.
    cancellations = (
        {
            event.entity_id: event
            for event in session.execute(
                select(AuditEvent)
                .where(
                    AuditEvent.entity_type == get_engine().definition_for(payments[0]).subject,
                    AuditEvent.entity_id.in_([p.id for p in payments]),
                    AuditEvent.trigger == "cancel",
                )
                .order_by(AuditEvent.id)
            ).scalars()
        }
        if payments
        else {}
    )
    rows = []
    for payment in payments:
        actions = {t.trigger for t in available_triggers(payment, user)}
        mine = payment.requested_by_id == user.id
        if mine:
            # Shown without the button: the second_person guard would refuse it anyway.
            actions.discard("authorise")
        rows.append(PaymentRow(payment, actions, mine, cancellations.get(payment.id)))
    schedule = schedule_status(session, application, today, money)
    if not application.award.instalments:
        # Not prepared yet: show what the fund's default schedule would be.
        schedule = [
            InstalmentStatus(i, NOT_YET_DUE, "The offer is not issued yet", None, 0)
            for i in default_instalments(application.fund, application.award.amount_pence)
        ]
    return MoneySection(
        application=application,
        money=money,
        schedule=schedule,
        payments=rows,
        recoveries=[RecoveryRow(r, received_pence(r), owed_pence(r)) for r in recoveries],
        is_finance=user.has_role(Role.FINANCE),
        is_officer=user.has_role(Role.OFFICER),
        today=today,
    )


def money_section(application: Application) -> MoneySection | None:
    """For the template: the section for the signed-in staff member, or None if there is no award."""
    user = staff_user()
    if user is None or application.award is None:
        return None
    return build(application, user, london_today())
