"""A JAG member declares and scores; the officer runs the meeting and records the decision.

axe-core checks every admin page visited: no serious or critical WCAG violations.
"""

from __future__ import annotations

import re

import pytest

from grants_app.models import Application, AuditEvent
from grants_app.services import declarations
from tests.browser.conftest import axe_violations, describe
from tests.factories import STAFF_PASSWORD

pytestmark = pytest.mark.browser
SERIOUS = {"serious", "critical"}


def check(axe, page, visited: list[str]) -> None:
    visited.append(page.url)
    violations = axe_violations(axe, page, impacts=SERIOUS)
    assert not violations, f"{page.url}\n{describe(violations)}"
    for url in page.eval_on_selector_all("link[href], script[src]", "els => els.map(e => e.href || e.src)"):
        assert not re.match(r"https?://(?!127\.0\.0\.1)", url), f"external asset {url} on {page.url}"


def sign_in(page, axe, visited, email: str) -> None:
    page.goto("/admin/sign-in")
    check(axe, page, visited)
    page.fill("#email", email)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def test_declare_score_and_decide(page, axe, make, session):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer)
    application = make.on_agenda(meeting, officer, amount_pence=150_000, title="Street safe summer")
    for other in members[1:]:
        declarations.declare_interest(session, other, application, has_interest=False)
    session.commit()
    # Plain values only from here: a lazy load in this thread would hold a SQLite read lock while the
    # server thread tries to commit.
    member_email, officer_email = members[0].email, officer.email
    member_ids = [m.id for m in members]
    criteria = [(c.id, c.name) for c in application.fund.scoring_criteria]
    app_id, reference, meeting_id = application.id, application.reference, meeting.id
    session.commit()
    visited: list[str] = []

    # The JAG member finds the task, declares, then scores.
    sign_in(page, axe, visited, member_email)
    check(axe, page, visited)
    page.click(f"#your-tasks a:has-text('{reference}')")
    page.wait_for_selector("text=Declare any interest")
    check(axe, page, visited)
    page.check("#interest-no")
    page.click("button:has-text('Record my declaration')")
    page.wait_for_selector("#score-form")
    check(axe, page, visited)
    for criterion_id, name in criteria:
        page.fill(f"#score_{criterion_id}", "4")
        page.fill(f"#justification_{criterion_id}", f"Good on {name.lower()}")
    page.click("button:has-text('Save my scores')")
    page.wait_for_selector("text=Your scores are saved")
    check(axe, page, visited)
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/admin/sign-in")

    # The officer records attendance, votes and the decision.
    sign_in(page, axe, visited, officer_email)
    page.goto("/admin/application/")
    check(axe, page, visited)
    page.goto(f"/admin/meeting/record/?id={meeting_id}")
    check(axe, page, visited)
    for member_id in member_ids:
        page.check(f"#present-{member_id}")
    page.click("button:has-text('Save attendance')")
    page.wait_for_selector("text=Attendance saved")
    for member_id in member_ids:
        page.select_option(f"#vote-{app_id}-{member_id}", "for")
    page.check(f"#outcome-{app_id}-approve")
    page.fill(f"#amount-{app_id}", "1400")
    page.fill(f"#conditions-{app_id}", "Share the attendance figures each month")
    page.click(f"#item-{app_id} button:has-text('Record')")
    page.wait_for_selector("text=decision recorded")
    check(axe, page, visited)
    page.click(f"#item-{app_id} a:has-text('{reference}')")
    page.wait_for_selector("#current-state")
    assert page.inner_text("#current-state") == "Approved"
    history = page.locator("#history").text_content()
    assert "moved the application from On JAG agenda to Approved (Record JAG approval)" in history
    check(axe, page, visited)
    page.goto("/admin/workflows/")
    check(axe, page, visited)

    session.expire_all()
    fresh = session.get(Application, app_id)
    assert fresh.state == "approved" and fresh.award.amount_pence == 140_000
    assert session.query(AuditEvent).filter_by(entity_id=app_id, action="score").count() == 4
    assert len(visited) >= 9
