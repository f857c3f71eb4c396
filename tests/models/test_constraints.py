"""The database itself refuses data that breaks the domain's invariants (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from grants_app.models import (
    ApplicationPriority,
    Award,
    BudgetLine,
    DecisionRoute,
    Priority,
    Score,
    StrategyPeriod,
    User,
)


def _refused(session, *objects) -> None:
    session.add_all(objects)
    with pytest.raises((IntegrityError, StatementError)):
        session.flush()
    session.rollback()


def test_budget_lines_must_be_positive_pence(make, session):
    app = make.application(complete=False)
    session.commit()
    _refused(
        session,
        BudgetLine(
            application_id=app.id, category_id=make.ref.categories[0].id, description="x", amount_pence=0
        ),
    )


def test_priority_share_must_be_between_1_and_100(make, session):
    app = make.application(complete=False)
    session.commit()
    _refused(
        session,
        ApplicationPriority(application_id=app.id, priority_id=make.ref.priorities[0].id, percentage=101),
    )


def test_awards_must_be_positive_and_meeting_decisions_name_their_meeting(make, session):
    app = make.application(complete=False)
    session.commit()
    _refused(session, Award(application_id=app.id, amount_pence=-5, decision_route=DecisionRoute.DELEGATED))
    app = make.application(complete=False)
    session.commit()
    _refused(session, Award(application_id=app.id, amount_pence=500, decision_route=DecisionRoute.MEETING))


def test_scores_need_a_justification(make, session):
    app = make.application(complete=False)
    member = make.jag_members(1)[0]
    session.commit()
    criterion = make.ref.fund.scoring_criteria[0]
    _refused(
        session,
        Score(application_id=app.id, user_id=member.id, criterion_id=criterion.id, score=3, justification=""),
    )


def test_fund_award_limits_are_consistent(make, session):
    fund = make.ref.fund
    session.commit()
    fund.max_award_pence = fund.budget_pence + 1
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_enums_are_enforced_by_the_database(make, session):
    user = make.user()
    session.commit()
    with pytest.raises((IntegrityError, StatementError)):
        session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:u, 'mayor')"), {"u": user.id})
        session.flush()
    session.rollback()


def test_emails_are_stored_in_lower_case(session):
    _refused(session, User(email="Mixed@Case.example", full_name="X"))


def test_a_new_strategy_does_not_rewrite_old_applications(make, session, ref):
    app = make.application()
    old_priority_ids = {s.priority_id for s in app.priority_splits}
    new = StrategyPeriod(name="Strategy 2027-2030", starts_on=date(2027, 4, 1), ends_on=date(2030, 3, 31))
    session.add(new)
    session.add_all(
        Priority(strategy_period=new, number=n, short_name=f"New {n}", title=f"New {n}") for n in range(1, 4)
    )
    session.commit()
    session.refresh(app)
    assert {s.priority_id for s in app.priority_splits} == old_priority_ids
    assert all(s.priority.strategy_period.name != "Strategy 2027-2030" for s in app.priority_splits)
