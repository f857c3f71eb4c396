"""Who hears about an application, and the shared context of the emails they get."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Application, MonitoringReturn, OrganisationMember, Partnership, User


def application_recipients(session: Session, application: Application) -> list[str]:
    """The organisation's contact and every member who can sign in for it, each once."""
    member_emails = session.execute(
        select(User.email)
        .join(OrganisationMember, OrganisationMember.user_id == User.id)
        .where(OrganisationMember.organisation_id == application.organisation_id, User.is_active.is_(True))
        .order_by(User.email)
    ).scalars()
    org = application.organisation
    return list(dict.fromkeys([a for a in [org.contact_email, *member_emails] if a]))


def partnership_name(session: Session) -> str:
    """The partnership's name for emails."""
    name = session.execute(select(Partnership.name).limit(1)).scalar_one_or_none()
    return name or "The Community Safety Partnership"


def partnership_contact(session: Session) -> str:
    """How a group reaches the partnership: 'email, phone' from the Partnership row ('' if none)."""
    row = session.execute(select(Partnership.contact_email, Partnership.contact_phone).limit(1)).first()
    return ", ".join(part for part in (row or ()) if part)


def applicant_link(settings: Any, application: Application) -> str:
    """The portal address of the application, from PUBLIC_BASE_URL."""
    base = getattr(settings, "public_base_url", "http://127.0.0.1:5000")
    return f"{base}/applications/{application.reference}"


def return_link(settings: Any, ret: MonitoringReturn) -> str:
    """The portal page of a monitoring return."""
    return f"{applicant_link(settings, ret.application)}/returns/{ret.id}"


def email_context(session: Session, settings: Any, application: Application) -> dict[str, Any]:
    """What every application email says: reference, title, organisation, fund, link, partnership."""
    return {
        "reference": application.reference,
        "title": application.title,
        "organisation": application.organisation.name,
        "fund": str(application.fund),
        "link": applicant_link(settings, application),
        "partnership": partnership_name(session),
    }
