"""The spend report: what was awarded, paid and spent on each priority, on what and with whom.

Shape: `build_spend_report(...)` returns a `SpendReport` of plain values (ints in pence, strings, dates),
read with a constant number of SQL aggregates whatever the number of grants (about 16, plus 3 per fund
chosen for the fund positions); `spend_tables(report)` gives the same figures as tables for CSV/XLSX.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.dates import year_label
from grants_app.models import (
    Application,
    ApplicationPriority,
    Fund,
    Organisation,
    Priority,
    Ward,
    application_wards,
    fund_priorities,
)
from grants_app.reports import figures
from grants_app.reports.apportion import METHOD_NOTE, largest_remainder, tenths_of_percent
from grants_app.reports.charts import BarGroup, bar_chart
from grants_app.reports.common import Provenance, provenance, state_labeller
from grants_app.reports.figures import FIGURES, CategoryFigures, GrantFigures
from grants_app.reports.period import Period, ReportFilterError
from grants_app.reports.render import render_pdf
from grants_app.reports.tables import COUNT, MONEY, PERCENT, TEXT, Column, Table
from grants_app.services import fund_budget

NO_PRIORITY = "No priority recorded"


@dataclass(frozen=True)
class GrantRow:
    application_id: int
    reference: str
    organisation: str
    project: str
    wards: str
    status: str
    percentage: int  # this priority's share of the grant
    money: GrantFigures  # apportioned to this priority


@dataclass
class PrioritySection:
    number: int | None
    short_name: str
    title: str
    rows: list[GrantRow] = field(default_factory=list)
    totals: GrantFigures = GrantFigures()
    share_tenths: int | None = None  # of the total paid in the period

    @property
    def heading(self) -> str:
        return f"Priority {self.number}: {self.short_name}" if self.number is not None else self.short_name


@dataclass(frozen=True)
class FundRow:
    name: str
    year_label: str
    position: fund_budget.FundPosition


@dataclass
class SpendReport:
    provenance: Provenance
    period: Period
    filters: list[tuple[str, str]]
    sections: list[PrioritySection]
    totals: GrantFigures
    grant_count: int
    categories: list[CategoryFigures]
    funds: list[FundRow]
    notes: list[str]
    include_detail: bool = True

    @property
    def title(self) -> str:
        return f"Spend report by priority, {self.period.short_label}"

    @property
    def detail_rows(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def _sum(moneys) -> GrantFigures:
    totals = [0] * len(fields(GrantFigures))
    for money in moneys:
        for i, value in enumerate(money.as_tuple()):
            totals[i] += value
    return GrantFigures(*totals)


def _apportion(money: GrantFigures, weights: list[int]) -> list[GrantFigures]:
    columns = [largest_remainder(value, weights) for value in money.as_tuple()]
    return [GrantFigures(*parts) for parts in zip(*columns, strict=True)]


def chosen_funds(session: Session, period: Period, fund_ids: list[int] | None) -> list[Fund]:
    """The funds named, else those of the period's financial year, else every fund. Raises
    ReportFilterError("fund_ids") for a fund that does not exist or (for a financial year or quarter) is
    of another year."""
    stmt = select(Fund).order_by(Fund.financial_year, Fund.name)
    if fund_ids:
        funds = list(session.execute(stmt.where(Fund.id.in_(fund_ids))).scalars())
        if len(funds) != len(set(fund_ids)):
            raise ReportFilterError("fund_ids", "Choose funds from the list")
        other_year = [f for f in funds if period.year is not None and f.financial_year != period.year]
        if other_year:
            names = ", ".join(f"{f.name} ({f.year_label})" for f in other_year)
            raise ReportFilterError(
                "fund_ids",
                f"{'That fund is' if len(other_year) == 1 else 'Those funds are'} not in "
                f"{year_label(period.year or 0)}: {names}. Choose a fund of that year, or another year",
            )
        return funds
    if period.year is not None:
        return list(session.execute(stmt.where(Fund.financial_year == period.year)).scalars())
    return list(session.execute(stmt).scalars())


def build_spend_report(
    session: Session,
    period: Period,
    *,
    generated_by: str,
    fund_ids: list[int] | None = None,
    priority_id: int | None = None,
    include_detail: bool = True,
) -> SpendReport:
    """Build the spend report. Raises ReportFilterError for a fund or priority that does not exist."""
    funds = chosen_funds(session, period, fund_ids)
    fund_id_list = [f.id for f in funds] or [-1]  # no fund for that year: an empty report, not all funds
    priority = session.get(Priority, priority_id) if priority_id is not None else None
    if priority_id is not None and priority is None:
        raise ReportFilterError("priority_id", "Choose a priority from the list")
    scope = figures.awarded_grants(period, fund_ids=fund_id_list, priority_id=priority_id)
    label = state_labeller()

    grants = session.execute(
        select(
            Application.id,
            Application.reference,
            Organisation.name,
            Application.title,
            Application.workflow_name,
            Application.state,
        )
        .join(Organisation, Organisation.id == Application.organisation_id)
        .where(Application.id.in_(scope))
        .order_by(Application.reference)
    ).all()
    wards: dict[int, list[str]] = defaultdict(list)
    for app_id, ward in session.execute(
        select(application_wards.c.application_id, Ward.name)
        .join(Ward, Ward.id == application_wards.c.ward_id)
        .where(application_wards.c.application_id.in_(scope))
        .order_by(Ward.name)
    ):
        wards[app_id].append(ward)
    splits: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for app_id, pid, percentage in session.execute(
        select(
            ApplicationPriority.application_id,
            ApplicationPriority.priority_id,
            ApplicationPriority.percentage,
        )
        .where(ApplicationPriority.application_id.in_(scope))
        .order_by(ApplicationPriority.application_id, ApplicationPriority.priority_id)
    ):
        splits[app_id].append((pid, percentage))
    priority_rows = (
        session.execute(
            select(Priority)
            .where(
                Priority.id.in_(
                    select(fund_priorities.c.priority_id).where(fund_priorities.c.fund_id.in_(fund_id_list))
                )
                | Priority.id.in_(
                    select(ApplicationPriority.priority_id).where(
                        ApplicationPriority.application_id.in_(scope)
                    )
                )
            )
            .order_by(Priority.number, Priority.id)
        )
        .scalars()
        .all()
    )
    numbers = {p.id: p.number for p in priority_rows}
    sections: dict[int | None, PrioritySection] = {
        p.id: PrioritySection(p.number, p.short_name, p.title)
        for p in priority_rows
        if priority_id is None or p.id == priority_id
    }
    money = figures.grant_money(session, scope, period)
    # With a priority filter, each grant's budget categories count by that priority's share, as its money.
    category_shares: dict[int, tuple[list[int], int]] | None = {} if priority_id is not None else None

    for app_id, reference, organisation, title, workflow_name, state in grants:
        grant_money = money.get(app_id, GrantFigures())
        # Priority order, so ties in the largest-remainder method go to the lower priority number.
        shares = sorted(splits.get(app_id, []), key=lambda share: (numbers.get(share[0], 0), share[0]))
        if not shares:
            shares = [(None, 100)]
            sections.setdefault(None, PrioritySection(None, NO_PRIORITY, NO_PRIORITY))
        parts = _apportion(grant_money, [pct for _pid, pct in shares])
        if category_shares is not None:
            index = next((i for i, (pid, _pct) in enumerate(shares) if pid == priority_id), None)
            if index is not None:
                category_shares[app_id] = ([pct for _pid, pct in shares], index)
        for (pid, pct), part in zip(shares, parts, strict=True):
            if pid not in sections:  # the priority filter shows one priority's share of each grant
                continue
            sections[pid].rows.append(
                GrantRow(
                    app_id,
                    reference,
                    organisation,
                    title,
                    ", ".join(wards.get(app_id, [])),
                    label(workflow_name, state),
                    pct,
                    part,
                )
            )
    ordered = sorted(sections.values(), key=lambda s: (s.number is None, s.number or 0))
    for section in ordered:
        section.totals = _sum(r.money for r in section.rows)
    for section, share in zip(ordered, tenths_of_percent([s.totals.paid for s in ordered]), strict=True):
        section.share_tenths = share

    filters = [("Period", period.label)]
    filters.append(("Funds", ", ".join(f"{f.name} {f.year_label}" for f in funds) or "No fund for this year"))
    filters.append(
        ("Priority", f"{priority.number}. {priority.short_name}" if priority else "All priorities")
    )
    return SpendReport(
        provenance=provenance(session, generated_by),
        period=period,
        filters=filters,
        sections=ordered,
        totals=_sum(s.totals for s in ordered),
        grant_count=len(grants),
        categories=figures.spend_by_category(session, scope, period, category_shares),
        funds=[
            FundRow(f.name, year_label(f.financial_year), fund_budget.fund_position(session, f))
            for f in funds
        ],
        notes=method_notes(),
        include_detail=include_detail,
    )


def method_notes() -> list[str]:
    """The notes on method printed at the end of the spend report (and true of its CSV and XLSX)."""
    meanings = "; ".join(f"{f.heading.lower()}: {f.meaning}" for f in FIGURES)
    return [
        "Grants: every grant awarded by the end of the period in the funds chosen while it counts against "
        "the fund's budget, from approval to closure (withdrawn, declined, lapsed and refused offers are "
        "not grants).",
        f"The columns, in order: {meanings}. Money is dated as follows: an award by the date it was "
        "decided, a payment by the date it was paid, spend by the date the group gave for it (else the "
        "date its return was sent) in returns the officer has accepted, money recovered by the date it "
        "was received.",
        "Not yet paid is the money awarded that has not been paid by the end of the period and can still "
        "be paid. Once a grant's final return is accepted (the grant is settled: final return accepted, "
        "recovery due or closed) the group can only be paid up to its accepted spend, so for a settled "
        "grant it is the accepted spend up to the award less what was paid, never below nil; a closed "
        'grant is paid nothing more. It is the grant statement\'s "Still to pay" plus payments in '
        "progress. It is not what is left of a fund's budget: that is the fund position's remaining (the "
        "budget less the committed sum, where a grant's committed sum is what was paid plus what may "
        'still be paid, less money repaid), printed under "Fund position today". For a financial year '
        "and the funds of that year, the report's paid, accepted spend, underspend, recovered and not yet "
        "paid totals are the Fund position page's, unless money for those grants is dated outside the "
        "year.",
        METHOD_NOTE,
        "The number of grants for a priority counts a split grant in each of its priorities; the total "
        "counts each grant once.",
        "Share is each priority's part of the money paid in the period, in tenths of a percent that add up "
        "to 100% by the same largest-remainder rule.",
        "Spend by budget category compares accepted spend in the period with each grant's budget scaled to "
        "the amount awarded (a grant awarded 80% of its budget is held to 80% of each budget line, shared "
        "out by the largest-remainder rule); the budgets as applied for are shown beside them. A variance "
        "of more than 10% of the awarded budget is marked. Budgets are for the whole grant, so a quarter's "
        "spend will be well under them. For one priority, each grant's budgets and spend count by that "
        "priority's percentage: the grant's total is shared out by the largest-remainder rule, then the "
        "priority's part across the budget categories in proportion to them, so the budgets scaled to the "
        "awards add up to the priority's share of the amounts awarded.",
    ]


SUMMARY_COLUMNS = (
    Column("Priority", TEXT, 44),
    Column("Grants", COUNT, 8),
    *(Column(f.heading, MONEY) for f in FIGURES),
    Column("Share of paid", PERCENT, 10),
)
GRANT_COLUMNS = (
    Column("Priority number", COUNT, 9),
    Column("Priority", TEXT, 30),
    Column("Reference", TEXT, 15),
    Column("Organisation", TEXT, 32),
    Column("Project", TEXT, 36),
    Column("Wards", TEXT, 20),
    Column("Status", TEXT, 18),
    Column("Share of grant (%)", COUNT, 9),
    *(Column(f.heading, MONEY) for f in FIGURES),
)
CATEGORY_COLUMNS = (
    Column("Budget category", TEXT, 32),
    Column("Budget in applications", MONEY),
    Column("Budget scaled to the awards", MONEY),
    Column("Accepted spend", MONEY),
    Column("Variance against the awarded budget", MONEY),
)


def grant_table(report: SpendReport) -> Table:
    return Table(
        "Grants by priority",
        GRANT_COLUMNS,
        (
            (
                section.number,
                section.short_name,
                row.reference,
                row.organisation,
                row.project,
                row.wards,
                row.status,
                row.percentage,
                *row.money.as_tuple(),
            )
            for section in report.sections
            for row in section.rows
        ),
    )


def spend_tables(report: SpendReport) -> list[Table]:
    """Summary, grants and budget categories: the PDF's figures for XLSX (the CSV is the grants table)."""
    summary = [(s.heading, len(s.rows), *s.totals.as_tuple(), s.share_tenths) for s in report.sections]
    summary.append(
        ("Total", report.grant_count, *report.totals.as_tuple(), 1000 if report.totals.paid else None)
    )
    categories = [(c.name, c.applied, c.budget, c.spent, c.variance) for c in report.categories]
    return [
        Table("Summary by priority", SUMMARY_COLUMNS, summary),
        grant_table(report),
        Table("Spend by budget category", CATEGORY_COLUMNS, categories),
    ]


def spend_chart(report: SpendReport):

    return bar_chart(
        "Awarded, paid and accepted spend by priority",
        ("Awarded", "Paid", "Accepted spend"),
        [BarGroup(s.heading, (s.totals.awarded, s.totals.paid, s.totals.spent)) for s in report.sections],
    )


def spend_pdf(report: SpendReport) -> bytes:

    return render_pdf(
        "reports/spend.html",
        title=report.title,
        provenance=report.provenance,
        report=report,
        figures=FIGURES,
        chart=spend_chart(report),
    )
