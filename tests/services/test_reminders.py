"""Reminders: 14 days before a return is due and when it is overdue, a digest for officers, each sent
once (run twice sends once; two runs at once on PostgreSQL send once), all through the outbox."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.dates import LONDON
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import OutboxEmail, ReminderSent
from grants_app.money import format_pence
from grants_app.services import payments as payment_service
from grants_app.services import reminders
from grants_app.services.reminders import send_reminders
from grants_app.workflow import SYSTEM, available_triggers, fire
from tests.return_helpers import Grant, grant, sent


def _emails(session, template: str) -> list[OutboxEmail]:
    return list(session.execute(select(OutboxEmail).where(OutboxEmail.template == template)).scalars())


def _run(session, today):
    report = send_reminders(session, SYSTEM, today)
    session.commit()
    return report


def test_the_group_hears_14_days_before_and_when_overdue_once_each(make, session):
    g = grant(make)
    make.officer()
    due = g.ret.due_on
    assert not _run(session, due - timedelta(days=15)).sent_anything
    report = _run(session, due - timedelta(days=14))
    assert report.due_soon == [f"{g.app.reference} {g.ret.period_label}"]
    soon = _emails(session, "return_due_soon")
    assert {e.to_address for e in soon} >= {g.applicant.email, g.app.organisation.contact_email}
    assert f"is due on {due.day}" in soon[0].subject and f"/returns/{g.ret.id}" in soon[0].body_text
    assert not _run(session, due - timedelta(days=10)).sent_anything  # never twice
    assert not _run(session, due).sent_anything  # due today is not overdue
    report = _run(session, due + timedelta(days=1))
    assert report.overdue and len(_emails(session, "return_overdue")) == len(soon)
    assert not _run(session, due + timedelta(days=2)).overdue
    assert len(_emails(session, "return_due_soon")) == len(soon)


def test_a_run_that_missed_the_window_sends_only_the_overdue_reminder(make, session):
    g = grant(make)
    report = _run(session, g.ret.due_on + timedelta(days=3))
    assert report.overdue and not report.due_soon and not _emails(session, "return_due_soon")


def test_sent_and_accepted_returns_get_no_reminders(make, session):
    g = sent(session, grant(make))
    assert not _run(session, g.ret.due_on + timedelta(days=1)).overdue


def test_a_queried_return_is_reminded_once_when_the_answer_is_late(make, session):
    g = sent(session, grant(make))
    fire(session, g.ret, "query", g.officer, reason="Where is the invoice?")
    session.commit()
    asked = g.ret.queries[0].asked_at.date()
    assert not _run(session, asked + timedelta(days=14)).overdue
    report = _run(session, g.ret.due_on + timedelta(days=20))
    assert report.overdue == [f"{g.app.reference} {g.ret.period_label} (our question is unanswered)"]
    (first, *_rest) = _emails(session, "return_overdue")
    assert "waiting for your answer" in first.subject and "Where is the invoice?" in first.body_text
    assert not _run(session, g.ret.due_on + timedelta(days=21)).overdue


def test_officers_get_a_digest_when_something_is_new(make, session):
    g = grant(make)
    officers = [g.officer, make.officer()]
    finance_a = make.finance()
    first = g.app.award.instalments[0]
    payment = payment_service.request_payment(session, finance_a, first)
    session.commit()
    day = g.ret.due_on + timedelta(days=1)
    report = _run(session, day)
    assert report.digest_recipients == 2 and report.digest_new_items == 2
    digests = _emails(session, "officer_digest")
    assert sorted(e.to_address for e in digests) == sorted(o.email for o in officers)
    body = digests[0].body_text
    assert f"NEW: {g.app.reference}" in body and f"{format_pence(first.amount_pence)}, requested by" in body
    assert not _run(session, day + timedelta(days=1)).digest_recipients  # nothing new: no digest
    fire(session, payment, "authorise", make.finance())
    other = grant(make)
    payment_service.request_payment(session, finance_a, other.app.award.instalments[0])
    session.commit()
    report = _run(session, day + timedelta(days=2))
    assert report.digest_new_items >= 1
    latest = _emails(session, "officer_digest")[-1].body_text
    assert f"NEW: {other.app.reference}" in latest and f"- {g.app.reference}" in latest  # old: not new


def test_suspended_grants_still_report_and_closed_ones_do_not(make, session):
    g = grant(make)
    fire(session, g.app, "suspend", g.officer, reason="Sessions stopped")
    session.commit()
    assert _run(session, g.ret.due_on + timedelta(days=1)).overdue  # on hold, still reporting

    closed = grant(make)
    make.pay(closed.app, 1)  # paid before the spend is reported, so the grant can settle and close
    final = next(r for r in closed.app.monitoring_returns if r.is_final)
    paid = closed.app.award.instalments[0].amount_pence
    sent(session, Grant(closed.app, final, closed.applicant, closed.officer), paid)
    fire(session, final, "accept", closed.officer)
    for trigger in ("accept_final_return", "close"):
        if any(t.trigger == trigger for t in available_triggers(closed.app, closed.officer)):
            fire(session, closed.app, trigger, closed.officer)
    assert has_tag(closed.app, ApplicationTag.TERMINAL)
    session.commit()
    report = _run(session, closed.ret.due_on + timedelta(days=1))
    assert all(closed.app.reference not in name for name in report.overdue + report.due_soon)


def test_the_command_runs_twice_and_sends_once(app, make, session, mailer):
    g = grant(make)
    make.officer()
    session.commit()
    runner = app.test_cli_runner()
    with clock.pinned(datetime.combine(g.ret.due_on + timedelta(days=1), time(9), tzinfo=LONDON)):
        first = runner.invoke(args=["send-reminders"])
        second = runner.invoke(args=["send-reminders"])
    assert first.exit_code == 0 and "1 overdue reminder and" in first.output, first.output
    assert "digest of 1 new item to" in first.output
    assert second.exit_code == 0 and "0 due-soon and 0 overdue" in second.output
    assert "no new items" in second.output
    # delivered after the commit, through the outbox
    assert any("is overdue" in subject for _to, subject, _body in mailer.sent)
    assert (
        session.execute(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None))
        ).scalar_one()
        == 0
    )


@pytest.mark.postgres
@pytest.mark.parametrize("taking_turns", [True, False], ids=["with the lock", "unique constraint alone"])
def test_two_runs_at_once_send_once(make, session, monkeypatch, taking_turns):
    if not taking_turns:
        # Without the advisory lock the second run's inserts wait on the first's and then conflict.
        monkeypatch.setattr(reminders, "_take_turns", lambda _session: None)
    grants = [grant(make) for _ in range(3)]
    make.officer()
    session.commit()
    day = max(g.ret.due_on for g in grants) + timedelta(days=1)
    engine = db.engine
    barrier = threading.Barrier(2)
    reports = []
    errors = []

    def run() -> None:
        with Session(engine) as s:
            barrier.wait(timeout=30)
            try:
                reports.append(send_reminders(s, SYSTEM, day))
                s.commit()
            except Exception as exc:  # pragma: no cover - shown by the assertion
                errors.append(exc)
                s.rollback()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    session.expire_all()
    assert sorted(len(r.overdue) for r in reports) == [0, 3]
    assert sorted(bool(r.digest_recipients) for r in reports) == [False, True]
    overdue = _emails(session, "return_overdue")
    assert len(overdue) == len({(e.to_address, e.subject) for e in overdue})
    assert len(_emails(session, "officer_digest")) == max(r.digest_recipients for r in reports)
    assert session.execute(select(func.count()).select_from(ReminderSent)).scalar_one() == 3 + 3
