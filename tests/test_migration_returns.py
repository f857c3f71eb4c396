"""Migration 0005 on a database that already holds grants: down to 0002 and up again keeps every row
(SQLite rebuilds tables other rows refer to, so foreign keys are switched off for the migration)."""

from __future__ import annotations

from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from grants_app import create_app
from grants_app.extensions import db
from grants_app.models import Application, Fund, MonitoringReturn, SpendLine
from grants_app.seed.demo import seed_demo
from tests.test_migrations import empty_database_url  # noqa: F401 - the fixture


def test_down_and_up_again_with_data(empty_database_url, tmp_path):  # noqa: F811
    migrated = create_app(
        {"DATABASE_URL": empty_database_url, "SOSAFE_INSTANCE_PATH": str(tmp_path), "SOSAFE_ENV": "testing"}
    )
    with migrated.app_context():
        upgrade()
        seed_demo(db.session, tmp_path / "uploads", date(2026, 11, 30))
        db.session.commit()

        def counts():
            return [
                db.session.execute(select(func.count()).select_from(model)).scalar_one()
                for model in (Application, MonitoringReturn, SpendLine)
            ]

        before = counts()
        # Going below 0007 would lose how the written-procedure awards were decided, so that migration
        # refuses while any exist; this test is about the monitoring-return tables, so relabel them.
        db.session.execute(
            text("UPDATE awards SET decision_route = 'delegated' WHERE decision_route = 'written_procedure'")
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="0002")
        assert "reminders_sent" not in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM spend_lines")).scalar_one() == before[2]
        upgrade()
        assert counts() == before
        assert set(db.session.execute(select(Fund.return_due_days)).scalars()) == {30}
        db.session.remove()
        db.engine.dispose()
