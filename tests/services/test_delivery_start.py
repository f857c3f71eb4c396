"""After the group accepts its offer: its monitoring returns are scheduled at once, and delivery starts on
the project's start date by itself (the daily job, or the next page anyone loads); staff may start it
earlier. Before this, a grant stayed at "Offer accepted" until someone thought to press a button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants_app import clock, due_on_page_load
from grants_app.clock import pinned
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application, AuditEvent
from grants_app.services import offers
from grants_app.workflow import SYSTEM, GuardFailed, fire


def _accepted(make, starts_in_days: int = 0) -> Application:
    app, _meeting, officer = make.approved()
    app.start_date = london_today() + timedelta(days=starts_in_days)
    fire(make.session, app, "issue_offer", officer)
    make.accept(app)
    return app


def test_accepting_the_offer_schedules_the_returns_the_group_will_send(make):
    app = _accepted(make, starts_in_days=20)
    assert has_tag(app, ApplicationTag.AWAITING_DELIVERY)
    returns = sorted(app.monitoring_returns, key=lambda r: r.due_on)
    assert returns and returns[-1].is_final and not any(r.is_final for r in returns[:-1])
    assert returns[0].period_starts_on == app.start_date


def test_the_job_starts_delivery_on_the_start_date_and_not_before(make, session):
    today = london_today()
    starting = _accepted(make, starts_in_days=0)
    later = _accepted(make, starts_in_days=3)
    scheduled = {r.period_label for r in starting.monitoring_returns}

    report = offers.start_due_deliveries(session, SYSTEM, today)

    assert report.done == [starting.reference] and not report.refused
    assert not has_tag(starting, ApplicationTag.AWAITING_DELIVERY)
    assert has_tag(starting, ApplicationTag.PAYABLE)
    # Starting delivery keeps the returns scheduled at acceptance (no duplicates).
    assert {r.period_label for r in starting.monitoring_returns} == scheduled
    assert len(starting.monitoring_returns) == len(scheduled)
    assert has_tag(later, ApplicationTag.AWAITING_DELIVERY)
    # Three days on, the later one starts too.
    with pinned(clock.now() + timedelta(days=3)):
        assert offers.start_due_deliveries(session, SYSTEM, london_today()).done == [later.reference]


def test_the_system_may_not_start_a_project_early_but_the_officer_may(make, session):
    app = _accepted(make, starts_in_days=10)
    with pytest.raises(GuardFailed, match="delivery starts then"):
        fire(session, app, "start_delivery", SYSTEM)
    assert has_tag(app, ApplicationTag.AWAITING_DELIVERY)
    fire(session, app, "start_delivery", make.officer())
    assert not has_tag(app, ApplicationTag.AWAITING_DELIVERY)


def test_the_cli_job_starts_due_deliveries_as_the_system(app, make, session):
    grant = _accepted(make)
    session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "start-delivery"])
    assert result.exit_code == 0 and "Started delivery of 1 grant" in result.output, result.output
    db.session.expire_all()
    assert not has_tag(db.session.get(Application, grant.id), ApplicationTag.AWAITING_DELIVERY)
    event = db.session.execute(
        select(AuditEvent).where(
            AuditEvent.trigger == "start_delivery",
            AuditEvent.entity_type == "application",
            AuditEvent.entity_id == grant.id,
        )
    ).scalar_one()
    assert event.actor_id is None and event.actor_label.startswith("System")
    again = app.test_cli_runner().invoke(args=["jobs", "start-delivery"])
    assert "Started delivery of 0 grants" in again.output


def test_the_next_page_anyone_loads_starts_a_due_delivery(client, make, session):
    grant = _accepted(make)
    not_yet = _accepted(make, starts_in_days=5)
    session.commit()
    assert client.get("/").status_code == 200
    db.session.expire_all()
    assert not has_tag(db.session.get(Application, grant.id), ApplicationTag.AWAITING_DELIVERY)
    assert has_tag(db.session.get(Application, not_yet.id), ApplicationTag.AWAITING_DELIVERY)


def test_the_page_load_check_sees_a_due_start_only_from_the_start_date(make, session):
    today = london_today()
    later = _accepted(make, starts_in_days=3)
    session.flush()
    assert offers.deliveries_due_to_start(session, today) == []
    assert offers.deliveries_due_to_start(session, today + timedelta(days=3)) == [later]
    with pinned(clock.now() + timedelta(days=3)):
        offers.start_due_deliveries(session, SYSTEM, london_today())
        assert not has_tag(later, ApplicationTag.AWAITING_DELIVERY)
        assert offers.deliveries_due_to_start(session, london_today()) == []


def test_a_page_load_starts_a_batch_and_the_next_one_the_rest(client, make, session, monkeypatch):
    """After the daily job has not run for a while there may be thousands of due starts: one request
    starting them all ran past gunicorn's timeout (a minute and more at 100,000 applications)."""
    monkeypatch.setattr(due_on_page_load, "PAGE_LOAD_BATCH", 2)
    grants = [_accepted(make) for _ in range(3)]
    session.commit()

    def awaiting() -> list[int]:
        db.session.expire_all()
        return [
            g.id
            for g in grants
            if has_tag(db.session.get(Application, g.id), ApplicationTag.AWAITING_DELIVERY)
        ]

    assert client.get("/").status_code == 200
    assert awaiting() == [grants[2].id]  # oldest first
    assert client.get("/").status_code == 200
    assert awaiting() == []


@pytest.mark.postgres
def test_a_page_load_passes_over_a_grant_another_request_is_starting(app, make, session):
    first, second = _accepted(make), _accepted(make)
    session.commit()
    with db.engine.connect() as other:
        other.execute(select(Application.id).where(Application.id == first.id).with_for_update()).all()
        report = offers.start_due_deliveries(session, SYSTEM, london_today(), limit=20)
        assert report.done == [second.reference] and report.refused == []
        session.commit()
        other.rollback()
    assert offers.deliveries_due_to_start(session, london_today()) == [first]
