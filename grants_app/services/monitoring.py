"""Monitoring returns: the group reports spend by priority and category, and what it achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from grants_app.dates import financial_quarter_of, financial_year_of, quarter_bounds
from grants_app.lifecycle import ReturnTag, has_tag
from grants_app.models import MonitoringReturn, SpendLine, User
from grants_app.refusals import Refusal
from grants_app.services import audit


def monitoring_schedule(start: date, end: date) -> list[tuple[str, date, bool]]:
    """[(period label, due date, is final)] for a project running from `start` to `end`.

    One interim return for each financial quarter (Q1 April-June ... Q4 January-March) that ends before
    the project does, due 30 days after the quarter ends, then a final return due 30 days after `end`.
    """
    schedule: list[tuple[str, date, bool]] = []
    year, quarter = financial_year_of(start), financial_quarter_of(start)
    while True:
        _q_start, q_end = quarter_bounds(year, quarter)
        if q_end >= end:
            break
        schedule.append(
            (f"Q{quarter} {year}/{str(year + 1)[-2:]} progress", q_end + timedelta(days=30), False)
        )
        year, quarter = (year, quarter + 1) if quarter < 4 else (year + 1, 1)
    schedule.append(("Final return", end + timedelta(days=30), True))
    return schedule


@dataclass(frozen=True)
class SpendLineInput:
    """One line of spending as the group enters it: priority, budget category, description,
    amount (pence) and date."""

    priority_id: int
    category_id: int
    description: str
    amount_pence: int
    spent_on: date | None = None


def save_return(
    session: Session,
    actor: User,
    ret: MonitoringReturn,
    *,
    progress_narrative: str,
    outcomes: str,
    beneficiaries_reached: int | None,
    spend_lines: list[SpendLineInput],
) -> MonitoringReturn:
    """Save the group's draft of a return (replacing its spend lines). Refusal if the actor is not a
    member of the group, the return is not editable, or a line names a priority or category the grant
    does not have, or an amount (pence) that is not above zero."""
    if not ret.applicant_can_act(actor):
        raise Refusal("You cannot edit this return")
    if not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
        raise Refusal("This return has been sent and can no longer be changed")
    app = ret.application
    allowed_priorities = {s.priority_id for s in app.priority_splits}
    allowed_categories = {c.id for c in app.fund.budget_categories}
    for line in spend_lines:
        if line.priority_id not in allowed_priorities:
            raise Refusal("Report spending only against the priorities in your application")
        if line.category_id not in allowed_categories:
            raise Refusal("Choose a budget category from the list")
        if line.amount_pence <= 0:
            raise Refusal("Each amount spent must be more than £0")
    ret.progress_narrative = progress_narrative.strip()
    ret.outcomes = outcomes.strip()
    ret.beneficiaries_reached = beneficiaries_reached
    ret.spend_lines = [
        SpendLine(
            priority_id=line.priority_id,
            category_id=line.category_id,
            description=line.description.strip()[:300],
            amount_pence=line.amount_pence,
            spent_on=line.spent_on,
        )
        for line in spend_lines
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
