"""The email sender: claims due outbox rows, sends each outside any transaction, records the result.

It owns its transactions (a short one to claim, one per email to record), like the request boundary
in transaction.py. `flask outbox work` runs `work()` in production next to gunicorn; in development
and tests transaction.commit() calls `send_due()` straight after each commit, through the same claims.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from grants_app.services import outbox
from grants_app.services.outbox import Mailer

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    """What one run did: emails sent, failed (to be retried), and given up on (after the last attempt)."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.failed + self.gave_up

    def add(self, other: SendReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.gave_up += other.gave_up


def send_due(session: Session, mailer: Mailer, *, limit: int = 10, now: datetime | None = None) -> SendReport:
    """Claim up to `limit` due emails, commit the claim, send each and commit its result.

    A mail failure is recorded for a retry later (never raised). Database errors propagate, after a
    rollback, to the caller (a request has already committed its work; the worker waits and retries).
    """
    report = SendReport()
    try:
        token, emails = outbox.claim_due(session, now=now, limit=limit)
        work = [(e.id, e.to_address, e.subject, e.body_text) for e in emails]
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        raise
    for email_id, to, subject, body in work:
        try:
            mailer.send(to, subject, body)
        except Exception as exc:  # noqa: BLE001 - any transport failure is kept for a retry
            log.warning("email %s to %s failed: %s", email_id, to, exc)
            error = f"{type(exc).__name__}: {exc}"
            try:
                last = outbox.record_failure(session, email_id, token, error, now=now)
                session.commit()
            except SQLAlchemyError:
                session.rollback()
                raise
            if last:
                report.gave_up += 1
            else:
                report.failed += 1
            continue
        try:
            outbox.record_sent(session, email_id, token, now=now)
            session.commit()
        except SQLAlchemyError:
            session.rollback()
            raise
        report.sent += 1
    return report


def send_all_due(
    session: Session, mailer: Mailer, *, batch: int = 10, now: datetime | None = None
) -> SendReport:
    """Send batches until nothing is due (failures wait for their next attempt, so this ends)."""
    total = SendReport()
    while True:
        report = send_due(session, mailer, limit=batch, now=now)
        total.add(report)
        if report.claimed < batch:
            return total


def work(
    session: Session,
    mailer: Mailer,
    *,
    interval: float = 5.0,
    batch: int = 10,
    stop: threading.Event | None = None,
) -> SendReport:
    """Send due emails until `stop` is set: at once while there is work, else every `interval` seconds.

    A database that is down is logged and tried again after `interval`; the loop never exits on it.
    """
    stop = stop or threading.Event()
    total = SendReport()
    while not stop.is_set():
        try:
            report = send_due(session, mailer, limit=batch)
        except SQLAlchemyError:
            log.exception("the outbox sender could not reach the database; trying again shortly")
            stop.wait(interval)
            continue
        total.add(report)
        if report.claimed:
            log.info("outbox: %s sent, %s to retry, %s given up", report.sent, report.failed, report.gave_up)
        if report.claimed < batch:
            stop.wait(interval)
    return total
