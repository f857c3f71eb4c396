"""The request/CLI boundary: commit the unit of work; the emails it queued go out after the commit."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.orm import Session

from grants_app.outbox_sender import send_due

log = logging.getLogger(__name__)

# Emails a request sends itself after its commit (development and tests only); the rest wait for the
# sender, so a backlog never makes one request slow.
AFTER_COMMIT_BATCH = 20


def commit(session: Session) -> None:
    """Commit the request's work. With OUTBOX_SEND_AFTER_COMMIT (console and memory mail backends)
    also send what is due now; in production (SMTP) `flask outbox work` sends, never the request."""
    session.commit()
    if current_app.config["SOSAFE"].outbox_send_after_commit:
        deliver_outbox(session)


def deliver_outbox(session: Session) -> int:
    """Send due emails through the claim-based sender; returns how many went. Never raises: the
    decision is already committed, and whatever was not sent is retried later."""
    mailer = current_app.extensions["mailer"]
    try:
        return send_due(session, mailer, limit=AFTER_COMMIT_BATCH).sent
    except Exception:  # noqa: BLE001 - the decision is already safe; the outbox retries later
        session.rollback()
        log.exception("delivering the outbox failed; emails stay queued")
        return 0
