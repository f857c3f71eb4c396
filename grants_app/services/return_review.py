"""The officer's review of a monitoring return: its spend against the approved budget and the priority
split, then accept it or send it back with a question (both through the workflow).

All figures are pence. "To date" is the spend in the grant's accepted returns plus this return's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from grants_app.dates import format_date
from grants_app.lifecycle import ReturnTag, has_tag, return_states
from grants_app.models import AuditEvent, BudgetCategory, MonitoringReturn, SpendLine, User
from grants_app.money import format_pence
from grants_app.refusals import NotFound, Refusal
from grants_app.services.return_checks import OverAward, outside_period, over_award
from grants_app.services.text_checks import normalise, text_problem
from grants_app.workflow import fire, get_engine

# A category's spend to date more than this share away from its approved budget is flagged.
VARIANCE_PERCENT = 10
MAX_QUESTION = 5_000


@dataclass(frozen=True)
class CategoryRow:
    """One budget category on the review page: approved budget, this return's and all accepted spend, variance."""

    name: str
    approved_pence: int
    this_return_pence: int
    to_date_pence: int
    flag: str = ""
    # Said when nothing is flagged: within 10%, or below budget before the final return.
    note: str = ""

    @property
    def variance_pence(self) -> int:
        """Spend to date less the approved budget: above zero is over budget."""
        return self.to_date_pence - self.approved_pence

    @property
    def variance_percent(self) -> int | None:
        if not self.approved_pence:
            return None
        return round(self.variance_pence * 100 / self.approved_pence)


@dataclass(frozen=True)
class PriorityRow:
    """One priority on the review page: its share of the application and of the spend reported."""

    number: int
    name: str
    split_percent: int
    share_of_award_pence: int
    this_return_pence: int
    to_date_pence: int
    share_to_date_percent: int | None
    flag: str = ""
    note: str = ""


@dataclass(frozen=True)
class ReturnReview:
    """Everything the officer's review page of one return shows."""

    ret: MonitoringReturn
    award_pence: int
    budget_total_pence: int
    categories: list[CategoryRow]
    priorities: list[PriorityRow]
    earlier_accepted_pence: int
    history: list[AuditEvent]
    # Set when this return takes the grant's reported spend past the award (said, not refused).
    over_award: OverAward | None = None

    @property
    def this_return_pence(self) -> int:
        return self.ret.spend_total_pence

    @property
    def to_date_pence(self) -> int:
        return self.earlier_accepted_pence + self.this_return_pence

    @property
    def budget_scaled(self) -> bool:
        """The award is not the application's budget total, so each category's budget is scaled to it."""
        return self.budget_total_pence != self.award_pence and self.budget_total_pence > 0

    @property
    def outside_period(self) -> set[int]:
        """Ids of this return's spend lines dated outside the period it covers (each one flagged)."""
        return {line.id for line in outside_period(self.ret)}

    @property
    def history_lines(self) -> list[HistoryLine]:
        return history_lines(self.ret, self.history)

    @property
    def flagged(self) -> int:
        return (
            sum(1 for row in self.categories if row.flag)
            + sum(1 for row in self.priorities if row.flag)
            + len(self.outside_period)
            + (1 if self.over_award else 0)
        )


@dataclass(frozen=True)
class HistoryLine:
    """One step of a return's history as staff read it: when (UTC), who, what happened, details."""

    when: datetime
    who: str
    what: str
    details: str = ""


_ACTIONS = {
    "spend_line_added": "Spend line added",
    "spend_line_changed": "Spend line changed",
    "spend_line_removed": "Spend line removed",
    "receipt_uploaded": "Receipt uploaded",
    "progress_saved": "Progress saved",
    "outcome_saved": "People reached and what changed saved",
    "answer_saved": "Answer to our question saved",
}


def _spend_words(data: dict, categories: dict[int, str], priorities: dict[int, str]) -> str:
    parts = [
        str(data.get("description") or ""),
        format_pence(data["amount_pence"]) if isinstance(data.get("amount_pence"), int) else "",
        format_date(date.fromisoformat(data["spent_on"])) if isinstance(data.get("spent_on"), str) else "",
        categories.get(data.get("category_id"), ""),
        priorities.get(data.get("priority_id"), ""),
    ]
    return ", ".join(p for p in parts if p)


def history_lines(ret: MonitoringReturn, events: list[AuditEvent]) -> list[HistoryLine]:
    """The return's audit events as sentences: state labels rather than state names, category and
    priority names rather than ids, amounts in pounds (no query: names come from the loaded return)."""
    definition = get_engine().definition_for(ret)
    app = ret.application
    categories = {c.id: c.name for c in app.fund.budget_categories}
    priorities = {s.priority_id: f"priority {s.priority.number}" for s in app.priority_splits}
    lines = []
    for event in events:
        data = dict(event.data or {})
        who = (event.actor_label or "Someone").split(" <")[0]
        if event.action == "transition":
            step = definition.step_label(event.trigger, event.from_state)
            what = f"{step}: {definition.staff_label(event.from_state)} to {definition.staff_label(event.to_state)}"
            details = event.reason
        else:
            what = _ACTIONS.get(event.action, event.action.replace("_", " ").capitalize())
            if event.action == "spend_line_changed" and isinstance(data.get("before"), dict):
                details = f"was {_spend_words(data['before'], categories, priorities)}; now {_spend_words(data, categories, priorities)}"
            elif event.action.startswith("spend_line"):
                details = _spend_words(data, categories, priorities)
            elif event.action == "receipt_uploaded":
                details = str(data.get("filename") or "")
            elif event.action == "outcome_saved":
                details = f"{priorities.get(data.get('priority_id'), 'a priority')}: {data.get('people_reached')} people"
            elif event.action == "progress_saved":
                details = f"{data.get('words')} words" if data.get("words") is not None else ""
            else:
                details = event.reason
        lines.append(HistoryLine(event.occurred_at, who, what, details))
    return lines


def load_return(session: Session, return_id: int) -> MonitoringReturn:
    """A return with its lines, receipts, outcomes and questions loaded (staff only). NotFound if none."""
    ret = (
        session.execute(
            select(MonitoringReturn)
            .where(MonitoringReturn.id == return_id)
            .options(
                selectinload(MonitoringReturn.spend_lines).selectinload(SpendLine.category),
                selectinload(MonitoringReturn.spend_lines).selectinload(SpendLine.priority),
                selectinload(MonitoringReturn.spend_lines).selectinload(SpendLine.receipt),
                selectinload(MonitoringReturn.priority_outcomes),
                selectinload(MonitoringReturn.queries),
            )
        ).scalar_one_or_none()
        if 0 < return_id < 2**31
        else None
    )
    if ret is None:
        raise NotFound("No such monitoring return")
    return ret


def approved_by_category(budget: dict[int, int], award_pence: int) -> dict[int, int]:
    """The application's budget by category {category id: pence}, scaled to the award when the award is
    not the budget's total, so the categories add up to the award to the penny (largest remainder)."""
    total = sum(budget.values())
    if total <= 0 or total == award_pence:
        return dict(budget)
    scaled = {cid: amount * award_pence // total for cid, amount in budget.items()}
    short = award_pence - sum(scaled.values())
    by_remainder = sorted(budget, key=lambda cid: (-(budget[cid] * award_pence % total), cid))
    for cid in by_remainder[:short]:
        scaled[cid] += 1
    return scaled


def _earlier_accepted(session: Session, ret: MonitoringReturn, column) -> dict[int, int]:
    """Accepted spend in the grant's other returns, by `column` (category or priority)."""
    rows = session.execute(
        select(column, func.sum(SpendLine.amount_pence))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(
            MonitoringReturn.application_id == ret.application_id,
            MonitoringReturn.id != ret.id,
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
        .group_by(column)
    ).all()
    return {key: int(total) for key, total in rows}


def _category_check(approved: int, to_date: int, final: bool) -> tuple[str, str]:
    """(flag, note) for one category: a flag when spend to date is over budget by more than 10%, under
    it by more than 10% on the final return, or outside the budget; otherwise a plain note."""
    if not approved:
        return ("Not in the approved budget", "") if to_date else ("", "No budget and no spend")
    over = to_date - approved
    percent = round(abs(over) * 100 / approved)
    if over * 100 > approved * VARIANCE_PERCENT:
        return f"Over budget by {percent}%", ""
    if -over * 100 > approved * VARIANCE_PERCENT:
        if final:
            return f"Under budget by {percent}%", ""
        return "", "Below budget so far"
    return "", "Within 10% of budget"


def review_of(session: Session, ret: MonitoringReturn) -> ReturnReview:
    """The figures the officer reviews a return by.

    By budget category: the approved budget (the application's budget lines, scaled to the award when
    it differs), this return's spend and spend to date; flagged when spend to date is over the budget by
    more than 10% (or, on the final return, more than 10% either way), or the category was not in the
    budget. By priority: the application's split and that share of the award, this return's spend and
    spend to date with its share of all spend to date; flagged when that share is more than 10
    percentage points away from the split."""
    app = ret.application
    award = app.award.amount_pence if app.award is not None else app.amount_requested_pence
    budget: dict[int, int] = {}
    names: dict[int, str] = {}
    for line in app.budget_lines:
        budget[line.category_id] = budget.get(line.category_id, 0) + line.amount_pence
        names[line.category_id] = line.category.name
    approved = approved_by_category(budget, award)

    this_by_category: dict[int, int] = {}
    this_by_priority: dict[int, int] = {}
    for line in ret.spend_lines:
        this_by_category[line.category_id] = this_by_category.get(line.category_id, 0) + line.amount_pence
        this_by_priority[line.priority_id] = this_by_priority.get(line.priority_id, 0) + line.amount_pence
        names.setdefault(line.category_id, line.category.name)
    earlier_by_category = _earlier_accepted(session, ret, SpendLine.category_id)
    earlier_by_priority = _earlier_accepted(session, ret, SpendLine.priority_id)
    if earlier_by_category.keys() - names.keys():
        for category in session.execute(
            select(BudgetCategory).where(BudgetCategory.id.in_(earlier_by_category.keys() - names.keys()))
        ).scalars():
            names[category.id] = category.name

    categories = []
    for cid in sorted(names, key=lambda c: (c not in approved, names[c])):
        to_date = earlier_by_category.get(cid, 0) + this_by_category.get(cid, 0)
        flag, note = _category_check(approved.get(cid, 0), to_date, ret.is_final)
        categories.append(
            CategoryRow(names[cid], approved.get(cid, 0), this_by_category.get(cid, 0), to_date, flag, note)
        )

    total_to_date = sum(earlier_by_priority.values()) + ret.spend_total_pence
    priorities = []
    for split in sorted(app.priority_splits, key=lambda s: s.priority.number):
        pid = split.priority_id
        to_date = earlier_by_priority.get(pid, 0) + this_by_priority.get(pid, 0)
        share = round(to_date * 100 / total_to_date) if total_to_date else None
        flag, note = "", ("Within 10 points of its share" if share is not None else "No spend yet")
        if share is not None and abs(share - split.percentage) > VARIANCE_PERCENT:
            direction = "above" if share > split.percentage else "below"
            flag, note = f"{abs(share - split.percentage)} points {direction} its share", ""
        priorities.append(
            PriorityRow(
                split.priority.number,
                split.priority.short_name,
                split.percentage,
                award * split.percentage // 100,
                this_by_priority.get(pid, 0),
                to_date,
                share,
                flag,
                note,
            )
        )
    history = list(
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "monitoring_return", AuditEvent.entity_id == ret.id)
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        ).scalars()
    )
    return ReturnReview(
        ret=ret,
        award_pence=award,
        budget_total_pence=sum(budget.values()),
        categories=categories,
        priorities=priorities,
        earlier_accepted_pence=sum(earlier_by_category.values()),
        history=history,
        over_award=over_award(session, ret),
    )


def accept_return(
    session: Session, actor: User, ret: MonitoringReturn, *, expected_version: int | None = None
) -> AuditEvent:
    """Accept a sent return (the workflow's `accept`: officers only; the group is emailed).
    `expected_version` is the version the review page showed. Raises the workflow's refusals."""
    return fire(session, ret, "accept", actor, expected_version=expected_version)


def query_return(
    session: Session,
    actor: User,
    ret: MonitoringReturn,
    question: str,
    *,
    expected_version: int | None = None,
) -> AuditEvent:
    """Send a return back to the group with a question (the workflow's `query`; the group is emailed
    the question). Refusal (field question) if the question is empty, over 5,000 characters or holds
    invisible characters or markup; otherwise the workflow's refusals."""
    text = normalise(question)
    problem = text_problem(
        text, "Your question", max_length=MAX_QUESTION, missing="Enter your question for the group"
    )
    if problem:
        raise Refusal(problem, field="question")
    return fire(session, ret, "query", actor, expected_version=expected_version, reason=text)


@dataclass(frozen=True)
class ReturnCounts:
    """How many returns wait for review, are overdue, and are due but not yet overdue."""

    to_review: int
    overdue: int
    coming_up: int


def return_counts(session: Session, today: date) -> ReturnCounts:
    """How many returns wait for review, are overdue, and are due but not yet overdue (three counts)."""

    def count(*where) -> int:
        return int(
            session.execute(select(func.count()).select_from(MonitoringReturn).where(*where)).scalar_one()
        )

    outstanding = MonitoringReturn.state.in_(return_states(ReturnTag.OUTSTANDING))
    return ReturnCounts(
        to_review=count(MonitoringReturn.state.in_(return_states(ReturnTag.AWAITING_REVIEW))),
        overdue=count(outstanding, MonitoringReturn.due_on < today),
        coming_up=count(outstanding, MonitoringReturn.due_on >= today),
    )


def is_overdue(ret: MonitoringReturn, today: date) -> bool:
    """Whether the return is still to be sent (tag outstanding) and past its due date."""
    return has_tag(ret, ReturnTag.OUTSTANDING) and ret.due_on < today
