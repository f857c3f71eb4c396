"""Written procedure: circulating an urgent application, members' declarations and votes, and the close:
at the deadline (the CLI job or the next page load), by full response, not quorate, not carried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from grants_app import clock
from grants_app.dates import LONDON, as_utc
from grants_app.models import (
    AgendaItem,
    Application,
    AuditEvent,
    DecisionRoute,
    OutboxEmail,
    VoteChoice,
    WrittenProcedure,
    WrittenProcedureResponse,
    utcnow,
)
from grants_app.refusals import Refusal
from grants_app.services import declarations, meeting_record, written_procedures
from grants_app.services import meetings as meeting_service
from grants_app.services.quorum import VoteCount
from grants_app.workflow import SYSTEM


def _start(session, officer, app, *, hours=72, **kwargs):
    values = {
        "deadline_at": utcnow() + timedelta(hours=hours),
        "summary": "Urgent: the event is before the next meeting.",
        "recommendation": "approve",
        "amount_pence": app.amount_requested_pence,
    }
    values.update(kwargs)
    return written_procedures.start_written_procedure(session, officer, app, **values)


@pytest.fixture
def circulated(make, session):
    """Five JAG members from four statutory agencies; an urgent application circulated to them."""
    officer = make.officer()
    members = make.jag_members(5)
    app = make.eligible(officer, amount_pence=150_000)
    procedure = _start(session, officer, app)
    return officer, members, app, procedure


def _vote(session, procedure, member, choice, comment=""):
    if declarations.declaration_for(session, procedure.application_id, member.id) is None:
        declarations.declare_interest(session, member, procedure.application, has_interest=False)
    return written_procedures.cast_written_vote(session, member, procedure, member, choice, comment)


def _after(procedure, hours=1):
    deadline = (
        procedure.deadline_at if procedure.deadline_at.tzinfo else procedure.deadline_at.replace(tzinfo=UTC)
    )
    return clock.pinned(deadline + timedelta(hours=hours))


# -- circulating ------------------------------------------------------------------------------------------
def test_circulating_tells_every_member_and_puts_it_in_their_tasks(circulated, session, make):
    officer, members, app, procedure = circulated
    assert app.state == "in_written_procedure" and procedure.state == "circulated"
    assert {r.user_id for r in procedure.responses} == {m.id for m in members}
    emails = session.query(OutboxEmail).filter_by(template="written_procedure_circulated").all()
    assert sorted(e.to_address for e in emails) == sorted(m.email for m in members)
    assert "Approve £1,500.00" in emails[0].body_text and app.reference in emails[0].subject
    from grants_app.services import ballots

    tasks = ballots.voting_tasks(session, members[0])
    assert [t.text.split(" by ")[0] for t in tasks] == [
        f"Written procedure: declare any interest in and vote on {app.reference} {app.title}"
    ]
    assert procedure.quorum_percent == 50 and procedure.quorum_min_agencies == 3
    trail = session.query(AuditEvent).filter_by(action="transition").order_by(AuditEvent.id).all()
    assert [(e.entity_type, e.trigger, e.actor_id) for e in trail][-2:] == [
        ("application", "put_to_written_procedure", officer.id),
        ("written_procedure", "circulate", officer.id),
    ]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"hours": -1}, None, "The deadline must be in the future"),
        ({"hours": 47}, None, "at least 48 hours"),
        ({"deadline_at": None}, "deadline_date", "Enter the deadline"),
        ({"deadline_at": datetime(2030, 1, 1)}, "deadline_date", "Enter the deadline"),  # naive: no zone
        ({"summary": "   \u200b "}, "summary", "Enter a summary"),
        ({"summary": "x" * 5001}, "summary", "5,000 characters or fewer"),
        ({"summary": "bad\x00"}, "summary", "control characters"),
        ({"recommendation": "maybe"}, "recommendation", "Choose whether you recommend"),
        ({"recommendation": None}, "recommendation", "Choose whether you recommend"),
        ({"amount_pence": None}, "amount", "Enter the amount"),
        ({"amount_pence": -5}, "amount", "Enter the amount"),
        ({"amount_pence": True}, "amount", "Enter the amount"),
        ({"amount_pence": 10**15}, "amount", "more than the £1,500.00 requested"),
        ({"recommendation": "decline", "reason": ""}, "reason", "Enter the reason for declining"),
        ({"conditions": 12}, "conditions", "must be text"),
    ],
)
def test_bad_written_procedures_are_refused_and_change_nothing(make, session, change, field, message):
    officer = make.officer()
    make.jag_members(5)
    app = make.eligible(officer, amount_pence=150_000)
    session.commit()
    with pytest.raises(Refusal, match=message) as refused:
        _start(session, officer, app, **change)
    if field:
        assert field in refused.value.errors
    session.rollback()
    assert session.get(Application, app.id).state == "eligible"
    assert session.query(WrittenProcedure).count() == 0
    assert session.query(OutboxEmail).filter_by(template="written_procedure_circulated").count() == 0


def test_only_the_officer_and_only_a_screened_application(make, session):
    officer = make.officer()
    members = make.jag_members(5)
    with pytest.raises(Refusal, match="permission"):
        _start(session, members[0], make.eligible(officer))
    submitted = make.submitted()
    with pytest.raises(Refusal, match="You cannot 'Decide by written procedure' when it is"):
        _start(session, officer, submitted)


def test_a_written_procedure_needs_members_from_enough_agencies(make, session):
    officer = make.officer()
    make.jag_members(2)  # two statutory agencies; the quorum needs three
    with pytest.raises(Refusal, match="at least 3 partner agencies"):
        _start(session, officer, make.eligible(officer))


def test_parse_deadline_takes_uk_and_iso_dates_and_refuses_garbage():
    assert written_procedures.parse_deadline("2026-07-01", "17:00") == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert written_procedures.parse_deadline("1/12/2026", "9.30") == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    for day, at, field in [
        ("", "17:00", "deadline_date"),
        ("31/02/2026", "17:00", "deadline_date"),
        ("2026-13-01", "17:00", "deadline_date"),
        ("tomorrow", "17:00", "deadline_date"),
        ("2026-07-01", "25:00", "deadline_time"),
        ("2026-07-01", "5pm", "deadline_time"),
        ("2026-07-01", "17:00:00:00", "deadline_time"),
    ]:
        with pytest.raises(Refusal) as refused:
            written_procedures.parse_deadline(day, at)
        assert field in refused.value.errors, (day, at)


# -- voting -----------------------------------------------------------------------------------------------
def test_each_member_declares_then_votes_and_may_change_until_the_deadline(circulated, session):
    _officer, members, app, procedure = circulated
    member = members[0]
    with pytest.raises(Refusal, match="Declare whether you have an interest"):
        written_procedures.cast_written_vote(session, member, procedure, member, "for")
    _vote(session, procedure, member, "for", "Urgent and well evidenced")
    _vote(session, procedure, member, "against", "Second thoughts")
    response = session.execute(
        select(WrittenProcedureResponse).filter_by(procedure_id=procedure.id, user_id=member.id)
    ).scalar_one()
    assert response.choice == VoteChoice.AGAINST and response.comment == "Second thoughts"
    actions = [
        e.action for e in session.query(AuditEvent).filter(AuditEvent.action.like("written_vote%")).all()
    ]
    assert actions == ["written_vote", "written_vote_changed"]
    with _after(procedure), pytest.raises(Refusal, match="deadline for this written procedure passed"):
        _vote(session, procedure, member, "for")


def test_interest_blocks_voting_whoever_records_it_and_does_not_count(circulated, session):
    officer, members, app, procedure = circulated
    declarations.declare_interest(session, members[0], app, has_interest=True, nature="Chair of the group")
    with pytest.raises(Refusal, match="You have declared an interest"):
        written_procedures.cast_written_vote(session, members[0], procedure, members[0], "for")
    with pytest.raises(Refusal, match=f"{members[0].full_name} has declared an interest"):
        written_procedures.cast_written_vote(session, officer, procedure, members[0], "for")
    count = written_procedures.count_procedure(session, procedure)
    assert count.members == 4 and count.required_responses == 2


def test_another_members_vote_cannot_be_forged_and_late_joiners_do_not_vote(circulated, session, make):
    _officer, members, _app, procedure = circulated
    with pytest.raises(Refusal, match="only your own vote"):
        written_procedures.cast_written_vote(session, members[0], procedure, members[1], "for")
    newcomer = make.jag_members(1)[0]
    declarations.declare_interest(session, newcomer, procedure.application, has_interest=False)
    with pytest.raises(Refusal, match="not a JAG member when this written procedure was circulated"):
        written_procedures.cast_written_vote(session, newcomer, procedure, newcomer, "for")


# -- closing ----------------------------------------------------------------------------------------------
def test_decided_at_the_deadline_by_the_cli_job(circulated, session, app, mailer):
    officer, members, application, procedure = circulated
    for member, choice in zip(members[:3], ["for", "for", "against"], strict=True):
        _vote(session, procedure, member, choice)
    session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "close-written-procedures"])
    assert "Closed 0 written procedures" in result.output  # the deadline has not passed
    with _after(procedure):
        result = runner.invoke(args=["jobs", "close-written-procedures"])
    assert result.exit_code == 0, result.output
    assert f"{application.reference}: Recommendation adopted by written procedure" in result.output
    session.expire_all()
    fresh = session.get(Application, application.id)
    assert fresh.state == "approved"
    assert fresh.award.decision_route == DecisionRoute.WRITTEN_PROCEDURE
    assert fresh.award.amount_pence == 150_000 and fresh.award.meeting_id is None
    wp = session.get(WrittenProcedure, procedure.id)
    assert wp.state == "adopted" and (wp.votes_for, wp.votes_against, wp.votes_abstain) == (2, 1, 0)
    assert (wp.responses_counted, wp.members_counted, wp.agencies_counted) == (3, 5, 3)
    closes = session.query(AuditEvent).filter_by(action="transition", actor_id=None).all()
    assert {(e.entity_type, e.trigger, e.actor_label) for e in closes} == {
        ("written_procedure", "adopt", SYSTEM.label),
        ("application", "approve_by_written_procedure", SYSTEM.label),
    }
    result_mails = session.query(OutboxEmail).filter_by(template="written_procedure_result").count()
    assert result_mails == 5
    assert any("Approved" in body for _to, _subject, body in mailer.sent)  # the group is told


def test_decided_as_soon_as_every_member_has_responded(circulated, session):
    _officer, members, app, procedure = circulated
    declarations.declare_interest(session, members[4], app, has_interest=True, nature="Works for the group")
    for member in members[:3]:
        _vote(session, procedure, member, "for")
    assert procedure.state == "circulated"
    _vote(session, procedure, members[3], "abstain")  # the last response awaited
    assert procedure.state == "adopted" and app.state == "approved"
    assert procedure.responses[4].had_interest is True
    assert procedure.closed_at is not None and procedure.members_counted == 4


def test_an_interest_declared_as_the_last_response_makes_it_due_at_once(circulated, session):
    _officer, members, app, procedure = circulated
    for member in members[:4]:
        _vote(session, procedure, member, "for")
    assert written_procedures.due_for_closing(session, utcnow()) == []  # one member still to answer
    declarations.declare_interest(session, members[4], app, has_interest=True, nature="Trustee")
    assert written_procedures.due_for_closing(session, utcnow()) == [procedure.id]
    written_procedures.close_due_written_procedures(session)
    assert procedure.state == "adopted" and app.state == "approved"


def test_not_quorate_goes_to_the_next_meetings_agenda(circulated, session, make):
    officer, members, app, procedure = circulated
    next_meeting = make.meeting(officer, days_ahead=10)
    make.meeting(officer, days_ahead=30)
    _vote(session, procedure, members[0], "for")
    _vote(session, procedure, members[1], "for")  # 2 of 5 responses: 3 needed
    with _after(procedure):
        report = written_procedures.close_due_written_procedures(session)
    assert report.closed == [(app.reference, "Referred to the JAG meeting")]
    assert procedure.state == "referred" and app.state == "on_agenda"
    assert procedure.referred_to_meeting_id == next_meeting.id
    item = session.execute(select(AgendaItem).filter_by(application_id=app.id)).scalar_one()
    assert item.meeting_id == next_meeting.id and item.outcome is None
    assert procedure.outcome_note.startswith("Not quorate: 2 members of 5 without an interest responded")


def test_not_quorate_with_no_meeting_arranged_goes_back_to_wait_for_one(circulated, session):
    _officer, members, app, procedure = circulated
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    assert procedure.state == "referred" and app.state == "eligible"
    assert "No JAG meeting is arranged" in procedure.outcome_note


def test_quorate_but_not_carried_goes_to_the_meeting(circulated, session, make):
    officer, members, app, procedure = circulated
    make.meeting(officer, days_ahead=10)
    for member, choice in zip(members[:4], ["for", "against", "against", "abstain"], strict=True):
        _vote(session, procedure, member, choice)
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    assert procedure.state == "referred" and app.state == "on_agenda"
    assert procedure.outcome_note.startswith("Not carried: 1 for, 2 against, 1 abstained")


def test_a_carried_approval_the_budget_cannot_hold_is_referred(circulated, session, make):
    officer, members, app, procedure = circulated
    make.ref.fund.budget_pence = 100_000
    make.ref.fund.max_award_pence = 100_000
    session.flush()
    for member in members[:4]:
        _vote(session, procedure, member, "for")
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    assert procedure.state == "referred" and app.award is None
    assert (
        "could not be carried out" in procedure.outcome_note and "over its budget" in procedure.outcome_note
    )


def test_a_recommendation_to_decline(make, session, mailer):
    officer = make.officer()
    members = make.jag_members(4)
    app = make.eligible(officer)
    procedure = _start(
        session, officer, app, recommendation="decline", reason="Duplicates the council's own scheme."
    )
    for member in members[:3]:
        _vote(session, procedure, member, "for")
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    assert app.state == "declined" and procedure.outcome_note == "Recommendation adopted: declined"


def test_stopping_and_withdrawing(make, session):
    officer = make.officer()
    make.jag_members(4)
    app = make.eligible(officer)
    procedure = _start(session, officer, app)
    with pytest.raises(Refusal, match="Enter the reason"):
        written_procedures.stop_written_procedure(session, officer, procedure, reason=" ")
    written_procedures.stop_written_procedure(session, officer, procedure, reason="The event was cancelled")
    assert procedure.state == "stopped" and app.state == "eligible"
    again = _start(session, officer, app)
    from grants_app.workflow import fire

    applicant = make.applicant_of(app)
    fire(session, app, "withdraw", applicant, reason="We found other funding")
    assert app.state == "withdrawn" and again.state == "stopped"
    assert written_procedures.due_for_closing(session, utcnow() + timedelta(days=30)) == []


# -- noting at the next meeting ---------------------------------------------------------------------------
def test_the_result_votes_and_responses_are_noted_at_the_next_meeting_and_minuted(circulated, session, make):
    officer, members, app, procedure = circulated
    _vote(session, procedure, members[0], "for", "Support")
    _vote(session, procedure, members[1], "for")
    _vote(session, procedure, members[2], "abstain")
    declarations.declare_interest(session, members[3], app, has_interest=True, nature="Trustee")
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    meeting = make.meeting(officer)
    assert [p.id for p in written_procedures.awaiting_noting(session)] == [procedure.id]
    assert written_procedures.note_written_procedures(session, officer, meeting) == 1
    assert written_procedures.awaiting_noting(session) == []
    minutes = meeting_record.draft_minutes(meeting_record.build(session, meeting))
    assert "1 Decision by written procedure noted:" in minutes
    assert f"{app.reference} {app.title}: circulated by {officer.full_name}" in minutes
    assert "Votes: 2 for, 0 against, 1 abstained (3 of 4 members responded" in minutes
    assert f"{members[0].full_name} (" in minutes and "): for - Support" in minutes
    assert f"{members[3].full_name} (" in minutes and "declared an interest, did not vote" in minutes
    assert f"{members[4].full_name} (" in minutes and "): no vote" in minutes
    assert "Result: Recommendation adopted: approved £1,500.00." in minutes
    meeting_service.save_minutes(session, officer, meeting, minutes=minutes, approve=True)
    with pytest.raises(Refusal, match="approved"):
        written_procedures.note_written_procedures(session, officer, meeting)


def test_deadlines_are_shown_in_london_time(circulated):
    _officer, _members, _app, procedure = circulated
    local = as_utc(procedure.deadline_at).astimezone(LONDON)
    assert local.tzinfo is not None


def test_only_the_engine_writes_a_written_procedures_state(circulated, session):
    from grants_app.workflow import IllegalStateWrite

    _officer, _members, _app, procedure = circulated
    procedure.state = "adopted"
    with pytest.raises(IllegalStateWrite, match="WrittenProcedure.state may only be changed"):
        session.flush()
    session.rollback()


def test_the_quorum_never_asks_for_fewer_responses_than_agencies():
    count = written_procedures.ProcedureCount(
        members=4,
        responded=2,
        agencies=2,
        required_responses=2,
        required_agencies=3,
        count=VoteCount(2, 0, 0),
        everyone_responded=False,
    )
    assert count.responses_needed == 3 and not count.is_quorate
    assert "at least 3 responses from 3 agencies are needed" in count.explain()
