"""Concurrent JAG approvals against one fund never commit more than its budget (PostgreSQL row locks)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.extensions import db
from grants_app.models import Application, Award, Fund, Meeting, User
from grants_app.services import fund_budget
from grants_app.workflow import GuardFailed, WorkflowError, fire

AWARD = 100_000  # £1,000 each; the fund has room for exactly three


@pytest.mark.postgres
def test_ten_concurrent_approvals_leave_exactly_three_within_budget(make, session):
    fund = make.ref.fund
    fund.max_award_pence = 3 * AWARD
    fund.budget_pence = 3 * AWARD
    session.flush()
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    apps = [make.on_agenda(meeting, officer, amount_pence=AWARD) for _ in range(10)]
    for app in apps:
        make.votes(app, meeting, officer, members)
    session.commit()
    ids = [a.id for a in apps]
    officer_id, meeting_id = officer.id, meeting.id

    engine = db.engine
    barrier = threading.Barrier(len(ids))
    results: dict[int, str] = {}

    def approve(app_id: int) -> None:
        with Session(engine) as s:
            actor = s.get(User, officer_id)
            app = s.get(Application, app_id)
            s.get(Meeting, meeting_id)
            barrier.wait(timeout=30)
            try:
                fire(s, app, "approve", actor, meeting_id=meeting_id, amount_pence=AWARD)
                s.commit()
                results[app_id] = "approved"
            except GuardFailed as exc:
                s.rollback()
                results[app_id] = f"refused: {exc.guard}"
            except WorkflowError as exc:  # pragma: no cover - would show up in the assertion below
                s.rollback()
                results[app_id] = f"error: {exc}"

    threads = [threading.Thread(target=approve, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    session.expire_all()
    outcomes = sorted(results.values())
    assert outcomes.count("approved") == 3, outcomes
    assert outcomes.count("refused: within_budget") == 7, outcomes
    committed = session.execute(select(func.sum(Award.amount_pence))).scalar_one()
    assert committed == 3 * AWARD
    position = fund_budget.fund_position(session, session.get(Fund, fund.id))
    assert position.committed_pence <= position.budget_pence
    states = session.execute(select(Application.state).where(Application.id.in_(ids))).scalars().all()
    assert sorted(states).count("approved") == 3
