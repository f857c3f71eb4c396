"""The grant statement: one grant's award, payments, returns, spend against budget and repayments.

Shape: `build_statement(session, reference, generated_by=...)` returns a `GrantStatement` of plain values
(pence, London dates, labels), read with about a dozen queries whatever the grant's history. Raises
ReportFilterError("reference") when there is no such grant (an application without an award).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from grants_app.models import (
    Application,
    ApplicationPriority,
    Award,
    BudgetCategory,
    DecisionRoute,
    Fund,
    Meeting,
    MonitoringReturn,
    Organisation,
    Payment,
    Priority,
    Repayment,
    SpendLine,
)
from grants_app.reports import figures
from grants_app.reports.common import Provenance, provenance, state_labeller
from grants_app.reports.period import ReportFilterError
from grants_app.reports.render import render_pdf
from grants_app.reports.tables import COUNT, DATE, MONEY, TEXT, Column, Table
from grants_app.services.application_search import reference_matches, typed_reference
from grants_app.services.fund_budget import application_money

# How many grants a shortened reference that fits several names in its message.
AMBIGUOUS_SHOWN = 5


@dataclass(frozen=True)
class PaymentLine:
    description: str
    status: str
    amount: int
    paid_on: date | None
    reference: str


@dataclass(frozen=True)
class ReturnLine:
    period: str
    due_on: date
    status: str
    is_final: bool
    submitted_at: datetime | None
    # Pence and people as the group sent them; None while the return is a draft (still with the group,
    # or sent back to be changed), whose lines are not reported figures.
    spend: int | None
    people_reached: int | None

    @property
    def reported(self) -> bool:
        return self.spend is not None

    @property
    def label(self) -> str:
        """The period, marked "(final)" once for the final return (its stored label may say so already)."""
        if self.is_final and "final" not in self.period.lower():
            return f"{self.period} (final)"
        return self.period


@dataclass(frozen=True)
class CategoryLine:
    name: str
    applied: int  # the budget in the application
    budget: int  # the same scaled to the award (figures.awarded_budgets): what spend is held to
    spent: int  # accepted spend

    @property
    def variance(self) -> int:
        """Accepted spend less the budget for the award (negative: under budget)."""
        return self.spent - self.budget

    @property
    def flagged(self) -> bool:
        return figures.is_large_variance(self.budget, self.spent)


@dataclass(frozen=True)
class SpendItem:
    spent_on: date | None
    description: str
    category: str
    priority: str
    amount: int
    return_period: str
    return_status: str


@dataclass(frozen=True)
class RepaymentLine:
    received_on: date
    amount: int
    reference: str


@dataclass
class GrantStatement:
    provenance: Provenance
    reference: str
    project: str
    organisation: str
    organisation_id: int
    fund: str
    status: str
    start_date: date | None
    end_date: date | None
    requested: int
    awarded: int
    decided_on: datetime
    decided_by: str
    conditions: str
    offer_issued_at: datetime | None
    accepted_at: datetime | None
    accepted_by: str
    repayment_demanded: int
    written_off: int
    priorities: list[tuple[str, int]]
    paid: int
    pending: int
    spent: int
    repaid: int
    underspend: int
    # What can still be paid: the award (once the final return is accepted, the accepted spend up to the
    # award) less what is paid and in progress, as the grant's money page says (GrantMoney.left_to_pay).
    still_to_pay: int
    payments: list[PaymentLine]
    returns: list[ReturnLine]
    categories: list[CategoryLine]
    spend_items: list[SpendItem]
    repayments: list[RepaymentLine]

    @property
    def title(self) -> str:
        return f"Grant statement {self.reference}"

    @property
    def budget_scaled(self) -> bool:
        """The award is not the budget applied for, so each budget line is scaled to the award."""
        return any(c.applied != c.budget for c in self.categories)

    @property
    def award_percent(self) -> int:
        """The award as a whole percentage of the budget applied for (for the note under the table)."""
        applied = sum(c.applied for c in self.categories)
        return round(sum(c.budget for c in self.categories) * 100 / applied) if applied else 100

    @property
    def still_owed(self) -> int:
        return max(0, self.repayment_demanded - self.repaid - self.written_off)


def build_statement(session: Session, reference: str, *, generated_by: str) -> GrantStatement:
    """The statement of the awarded grant `reference`: whole ('SOS-2026-0001') or shortened as staff
    type it ('2026-0001', '0001'; see application_search.reference_matches). ReportFilterError when no
    awarded grant has it, or when a shortened one fits several (naming some, to pick from)."""
    typed = typed_reference(reference)[:20]
    rows = session.execute(
        select(Application, Organisation.name, Fund.name, Fund.financial_year, Award)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Fund, Fund.id == Application.fund_id)
        .join(Award, Award.application_id == Application.id)
        .where(reference_matches(typed))
        .order_by(Application.reference.desc())
        .limit(AMBIGUOUS_SHOWN + 1)
    ).all()
    if not rows:
        raise ReportFilterError("reference", "There is no grant with that reference: check it is awarded")
    if len(rows) > 1:
        shown = [row[0].reference for row in rows[:AMBIGUOUS_SHOWN]]
        more = " or another" if len(rows) > AMBIGUOUS_SHOWN else ""
        raise ReportFilterError(
            "reference",
            f"More than one grant has a reference ending {typed}. Enter the whole reference: "
            f"{', '.join(shown[:-1])} or {shown[-1]}{more}",
        )
    app, org_name, fund_name, fund_year, award = rows[0]
    label = state_labeller()
    decided_by = ""
    if award.decision_route == DecisionRoute.MEETING and award.meeting_id:
        decided_by = session.execute(select(Meeting.title).where(Meeting.id == award.meeting_id)).scalar_one()
    else:
        decided_by = "The grants officer under delegated authority"
    priorities = [
        (f"{number}. {short}", pct)
        for number, short, pct in session.execute(
            select(Priority.number, Priority.short_name, ApplicationPriority.percentage)
            .join(Priority, Priority.id == ApplicationPriority.priority_id)
            .where(ApplicationPriority.application_id == app.id)
            .order_by(Priority.number)
        )
    ]
    money = application_money(session, app.id)
    payments = [
        PaymentLine(
            p.description or "Payment",
            label(p.workflow_name, p.state),
            p.amount_pence,
            p.paid_on,
            p.payment_reference,
        )
        for p in session.execute(
            select(Payment).where(Payment.application_id == app.id).order_by(Payment.paid_on, Payment.id)
        ).scalars()
    ]
    reported = figures.reported_return_states()
    # Every return is listed, but only a sent one's lines are summed: a draft's are not reported spend.
    return_rows = session.execute(
        select(MonitoringReturn, func.coalesce(func.sum(SpendLine.amount_pence), 0))
        .outerjoin(
            SpendLine,
            and_(
                SpendLine.monitoring_return_id == MonitoringReturn.id,
                MonitoringReturn.state.in_(reported),
            ),
        )
        .where(MonitoringReturn.application_id == app.id)
        .group_by(MonitoringReturn.id)
        .order_by(MonitoringReturn.due_on)
    ).all()
    returns = [
        ReturnLine(
            r.period_label,
            r.due_on,
            label(r.workflow_name, r.state),
            r.is_final,
            r.submitted_at,
            int(total) if r.state in reported else None,
            r.beneficiaries_reached if r.state in reported else None,
        )
        for r, total in return_rows
    ]
    final_accepted = any(r.is_final and r.state in figures.accepted_return_states() for r, _t in return_rows)
    items = session.execute(
        select(SpendLine, BudgetCategory.name, Priority.number, Priority.short_name, MonitoringReturn)
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .join(BudgetCategory, BudgetCategory.id == SpendLine.category_id)
        .join(Priority, Priority.id == SpendLine.priority_id)
        .where(MonitoringReturn.application_id == app.id, MonitoringReturn.state.in_(reported))
        .order_by(SpendLine.spent_on, SpendLine.id)
    ).all()
    spend_items = [
        SpendItem(
            line.spent_on,
            line.description,
            category,
            f"{number}. {short}",
            line.amount_pence,
            ret.period_label,
            label(ret.workflow_name, ret.state),
        )
        for line, category, number, short, ret in items
    ]
    budgets = figures.awarded_budgets(session, select(Application.id).where(Application.id == app.id)).get(
        app.id, {}
    )
    names = dict(session.execute(select(BudgetCategory.id, BudgetCategory.name)).tuples().all())
    accepted: dict[str, int] = {}
    for line, category, _n, _s, ret in items:
        if ret.state in figures.accepted_return_states():
            accepted[category] = accepted.get(category, 0) + line.amount_pence
    by_name = {names.get(cid, "Unknown category"): pair for cid, pair in budgets.items()}
    categories = [
        CategoryLine(name, *by_name.get(name, (0, 0)), accepted.get(name, 0))
        for name in sorted(set(by_name) | set(accepted), key=str.lower)
    ]
    repayments = [
        RepaymentLine(r.received_on, r.amount_pence, r.reference)
        for r in session.execute(
            select(Repayment).where(Repayment.application_id == app.id).order_by(Repayment.received_on)
        ).scalars()
    ]
    return GrantStatement(
        provenance=provenance(session, generated_by),
        reference=app.reference,
        project=app.title,
        organisation=org_name,
        organisation_id=app.organisation_id,
        fund=f"{fund_name} {fund_year}/{str(fund_year + 1)[-2:]}",
        status=label(app.workflow_name, app.state),
        start_date=app.start_date,
        end_date=app.end_date,
        requested=app.amount_requested_pence,
        awarded=award.amount_pence,
        decided_on=award.approved_at,
        decided_by=decided_by,
        conditions=award.conditions,
        offer_issued_at=award.offer_issued_at,
        accepted_at=award.accepted_at,
        accepted_by=award.accepted_by_name,
        repayment_demanded=money.raised_pence,
        written_off=money.written_off_pence,
        priorities=priorities,
        paid=money.paid_pence,
        pending=money.pending_pence,
        spent=money.spent_pence,
        repaid=money.repaid_pence,
        underspend=max(0, money.paid_pence - money.spent_pence) if final_accepted else 0,
        still_to_pay=money.left_to_pay_pence,
        payments=payments,
        returns=returns,
        categories=categories,
        spend_items=spend_items,
        repayments=repayments,
    )


def statement_tables(st: GrantStatement) -> list[Table]:
    summary = [
        ("Awarded", st.awarded),
        ("Paid", st.paid),
        ("Payments in progress", st.pending),
        ("Still to pay", st.still_to_pay),
        ("Accepted spend", st.spent),
        ("Underspend", st.underspend),
        ("Asked to repay", st.repayment_demanded),
        ("Repaid", st.repaid),
        ("Written off", st.written_off),
    ]
    return [
        Table("Summary", (Column("Figure", TEXT, 28), Column("Amount", MONEY)), summary),
        Table(
            "Payments",
            (
                Column("Description", TEXT, 30),
                Column("Status", TEXT),
                Column("Amount", MONEY),
                Column("Paid on", DATE),
                Column("Reference", TEXT, 20),
            ),
            [(p.description, p.status, p.amount, p.paid_on, p.reference) for p in st.payments],
        ),
        Table(
            "Returns",
            (
                Column("Period", TEXT, 24),
                Column("Due", DATE),
                Column("Status", TEXT),
                Column("Final", TEXT, 8),
                Column("Spend reported", MONEY),
                Column("People reached", COUNT),
            ),
            [
                (r.label, r.due_on, r.status, "Yes" if r.is_final else "No", r.spend, r.people_reached)
                for r in st.returns
            ],
        ),
        Table(
            "Budget and spend",
            (
                Column("Budget category", TEXT, 30),
                Column("Budget applied for", MONEY),
                Column("Budget for the award", MONEY),
                Column("Accepted spend", MONEY),
                Column("Variance against the budget for the award", MONEY),
            ),
            [(c.name, c.applied, c.budget, c.spent, c.variance) for c in st.categories],
        ),
        Table(
            "Spend lines",
            (
                Column("Date", DATE),
                Column("Description", TEXT, 36),
                Column("Category", TEXT, 24),
                Column("Priority", TEXT, 24),
                Column("Amount", MONEY),
                Column("Return", TEXT, 20),
                Column("Return status", TEXT),
            ),
            [
                (
                    s.spent_on,
                    s.description,
                    s.category,
                    s.priority,
                    s.amount,
                    s.return_period,
                    s.return_status,
                )
                for s in st.spend_items
            ],
        ),
        Table(
            "Repayments",
            (Column("Received on", DATE), Column("Amount", MONEY), Column("Reference", TEXT, 24)),
            [(r.received_on, r.amount, r.reference) for r in st.repayments],
        ),
    ]


def statement_pdf(st: GrantStatement) -> bytes:

    return render_pdf("reports/statement.html", title=st.title, provenance=st.provenance, st=st)
