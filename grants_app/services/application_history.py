"""An application's history for staff, as sentences people read: who did what, and why.

The audit trail stores machine-friendly rows (state names, input dictionaries, hashes). This turns each
into a sentence with the labels staff use ("Priya Shah moved the application from Submitted - awaiting
screening to Screening passed"), keeps the reason or notes as its detail, folds a member's four scores
(or an officer's run of votes) into one line, and never shows a dictionary, an id or a file hash.
Events other modules add later still read as "Name: what happened" with labelled details.

Three queries at most whatever the history's length: the events (the latest page of them on a long
history), the titles of the meetings they mention, and the periods of the returns they mention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from grants_app.dates import format_date
from grants_app.models import Application, AuditEvent, DocumentKind, Meeting, MonitoringReturn
from grants_app.money import format_pence
from grants_app.text import and_join, plural
from grants_app.workflow import get_engine

# How staff name the fields an applicant or officer changes (audit "update" events).
FIELD_LABELS = {
    "title": "the project title",
    "summary": "the summary",
    "description": "the description",
    "start_date": "the start date",
    "end_date": "the end date",
    "beneficiaries_description": "who benefits",
    "beneficiaries_count": "how many people benefit",
    "wards": "the wards",
    "priorities": "the priorities",
    "match_funding_pence": "the match funding",
    "match_funding_source": "where the match funding comes from",
    "declaration_name": "the declaration",
    "declaration_position": "the declarer's position",
    "declared_at": "the declaration date",
    "eligibility_answers": "the eligibility answers",
    "amount_requested_pence": "the amount requested",
}
# Inputs and extras of workflow steps, as labels for their details.
INPUT_LABELS = {
    "reason": "Reason",
    "notes": "Notes",
    "conditions": "Conditions",
    "amount_pence": "Amount",
    "meeting_id": "Meeting",
    "accepted_by_name": "Accepted by",
}
# Bookkeeping that means nothing to a person reading the history.
HIDDEN_KEYS = frozenset({"workflow", "workflow_version", "agenda_item_id", "sha256", "inputs"})
_SAME_SITTING = timedelta(minutes=10)


@dataclass
class HistoryLine:
    """One line of an application's history as staff read it: when, who, a sentence, details."""

    when: datetime
    who: str
    sentence: str
    details: list[str] = field(default_factory=list)
    kind: str = ""
    # For scores and votes: the part that goes into one line for a whole sitting ("Value for money 3"),
    # and where it happened (the meeting of a vote).
    short: str = ""
    place: str = ""


def person(actor_label: str) -> str:
    """'Priya Shah <officer@sosafe.example>' -> 'Priya Shah'."""
    return (actor_label or "Someone").split(" <")[0].strip() or "Someone"


def _value(key: str, value: Any, meetings: dict[int, str]) -> str:
    """One stored value as a person writes it."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if value is None or value == "":
        return "nothing"
    if key.endswith("_pence") and isinstance(value, int):
        return format_pence(value)
    if key == "meeting_id" and isinstance(value, int):
        return meetings.get(value, "a JAG meeting")
    if isinstance(value, dict):
        if {"from", "to"} <= set(value):
            return f"from {_value(key, value['from'], meetings)} to {_value(key, value['to'], meetings)}"
        return "; ".join(f"{_label(k)}: {_value(k, v, meetings)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return and_join([_value(key, v, meetings) for v in value]) or "none"
    if isinstance(value, str) and len(value) == 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _label(key: str) -> str:
    if key in INPUT_LABELS:
        return INPUT_LABELS[key]
    text = key.removesuffix("_pence").removesuffix("_id").replace("_", " ")
    return text[:1].upper() + text[1:]


def _details(data: dict[str, Any], meetings: dict[int, str]) -> list[str]:
    return [
        f"{_label(k)}: {_value(k, v, meetings)}"
        for k, v in data.items()
        if k not in HIDDEN_KEYS and not (k.endswith("_id") and k != "meeting_id") and v not in (None, "", {})
    ]


def _kind_label(value: Any) -> str:
    try:
        label = DocumentKind(value).label
    except ValueError:
        label = str(value).replace("_", " ")
    return label[:1].lower() + label[1:]


def _transition(event: AuditEvent, definition, meetings: dict[int, str], who: str) -> HistoryLine:
    step = definition.step_label(event.trigger, event.from_state)
    if event.from_state == event.to_state:  # a step that leaves it where it was (a further recovery)
        sentence = f"{who}: {step} (the application stays at {definition.staff_label(event.to_state)})."
    else:
        sentence = (
            f"{who} moved the application from {definition.staff_label(event.from_state)} to "
            f"{definition.staff_label(event.to_state)} ({step})."
        )
    data = dict(event.data or {})
    inputs = dict(data.get("inputs") or {})
    inputs.pop("reason", None)
    details = [f"Reason: {event.reason}"] if event.reason else []
    details += _details(inputs, meetings)
    votes = data.get("votes")
    if isinstance(votes, dict):
        details.append(
            f"Votes: {votes.get('for', 0)} for, {votes.get('against', 0)} against, "
            f"{plural(votes.get('abstain', 0), 'abstention')}"
        )
    extra = {k: v for k, v in data.items() if k not in {"votes"}}
    details += _details(extra, meetings)
    return HistoryLine(event.occurred_at, who, sentence, details, "transition")


def _line(event: AuditEvent, meetings: dict[int, str], who: str, show_scores: bool) -> HistoryLine:
    data = dict(event.data or {})
    action = event.action
    when = event.occurred_at
    if action == "create":
        reference = data.get("reference")
        return HistoryLine(
            when, who, f"{who} started the application{f' ({reference})' if reference else ''}."
        )
    if action == "update":
        names = [FIELD_LABELS.get(k, _label(k).lower()) for k in data]
        details = [
            f"{FIELD_LABELS.get(k, _label(k))[:1].upper()}{FIELD_LABELS.get(k, _label(k))[1:]}: {_value(k, v, meetings)}"
            for k, v in data.items()
            if isinstance(v, dict) and len(_value(k, v, meetings)) <= 300
        ]
        return HistoryLine(when, who, f"{who} changed {and_join(names) or 'the application'}.", details)
    if action == "budget_line_added":
        amount = _value("amount_pence", data.get("amount_pence"), meetings)
        category = f" ({data['category']})" if data.get("category") else ""
        return HistoryLine(
            when, who, f"{who} added a cost: {data.get('description', '')}, {amount}{category}."
        )
    if action == "budget_line_removed":
        amount = _value("amount_pence", data.get("amount_pence"), meetings)
        return HistoryLine(when, who, f"{who} removed a cost: {data.get('description', '')}, {amount}.")
    if action == "document_uploaded":
        return HistoryLine(
            when, who, f"{who} uploaded the {_kind_label(data.get('kind'))}: {data.get('filename', '')}."
        )
    if action == "document_removed":
        return HistoryLine(
            when, who, f"{who} removed the {_kind_label(data.get('kind'))} ({data.get('filename', '')})."
        )
    if action == "declare_interest":
        if data.get("has_interest"):
            return HistoryLine(when, who, f"{who} declared an interest.", [f"Interest: {event.reason}"])
        return HistoryLine(when, who, f"{who} declared no interest.")
    if action == "score":
        if not show_scores:
            return HistoryLine(
                when, who, f"{who} scored the application (the scores are hidden from you).", kind="score"
            )
        short = f"{data.get('criterion')} {data.get('score')}"
        return HistoryLine(
            when,
            who,
            f"{who} scored {short}.",
            [f"{data.get('criterion')}: {data.get('justification', '')}"],
            "score",
            short,
        )
    if action in {"vote", "vote_changed", "written_vote", "written_vote_changed"}:
        written = action.startswith("written")
        if not show_scores:
            return HistoryLine(when, who, f"{who}: a vote was recorded (votes are hidden from you).", kind="")
        place = (
            "by written procedure"
            if written
            else f"at {_value('meeting_id', data.get('meeting_id'), meetings)}"
        )
        choice = str(data.get("choice", ""))
        changed = f", changing it from {data['previous_choice']}" if data.get("previous_choice") else ""
        details = [f"Comment: {data['comment']}"] if data.get("comment") else []
        if data.get("recorded_for"):
            member = person(str(data["recorded_for"]))
            short = f"{member} {choice}"
            return HistoryLine(
                when,
                who,
                f"{who} recorded a vote for {member} {place}: {choice}{changed}.",
                details,
                "vote" if not changed else "",
                short,
                place,
            )
        return HistoryLine(when, who, f"{who} voted {choice} {place}{changed}.", details)
    if action in {"payment_requested", "payment_authorised", "payment_made", "money_received", "write_off"}:
        amount = _value("amount_pence", data.get("amount_pence"), meetings)
        if action == "payment_requested":
            which = f" (instalment {data['instalment']})" if data.get("instalment") else ""
            return HistoryLine(when, who, f"{who} requested a payment of {amount}{which}.")
        if action == "payment_authorised":
            return HistoryLine(when, who, f"{who} authorised the payment of {amount}.")
        if action == "payment_made":
            paid_on = _value("paid_on", data.get("paid_on"), meetings)
            return HistoryLine(
                when,
                who,
                f"{who} recorded the payment of {amount} as paid on {paid_on}, "
                f"reference {data.get('reference') or 'none'}.",
            )
        if action == "money_received":
            received = _value("received_on", data.get("received_on"), meetings)
            owed = _value("still_owed_pence", data.get("still_owed_pence"), meetings)
            return HistoryLine(
                when,
                who,
                f"{who} recorded {amount} received back on {received}"
                + (f", reference {data['reference']}" if data.get("reference") else "")
                + f"; {owed} still owed.",
            )
        return HistoryLine(
            when,
            who,
            f"{who} wrote off {amount} that cannot be recovered.",
            [f"Reason: {event.reason}"] if event.reason else [],
        )
    if action == "repayment":
        amount = _value("amount_pence", data.get("amount_pence"), meetings)
        received = _value("received_on", data.get("received_on"), meetings)
        return HistoryLine(when, who, f"{who} recorded a repayment of {amount}, received on {received}.")
    if action == "delegated_decision_noted":
        meeting = _value("meeting_id", data.get("meeting_id"), meetings)
        amount = _value("amount_pence", data.get("amount_pence"), meetings)
        return HistoryLine(when, who, f"{who} reported the delegated decision ({amount}) to {meeting}.")
    # Anything else (other modules add their own events): the action in words, details labelled.
    what = action.replace("_", " ")
    details = ([f"Reason: {event.reason}"] if event.reason else []) + _details(data, meetings)
    return HistoryLine(when, who, f"{who}: {what[:1].upper()}{what[1:]}.", details)


def _fold(lines: list[HistoryLine]) -> list[HistoryLine]:
    """A member's scores (or an officer's votes) given in one sitting become one line."""
    groups: list[list[HistoryLine]] = []
    for line in lines:
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and line.kind in {"score", "vote"}
            and last.kind == line.kind
            and last.who == line.who
            and last.place == line.place
            and line.when - last.when <= _SAME_SITTING
        ):
            groups[-1].append(line)
        else:
            groups.append([line])
    return [_combined(group) for group in groups]


def _combined(group: list[HistoryLine]) -> HistoryLine:
    first = group[0]
    if len(group) == 1:
        return first
    details = [d for line in group for d in line.details]
    parts = "; ".join(line.short for line in group)
    if first.kind == "score" and first.short:
        sentence = f"{first.who} scored {plural(len(group), 'criterion', 'criteria')}: {parts}."
    elif first.kind == "score":
        sentence = first.sentence
    else:
        sentence = f"{first.who} recorded {plural(len(group), 'vote')} {first.place}: {parts}."
    return HistoryLine(first.when, first.who, sentence, details, first.kind)


def _events_of(application_id: int):
    """The application's own events, and the steps of its monitoring returns (sent, queried,
    accepted): the grant's story in one place. A return's line-by-line edits stay on its own page."""
    return_ids = select(MonitoringReturn.id).where(MonitoringReturn.application_id == application_id)
    return (
        or_(
            and_(AuditEvent.entity_type == "application", AuditEvent.entity_id == application_id),
            and_(
                AuditEvent.entity_type == "monitoring_return",
                AuditEvent.action == "transition",
                AuditEvent.entity_id.in_(return_ids),
            ),
        ),
    )


def _return_step(event: AuditEvent, definition, period: str, who: str) -> HistoryLine:
    step = definition.step_label(event.trigger, event.from_state)
    sentence = (
        f"{who}: monitoring return {period}, {step.lower()} "
        f"({definition.staff_label(event.from_state)} to {definition.staff_label(event.to_state)})."
    )
    details = [f"Reason: {event.reason}"] if event.reason else []
    return HistoryLine(event.occurred_at, who, sentence, details, "return")


def history_count(session: Session, application: Application) -> int:
    """How many audit events the application's history has (one query)."""
    return session.execute(
        select(func.count()).select_from(AuditEvent).where(*_events_of(application.id))
    ).scalar_one()


def history_for(
    session: Session, application: Application, definition, *, show_scores: bool, limit: int | None = None
) -> list[HistoryLine]:
    """The application's history, oldest first, as sentences: its latest `limit` events (all when
    None). Scores are described without their values when `show_scores` is false (a member with an
    interest must not learn them here)."""
    stmt = select(AuditEvent).where(*_events_of(application.id))
    if limit is None:
        events = list(session.execute(stmt.order_by(AuditEvent.occurred_at, AuditEvent.id)).scalars())
    else:
        newest = session.execute(
            stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(limit)
        ).scalars()
        events = list(reversed(list(newest)))
    meeting_ids = set()
    for event in events:
        data = event.data or {}
        for source in (data, data.get("inputs") or {}):
            if isinstance(source, dict) and isinstance(source.get("meeting_id"), int):
                meeting_ids.add(source["meeting_id"])
    meetings = (
        {m.id: m.title for m in session.execute(select(Meeting).where(Meeting.id.in_(meeting_ids))).scalars()}
        if meeting_ids
        else {}
    )
    return_ids = {e.entity_id for e in events if e.entity_type == "monitoring_return"}
    periods = (
        dict(
            session.execute(
                select(MonitoringReturn.id, MonitoringReturn.period_label).where(
                    MonitoringReturn.id.in_(return_ids)
                )
            ).all()
        )
        if return_ids
        else {}
    )
    return_definition = get_engine().definition("monitoring_return") if return_ids else None
    lines = []
    for event in events:
        who = person(event.actor_label)
        if event.entity_type == "monitoring_return":
            lines.append(_return_step(event, return_definition, periods.get(event.entity_id, ""), who))
        elif event.action == "transition":
            lines.append(_transition(event, definition, meetings, who))
        else:
            lines.append(_line(event, meetings, who, show_scores))
    return _fold(lines)
