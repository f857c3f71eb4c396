"""Two Submit requests at the same moment (a double click, or two tabs): one submission, no error page.

PostgreSQL only: SQLite (development) has no row locks, and two truly simultaneous writers can time out
there; production runs on PostgreSQL, where fire() locks the row.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from grants_app.models import AuditEvent
from tests.web.conftest import sign_in


@pytest.mark.postgres
def test_simultaneous_submits_submit_once(app, make, session, mailer):
    application = make.application()
    user = make.applicant_of(application)
    reference, app_id = application.reference, application.id
    session.commit()
    clients = [app.test_client(), app.test_client()]
    for client in clients:
        # Requests reuse the test's app context (and Flask-Login's user on `g`): give each its own.
        with app.app_context():
            sign_in(client, mailer, user.email)
    session.commit()  # release the test's read so the two requests contend only with each other
    barrier = threading.Barrier(2)
    results: list[int] = []

    def post(client) -> None:
        barrier.wait()
        results.append(client.post(f"/applications/{reference}/submit").status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [302, 302], results
    submits = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.entity_id == app_id, AuditEvent.trigger == "submit")
    ).scalar_one()
    assert submits == 1
