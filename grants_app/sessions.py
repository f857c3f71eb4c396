"""Sessions that end when they should: sign-out, password change, deactivation and role change end
every copy of a person's session, not just the cookie in one browser.

Flask keeps the session in a signed cookie, so a copy made before sign-out would otherwise stay valid.
Each session records the person's session generation (users.session_generation) when they sign in;
the user loader refuses a session whose generation is no longer the person's, on every request.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, session
from flask_login import user_logged_in

from grants_app.models import User

GENERATION_KEY = "_session_generation"


def init_app(app: Flask) -> None:
    user_logged_in.connect(_remember_generation, app)


def _remember_generation(_sender: Any, user: User, **_extra: Any) -> None:
    session[GENERATION_KEY] = user.session_generation


def is_current(user: User) -> bool:
    """True when this request's session began in the person's present generation."""
    stored = session.get(GENERATION_KEY)
    return isinstance(stored, int) and stored == user.session_generation


def keep_this_session(generation: int) -> None:
    """After ending someone's other sessions from this one (their own role change), stay signed in here."""
    session[GENERATION_KEY] = generation
