"""A record of each reminder sent, so the reminders job never sends the same one twice."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from grants_app.models.base import Base, str_enum, utcnow


class ReminderKind(enum.StrEnum):
    # To the group: a return is due within the reminder window.
    RETURN_DUE_SOON = "return_due_soon"
    # To the group: a return is past its due date.
    RETURN_OVERDUE = "return_overdue"
    # An overdue return first listed in the officers' digest.
    DIGEST_OVERDUE_RETURN = "digest_overdue_return"
    # A payment waiting for authorisation first listed in the officers' digest.
    DIGEST_PAYMENT_WAITING = "digest_payment_waiting"


class ReminderSent(Base):
    """One reminder about one thing: the unique constraint is what makes a second send impossible, even
    when two jobs run at once (the second insert conflicts and sends nothing)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", "about"),
        CheckConstraint("recipients >= 0", name="recipients_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(str_enum(ReminderKind, "reminder_kind"))
    # The monitoring return's or payment's id, as the kind says.
    subject_id: Mapped[int]
    # What the reminder was about beyond the subject: the due date for returns (a new due date is a new
    # reminder), "" otherwise.
    about: Mapped[str] = mapped_column(String(40), default="")
    recipients: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
