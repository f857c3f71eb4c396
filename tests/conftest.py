"""Shared fixtures: one app per run, a clean database per test, factories for the domain.

TEST_DATABASE_URL chooses the database: unset means a SQLite file; a postgresql:// URL means a fresh
database created on that server for this run and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import Select, create_engine, event, func, select, text
from sqlalchemy.engine import make_url

from grants_app import create_app
from grants_app.config import normalise_database_url
from grants_app.extensions import db as _db
from grants_app.models import AuditEvent, Base
from tests import factories

IN_CI = os.environ.get("CI") == "true"


def _postgres_database(base_url: str) -> tuple[str, callable]:
    """Create a throwaway database next to the one named in base_url; return its URL and a dropper."""
    url = make_url(normalise_database_url(base_url))
    name = f"sosafe_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        admin.dispose()
        pytest.exit(f"PostgreSQL at {url.render_as_string(hide_password=True)} is not usable: {exc}", 2)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@contextmanager
def fresh_database_url(sqlite_folder: Path) -> Iterator[str]:
    """An empty database: on the PostgreSQL server named by TEST_DATABASE_URL, else a SQLite file."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith(("postgres://", "postgresql")):
        url, drop = _postgres_database(base)
        try:
            yield url
        finally:
            drop()
    else:
        yield f"sqlite:///{sqlite_folder / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    with fresh_database_url(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


class IsolatedClient(FlaskClient):
    """Each request in its own application context, as in production.

    Flask reuses an app context that is already pushed (the tests' own), and Flask-Login caches the
    signed-in user in `g`, which lives in that context: without this, a request would see the user
    of the previous request whatever cookie it sent, and a replayed or forged session would pass.
    """

    def open(self, *args, **kwargs):
        # The test's own work is committed first, so the request sees it (a separate connection) and
        # no transaction of the test's is left open across the request's writes (SQLite would refuse
        # the test's next write). Afterwards the test's objects are reloaded on next use, as the
        # request may have changed them.
        outer = _db.session if has_app_context() else None
        if outer is not None:
            outer.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer is not None:
            outer.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "SOSAFE_ENV": "testing",
            "DATABASE_URL": database_url,
            "SOSAFE_INSTANCE_PATH": str(instance),
            "UPLOAD_FOLDER": str(instance / "uploads"),
            "MAIL_BACKEND": "memory",
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        }
    )
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client_class = IsolatedClient
    with app.app_context():
        Base.metadata.create_all(_db.engine)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _wipe(session) -> None:
    session.rollback()
    tables = list(reversed(Base.metadata.sorted_tables))
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            session.execute(table.delete())
    session.commit()


@pytest.fixture(autouse=True)
def no_rate_limits(app):
    """Rate limits are off unless a test switches them on (limiter.enabled) to prove they work."""
    from grants_app.extensions import limiter

    was = limiter.enabled
    limiter.enabled = False
    yield limiter
    limiter.enabled = was
    limiter.reset()


@pytest.fixture
def session(app):
    """The app's scoped session inside an app context; every table is emptied after the test."""
    with app.app_context():
        yield _db.session
        _wipe(_db.session)
        _db.session.remove()
    app.extensions["mailer"].sent.clear()


@pytest.fixture
def client(app, session):
    return app.test_client()


@pytest.fixture
def mailer(app):
    return app.extensions["mailer"]


@pytest.fixture
def upload_folder(app) -> Path:
    return app.config["SOSAFE"].upload_folder


@pytest.fixture
def ref(session):
    """The partnership's reference data and an open fund."""
    return factories.make_reference(session)


@pytest.fixture
def make(session, ref, upload_folder):
    return factories.Factory(session, ref, upload_folder)


def pytest_collection_modifyitems(config, items):
    base = os.environ.get("TEST_DATABASE_URL", "")
    on_postgres = base.startswith(("postgres://", "postgresql"))
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            if IN_CI:
                # CI runs the suite twice; the SQLite pass skips these, the PostgreSQL pass runs them.
                item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass"))
            else:
                item.add_marker(pytest.mark.skip(reason="needs TEST_DATABASE_URL=postgresql://..."))


@contextmanager
def count_queries(app) -> Iterator[list[str]]:
    """Collect every SQL statement the app's engine runs inside the block (for query-count tests)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    with app.app_context():
        engine = _db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def transitions_made(entity_type: str, entity_id: int, trigger: str) -> Select:
    """SELECT the number of times `trigger` was fired on one object (its audit events): a double submit
    must make a transition once."""
    return (
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity_type == entity_type,
            AuditEvent.entity_id == entity_id,
            AuditEvent.trigger == trigger,
        )
    )
