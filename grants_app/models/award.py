"""Awards: what JAG (or the officer, under delegation) approved, the offer made from it and its payment
schedule (instalments)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.dates import format_date
from grants_app.models.base import Base, Timestamped, str_enum, utcnow


class DecisionRoute(enum.StrEnum):
    MEETING = "meeting"
    DELEGATED = "delegated"
    # Decided between meetings by the members' written votes (see models.written_procedure).
    WRITTEN_PROCEDURE = "written_procedure"


class Award(Timestamped, Base):
    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(
            "(decision_route = 'meeting' AND meeting_id IS NOT NULL) OR decision_route <> 'meeting'",
            name="meeting_decisions_name_meeting",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    amount_pence: Mapped[int]
    conditions: Mapped[str] = mapped_column(Text, default="")
    decision_route: Mapped[DecisionRoute] = mapped_column(str_enum(DecisionRoute, "decision_route"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Delegated decisions are reported to (noted at) the next JAG meeting.
    noted_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    offer_issued_at: Mapped[datetime | None]
    offer_expires_on: Mapped[date | None]
    accepted_at: Mapped[datetime | None]
    # The authorised signatory who accepted the offer for the group, and their role in it.
    accepted_by_name: Mapped[str] = mapped_column(String(200), default="")
    accepted_by_role: Mapped[str] = mapped_column(String(200), default="")

    application = relationship("Application", back_populates="award")
    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    noted_at_meeting = relationship("Meeting", foreign_keys=[noted_at_meeting_id])
    approved_by = relationship("User")
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="award", cascade="all, delete-orphan", order_by="Instalment.position"
    )


class InstalmentTrigger(enum.StrEnum):
    """What makes an instalment due."""

    ON_ACCEPTANCE = "on_acceptance"
    # A monitoring return of the grant has been accepted (its spend counts).
    AFTER_FIRST_ACCEPTED_RETURN = "after_first_accepted_return"
    ON_DATE = "on_date"

    @property
    def label(self) -> str:
        return INSTALMENT_TRIGGER_LABELS[self]


INSTALMENT_TRIGGER_LABELS = {
    InstalmentTrigger.ON_ACCEPTANCE: "When the offer is accepted",
    InstalmentTrigger.AFTER_FIRST_ACCEPTED_RETURN: "After the first monitoring return is accepted",
    InstalmentTrigger.ON_DATE: "On a date",
}


class Instalment(Base):
    """One part of an award's payment schedule; an award's instalments add up to the award exactly."""

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("award_id", "position"),
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("due_trigger <> 'on_date' OR due_on IS NOT NULL", name="dated_needs_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    amount_pence: Mapped[int]
    due_trigger: Mapped[InstalmentTrigger] = mapped_column(str_enum(InstalmentTrigger, "instalment_trigger"))
    due_on: Mapped[date | None]

    award: Mapped[Award] = relationship(back_populates="instalments")

    @property
    def when(self) -> str:
        """'When the offer is accepted', or 'On 14 May 2026'."""
        if self.due_trigger == InstalmentTrigger.ON_DATE and self.due_on is not None:
            return f"On {format_date(self.due_on)}"
        return self.due_trigger.label
