"""What makes a monitoring return changeable, a spend line acceptable and a return ready to send: the
checks the portal's pages, the whole-return service and the workflow's guards share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.dates import format_date, london_today
from grants_app.lifecycle import ReturnTag, has_tag, return_states
from grants_app.models import Application, MonitoringReturn, SpendLine, User
from grants_app.money import format_pence
from grants_app.refusals import NotFound, Refusal
from grants_app.services.text_checks import normalise, text_problem

MAX_DESCRIPTION = 300
MAX_NARRATIVE = 10_000
MAX_ANSWER = 5_000
MAX_PEOPLE = 1_000_000
# A single spend line can never be more than this, whatever the award (about £10m): far above any
# community grant, well inside the database's integer.
MAX_LINE_PENCE = 10**9


class ReturnNotEditable(Refusal):
    """The return has been sent (or accepted) and the group can no longer change it."""


def ensure_editable(actor: User, ret: MonitoringReturn) -> None:
    """NotFound unless the actor belongs to the grant's organisation; ReturnNotEditable unless the
    return's state is tagged editable_by_applicant."""
    if not ret.applicant_can_act(actor):
        raise NotFound("No such monitoring return")
    if not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
        if has_tag(ret, ReturnTag.SPEND_ACCEPTED):
            raise ReturnNotEditable("This return has been accepted, so it can no longer be changed")
        raise ReturnNotEditable("You have sent this return, so it can no longer be changed")


@dataclass(frozen=True)
class SpendLineInput:
    """A spend line as the group gives it: amount in pence, date Europe/London."""

    priority_id: int
    category_id: int
    description: str
    amount_pence: int
    spent_on: date | None = None


def check_spend_line(
    application: Application,
    line: SpendLineInput,
    *,
    required_date: bool = True,
    ret: MonitoringReturn | None = None,
) -> SpendLineInput:
    """The line with its description tidied, or a Refusal with a message for each bad field (spent_on,
    description, category_id, priority_id, amount), in the order the form shows them.

    The date (Europe/London) must fall in the grant period (the project's start and end dates), not
    after today (said first, as the plainer fault) and, for a return's line (`ret`), not after the end
    of the period the return covers (see return_period): later spending belongs in a later return, so it
    is never reported twice. Earlier spending the group did not report in its own quarter's return is
    taken, since that return may be accepted and closed to changes, and flagged for the officer (see
    outside_period). The category must be one of the application's budget lines (spending outside the
    approved budget is agreed with the officer first, who changes the budget); the priority one the
    application serves; the amount (pence) more than zero and no more than the award."""
    errors: dict[str, str] = {}
    if line.spent_on is None:
        if required_date:
            errors["spent_on"] = "Enter the date the money was spent"
    else:
        start, end = application.start_date, application.end_date
        period_ends_on = return_period(ret)[1] if ret is not None else None
        if line.spent_on > london_today():
            errors["spent_on"] = "The date must be today or in the past"
        elif period_ends_on is not None and line.spent_on > period_ends_on:
            errors["spent_on"] = (
                f"This return covers spending up to {format_date(period_ends_on)}. "
                "Put later spending in your next return"
            )
        elif (start and line.spent_on < start) or (end and line.spent_on > end):
            errors["spent_on"] = (
                f"The date must be in the grant period, {format_date(start)} to {format_date(end)}"
            )
    description = normalise(line.description)
    problem = text_problem(
        description,
        "What the money was spent on",
        max_length=MAX_DESCRIPTION,
        missing="Enter what the money was spent on",
    )
    if problem:
        errors["description"] = problem
    if line.category_id not in budget_category_ids(application):
        errors["category_id"] = (
            "Select a category from your budget. To spend the grant on something your budget did not "
            "include, ask us first"
        )
    if line.priority_id not in {s.priority_id for s in application.priority_splits}:
        errors["priority_id"] = "Select one of the priorities your project serves"
    award = application.award.amount_pence if application.award is not None else MAX_LINE_PENCE
    if isinstance(line.amount_pence, bool) or not isinstance(line.amount_pence, int):
        errors["amount"] = "Enter the amount in pounds and pence, like 125.50"
    elif line.amount_pence <= 0:
        errors["amount"] = "The amount must be more than £0"
    elif line.amount_pence > min(award, MAX_LINE_PENCE):
        errors["amount"] = (
            f"The amount must be no more than your grant of {format_pence(award)}. "
            "Check the decimal point is in the right place"
        )
    if errors:
        raise Refusal(errors=errors)
    return replace(line, description=description)


def budget_category_ids(application: Application) -> set[int]:
    """The budget categories the application's approved budget has lines in."""
    return {line.category_id for line in application.budget_lines}


def return_period(ret: MonitoringReturn) -> tuple[date | None, date | None]:
    """The first and last days (inclusive) a return's spend lines may be dated: its period (a financial
    quarter cut to the project's dates; for the final return, up to the project's end date), kept
    inside the grant period in case the project's dates changed after the returns were scheduled.
    Either end is None where neither is recorded (returns made before periods were stored)."""
    app = ret.application
    starts = [d for d in (ret.period_starts_on, app.start_date) if d is not None]
    ends = [d for d in (ret.period_ends_on, app.end_date) if d is not None]
    return (max(starts) if starts else None, min(ends) if ends else None)


def outside_period(ret: MonitoringReturn) -> list:
    """The return's spend lines dated outside the period it covers: earlier spending reported late (the
    forms take it, within the grant period), or lines saved before a period was changed. The officer
    looks at why."""
    start, end = ret.period_starts_on, ret.period_ends_on
    return [
        line
        for line in ret.spend_lines
        if line.spent_on is not None and ((start and line.spent_on < start) or (end and line.spent_on > end))
    ]


@dataclass(frozen=True)
class Problem:
    """Something missing before a return can be sent: the part of the return, and what to do."""

    part: str
    message: str


def return_problems(ret: MonitoringReturn) -> list[Problem]:
    """What the group still has to tell us before sending: the progress narrative, and for each priority
    the application serves the people reached and what changed. (Spending may be nothing in a period.)"""
    problems: list[Problem] = []
    if not ret.progress_narrative.strip():
        problems.append(Problem("progress", "Tell us what the project did in this period"))
    outcomes = {o.priority_id: o for o in ret.priority_outcomes}
    for split in sorted(ret.application.priority_splits, key=lambda s: s.priority.number):
        outcome = outcomes.get(split.priority_id)
        if outcome is None or not outcome.what_changed.strip():
            problems.append(
                Problem(
                    f"outcome-{split.priority_id}",
                    f"Tell us how many people you reached and what changed for priority "
                    f"{split.priority.number}",
                )
            )
    return problems


@dataclass(frozen=True)
class OverAward:
    """A return that takes the grant's reported spend past its award. Amounts in pence."""

    award_pence: int
    # The spend of the grant's other returns as sent (to review or accepted) plus this return's lines.
    reported_pence: int

    @property
    def over_pence(self) -> int:
        return self.reported_pence - self.award_pence

    @property
    def for_the_group(self) -> str:
        return (
            f"This takes your reported spend to {format_pence(self.reported_pence)}, "
            f"{format_pence(self.over_pence)} more than your {format_pence(self.award_pence)} grant: "
            "check each amount is only what the grant paid for. You can still send this return. If you "
            "spent more and other money paid for the rest, say so in what the project did"
        )

    @property
    def for_staff(self) -> str:
        return (
            f"This return takes the grant's reported spend to {format_pence(self.reported_pence)}, "
            f"{format_pence(self.over_pence)} more than the {format_pence(self.award_pence)} award "
            "(this return and the others the group has sent)"
        )


def over_award(session: Session, ret: MonitoringReturn) -> OverAward | None:
    """Whether the return's spend, with that of the grant's other returns the group has sent (tag
    spend_reported: drafts do not count), is more than the award; None when it is not, or there is no
    award. Never a refusal: a group may have match funding, so it is said, not stopped. One query."""
    award = ret.application.award
    if award is None:
        return None
    others = session.execute(
        select(func.coalesce(func.sum(SpendLine.amount_pence), 0))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(
            MonitoringReturn.application_id == ret.application_id,
            MonitoringReturn.id != ret.id,
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_REPORTED)),
        )
    ).scalar_one()
    reported = int(others) + ret.spend_total_pence
    return OverAward(award.amount_pence, reported) if reported > award.amount_pence else None


def sendable_from(ret: MonitoringReturn, today: date) -> date | None:
    """The day (Europe/London) from which the return can be sent, when that is after `today`; None when
    it can be sent now. A return reports on its whole period, so it is sent from the period's last day:
    an early return would leave out the rest of the period's spending."""
    ends_on = ret.period_ends_on
    return ends_on if ends_on is not None and ends_on > today else None


def not_sendable_yet(ret: MonitoringReturn, today: date) -> str | None:
    """The sentence a group sees when it tries to send a return before its period's last day, or None."""
    from_day = sendable_from(ret, today)
    if from_day is None:
        return None
    return (
        f"You can send this return from {format_date(from_day)}, the last day of the period it covers. "
        "Until then you can keep adding to it; it is saved as you go"
    )


def query_unanswered(ret: MonitoringReturn) -> bool:
    """The officer asked a question that the group has not yet answered."""
    query = ret.open_query
    return query is not None and not query.answer.strip()
