"""The RAG quarterly report: progress against each priority this quarter, the year to date and the
quarter before; overdue returns; grants at risk.

Shape: `build_rag_report(session, year, quarter, generated_by=..., today=...)` returns a `RagReport` of
plain values (pence, people, London dates), read with a constant number of queries whatever the number of
grants. Money follows figures.GrantFigures; people reached are those reported in returns submitted in the
period, apportioned across a grant's priorities like money.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, exists, func, literal, select
from sqlalchemy.orm import Session

from grants_app.models import (
    Application,
    ApplicationPriority,
    BudgetCategory,
    MonitoringReturn,
    Organisation,
    Payment,
    Priority,
    ReturnOutcome,
    SpendLine,
)
from grants_app.money import format_pence
from grants_app.reports import figures
from grants_app.reports.apportion import METHOD_NOTE, largest_remainder
from grants_app.reports.charts import BarGroup, bar_chart
from grants_app.reports.common import Provenance, provenance, state_labeller
from grants_app.reports.figures import GrantFigures
from grants_app.reports.period import Period, quarter_of
from grants_app.reports.render import render_pdf
from grants_app.reports.tables import COUNT, DATE, MONEY, TEXT, Column, Table
from grants_app.text import plural


@dataclass(frozen=True)
class Measures:
    paid: int = 0
    spent: int = 0
    people: int = 0


@dataclass(frozen=True)
class Outcome:
    reference: str
    organisation: str
    period: str
    people: int | None
    text: str


@dataclass
class PriorityProgress:
    number: int
    short_name: str
    title: str
    grants: int = 0
    quarter: Measures = Measures()
    previous: Measures = Measures()
    year_to_date: Measures = Measures()
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class OverdueReturn:
    reference: str
    organisation: str
    period: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class AtRisk:
    reference: str
    organisation: str
    project: str
    status: str
    reasons: tuple[str, ...]


@dataclass
class RagReport:
    provenance: Provenance
    period: Period
    previous: Period
    year_to_date: Period
    today: date
    priorities: list[PriorityProgress]
    overdue: list[OverdueReturn]
    at_risk: list[AtRisk]
    notes: list[str]

    @property
    def title(self) -> str:
        return f"RAG quarterly report, {self.period.short_label}"

    def total(self, which: str) -> Measures:
        ms = [getattr(p, which) for p in self.priorities]
        return Measures(sum(m.paid for m in ms), sum(m.spent for m in ms), sum(m.people for m in ms))


def _in_periods(periods: list[Period]) -> list:
    """People reached in returns sent in each period: one SUM(CASE ...) column per period. Callers also
    hold the returns to reported_return_states(): one sent back to be changed keeps its sending time."""
    return [
        (MonitoringReturn.submitted_at >= p.starts_at) & (MonitoringReturn.submitted_at < p.ends_before)
        for p in periods
    ]


def _has_priority_outcomes():
    return exists(select(literal(1)).where(ReturnOutcome.monitoring_return_id == MonitoringReturn.id))


def _people(session: Session, scope, periods: list[Period]) -> dict[int, list[int]]:
    """People reached per grant in returns sent in each period that give one whole-project figure (no
    figures by priority): apportioned later like money. One query."""
    columns = [
        func.coalesce(func.sum(case((when, MonitoringReturn.beneficiaries_reached), else_=literal(0))), 0)
        for when in _in_periods(periods)
    ]
    return {
        row[0]: [int(v) for v in row[1:]]
        for row in session.execute(
            select(MonitoringReturn.application_id, *columns)
            .where(
                MonitoringReturn.application_id.in_(scope),
                MonitoringReturn.state.in_(figures.reported_return_states()),
                MonitoringReturn.beneficiaries_reached.is_not(None),
                ~_has_priority_outcomes(),
            )
            .group_by(MonitoringReturn.application_id)
        )
    }


def _people_by_priority(session: Session, scope, periods: list[Period]) -> dict[int, list[int]]:
    """People reached per priority, as the groups reported them priority by priority (no apportioning),
    in returns sent in each period. One query."""
    columns = [
        func.coalesce(func.sum(case((when, ReturnOutcome.people_reached), else_=literal(0))), 0)
        for when in _in_periods(periods)
    ]
    return {
        row[0]: [int(v) for v in row[1:]]
        for row in session.execute(
            select(ReturnOutcome.priority_id, *columns)
            .join(MonitoringReturn, MonitoringReturn.id == ReturnOutcome.monitoring_return_id)
            .where(
                MonitoringReturn.application_id.in_(scope),
                MonitoringReturn.state.in_(figures.reported_return_states()),
            )
            .group_by(ReturnOutcome.priority_id)
        )
    }


def build_rag_report(
    session: Session, year: int, quarter: int, *, generated_by: str, today: date
) -> RagReport:
    period = quarter_of(year, quarter)
    previous = period.previous_quarter()
    ytd = period.year_to_date()
    scope = figures.awarded_grants(period)
    label = state_labeller()
    grants = {
        row[0]: row
        for row in session.execute(
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
        )
    }
    splits: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    priorities: dict[int, PriorityProgress] = {}
    for app_id, pid, pct, number, short, title in session.execute(
        select(
            ApplicationPriority.application_id,
            Priority.id,
            ApplicationPriority.percentage,
            Priority.number,
            Priority.short_name,
            Priority.title,
        )
        .join(Priority, Priority.id == ApplicationPriority.priority_id)
        .where(ApplicationPriority.application_id.in_(scope))
        .order_by(Priority.number, Priority.id)
    ):
        splits[app_id].append((number, pid, pct))
        priorities.setdefault(pid, PriorityProgress(number, short, title))
    money = [figures.grant_money(session, scope, p) for p in (period, previous, ytd)]
    people = _people(session, scope, [period, previous, ytd])
    people_by_priority = _people_by_priority(session, scope, [period, previous, ytd])

    sums: dict[int, list[list[int]]] = defaultdict(lambda: [[0, 0, 0] for _ in range(3)])
    for app_id, shares in splits.items():
        shares.sort()
        weights = [pct for _n, _pid, pct in shares]
        for which in range(3):
            m = money[which].get(app_id, GrantFigures())
            reached = people.get(app_id, [0, 0, 0])[which]
            for (_n, pid, _pct), paid, spent, ppl in zip(
                shares,
                largest_remainder(m.paid, weights),
                largest_remainder(m.spent, weights),
                largest_remainder(reached, weights),
                strict=True,
            ):
                bucket = sums[pid][which]
                bucket[0] += paid
                bucket[1] += spent
                bucket[2] += ppl
        for _n, pid, _pct in shares:
            priorities[pid].grants += 1
    for pid, progress in priorities.items():
        for which, reached in enumerate(people_by_priority.get(pid, [0, 0, 0])):
            sums[pid][which][2] += reached
        q, prev, y = (Measures(*values) for values in sums[pid])
        progress.quarter, progress.previous, progress.year_to_date = q, prev, y

    # A return sent back with a question keeps its first sending time while the group changes it: it is
    # a draft again until they send it back, so only returns as sent count.
    sent_this_quarter = (
        MonitoringReturn.application_id.in_(scope),
        MonitoringReturn.state.in_(figures.reported_return_states()),
        MonitoringReturn.submitted_at >= period.starts_at,
        MonitoringReturn.submitted_at < period.ends_before,
    )
    # What changed, priority by priority, as the group reported it...
    for app_id, ret_period, pid, reached, text in session.execute(
        select(
            MonitoringReturn.application_id,
            MonitoringReturn.period_label,
            ReturnOutcome.priority_id,
            ReturnOutcome.people_reached,
            ReturnOutcome.what_changed,
        )
        .join(MonitoringReturn, MonitoringReturn.id == ReturnOutcome.monitoring_return_id)
        .where(*sent_this_quarter)
        .order_by(MonitoringReturn.submitted_at, ReturnOutcome.id)
    ):
        _id, reference, org, _title, _wf, _state = grants[app_id]
        if pid in priorities:
            priorities[pid].outcomes.append(Outcome(reference, org, ret_period, reached, text or ""))
    # ...and a return that answered for the whole project is listed under each of the grant's priorities.
    for app_id, ret_period, reached, text in session.execute(
        select(
            MonitoringReturn.application_id,
            MonitoringReturn.period_label,
            MonitoringReturn.beneficiaries_reached,
            MonitoringReturn.outcomes,
        )
        .where(*sent_this_quarter, ~_has_priority_outcomes())
        .order_by(MonitoringReturn.submitted_at)
    ):
        _id, reference, org, _title, _wf, _state = grants[app_id]
        for _n, pid, _pct in splits.get(app_id, []):
            priorities[pid].outcomes.append(Outcome(reference, org, ret_period, reached, text or ""))

    overdue = [
        OverdueReturn(reference, org, ret_period, due_on, (today - due_on).days)
        for reference, org, ret_period, due_on in session.execute(
            select(
                Application.reference,
                Organisation.name,
                MonitoringReturn.period_label,
                MonitoringReturn.due_on,
            )
            .join(Application, Application.id == MonitoringReturn.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .where(figures.overdue_return_filter(today))
            .order_by(MonitoringReturn.due_on, Application.reference)
        )
    ]
    overdue_by_ref: dict[str, list[OverdueReturn]] = defaultdict(list)
    for o in overdue:
        overdue_by_ref[o.reference].append(o)
    # Large variances: accepted spend in a category more than VARIANCE_FLAG_PERCENT over that category's
    # budget scaled to the award (a grant awarded less than it asked for is held to its share).
    budgets = figures.awarded_budgets(session, scope)
    names = dict(session.execute(select(BudgetCategory.id, BudgetCategory.name)).tuples().all())
    over_budget: dict[int, list[str]] = defaultdict(list)
    for app_id, cid, total in session.execute(
        select(MonitoringReturn.application_id, SpendLine.category_id, func.sum(SpendLine.amount_pence))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(
            MonitoringReturn.application_id.in_(scope),
            MonitoringReturn.state.in_(figures.accepted_return_states()),
        )
        .group_by(MonitoringReturn.application_id, SpendLine.category_id)
        .order_by(MonitoringReturn.application_id, SpendLine.category_id)
    ):
        planned = budgets.get(app_id, {}).get(cid, (0, 0))[1]
        spent = int(total)
        if spent > planned and figures.is_large_variance(planned, spent):
            over = f" ({(spent - planned) * 100 // planned}% over)" if planned else ""
            over_budget[app_id].append(
                f"Spend on {names.get(cid, 'another category')} {format_pence(spent)} against a budget of "
                f"{format_pence(planned)} for the award{over}"
            )
    # A settled grant's underspend is flagged once, in the period its final return was accepted.
    settled_in_period = select(MonitoringReturn.application_id).where(
        MonitoringReturn.application_id.in_(scope),
        MonitoringReturn.is_final.is_(True),
        MonitoringReturn.state.in_(figures.accepted_return_states()),
        MonitoringReturn.state_changed_at >= period.starts_at,
        MonitoringReturn.state_changed_at < period.ends_before,
    )
    paid_by_end = dict(
        session.execute(
            select(Payment.application_id, func.sum(Payment.amount_pence))
            .where(
                Payment.application_id.in_(settled_in_period),
                Payment.state.in_(figures.paid_payment_states()),
                Payment.paid_on <= period.ends_on,
            )
            .group_by(Payment.application_id)
        )
        .tuples()
        .all()
    )
    at_risk = []
    for app_id, reference, org, title, workflow_name, state in sorted(grants.values(), key=lambda g: g[1]):
        reasons = []
        if figures.is_on_hold(state):
            reasons.append("Suspended")
        for o in overdue_by_ref.get(reference, []):
            reasons.append(f"Monitoring return {o.period} overdue by {plural(o.days_overdue, 'day')}")
        reasons.extend(over_budget.get(app_id, []))
        underspend = money[0].get(app_id, GrantFigures()).underspend
        paid = int(paid_by_end.get(app_id, 0))
        if app_id in paid_by_end and underspend * 100 > figures.VARIANCE_FLAG_PERCENT * paid:
            reasons.append(
                f"Final return shows an underspend of {format_pence(underspend)} "
                f"(more than {figures.VARIANCE_FLAG_PERCENT}% of the money paid)"
            )
        if reasons:
            at_risk.append(AtRisk(reference, org, title, label(workflow_name, state), tuple(reasons)))
    return RagReport(
        provenance=provenance(session, generated_by),
        period=period,
        previous=previous,
        year_to_date=ytd,
        today=today,
        priorities=sorted(priorities.values(), key=lambda p: p.number),
        overdue=overdue,
        at_risk=at_risk,
        notes=[
            "Grants: every grant awarded by the end of the quarter that still counts against its fund's budget.",
            "Paid is money paid to groups in the period; spend is spend in returns the officer has accepted, "
            "dated in the period; people reached are those reported in returns sent in the period, priority "
            "by priority as the group gave them (a return with one figure for the whole project is shared "
            "across the grant's priorities like money).",
            METHOD_NOTE,
            "Overdue returns are those past their due date and not yet sent (or sent back with questions) "
            "on the day the report was made.",
            "Grants at risk: suspended grants, grants with an overdue return, grants whose accepted spend in "
            f"a budget category is more than {figures.VARIANCE_FLAG_PERCENT}% over that category's budget "
            "scaled to the amount awarded, and grants whose final return, accepted in the quarter, shows "
            f"an underspend (paid less accepted spend) of more than {figures.VARIANCE_FLAG_PERCENT}% of the "
            "money paid by the end of the quarter.",
        ],
    )


def rag_tables(report: RagReport) -> list[Table]:
    columns = [Column("Priority", TEXT, 40), Column("Grants", COUNT, 8)]
    for name in ("This quarter", "Previous quarter", "Year to date"):
        columns += [
            Column(f"Paid: {name}", MONEY),
            Column(f"Spend: {name}", MONEY),
            Column(f"People reached: {name}", COUNT),
        ]
    rows = [
        (
            f"{p.number}. {p.short_name}",
            p.grants,
            *(v for m in (p.quarter, p.previous, p.year_to_date) for v in (m.paid, m.spent, m.people)),
        )
        for p in report.priorities
    ]
    return [
        Table("Progress by priority", columns, rows),
        Table(
            "Overdue returns",
            (
                Column("Reference", TEXT, 15),
                Column("Organisation", TEXT, 30),
                Column("Return", TEXT, 24),
                Column("Due", DATE),
                Column("Days overdue", COUNT),
            ),
            [(o.reference, o.organisation, o.period, o.due_on, o.days_overdue) for o in report.overdue],
        ),
        Table(
            "Grants at risk",
            (
                Column("Reference", TEXT, 15),
                Column("Organisation", TEXT, 30),
                Column("Project", TEXT, 36),
                Column("Status", TEXT, 16),
                Column("Why", TEXT, 50),
            ),
            [
                (a.reference, a.organisation, a.project, a.status, "; ".join(a.reasons))
                for a in report.at_risk
            ],
        ),
    ]


def rag_pdf(report: RagReport) -> bytes:

    chart = bar_chart(
        "Spend accepted by priority: previous quarter, this quarter and year to date",
        ("Previous quarter", "This quarter", "Year to date"),
        [
            BarGroup(f"{p.number}. {p.short_name}", (p.previous.spent, p.quarter.spent, p.year_to_date.spent))
            for p in report.priorities
        ],
    )
    return render_pdf(
        "reports/rag.html", title=report.title, provenance=report.provenance, report=report, chart=chart
    )
