"""Helpers for monitoring-return tests: a grant in delivery, and a return filled in as the portal does."""

from __future__ import annotations

from dataclasses import dataclass

from grants_app.dates import london_today
from grants_app.models import Application, MonitoringReturn, User
from grants_app.services import return_form
from grants_app.services.return_checks import SpendLineInput
from tests.factories import end_period_by_today


@dataclass
class Grant:
    app: Application
    ret: MonitoringReturn
    applicant: User
    officer: User

    @property
    def base(self) -> str:
        """The return's portal URL."""
        return f"/applications/{self.app.reference}/returns/{self.ret.id}"


def grant(make, **kwargs) -> Grant:
    """A grant in delivery (award £2,000 unless told) and its first monitoring return, whose period
    ends today so that it can be sent."""
    app, officer = make.in_delivery(**kwargs)
    ret = sorted(app.monitoring_returns, key=lambda r: r.due_on)[0]
    end_period_by_today(ret)
    return Grant(app, ret, make.applicant_of(app), officer)


def line(g: Grant, amount_pence: int = 50_000, description: str = "Coaches", **changes) -> SpendLineInput:
    values = {
        "priority_id": g.app.priority_splits[0].priority_id,
        "category_id": g.app.budget_lines[0].category_id,
        "description": description,
        "amount_pence": amount_pence,
        "spent_on": london_today(),
    }
    values.update(changes)
    return SpendLineInput(**values)


def fill(session, g: Grant, amount_pence: int = 50_000) -> None:
    """A complete return: one spend line, the progress narrative and every priority's outcome."""
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, amount_pence))
    return_form.save_progress(session, g.applicant, g.ret, "Ran 10 sessions.")
    for split in g.app.priority_splits:
        return_form.save_outcome(
            session, g.applicant, g.ret, split.priority_id, people_reached=12, what_changed="Fewer incidents."
        )


def sent(session, g: Grant, amount_pence: int = 50_000) -> Grant:
    # The period first: fill dates its spending today, which must be in the return's period.
    end_period_by_today(g.ret)
    fill(session, g, amount_pence)
    return_form.send_return(session, g.applicant, g.ret)
    return g


def date_fields(day) -> dict[str, str]:
    return {"spent_on": [str(day.day), str(day.month), str(day.year)]}


def accepted_then_draft(session, make) -> tuple[Grant, MonitoringReturn]:
    """The QA case: a £2,700 grant whose first return (£1,080 spent, 12 people for each priority) is
    accepted, and whose second is a complete draft, not sent, with £2,120.69 of spending (two lines)
    and 25 people reached for each priority, its period ending today so it can be sent."""
    from grants_app.workflow import fire

    g = grant(make, amount_pence=270_000, award_pence=270_000)
    sent(session, g, 108_000)
    fire(session, g.ret, "accept", g.officer)
    draft = sorted(g.app.monitoring_returns, key=lambda r: r.due_on)[1]
    end_period_by_today(draft)
    for pence, what in ((120_069, "Coaching in the draft"), (92_000, "Gloves in the draft")):
        return_form.add_spend_line(session, g.applicant, draft, line(g, pence, what))
    return_form.save_progress(session, g.applicant, draft, "Ran sessions.")
    for split in g.app.priority_splits:
        return_form.save_outcome(
            session, g.applicant, draft, split.priority_id, people_reached=25, what_changed="Fewer fights."
        )
    session.flush()
    return g, draft
