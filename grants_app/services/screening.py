"""Screening by the grants officer: a checklist of documents and eligibility, then pass, fail or ask."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from grants_app.models import Application, DocumentKind, User
from grants_app.services.application_checks import (
    REQUIRED_DOCUMENTS,
    needs_safeguarding_policy,
    same_file_kinds,
)
from grants_app.workflow import InvalidInput, fire

ELIGIBILITY_CHECKS = (
    ("organisation_eligible", "The organisation is a not-for-profit group that can apply to this fund"),
    ("project_in_area", "The project takes place in the partnership's area"),
    ("priorities_fit", "The project serves at least one of the fund's priorities"),
    ("budget_reasonable", "The budget is reasonable and within the fund's limits"),
    ("no_duplicate_funding", "The costs are not already funded from elsewhere"),
)
DECISIONS = {"pass": "pass_screening", "fail": "fail_screening", "ask": "request_information"}


@dataclass(frozen=True)
class ChecklistItem:
    """One line of the screening checklist; for documents, whether one was uploaded."""

    key: str
    label: str
    present: bool | None = None  # for documents: whether one was uploaded
    # For documents: the other kinds uploaded as this very same file (flagged for the officer to check).
    same_file_as: tuple[str, ...] = ()


def checklist_for(application: Application) -> list[ChecklistItem]:
    """The screening checklist for the application: its required documents, then eligibility."""
    kinds = {d.kind for d in application.documents if d.deleted_at is None}
    required = list(REQUIRED_DOCUMENTS)
    if needs_safeguarding_policy(application):
        required.append(DocumentKind.SAFEGUARDING_POLICY)
    shared = same_file_kinds(application)
    items = [
        ChecklistItem(
            f"doc_{k.value}",
            f"{k.label} checked",
            k in kinds,
            tuple(other.label for other in shared.get(k, [])),
        )
        for k in required
    ]
    items += [ChecklistItem(key, label) for key, label in ELIGIBILITY_CHECKS]
    return items


def screen(
    session: Session,
    actor: User,
    application: Application,
    *,
    decision: str,
    ticked: set[str],
    note: str,
    expected_version: int | None = None,
):
    """Pass needs every checklist item ticked; fail and ask need a reason. The ticks go on the record."""
    trigger = DECISIONS.get(decision)
    if trigger is None:
        raise InvalidInput("Choose pass, fail or ask the applicant for information", field="decision")
    items = checklist_for(application)
    unticked = [i.label for i in items if i.key not in ticked]
    if decision == "pass" and unticked:
        raise InvalidInput(
            "To pass screening, confirm every check: " + "; ".join(unticked), field="checklist"
        )
    summary = "Checklist: " + "; ".join(f"{'yes' if i.key in ticked else 'no'} - {i.label}" for i in items)
    note = (note or "").strip()
    inputs: dict = {}
    if expected_version is not None:
        inputs["expected_version"] = expected_version
    if decision == "pass":
        inputs["notes"] = f"{note}\n{summary}".strip()
    else:
        if not note:
            raise InvalidInput("Enter the reason", field="note")
        inputs["reason"] = note if decision == "ask" else f"{note}\n{summary}"
    return fire(session, application, trigger, actor, **inputs)
