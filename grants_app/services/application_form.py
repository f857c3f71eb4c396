"""Saving the sections of a draft application, one use case per section of the task list.

Fields arrive already parsed (the web forms check format and length); these functions enforce the
rules that need the database or the fund (dates inside the fund's year, wards and priorities that exist,
who may edit), record an audit event, and flush.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from grants_app.dates import format_date
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import (
    Application,
    ApplicationPriority,
    BudgetCategory,
    BudgetLine,
    Fund,
    Organisation,
    OrganisationMember,
    OrganisationType,
    User,
    Ward,
    utcnow,
)
from grants_app.money import format_pence
from grants_app.refusals import NotFound, Refusal
from grants_app.services import audit
from grants_app.services.applications import start_application
from grants_app.services.locks import lock_row
from grants_app.uk_identifiers import normalise_charity_number, normalise_company_number

ORGANISATION_FIELDS = (
    "name",
    "org_type",
    "charity_number",
    "company_number",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "contact_name",
    "contact_email",
    "contact_phone",
    "second_contact_name",
    "second_contact_email",
)
PROJECT_FIELDS = (
    "title",
    "summary",
    "description",
    "start_date",
    "end_date",
    "beneficiaries_description",
    "beneficiaries_count",
)


class NotEditable(Refusal):
    """The application has been sent and can no longer be changed by the applicant: the portal takes
    them back to the application's page with this message."""


def check_can_edit(actor: User, application: Application) -> None:
    """NotFound unless the actor's organisation owns the application; NotEditable unless its state is
    tagged editable_by_applicant."""
    if not application.applicant_can_act(actor):
        raise NotFound("Not your organisation's application")
    if not has_tag(application, ApplicationTag.EDITABLE_BY_APPLICANT):
        raise NotEditable("You have sent this application, so it can no longer be changed")


def _record_changes(
    session: Session, actor: User, obj: Any, entity_type: str, extra: dict | None = None
) -> None:
    changes = audit.field_changes(obj)
    if changes or extra:
        session.flush()
        audit.record(session, actor, entity_type, obj.id, "update", data={**changes, **(extra or {})})


def organisations_of(session: Session, user: User) -> list[Organisation]:
    """Every organisation the applicant works for, by name (most people have one; a treasurer of two
    groups has two). The applications page reads its own rows (services/applicant_overview.py)."""
    return list(
        session.execute(
            select(Organisation)
            .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
            .where(OrganisationMember.user_id == user.id)
            .order_by(Organisation.name, Organisation.id)
        ).scalars()
    )


def organisation_for(session: Session, user: User, organisation_id: int | None) -> Organisation:
    """One of the applicant's organisations by id; NotFound (a 404) for anyone else's."""
    organisation = session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or not organisation.has_member(user):
        raise NotFound("Not your organisation")
    return organisation


def organisation_of(session: Session, user: User) -> Organisation | None:
    """The applicant's organisation when they have only one (or their first, by name, when they have
    several: pages about one organisation take its id and use organisation_for)."""
    return next(iter(organisations_of(session, user)), None)


def open_fund(session: Session, today: date, *, with_priorities: bool = False) -> Fund | None:
    """The fund open for applications on `today` (Europe/London), if any; `with_priorities` reads its
    priorities in the same query (for a page that lists them)."""
    query = select(Fund).where(Fund.opens_on <= today, Fund.closes_on >= today).order_by(Fund.closes_on)
    if not with_priorities:
        return session.execute(query.limit(1)).scalar_one_or_none()
    # LIMIT would count priority rows, so the one fund is chosen in a subquery.
    chosen = query.with_only_columns(Fund.id).limit(1).scalar_subquery()
    return (
        session.execute(select(Fund).where(Fund.id == chosen).options(joinedload(Fund.priorities)))
        .unique()
        .scalar_one_or_none()
    )


# Stored as the registers write them (the 360Giving identifiers are built from these).
_IDENTIFIERS = {"charity_number": normalise_charity_number, "company_number": normalise_company_number}


def _apply_organisation(org: Organisation, data: dict[str, Any]) -> None:
    """Copy the organisation's fields from `data`; Refusal for a charity or company number that no
    register uses."""
    errors: dict[str, str] = {}
    for name in ORGANISATION_FIELDS:
        if name in data:
            value = data[name]
            if name == "org_type":
                value = OrganisationType(value)
            elif name in _IDENTIFIERS:
                try:
                    value = _IDENTIFIERS[name](value)
                except ValueError as exc:
                    errors[name] = str(exc)
                    continue
            setattr(org, name, value)
    if errors:
        raise Refusal(errors=errors)


def start_with_organisation(
    session: Session,
    actor: User,
    fund: Fund,
    organisation_data: dict[str, Any] | None,
    eligibility_answers: dict[str, Any] | None = None,
    *,
    organisation_id: int | None = None,
) -> Application:
    """Start a draft for one of the applicant's organisations (`organisation_id`), or for a new one
    described by `organisation_data` (the applicant becomes its first member). With neither, the
    applicant's only organisation applies.

    NotFound for an organisation the applicant does not work for; Refusal (field "organisation") when
    they work for several and did not say which is applying, or (field "name") when they have none."""
    if organisation_id is not None:
        org = organisation_for(session, actor, organisation_id)
    elif organisation_data:
        org = _new_organisation(session, actor, organisation_data)
    else:
        organisations = organisations_of(session, actor)
        if len(organisations) > 1:
            raise Refusal(errors={"organisation": "Select which organisation is applying"})
        if not organisations:
            raise Refusal(errors={"name": "Enter your organisation's name"})
        org = organisations[0]
    application = start_application(session, actor, fund, org)
    if eligibility_answers:
        application.eligibility_answers = dict(eligibility_answers)
    session.flush()
    return application


def _new_organisation(session: Session, actor: User, organisation_data: dict[str, Any]) -> Organisation:
    org = Organisation(name=organisation_data["name"])
    _apply_organisation(org, organisation_data)
    session.add(org)
    session.add(OrganisationMember(organisation=org, user=actor))
    if actor.full_name == actor.email.split("@")[0] and org.contact_name and org.contact_email == actor.email:
        # The account was made from the email address alone; the main contact's name is theirs.
        actor.full_name = org.contact_name
    session.flush()
    session.refresh(org)
    audit.record(session, actor, "organisation", org.id, "create", data=audit.snapshot(org))
    return org


def save_organisation(session: Session, actor: User, application: Application, data: dict[str, Any]) -> None:
    """Save the organisation section's answers (already format-checked by the form)."""
    check_can_edit(actor, application)
    org = application.organisation
    _apply_organisation(org, data)
    _record_changes(session, actor, org, "organisation")


def save_project(session: Session, actor: User, application: Application, data: dict[str, Any]) -> None:
    """Save the project section: title, summary, description, dates (inside the fund's year),
    who benefits, wards. Refusal with field errors for dates or wards the fund cannot take."""
    check_can_edit(actor, application)
    fund = application.fund
    errors: dict[str, str] = {}
    start, end = data.get("start_date"), data.get("end_date")
    span = f"between {format_date(fund.year_starts_on)} and {format_date(fund.year_ends_on)}"
    if start and not fund.year_starts_on <= start <= fund.year_ends_on:
        errors["start_date"] = f"Start date must be {span}, the fund's year"
    if end and not fund.year_starts_on <= end <= fund.year_ends_on:
        errors["end_date"] = f"End date must be {span}, the fund's year"
    elif start and end and end < start:
        errors["end_date"] = "End date must be the same as or after the start date"
    ward_ids = [int(w) for w in data.get("ward_ids", [])]
    wards = list(session.execute(select(Ward).where(Ward.id.in_(ward_ids))).scalars()) if ward_ids else []
    if len(wards) != len(set(ward_ids)):
        errors["ward_ids"] = "Select wards from the list"
    if errors:
        raise Refusal(errors=errors)
    for name in PROJECT_FIELDS:
        if name in data:
            setattr(application, name, data[name])
    if "works_with_children_or_adults_at_risk" in data:
        # A new dict, so the JSON column sees the change.
        application.eligibility_answers = {
            **(application.eligibility_answers or {}),
            "works_with_children_or_adults_at_risk": bool(data["works_with_children_or_adults_at_risk"]),
        }
    before = sorted(w.name for w in application.wards)
    application.wards = sorted(wards, key=lambda w: w.name)
    after = sorted(w.name for w in application.wards)
    extra = {"wards": {"from": before, "to": after}} if before != after else None
    _record_changes(session, actor, application, "application", extra)


@dataclass
class PriorityChoice:
    """One priority the applicant chose: its share of the project (whole %) and how it helps."""

    priority_id: int
    percentage: int | None
    how_it_helps: str


def save_priorities(
    session: Session, actor: User, application: Application, choices: list[PriorityChoice]
) -> None:
    """Replace the priority split. One priority defaults to 100%; several must add up to 100."""
    check_can_edit(actor, application)
    fund_priorities = {p.id: p for p in application.fund.priorities}
    errors: dict[str, str] = {}
    if not choices:
        raise Refusal(errors={"priorities": "Select at least one priority your project serves"})
    if any(c.priority_id not in fund_priorities for c in choices):
        raise Refusal(errors={"priorities": "Select priorities from the list"})
    if len(choices) == 1 and choices[0].percentage is None:
        choices[0].percentage = 100
    for choice in choices:
        field = f"percentage_{choice.priority_id}"
        if choice.percentage is None:
            errors[field] = "Enter the percentage of the project that serves this priority"
        elif not 1 <= choice.percentage <= 100:
            errors[field] = "Percentage must be a whole number between 1 and 100"
        if not choice.how_it_helps.strip():
            errors[f"how_{choice.priority_id}"] = "Explain how your project serves this priority"
    if not errors:
        total = sum(c.percentage or 0 for c in choices)
        if total != 100:
            errors["priorities"] = f"The percentages must add up to 100. They add up to {total}"
    if errors:
        raise Refusal(errors=errors)
    before = {s.priority_id: s.percentage for s in application.priority_splits}
    application.priority_splits.clear()
    session.flush()
    for choice in choices:
        application.priority_splits.append(
            ApplicationPriority(
                priority_id=choice.priority_id,
                percentage=choice.percentage,
                how_it_helps=choice.how_it_helps.strip(),
            )
        )
    session.flush()
    after = {c.priority_id: c.percentage for c in choices}
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "update",
        data={"priorities": {"from": before, "to": after}},
    )


def add_budget_line(
    session: Session,
    actor: User,
    application: Application,
    *,
    description: str,
    category_id: int,
    amount_pence: int,
) -> BudgetLine:
    """Add a cost (pence, above zero) in one of the fund's budget categories. Refusal with
    field errors if the category is not the fund's or the total would pass the fund's maximum."""
    check_can_edit(actor, application)
    fund = application.fund
    if category_id not in {c.id for c in fund.budget_categories}:
        raise Refusal(errors={"category_id": "Select a category from the list"})
    if amount_pence <= 0:
        raise Refusal(errors={"amount": "Amount must be more than £0"})
    if amount_pence > fund.max_award_pence:
        raise Refusal(
            errors={
                "amount": f"Amount must be no more than {format_pence(fund.max_award_pence, whole=True)}, the most this fund gives"
            }
        )
    # Lines added at the same moment take turns, so the count and the position below are current.
    lock_row(session, Application, application.id)
    count, last = session.execute(
        select(func.count(BudgetLine.id), func.coalesce(func.max(BudgetLine.position), 0)).where(
            BudgetLine.application_id == application.id
        )
    ).one()
    if count >= 50:
        raise Refusal(errors={"description": "You can add up to 50 budget lines. Combine some smaller costs"})
    category = session.get(BudgetCategory, category_id)
    position = last + 1
    line = BudgetLine(
        category=category, description=description, amount_pence=amount_pence, position=position
    )
    application.budget_lines.append(line)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "budget_line_added",
        data={"description": description, "category": category.name, "amount_pence": amount_pence},
    )
    return line


def remove_budget_line(session: Session, actor: User, application: Application, line_id: int) -> None:
    """Remove one cost from the draft's budget. NotFound if it is not this application's."""
    check_can_edit(actor, application)
    line = next((line for line in application.budget_lines if line.id == line_id), None)
    if line is None:
        raise NotFound("No such budget line on this application")
    application.budget_lines.remove(line)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "budget_line_removed",
        data={"description": line.description, "amount_pence": line.amount_pence},
    )


def save_match_funding(
    session: Session, actor: User, application: Application, *, amount_pence: int, source: str
) -> None:
    """Save match funding from elsewhere (pence, may be 0) and its source."""
    check_can_edit(actor, application)
    if amount_pence and not source.strip():
        raise Refusal(errors={"match_source": "Tell us where the match funding comes from"})
    application.match_funding_pence = amount_pence
    application.match_funding_source = source.strip() if amount_pence else ""
    _record_changes(session, actor, application, "application")


def save_declaration(
    session: Session, actor: User, application: Application, *, name: str, position: str
) -> None:
    """Record the declaration: who made it (name and position) and when."""
    check_can_edit(actor, application)
    application.declaration_name = name
    application.declaration_position = position
    application.declared_at = utcnow()
    _record_changes(session, actor, application, "application")
