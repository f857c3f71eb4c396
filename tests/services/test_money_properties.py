"""Property: whatever history of awards, payments, monitoring returns, recoveries, money received and
write-offs happens (refusals included), the books reconcile.

For each fund: committed = the sum of its awards, paid = the sum of its paid payments, remaining =
budget - committed. For each grant: underspend = paid - accepted spend; owed = raised - received -
written off, and once settled on its final return with no other recovery, owed = underspend - received
- written off; payments never pass the award; the schedule always adds up to the award. The test keeps
its own ledger of what succeeded and checks the services' figures against it after every step.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from grants_app.dates import london_today
from grants_app.models import Fund, Role
from grants_app.refusals import Refusal
from grants_app.services import fund_budget, payments, recoveries
from grants_app.workflow import fire

_seq = itertools.count()
OPS = (
    "pay",
    "request",
    "interim",
    "final",
    "receive",
    "write_off",
    "suspend",
    "reinstate",
    "misuse",
    "close",
)


@dataclass
class Ledger:
    """What the test itself knows happened to one grant."""

    award: int
    fund: int
    paid: int = 0
    spent: int = 0
    raised: int = 0
    misuse: int = 0
    received: int = 0
    written_off: int = 0
    settled: bool = False
    payments: list = field(default_factory=list)


def _fund(session, ref, n: int) -> Fund:
    fund = Fund(
        name=f"Property fund {n}-{next(_seq)}",
        slug=f"prop-{n}-{next(_seq)}",
        financial_year=ref.fund.financial_year,
        strategy_period=ref.fund.strategy_period,
        budget_pence=10_000_000,
        min_award_pence=1,
        max_award_pence=10_000_000,
        delegated_limit_pence=10_000_000,
        opens_on=ref.fund.opens_on,
        closes_on=ref.fund.closes_on,
        single_payment_below_pence=50_000,
    )
    fund.priorities = ref.priorities
    fund.budget_categories = ref.categories
    session.add(fund)
    return fund


def _grant(make, session, fund: Fund, award: int, officer):
    app = make.application(amount_pence=award)
    app.fund = fund
    fire(session, app, "submit", make.applicant_of(app))
    fire(session, app, "pass_screening", officer)
    fire(session, app, "approve_delegated", officer, amount_pence=award, reason="Property test")
    # A project of about ten months, so it has interim monitoring returns whenever the test runs.
    app.end_date = london_today() + timedelta(days=300)
    fire(session, app, "issue_offer", officer)
    make.accept(app)
    fire(session, app, "start_delivery", officer)
    return app


def _attempt(session, work, what: str = "") -> bool:
    """Run one step in a savepoint: True if it happened, False if it was refused (and undone)."""
    step = session.begin_nested()
    try:
        work()
    except Refusal:
        step.rollback()
        return False
    step.commit()
    if what:
        event(what)  # hypothesis statistics: which steps the generated histories reach
    return True


@pytest.mark.filterwarnings("ignore:Identity map already had")
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    awards=st.lists(
        st.tuples(st.integers(min_value=2, max_value=150_000), st.integers(min_value=0, max_value=1)),
        min_size=1,
        max_size=2,
    ),
    steps=st.lists(
        st.tuples(
            st.sampled_from(OPS),
            st.integers(min_value=0, max_value=2),
            st.integers(min_value=0, max_value=200_000),
        ),
        min_size=10,
        max_size=24,
    ),
)
def test_the_books_reconcile_after_any_history(make, session, ref, awards, steps):
    example = session.begin_nested()  # each example is undone, keeping the fixture's reference data
    try:
        _run_history(make, session, ref, awards, steps)
    finally:
        if example.is_active:
            example.rollback()
        else:
            session.rollback()


def _run_history(make, session, ref, awards, steps) -> None:
    funds = [_fund(session, ref, 0), _fund(session, ref, 1)]
    session.flush()
    officer = make.user(Role.OFFICER)
    finance = (make.user(Role.FINANCE), make.user(Role.FINANCE))
    grants = [_grant(make, session, funds[f], award, officer) for award, f in awards]
    ledger = {g.id: Ledger(award, f) for g, (award, f) in zip(grants, awards, strict=True)}
    today = london_today()

    for op, which, amount in steps:
        app = grants[which % len(grants)]
        session.expire_all()
        _step(session, make, app, ledger[app.id], op, amount, officer, finance, today)
        _check(session, funds, grants, ledger)


def _step(session, make, app, book: Ledger, op: str, amount: int, officer, finance, today) -> None:
    """Try one step of the history on one grant, recording in `book` what succeeded."""
    if op in {"pay", "request"}:
        due = next((s for s in payments.schedule_status(session, app) if s.can_request), None)
        if due is None:
            return
        amount_due = due.payable_pence

        def request(due=due):
            book.payments.append(payments.request_payment(session, finance[0], due.instalment))

        if not _attempt(session, request):
            return
        if op == "pay":
            payment = book.payments[-1]
            if _attempt(
                session, lambda p=payment: payments.authorise_payment(session, finance[1], p)
            ) and _attempt(
                session,
                lambda p=payment: payments.record_paid(
                    session, finance[0], p, paid_on=today, reference=f"BACS {p.id}"
                ),
                "paid",
            ):
                book.paid += amount_due
    elif op in {"interim", "final"}:
        returns = [r for r in app.monitoring_returns if r.is_final == (op == "final") and r.state == "due"]
        if not returns:
            return
        # Mostly within what was paid (an underspend to recover), sometimes up to the award.
        spend = amount % (book.award + 1) if amount % 3 == 0 else amount % (book.paid + 1)
        if _attempt(session, lambda r=returns[0], s=spend: make.file_return(app, r, s, officer), op):
            book.spent += spend
            if op == "final":
                book.settled = True
                book.raised += max(0, book.paid - book.spent - book.raised)
    elif op == "receive":
        open_recovery = next((r for r in app.recoveries if recoveries.owed_pence(r) > 0), None)
        if open_recovery is None:
            return
        owed = recoveries.owed_pence(open_recovery)
        got = 1 + amount % (owed + 5)  # sometimes more than owed: refused
        ok = _attempt(
            session,
            lambda r=open_recovery, g=got: recoveries.record_money_received(
                session, finance[0], r, amount_pence=g, received_on=today, reference="BACS IN"
            ),
            "received",
        )
        assert ok == (got <= owed)
        if ok:
            book.received += got
    elif op == "write_off":
        open_recovery = next((r for r in app.recoveries if recoveries.owed_pence(r) > 0), None)
        if open_recovery is None:
            return
        owed = recoveries.owed_pence(open_recovery)
        if _attempt(
            session,
            lambda r=open_recovery: recoveries.write_off(session, officer, r, reason="Gone"),
            "write off",
        ):
            book.written_off += owed
    elif op == "suspend":
        _attempt(session, lambda: fire(session, app, "suspend", officer, reason="Misuse suspected"))
    elif op == "reinstate":
        _attempt(session, lambda: fire(session, app, "reinstate", officer, reason="Cleared"))
    elif op == "misuse":
        ask = 1 + amount % max(1, book.paid)
        if _attempt(
            session,
            lambda a=ask: recoveries.raise_recovery(session, officer, app, amount_pence=a, reason="Misuse"),
            "misuse recovery",
        ):
            book.raised += ask
            book.misuse += ask
    elif op == "close":
        _attempt(session, lambda: recoveries.close_grant(session, officer, app), "closed")


def _check(session, funds, grants, ledger) -> None:
    session.expire_all()
    for app in grants:
        book = ledger[app.id]
        g = fund_budget.application_money(session, app.id)
        paid = sum(p.amount_pence for p in app.payments if p.state == "paid")
        spent = sum(
            line.amount_pence
            for r in app.monitoring_returns
            if r.state == "accepted"
            for line in r.spend_lines
        )
        assert (g.paid_pence, g.spent_pence) == (paid, spent) == (book.paid, book.spent)
        assert g.underspend_pence == g.paid_pence - g.spent_pence
        assert (g.raised_pence, g.received_pence, g.written_off_pence) == (
            book.raised,
            book.received,
            book.written_off,
        )
        assert g.owed_pence == g.raised_pence - g.received_pence - g.written_off_pence >= 0
        if book.settled and not book.misuse and g.underspend_pence > 0:
            assert g.owed_pence == g.underspend_pence - g.received_pence - g.written_off_pence
        assert g.paid_pence + g.pending_pence <= book.award
        assert sum(i.amount_pence for i in app.award.instalments) == book.award
        if app.state == "closed":
            assert g.owed_pence == 0 and g.pending_pence == 0
    for n, fund in enumerate(funds):
        position = fund_budget.fund_position(session, fund)
        mine = [app for app in grants if ledger[app.id].fund == n]

        # What each grant will have cost: paid plus what may still be paid (its award; once settled,
        # accepted spend up to the award; once closed, nothing), less money repaid.
        def cost(app) -> int:
            book = ledger[app.id]
            if app.state == "closed":
                entitled = book.paid
            elif book.settled:
                entitled = min(book.spent, book.award)
            else:
                entitled = book.award
            return book.paid + max(0, entitled - book.paid) - book.received

        assert position.committed_pence == sum(cost(a) for a in mine)
        assert position.committed_pence <= sum(ledger[a.id].award for a in mine)
        assert position.paid_pence == sum(
            p.amount_pence for a in mine for p in a.payments if p.state == "paid"
        )
        assert position.remaining_pence == fund.budget_pence - position.committed_pence
        assert position.recovered_pence == sum(ledger[a.id].received for a in mine)
        assert position.written_off_pence == sum(ledger[a.id].written_off for a in mine)
        assert position.underspend_pence == sum(
            max(0, ledger[a.id].paid - ledger[a.id].spent) for a in mine if ledger[a.id].settled
        )
    # The fund position page adds the same figures up in the database, in one query for every fund.
    in_database = {fund.id: position for fund, position in fund_budget.fund_positions(session)}
    for fund in funds:
        assert in_database[fund.id] == fund_budget.fund_position(session, fund)
