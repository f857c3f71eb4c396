"""Simultaneous clicks on PostgreSQL (row locks): the same instalment requested by two finance users at
once makes one payment; "record as paid" sent twice at once records once; money received recorded
twice at once against a recovery never passes what is owed."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import Instalment, Payment, Recovery, Repayment, User
from grants_app.refusals import Refusal
from grants_app.services import payments, recoveries
from tests.services.test_payments import delivering

pytestmark = pytest.mark.postgres


def _at_once(count: int, work) -> list[str]:
    """Run work(session, n) in `count` threads that start together; 'ok' or the refusal, each."""
    barrier = threading.Barrier(count)
    results: list[str] = []
    engine = db.engine  # the threads have no app context of their own

    def run(n: int) -> None:
        with Session(engine) as s:
            barrier.wait(timeout=30)
            try:
                work(s, n)
                s.commit()
                results.append("ok")
            except Refusal as refusal:
                s.rollback()
                results.append(f"refused: {refusal}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_one_instalment_requested_by_two_finance_users_at_once_is_one_payment(make, session):
    app, _officer = delivering(make)
    finance = [make.finance(), make.finance()]
    instalment_id = app.award.instalments[0].id
    finance_ids = [f.id for f in finance]
    session.commit()

    def request(s, n):
        payments.request_payment(s, s.get(User, finance_ids[n]), s.get(Instalment, instalment_id))

    results = _at_once(2, request)
    assert results.count("ok") == 1 and len(results) == 2, results
    assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == 1


def test_money_received_at_once_never_passes_what_is_owed(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 40_000, officer)  # £100 owed
    finance = make.finance()
    session.commit()
    recovery_id, finance_id = app.recoveries[0].id, finance.id

    def receive(s, n):
        recoveries.record_money_received(
            s,
            s.get(User, finance_id),
            s.get(Recovery, recovery_id),
            amount_pence=6_000,
            received_on=london_today(),
            reference=f"BACS IN {n}",
        )

    results = _at_once(3, receive)
    assert results.count("ok") == 1 and len(results) == 3, results
    received = session.execute(
        select(func.sum(Repayment.amount_pence)).where(Repayment.recovery_id == recovery_id)
    ).scalar_one()
    assert received == 6_000
