"""The group fills in a monitoring return a step at a time (the portal): spend lines with receipts, the
progress narrative, the people reached and what changed for each priority, the answer to our question,
and then sends it through the workflow.

Every change locks the return's row and checks again that it can still be changed, so nothing is added
to a return that a second tab has just sent; and every change bumps the return's version, so "Send"
from a check-answers page that no longer shows the latest answers is refused as a conflict. Amounts are
pence; dates Europe/London.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import (
    Application,
    AuditEvent,
    DocumentKind,
    MonitoringReturn,
    ReturnOutcome,
    SpendLine,
    User,
    utcnow,
)
from grants_app.refusals import NotFound, Refusal
from grants_app.services import audit
from grants_app.services.documents import store_document
from grants_app.services.return_checks import (
    MAX_ANSWER,
    MAX_NARRATIVE,
    MAX_PEOPLE,
    SpendLineInput,
    check_spend_line,
    ensure_editable,
)
from grants_app.services.text_checks import normalise, text_problem
from grants_app.workflow import fire

MAX_TOKEN = 64


def return_for(session: Session, actor: User, application: Application, return_id: int) -> MonitoringReturn:
    """The application's return with this id, if the actor's organisation owns the application; else
    NotFound (a 404, whether it is another organisation's or does not exist)."""
    ret = session.get(MonitoringReturn, return_id) if 0 < return_id < 2**31 else None
    if ret is None or ret.application_id != application.id or not ret.applicant_can_act(actor):
        raise NotFound("No such monitoring return")
    return ret


def _lock(session: Session, actor: User, ret: MonitoringReturn) -> MonitoringReturn:
    """Lock the return's row (PostgreSQL; SQLite has one writer at a time), reload it, and check it can
    still be changed. Marks it changed, so its version moves on with this change."""
    stmt = (
        select(MonitoringReturn)
        .where(MonitoringReturn.id == ret.id)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    session.execute(stmt)
    # Another request may have changed its lines while this one waited for the lock.
    session.expire(ret, ["spend_lines", "priority_outcomes", "queries"])
    ensure_editable(actor, ret)
    ret.updated_at = utcnow()
    return ret


def _line(ret: MonitoringReturn, line_id: int) -> SpendLine:
    line = next((line for line in ret.spend_lines if line.id == line_id), None)
    if line is None:
        raise NotFound("No such spend line")
    return line


def _facts(line: SpendLine) -> dict:
    """What the audit trail keeps of a spend line: everything the group can change on it."""
    return {
        "description": line.description,
        "amount_pence": line.amount_pence,
        "spent_on": line.spent_on,
        "category_id": line.category_id,
        "priority_id": line.priority_id,
    }


def _record(session: Session, actor: User, ret: MonitoringReturn, action: str, **data) -> AuditEvent:
    return audit.record(session, actor, "monitoring_return", ret.id, action, data=data)


def add_spend_line(
    session: Session, actor: User, ret: MonitoringReturn, line: SpendLineInput, *, token: str = ""
) -> SpendLine:
    """Add a spend line to a return the group can still change, and return it.

    `token` is the one-off token the form carried: a second request with the same token (a double
    click) returns the line the first one added instead of adding it again. Raises NotFound,
    ReturnNotEditable or a Refusal with a message per bad field (see check_spend_line)."""
    _lock(session, actor, ret)
    token = (token or "").strip()[:MAX_TOKEN] or None
    if token is not None:
        earlier = next((existing for existing in ret.spend_lines if existing.client_token == token), None)
        if earlier is not None:
            return earlier
    checked = check_spend_line(ret.application, line, ret=ret)
    added = SpendLine(
        priority_id=checked.priority_id,
        category_id=checked.category_id,
        description=checked.description,
        amount_pence=checked.amount_pence,
        spent_on=checked.spent_on,
        client_token=token,
    )
    ret.spend_lines.append(added)
    session.flush()
    _record(
        session,
        actor,
        ret,
        "spend_line_added",
        line_id=added.id,
        **_facts(added),
    )
    return added


def change_spend_line(
    session: Session, actor: User, ret: MonitoringReturn, line_id: int, line: SpendLineInput
) -> SpendLine:
    """Change one of the return's spend lines (its receipt stays). Raises as add_spend_line does, or
    NotFound for a line that is not this return's."""
    _lock(session, actor, ret)
    existing = _line(ret, line_id)
    checked = check_spend_line(ret.application, line, ret=ret)
    before = _facts(existing)
    existing.priority_id = checked.priority_id
    existing.category_id = checked.category_id
    existing.description = checked.description
    existing.amount_pence = checked.amount_pence
    existing.spent_on = checked.spent_on
    session.flush()
    _record(
        session,
        actor,
        ret,
        "spend_line_changed",
        line_id=existing.id,
        before=before,
        **_facts(existing),
    )
    return existing


def remove_spend_line(session: Session, actor: User, ret: MonitoringReturn, line_id: int) -> None:
    """Remove one of the return's spend lines; its receipt is kept on file, marked removed."""
    _lock(session, actor, ret)
    line = _line(ret, line_id)
    if line.receipt is not None and line.receipt.deleted_at is None:
        line.receipt.deleted_at = utcnow()
    ret.spend_lines.remove(line)
    session.flush()
    _record(
        session,
        actor,
        ret,
        "spend_line_removed",
        line_id=line_id,
        **_facts(line),
    )


def attach_receipt(
    session: Session,
    actor: User,
    ret: MonitoringReturn,
    line_id: int,
    upload_folder: Path,
    *,
    filename: str,
    content: bytes,
) -> SpendLine:
    """Store a receipt for a spend line (replacing any earlier one, which is kept on file, marked
    removed). The file gets the same checks as any document: PDF, DOCX, JPG or PNG by its content, a
    name that matches it, under 10MB. Raises a Refusal on the field "file"."""
    _lock(session, actor, ret)
    line = _line(ret, line_id)
    app = ret.application
    document = store_document(
        session,
        actor,
        upload_folder,
        organisation=app.organisation,
        application=app,
        kind=DocumentKind.MONITORING_EVIDENCE,
        filename=filename,
        content=content,
    )
    if line.receipt is not None and line.receipt.deleted_at is None:
        line.receipt.deleted_at = utcnow()
    line.receipt = document
    session.flush()
    _record(
        session,
        actor,
        ret,
        "receipt_uploaded",
        line_id=line.id,
        filename=document.original_filename,
        sha256=document.sha256,
    )
    return line


def save_progress(session: Session, actor: User, ret: MonitoringReturn, narrative: str) -> None:
    """Save what the project did in the period. Refusal (field progress_narrative) if empty, too long,
    or holding invisible characters or markup."""
    _lock(session, actor, ret)
    text = normalise(narrative)
    problem = text_problem(
        text,
        "What the project did",
        max_length=MAX_NARRATIVE,
        missing="Tell us what the project did in this period",
    )
    if problem:
        raise Refusal(problem, field="progress_narrative")
    ret.progress_narrative = text
    session.flush()
    _record(session, actor, ret, "progress_saved", words=len(text.split()))


def save_outcome(
    session: Session,
    actor: User,
    ret: MonitoringReturn,
    priority_id: int,
    *,
    people_reached: int,
    what_changed: str,
) -> ReturnOutcome:
    """Save, for one priority the application serves, the people reached in the period (0 to 1,000,000)
    and what changed for them. NotFound for a priority the application does not serve; Refusal with
    messages on people_reached and what_changed."""
    _lock(session, actor, ret)
    if priority_id not in {s.priority_id for s in ret.application.priority_splits}:
        raise NotFound("Your project does not serve that priority")
    errors: dict[str, str] = {}
    if isinstance(people_reached, bool) or not isinstance(people_reached, int):
        errors["people_reached"] = "Enter the number of people as a whole number, like 25"
    elif not 0 <= people_reached <= MAX_PEOPLE:
        errors["people_reached"] = f"The number of people must be between 0 and {MAX_PEOPLE:,}"
    text = normalise(what_changed)
    problem = text_problem(
        text, "What changed", max_length=MAX_ANSWER, missing="Tell us what changed for the people you reached"
    )
    if problem:
        errors["what_changed"] = problem
    if errors:
        raise Refusal(errors=errors)
    outcome = next((o for o in ret.priority_outcomes if o.priority_id == priority_id), None)
    if outcome is None:
        outcome = ReturnOutcome(priority_id=priority_id, people_reached=0)
        ret.priority_outcomes.append(outcome)
    outcome.people_reached = people_reached
    outcome.what_changed = text
    ret.beneficiaries_reached = sum(o.people_reached for o in ret.priority_outcomes)
    session.flush()
    _record(session, actor, ret, "outcome_saved", priority_id=priority_id, people_reached=people_reached)
    return outcome


def save_answer(session: Session, actor: User, ret: MonitoringReturn, answer: str) -> None:
    """Save the group's answer to the officer's open question (sent with the return). Refusal (field
    answer) if there is no open question, or the answer is empty, too long, or holds invisible
    characters or markup."""
    _lock(session, actor, ret)
    query = ret.open_query
    if query is None:
        raise Refusal("There is no question to answer on this return", field="answer")
    text = normalise(answer)
    problem = text_problem(
        text, "Your answer", max_length=MAX_ANSWER, missing="Enter your answer to our question"
    )
    if problem:
        raise Refusal(problem, field="answer")
    query.answer = text
    query.answered_by_id = actor.id
    query.answered_at = utcnow()
    session.flush()
    _record(session, actor, ret, "query_answered", query_id=query.id)


def send_return(
    session: Session, actor: User, ret: MonitoringReturn, *, expected_version: int | None = None
) -> AuditEvent:
    """Send the return to the officer (the workflow's `submit`, whose guards check it is complete and
    any question answered). `expected_version` is the version the check-answers page showed: a return
    changed since (another tab) is refused as a conflict. Raises NotFound, ReturnNotEditable, or the
    workflow's refusals."""
    ensure_editable(actor, ret)
    return fire(session, ret, "submit", actor, expected_version=expected_version)
