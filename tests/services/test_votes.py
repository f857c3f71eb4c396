"""Members' own votes at a meeting: who may vote when, the officer on a member's behalf, changes of vote,
the audit trail, and the close counting the members' own votes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants_app import clock
from grants_app.models import AgendaOutcome, AuditEvent, Role, Vote, VoteChoice, utcnow
from grants_app.refusals import Refusal
from grants_app.services import decisions, declarations, quorum, votes
from grants_app.services import meetings as meeting_service
from grants_app.workflow import GuardFailed


@pytest.fixture
def sitting(make, session):
    """A meeting that started an hour ago, four members present and voting, one application on it."""
    officer = make.officer()
    members = make.jag_members(4)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    for member in members:
        declarations.declare_interest(session, member, app, has_interest=False)
    item = quorum.open_agenda_item(session, meeting.id, app.id)
    return officer, members, meeting, app, item


def _votes(session, item):
    return {
        v.user_id: v for v in session.execute(select(Vote).where(Vote.agenda_item_id == item.id)).scalars()
    }


# -- the role and interest matrix -------------------------------------------------------------------------
MEMBER_STATES = ["present", "absent", "not_voting", "interest", "undeclared"]
ACTORS = ["self", "officer", "other_member", "finance", "rag_viewer"]
ALLOWED = {("self", "present"), ("officer", "present")}


@pytest.mark.parametrize("member_state", MEMBER_STATES)
@pytest.mark.parametrize("actor_kind", ACTORS)
def test_who_may_vote_for_whom(make, session, actor_kind, member_state):
    officer = make.officer()
    member, other = make.jag_members(2)
    meeting = make.meeting(officer, members=[other])
    app = make.on_agenda(meeting, officer)
    declarations.declare_interest(session, other, app, has_interest=False)
    if member_state != "absent":
        meeting_service.record_attendance(
            session, officer, meeting, member, present=True, voting=member_state != "not_voting"
        )
    if member_state == "interest":
        declarations.declare_interest(session, member, app, has_interest=True, nature="Trustee of the group")
    elif member_state != "undeclared":
        declarations.declare_interest(session, member, app, has_interest=False)
    actor = {
        "self": member,
        "officer": officer,
        "other_member": other,
        "finance": make.user(Role.FINANCE),
        "rag_viewer": make.user(Role.RAG_VIEWER),
    }[actor_kind]
    item = quorum.open_agenda_item(session, meeting.id, app.id)
    audits_before = session.query(AuditEvent).filter_by(action="vote").count()
    if (actor_kind, member_state) in ALLOWED:
        vote = votes.cast_vote(session, actor, item, member, "for", "Good value")
        assert vote.choice == VoteChoice.FOR and vote.cast_by_id == actor.id
        assert vote.on_behalf == (actor_kind == "officer")
        event = session.query(AuditEvent).filter_by(action="vote").one()
        assert event.actor_id == actor.id and event.data["member_id"] == member.id
        assert ("recorded_for" in event.data) == (actor_kind == "officer")
    else:
        with pytest.raises(Refusal) as refused:
            votes.cast_vote(session, actor, item, member, "for")
        message = str(refused.value)
        if actor_kind not in {"self", "officer"}:
            assert message == "You can record only your own vote"
        elif member_state in {"absent", "not_voting"}:
            assert "not recorded as a voting member present" in message
        elif member_state == "interest":
            assert "declared an interest" in message
        else:
            assert "declare" in message.lower()
        assert _votes(session, item) == {}
        assert session.query(AuditEvent).filter_by(action="vote").count() == audits_before


def test_no_vote_before_the_meeting_starts_or_after_the_item_or_minutes_close(make, session):
    officer = make.officer()
    members = make.jag_members(3)
    later = make.meeting(officer, days_ahead=3)
    app = make.on_agenda(later, officer)
    for member in members:
        declarations.declare_interest(session, member, app, has_interest=False)
    item = quorum.open_agenda_item(session, later.id, app.id)
    with pytest.raises(Refusal, match="votes can be recorded once it has started"):
        votes.cast_vote(session, members[0], item, members[0], "for")

    with clock.pinned(later.starts_at + timedelta(minutes=5)):
        for member in members:
            meeting_service.record_attendance(session, officer, later, member)
            votes.cast_vote(session, member, item, member, "for")
        decisions.record_decision(
            session, officer, app, later, outcome="approve", amount_pence=app.amount_requested_pence
        )
        with pytest.raises(Refusal, match="Voting on this item has closed"):
            votes.cast_vote(session, members[0], item, members[0], "against")
    assert {v.choice for v in _votes(session, item).values()} == {VoteChoice.FOR}


def test_no_vote_once_the_minutes_are_approved(sitting, session):
    officer, members, meeting, _app, item = sitting
    with pytest.raises(Refusal, match="while an item has no outcome"):
        meeting_service.save_minutes(session, officer, meeting, minutes="Adjourned.", approve=True)
    # Minutes approved before that rule (or edited in the database) still stop the vote.
    meeting.minutes_approved_at = utcnow()
    with pytest.raises(Refusal, match="minutes of this meeting are approved"):
        votes.cast_vote(session, members[0], item, members[0], "for")


def test_changing_a_vote_keeps_one_vote_and_audits_the_change(sitting, session):
    _officer, members, _meeting, _app, item = sitting
    member = members[0]
    votes.cast_vote(session, member, item, member, "for", "First thoughts")
    votes.cast_vote(session, member, item, member, "for", "First thoughts")  # a double click: nothing new
    votes.cast_vote(session, member, item, member, "against", "Changed my mind after the discussion")
    only = _votes(session, item)
    assert list(only) == [member.id]
    assert only[member.id].choice == VoteChoice.AGAINST
    assert only[member.id].comment == "Changed my mind after the discussion"
    events = session.query(AuditEvent).filter(AuditEvent.action.in_(["vote", "vote_changed"])).all()
    assert [(e.action, e.actor_id) for e in events] == [("vote", member.id), ("vote_changed", member.id)]
    assert events[1].data["previous_choice"] == "for" and events[1].data["choice"] == "against"


@pytest.mark.parametrize(
    ("choice", "comment", "message"),
    [
        ("yes", "", "Choose for, against or abstain"),
        ("", "", "Choose for, against or abstain"),
        (None, "", "Choose for, against or abstain"),
        (["for"], "", "Choose for, against or abstain"),
        ("for", "x" * 2001, "2,000 characters or fewer"),
        ("for", "bad\x07bell", "control characters"),
        ("for", 42, "must be text"),
    ],
)
def test_garbage_is_refused_and_changes_nothing(sitting, session, choice, comment, message):
    _officer, members, _meeting, _app, item = sitting
    with pytest.raises(Refusal, match=message):
        votes.cast_vote(session, members[0], item, members[0], choice, comment)
    assert _votes(session, item) == {}


def test_invisible_characters_and_markup_in_a_comment(sitting, session):
    _officer, members, _meeting, _app, item = sitting
    vote = votes.cast_vote(session, members[0], item, members[0], " FOR ", "\u200b<b>Yes</b>\u202e ")
    assert vote.choice == VoteChoice.FOR and vote.comment == "<b>Yes</b>"  # kept as text, escaped on pages


def test_the_close_counts_the_members_own_votes(sitting, session):
    officer, members, meeting, app, item = sitting
    for member in members[:2]:
        votes.cast_vote(session, member, item, member, "for")
    for member in members[2:]:
        votes.cast_vote(session, member, item, member, "against")
    with pytest.raises(GuardFailed, match="for 2, against 2"):
        decisions.record_decision(session, officer, app, meeting, outcome="approve", amount_pence=100_000)
    votes.cast_vote(session, members[3], item, members[3], "abstain")
    event = decisions.record_decision(session, officer, app, meeting, outcome="approve", amount_pence=100_000)
    assert app.state == "approved"
    assert event.data["votes"] == {"for": 2, "against": 1, "abstain": 1}
    assert item.outcome == AgendaOutcome.APPROVED and event.actor_id == officer.id


def test_closing_without_quorum_is_refused(make, session):
    officer = make.officer()
    members = make.jag_members(2)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    item = quorum.open_agenda_item(session, meeting.id, app.id)
    for member in members:
        declarations.declare_interest(session, member, app, has_interest=False)
        votes.cast_vote(session, member, item, member, "for")
    with pytest.raises(GuardFailed, match="not quorate"):
        decisions.decide_agenda_item(
            session, officer, meeting, app, votes={}, outcome="approve", amount_pence=10_000
        )
    with pytest.raises(GuardFailed, match="not quorate"):
        decisions.decide_agenda_item(session, officer, meeting, app, votes={}, outcome="decline", reason="No")
    assert app.state == "on_agenda" and item.outcome is None


def test_a_vote_cast_before_declaring_an_interest_never_counts(sitting, session):
    officer, members, meeting, app, item = sitting
    for member in members[:3]:
        votes.cast_vote(session, member, item, member, "for")
    declarations.declare_interest(session, members[0], app, has_interest=True, nature="Became a trustee")
    status = quorum.quorum_for(session, meeting, app.id)
    assert quorum.count_votes(session, item, status.voting_member_ids).in_favour == 2


def test_the_decision_is_refused_when_votes_changed_since_the_page_was_shown(sitting, session):
    officer, members, meeting, app, item = sitting
    for member in members[:3]:
        votes.cast_vote(session, member, item, member, "for")
    shown = votes.tally_fingerprint(quorum.votes_on(session, item.id).items())
    votes.cast_vote(session, members[3], item, members[3], "against")  # while the officer looks
    with pytest.raises(Refusal, match="votes changed while you were looking"):
        decisions.decide_agenda_item(
            session, officer, meeting, app, votes={}, outcome="approve", amount_pence=10_000, tally_seen=shown
        )
    assert app.state == "on_agenda"
    fresh = votes.tally_fingerprint(quorum.votes_on(session, item.id).items())
    decisions.decide_agenda_item(
        session, officer, meeting, app, votes={}, outcome="approve", amount_pence=10_000, tally_seen=fresh
    )
    assert app.state == "approved"


def test_the_officer_form_does_not_overwrite_a_members_own_vote(sitting, session):
    officer, members, meeting, app, item = sitting
    votes.cast_vote(session, members[0], item, members[0], "against")
    decisions.decide_agenda_item(
        session,
        officer,
        meeting,
        app,
        votes={members[0].id: "against", members[1].id: "for"},
        outcome="votes_only",
    )
    recorded = _votes(session, item)
    assert recorded[members[0].id].cast_by_id == members[0].id  # unchanged: still their own
    assert recorded[members[1].id].cast_by_id == officer.id and recorded[members[1].id].on_behalf


def test_only_the_officer_closes_an_item(sitting, session):
    _officer, members, meeting, app, _item = sitting
    with pytest.raises(Refusal, match="permission"):
        decisions.decide_agenda_item(
            session, members[0], meeting, app, votes={}, outcome="approve", amount_pence=1
        )


def test_votes_and_their_times_are_utc(sitting, session):
    _officer, members, _meeting, _app, item = sitting
    vote = votes.cast_vote(session, members[0], item, members[0], "for")
    assert abs((vote.cast_at - utcnow()).total_seconds()) < 60
