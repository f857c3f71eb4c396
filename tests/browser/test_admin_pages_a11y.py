"""Every kind of admin page passes axe-core (no serious or critical violations) and loads nothing off-site."""

from __future__ import annotations

import pytest

from grants_app.models import Role
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_admin_meeting_flow import sign_in

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}


def test_admin_pages_for_officer_and_administrator(page, axe, make, session):
    officer = make.officer()
    admin = make.user(Role.ADMIN)
    meeting = make.meeting(officer)
    application = make.submitted()
    session.commit()
    officer_email, admin_email = officer.email, admin.email
    app_id, meeting_id, fund_id = application.id, meeting.id, make.ref.fund.id
    session.commit()
    visited: list[str] = []

    sign_in(page, axe, visited, officer_email)
    for path in (
        f"/admin/application/details/?id={app_id}",
        "/admin/application/?flt0_state_equals=submitted",
        "/admin/meeting/",
        "/admin/meeting/new/",
        f"/admin/meeting/record/?id={meeting_id}",
        "/admin/audit/",
        "/admin/outbox/",
        "/admin/two-factor/set-up",
    ):
        page.goto(path)
        violations = axe_violations(axe, page, impacts=SERIOUS)
        assert not violations, f"{path}\n{describe(violations)}"
    page.goto("/admin/")
    page.click("button:has-text('Sign out')")

    sign_in(page, axe, visited, admin_email)
    for path in (
        "/admin/funds/",
        f"/admin/funds/edit/?id={fund_id}",
        "/admin/users/",
        "/admin/users/new/",
        "/admin/wards/new/",
    ):
        page.goto(path)
        violations = axe_violations(axe, page, impacts=SERIOUS)
        assert not violations, f"{path}\n{describe(violations)}"
