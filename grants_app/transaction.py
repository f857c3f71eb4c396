"""The unit of work: one request, one admin action or one CLI command is one transaction.

Services flush and never commit. A face runs each use case through `run()` (or `unit_of_work()`),
which commits when the use case returns and rolls back when it raises. Emails the use case queued in
the outbox are sent after the commit (by the request itself in development and tests, by `flask outbox
work` in production), so a mail failure can never lose or half-apply a decision. A Refusal
comes back as an Outcome for the face to show; any other exception propagates after the rollback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy.orm import Session

from grants_app.outbox_sender import send_due
from grants_app.refusals import Refusal

log = logging.getLogger(__name__)
T = TypeVar("T")

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


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit when the block ends normally; roll back (and re-raise) when anything is raised in it."""
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    commit(session)


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a use case came to: its return value, or the Refusal that stopped it."""

    value: T | None = None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def run(session: Session, work: Callable[[], T]) -> Outcome[T]:
    """Run one use case as one transaction.

    `work` is a call to a service, e.g. `lambda: screening.screen(session, actor, app, ...)`. Returns
    Outcome(value=...) after committing, or Outcome(refusal=...) after rolling back when the use case
    raised a Refusal (nothing changed). Other exceptions are re-raised after the rollback.
    """
    try:
        with unit_of_work(session):
            value = work()
    except Refusal as refusal:
        return Outcome(refusal=refusal)
    return Outcome(value=value)
