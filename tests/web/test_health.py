"""With the database missing or its port closed, the app still starts, /healthz says why in JSON with
a 503, and people get the GOV.UK "problem with the service" page rather than a bare crash."""

from __future__ import annotations

import os
import socket
import uuid

import pytest

from grants_app import create_app


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def missing_databases(tmp_path) -> list[str]:
    urls = [
        f"postgresql://postgres@127.0.0.1:{_closed_port()}/sosafe",  # nothing listening
        f"sqlite:///{tmp_path / 'no-such-folder' / 'sosafe.db'}",  # cannot be opened
    ]
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        server = base.rsplit("/", 1)[0]
        urls.append(f"{server}/sosafe_missing_{uuid.uuid4().hex[:8]}")  # server up, database absent
    return urls


@pytest.fixture(params=[0, 1, 2], ids=["closed port", "sqlite file cannot open", "database absent"])
def app_without_database(request, tmp_path):
    urls = missing_databases(tmp_path)
    if request.param >= len(urls):
        pytest.skip("needs TEST_DATABASE_URL=postgresql://...")
    app = create_app(
        {
            "SOSAFE_ENV": "testing",
            "DATABASE_URL": urls[request.param],
            "SOSAFE_INSTANCE_PATH": str(tmp_path / "instance"),
            "MAIL_BACKEND": "memory",
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        }
    )
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: errors become error pages
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_healthz_answers_503_with_a_reason(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["database"] == "unreachable"
    assert body["reason"].startswith("the database cannot be reached")
    assert "postgres@" not in body["reason"] and "127.0.0.1" not in body["reason"]


def test_portal_pages_show_the_problem_page_not_a_crash(app_without_database):
    client = app_without_database.test_client()
    start = client.get("/")
    assert start.status_code == 503
    page = start.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "govuk-template__header" in page and "Try again later" in page
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)


def test_a_signed_in_person_gets_the_problem_page_too(app_without_database):
    client = app_without_database.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = "1"
        sess["_session_generation"] = 0
    response = client.get("/applications")
    assert response.status_code in (302, 503)
    staff = client.post("/admin/sign-in", data={"email": "officer@sosafe.example", "password": "x" * 20})
    assert staff.status_code == 503
    assert "Sorry, there is a problem with the service" in staff.get_data(as_text=True)


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}
