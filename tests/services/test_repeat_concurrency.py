"""The same action twice at once on PostgreSQL (row locks): one is made, and the other, which waited for
the lock, is told it is already done, by whom and when; not "changed by someone else"."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from grants_app.dates import london_today
from grants_app.models import Instalment, MonitoringReturn, Payment, User
from grants_app.services import payments, return_review
from tests.conftest import transitions_made
from tests.return_helpers import grant, sent
from tests.services.test_money_concurrency import _at_once
from tests.services.test_payments import delivering

pytestmark = pytest.mark.postgres


def _one_made_one_told(results: list[str], already: str) -> None:
    assert sorted(results, key=lambda r: r != "ok")[0] == "ok" and len(results) == 2, results
    told = next(r for r in results if r != "ok")
    assert told.startswith(f"refused: {already}") and "someone else" not in told, told


def test_a_payment_authorised_twice_at_once_is_authorised_once(make, session):
    app, _officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    session.commit()
    payment_id, authoriser_id, version = payment.id, authoriser.id, payment.version
    what = f"Payment {app.reference} {payment.description.lower()} (£1,000.00)"

    def authorise(s, _n):
        payments.authorise_payment(
            s, s.get(User, authoriser_id), s.get(Payment, payment_id), expected_version=version
        )

    results = _at_once(2, authorise)
    _one_made_one_told(results, f"{what} is already authorised (by {authoriser.full_name}, ")
    assert session.execute(transitions_made("payment", payment_id, "authorise")).scalar_one() == 1


def test_record_as_paid_twice_at_once_tells_the_second_it_is_paid(make, session):
    app, _officer = delivering(make)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    payments.authorise_payment(session, authoriser, payment)
    session.commit()
    payment_id, requester_id, version = payment.id, requester.id, payment.version

    def pay(s, n):
        payments.record_paid(
            s,
            s.get(User, requester_id),
            s.get(Payment, payment_id),
            paid_on=london_today(),
            reference=f"BACS {n}",
            expected_version=version,
        )

    results = _at_once(2, pay)
    _one_made_one_told(results, f"Payment {app.reference} instalment 1 of 2 (£1,000.00) is already paid (by ")
    assert session.execute(transitions_made("payment", payment_id, "pay")).scalar_one() == 1


def test_an_instalment_requested_twice_at_once_says_who_requested_it(make, session):
    app, _officer = delivering(make)
    finance = make.finance()
    instalment_id, finance_id = app.award.instalments[0].id, finance.id
    session.commit()

    def request(s, _n):
        payments.request_payment(s, s.get(User, finance_id), s.get(Instalment, instalment_id))

    results = _at_once(2, request)
    _one_made_one_told(
        results,
        f"Instalment 1 of {app.reference} already has a payment of £1,000.00, requested by "
        f"{finance.full_name} on ",
    )
    assert session.execute(select(func.count()).select_from(Payment)).scalar_one() == 1


def test_a_return_accepted_twice_at_once_is_accepted_once(make, session):
    g = sent(session, grant(make))
    session.commit()
    return_id, officer_id, version, label = g.ret.id, g.officer.id, g.ret.version, str(g.ret)

    def accept(s, _n):
        return_review.accept_return(
            s, s.get(User, officer_id), s.get(MonitoringReturn, return_id), expected_version=version
        )

    results = _at_once(2, accept)
    _one_made_one_told(results, f"Monitoring return {label} is already accepted (by {g.officer.full_name}, ")
    assert session.execute(transitions_made("monitoring_return", return_id, "accept")).scalar_one() == 1
