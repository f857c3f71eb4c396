"""Inviting a colleague to work on the same organisation's applications."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Organisation, OrganisationMember, Role, User
from grants_app.refusals import NotFound, Refusal
from grants_app.services import audit
from grants_app.services.notifications import partnership_name
from grants_app.services.outbox import queue_email


def invite_colleague(
    session: Session, actor: User, organisation: Organisation, *, email: str, name: str, settings: Any
) -> OrganisationMember:
    """Add the person (creating their applicant account) and email them how to sign in."""
    if not organisation.has_member(actor):
        raise NotFound("Not your organisation")
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None and user.is_staff:
        raise Refusal(errors={"email": "This is a staff address. Invite a member of your organisation"})
    if user is not None and organisation.has_member(user):
        raise Refusal(errors={"email": f"{email} can already work on {organisation.name}'s applications"})
    if user is None:
        user = User(email=email, full_name=name)
        user.grant(Role.APPLICANT)
        session.add(user)
        session.flush()
        audit.record(session, actor, "user", user.id, "create", data={"via": "invitation"})
    member = OrganisationMember(organisation=organisation, user=user, invited_by_id=actor.id)
    session.add(member)
    session.flush()
    audit.record(session, actor, "organisation", organisation.id, "member_invited", data={"email": email})
    base = getattr(settings, "public_base_url", "http://127.0.0.1:5000")
    queue_email(
        session,
        email,
        "invitation",
        inviter=actor.full_name,
        organisation=organisation.name,
        link=f"{base}/sign-in",
        partnership=partnership_name(session),
    )
    return member


def remove_colleague(session: Session, actor: User, organisation: Organisation, member_id: int) -> None:
    """Take someone off the organisation (a volunteer who has left); the last member cannot go."""
    if not organisation.has_member(actor):
        raise NotFound("Not your organisation")
    member = next((m for m in organisation.members if m.id == member_id), None)
    if member is None:
        raise NotFound("No such member of this organisation")
    if len(organisation.members) == 1:
        raise Refusal(
            errors={
                "member": "You are the only person who can work on these applications, so you cannot be removed"
            }
        )
    email = member.user.email
    organisation.members.remove(member)
    session.flush()
    audit.record(session, actor, "organisation", organisation.id, "member_removed", data={"email": email})
