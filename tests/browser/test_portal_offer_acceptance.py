"""The group accepts its grant offer in headless Chromium (CSRF on, as in production): the offer page,
its error summary, the signatory's name and role, the confirmation box,
and the application page afterwards, each with zero axe-core WCAG 2.2 A/AA violations."""

from __future__ import annotations

import re

import pytest

from grants_app.extensions import limiter
from grants_app.models import Application
from grants_app.workflow import fire
from tests import factories
from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def test_the_group_accepts_its_offer_as_its_authorised_signatory(
    page, axe, app, session, mailer, upload_folder
):
    limiter.enabled = False
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        make = factories.Factory(session, factories.make_reference(session), upload_folder)
        offered, _meeting, officer = make.approved(amount_pence=245_050)
        offered.award.conditions = "Send photographs with each return."
        fire(session, offered, "issue_offer", officer)
        email = make.applicant_of(offered).email
        reference, app_id = offered.reference, offered.id
        session.commit()
        problems: dict[str, str] = {}

        def check(label: str) -> None:
            violations = axe_violations(axe, page)
            if violations:
                problems[label] = describe(violations)

        page.goto("/sign-in")
        page.fill("#email", email)
        with page.expect_navigation():
            page.click("button:has-text('Email me a sign-in link')")
        token = re.search(r"/sign-in/([\w-]+)", [b for t, _s, b in mailer.sent if t == email][-1]).group(1)
        page.goto(f"/sign-in/{token}")
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")

        page.goto(f"/applications/{reference}")
        with page.expect_navigation():
            page.click("text=Accept or decline your grant offer")
        assert "£2,450.50" in page.content() and "Download your offer letter (PDF)" in page.content()
        check("offer")

        with page.expect_navigation():
            page.click("button:has-text('Send your response')")
        assert "There is a problem" in page.content()
        check("offer with errors")

        page.check("input[name='decision'][value='accept']")
        page.fill("#name", "Pat Okoro")
        with page.expect_navigation():
            page.click("button:has-text('Send your response')")
        content = page.content()
        assert "Enter the role of the person accepting" in content
        assert "Confirm that you are authorised to accept the offer" in content
        check("offer with the signatory half done")

        page.check("input[name='decision'][value='accept']")
        page.fill("#role", "Treasurer")
        page.check("input[name='confirm']")
        with page.expect_navigation():
            page.click("button:has-text('Send your response')")
        assert "You have accepted the offer" in page.content()
        assert "Accepted by Pat Okoro (Treasurer) on" in page.content()
        check("application after acceptance")

        session.expire_all()
        award = session.get(Application, app_id).award
        assert (award.accepted_by_name, award.accepted_by_role) == ("Pat Okoro", "Treasurer")
        assert award.accepted_at is not None
        assert not problems, "\n\n".join(f"{u}:\n{t}" for u, t in problems.items())
    finally:
        limiter.enabled = True
        limiter.reset()
        app.config["WTF_CSRF_ENABLED"] = False
