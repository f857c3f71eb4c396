"""How much of a fund is committed, paid and left: the figures behind the budget guard and dashboards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.models import Application, Award, Fund, Payment, Repayment

# An award counts against the budget from approval until the grant is closed; money recovered later
# is released again.
COMMITTED_STATES = (
    "approved",
    "offer_issued",
    "offer_accepted",
    "in_delivery",
    "suspended",
    "final_return_accepted",
    "repayment_due",
    "closed",
)


@dataclass(frozen=True)
class FundPosition:
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
        .where(Application.fund_id == fund_id, Application.state.in_(COMMITTED_STATES))
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
        .where(Application.fund_id == fund_id, Payment.state == "paid")
    )
    return int(session.execute(stmt).scalar_one())


def fund_position(session: Session, fund: Fund) -> FundPosition:
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


def application_money(session: Session, application_id: int) -> dict[str, int]:
    """Paid, pending payment, repaid and accepted spend for one grant."""
    from grants_app.models import MonitoringReturn, SpendLine

    paid = session.execute(
        select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
            Payment.application_id == application_id, Payment.state == "paid"
        )
    ).scalar_one()
    pending = session.execute(
        select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
            Payment.application_id == application_id, Payment.state.in_(("requested", "authorised"))
        )
    ).scalar_one()
    repaid = session.execute(
        select(func.coalesce(func.sum(Repayment.amount_pence), 0)).where(
            Repayment.application_id == application_id
        )
    ).scalar_one()
    spent = session.execute(
        select(func.coalesce(func.sum(SpendLine.amount_pence), 0))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(MonitoringReturn.application_id == application_id, MonitoringReturn.state == "accepted")
    ).scalar_one()
    return {"paid": int(paid), "pending": int(pending), "repaid": int(repaid), "spent": int(spent)}
