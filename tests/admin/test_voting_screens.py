"""Members voting in their own screens (meeting page and application page), the officer's tally and
close, and written procedure through the admin: every refusal is a message, never a 500."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, timedelta

import pytest
from flask import g
from sqlalchemy import event, select

from grants_app import clock
from grants_app.extensions import db
from grants_app.models import Application, AuditEvent, Role, Vote, WrittenProcedure, utcnow
from grants_app.services import declarations, quorum, votes, written_procedures
from tests.admin.conftest import csrf_enabled, flashes


@pytest.fixture
def staff_client(staff_client):
    """Several people signed in at once, each in their own client. The tests share one app context, so
    Flask-Login's user cached on `g` by one client's request is dropped before another client's."""

    def build(*roles, user=None):
        client, user = staff_client(*roles, user=user)
        request = client.open

        def open_as_this_client(*args, **kwargs):
            g.pop("_login_user", None)
            return request(*args, **kwargs)

        client.open = open_as_this_client
        return client, user

    return build


@pytest.fixture
def sitting(make, session):
    officer = make.officer()
    members = make.jag_members(4)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer, amount_pence=120_000)
    for member in members:
        declarations.declare_interest(session, member, app, has_interest=False)
    session.commit()
    return officer, members, meeting, app


def _vote(client, meeting, app, **data):
    return client.post(f"/admin/meeting/record/vote?id={meeting.id}", data={"application_id": app.id, **data})


def _all_votes(session):
    session.expire_all()
    return session.execute(select(Vote)).scalars().all()


def test_a_member_votes_in_their_own_screen_and_the_officer_sees_the_tally(sitting, session, staff_client):
    officer, members, meeting, app = sitting
    member_client, member = staff_client(user=members[0])
    tasks = member_client.get("/admin/").get_data(as_text=True)
    assert f"Vote on {app.reference}" in tasks and "#your-vote" in tasks
    page = member_client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert 'id="your-vote"' in page and "How do you vote?" in page
    response = _vote(member_client, meeting, app, choice="for", comment="Good plan", back="application")
    assert response.headers["Location"].endswith(f"/admin/application/details/?id={app.id}#your-vote")
    assert f"{app.reference}: Your vote is recorded" in flashes(member_client)
    page = member_client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert "You voted <strong>for</strong>" in page and "Change my vote" in page
    assert f"Vote on {app.reference}" not in member_client.get("/admin/").get_data(as_text=True)

    officer_client, _ = staff_client(user=officer)
    _vote(officer_client, meeting, app, choice="against", member_id=members[1].id)
    record = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    assert f"{member.full_name} (" in record and "<strong>for</strong>, own vote" in record
    assert f"recorded by the officer ({officer.full_name}) for {members[1].full_name}" in record
    assert "2 voted, 2 not yet, 0 cannot vote because of an interest." in record
    assert f"Vote of {members[1].full_name} recorded by the officer ({officer.full_name}) for them." in record
    history = officer_client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert f"recorded a vote for {members[1].full_name} at {meeting.title}: against." in history
    assert f"{member.full_name} voted for at {meeting.title}." in history


def test_the_officer_closes_the_item_on_the_tally_shown(sitting, session, staff_client):
    officer, members, meeting, app = sitting
    for member in members[:3]:
        client, _ = staff_client(user=member)
        _vote(client, meeting, app, choice="for")
    officer_client, _ = staff_client(user=officer)
    record = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    shown = record.split('name="tally" value="')[1].split('"')[0]
    late, _ = staff_client(user=members[3])
    _vote(late, meeting, app, choice="against")
    data = {
        "application_id": app.id,
        "outcome": "approve",
        "amount": "1200",
        "tally": shown,
        "expected_version": app.version,  # as the record page's form sends it
    }
    officer_client.post(f"/admin/meeting/record/decide?id={meeting.id}", data=data)
    assert "votes changed while you were looking" in " ".join(flashes(officer_client))
    session.expire_all()
    assert session.get(Application, app.id).state == "on_agenda"
    record = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    data["tally"] = record.split('name="tally" value="')[1].split('"')[0]
    officer_client.post(f"/admin/meeting/record/decide?id={meeting.id}", data=data)
    assert "decision recorded" in " ".join(flashes(officer_client))
    session.expire_all()
    assert session.get(Application, app.id).state == "approved"
    close = session.query(AuditEvent).filter_by(trigger="approve").one()
    assert close.actor_id == officer.id and close.data["votes"] == {"for": 3, "against": 1, "abstain": 0}
    _vote(late, meeting, app, choice="for")
    assert "Voting on this item has closed" in " ".join(flashes(late))


def test_refusals_through_the_screens(sitting, session, staff_client, make):
    officer, members, meeting, app = sitting
    client, member = staff_client(user=members[0])
    _vote(client, meeting, app, choice="for", member_id=members[1].id)  # a forged form
    assert "You can record only your own vote" in " ".join(flashes(client))
    absent = make.jag_members(1)[0]
    declarations.declare_interest(session, absent, app, has_interest=False)
    session.commit()
    absent_client, _ = staff_client(user=absent)
    _vote(absent_client, meeting, app, choice="for")
    assert "You are not recorded as a voting member present" in " ".join(flashes(absent_client))
    finance, _ = staff_client(Role.FINANCE)
    assert _vote(finance, meeting, app, choice="for").status_code == 403
    assert _all_votes(session) == []


@pytest.mark.parametrize(
    "data",
    [
        {"choice": "yes"},
        {"choice": ""},
        {"choice": "for", "comment": "x" * 5000},
        {"choice": "for", "comment": "ring\x07"},
        {"choice": "for", "member_id": "not-a-number"},
        {"choice": "for", "member_id": "99999999999999999999"},
        {"choice": "for", "application_id": "abc"},
        {"choice": "for", "application_id": "-1"},
        {"choice": "for", "application_id": "1" * 30},
        {"choice": "for", "back": "https://evil.example/"},
    ],
)
def test_garbage_in_every_voting_field_changes_nothing_and_never_500s(sitting, session, staff_client, data):
    _officer, members, meeting, app = sitting
    client, _ = staff_client(user=members[0])
    response = client.post(
        f"/admin/meeting/record/vote?id={meeting.id}", data={"application_id": app.id, **data}
    )
    assert response.status_code in (302, 404)
    assert "evil.example" not in response.headers.get("Location", "")
    if data.get("back") is None:
        assert _all_votes(session) == []
    for bad_id in ("x", "0", "1" * 30):
        assert client.post(f"/admin/meeting/record/vote?id={bad_id}", data=data).status_code == 404


def test_csrf_is_required_for_a_vote(app, sitting, session, staff_client):
    _officer, members, meeting, application = sitting
    client, _ = staff_client(user=members[0])
    with csrf_enabled(app):
        assert _vote(client, meeting, application, choice="for").status_code == 400
    assert _all_votes(session) == []


def test_two_tabs_submitting_at_once_leave_one_vote_the_later_choice(sitting, session, staff_client):
    _officer, members, meeting, app = sitting
    tab_one, _ = staff_client(user=members[0])
    _vote(tab_one, meeting, app, choice="for")
    _vote(tab_one, meeting, app, choice="for")
    _vote(tab_one, meeting, app, choice="against")
    (vote,) = _all_votes(session)
    assert vote.choice.value == "against"
    assert [e.action for e in session.query(AuditEvent).filter(AuditEvent.action.like("vote%"))] == [
        "vote",
        "vote_changed",
    ]


def test_an_interest_hides_others_votes_and_blocks_voting(sitting, session, staff_client, make):
    officer, members, meeting, app = sitting
    conflicted = make.jag_members(1)[0]
    declarations.declare_interest(session, conflicted, app, has_interest=True, nature="I chair the group")
    from grants_app.services import meetings as meeting_service

    meeting_service.record_attendance(session, officer, meeting, conflicted)
    item = quorum.open_agenda_item(session, meeting.id, app.id)
    votes.cast_vote(session, members[0], item, members[0], "for", "A comment others may read")
    session.commit()
    client, _ = staff_client(user=conflicted)
    record = client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    assert f'id="votes-hidden-{app.id}"' in record and "A comment others may read" not in record
    assert "You declared an interest in this application, so you cannot vote on it." in record
    history = client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert "votes are hidden from you" in history and "A comment others may read" not in history
    _vote(client, meeting, app, choice="for")
    assert "declared an interest" in " ".join(flashes(client))
    officer_client, _ = staff_client(user=officer)
    _vote(officer_client, meeting, app, choice="for", member_id=conflicted.id)
    assert f"{conflicted.full_name} has declared an interest" in " ".join(flashes(officer_client))
    record = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    assert "cannot vote (declared an interest)" in record


def test_before_the_meeting_starts_members_see_when_voting_opens(make, session, staff_client):
    officer = make.officer()
    member = make.jag_members(1)[0]
    meeting = make.meeting(officer, days_ahead=2)
    app = make.on_agenda(meeting, officer)
    declarations.declare_interest(session, member, app, has_interest=False)
    session.commit()
    client, _ = staff_client(user=member)
    page = client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
    assert "Voting opens when the meeting starts" in page and "How do you vote?" not in page
    _vote(client, meeting, app, choice="for")
    assert "once it has started" in " ".join(flashes(client))


@contextmanager
def _count_queries():
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        counted.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _meeting_with(make, session, officer, items: int) -> int:
    """A sitting meeting with `items` agenda items, three members' own votes and an interest on each."""
    members = make.jag_members(4)
    meeting = make.meeting(officer, members=members)
    for _ in range(items):
        app = make.on_agenda(meeting, officer)
        item = quorum.open_agenda_item(session, meeting.id, app.id)
        for member in members[:3]:
            declarations.declare_interest(session, member, app, has_interest=False)
            votes.cast_vote(session, member, item, member, "for", "ok")
        declarations.declare_interest(session, members[3], app, has_interest=True, nature="Trustee")
    return meeting.id


def test_the_meeting_page_costs_the_same_with_2_or_20_items(make, session, staff_client):
    officer = make.officer()
    small, large = _meeting_with(make, session, officer, 2), _meeting_with(make, session, officer, 20)
    # and a written procedure waiting to be noted, with its responses
    members = make.jag_members(3)
    wp_app = make.eligible(officer)
    procedure = written_procedures.start_written_procedure(
        session,
        officer,
        wp_app,
        deadline_at=utcnow() + timedelta(hours=50),
        summary="Urgent",
        recommendation="approve",
        amount_pence=wp_app.amount_requested_pence,
    )
    for member in members:
        declarations.declare_interest(session, member, wp_app, has_interest=False)
        written_procedures.cast_written_vote(session, member, procedure, member, "for")
    with clock.pinned(utcnow() + timedelta(hours=51)):
        written_procedures.close_due_written_procedures(session)
    session.commit()
    client, _ = staff_client(user=officer)
    counts = []
    for meeting_id in (small, small, large):  # the first request warms per-process caches
        session.expire_all()
        with _count_queries() as queries:
            page = client.get(f"/admin/meeting/record/?id={meeting_id}")
        assert page.status_code == 200 and "own vote" in page.get_data(as_text=True)
        assert "Waiting to be noted" in page.get_data(as_text=True)
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


# -- written procedure through the screens ----------------------------------------------------------------
@pytest.fixture
def urgent(make, session):
    officer = make.officer()
    members = make.jag_members(5)
    app = make.eligible(officer, amount_pence=150_000)
    session.commit()
    return officer, members, app


def _start_form(**change):
    day = (utcnow() + timedelta(days=4)).date().isoformat()
    form = {
        "deadline_date": day,
        "deadline_time": "17:00",
        "summary": "The event is before the next meeting.",
        "recommendation": "approve",
        "amount": "1500",
        "conditions": "",
        "reason": "",
    }
    form.update(change)
    return form


def test_the_officer_circulates_members_vote_and_see_the_count(urgent, session, staff_client):
    officer, members, app = urgent
    client, _ = staff_client(user=officer)
    page = client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert 'id="action-put_to_written_procedure"' in page and "Circulate to the JAG members" in page
    # The officer makes the recommendation: neither answer is chosen for them.
    assert 'id="rec-approve" value="approve" checked' not in page
    assert 'id="rec-decline" value="decline" checked' not in page
    refused = client.post(
        f"/admin/application/{app.id}/written-procedure", data=_start_form(recommendation="")
    )
    assert "Choose whether you recommend approving or declining" in refused.get_data(as_text=True)
    response = client.post(f"/admin/application/{app.id}/written-procedure", data=_start_form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert "circulated to the JAG members" in " ".join(flashes(client))
    session.expire_all()
    procedure = session.execute(select(WrittenProcedure)).scalar_one()
    assert session.get(Application, app.id).state == "in_written_procedure"

    member_client, _ = staff_client(user=members[0])
    tasks = member_client.get("/admin/").get_data(as_text=True)
    assert f"Written procedure: declare any interest in and vote on {app.reference}" in tasks
    member_client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    page = member_client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert "Your vote on the recommendation" in page and "Approve £1,500.00" in page
    member_client.post(
        f"/admin/application/{app.id}/written-procedure/vote",
        data={"procedure_id": procedure.id, "choice": "for", "comment": "Urgent"},
    )
    assert "Your vote is recorded" in flashes(member_client)
    member_client.post(
        f"/admin/application/{app.id}/written-procedure/vote",
        data={"procedure_id": procedure.id, "choice": "for", "member_id": members[1].id},
    )
    assert "only your own vote" in " ".join(flashes(member_client))
    page = client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    assert "1 of 5 members without an interest have voted" in page and "Comment: Urgent" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"deadline_date": (utcnow() - timedelta(days=1)).date().isoformat()}, "must be in the future"),
        (
            {"deadline_date": (utcnow() + timedelta(days=1)).date().isoformat(), "deadline_time": "00:01"},
            "48 hours",
        ),
        ({"deadline_date": "31/02/2027"}, "real date"),
        ({"deadline_date": "\u200b"}, "real date"),
        ({"deadline_time": "tea time"}, "24-hour time"),
        ({"summary": ""}, "Enter a summary"),
        ({"summary": "x" * 20_000}, "5,000 characters"),
        ({"recommendation": "<script>"}, "Choose whether you recommend"),
        ({"amount": "lots"}, "Enter an amount in pounds"),
        ({"amount": "9" * 40}, "too large"),
        ({"amount": "1500.01"}, "more than the £1,500.00 requested"),
        ({"recommendation": "decline", "reason": ""}, "Enter the reason for declining"),
    ],
)
def test_bad_written_procedure_forms_keep_what_was_typed_and_change_nothing(
    urgent, session, staff_client, change, message
):
    officer, _members, app = urgent
    client, _ = staff_client(user=officer)
    response = client.post(f"/admin/application/{app.id}/written-procedure", data=_start_form(**change))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "The written procedure was not started" in page
    if "deadline_date" in change:  # the message sits by the field it is about
        assert 'id="deadline_date-error"' in page and 'aria-invalid="true"' in page
    if "summary" not in change:
        assert "The event is before the next meeting." in page  # what was typed is kept
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"
    assert session.query(WrittenProcedure).count() == 0


def test_written_procedure_routes_refuse_other_roles_and_garbage(urgent, session, staff_client):
    officer, members, app = urgent
    member_client, _ = staff_client(user=members[0])
    assert (
        member_client.post(f"/admin/application/{app.id}/written-procedure", data=_start_form()).status_code
        == 403
    )
    assert member_client.post(f"/admin/application/{app.id}/written-procedure/stop").status_code == 403
    finance, _ = staff_client(Role.FINANCE)
    assert finance.post(f"/admin/application/{app.id}/written-procedure/vote", data={}).status_code == 403
    for procedure_id in ("", "abc", "-3", "9" * 25):
        response = member_client.post(
            f"/admin/application/{app.id}/written-procedure/vote",
            data={"procedure_id": procedure_id, "choice": "for"},
        )
        assert response.status_code == 302
    officer_client, _ = staff_client(user=officer)
    officer_client.post(f"/admin/application/{app.id}/written-procedure/stop", data={"reason": "x"})
    assert "no written procedure to stop" in " ".join(flashes(officer_client))


def test_the_officer_stops_a_written_procedure(urgent, session, staff_client):
    officer, _members, app = urgent
    client, _ = staff_client(user=officer)
    client.post(f"/admin/application/{app.id}/written-procedure", data=_start_form())
    client.post(f"/admin/application/{app.id}/written-procedure/stop", data={"reason": ""})
    assert "Enter the reason" in " ".join(flashes(client))
    client.post(f"/admin/application/{app.id}/written-procedure/stop", data={"reason": "Event cancelled"})
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"
    assert session.execute(select(WrittenProcedure.state)).scalar_one() == "stopped"


def test_the_next_page_load_after_the_deadline_closes_it_and_the_meeting_notes_it(
    urgent, session, staff_client, make
):
    officer, members, app = urgent
    procedure = written_procedures.start_written_procedure(
        session,
        officer,
        app,
        deadline_at=utcnow() + timedelta(hours=49),
        summary="Urgent",
        recommendation="approve",
        amount_pence=app.amount_requested_pence,
    )
    for member in members[:3]:
        declarations.declare_interest(session, member, app, has_interest=False)
        written_procedures.cast_written_vote(session, member, procedure, member, "for", "Yes")
    session.commit()
    client, _ = staff_client(Role.RAG_VIEWER)
    deadline = (
        procedure.deadline_at if procedure.deadline_at.tzinfo else procedure.deadline_at.replace(tzinfo=UTC)
    )
    with clock.pinned(deadline + timedelta(minutes=1)):
        assert client.get("/admin/").status_code == 200
        session.expire_all()
        assert session.get(WrittenProcedure, procedure.id).state == "adopted"
        assert session.get(Application, app.id).state == "approved"
        meeting = make.meeting(officer)
        session.commit()
        officer_client, _ = staff_client(user=officer)
        page = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
        assert "Decisions by written procedure for noting" in page and "Waiting to be noted" in page
        assert "3 of 5 members responded" in page
        officer_client.post(f"/admin/meeting/record/note-written?id={meeting.id}")
        assert "1 decision by written procedure noted" in " ".join(flashes(officer_client))
        page = officer_client.get(f"/admin/meeting/record/?id={meeting.id}").get_data(as_text=True)
        assert "Noted at this meeting" in page and "Decision by written procedure noted:" in page
