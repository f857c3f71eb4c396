"""The whole decision, as its people do it: a group applies in the portal, the officer screens it in the
admin, JAG members declare and score, the meeting approves, and the group sees the outcome."""

from __future__ import annotations

from datetime import UTC, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from grants_app import clock
from grants_app.dates import london_today
from grants_app.models import Application, AuditEvent, Meeting
from grants_app.services.screening import checklist_for
from tests.admin.conftest import sign_in as staff_sign_in
from tests.web.conftest import sign_in as applicant_sign_in
from tests.web.test_portal_journey import ORG, complete_eligibility, fill_in_everything


class Browser(FlaskClient):
    """A client whose every request runs in its own app context, as requests to a real server do."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def test_from_application_to_approval_through_both_front_ends(app, session, mailer, ref, make):
    officer = make.officer()
    members = make.jag_members(3)
    session.commit()  # each person below works through their own requests and sessions

    def browser() -> Browser:
        return Browser(app, app.response_class, use_cookies=True)

    def reload(application: Application) -> Application:
        session.rollback()  # end this test's snapshot so the requests' commits are visible
        return session.get(Application, application.id)

    group = browser()
    complete_eligibility(group)
    applicant_sign_in(group, mailer, "kelly@bedwell.example")
    reference = group.post("/applications/new", data=ORG).location.rsplit("/", 1)[-1]
    fill_in_everything(group, ref, reference)
    submitted = group.post(f"/applications/{reference}/submit")
    assert submitted.location.endswith("/confirmation"), submitted.get_data(as_text=True)[:300]
    session.rollback()
    application = session.execute(select(Application).where(Application.reference == reference)).scalar_one()
    assert application.state == "submitted"

    desk = browser()
    staff_sign_in(desk, officer)
    listing = desk.get(f"/admin/application/?search={reference}").get_data(as_text=True)
    assert reference in listing and "Submitted - awaiting screening" in listing
    ticks = {item.key: "y" for item in checklist_for(application)}
    desk.post(
        f"/admin/application/{application.id}/screen",
        data={
            "decision": "pass",
            "note": "Documents checked",
            "expected_version": application.version,
            **ticks,
        },
    )
    created = desk.post(
        "/admin/meeting/new/",
        data={
            "title": "JAG meeting",
            "date": (london_today() + timedelta(days=7)).isoformat(),
            "start_time": "14:00",
            "location": "Daneshill House",
            "quorum_min_members": "3",
            "quorum_min_agencies": "2",
        },
    )
    assert created.status_code == 302
    session.rollback()
    meeting = session.execute(select(Meeting)).scalar_one()
    desk.post(
        f"/admin/meeting/record/add-to-agenda?id={meeting.id}", data={"application_id": [application.id]}
    )
    application = reload(application)
    assert application.state == "on_agenda"

    criteria = application.fund.scoring_criteria
    for member in members:
        member_browser = browser()
        staff_sign_in(member_browser, member)
        assert reference in member_browser.get("/admin/").get_data(as_text=True)  # "your tasks"
        member_browser.post(f"/admin/application/{application.id}/declare", data={"has_interest": "no"})
        scores = {}
        for criterion in criteria:
            scores[f"score_{criterion.id}"] = "4"
            scores[f"justification_{criterion.id}"] = "A clear plan for a real local need"
        member_browser.post(f"/admin/application/{application.id}/score", data=scores)

    decision = {
        "application_id": application.id,
        "expected_version": application.version,
        "outcome": "approve",
        "amount": "1500",
        "conditions": "Send photographs with each return",
        **{f"vote_{m.id}": "for" for m in members},
    }
    # Before the meeting: nothing can be recorded at it yet.
    desk.post(f"/admin/meeting/record/attendance?id={meeting.id}", data={"present": [m.id for m in members]})
    desk.post(f"/admin/meeting/record/decide?id={meeting.id}", data=decision)
    assert reload(application).state == "on_agenda"
    # At the meeting, a week later.
    starts_at = meeting.starts_at if meeting.starts_at.tzinfo else meeting.starts_at.replace(tzinfo=UTC)
    with clock.pinned(starts_at + timedelta(minutes=30)):
        desk.post(
            f"/admin/meeting/record/attendance?id={meeting.id}", data={"present": [m.id for m in members]}
        )
        desk.post(f"/admin/meeting/record/decide?id={meeting.id}", data=decision)
    application = reload(application)
    assert application.state == "approved"
    assert application.award.amount_pence == 150_000 and application.award.meeting_id == meeting.id

    page = group.get(f"/applications/{reference}").get_data(as_text=True)
    assert "Approved" in page

    history = session.execute(
        select(AuditEvent.action, AuditEvent.trigger)
        .where(AuditEvent.entity_type == "application", AuditEvent.entity_id == application.id)
        .order_by(AuditEvent.id)
    ).all()
    assert [t for a, t in history if a == "transition"] == [
        "submit",
        "pass_screening",
        "add_to_agenda",
        "approve",
    ]
    actions = [a for a, _t in history]
    assert actions.count("declare_interest") == 3
    assert actions.count("score") == 3 * len(criteria)
    assert actions.count("vote") == 3
    assert any(reference in subject and "Approved" in subject for _to, subject, _body in mailer.sent)
