"""What an applicant does to an application once it is written: submit, answer, withdraw, accept.

Every state change goes through the workflow engine; these functions only gather the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import (
    Application,
    AuditEvent,
    Document,
    DocumentKind,
    InformationRequest,
    User,
    utcnow,
)
from grants_app.refusals import NotFound, Refusal
from grants_app.services import audit
from grants_app.services.application_form import check_can_edit
from grants_app.services.documents import store_document
from grants_app.services.locks import lock_row
from grants_app.services.payments import payment_is_cancelled
from grants_app.services.text_checks import normalise, text_problem
from grants_app.workflow import available_triggers, fire, get_engine

# The signatory's name and role: the workflow's accept_offer inputs take at most this many characters.
SIGNATORY_MAX = 200

APPLICANT_DOCUMENT_KINDS = (
    DocumentKind.CONSTITUTION,
    DocumentKind.SAFEGUARDING_POLICY,
    DocumentKind.ACCOUNTS,
    DocumentKind.INSURANCE,
)


def application_for(session: Session, actor: User, reference: str) -> Application:
    """The application with this reference if the actor's organisation owns it; else NotFound (a 404)."""
    application = session.execute(
        select(Application).where(Application.reference == (reference or "")[:20])
    ).scalar_one_or_none()
    if application is None or not application.applicant_can_act(actor):
        raise NotFound("No such application")
    return application


@dataclass(frozen=True)
class ScheduledPayment:
    """One payment of an accepted grant as the group's treasurer sees it: the instalment (or a payment
    outside the schedule), its amount in pence, when it falls due, where it has got to (the payment
    workflow's applicant label, or "Not paid yet"), and once paid, the date and the bank reference to
    match against the group's bank statement."""

    what: str
    amount_pence: int
    when: str
    status: str
    paid_on: date | None = None
    bank_reference: str = ""


def payment_schedule(application: Application) -> list[ScheduledPayment]:
    """The accepted grant's instalments in order, each with its latest payment that was not cancelled,
    then any payment made outside the schedule; empty before the offer is accepted (the offer page
    shows the schedule then)."""
    award = application.award
    if award is None or award.accepted_at is None:
        return []
    label = get_engine().applicant_label
    # A closed grant pays nothing more: its unpaid instalments say so rather than "Not paid yet".
    unpaid = (
        "Not paid: the grant is closed" if has_tag(application, ApplicationTag.TERMINAL) else "Not paid yet"
    )
    # A cancelled payment is as if it had not been made: the instalment is paid by its next one.
    live = [p for p in application.payments if not payment_is_cancelled(p)]
    latest = {p.instalment_id: p for p in live if p.instalment_id is not None}
    count = len(award.instalments)
    rows = []
    for instalment in award.instalments:
        payment = latest.get(instalment.id)
        rows.append(
            ScheduledPayment(
                what=f"Instalment {instalment.position} of {count}" if count > 1 else "Your grant",
                amount_pence=payment.amount_pence if payment else instalment.amount_pence,
                when=instalment.when,
                status=label(payment) if payment else unpaid,
                paid_on=payment.paid_on if payment else None,
                bank_reference=payment.payment_reference if payment else "",
            )
        )
    for payment in live:
        if payment.instalment_id is None:
            rows.append(
                ScheduledPayment(
                    what=payment.description or "Payment",
                    amount_pence=payment.amount_pence,
                    when="",
                    status=label(payment),
                    paid_on=payment.paid_on,
                    bank_reference=payment.payment_reference,
                )
            )
    return rows


def can(application: Application, actor: User, trigger: str) -> bool:
    """Whether the workflow offers `trigger` to this actor on the application now (guards not run)."""
    return any(t.trigger == trigger for t in available_triggers(application, actor))


def submit(session: Session, actor: User, application: Application) -> AuditEvent:
    """Send the application (fire submit): Refusal if a section is incomplete or the fund is closed."""
    return fire(session, application, "submit", actor)


def withdraw(session: Session, actor: User, application: Application, reason: str) -> AuditEvent:
    """Withdraw the application with the applicant's reason (fire withdraw)."""
    return fire(session, application, "withdraw", actor, reason=reason)


def open_question(application: Application) -> InformationRequest | None:
    """The latest question we asked that has no answer yet, if any."""
    return next((r for r in reversed(application.information_requests) if r.answered_at is None), None)


def answer_and_resubmit(session: Session, actor: User, application: Application, answer: str) -> AuditEvent:
    """Record the answer to the open question and send the application back, in one transaction."""
    if not has_tag(application, ApplicationTag.AWAITING_ANSWER) or not application.applicant_can_act(actor):
        raise NotFound("There is no question to answer on this application")
    request = open_question(application)
    if request is not None:
        request.answer = answer
        request.answered_by_id = actor.id
        request.answered_at = utcnow()
        session.flush()
    return fire(session, application, "resubmit", actor)


def accept_offer(
    session: Session, actor: User, application: Application, *, name: str, role: str, confirmed: bool
) -> AuditEvent:
    """Accept the offer for the organisation: the authorised signatory's name and role, and their
    confirmation that they may accept it (the workflow stamps the time). Refusal (fields name, role)
    for a name or role that is missing, too long, or holds invisible characters or HTML tags: the name
    is printed on the offer, the grant statement and staff pages, so it must read as the person meant."""
    name, role = normalise(name), normalise(role)
    errors = {
        field: problem
        for field, problem in (
            (
                "name",
                text_problem(
                    name,
                    "The name of the person accepting",
                    max_length=SIGNATORY_MAX,
                    missing="Enter the full name of the person accepting the offer",
                ),
            ),
            (
                "role",
                text_problem(
                    role,
                    "The role of the person accepting",
                    max_length=SIGNATORY_MAX,
                    missing="Enter the role of the person accepting, for example Chair or Treasurer",
                ),
            ),
        )
        if problem
    }
    if errors:
        raise Refusal(errors=errors)
    return fire(
        session,
        application,
        "accept_offer",
        actor,
        accepted_by_name=name,
        accepted_by_role=role,
        confirmed=confirmed,
    )


def decline_offer(session: Session, actor: User, application: Application, reason: str) -> AuditEvent:
    """Decline the offer with a reason (fire decline_offer)."""
    return fire(session, application, "decline_offer", actor, reason=reason)


def upload_document(
    session: Session,
    actor: User,
    application: Application,
    upload_folder: Path,
    *,
    kind: DocumentKind,
    filename: str,
    content: bytes,
) -> Document:
    """Store an uploaded file as the application's document of `kind`, replacing (and keeping
    for the record) the current one of that kind. Refusal if the file is refused or the kind is not one
    applicants upload; NotFound/NotEditable as check_can_edit."""
    check_can_edit(actor, application)
    if kind not in APPLICANT_DOCUMENT_KINDS:
        raise Refusal(errors={"kind": "Select which document this is"})
    # One current file per kind: a new upload replaces the old one (kept for the record). Uploads to
    # one application take turns, so two at the same moment cannot both stay current.
    lock_row(session, Application, application.id)
    current = select(Document).where(
        Document.application_id == application.id, Document.kind == kind, Document.deleted_at.is_(None)
    )
    for old in session.execute(current.execution_options(populate_existing=True)).scalars():
        old.deleted_at = utcnow()
    document = store_document(
        session,
        actor,
        upload_folder,
        organisation=application.organisation,
        application=application,
        kind=kind,
        filename=filename,
        content=content,
    )
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "document_uploaded",
        data={"kind": kind.value, "filename": document.original_filename, "sha256": document.sha256},
    )
    return document


def remove_document(session: Session, actor: User, application: Application, document_id: int) -> None:
    """Remove one of the application's current documents (kept for the record). NotFound if it
    is not this application's."""
    check_can_edit(actor, application)
    document = next((d for d in application.documents if d.id == document_id and d.deleted_at is None), None)
    if document is None:
        raise NotFound("No such document")
    document.deleted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "document_removed",
        data={"kind": document.kind.value, "filename": document.original_filename},
    )


def document_for(session: Session, actor: User, document_id: int) -> Document:
    """A document the actor may download: their organisation's, or any for staff."""
    document = session.get(Document, document_id)
    if document is None or document.deleted_at is not None:
        raise NotFound("No such document")
    if actor.is_staff:
        return document
    if document.organisation is None or not document.organisation.has_member(actor):
        raise NotFound("No such document")
    return document


def current_documents(application: Application) -> dict[DocumentKind, Document]:
    """The application's current (not removed) document of each kind."""
    return {d.kind: d for d in application.documents if d.deleted_at is None}


@dataclass
class HistoryEntry:
    """One line of the history an applicant sees: when, what (applicant words) and any detail."""

    when: datetime
    what: str
    detail: str = ""


# Reasons the applicant was told by email anyway; other staff notes stay in the admin.
_REASONS_SHOWN = {
    "fail_screening",
    "decline",
    "decline_by_written_procedure",
    "withdraw",
    "decline_offer",
    "suspend",
    "demand_repayment",
}


def applicant_history(session: Session, application: Application) -> list[HistoryEntry]:
    """The application's history in the applicant's words, newest first: state changes from
    the audit trail, with the reasons the group was told anyway; staff notes stay in the admin."""
    engine = get_engine()
    definition = engine.definition_for(application)
    events = session.execute(
        select(AuditEvent)
        .where(
            AuditEvent.entity_type == "application",
            AuditEvent.entity_id == application.id,
            AuditEvent.action.in_(("transition", "create")),
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).scalars()
    entries: list[HistoryEntry] = []
    for event in events:
        if event.action == "create":
            entries.append(HistoryEntry(event.occurred_at, "Application started"))
            continue
        label = definition.applicant_label(event.to_state) if event.to_state else ""
        detail = event.reason if event.trigger in _REASONS_SHOWN else ""
        if event.trigger == "request_information":
            detail = "We asked: " + event.reason
        entries.append(HistoryEntry(event.occurred_at, label, detail))
    return list(reversed(entries))
