"""Monitoring returns: when they are due, and saving a whole return at once.

The schedule: one return for each financial-year quarter (Q1 April-June ... Q4 January-March) the project
runs in, due a set number of days (the fund's `return_due_days`) after the quarter ends. The return for
the quarter in which the project ends is the final return, covering the project up to its end date and
due that number of days after the end date. The portal's step-by-step use cases are in return_form.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from grants_app.dates import financial_quarter_of, financial_year_of, format_date, quarter_bounds
from grants_app.models import Application, MonitoringReturn, ReturnOutcome, SpendLine, User
from grants_app.services import audit
from grants_app.services.return_checks import SpendLineInput, check_spend_line, ensure_editable

DEFAULT_DUE_DAYS = 30
__all__ = [
    "DEFAULT_DUE_DAYS",
    "ScheduledReturn",
    "SpendLineInput",
    "monitoring_schedule",
    "save_return",
    "schedule_for_application",
    "scheduled_returns",
]


@dataclass(frozen=True)
class ScheduledReturn:
    """One return of a schedule: its label, the days it covers, when it is due, and whether it is the
    final return."""

    label: str
    starts_on: date
    ends_on: date
    due_on: date
    is_final: bool

    @property
    def period_text(self) -> str:
        """'1 July 2026 to 30 September 2026'."""
        return f"{format_date(self.starts_on)} to {format_date(self.ends_on)}"


def _quarter_label(year: int, quarter: int) -> str:
    return f"Q{quarter} {year}/{str(year + 1)[-2:]}"


def scheduled_returns(start: date, end: date, due_days: int = DEFAULT_DUE_DAYS) -> list[ScheduledReturn]:
    """The returns a project running from `start` to `end` (inclusive dates) sends, in order.

    One for each financial quarter the project runs in, covering the part of the quarter inside the
    project and due `due_days` after the quarter ends; the last is the final return, due `due_days` after
    `end`. A project from 1 February to 31 May has "Q4 2025/26" (1 February to 31 March, due 30 April)
    and "Q1 2026/27 (final)" (1 April to 31 May, due 30 June). Raises ValueError if `end` is
    before `start` or `due_days` is below 1.
    """
    if end < start:
        raise ValueError("the project must end on or after its start date")
    if due_days < 1:
        raise ValueError("returns are due at least a day after the period ends")
    schedule: list[ScheduledReturn] = []
    year, quarter = financial_year_of(start), financial_quarter_of(start)
    while True:
        q_start, q_end = quarter_bounds(year, quarter)
        covers = (max(q_start, start), min(q_end, end))
        if q_end >= end:
            schedule.append(
                ScheduledReturn(
                    f"{_quarter_label(year, quarter)} (final)",
                    *covers,
                    end + timedelta(days=due_days),
                    True,
                )
            )
            return schedule
        schedule.append(
            ScheduledReturn(_quarter_label(year, quarter), *covers, q_end + timedelta(days=due_days), False)
        )
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def monitoring_schedule(
    start: date, end: date, due_days: int = DEFAULT_DUE_DAYS
) -> list[tuple[str, date, bool]]:
    """[(period label, due date, is final)] for a project running from `start` to `end`: the short form
    of scheduled_returns (see there)."""
    return [(r.label, r.due_on, r.is_final) for r in scheduled_returns(start, end, due_days)]


def schedule_for_application(application: Application, today: date) -> list[ScheduledReturn]:
    """The schedule for a grant: its project dates (today, or the fund's year end, where one is missing)
    and its fund's `return_due_days`."""
    fund = application.fund
    end = application.end_date or fund.year_ends_on
    start = min(application.start_date or today, end)
    return scheduled_returns(start, end, fund.return_due_days or DEFAULT_DUE_DAYS)


def save_return(
    session: Session,
    actor: User,
    ret: MonitoringReturn,
    *,
    progress_narrative: str,
    outcomes: str = "",
    beneficiaries_reached: int | None = None,
    spend_lines: list[SpendLineInput],
    priority_outcomes: dict[int, tuple[int, str]] | None = None,
) -> MonitoringReturn:
    """Save the whole of a return in one go (the demo, imports and tests; the portal saves it a step at a
    time through return_form), replacing its spend lines.

    `priority_outcomes` is {priority id: (people reached, what changed)} for the application's
    priorities. Callers that report for the project as a whole give `beneficiaries_reached` and
    `outcomes` instead, and those are recorded against each of the application's priorities. Amounts are
    pence; a line's date (optional here) must fall in the return's period and not in the future.

    Raises NotFound (not the actor's organisation), ReturnNotEditable (sent or accepted), or a Refusal
    naming the first bad line's problems (category, priority, date, amount, text).
    """
    ensure_editable(actor, ret)
    app = ret.application
    checked = [check_spend_line(app, line, required_date=False, ret=ret) for line in spend_lines]
    ret.progress_narrative = progress_narrative.strip()
    ret.outcomes = outcomes.strip()
    if priority_outcomes is None and beneficiaries_reached is not None:
        priority_outcomes = {
            s.priority_id: (beneficiaries_reached, ret.outcomes) for s in app.priority_splits
        }
    if priority_outcomes is not None:
        ret.priority_outcomes = [
            ReturnOutcome(priority_id=pid, people_reached=people, what_changed=changed.strip())
            for pid, (people, changed) in priority_outcomes.items()
        ]
        ret.beneficiaries_reached = sum(people for people, _ in priority_outcomes.values())
    ret.spend_lines = [
        SpendLine(
            priority_id=line.priority_id,
            category_id=line.category_id,
            description=line.description,
            amount_pence=line.amount_pence,
            spent_on=line.spent_on,
        )
        for line in checked
    ]
    session.flush()
    audit.record(
        session,
        actor,
        "monitoring_return",
        ret.id,
        "update",
        data={"spend_total_pence": ret.spend_total_pence, "lines": len(spend_lines)},
    )
    return ret
