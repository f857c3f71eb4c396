"""Every money figure the reports print, and the one place that says which states count.

The states that count are asked for by their tags in workflows/*.yaml (grants_app.lifecycle), never by
name, each behind a function that says what it means:

- awarded grants: `awarded_states()`, the budget's own definition (tag `committed`).
- paid money: payments in `paid_payment_states()` (tag `paid_out`), as in services.fund_budget.
- accepted spend: spend lines of returns in `accepted_return_states()` (tag `spend_accepted`).
- reported spend and people reached: returns in `reported_return_states()` (tag `spend_reported`): sent
  and waiting for review, or accepted. A return the group is still filling in, or changing after our
  question, is a draft: its lines are never shown as reported.
- overdue: returns in `open_return_states()` (tag `outstanding`) past their due date, as on the dashboard.
- at risk: grants on hold (`is_on_hold`, tag `on_hold`).

Issue 8 (recoveries with part payments and write-offs, instalments, per-priority outcomes) should need
to change only this module: `GrantFigures` is the per-grant shape every report apportions and adds up.

All amounts are integer pence. Money is dated as follows, and a figure "in the period" counts what is
dated inside it: an award by its decision date (Europe/London), a payment by the date it was paid, a
spend line by the date the group gave it (else when its return was sent, else its due date), money
recovered by the date it was received.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field, fields
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
from grants_app.reports.apportion import largest_remainder
from grants_app.reports.period import Period
from grants_app.services.fund_budget import closed_states


def awarded_states() -> tuple[str, ...]:
    """Application states whose award counts against the budget (tag committed)."""
    return application_states(ApplicationTag.COMMITTED)


def paid_payment_states() -> tuple[str, ...]:
    """Payment states whose money has left the account (tag paid_out)."""
    return payment_states(PaymentTag.PAID_OUT)


def accepted_return_states() -> tuple[str, ...]:
    """Monitoring return states whose spend lines count as accepted spend (tag spend_accepted)."""
    return return_states(ReturnTag.SPEND_ACCEPTED)


def reported_return_states() -> tuple[str, ...]:
    """Monitoring return states whose spend lines and people reached are reported figures (tag
    spend_reported): sent by the group and not back with them to change."""
    return return_states(ReturnTag.SPEND_REPORTED)


def open_return_states() -> tuple[str, ...]:
    """Monitoring return states not yet sent to us (tag outstanding): overdue past their due date."""
    return return_states(ReturnTag.OUTSTANDING)


# A budget category whose accepted spend differs from the approved budget by more than this share is
# flagged, as issue 8's return review does.
VARIANCE_FLAG_PERCENT = 10


def is_on_hold(state: str) -> bool:
    """Whether an application state means the grant is on hold (suspended; tag on_hold)."""
    return state in application_states(ApplicationTag.ON_HOLD)


def _figure(heading: str, meaning: str):
    """A money field of GrantFigures with its column heading and what it means (for the notes)."""
    return field(default=0, metadata={"heading": heading, "meaning": meaning})


@dataclass(frozen=True)
class GrantFigures:
    """One grant's figures in pence, in the order every report's columns show them: the field order,
    headings and meanings here are the one definition the PDF, CSV and XLSX read (`FIGURES`), so a
    heading can never sit over another figure's values. Awarded, paid, accepted spend and recovered are
    movements in the period; underspend and not yet paid are positions at the end of the period."""

    awarded: int = _figure("Awarded", "awards decided in the period")
    paid: int = _figure("Paid", "payments made in the period")
    spent: int = _figure("Accepted spend", "spend in accepted returns, dated in the period")
    # Paid minus accepted spend, once the final return is accepted (before that the group may still spend).
    underspend: int = _figure(
        "Underspend", "paid less accepted spend on grants whose final return is accepted, at the period end"
    )
    recovered: int = _figure("Recovered", "money repaid to us (received) in the period")
    # What can still be paid at the end of the period: the award (once the final return is accepted, the
    # accepted spend up to the award; once the grant is closed, nothing), as GrantMoney.entitled_pence,
    # less what has been paid.
    not_yet_paid: int = _figure(
        "Not yet paid",
        "awarded (on a settled grant, accepted spend up to the award; on a closed grant, nothing more) "
        "less paid, at the end of the period",
    )

    def as_tuple(self) -> tuple[int, ...]:
        """The figures in FIGURES order (the reports' column order)."""
        return astuple(self)


@dataclass(frozen=True)
class Figure:
    name: str  # the GrantFigures field
    heading: str
    meaning: str


FIGURES: tuple[Figure, ...] = tuple(
    Figure(f.name, f.metadata["heading"], f.metadata["meaning"]) for f in fields(GrantFigures)
)


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


def _spend_from(period: Period):
    """A spend line is dated on or after the period's start: by the date the group gave for it, else by
    when its return was sent (a line without a date is spent by then), else by the return's due date."""
    return case(
        (SpendLine.spent_on.is_not(None), SpendLine.spent_on >= period.starts_on),
        (MonitoringReturn.submitted_at.is_not(None), MonitoringReturn.submitted_at >= period.starts_at),
        else_=MonitoringReturn.due_on >= period.starts_on,
    )


def _spend_by_end(period: Period):
    """A spend line is dated no later than the period's end (dated as in _spend_from)."""
    return case(
        (SpendLine.spent_on.is_not(None), SpendLine.spent_on <= period.ends_on),
        (MonitoringReturn.submitted_at.is_not(None), MonitoringReturn.submitted_at < period.ends_before),
        else_=MonitoringReturn.due_on <= period.ends_on,
    )


def grant_money(session: Session, grant_ids: Select, period: Period) -> dict[int, GrantFigures]:
    """Figures for every grant in `grant_ids` (a SELECT of application ids): six queries in all."""
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
                _sum_in(SpendLine.amount_pence, _spend_from(period)),
                func.coalesce(func.sum(SpendLine.amount_pence), 0),
            )
            .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
            .where(
                MonitoringReturn.application_id.in_(grant_ids),
                MonitoringReturn.state.in_(accepted_return_states()),
                _spend_by_end(period),
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
    closed = set(
        session.execute(
            select(Application.id).where(
                Application.id.in_(grant_ids),
                Application.state.in_(closed_states()),
                Application.state_changed_at < period.ends_before,
            )
        ).scalars()
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
        settled = grant_id in final_accepted
        underspend = max(0, paid_to_end - spent_to_end) if settled else 0
        # A settled grant can only be paid up to its accepted spend (GrantMoney.entitled_pence), so the
        # rest of its award will never be paid and the statement's "Still to pay" is nil.
        entitled = min(spent_to_end, int(awarded_to_end)) if settled else int(awarded_to_end)
        if grant_id in closed:  # closed by the end of the period: nothing more will be paid
            entitled = paid_to_end
        result[grant_id] = GrantFigures(
            awarded=int(awarded_in),
            paid=paid_in,
            spent=spent_in,
            underspend=underspend,
            recovered=int(recovered.get(grant_id, 0)),
            not_yet_paid=max(0, entitled - paid_to_end),
        )
    return result


def awarded_budgets(session: Session, grant_ids: Select) -> dict[int, dict[int, tuple[int, int]]]:
    """{grant id: {budget category id: (budget in the application, that budget scaled to the award)}}
    in pence: two queries.

    A grant awarded less than its budget adds up to (a JAG may award part of a request) cannot be held
    to the budget it applied with: each category's budget is scaled by award / budget total, shared out
    by the largest-remainder method so the scaled budget adds up to the award exactly. A grant awarded
    its budget in full keeps it as it is."""
    lines: dict[int, dict[int, int]] = {}
    for app_id, category_id, total in session.execute(
        select(BudgetLine.application_id, BudgetLine.category_id, func.sum(BudgetLine.amount_pence))
        .where(BudgetLine.application_id.in_(grant_ids))
        .group_by(BudgetLine.application_id, BudgetLine.category_id)
        .order_by(BudgetLine.application_id, BudgetLine.category_id)
    ):
        lines.setdefault(app_id, {})[category_id] = int(total)
    awards = dict(
        session.execute(
            select(Award.application_id, Award.amount_pence).where(Award.application_id.in_(grant_ids))
        )
        .tuples()
        .all()
    )
    result: dict[int, dict[int, tuple[int, int]]] = {}
    for app_id, by_category in lines.items():
        applied = list(by_category.values())
        award = awards.get(app_id)
        if award is None or sum(applied) <= 0 or any(a < 0 for a in applied) or award == sum(applied):
            scaled = applied
        else:
            scaled = largest_remainder(int(award), applied)
        result[app_id] = {cid: (a, s) for cid, a, s in zip(by_category, applied, scaled, strict=True)}
    return result


@dataclass(frozen=True)
class CategoryFigures:
    category_id: int
    name: str
    applied: int  # pence in the grants' application budgets
    budget: int  # the same budgets scaled to the amounts awarded (the budget spend is held to)
    spent: int  # pence of accepted spend in the period

    @property
    def variance(self) -> int:
        """Spend minus the awarded budget: negative is under budget."""
        return self.spent - self.budget

    @property
    def variance_flagged(self) -> bool:
        return is_large_variance(self.budget, self.spent)


def is_large_variance(budget: int, spent: int) -> bool:
    """Spend differs from the budget by more than VARIANCE_FLAG_PERCENT of the budget."""
    return abs(spent - budget) * 100 > VARIANCE_FLAG_PERCENT * max(budget, 1)


def priority_part(values: dict[int, int], weights: list[int], index: int) -> dict[int, int]:
    """One priority's part of a grant's amounts by key (pence by budget category): the grant's total is
    shared across its priorities by `weights` (percentages, in priority order) with the largest-remainder
    method, as every other figure is, and the priority's part (at `index`) is then shared across the keys
    in proportion to their amounts, so the parts add up to the priority's share of the total exactly.
    Amounts that cannot be weights (a negative one, or none above 0) are apportioned one by one."""
    amounts = list(values.values())
    if not amounts:
        return {}
    if any(a < 0 for a in amounts) or sum(amounts) <= 0:
        return {key: largest_remainder(value, weights)[index] for key, value in values.items()}
    part = largest_remainder(sum(amounts), weights)[index]
    return dict(zip(values, largest_remainder(part, amounts), strict=True))


def spend_by_category(
    session: Session,
    grant_ids: Select,
    period: Period,
    shares: dict[int, tuple[list[int], int]] | None = None,
) -> list[CategoryFigures]:
    """Budget (as applied for, and scaled to the awards) and accepted spend in the period by budget
    category for the grants: four queries.

    With `shares` ({grant id: (its priorities' percentages in priority order, the index of the priority
    reported)}), each grant counts by that priority's share (`priority_part`), as the spend report's
    priority filter shows it; a grant missing from `shares` counts in full."""
    applied: dict[int, int] = {}
    budget: dict[int, int] = {}
    spent: dict[int, int] = {}

    def add(into: dict[int, int], app_id: int, by_category: dict[int, int]) -> None:
        if shares is not None and app_id in shares:
            by_category = priority_part(by_category, *shares[app_id])
        for cid, amount in by_category.items():
            into[cid] = into.get(cid, 0) + amount

    for app_id, by_category in awarded_budgets(session, grant_ids).items():
        add(applied, app_id, {cid: a for cid, (a, _s) in by_category.items()})
        add(budget, app_id, {cid: s for cid, (_a, s) in by_category.items()})
    spend_rows: dict[int, dict[int, int]] = {}
    for app_id, cid, total in session.execute(
        select(MonitoringReturn.application_id, SpendLine.category_id, func.sum(SpendLine.amount_pence))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(
            MonitoringReturn.application_id.in_(grant_ids),
            MonitoringReturn.state.in_(accepted_return_states()),
            _spend_from(period),
            _spend_by_end(period),
        )
        .group_by(MonitoringReturn.application_id, SpendLine.category_id)
        .order_by(MonitoringReturn.application_id, SpendLine.category_id)
    ):
        spend_rows.setdefault(app_id, {})[cid] = int(total)
    for app_id, by_category in spend_rows.items():
        add(spent, app_id, by_category)
    names = dict(session.execute(select(BudgetCategory.id, BudgetCategory.name)).tuples().all())
    return [
        CategoryFigures(
            cid,
            names.get(cid, "Unknown category"),
            applied.get(cid, 0),
            budget.get(cid, 0),
            spent.get(cid, 0),
        )
        for cid in sorted(set(budget) | set(spent), key=lambda c: names.get(c, "").lower())
    ]


def overdue_return_filter(today: date):
    """The WHERE clause of a return that is overdue on `today` (London date)."""
    return and_(MonitoringReturn.due_on < today, MonitoringReturn.state.in_(open_return_states()))
