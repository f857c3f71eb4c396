"""Two people acting on one application at once: exactly one wins (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.models import Application, AuditEvent, User
from grants_app.workflow import ConflictError, fire

pytestmark = pytest.mark.postgres
THREADS = 20


def test_twenty_conflicting_decisions_one_winner(app, make, session):
    from grants_app.extensions import db

    application = make.submitted()
    officers = [make.officer() for _ in range(THREADS)]
    session.commit()
    app_id, officer_ids = application.id, [o.id for o in officers]
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    lock = threading.Lock()

    def act(n: int) -> None:
        with app.app_context(), Session(db.engine, expire_on_commit=False) as own:
            target = own.get(Application, app_id)  # everyone read version N before anyone acted
            officer = own.get(User, officer_ids[n])
            own.commit()
            barrier.wait(timeout=30)
            try:
                if n % 2:
                    fire(own, target, "pass_screening", officer)
                else:
                    fire(own, target, "fail_screening", officer, reason=f"officer {n} says no")
                own.commit()
                outcome = "won"
            except ConflictError:
                own.rollback()
                outcome = "conflict"
            except Exception as exc:  # noqa: BLE001 - reported in the assertion below
                own.rollback()
                outcome = f"error: {exc!r}"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=act, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["conflict"] * (THREADS - 1) + ["won"], results
    session.expire_all()
    events = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity_id == app_id,
            AuditEvent.entity_type == "application",
            AuditEvent.trigger != "submit",
        )
    ).scalar_one()
    assert events == 1
    assert session.get(Application, app_id).state in {"eligible", "ineligible"}
