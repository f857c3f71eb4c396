"""Monitoring returns: the group reports spend by priority and category, and what it achieved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from grants_app.models import MonitoringReturn, SpendLine, User
from grants_app.services import audit

EDITABLE_STATES = frozenset({"due", "queried"})


class ReturnRefused(Exception):
    pass


@dataclass(frozen=True)
class SpendLineInput:
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
    if not ret.applicant_can_act(actor):
        raise ReturnRefused("You cannot edit this return")
    if ret.state not in EDITABLE_STATES:
        raise ReturnRefused("This return has been sent and can no longer be changed")
    app = ret.application
    allowed_priorities = {s.priority_id for s in app.priority_splits}
    allowed_categories = {c.id for c in app.fund.budget_categories}
    for line in spend_lines:
        if line.priority_id not in allowed_priorities:
            raise ReturnRefused("Report spending only against the priorities in your application")
        if line.category_id not in allowed_categories:
            raise ReturnRefused("Choose a budget category from the list")
        if line.amount_pence <= 0:
            raise ReturnRefused("Each amount spent must be more than £0")
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
