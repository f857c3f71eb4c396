"""The task list: each section's status, from the same checks the `application_complete` guard uses."""

from __future__ import annotations

from dataclasses import dataclass

from grants_app.dates import format_date, london_today
from grants_app.lifecycle import ApplicationTag, ReturnTag, has_tag
from grants_app.models import Application
from grants_app.money import format_pence
from grants_app.services import application_checks as checks
from grants_app.workflow import get_engine

COMPLETED, IN_PROGRESS, NOT_STARTED = "Completed", "In progress", "Not yet started"


@dataclass
class Section:
    key: str
    title: str
    endpoint: str
    status: str
    problems: list[str]
    hint: str = ""


def _status(problems: list[str], started: bool) -> str:
    if not problems:
        return COMPLETED
    return IN_PROGRESS if started else NOT_STARTED


def section_statuses(application: Application) -> list[Section]:
    org = application.organisation
    rows = [
        (
            "organisation",
            "Organisation details",
            "portal.organisation",
            checks.organisation_problems(application),
            org is not None,
            "Name, type, address and contacts",
        ),
        (
            "project",
            "About the project",
            "portal.project",
            checks.project_problems(application),
            bool(application.title or application.summary),
            "What, when, where and who benefits",
        ),
        (
            "priorities",
            "Community safety priorities",
            "portal.priorities",
            checks.priority_problems(application),
            bool(application.priority_splits),
            "Which priorities the project serves",
        ),
        (
            "budget",
            "Budget",
            "portal.budget",
            checks.budget_problems(application),
            bool(application.budget_lines),
            "What the money pays for",
        ),
        (
            "documents",
            "Supporting documents",
            "portal.documents",
            checks.document_problems(application),
            any(d.deleted_at is None for d in application.documents),
            "Constitution, accounts, insurance and policies",
        ),
        (
            "declaration",
            "Declaration",
            "portal.declaration",
            checks.declaration_problems(application),
            application.declared_at is not None,
            "Confirm the information is true",
        ),
    ]
    return [
        Section(key, title, endpoint, _status(problems, started), problems, hint)
        for key, title, endpoint, problems, started, hint in rows
    ]


def all_complete(sections: list[Section]) -> bool:
    return all(s.status == COMPLETED for s in sections)


@dataclass
class NextStep:
    title: str
    status: str
    hint: str = ""
    href: str | None = None
    done: bool = False


def next_steps(application: Application, triggers: set[str], url_for) -> list[NextStep]:
    """What the organisation has to do on this application after sending it, stage by stage.

    Each later stage of the grant adds its tasks here; each monitoring return is listed with its status
    (overdue when past its due date) and a link to it.
    """
    steps: list[NextStep] = []
    ref = application.reference
    if has_tag(application, ApplicationTag.AWAITING_ANSWER):
        steps.append(
            NextStep(
                "Answer our question",
                "To do",
                "We need more information",
                url_for("portal.answer", reference=ref),
            )
        )
    if "accept_offer" in triggers and application.award is not None:
        steps.append(
            NextStep(
                "Accept or decline your grant offer",
                "To do",
                f"Respond by {format_date(application.award.offer_expires_on)}",
                url_for("portal.offer", reference=ref),
            )
        )
    elif application.award is not None and application.award.accepted_at is not None:
        award = application.award
        role = f" ({award.accepted_by_role})" if award.accepted_by_role else ""
        steps.append(
            NextStep(
                "Accept your grant offer",
                COMPLETED,
                f"Accepted by {award.accepted_by_name}{role} on {format_date(award.accepted_at)}",
                done=True,
            )
        )
        steps.append(
            NextStep(
                "Your offer letter (PDF)",
                "Available",
                "Keep it with your records: it sets out the conditions, payments, monitoring and terms",
                url_for("portal.offer_letter", reference=ref),
                done=True,
            )
        )
    for recovery in application.recoveries:
        owed = (
            recovery.amount_pence
            - sum(r.amount_pence for r in recovery.receipts)
            - recovery.written_off_pence
        )
        if owed > 0:
            steps.append(
                NextStep(
                    f"Return {format_pence(owed)} of your grant",
                    "To do",
                    f"By {format_date(recovery.due_on)}. {recovery.reason}. We have emailed you how to pay; "
                    f"quote {ref}",
                )
            )
    engine = get_engine()
    today = london_today()
    for ret in application.monitoring_returns:
        overdue = has_tag(ret, ReturnTag.OUTSTANDING) and ret.due_on < today
        if has_tag(ret, ReturnTag.SPEND_ACCEPTED):
            hint = "We have accepted it"
        elif has_tag(ret, ReturnTag.AWAITING_REVIEW):
            hint = f"Sent {format_date(ret.submitted_at)}: we are reviewing it"
        elif not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
            # Ended without being sent (the grant was closed): nothing for the group to do.
            hint = "Nothing to send"
        elif ret.open_query is not None:
            hint = f"We have a question. Due {format_date(ret.due_on)}"
        else:
            hint = f"{'Overdue: it was due' if overdue else 'Due'} {format_date(ret.due_on)}"
        steps.append(
            NextStep(
                f"Monitoring return: {ret.period_label}",
                engine.applicant_label(ret) + (" (overdue)" if overdue else ""),
                hint,
                url_for("portal.monitoring_return", reference=ref, return_id=ret.id),
                # Accepted, or ended without being sent: nothing left for the group to do.
                done=not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT)
                and not has_tag(ret, ReturnTag.AWAITING_REVIEW),
            )
        )
    return steps
