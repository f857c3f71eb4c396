"""How much of a fund is committed, paid and left: the figures behind the budget guard and dashboards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    payment_states,
    return_states,
)
from grants_app.models import Application, Award, Fund, MonitoringReturn, Payment, Repayment, SpendLine


@dataclass(frozen=True)
class FundPosition:
    """One fund's money in pence: budget, ceiling (with the over-allocation allowance),
    committed, paid and repaid."""

    fund_id: int
    budget_pence: int
    ceiling_pence: int
    committed_pence: int
    paid_pence: int
    repaid_pence: int

    @property
    def remaining_pence(self) -> int:
        return self.budget_pence - self.committed_pence

    @property
    def headroom_pence(self) -> int:
        """What can still be approved, allowing for the over-allocation allowance."""
        return self.ceiling_pence - self.committed_pence

    @property
    def committed_percent(self) -> int:
        return 0 if not self.budget_pence else min(100, self.committed_pence * 100 // self.budget_pence)

    @property
    def paid_percent(self) -> int:
        return 0 if not self.budget_pence else min(100, self.paid_pence * 100 // self.budget_pence)


def _awarded(session: Session, fund_id: int) -> int:
    stmt = (
        select(func.coalesce(func.sum(Award.amount_pence), 0))
        .join(Application, Application.id == Award.application_id)
        .where(
            Application.fund_id == fund_id,
            # An award counts against the budget from approval until the grant is closed; money
            # recovered later is released again.
            Application.state.in_(application_states(ApplicationTag.COMMITTED)),
        )
    )
    return int(session.execute(stmt).scalar_one())


def _repaid(session: Session, fund_id: int) -> int:
    stmt = (
        select(func.coalesce(func.sum(Repayment.amount_pence), 0))
        .join(Application, Application.id == Repayment.application_id)
        .where(Application.fund_id == fund_id)
    )
    return int(session.execute(stmt).scalar_one())


def _paid(session: Session, fund_id: int) -> int:
    stmt = (
        select(func.coalesce(func.sum(Payment.amount_pence), 0))
        .join(Application, Application.id == Payment.application_id)
        .where(Application.fund_id == fund_id, Payment.state.in_(payment_states(PaymentTag.PAID_OUT)))
    )
    return int(session.execute(stmt).scalar_one())


def fund_position(session: Session, fund: Fund) -> FundPosition:
    """Budget, ceiling, committed (awards in committed states less money repaid), paid and repaid, in
    pence, for one fund: four aggregate queries."""
    repaid = _repaid(session, fund.id)
    return FundPosition(
        fund_id=fund.id,
        budget_pence=fund.budget_pence,
        ceiling_pence=fund.allocation_ceiling_pence,
        committed_pence=_awarded(session, fund.id) - repaid,
        paid_pence=_paid(session, fund.id),
        repaid_pence=repaid,
    )


def lock_fund(session: Session, fund_id: int) -> Fund:
    """Lock the fund row so concurrent approvals are checked against the budget one at a time."""
    stmt = select(Fund).where(Fund.id == fund_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()


@dataclass(frozen=True)
class GrantMoney:
    """One grant's money in pence: paid out, payments in progress (requested or authorised), money
    received back, and spend in accepted monitoring returns."""

    paid_pence: int
    pending_pence: int
    repaid_pence: int
    spent_pence: int

    @property
    def underspend_pence(self) -> int:
        """Paid but not shown as spent, less what has already come back."""
        return self.paid_pence - self.spent_pence - self.repaid_pence


def application_money(session: Session, application_id: int) -> GrantMoney:
    """Paid, pending, repaid and accepted spend for one grant (four aggregate queries)."""

    def total(stmt) -> int:
        return int(session.execute(stmt).scalar_one())

    return GrantMoney(
        paid_pence=total(
            select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
                Payment.application_id == application_id,
                Payment.state.in_(payment_states(PaymentTag.PAID_OUT)),
            )
        ),
        pending_pence=total(
            select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
                Payment.application_id == application_id,
                Payment.state.in_(payment_states(PaymentTag.PENDING)),
            )
        ),
        repaid_pence=total(
            select(func.coalesce(func.sum(Repayment.amount_pence), 0)).where(
                Repayment.application_id == application_id
            )
        ),
        spent_pence=total(
            select(func.coalesce(func.sum(SpendLine.amount_pence), 0))
            .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
            .where(
                MonitoringReturn.application_id == application_id,
                MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
            )
        ),
    )
