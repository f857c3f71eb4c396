"""Creating users from the command line (the first officer of a new installation, for example)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import PartnerAgency, Role, User
from grants_app.passwords import hash_password
from grants_app.refusals import Refusal
from grants_app.services import audit


def create_user(
    session: Session,
    actor,
    *,
    email: str,
    name: str,
    roles: Iterable[str],
    agency_short_name: str | None = None,
    password: str | None = None,
) -> User:
    """A new user with `roles` (Role values). Staff need a password (at least 12 characters, hashed
    with argon2) and may name their partner agency by short name. Refusal for a bad or taken email
    address, an unknown role or agency, or a missing or weak staff password."""
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254:
        raise Refusal("Enter an email address", field="email")
    if not (name or "").strip():
        raise Refusal("Enter the person's name", field="name")
    if session.execute(select(User.id).where(User.email == email)).scalar_one_or_none() is not None:
        raise Refusal(f"A user with the email {email} already exists", field="email")
    user = User(email=email, full_name=name.strip()[:200])
    try:
        granted = [Role(role) for role in roles]
    except ValueError:
        raise Refusal(f"Roles are some of {', '.join(r.value for r in Role)}", field="role") from None
    if not granted:
        raise Refusal("Give the user at least one role", field="role")
    for role in granted:
        user.grant(role)
    if agency_short_name:
        agency = session.execute(
            select(PartnerAgency).where(PartnerAgency.short_name == agency_short_name)
        ).scalar_one_or_none()
        if agency is None:
            raise Refusal(f"No partner agency has the short name {agency_short_name!r}", field="agency")
        user.agency = agency
    if user.is_staff:
        if not password:
            raise Refusal("Staff need a password", field="password")
        try:
            user.password_hash = hash_password(password)
        except ValueError as exc:
            raise Refusal(str(exc), field="password") from exc
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "users", user.id, "create", data={"email": email, "roles": [r.value for r in granted]}
    )
    return user
