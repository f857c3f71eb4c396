"""Emails are queued in the decision's transaction and sent only after it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants_app.models import OutboxEmail
from grants_app.outbox_sender import send_due
from grants_app.services.outbox import render_email
from grants_app.transaction import commit
from grants_app.workflow import fire


class BrokenMailer:
    def send(self, to, subject, body):
        raise ConnectionRefusedError("SMTP server down")


def test_submission_queues_a_confirmation_email_sent_after_commit(make, session, mailer):
    app = make.application()
    fire(session, app, "submit", make.applicant_of(app))
    queued = session.execute(select(OutboxEmail)).scalars().all()
    assert queued and all(e.sent_at is None for e in queued)
    assert mailer.sent == []  # nothing leaves before the commit
    commit(session)
    assert {to for to, _s, _b in mailer.sent} == {
        app.organisation.contact_email,
        make.applicant_of(app).email,
    }
    subject = mailer.sent[0][1]
    assert app.reference in subject
    assert all(e.sent_at is not None for e in session.execute(select(OutboxEmail)).scalars())


def test_a_mail_failure_never_loses_the_decision(make, session, app, monkeypatch):
    application = make.submitted()
    officer = make.officer()
    session.commit()
    monkeypatch.setitem(app.extensions, "mailer", BrokenMailer())
    fire(session, application, "fail_screening", officer, reason="Outside Stevenage")
    commit(session)  # must not raise
    session.expire_all()
    assert application.state == "ineligible"
    failed = session.execute(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).scalars().all()
    assert failed and all("SMTP server down" in e.last_error and e.attempts == 1 for e in failed)


def test_rolled_back_decision_sends_nothing(make, session, mailer):
    app = make.application()
    fire(session, app, "submit", make.applicant_of(app))
    session.rollback()
    assert send_due(session, mailer).claimed == 0
    assert mailer.sent == []


def test_email_templates_render_and_keep_text_as_text():
    subject, body = render_email(
        "question_asked",
        reference="SOS-2026-0001",
        title="<script>alert(1)</script>",
        organisation="Club",
        fund="Fund",
        link="http://x/applications/SOS-2026-0001",
        partnership="SoSafe",
        question="Why?",
    )
    assert subject == "We need more information about SOS-2026-0001"
    assert "<script>alert(1)</script>" in body  # plain text email: shown as typed, never interpreted


@pytest.mark.parametrize("template", ["submission_received", "status_changed", "offer_made", "payment_made"])
def test_missing_context_is_an_error_not_a_blank(template):
    with pytest.raises(Exception, match="undefined"):
        render_email(template)
