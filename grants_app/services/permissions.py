"""The role check every service makes before it changes anything."""

from __future__ import annotations

from grants_app.models import Role, User
from grants_app.refusals import Refusal


def require_role(actor: User, *roles: Role) -> None:
    """Refusal unless the actor holds one of `roles`."""
    if not actor.has_role(*roles):
        raise Refusal("You do not have permission to do that")
