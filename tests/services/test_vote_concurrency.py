"""Votes and closes at the same moment (PostgreSQL row locks): two tabs leave one vote with the later
choice, many members vote at once, and a close racing a vote counts a tally no vote slips into."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.extensions import db
from grants_app.models import (
    AgendaItem,
    Application,
    AuditEvent,
    Meeting,
    User,
    Vote,
    VoteChoice,
    WrittenProcedure,
    utcnow,
)
from grants_app.refusals import Refusal
from grants_app.services import decisions, declarations, quorum, votes, written_procedures

pytestmark = pytest.mark.postgres


def _run_together(app, jobs: list[Callable[[Session], str]]) -> list[str]:
    """Each job in its own thread, session and transaction, all released at once; returns what each
    reported ("refused: ..." for a Refusal), in job order."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = [""] * len(jobs)

    def run(n: int) -> None:
        with app.app_context(), Session(db.engine, expire_on_commit=False) as own:
            barrier.wait(timeout=30)
            try:
                results[n] = jobs[n](own)
                own.commit()
            except Refusal as refusal:
                own.rollback()
                results[n] = f"refused: {refusal}"
            except Exception as exc:  # noqa: BLE001 - reported in the assertions
                own.rollback()
                results[n] = f"error: {exc!r}"

    threads = [threading.Thread(target=run, args=(n,), name=f"job-{n}") for n in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def sitting(make, session):
    officer = make.officer()
    members = make.jag_members(10)
    meeting = make.meeting(officer, members=members)
    application = make.on_agenda(meeting, officer)
    for member in members:
        declarations.declare_interest(session, member, application, has_interest=False)
    item = quorum.open_agenda_item(session, meeting.id, application.id)
    session.commit()
    return officer.id, [m.id for m in members], meeting.id, application.id, item.id


def _cast(member_id: int, item_id: int, choice: str, stamp: dict | None = None):
    def job(own: Session) -> str:
        member = own.get(User, member_id)
        votes.cast_vote(own, member, own.get(AgendaItem, item_id), member, choice)
        own.flush()
        if stamp is not None:
            stamp[choice] = time.monotonic()  # still holding the row lock: commits follow in this order
        return choice

    return job


def test_two_tabs_voting_at_once_leave_one_vote_with_the_later_choice(app, session, sitting):
    _officer, members, _meeting, _app, item_id = sitting
    for attempt in range(3):
        order: dict[str, float] = {}
        results = _run_together(
            app,
            [
                _cast(members[attempt], item_id, "for", order),
                _cast(members[attempt], item_id, "against", order),
            ],
        )
        assert sorted(results) == ["against", "for"], results
        session.expire_all()
        (vote,) = session.execute(
            select(Vote).where(Vote.agenda_item_id == item_id, Vote.user_id == members[attempt])
        ).scalars()
        later = max(order, key=order.get)
        assert vote.choice == VoteChoice(later)
        actions = sorted(
            e.action
            for e in session.execute(select(AuditEvent).where(AuditEvent.action.like("vote%"))).scalars()
            if e.data["member_id"] == members[attempt]
        )
        assert actions == ["vote", "vote_changed"]


def test_ten_members_voting_at_once_are_all_counted(app, session, sitting):
    _officer, members, _meeting, _app, item_id = sitting
    results = _run_together(app, [_cast(m, item_id, "for") for m in members])
    assert results == ["for"] * 10
    session.expire_all()
    assert len(quorum.votes_on(session, item_id)) == 10


def _close(officer_id: int, meeting_id: int, app_id: int):
    def job(own: Session) -> str:
        application = own.get(Application, app_id)
        event = decisions.record_decision(
            own,
            own.get(User, officer_id),
            application,
            own.get(Meeting, meeting_id),
            outcome="approve",
            amount_pence=application.amount_requested_pence,
        )
        return f"closed {event.data['votes']}"

    return job


def _hold_lock_in(monkeypatch, name: str, thread: str, held: threading.Event) -> None:
    """Make `thread` hold the agenda item's row lock for a moment after `quorum.<name>` takes it."""
    original = getattr(quorum, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == thread and kwargs.get("lock", name == "lock_agenda_item"):
            held.set()
            time.sleep(0.5)
        return result

    monkeypatch.setattr(quorum, name, slow)


def test_a_vote_racing_the_close_waits_and_is_refused(app, session, sitting, monkeypatch):
    officer, members, meeting, app_id, item_id = sitting
    for member in members[:3]:
        _run_together(app, [_cast(member, item_id, "for")])
    held = threading.Event()
    _hold_lock_in(monkeypatch, "open_agenda_item", "job-0", held)

    def late_vote(own: Session) -> str:
        held.wait(timeout=10)  # the close has the item: this vote must wait for it
        return _cast(members[3], item_id, "against")(own)

    results = _run_together(app, [_close(officer, meeting, app_id), late_vote])
    assert results[0] == "closed {'for': 3, 'against': 0, 'abstain': 0}", results
    assert results[1].startswith("refused: Voting on this item has closed"), results
    session.expire_all()
    assert len(quorum.votes_on(session, item_id)) == 3  # the tally recorded is the tally kept


def test_a_close_racing_a_vote_waits_and_counts_it(app, session, sitting, monkeypatch):
    officer, members, meeting, app_id, item_id = sitting
    for member in members[:3]:
        _run_together(app, [_cast(member, item_id, "for")])
    held = threading.Event()
    _hold_lock_in(monkeypatch, "lock_agenda_item", "job-0", held)

    def close_after(own: Session) -> str:
        held.wait(timeout=10)  # the vote has the item: the close must wait and then count it
        return _close(officer, meeting, app_id)(own)

    results = _run_together(app, [_cast(members[3], item_id, "against"), close_after])
    assert results == ["against", "closed {'for': 3, 'against': 1, 'abstain': 0}"], results
    session.expire_all()
    assert session.get(Application, app_id).state == "approved"
    assert len(quorum.votes_on(session, item_id)) == 4


# -- written procedure ------------------------------------------------------------------------------------
@pytest.fixture
def circulated(make, session):
    officer = make.officer()
    members = make.jag_members(4)
    application = make.eligible(officer)
    procedure = written_procedures.start_written_procedure(
        session,
        officer,
        application,
        deadline_at=utcnow() + timedelta(hours=60),
        summary="Urgent",
        recommendation="approve",
        amount_pence=application.amount_requested_pence,
    )
    for member in members:
        declarations.declare_interest(session, member, application, has_interest=False)
    session.commit()
    return [m.id for m in members], application.id, procedure.id


def _written(member_id: int, procedure_id: int, choice: str):
    def job(own: Session) -> str:
        member = own.get(User, member_id)
        written_procedures.cast_written_vote(
            own, member, own.get(WrittenProcedure, procedure_id), member, choice
        )
        return choice

    return job


def test_the_last_two_responses_at_once_close_it_exactly_once(app, session, circulated):
    members, app_id, procedure_id = circulated
    _run_together(app, [_written(members[0], procedure_id, "for")])
    _run_together(app, [_written(members[1], procedure_id, "for")])
    results = _run_together(
        app, [_written(members[2], procedure_id, "for"), _written(members[3], procedure_id, "against")]
    )
    assert sorted(results) == ["against", "for"], results
    session.expire_all()
    procedure = session.get(WrittenProcedure, procedure_id)
    assert procedure.state == "adopted" and procedure.responses_counted == 4
    assert (procedure.votes_for, procedure.votes_against) == (3, 1)
    closes = session.execute(select(AuditEvent).where(AuditEvent.trigger == "adopt")).scalars().all()
    assert len(closes) == 1 and session.get(Application, app_id).state == "approved"


def test_the_job_and_a_page_load_closing_at_once_close_it_once(app, session, circulated):
    members, app_id, procedure_id = circulated
    for member in members[:3]:
        _run_together(app, [_written(member, procedure_id, "for")])
    deadline = session.get(WrittenProcedure, procedure_id).deadline_at

    def close(own: Session) -> str:
        with clock.pinned(deadline + timedelta(minutes=5)):
            report = written_procedures.close_due_written_procedures(own)
        return f"closed {len(report.closed)}, refused {len(report.refused)}"

    results = _run_together(app, [close, close, close])
    assert not any(r.startswith("error") for r in results), results
    assert sum(int(r.split()[1].rstrip(",")) for r in results) == 1, results
    session.expire_all()
    assert session.get(Application, app_id).state == "approved"
    assert len(session.execute(select(AuditEvent).where(AuditEvent.trigger == "adopt")).scalars().all()) == 1
