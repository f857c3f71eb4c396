"""No request input produces a 500 on the admin's own forms; refused input changes nothing."""

from __future__ import annotations

import pytest

from grants_app.models import Application, AuditEvent, Role
from tests.admin.conftest import csrf_enabled

GARBAGE = [
    {},
    {"outcome": "approve", "amount": "1e5", "application_id": "1"},
    {"outcome": "nonsense", "application_id": "999999999999"},
    {"outcome": "approve", "amount": "-5", "application_id": "x", "expected_version": "abc"},
    {"present": ["a", "-1", "99999"], "minutes": "\x00", "approve": "y"},
    {"amount_pence": "£££", "reason": "x" * 6000, "meeting_id": "not-a-number", "expected_version": "-1"},
    {"decision": "pass", "note": "\x00", "score_1": "5.5", "justification_1": ""},
    {"has_interest": "maybe", "nature": "x" * 3000},
    {"minutes": "a\x00b", "reason": "a\x00b", "note": "a\x00b", "nature": "a\x00b", "has_interest": "yes"},
    {
        "choice": "maybe",
        "comment": "\u202e" * 3000,
        "member_id": "-1",
        "procedure_id": "x",
        "application_id": "1",
    },
    {
        "choice": "for",
        "member_id": "9" * 30,
        "application_id": "1",
        "tally": "\u200b",
        "back": "//evil.example",
    },
    {
        "deadline_date": "2026-02-30",
        "deadline_time": "99:99",
        "summary": "x" * 20_000,
        "recommendation": "approve",
        "amount": "1e9",
        "conditions": ["a", "b"],
    },
    {"deadline_date": "<script>", "recommendation": ["approve", "decline"], "amount": "99999999999.999"},
]


@pytest.mark.parametrize("data", GARBAGE)
def test_officer_and_member_forms_survive_garbage(make, session, staff_client, data):
    officer = make.officer()
    meeting = make.meeting(officer)
    app = make.on_agenda(meeting, officer)
    session.commit()
    before = session.query(AuditEvent).count()
    officer_client, _ = staff_client(user=officer)
    member_client, _ = staff_client(Role.JAG_MEMBER)
    posts = [
        (officer_client, f"/admin/meeting/record/decide?id={meeting.id}"),
        (officer_client, f"/admin/meeting/record/attendance?id={meeting.id}"),
        (officer_client, f"/admin/meeting/record/minutes?id={meeting.id}"),
        (officer_client, f"/admin/meeting/record/add-to-agenda?id={meeting.id}"),
        (officer_client, f"/admin/application/{app.id}/fire/approve"),
        (officer_client, f"/admin/application/{app.id}/fire/remove_from_agenda"),
        (officer_client, f"/admin/application/{app.id}/screen"),
        (officer_client, "/admin/application/agenda/?ids=1,x,,99999999999"),
        (officer_client, "/admin/meeting/new/"),
        (member_client, f"/admin/application/{app.id}/declare"),
        (member_client, f"/admin/application/{app.id}/score"),
        (member_client, f"/admin/meeting/record/vote?id={meeting.id}"),
        (officer_client, f"/admin/meeting/record/vote?id={meeting.id}"),
        (officer_client, f"/admin/meeting/record/note-written?id={meeting.id}"),
        (officer_client, f"/admin/application/{app.id}/written-procedure"),
        (member_client, f"/admin/application/{app.id}/written-procedure/vote"),
        (officer_client, f"/admin/application/{app.id}/written-procedure/stop"),
    ]
    for client, url in posts:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
    for url in (
        "/admin/application/details/?id=abc",
        "/admin/meeting/record/?id=",
        "/admin/application/?flt0_amount_requested_at_least=lots",
        "/admin/application/?search=a%00b",
        "/admin/audit/?search=%00",
    ):
        assert officer_client.get(url).status_code < 500, url
    session.expire_all()
    assert session.get(Application, app.id).state in {"on_agenda", "eligible"}
    # Only attendance, minutes or deferral can have been recorded from this noise, never a decision.
    assert (
        session.query(AuditEvent)
        .filter(
            AuditEvent.id > before,
            AuditEvent.trigger.in_(["approve", "decline", "put_to_written_procedure"])
            | AuditEvent.action.like("%vote%"),
        )
        .count()
        == 0
    )


def test_meeting_decision_without_csrf_token_is_refused(app, make, session, staff_client):
    officer = make.officer()
    meeting = make.meeting(officer)
    application = make.on_agenda(meeting, officer)
    session.commit()
    client, _ = staff_client(user=officer)
    with csrf_enabled(app):
        page = client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
        assert page.count('name="csrf_token"') >= 4
        response = client.post(
            f"/admin/meeting/record/decide?id={meeting.id}",
            data={"application_id": application.id, "outcome": "decline", "reason": "No"},
        )
        assert response.status_code == 400
    session.expire_all()
    assert session.get(Application, application.id).state == "on_agenda"
