"""JAG members vote in their own screens at an open meeting and on a written procedure; the officer
sees the tally and closes the item. axe-core checks every admin page visited (no serious or critical
WCAG violations)."""

from __future__ import annotations

import pytest

from grants_app.models import Application, AuditEvent, Vote, WrittenProcedure
from grants_app.services import declarations
from tests.browser.test_admin_meeting_flow import check, sign_in

pytestmark = pytest.mark.browser


def sign_out(page) -> None:
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/admin/sign-in")


def test_members_vote_in_their_own_screens_and_the_officer_closes_the_item(page, axe, make, session):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    application = make.on_agenda(meeting, officer, amount_pence=150_000, title="Street safe summer")
    for member in members[1:]:
        declarations.declare_interest(session, member, application, has_interest=False)
    session.commit()
    # Plain values only from here: a lazy load in this thread would hold a SQLite read snapshot (and
    # lock) while the server thread commits.
    emails, member_ids = [m.email for m in members], [m.id for m in members]
    app_id, reference, meeting_id = application.id, application.reference, meeting.id
    officer_email, officer_id = officer.email, officer.id
    session.commit()
    visited: list[str] = []

    # The first member finds the vote in "Your tasks", declares, and votes on the application page.
    sign_in(page, axe, visited, emails[0])
    check(axe, page, visited)
    page.click(f"#your-tasks a:has-text('vote on {reference}')")
    page.wait_for_selector("text=Declare any interest")
    page.check("#interest-no")
    page.click("button:has-text('Record my declaration')")
    page.wait_for_selector("#your-vote")
    check(axe, page, visited)
    page.check(f"#choice-meeting-{app_id}-for")
    page.fill(f"#comment-meeting-{app_id}", "Good value for a summer of sessions")
    page.click("#your-vote button:has-text('Record my vote')")
    page.wait_for_selector("text=Your vote is recorded")
    assert "You voted for" in page.inner_text("#your-vote")
    check(axe, page, visited)
    page.check(f"#choice-meeting-{app_id}-against")
    page.click("#your-vote button:has-text('Change my vote')")
    page.wait_for_selector("text=Your vote is recorded")
    assert "You voted against" in page.inner_text("#your-vote")
    sign_out(page)

    # The second votes from the meeting page; the third is recorded by the officer.
    sign_in(page, axe, visited, emails[1])
    page.goto(f"/admin/meeting/record/?id={meeting_id}")
    check(axe, page, visited)
    page.check(f"#choice-{app_id}-for")
    page.click(f"#your-vote-{app_id} button:has-text('Record my vote')")
    page.wait_for_selector("text=Your vote is recorded")
    check(axe, page, visited)
    sign_out(page)

    sign_in(page, axe, visited, officer_email)
    page.goto(f"/admin/meeting/record/?id={meeting_id}")
    check(axe, page, visited)
    tally = page.inner_text(f"#tally-{app_id}")
    assert "against, own vote" in tally and "for, own vote" in tally and "not yet voted" in tally
    page.select_option(f"#vote-{app_id}-{member_ids[2]}", "for")
    page.check(f"#outcome-{app_id}-approve")
    page.fill(f"#amount-{app_id}", "1500")
    page.click(f"#item-{app_id} button:has-text('Record')")
    page.wait_for_selector("text=decision recorded")
    check(axe, page, visited)
    assert "recorded by the officer" in page.inner_text(f"#tally-{app_id}")
    assert "Outcome: Approved" in page.inner_text(f"#item-{app_id}")

    session.rollback()
    assert session.get(Application, app_id).state == "approved"
    cast_by = {v.user_id: v.cast_by_id for v in session.query(Vote).all()}
    assert cast_by == {member_ids[0]: member_ids[0], member_ids[1]: member_ids[1], member_ids[2]: officer_id}
    actions = [e.action for e in session.query(AuditEvent).filter(AuditEvent.action.like("vote%"))]
    assert actions == ["vote", "vote_changed", "vote", "vote"]
    assert len(visited) >= 9


def test_a_member_votes_on_a_written_procedure_from_their_tasks(page, axe, make, session):
    officer = make.officer()
    members = make.jag_members(4)
    application = make.eligible(officer, amount_pence=90_000, title="Pride reporting point")
    session.commit()
    officer_email, member_email = officer.email, members[0].email
    app_id, reference = application.id, application.reference
    session.commit()
    visited: list[str] = []

    sign_in(page, axe, visited, officer_email)
    page.goto(f"/admin/application/details/?id={app_id}")
    check(axe, page, visited)
    page.fill("#wp-summary", "The event is before the next JAG meeting.")
    page.check("#rec-approve")  # nothing is chosen for the officer
    page.click("button:has-text('Circulate to the JAG members')")
    page.wait_for_selector("text=circulated to the JAG members")
    check(axe, page, visited)
    sign_out(page)

    sign_in(page, axe, visited, member_email)
    page.click(f"#your-tasks a:has-text('{reference}')")
    page.check("#interest-no")
    page.click("button:has-text('Record my declaration')")
    page.wait_for_selector("#written-procedure")
    check(axe, page, visited)
    page.locator("#written-procedure input[value=abstain]").check()
    page.click("#written-procedure button:has-text('Record my vote')")
    page.wait_for_selector("text=Your vote is recorded")
    assert "You abstained" in page.inner_text("#written-procedure")
    check(axe, page, visited)

    session.rollback()
    procedure = session.query(WrittenProcedure).one()
    assert [r.choice.value for r in procedure.responses if r.choice] == ["abstain"]
