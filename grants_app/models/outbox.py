"""Emails queued inside the transaction that caused them, and sent only after it commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from grants_app.models.base import Base, utcnow


class OutboxEmail(Base):
    """One email to one address. A sender claims the row (claim_token, claimed_until) before sending,
    so two senders never send it twice; a failure waits until next_attempt_at; after the last attempt
    gave_up_at is set and the row waits for a person to choose "send again"."""

    __tablename__ = "outbox_emails"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Not before this moment: now for a new email, later after each failure (backoff).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now(), index=True)
    # The sender holding the row, and until when: a sender that dies mid-send loses it after the lease.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None]
    # Set after the last attempt failed; a person's "send again" clears it.
    gave_up_at: Mapped[datetime | None] = mapped_column(index=True)
