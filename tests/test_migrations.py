"""Alembic: upgrading an empty database gives exactly the models' schema (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from grants_app import create_app
from grants_app.extensions import db
from grants_app.models import Base
from grants_app.models.scale_indexes import DIALECT_ONLY
from tests.conftest import fresh_database_url


@pytest.fixture
def empty_database_url(tmp_path):
    with fresh_database_url(tmp_path) as url:
        yield url


def _schema_diff(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": False,
                    "include_object": lambda obj, name, type_, *_: name not in DIALECT_ONLY,
                },
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_the_models(empty_database_url, tmp_path):
    migrated = create_app(
        {"DATABASE_URL": empty_database_url, "SOSAFE_INSTANCE_PATH": str(tmp_path), "SOSAFE_ENV": "testing"}
    )
    with migrated.app_context():
        upgrade()
        url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    assert _schema_diff(url) == []
    engine = create_engine(url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    search_indexes = {name for name, dialect in DIALECT_ONLY.items() if dialect == engine.dialect.name}
    made = {
        ix["name"] for table in ("applications", "organisations") for ix in inspect(engine).get_indexes(table)
    }
    assert search_indexes and search_indexes <= made


def test_check_constraints_are_in_the_migrated_database(empty_database_url, tmp_path):
    """Alembic does not compare CHECK constraints, so look for the important ones by name."""
    migrated = create_app(
        {"DATABASE_URL": empty_database_url, "SOSAFE_INSTANCE_PATH": str(tmp_path), "SOSAFE_ENV": "testing"}
    )
    with migrated.app_context():
        upgrade()
        inspector = inspect(db.engine)
        checks = {c["name"] for c in inspector.get_check_constraints("funds")}
        checks |= {c["name"] for c in inspector.get_check_constraints("payments")}
        checks |= {c["name"] for c in inspector.get_check_constraints("application_priorities")}
        db.engine.dispose()
    assert {
        "ck_funds_max_within_budget",
        "ck_payments_two_people",
        "ck_application_priorities_percentage_range",
    } <= checks


def test_downgrade_to_empty_and_up_again(empty_database_url, tmp_path):
    migrated = create_app(
        {"DATABASE_URL": empty_database_url, "SOSAFE_INSTANCE_PATH": str(tmp_path), "SOSAFE_ENV": "testing"}
    )
    with migrated.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()
