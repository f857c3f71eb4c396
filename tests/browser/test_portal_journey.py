"""The applicant journey in headless Chromium, keyboard only, with axe-core on every page visited.

CSRF protection is on, as in production. Each page's WCAG 2.0/2.1/2.2 A and AA violations are collected
and the test fails if any page has one.
"""

from __future__ import annotations

import re

import pytest

from grants_app.dates import london_today
from grants_app.extensions import limiter
from grants_app.services.documents import minimal_pdf
from tests import factories
from tests.browser.conftest import axe_violations, describe

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


class Keyboard:
    """Drives the page with Tab, Space, arrows and Enter only, and checks each page with axe."""

    def __init__(self, page, axe) -> None:
        self.page = page
        self.axe = axe
        self.problems: dict[str, str] = {}
        self.visited: list[str] = []

    def check(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        violations = axe_violations(self.axe, self.page)
        self.visited.append(label)
        if violations:
            self.problems[label] = describe(violations)

    def focused(self, selector: str) -> bool:
        return self.page.locator(selector).evaluate_all("els => els.includes(document.activeElement)")

    def tab_to(self, selector: str, limit: int = 120) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            if self.focused(selector):
                return
        raise AssertionError(f"{selector} cannot be reached with the Tab key on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def choose(self, name: str, value: str) -> None:
        self.tab_to(f"input[name='{name}']")
        for _ in range(20):
            if self.focused(f"input[value='{value}']"):
                break
            self.page.keyboard.press("ArrowDown")
        self.page.keyboard.press("Space")
        assert self.page.is_checked(f"input[name='{name}'][value='{value}']")

    def tick(self, selector: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.press("Space")
        assert self.page.is_checked(selector)

    def choose_file(self, path: str) -> None:
        """Space on the focused file input opens the file chooser, as it does for a keyboard user."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(3):
            try:
                with self.page.expect_file_chooser(timeout=5_000) as chooser:
                    self.page.keyboard.press("Space" if attempt % 2 == 0 else "Enter")
                chooser.value.set_files(path)
                return
            except PlaywrightTimeout:
                continue  # a busy machine can miss the first key press's chooser event
        raise AssertionError("the file chooser did not open from the keyboard")

    def press(self, selector: str) -> None:
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def button(self, text: str) -> None:
        self.press(f"button:text-is('{text}'), button:has-text('{text}')")

    def link(self, text: str) -> None:
        self.press(f"a:has-text('{text}')")


def test_keyboard_only_journey_from_start_page_to_confirmation(
    page, axe, app, session, mailer, csrf_on_no_limits, tmp_path
):
    ref = factories.make_reference(session)
    fund = ref.fund
    start, year_end = max(fund.year_starts_on, london_today()), fund.year_ends_on
    ward_id, priority_id = ref.wards[0].id, ref.priorities[0].id
    session.commit()
    # Touch nothing in the test's session while the browser works: an open SQLite read would block
    # the server's writes.
    kb = Keyboard(page, axe)

    page.goto("/")
    kb.check("start page")
    kb.link("Check if you can apply")
    kb.check("eligibility question")
    kb.button("Continue")  # nothing chosen
    assert "There is a problem" in page.content()
    kb.check("eligibility question with error")
    kb.choose("answer", "constituted_group")
    kb.button("Continue")
    for expected in (
        "Stevenage",
        "bank account",
        "children or adults at risk",
        "safeguarding policy",
        "insurance",
    ):
        assert expected in page.content(), expected
        kb.choose("answer", "yes")
        kb.button("Continue")
    assert "You can apply" in page.content()
    kb.check("eligible")
    kb.link("Continue")

    kb.check("sign in")
    kb.type_into("#email", "kelly@bedwell.example")
    kb.button("Email me a sign-in link")
    kb.check("check your email")
    body = [b for to, _s, b in mailer.sent if to == "kelly@bedwell.example"][-1]
    token = re.search(r"/sign-in/([\w-]+)", body).group(1)
    page.goto(f"/sign-in/{token}")  # the link from the email
    kb.check("use sign-in link")
    kb.button("Sign in")
    assert "Your applications" in page.content()
    kb.check("dashboard (empty)")

    kb.link("Start a new application")
    kb.check("organisation form (empty)")
    kb.button("Save and continue")
    kb.check("organisation form with errors")
    kb.type_into("#name", "Bedwell <b>Boxing</b> Club")
    kb.choose("org_type", "constituted_group")
    kb.type_into("#address_line_1", "Bedwell Community Centre")
    kb.type_into("#town", "Stevenage")
    kb.type_into("#postcode", "SG1 1NJ")
    kb.type_into("#contact_name", "Kelly Morgan")
    kb.button("Save and continue")
    assert "Your application is incomplete" in page.content()
    kb.check("task list")
    reference = re.search(r"(SOS-\d{4}-\d{4})", page.content()).group(1)

    kb.link("About the project")
    kb.check("project form")
    kb.type_into("#title", "Friday night boxing")
    kb.type_into("#summary", "Weekly boxing sessions for young people.")
    kb.type_into("#description", "Qualified coaches run sessions every Friday evening at the centre.")
    kb.type_into("#start_date-day", str(start.day))
    kb.type_into("#start_date-month", str(start.month))
    kb.type_into("#start_date-year", str(start.year))
    kb.type_into("#end_date-day", "31")
    kb.type_into("#end_date-month", "3")
    kb.type_into("#end_date-year", str(year_end.year))
    kb.tick(f"input[name='ward_ids'][value='{ward_id}']")
    kb.type_into("#beneficiaries_description", "Young people aged 11 to 16")
    kb.type_into("#beneficiaries_count", "40")
    kb.choose("works_with_children", "yes")
    kb.button("Save and continue")
    assert "About the project" in page.content() and "There is a problem" not in page.content()

    kb.link("Community safety priorities")
    kb.check("priorities form")
    kb.tick(f"#priorities-{priority_id}")
    kb.type_into(f"#how_{priority_id}", "Keeps young people busy on Friday nights")
    kb.button("Save and continue")

    kb.link("Budget")
    kb.check("budget form")
    kb.type_into("#line-description", "Coaches, 40 hours at £25")
    kb.tab_to("#line-category_id")
    page.keyboard.press("ArrowDown")
    kb.type_into("#line-amount", "1000")
    kb.button("Add this cost")
    assert "£1,000.00" in page.content()
    kb.check("budget with a cost")
    kb.button("Save and continue")

    kb.link("Supporting documents")
    kb.check("documents form")
    pdf = tmp_path / "document.pdf"
    pdf.write_bytes(minimal_pdf("Document"))
    for kind in ("constitution", "safeguarding_policy", "accounts", "insurance"):
        kb.choose("kind", kind)
        kb.tab_to("input[type='file']")
        kb.choose_file(str(pdf))
        kb.button("Upload document")
        assert "uploaded" in page.content()
    kb.check("documents uploaded")
    kb.link("Save and continue")

    kb.link("Declaration")
    kb.check("declaration form")
    kb.type_into("#position", "Chair")
    kb.tick("input[name='confirm']")
    kb.button("Save and continue")
    assert "Your application is complete" in page.content()
    kb.check("task list complete")

    kb.link("Check your answers and send")
    kb.check("check your answers")
    assert "Bedwell &lt;b&gt;Boxing&lt;/b&gt; Club" in page.content()
    kb.button("Accept and send")
    assert "Application sent" in page.content() and reference in page.content()
    kb.check("confirmation")
    kb.link("Back to your applications")
    assert "Submitted" in page.content()
    kb.check("dashboard")

    assert not kb.problems, "\n\n".join(f"{label}:\n{text}" for label, text in kb.problems.items())
    assert len(kb.visited) >= 15
    session.expire_all()
    from grants_app.models import Application

    assert session.query(Application).filter_by(reference=reference).one().state == "submitted"
