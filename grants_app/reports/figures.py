"""Every money figure the reports print, and the one place that says which states count.

The states that count are asked for by their tags in workflows/*.yaml (grants_app.lifecycle), never by
name, each behind a function that says what it means:

- awarded grants: `awarded_states()`, the budget's own definition (tag `committed`).
- paid money: payments in `paid_payment_states()` (tag `paid_out`), as in services.fund_budget.
- accepted spend: spend lines of returns in `accepted_return_states()` (tag `spend_accepted`).
- overdue: returns in `open_return_states()` (tag `outstanding`) past their due date, as on the dashboard.
- at risk: grants on hold (`is_on_hold`, tag `on_hold`).

Issue 8 (recoveries with part payments and write-offs, instalments, per-priority outcomes) should need
to change only this module: `GrantFigures` is the per-grant shape every report apportions and adds up.

All amounts are integer pence. Money is dated as follows, and a figure "in the period" counts what is
dated inside it: an award by its decision date (Europe/London), a payment by the date it was paid, a
spend line by the date the group gave it (else its return's due date), money recovered by the date it
was received.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    payment_states,
    return_states,
)
from grants_app.models import (
    Application,
    ApplicationPriority,
    Award,
    BudgetCategory,
    BudgetLine,
    MonitoringReturn,
    Payment,
    Repayment,
    SpendLine,
)
from grants_app.reports.period import Period


def awarded_states() -> tuple[str, ...]:
    """Application states whose award counts against the budget (tag committed)."""
    return application_states(ApplicationTag.COMMITTED)


def paid_payment_states() -> tuple[str, ...]:
    """Payment states whose money has left the account (tag paid_out)."""
    return payment_states(PaymentTag.PAID_OUT)


def accepted_return_states() -> tuple[str, ...]:
    """Monitoring return states whose spend lines count as accepted spend (tag spend_accepted)."""
    return return_states(ReturnTag.SPEND_ACCEPTED)


def open_return_states() -> tuple[str, ...]:
    """Monitoring return states not yet sent to us (tag outstanding): overdue past their due date."""
    return return_states(ReturnTag.OUTSTANDING)


# A budget category whose accepted spend differs from the approved budget by more than this share is
# flagged, as issue 8's return review does.
VARIANCE_FLAG_PERCENT = 10


def is_on_hold(state: str) -> bool:
    """Whether an application state means the grant is on hold (suspended; tag on_hold)."""
    return state in application_states(ApplicationTag.ON_HOLD)


@dataclass(frozen=True)
class GrantFigures:
    """One grant's figures in pence. The first four are movements in the period; the last two are the
    position at the end of the period."""

    awarded: int = 0
    paid: int = 0
    spent: int = 0
    recovered: int = 0
    # Paid minus accepted spend, once the final return is accepted (before that the group may still spend).
    underspend: int = 0
    # Awarded but not yet paid at the end of the period.
    remaining: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        """The six figures in the order the reports' columns show them."""
        return astuple(self)


def awarded_grants(
    period: Period, *, fund_ids: list[int] | None = None, priority_id: int | None = None
) -> Select:
    """SELECT of the ids of grants in a report: awarded (and still counting against the budget) by the end
    of the period, in the chosen funds, serving the chosen priority."""
    stmt = (
        select(Application.id)
        .join(Award, Award.application_id == Application.id)
        .where(Application.state.in_(awarded_states()), Award.approved_at < period.ends_before)
    )
    if fund_ids:
        stmt = stmt.where(Application.fund_id.in_(fund_ids))
    if priority_id is not None:
        stmt = stmt.where(
            Application.id.in_(
                select(ApplicationPriority.application_id).where(
                    ApplicationPriority.priority_id == priority_id
                )
            )
        )
    return stmt


def _sum_in(amount, when) -> object:
    return func.coalesce(func.sum(case((when, amount), else_=literal(0))), 0)


def _spend_date():
    return func.coalesce(SpendLine.spent_on, MonitoringReturn.due_on)


def grant_money(session: Session, grant_ids: Select, period: Period) -> dict[int, GrantFigures]:
    """Figures for every grant in `grant_ids` (a SELECT of application ids): five queries in all."""
    start, end = period.starts_on, period.ends_on
    awards = session.execute(
        select(
            Award.application_id,
            _sum_in(Award.amount_pence, Award.approved_at >= period.starts_at),
            func.coalesce(func.sum(Award.amount_pence), 0),
        )
        .where(Award.application_id.in_(grant_ids), Award.approved_at < period.ends_before)
        .group_by(Award.application_id)
    ).all()
    paid = {
        row[0]: (int(row[1]), int(row[2]))
        for row in session.execute(
            select(
                Payment.application_id,
                _sum_in(Payment.amount_pence, Payment.paid_on >= start),
                func.coalesce(func.sum(Payment.amount_pence), 0),
            )
            .where(
                Payment.application_id.in_(grant_ids),
                Payment.state.in_(paid_payment_states()),
                Payment.paid_on <= end,
            )
            .group_by(Payment.application_id)
        )
    }
    spent = {
        row[0]: (int(row[1]), int(row[2]))
        for row in session.execute(
            select(
                MonitoringReturn.application_id,
                _sum_in(SpendLine.amount_pence, _spend_date() >= start),
                func.coalesce(func.sum(SpendLine.amount_pence), 0),
            )
            .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
            .where(
                MonitoringReturn.application_id.in_(grant_ids),
                MonitoringReturn.state.in_(accepted_return_states()),
                _spend_date() <= end,
            )
            .group_by(MonitoringReturn.application_id)
        )
    }
    recovered = dict(
        session.execute(
            select(Repayment.application_id, func.coalesce(func.sum(Repayment.amount_pence), 0))
            .where(
                Repayment.application_id.in_(grant_ids),
                Repayment.received_on >= start,
                Repayment.received_on <= end,
            )
            .group_by(Repayment.application_id)
        )
        .tuples()
        .all()
    )
    final_accepted = set(
        session.execute(
            select(MonitoringReturn.application_id)
            .where(
                MonitoringReturn.application_id.in_(grant_ids),
                MonitoringReturn.is_final.is_(True),
                MonitoringReturn.state.in_(accepted_return_states()),
                MonitoringReturn.state_changed_at < period.ends_before,
            )
            .distinct()
        ).scalars()
    )
    result: dict[int, GrantFigures] = {}
    for grant_id, awarded_in, awarded_to_end in awards:
        paid_in, paid_to_end = paid.get(grant_id, (0, 0))
        spent_in, spent_to_end = spent.get(grant_id, (0, 0))
        underspend = max(0, paid_to_end - spent_to_end) if grant_id in final_accepted else 0
        result[grant_id] = GrantFigures(
            awarded=int(awarded_in),
            paid=paid_in,
            spent=spent_in,
            recovered=int(recovered.get(grant_id, 0)),
            underspend=underspend,
            remaining=max(0, int(awarded_to_end) - paid_to_end),
        )
    return result


@dataclass(frozen=True)
class CategoryFigures:
    category_id: int
    name: str
    budget: int  # pence in the grants' approved application budgets
    spent: int  # pence of accepted spend in the period

    @property
    def variance(self) -> int:
        """Spend minus budget: negative is under budget."""
        return self.spent - self.budget

    @property
    def variance_flagged(self) -> bool:
        return is_large_variance(self.budget, self.spent)


def is_large_variance(budget: int, spent: int) -> bool:
    return abs(spent - budget) * 100 > VARIANCE_FLAG_PERCENT * max(budget, 1)


def spend_by_category(session: Session, grant_ids: Select, period: Period) -> list[CategoryFigures]:
    """Budget and accepted spend in the period by budget category for the grants: three queries."""
    budget = dict(
        session.execute(
            select(BudgetLine.category_id, func.sum(BudgetLine.amount_pence))
            .where(BudgetLine.application_id.in_(grant_ids))
            .group_by(BudgetLine.category_id)
        )
        .tuples()
        .all()
    )
    spent = dict(
        session.execute(
            select(SpendLine.category_id, func.sum(SpendLine.amount_pence))
            .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
            .where(
                MonitoringReturn.application_id.in_(grant_ids),
                MonitoringReturn.state.in_(accepted_return_states()),
                _spend_date() >= period.starts_on,
                _spend_date() <= period.ends_on,
            )
            .group_by(SpendLine.category_id)
        )
        .tuples()
        .all()
    )
    names = dict(session.execute(select(BudgetCategory.id, BudgetCategory.name)).tuples().all())
    return [
        CategoryFigures(
            cid, names.get(cid, "Unknown category"), int(budget.get(cid, 0)), int(spent.get(cid, 0))
        )
        for cid in sorted(set(budget) | set(spent), key=lambda c: names.get(c, "").lower())
    ]


def overdue_return_filter(today: date):
    """The WHERE clause of a return that is overdue on `today` (London date)."""
    return and_(MonitoringReturn.due_on < today, MonitoringReturn.state.in_(open_return_states()))
