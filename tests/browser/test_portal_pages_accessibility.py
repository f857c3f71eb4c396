"""axe-core on the portal pages the keyboard journey does not reach: information pages, refusals,
after-submission pages and error pages."""

from __future__ import annotations

import re

import pytest

from grants_app.extensions import limiter
from grants_app.workflow import fire
from tests import factories
from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def test_other_portal_pages_have_no_wcag_violations(page, axe, app, session, mailer, upload_folder):
    limiter.enabled = False
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    try:
        ref = factories.make_reference(session)
        make = factories.Factory(session, ref, upload_folder)
        asked = make.submitted()
        officer = make.officer()
        fire(session, asked, "request_information", officer, reason="Who runs the sessions?")
        offered, _meeting, officer2 = make.approved(
            organisation=asked.organisation, applicant=make.applicant_of(asked)
        )
        fire(session, offered, "issue_offer", officer2)
        email = make.applicant_of(asked).email
        refs = (asked.reference, offered.reference)
        session.commit()

        problems = {}

        def check(url: str) -> None:
            page.goto(url)
            violations = axe_violations(axe, page)
            if violations:
                problems[url] = describe(violations)

        for url in (
            "/accessibility",
            "/privacy",
            "/eligibility-result/not-eligible/insurance",
            "/no-such-page",
        ):
            check(url)
        page.goto("/sign-in")
        page.fill("#email", email)
        with page.expect_navigation():
            page.click("button:has-text('Email me a sign-in link')")
        token = re.search(r"/sign-in/([\w-]+)", [b for t, _s, b in mailer.sent if t == email][-1]).group(1)
        check(f"/sign-in/{token}x")  # a broken link
        page.goto(f"/sign-in/{token}")
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")
        asked_ref, offered_ref = refs
        for url in (
            f"/applications/{asked_ref}",
            f"/applications/{asked_ref}/answer",
            f"/applications/{asked_ref}/withdraw",
            f"/applications/{offered_ref}",
            f"/applications/{offered_ref}/offer",
            "/organisation/invite",
            "/applications/new",
        ):
            check(url)
        page.goto(f"/applications/{offered_ref}/offer")
        with page.expect_navigation():
            page.click("button:has-text('Send your response')")
        assert "There is a problem" in page.content()
        violations = axe_violations(axe, page)
        if violations:
            problems["offer with errors"] = describe(violations)
        assert not problems, "\n\n".join(f"{u}:\n{t}" for u, t in problems.items())
    finally:
        limiter.enabled = True
        limiter.reset()
        app.config["WTF_CSRF_ENABLED"] = False
