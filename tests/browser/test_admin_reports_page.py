"""The Reports page passes axe-core (no serious or critical violations), also when it shows the error
summary and field errors of a bad filter: their red text and links have enough contrast."""

from __future__ import annotations

import pytest

from grants_app.models import Role
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_admin_meeting_flow import sign_in

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}


def test_the_reports_page_and_its_error_summary(page, axe, make, session):
    email = make.user(Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER).email
    session.commit()
    visited: list[str] = []
    problems = {}
    sign_in(page, axe, visited, email)
    for path in (
        "/admin/reports/",
        "/admin/reports/spend?year=abc&starts_on=2026-13-01&format=pdf",
        "/admin/reports/rag?year=1066&quarter=9",
        "/admin/reports/statement?reference=%00",
    ):
        page.goto(path)
        if path != "/admin/reports/":
            assert page.locator("#error-summary").is_visible()
        violations = axe_violations(axe, page, impacts=SERIOUS)
        if violations:
            problems[path] = describe(violations)
    assert not problems, "\n\n".join(f"{u}:\n{t}" for u, t in problems.items())
