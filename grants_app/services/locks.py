"""Serialising writers that read before they write, so no update is lost between the read and the write.

PostgreSQL runs transactions side by side: a rule such as "a new link cancels the older ones" or "at
most five links an hour" needs the competing transactions to take turns. SQLite lets one writer in
at a time and refuses a write based on a stale read ("database is locked", shown as "busy, try
again"), so these are no-ops there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_name(session: Session, namespace: str, key: str) -> None:
    """Hold a transaction-scoped lock on (namespace, key), e.g. ("sign-in", an email address), until
    the caller commits or rolls back. Other transactions asking for the same name wait."""
    if _postgres(session):
        session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(f"{namespace}:{key}", 0))))


def lock_row(session: Session, model: type[Any], row_id: int) -> None:
    """SELECT ... FOR UPDATE on one row until the caller commits: the next transaction changing
    things that belong to it (its documents, its budget lines) waits and then sees this one's work."""
    if _postgres(session):
        session.execute(select(model.id).where(model.id == row_id).with_for_update())
