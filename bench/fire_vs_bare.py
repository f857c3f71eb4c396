"""fire() for a simple transition against a bare UPDATE plus audit INSERT, same database, same run.

Both sides do one state change per transaction and commit it. The bare side is the least any correct
implementation must do (a version-checked UPDATE and an INSERT into the audit table); fire() adds the
row lock, the role, input and guard checks, the savepoint and the ORM. Batches of the two alternate so
that noise on this shared machine hits both alike; we report medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from grants_app import create_app
from grants_app.config import PROJECT_ROOT, normalise_database_url
from grants_app.extensions import db
from grants_app.models import Application, Base, Role
from grants_app.workflow import WorkflowEngine, fire

BARE_UPDATE = text(
    "UPDATE applications SET state = :to, version = version + 1, state_changed_at = CURRENT_TIMESTAMP "
    "WHERE id = :id AND version = :version AND state = :frm"
)
BARE_AUDIT = text(
    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, entity_type, entity_id, action, trigger, "
    "from_state, to_state, reason, data) VALUES (CURRENT_TIMESTAMP, :actor, :label, 'application', :id, "
    "'transition', 'pass_screening', :frm, :to, '', '{}')"
)


def _prepare(session: Session, count: int, upload: Path):
    from tests.factories import Factory, make_reference

    ref = make_reference(session, budget_pence=10**9)
    ref.fund.max_award_pence = 10**8
    make = Factory(session, ref, upload)
    officer = make.user(Role.OFFICER)
    applicant = make.user(Role.APPLICANT)
    org = make.organisation(applicant)
    ids = []
    for _ in range(count):
        app = make.application(applicant=applicant, organisation=org)
        fire(session, app, "submit", applicant)
        ids.append(app.id)
    session.commit()
    return officer.id, ids


def _bare_batch(engine, ids: list[int], officer_id: int) -> float:
    # One transaction per change, each on a connection from the pool, as a request would have it.
    started = time.perf_counter()
    for app_id in ids:
        with engine.begin() as conn:
            version = conn.execute(
                text("SELECT version FROM applications WHERE id = :id"), {"id": app_id}
            ).scalar_one()
            updated = conn.execute(
                BARE_UPDATE, {"to": "eligible", "id": app_id, "version": version, "frm": "submitted"}
            ).rowcount
            assert updated == 1
            conn.execute(
                BARE_AUDIT,
                {"actor": officer_id, "label": "bench", "id": app_id, "frm": "submitted", "to": "eligible"},
            )
    return (time.perf_counter() - started) / len(ids)


def _fire_batch(session: Session, ids: list[int], officer_id: int) -> float:
    from grants_app.models import User

    officer = session.get(User, officer_id)
    apps = session.execute(select(Application).where(Application.id.in_(ids))).scalars().all()
    session.commit()
    started = time.perf_counter()
    for app in apps:
        fire(session, app, "pass_screening", officer)
        session.commit()
    return (time.perf_counter() - started) / len(ids)


@contextmanager
def throwaway_database(url: str):
    """A fresh database for the run: a temporary SQLite file, or a new database on the PostgreSQL server."""
    if not url.startswith("postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    base = make_url(url)
    name = f"sosafe_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(database_url: str, total: int, batch: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(database_url) as database_url:
        app = create_app(
            {
                "SOSAFE_ENV": "testing",
                "DATABASE_URL": database_url,
                "SOSAFE_INSTANCE_PATH": tmp,
                "MAIL_BACKEND": "memory",
            }
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            session = Session(db.engine, expire_on_commit=False)
            officer_id, ids = _prepare(session, 2 * total, Path(tmp) / "uploads")
            bare_ids, fire_ids = ids[:total], ids[total:]
            bare, fired = [], []
            for start in range(0, total, batch):
                bare.append(_bare_batch(db.engine, bare_ids[start : start + batch], officer_id))
                fired.append(_fire_batch(session, fire_ids[start : start + batch], officer_id))
            session.close()
            dialect = db.engine.dialect.name
            db.engine.dispose()
    startup = []
    for _ in range(5):
        started = time.perf_counter()
        WorkflowEngine.load(PROJECT_ROOT / "workflows")
        startup.append(time.perf_counter() - started)
    bare_ms, fire_ms = statistics.median(bare) * 1000, statistics.median(fired) * 1000
    return {
        "database": dialect,
        "transitions_each": total,
        "bare_update_plus_audit_ms": round(bare_ms, 3),
        "fire_ms": round(fire_ms, 3),
        "ratio": round(fire_ms / bare_ms, 2),
        "engine_startup_ms": round(statistics.median(startup) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        action="append",
        help="repeatable; a new database is made on that server (SQLite: a temporary file). "
        "Default: SQLite and postgresql://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--n", type=int, default=200, help="transitions per side")
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    urls = args.database_url or [
        "sqlite://",
        "postgresql://postgres@127.0.0.1:5432/test",
    ]
    for url in urls:
        try:
            result = run(normalise_database_url(url), args.n, args.batch)
        except Exception as exc:  # noqa: BLE001 - report and carry on with the other database
            print(json.dumps({"database_url": url, "error": str(exc)[:300]}))
            continue
        verdict = "ok" if result["ratio"] <= 2 else "OVER TARGET (2x)"
        print(json.dumps(result), verdict)


if __name__ == "__main__":
    main()
