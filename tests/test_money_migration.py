"""Migration 0004_money: the money tables' CHECK constraints are in the migrated database (Alembic's
comparison does not look at CHECK constraints), and the migration goes down to 0002 and up again."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from grants_app import create_app
from grants_app.extensions import db
from tests.conftest import fresh_database_url


@pytest.fixture
def migrated(tmp_path):
    with fresh_database_url(tmp_path) as url:
        app = create_app(
            {"DATABASE_URL": url, "SOSAFE_INSTANCE_PATH": str(tmp_path), "SOSAFE_ENV": "testing"}
        )
        with app.app_context():
            upgrade()
            yield app
            db.engine.dispose()


def _checks(table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_check_constraints(table)}


def test_money_constraints_are_in_the_migrated_database(migrated):
    assert {
        "ck_instalments_amount_positive",
        "ck_instalments_dated_needs_date",
        "ck_instalments_instalment_trigger",
    } <= _checks("instalments")
    assert {"ck_recoveries_amount_positive", "ck_recoveries_written_off_range"} <= _checks("recoveries")
    assert "ck_funds_single_payment_below_not_negative" in _checks("funds")
    assert "ck_awards_repayment_not_negative" not in _checks("awards")
    columns = {c["name"] for c in inspect(db.engine).get_columns("awards")}
    assert "accepted_by_role" in columns and "repayment_demanded_pence" not in columns


def test_down_to_0002_and_up_again(migrated):
    downgrade(revision="0002")
    tables = set(inspect(db.engine).get_table_names())
    assert "instalments" not in tables and "recoveries" not in tables
    assert "repayment_demanded_pence" in {c["name"] for c in inspect(db.engine).get_columns("awards")}
    upgrade()
    assert {"instalments", "recoveries"} <= set(inspect(db.engine).get_table_names())
