"""Declarations of interest: before seeing an application's scores or voting on it, each JAG member
declares that they have no interest in it, or the interest they hold. An interest, once declared,
stands: it hides others' scores and votes from the member and keeps them out of the quorum and the
vote on that application, at a meeting or by written procedure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Application, DeclarationOfInterest, Meeting, Role, User, utcnow
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.permissions import require_role

MAX_NATURE = 2000


def declaration_for(session: Session, application_id: int, user_id: int) -> DeclarationOfInterest | None:
    """The member's declaration on the application, or None if they have not made one."""
    return session.execute(
        select(DeclarationOfInterest).where(
            DeclarationOfInterest.application_id == application_id,
            DeclarationOfInterest.user_id == user_id,
        )
    ).scalar_one_or_none()


def declarations_for(session: Session, application_id: int) -> list[DeclarationOfInterest]:
    """Every declaration on the application, oldest first."""
    return list(
        session.execute(
            select(DeclarationOfInterest)
            .where(DeclarationOfInterest.application_id == application_id)
            .order_by(DeclarationOfInterest.declared_at)
        ).scalars()
    )


def declare_interest(
    session: Session,
    actor: User,
    application: Application,
    *,
    has_interest: bool,
    nature: str = "",
    meeting: Meeting | None = None,
) -> DeclarationOfInterest:
    """Record the acting JAG member's declaration on the application.

    `nature` (up to 2,000 characters) describes an interest and is required with one. A "no interest"
    declaration can later become an interest, never the other way round. Refusal if the actor is not
    a JAG member, the nature is missing or too long, or the declaration would be withdrawn or repeated.
    """
    require_role(actor, Role.JAG_MEMBER)
    nature = (nature or "").strip()
    if has_interest and not nature:
        raise Refusal("Describe the interest you are declaring", field="nature")
    if len(nature) > MAX_NATURE:
        raise Refusal("Describe the interest in 2,000 characters or fewer", field="nature")
    declaration = declaration_for(session, application.id, actor.id)
    if declaration is not None:
        if declaration.has_interest or not has_interest:
            raise Refusal("You have already made a declaration for this application")
        declaration.has_interest = True
        declaration.nature = nature
        declaration.declared_at = utcnow()
    else:
        declaration = DeclarationOfInterest(
            application_id=application.id,
            user_id=actor.id,
            meeting_id=meeting.id if meeting else None,
            has_interest=has_interest,
            nature=nature,
            declared_at=utcnow(),
        )
        session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "declare_interest",
        reason=nature,
        data={"has_interest": has_interest},
    )
    return declaration


def require_no_interest(session: Session, member: User, application: Application) -> None:
    """Refusal unless the member has declared, and declared no interest in, the application."""
    declaration = declaration_for(session, application.id, member.id)
    if declaration is None:
        raise Refusal("Declare whether you have an interest in this application first")
    if declaration.has_interest:
        raise Refusal("You have declared an interest in this application, so you cannot score or vote on it")
