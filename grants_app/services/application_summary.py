"""What staff see first on an application's page: the facts that matter at a glance, in words (no
stored codes such as "constituted_group" or "works_in_stevenage", no True/False)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grants_app.dates import format_date
from grants_app.models import Application, DocumentKind, OrganisationType
from grants_app.money import format_pence
from grants_app.services.application_checks import (
    REQUIRED_DOCUMENTS,
    needs_safeguarding_policy,
    same_file_groups,
)
from grants_app.text import and_join, plural

# The eligibility checker's answers, as staff read them (the questions are in grants_app/web/eligibility).
ELIGIBILITY_LABELS = {
    "org_type": "Type of organisation",
    "organisation_type": "Type of organisation",
    "works_in_stevenage": "Works with people who live, work or study in {area}",
    "bank_account": "Has a bank account in its own name",
    "works_with_children_or_adults_at_risk": "Works with children or adults at risk",
    "safeguarding_policy": "Has a safeguarding policy",
    "public_liability_insurance": "Has public liability insurance",
}


def _answer(key: str, value: Any) -> str:
    if value is True or value == "yes":
        return "Yes"
    if value is False or value == "no":
        return "No"
    if key in ("org_type", "organisation_type"):
        try:
            return OrganisationType(value).label
        except ValueError:
            return "An individual, or a business that makes a profit" if value == "individual" else str(value)
    return str(value).replace("_", " ")


def eligibility_rows(application: Application, area: str = "the area") -> list[tuple[str, str]]:
    """The eligibility checker's answers as (question, answer) in words, in the checker's order."""
    answers = dict(application.eligibility_answers or {})
    keys = [k for k in ELIGIBILITY_LABELS if k in answers] + [
        k for k in answers if k not in ELIGIBILITY_LABELS
    ]
    rows = []
    for key in keys:
        label = ELIGIBILITY_LABELS.get(key) or key.replace("_", " ").capitalize()
        rows.append((label.format(area=area), _answer(key, answers[key])))
    return rows


@dataclass(frozen=True)
class Fact:
    """One key fact at the top of the application page; `warning` marks one that needs a look."""

    label: str
    value: str
    warning: bool = False


def key_facts(application: Application, *, average: float | None, scorers: int, max_score: int) -> list[Fact]:
    """The few facts an officer or JAG member needs before anything else."""
    facts = [Fact("Requested", format_pence(application.amount_requested_pence))]
    if application.award is not None:
        facts.append(Fact("Awarded", format_pence(application.award.amount_pence)))
    if application.submitted_at:
        facts.append(Fact("Submitted", format_date(application.submitted_at)))
    if application.start_date and application.end_date:
        facts.append(
            Fact("Project", f"{format_date(application.start_date)} to {format_date(application.end_date)}")
        )
    if application.wards:
        facts.append(Fact("Wards", and_join([w.name for w in application.wards])))
    if application.priority_splits:
        facts.append(
            Fact(
                "Priorities",
                "; ".join(
                    f"{s.priority.number}. {s.priority.short_name} ({s.percentage}%)"
                    for s in application.priority_splits
                ),
            )
        )
    facts.append(document_fact(application))
    if average is not None:
        facts.append(
            Fact("Scores", f"{average:.1f} of {max_score} on average, from {plural(scorers, 'member')}")
        )
    return facts


def document_fact(application: Application) -> Fact:
    """Whether the required documents are all there (and none is one file given as several kinds)."""
    kinds = {d.kind for d in application.documents if d.deleted_at is None}
    required = list(REQUIRED_DOCUMENTS)
    if needs_safeguarding_policy(application):
        required.append(DocumentKind.SAFEGUARDING_POLICY)
    missing = [k.label for k in required if k not in kinds]
    shared = same_file_groups(application)
    value = f"{len(required) - len(missing)} of {len(required)} required"
    if missing:
        value += f"; missing: {and_join(missing)}"
    if shared:
        value += f"; the same file is used for {and_join([and_join([k.label for k in group]) for group in shared])}"
    return Fact("Documents", value, warning=bool(missing or shared))
