"""Loading the signed-in user for Flask-Login."""

from __future__ import annotations

from flask_login import LoginManager
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from grants_app import sessions
from grants_app.extensions import db
from grants_app.models import User
from grants_app.params import parse_id

# The user and their roles in one query (every page asks the roles), built once: building it and its
# loader options on every request cost a quarter of a millisecond more than running it.
_USER_WITH_ROLES: Select = (
    select(User).options(joinedload(User.role_grants)).where(User.id == bindparam("user_id"))
)


def register_user_loader(login_manager: LoginManager) -> None:
    """Load the signed-in user on each request; an unknown or deactivated user is signed out."""

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # A session from before sign-out, a password change, deactivation or a role change is refused.
        identifier = parse_id(user_id)
        if identifier is None:
            return None
        try:
            user = db.session.execute(_USER_WITH_ROLES, {"user_id": identifier}).unique().scalar_one_or_none()
        except SQLAlchemyError:
            # The database is down: treat the request as signed out, so error pages still render.
            db.session.rollback()
            return None
        if user is None or not user.is_active or not sessions.is_current(user):
            return None
        return user
