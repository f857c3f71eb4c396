"""A group sends a monitoring return with a receipt in headless Chromium, keyboard only, CSRF on, with
axe-core on every portal page (zero WCAG 2.0/2.1/2.2 A and AA violations); the officer queries it on the
review page, the group answers and sends it again, and the officer accepts it (admin pages: no serious or
critical violations)."""

from __future__ import annotations

import re

import pytest

from grants_app.dates import london_today
from grants_app.extensions import limiter
from grants_app.models import MonitoringReturn
from grants_app.services.documents import minimal_pdf
from tests.browser.test_admin_meeting_flow import check as admin_check
from tests.browser.test_admin_meeting_flow import sign_in as admin_sign_in
from tests.browser.test_portal_journey import Keyboard
from tests.return_helpers import grant

pytestmark = pytest.mark.browser


@pytest.fixture
def csrf_on_no_limits(app):
    was_csrf, was_limit = app.config.get("WTF_CSRF_ENABLED", True), limiter.enabled
    app.config["WTF_CSRF_ENABLED"] = True
    limiter.enabled = False
    yield
    app.config["WTF_CSRF_ENABLED"] = was_csrf
    limiter.enabled = was_limit
    limiter.reset()


def _portal_sign_in(kb: Keyboard, page, mailer, email: str) -> None:
    page.goto("/sign-in")
    kb.check("sign in")
    kb.type_into("#email", email)
    kb.button("Email me a sign-in link")
    body = [b for to, _s, b in mailer.sent if to == email][-1]
    page.goto("/sign-in/" + re.search(r"/sign-in/([\w-]+)", body).group(1))
    kb.button("Sign in")


def test_the_group_sends_a_return_with_a_receipt_and_the_officer_accepts_it_after_a_query(
    page, axe, app, session, mailer, make, csrf_on_no_limits, tmp_path
):
    g = grant(make)
    session.commit()
    # Plain values only from here: the browser's server thread does the writing.
    applicant_email, officer_email = g.applicant.email, g.officer.email
    reference, period, ret_id = g.app.reference, g.ret.period_label, g.ret.id
    today = london_today()
    session.commit()
    kb = Keyboard(page, axe)
    receipt = tmp_path / "gloves-receipt.pdf"
    receipt.write_bytes(minimal_pdf("Receipt: boxing gloves"))

    _portal_sign_in(kb, page, mailer, applicant_email)
    page.goto(f"/applications/{reference}")
    kb.check("application with returns to do")
    kb.link(f"Monitoring return: {period}")
    kb.check("return task list")
    kb.link("Spending")
    kb.check("spending (none yet)")
    kb.link("Add spending")
    kb.check("add spending")
    kb.button("Add this spending")
    assert "There is a problem" in page.content()
    kb.check("add spending with errors")
    kb.type_into("#spent_on-day", str(today.day))
    kb.type_into("#spent_on-month", str(today.month))
    kb.type_into("#spent_on-year", str(today.year))
    kb.type_into("#description", "20 pairs of boxing gloves")
    kb.tab_to("#category_id")
    page.keyboard.press("ArrowDown")
    kb.type_into("#amount", "240.00")
    kb.button("Add this spending")
    assert "Upload a receipt" in page.content()
    kb.check("upload a receipt")
    kb.tab_to("input[type='file']")
    kb.choose_file(str(receipt))
    kb.button("Upload receipt")
    assert "gloves-receipt.pdf" in page.content() and "£240.00" in page.content()
    kb.check("spending with a receipt")
    kb.link("Save and continue")
    kb.link("Progress in this period")
    kb.check("progress")
    kb.type_into("#progress_narrative", "We ran 10 Friday sessions with 25 young people.")
    kb.button("Save and continue")
    kb.link("Priority 1: people reached and what changed")
    kb.check("people reached and what changed")
    kb.type_into("#people_reached", "25")
    kb.type_into("#what_changed", "Fewer calls about the precinct on Friday nights.")
    kb.button("Save and continue")
    kb.check("return complete")
    kb.link("Check your answers and send")
    kb.check("check your answers")
    kb.button("Send the return")
    assert "Monitoring return sent" in page.content()
    kb.check("return sent")
    page.click("button:has-text('Sign out')")

    # The officer reviews it and asks a question.
    visited: list[str] = []
    admin_sign_in(page, axe, visited, officer_email)
    page.goto("/admin/returns/?flt0_show_equals=to_review")
    admin_check(axe, page, visited)
    page.click(f"a:has-text('{reference}')")
    page.wait_for_selector("#by-category")
    admin_check(axe, page, visited)
    assert "gloves-receipt.pdf" in page.content() and "£240.00" in page.content()
    page.fill("#question", "How many sessions did the coaches run?")
    page.click("button:has-text('Send the question')")
    page.wait_for_selector("text=Question sent")
    admin_check(axe, page, visited)
    page.goto("/admin/")
    page.click("button:has-text('Sign out')")

    # The group answers and sends it again.
    _portal_sign_in(kb, page, mailer, applicant_email)
    page.goto(f"/applications/{reference}/returns/{ret_id}")
    assert "How many sessions did the coaches run?" in page.content()
    kb.check("return with our question")
    kb.link("Answer our question")
    kb.check("answer our question")
    kb.type_into("#answer", "Ten sessions, every Friday in the period.")
    kb.button("Save and continue")
    kb.link("Check your answers and send")
    kb.check("check your answers with an answer")
    kb.button("Send the return")
    assert "Monitoring return sent" in page.content()
    page.click("button:has-text('Sign out')")

    # The officer accepts it.
    admin_sign_in(page, axe, visited, officer_email)
    page.goto(f"/admin/returns/details/?id={ret_id}")
    assert "Ten sessions, every Friday" in page.content()
    page.click("button:has-text('Accept the return')")
    page.wait_for_selector("text=Return accepted")
    admin_check(axe, page, visited)
    assert "This return has been accepted" in page.content()

    assert not kb.problems, "\n\n".join(f"{label}:\n{text}" for label, text in kb.problems.items())
    assert len(kb.visited) >= 15
    session.expire_all()
    assert session.get(MonitoringReturn, ret_id).state == "accepted"


def test_a_return_is_sent_without_javascript(app, browser, live_server, session, make, mailer):
    """Every return page is a plain form: with JavaScript off the group still adds spending, skips the
    receipt, fills in the rest and sends the return."""
    g = grant(make)
    session.commit()
    email, base, ret_id = g.applicant.email, g.base, g.ret.id
    today = london_today()
    session.commit()
    limiter.enabled = False
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()

    def submit(button: str) -> None:
        with page.expect_navigation():
            page.click(f"button:has-text('{button}')")

    try:
        page.goto("/sign-in")
        page.fill("#email", email)
        submit("Email me a sign-in link")
        page.goto(
            "/sign-in/"
            + re.search(r"/sign-in/([\w-]+)", [b for t, _s, b in mailer.sent if t == email][-1]).group(1)
        )
        submit("Sign in")
        page.goto(base + "/spending/add")
        page.fill("#spent_on-day", str(today.day))
        page.fill("#spent_on-month", str(today.month))
        page.fill("#spent_on-year", str(today.year))
        page.fill("#description", "Hall hire")
        page.select_option("#category_id", index=1)
        page.fill("#amount", "80")
        submit("Add this spending")
        with page.expect_navigation():
            page.click("a:has-text('Continue without a receipt')")
        assert "Hall hire" in page.content() and "£80.00" in page.content()
        page.goto(base + "/progress")
        page.fill("#progress_narrative", "Four sessions.")
        submit("Save and continue")
        page.click("a:has-text('Priority 1: people reached')")
        page.fill("#people_reached", "12")
        page.fill("#what_changed", "They came back every week.")
        submit("Save and continue")
        page.goto(base + "/check")
        submit("Send the return")
        assert "Monitoring return sent" in page.content()
    finally:
        context.close()
        limiter.enabled = True
        limiter.reset()
    session.expire_all()
    assert session.get(MonitoringReturn, ret_id).state == "submitted"
