"""Admin fixtures: staff signed in through the real staff sign-in, one client per role."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient

from grants_app.models import Role, User
from tests.factories import STAFF_PASSWORD


def sign_in(client: FlaskClient, user: User, password: str = STAFF_PASSWORD):
    return client.post("/admin/sign-in", data={"email": user.email, "password": password})


@pytest.fixture
def staff_client(app, session, make) -> Callable[..., tuple[FlaskClient, User]]:
    """staff_client(Role.OFFICER) -> a client signed in as a new user with that role."""

    def build(*roles: Role, user: User | None = None) -> tuple[FlaskClient, User]:
        user = user or make.user(*roles)
        session.commit()
        client = app.test_client()
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client, user

    return build


@pytest.fixture
def officer_client(staff_client):
    return staff_client(Role.OFFICER)


@contextmanager
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def flashes(client: FlaskClient) -> list[str]:
    with client.session_transaction() as sess:
        return [message for _category, message in sess.get("_flashes", [])]


@pytest.fixture
def steady_filter_options(monkeypatch):
    """Filter options are re-read every 30 s; a query-count test that crosses that moment between its
    two counts would count the re-read too (seen on a slow PostgreSQL run). Read once, then kept."""
    from grants_app.admin.views.base import StaffModelView

    monkeypatch.setattr(StaffModelView, "filter_options_seconds", float("inf"))
