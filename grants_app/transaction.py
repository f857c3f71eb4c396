"""The request/CLI boundary: commit the unit of work, then deliver the emails it queued."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy.orm import Session

from grants_app.services.outbox import deliver_pending

log = logging.getLogger(__name__)


def commit(session: Session) -> None:
    session.commit()
    deliver_outbox(session)


def deliver_outbox(session: Session) -> int:
    """Runs after the commit, so a mail failure can never lose or half-apply a decision."""
    mailer = current_app.extensions["mailer"]
    try:
        sent = deliver_pending(session, mailer)
        session.commit()
        return sent
    except Exception:  # noqa: BLE001 - the decision is already safe; the outbox retries later
        session.rollback()
        log.exception("delivering the outbox failed; emails stay queued")
        return 0
