"""fire() against a bare UPDATE plus audit INSERT, on the same database in the same run.

Both sides make one state change per transaction, on a pooled connection, and commit it. The bare side
is the least any correct implementation must do (read the version, a version-checked UPDATE, an INSERT
into the audit table); fire() adds the row lock, the role, input and guard checks, the ORM, and for
transitions with effects a savepoint. fire() loads its object by id inside the timed part, as a request
does. Batches of the two alternate (and which goes first alternates) so noise on this shared machine hits
both alike; the first pair is a warm-up and thrown away; we report medians, their ratio (target: at most
2x) with the lowest and highest ratio of a batch pair as the spread, and the engine's start-up time.
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
from grants_app.models import Application, Base, Payment, Role, User
from grants_app.rules import RULES
from grants_app.workflow import WorkflowEngine, fire, start

# name: (table, trigger, from, to, inputs). A simple transition with no effects (a payment cancelled,
# one required input), and a typical one whose effect runs in a savepoint (an application screened).
CASES = {
    "payment": ("payments", "cancel", "requested", "cancelled", {"reason": "Duplicate request"}),
    "application": ("applications", "pass_screening", "submitted", "eligible", {}),
}
MODELS = {"payment": Payment, "application": Application}
AUDIT = text(
    "INSERT INTO audit_events (occurred_at, actor_id, actor_label, entity_type, entity_id, action, trigger, "
    "from_state, to_state, reason, data) VALUES (CURRENT_TIMESTAMP, :actor, :label, :entity, :id, "
    "'transition', :trigger, :frm, :to, :reason, '{}')"
)


def _prepare(session: Session, count: int, upload: Path) -> tuple[dict[str, int], dict[str, list[int]]]:
    from tests.factories import Factory, make_reference

    ref = make_reference(session, budget_pence=10**9)
    ref.fund.max_award_pence = 10**8
    make = Factory(session, ref, upload)
    officer = make.user(Role.OFFICER)
    applicant = make.user(Role.APPLICANT)
    org = make.organisation(applicant)
    application_ids = []
    for _ in range(count):
        app = make.application(applicant=applicant, organisation=org)
        fire(session, app, "submit", applicant)
        application_ids.append(app.id)
    grant, _officer = make.in_delivery(amount_pence=10**7)
    finance = make.user(Role.FINANCE)
    # Requested payments to cancel, made directly: a real request takes a whole instalment, once.
    payments = [
        Payment(amount_pence=1_000, requested_by_id=finance.id, description="bench") for _ in range(count)
    ]
    for payment in payments:
        start(payment)
        grant.payments.append(payment)
    session.flush()
    payment_ids = [p.id for p in payments]
    session.commit()
    return (
        {"application": officer.id, "payment": finance.id},
        {"application": application_ids, "payment": payment_ids},
    )


def _bare_batch(engine, case: str, ids: list[int], actor_id: int) -> float:
    table, trigger, frm, to, inputs = CASES[case]
    select_version = text(f"SELECT version FROM {table} WHERE id = :id")  # noqa: S608 - table from CASES
    update = text(
        f"UPDATE {table} SET state = :to, version = version + 1, state_changed_at = CURRENT_TIMESTAMP "  # noqa: S608
        "WHERE id = :id AND version = :version AND state = :frm"
    )
    started = time.perf_counter()
    for obj_id in ids:
        with engine.begin() as conn:
            version = conn.execute(select_version, {"id": obj_id}).scalar_one()
            updated = conn.execute(update, {"to": to, "id": obj_id, "version": version, "frm": frm}).rowcount
            assert updated == 1
            conn.execute(
                AUDIT,
                {
                    "actor": actor_id,
                    "label": "bench",
                    "entity": case,
                    "id": obj_id,
                    "trigger": trigger,
                    "frm": frm,
                    "to": to,
                    "reason": inputs.get("reason", ""),
                },
            )
    return (time.perf_counter() - started) / len(ids)


def _fire_batch(session: Session, case: str, ids: list[int], actor_id: int) -> float:
    _table, trigger, _frm, to, inputs = CASES[case]
    model = MODELS[case]
    session.expunge_all()
    actor = session.get(User, actor_id)
    started = time.perf_counter()
    for obj_id in ids:
        # As a request does: load the object by its id, fire, commit.
        obj = session.get(model, obj_id)
        fire(session, obj, trigger, actor, **inputs)
        session.commit()
    elapsed = (time.perf_counter() - started) / len(ids)
    assert all(
        state == to for state in session.execute(select(model.state).where(model.id.in_(ids))).scalars()
    )
    return elapsed


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


def run(database_url: str, total: int, batch: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(database_url) as url:
        app = create_app(
            {
                "SOSAFE_ENV": "testing",
                "DATABASE_URL": url,
                "SOSAFE_INSTANCE_PATH": tmp,
                "MAIL_BACKEND": "memory",
            }
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            session = Session(db.engine, expire_on_commit=False)
            actors, ids = _prepare(session, 2 * total, Path(tmp) / "uploads")
            for case in CASES:
                bare_ids, fire_ids = ids[case][:total], ids[case][total:]
                bare, fired = [], []
                for number, start in enumerate(range(0, total, batch)):
                    chunk = slice(start, start + batch)
                    sides = [
                        (bare, _bare_batch, db.engine, bare_ids[chunk]),
                        (fired, _fire_batch, session, fire_ids[chunk]),
                    ]
                    # Alternate which side goes first, so a slow moment does not always hit the same one.
                    for times, measure, target, chunk_ids in sides if number % 2 == 0 else sides[::-1]:
                        times.append(measure(target, case, chunk_ids, actors[case]))
                # The first pair warms caches and pools: thrown away.
                bare, fired = bare[1:], fired[1:]
                ratios = sorted(f / b for b, f in zip(bare, fired, strict=True))
                bare_ms, fire_ms = statistics.median(bare) * 1000, statistics.median(fired) * 1000
                results.append(
                    {
                        "database": db.engine.dialect.name,
                        "transition": f"{case}.{CASES[case][1]}",
                        "n": total - batch,
                        "bare_update_plus_audit_ms": round(bare_ms, 3),
                        "fire_ms": round(fire_ms, 3),
                        "ratio": round(fire_ms / bare_ms, 2),
                        "ratio_of_batches_min_max": [round(ratios[0], 2), round(ratios[-1], 2)],
                    }
                )
            session.close()
            db.engine.dispose()
    return results


def engine_startup_ms() -> float:
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        WorkflowEngine.load(PROJECT_ROOT / "workflows", RULES)
        timings.append(time.perf_counter() - started)
    return round(statistics.median(timings) * 1000, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--database-url",
        action="append",
        help="repeatable; the run makes a new database on that server (SQLite: a temporary file). "
        "Default: SQLite and postgresql://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--n", type=int, default=200, help="transitions per side and case")
    parser.add_argument("--batch", type=int, default=20)
    args = parser.parse_args()
    urls = args.database_url or ["sqlite://", "postgresql://postgres@127.0.0.1:5432/test"]
    for url in urls:
        try:
            results = run(normalise_database_url(url), args.n, args.batch)
        except Exception as exc:  # noqa: BLE001 - report and carry on with the other database
            print(json.dumps({"database_url": url, "error": str(exc)[:300]}))
            continue
        for result in results:
            print(json.dumps(result), "ok" if result["ratio"] <= 2 else "over the 2x target")
    definitions = len(list((PROJECT_ROOT / "workflows").glob("*.yaml")))
    print(json.dumps({"engine_startup_ms": engine_startup_ms(), "definitions": definitions}))


if __name__ == "__main__":
    main()
