"""The task list: each section's status, from the same checks the `application_complete` guard uses."""

from __future__ import annotations

from dataclasses import dataclass

from grants_app.models import Application
from grants_app.services import application_checks as checks

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
