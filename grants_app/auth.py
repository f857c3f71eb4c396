"""Loading the signed-in user for Flask-Login."""

from __future__ import annotations

from flask_login import LoginManager

from grants_app.extensions import db
from grants_app.models import User


def register_user_loader(login_manager: LoginManager) -> None:
    """Load the signed-in user on each request; an unknown or deactivated user is signed out."""

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.is_active else None
