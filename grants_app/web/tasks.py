"""The task list: each section's status, from the same checks the `application_complete` guard uses."""

from __future__ import annotations

from dataclasses import dataclass

from grants_app.dates import format_date
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

    Each later stage of the grant adds its tasks here (monitoring returns now; more as the portal grows).
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
    for ret in application.monitoring_returns:
        label = engine.applicant_label(ret)
        steps.append(
            NextStep(
                f"Monitoring return: {ret.period_label}" + (" (final)" if ret.is_final else ""),
                label,
                f"Due {format_date(ret.due_on)}. We will email you how to send it.",
                done=has_tag(ret, ReturnTag.SPEND_ACCEPTED),
            )
        )
    return steps
