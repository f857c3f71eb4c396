"""The admin menu, rendered once per process for each set of roles and each screen.

Flask-Admin's menu macro asks every entry whether the signed-in person may open it and builds its URL
on every page: about half a millisecond of each admin page (a twentieth of the application list),
for HTML that only changes with the person's roles and the screen they are on (the entry marked
active). Entries' visibility depends on roles alone (RoleRequired.is_accessible; is_visible is fixed).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from markupsafe import Markup

from grants_app.admin.security import staff_user

# Roles x screens is small (a few dozen keys in practice); the bound keeps a mistake from growing it.
MAX_ENTRIES = 1024


def _key(admin_view: Any) -> tuple:
    user = staff_user()
    roles = tuple(sorted(role.value for role in user.roles)) if user is not None else None
    return roles, admin_view.endpoint, request.script_root


def cached_menu(admin_view: Any) -> Markup | None:
    """This person's menu on this screen if it has been rendered before, else None."""
    return _cache().get(_key(admin_view))


def remember_menu(admin_view: Any, html: str) -> Markup:
    """Keep the menu just rendered by Flask-Admin's macro for this key; returns it."""
    cache = _cache()
    if len(cache) >= MAX_ENTRIES:
        cache.clear()
    markup = Markup(html)  # noqa: S704 - the output of Flask-Admin's autoescaped menu macro
    cache[_key(admin_view)] = markup
    return markup


def _cache() -> dict[tuple, Markup]:
    return current_app.extensions.setdefault("sosafe_admin_menu", {})


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(cached_admin_menu=cached_menu, remember_admin_menu=remember_menu)
