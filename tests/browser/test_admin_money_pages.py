"""The money pages of the admin pass axe-core (no serious or critical violations): an application's
money section with payments and a recovery, the offer preparation page, the Payments list, the fund
position and its drill-down, for finance and for the officer."""

from __future__ import annotations

import pytest

from grants_app.services import payments
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_admin_meeting_flow import sign_in
from tests.services.test_payments import delivering

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}


def test_money_pages_for_finance_and_the_officer(page, axe, make, session):
    settled, officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    make.pay(settled, 1, (requester, authoriser))
    make.final_return(settled, 40_000, officer)
    running, _officer = delivering(make, amount_pence=80_000)
    payments.request_payment(session, requester, running.award.instalments[0])
    approved, _meeting, _officer2 = make.approved(amount_pence=60_000)
    session.commit()
    ids = (settled.id, running.id, approved.id, settled.fund_id)
    emails = (authoriser.email, officer.email)
    session.commit()
    visited: list[str] = []
    problems = {}

    def check(path: str) -> None:
        page.goto(path)
        violations = axe_violations(axe, page, impacts=SERIOUS)
        if violations:
            problems[path] = describe(violations)

    settled_id, running_id, approved_id, fund_id = ids
    sign_in(page, axe, visited, emails[0])
    for path in (
        f"/admin/application/details/?id={running_id}",
        f"/admin/application/details/?id={settled_id}",
        "/admin/payment/",
        "/admin/payment/?flt1_state_equals=requested",
        "/admin/fund_position/",
        f"/admin/fund_position/{fund_id}/underspend",
    ):
        check(path)
    page.goto(f"/admin/application/details/?id={running_id}")
    assert "Authorise payment of £800.00" in page.content()
    page.goto("/admin/")
    page.click("button:has-text('Sign out')")
    sign_in(page, axe, visited, emails[1])
    for path in (f"/admin/offer/{approved_id}/", f"/admin/application/details/?id={settled_id}"):
        check(path)
    assert not problems, "\n\n".join(f"{u}:\n{t}" for u, t in problems.items())
