"""Every page works without JavaScript: the priorities page (conditional questions) in a no-JS browser."""

from __future__ import annotations

import re

import pytest

from grants_app.extensions import limiter
from tests import factories

pytestmark = pytest.mark.browser


def test_priorities_and_submit_buttons_work_without_javascript(
    app, browser, live_server, session, mailer, upload_folder
):
    ref = factories.make_reference(session)
    make = factories.Factory(session, ref, upload_folder)
    application = make.application(complete=False)
    email = make.applicant_of(application).email
    reference, priority_id = application.reference, ref.priorities[1].id
    session.commit()
    limiter.enabled = False
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/sign-in")
        page.fill("#email", email)
        with page.expect_navigation():
            page.click("button:has-text('Email me a sign-in link')")
        token = re.search(r"/sign-in/([\w-]+)", [b for t, _s, b in mailer.sent if t == email][-1]).group(1)
        page.goto(f"/sign-in/{token}")
        with page.expect_navigation():
            page.click("button:has-text('Sign in')")
        page.goto(f"/applications/{reference}/priorities")
        # Without JavaScript the follow-up questions are shown, not hidden behind the checkbox.
        assert page.is_visible(f"#how_{priority_id}") and page.is_visible(f"#percentage_{priority_id}")
        page.check(f"#priorities-{priority_id}")
        page.fill(f"#how_{priority_id}", "Supports survivors")
        with page.expect_navigation():
            page.click("button:has-text('Save and continue')")
        assert page.url.endswith(f"/applications/{reference}")
        assert "Community safety priorities" in page.content()
    finally:
        context.close()
        limiter.enabled = True
        limiter.reset()
        app.config["WTF_CSRF_ENABLED"] = False
    session.expire_all()
    assert [(s.priority_id, s.percentage) for s in application.priority_splits] == [(priority_id, 100)]
