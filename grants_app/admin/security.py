"""Who may reach which admin screen: staff signed in through the staff sign-in, with the right role."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, g, redirect, request, session, url_for
from flask_login import current_user

from grants_app.admin.urls import QuickUrls
from grants_app.models import STAFF_ROLES, Role, User

STAFF_SESSION_KEY = "staff_user_id"


def staff_user() -> User | None:
    """The signed-in staff member, only if they came through staff sign-in (password and any 2FA)."""
    user = current_user._get_current_object()
    staff_id = session.get(STAFF_SESSION_KEY)
    # Asked once per menu entry (about 25 times a page): the answer is kept for this request while
    # the signed-in person and the session's staff sign-in stay the same.
    kept = g.get("_staff_user")
    if kept is not None and kept[0] is user and kept[1] == staff_id:
        return kept[2]
    staff = (
        user if user.is_authenticated and getattr(user, "is_staff", False) and staff_id == user.id else None
    )
    g._staff_user = (user, staff_id, staff)
    return staff


def has_any_role(roles: Iterable[Role | str]) -> bool:
    user = staff_user()
    return user is not None and user.has_role(*roles)


def refuse():
    """Anonymous people (and staff who have not signed in as staff) go to sign-in; others get 403."""
    if current_user.is_authenticated and not getattr(current_user, "is_staff", False):
        abort(403)
    if staff_user() is None:
        return redirect(url_for("staff_auth.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


class RoleRequired(QuickUrls):
    """Mixin for every Flask-Admin view: `allowed_roles` may open it; `editor_roles` may change things
    (and, as every view has it, the quicker links of grants_app/admin/urls.py)."""

    allowed_roles: frozenset[Role] = frozenset(STAFF_ROLES)
    editor_roles: frozenset[Role] = frozenset()

    def is_accessible(self) -> bool:
        return has_any_role(self.allowed_roles)

    def inaccessible_callback(self, name, **kwargs):
        return refuse()

    def is_editor(self) -> bool:
        return has_any_role(self.editor_roles)

    def require_editor(self) -> User:
        if not self.is_editor():
            abort(403)
        return staff_user()
