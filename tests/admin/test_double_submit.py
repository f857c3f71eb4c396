"""The same staff POST sent twice (a retry on a slow network, a form sent again, two at once): the first
saves, the second gets the thing's page saying it is already done, by whom and when; never the busy
page (503) and never "changed by someone else". Exactly one payment, one authorisation, one payment
recorded, one return accepted.

The simultaneous ones run on whichever database the suite uses: on SQLite a writing request takes the
write lock when it begins, so the second waits for the first instead of failing; on PostgreSQL fire()
and lock_application hold row locks.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from grants_app.dates import format_date, london_today
from grants_app.models import Payment, Repayment, User
from grants_app.services import payments
from tests.admin.conftest import sign_in
from tests.conftest import transitions_made
from tests.return_helpers import grant, sent
from tests.services.test_payments import delivering

ACTIONS = ["authorise", "pay", "request", "accept", "received"]


@dataclass
class Action:
    """One staff action as its form sends it, who sends it, and where it leads."""

    user: User
    url: str
    form: dict[str, str]
    done: str  # the success flash starts with this
    already: str  # the repeat's flash starts with this
    page: str  # the redirect goes here
    count: object  # a statement counting what the action made (must be 1 afterwards)


def _action(name: str, make, session) -> Action:
    if name == "received":
        app, officer = delivering(make, amount_pence=100_000)
        make.pay(app)
        make.final_return(app, 40_000, officer)  # £100.00 to be repaid
        recovery = app.recoveries[0]
        finance = make.finance()
        session.commit()
        return Action(
            finance,
            f"/admin/payment/recovery/{recovery.id}/received",
            {
                "amount": "10",
                "received_on": london_today().isoformat(),
                "reference": "DUP-1",
                "receipts_seen": "0",
            },
            f"£10.00 received (reference DUP-1) recorded against the recovery on {app.reference}",
            f"£10.00 received on {format_date(london_today())} (reference DUP-1) was recorded by {finance.full_name} at ",
            f"/admin/application/details/?id={app.id}",
            select(func.count()).select_from(Repayment).where(Repayment.recovery_id == recovery.id),
        )
    if name == "request":
        app, _officer = delivering(make, amount_pence=100_000)
        finance = make.finance()
        instalment = app.award.instalments[0]
        session.commit()
        return Action(
            finance,
            f"/admin/payment/request/{instalment.id}",
            {},
            "Payment of £500.00 requested",
            f"Instalment 1 of {app.reference} already has a payment of £500.00, requested by "
            f"{finance.full_name} on ",
            f"/admin/application/details/?id={app.id}",
            select(func.count()).select_from(Payment).where(Payment.instalment_id == instalment.id),
        )
    if name == "accept":
        g = sent(session, grant(make))
        session.commit()
        ret = g.ret
        return Action(
            g.officer,
            f"/admin/returns/{ret.id}/accept",
            {"expected_version": str(ret.version)},
            "Return accepted",
            f"Monitoring return {ret} is already accepted (by {g.officer.full_name}, ",
            f"/admin/returns/details/?id={ret.id}",
            transitions_made("monitoring_return", ret.id, "accept"),
        )
    app, _officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    if name == "pay":
        payments.authorise_payment(session, authoriser, payment)
    session.commit()
    what = f"Payment {app.reference} instalment 1 of 2 (£500.00)"
    if name == "authorise":
        return Action(
            authoriser,
            f"/admin/payment/{payment.id}/authorise",
            {"expected_version": str(payment.version)},
            "Payment of £500.00 authorised",
            f"{what} is already authorised (by {authoriser.full_name}, ",
            f"/admin/application/details/?id={app.id}",
            transitions_made("payment", payment.id, "authorise"),
        )
    return Action(
        requester,
        f"/admin/payment/{payment.id}/pay",
        {
            "expected_version": str(payment.version),
            "paid_on": london_today().isoformat(),
            "payment_reference": "BACS 445566",
        },
        "Payment of £500.00 recorded as paid",
        f"{what} is already paid (by {requester.full_name}, ",
        f"/admin/application/details/?id={app.id}",
        transitions_made("payment", payment.id, "pay"),
    )


def _signed_in(app, user: User) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _flashes(client: FlaskClient) -> list[tuple[str, str]]:
    with client.session_transaction() as sess:
        return list(sess.get("_flashes", []))


def _check(action: Action, responses: list, flashed: list[list[tuple[str, str]]], session) -> None:
    assert [r.status_code for r in responses] == [302, 302], [
        r.get_data(as_text=True)[:300] for r in responses
    ]
    assert all(r.headers["Location"].split("#")[0].endswith(action.page) for r in responses)
    messages = sorted((m for each in flashed for m in each), key=lambda cm: cm[0] != "success")
    assert len(messages) == 2, messages
    (first_category, first), (second_category, second) = messages
    assert first_category == "success" and first.startswith(action.done), messages
    # The repeat is news, not an error: what is done, by whom and when, and that nothing changed.
    assert second_category == "info" and second.startswith(action.already), messages
    assert f"{london_today().day} " in second and "nothing was" in second, second
    assert "someone else" not in second
    session.expire_all()
    assert session.execute(action.count).scalar_one() == 1


@pytest.mark.parametrize("name", ACTIONS)
def test_a_post_sent_again_after_it_was_saved_says_it_is_already_done(name, app, make, session):
    action = _action(name, make, session)
    client = _signed_in(app, action.user)
    responses, flashed = [], []
    for _ in range(2):
        responses.append(client.post(action.url, data=action.form))
        flashed.append(_flashes(client))
        with client.session_transaction() as sess:
            sess.pop("_flashes", None)  # as the page the redirect leads to would have shown them
    _check(action, responses, flashed, session)


@pytest.mark.parametrize("name", ACTIONS)
def test_the_same_post_twice_at_once_saves_once_and_neither_gets_the_busy_page(name, app, make, session):
    action = _action(name, make, session)
    clients = [_signed_in(app, action.user), _signed_in(app, action.user)]
    session.commit()  # the test holds no transaction while the two requests race
    barrier = threading.Barrier(2)
    results: dict[int, object] = {}

    def post(n: int) -> None:
        barrier.wait(timeout=30)
        results[n] = clients[n].post(action.url, data=action.form)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    responses = [results[0], results[1]]
    _check(action, responses, [_flashes(c) for c in clients], session)
