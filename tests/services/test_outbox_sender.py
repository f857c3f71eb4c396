"""The sender: each email goes once whatever runs at the same time, a mail server that hangs or is
down costs seconds and a later retry (never a decision, never an email), and what it gives up on
waits for a person to send it again."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.config import Settings
from grants_app.extensions import db
from grants_app.mail import SMTPMailer
from grants_app.models import OutboxEmail, utcnow
from grants_app.outbox_sender import send_all_due, send_due, work
from grants_app.services import outbox
from grants_app.services.outbox import GIVE_UP_AFTER, MAX_ATTEMPTS, queue_email
from tests.smtp_servers import closed_port, hanging_smtp_server, recording_smtp_server


def queue(session, count: int) -> list[str]:
    addresses = [f"person{i}@group.example" for i in range(count)]
    for address in addresses:
        queue_email(session, address, "sign_in_staff", admin_link="http://x/admin", partnership="SoSafe")
    session.commit()
    return addresses


def smtp_mailer(app, port: int, timeout: float = 1) -> SMTPMailer:
    settings = dataclasses.replace(
        app.config["SOSAFE"], mail_server="127.0.0.1", mail_port=port, mail_timeout_seconds=timeout
    )
    return SMTPMailer(settings)


class SlowRecordingMailer:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, to, subject, body):
        time.sleep(0.01)
        with self.lock:
            self.sent.append(to)


class BrokenMailer:
    def __init__(self) -> None:
        self.tries = 0

    def send(self, to, subject, body):
        self.tries += 1
        raise ConnectionRefusedError("SMTP server down")


def test_two_senders_at_once_send_each_email_once(session):
    addresses = queue(session, 40)
    mailer = SlowRecordingMailer()
    barrier = threading.Barrier(2)
    reports = []
    engine = db.engine

    def sender() -> None:
        with Session(engine) as own:
            barrier.wait(timeout=10)
            reports.append(send_all_due(own, mailer, batch=5))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert Counter(mailer.sent) == Counter(addresses)  # every email, each exactly once
    assert all(r.sent > 0 for r in reports) and sum(r.sent for r in reports) == 40
    session.expire_all()
    rows = session.execute(select(OutboxEmail)).scalars().all()
    assert all(r.sent_at is not None and r.attempts == 1 and r.claim_token is None for r in rows)


def test_two_sender_processes_send_each_email_once(app, session, database_url, tmp_path):
    """`flask outbox send` twice at the same moment against one SMTP server: no email twice."""
    addresses = queue(session, 60)
    with recording_smtp_server(delay=0.03) as server:
        env = {
            **os.environ,
            "SOSAFE_ENV": "testing",
            "DATABASE_URL": database_url,
            "SOSAFE_INSTANCE_PATH": str(tmp_path),
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(server.server_address[1]),
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        }
        command = [sys.executable, "-m", "flask", "--app", "grants_app", "outbox", "send"]
        processes = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    sent_to = Counter(to for to, _subject in server.messages)
    assert sent_to == Counter(addresses), "some email went twice or not at all"
    assert sum(int(out.split("Sent ")[1].split(" ")[0]) for out, _err in outputs) == 60
    session.expire_all()
    assert session.execute(select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).first() is None


def test_a_hanging_mail_server_does_not_slow_a_request(app, client, session, ref, monkeypatch):
    """Production: the request only queues; the sender meets the hanging server, not the person."""
    settings = app.config["SOSAFE"]
    assert Settings.from_env({"MAIL_BACKEND": "smtp"}).outbox_send_after_commit is False
    monkeypatch.setattr(settings, "outbox_send_after_commit", False)
    with hanging_smtp_server() as port:
        # The production timeout: a request that waited for the server would take at least 5s.
        monkeypatch.setitem(app.extensions, "mailer", smtp_mailer(app, port, timeout=5))
        started = time.monotonic()
        response = client.post("/sign-in", data={"email": "someone@group.example"})
        took = time.monotonic() - started
        assert response.status_code == 302
        assert took < 2.5, f"the request took {took:.1f}s"
        (email,) = session.execute(select(OutboxEmail)).scalars().all()
        assert email.sent_at is None and email.attempts == 0

        # The sender gives up on this attempt within its socket timeout and tries again later.
        monkeypatch.setitem(app.extensions, "mailer", smtp_mailer(app, port, timeout=1))
        started = time.monotonic()
        report = send_due(session, app.extensions["mailer"])
        assert time.monotonic() - started < 3
    assert (report.sent, report.failed) == (0, 1)
    session.expire_all()
    assert "timed out" in email.last_error
    assert email.next_attempt_at.replace(tzinfo=None) >= (utcnow() + timedelta(seconds=50)).replace(
        tzinfo=None
    )


def test_an_outage_does_not_use_up_the_attempts(app, session):
    """Many senders (or requests) during a short outage: one attempt each, then a wait of minutes."""
    addresses = queue(session, 30)
    down = smtp_mailer(app, closed_port())
    for _ in range(10):  # ten rounds within a second, as six busy requests and a worker would
        send_all_due(session, down)
    session.expire_all()
    rows = session.execute(select(OutboxEmail)).scalars().all()
    assert {r.attempts for r in rows} == {1}
    assert all(r.gave_up_at is None and r.sent_at is None for r in rows)
    assert all("refused" in r.last_error.lower() for r in rows)

    later = utcnow() + timedelta(minutes=1, seconds=1)
    with recording_smtp_server() as server, clock.pinned(later):
        report = send_all_due(session, smtp_mailer(app, server.server_address[1]))
    assert report.sent == 30
    assert Counter(to for to, _s in server.messages) == Counter(addresses)


def test_the_sender_gives_up_only_after_hours(session):
    (address,) = queue(session, 1)
    mailer = BrokenMailer()
    start = utcnow()
    moment = start
    for _ in range(MAX_ATTEMPTS + 5):
        with clock.pinned(moment):
            send_all_due(session, mailer)
        session.expire_all()
        email = session.execute(select(OutboxEmail)).scalar_one()
        if email.gave_up_at is not None:
            break
        moment = email.next_attempt_at.replace(tzinfo=start.tzinfo)
    assert mailer.tries == MAX_ATTEMPTS
    assert email.gave_up_at is not None and email.sent_at is None
    assert moment - start >= timedelta(hours=8) and timedelta(hours=8) <= GIVE_UP_AFTER
    # Given up, it is never tried again by itself.
    with clock.pinned(moment + timedelta(days=2)):
        send_all_due(session, mailer)
    assert mailer.tries == MAX_ATTEMPTS
    assert outbox.status_of(email).startswith("Not sent: gave up after 12 attempts")


def test_a_sender_that_dies_mid_send_loses_its_claim_after_the_lease(session, mailer):
    queue(session, 1)
    token, claimed = outbox.claim_due(session)
    session.commit()
    assert len(claimed) == 1
    # Within the lease nobody else takes it ...
    assert send_all_due(session, mailer).claimed == 0
    # ... after it, another sender does (and the dead sender's late result is ignored).
    with clock.pinned(utcnow() + outbox.LEASE + timedelta(seconds=1)):
        assert send_all_due(session, mailer).sent == 1
    assert outbox.record_sent(session, claimed[0].id, token) is False
    assert len(mailer.sent) == 1


def test_the_worker_sends_until_told_to_stop(app, session, mailer):
    stop = threading.Event()
    reports = []
    engine = db.engine

    def run() -> None:
        with app.app_context(), Session(engine) as own:
            reports.append(work(own, mailer, interval=0.05, stop=stop))

    thread = threading.Thread(target=run)
    thread.start()
    try:
        addresses = queue(session, 3)
        deadline = time.monotonic() + 10
        while len(mailer.sent) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert sorted(to for to, _s, _b in mailer.sent) == sorted(addresses)
    assert reports[0].sent == 3


def test_outbox_send_command_reports_what_it_did(app, session, mailer):
    queue(session, 2)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2 emails; 0 failed" in result.output
    assert len(mailer.sent) == 2
