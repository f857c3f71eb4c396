"""What an application still lacks before it can be submitted, section by section."""

from __future__ import annotations

from datetime import date

from grants_app.models import Application, DocumentKind
from grants_app.money import format_pence
from grants_app.normalise import word_count
from grants_app.text import and_join

SUMMARY_MAX_WORDS = 100
DESCRIPTION_MAX_WORDS = 500
REQUIRED_DOCUMENTS = (DocumentKind.CONSTITUTION, DocumentKind.ACCOUNTS, DocumentKind.INSURANCE)


def needs_safeguarding_policy(application: Application) -> bool:
    """Whether the project works with children or adults at risk (a safeguarding
    policy is then required)."""
    return bool((application.eligibility_answers or {}).get("works_with_children_or_adults_at_risk"))


def organisation_problems(application: Application) -> list[str]:
    """What the organisation section still lacks (empty when complete)."""
    org = application.organisation
    if org is None or not (org.name and org.org_type and org.address_line_1 and org.postcode):
        return ["Organisation details"]
    if not (org.contact_name and org.contact_email):
        return ["Organisation contact"]
    return []


def project_problems(application: Application) -> list[str]:
    """What the project section still lacks or gets wrong (dates inside the fund's year)."""
    problems = []
    if not (application.title and application.summary and application.description):
        problems.append("Project title, summary and description")
    elif word_count(application.summary) > SUMMARY_MAX_WORDS:
        problems.append(f"Project summary must be {SUMMARY_MAX_WORDS} words or fewer")
    elif word_count(application.description) > DESCRIPTION_MAX_WORDS:
        problems.append(f"Project description must be {DESCRIPTION_MAX_WORDS} words or fewer")
    fund = application.fund
    if application.start_date is None or application.end_date is None:
        problems.append("Project start and end dates")
    elif not (fund.year_starts_on <= application.start_date <= application.end_date <= fund.year_ends_on):
        problems.append(f"Project dates must fall within the fund's year ({fund.year_label})")
    if not application.wards:
        problems.append("Wards the project covers")
    if not application.beneficiaries_description or application.beneficiaries_count is None:
        problems.append("Who benefits and how many")
    return problems


def priority_problems(application: Application) -> list[str]:
    """What the priorities section still lacks (shares adding up to 100, how it helps)."""
    splits = application.priority_splits
    if not splits:
        return ["Priorities the project serves"]
    fund_priority_ids = {p.id for p in application.fund.priorities}
    if any(s.priority_id not in fund_priority_ids for s in splits):
        return ["Priorities must be ones this fund supports"]
    if sum(s.percentage for s in splits) != 100:
        return ["Priority percentages must add up to 100"]
    if any(not s.how_it_helps.strip() for s in splits):
        return ["How the project serves each priority"]
    return []


def budget_problems(application: Application) -> list[str]:
    """What the budget section still lacks (a total within the fund's minimum and maximum)."""
    fund = application.fund
    total = application.budget_total_pence
    if not application.budget_lines:
        return ["Budget"]
    if total < fund.min_award_pence or total > fund.max_award_pence:
        return [
            f"Budget total must be between {format_pence(fund.min_award_pence, whole=True)} "
            f"and {format_pence(fund.max_award_pence, whole=True)}"
        ]
    return []


def document_problems(application: Application) -> list[str]:
    """Which required documents are missing."""
    kinds = {d.kind for d in application.documents if d.deleted_at is None}
    required = list(REQUIRED_DOCUMENTS)
    if needs_safeguarding_policy(application):
        required.append(DocumentKind.SAFEGUARDING_POLICY)
    missing = [k.label for k in required if k not in kinds]
    return ["Documents: " + ", ".join(missing)] if missing else []


def same_file_kinds(application: Application) -> dict[DocumentKind, list[DocumentKind]]:
    """For each current document uploaded as the very same file (same SHA-256) as another kind, those
    other kinds: one PDF given as constitution, accounts and insurance is almost always a mistake, but
    not always (a combined governance pack), so the applicant is warned and screening checks it."""
    order = list(DocumentKind)
    current = sorted(
        (d for d in application.documents if d.deleted_at is None), key=lambda d: order.index(d.kind)
    )
    return {
        d.kind: [o.kind for o in current if o.sha256 == d.sha256 and o.kind != d.kind]
        for d in current
        if any(o.sha256 == d.sha256 and o.kind != d.kind for o in current)
    }


def same_file_groups(application: Application) -> list[list[DocumentKind]]:
    """The kinds that share one file, a group per file, in the order of the task list's documents."""
    order = list(DocumentKind)
    groups: list[list[DocumentKind]] = []
    for kind, others in sorted(same_file_kinds(application).items(), key=lambda kv: order.index(kv[0])):
        group = sorted([kind, *others], key=order.index)
        if group not in groups:
            groups.append(group)
    return groups


def same_file_warnings(application: Application) -> list[str]:
    """A sentence for the applicant about each file uploaded as more than one kind of document."""
    current = {d.kind: d for d in application.documents if d.deleted_at is None}
    return [
        f"You uploaded the same file, {current[group[0]].original_filename}, as your "
        f"{and_join([kind.label[0].lower() + kind.label[1:] for kind in group])}. "
        "Check you chose the right file for each document."
        for group in same_file_groups(application)
    ]


def declaration_problems(application: Application) -> list[str]:
    """Whether the declaration has been made."""
    if not (application.declared_at and application.declaration_name):
        return ["Declaration"]
    return []


def missing_sections(application: Application, today: date | None = None) -> list[str]:
    """Every section's problems, in task-list order: empty when the application can be sent."""
    return [
        *organisation_problems(application),
        *project_problems(application),
        *priority_problems(application),
        *budget_problems(application),
        *document_problems(application),
        *declaration_problems(application),
    ]
