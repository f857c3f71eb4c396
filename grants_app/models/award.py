"""Awards: what JAG (or the officer, under delegation) approved, and the offer made from it."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
        CheckConstraint("repayment_demanded_pence >= 0", name="repayment_not_negative"),
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
    accepted_by_name: Mapped[str] = mapped_column(String(200), default="")
    # Money the partnership has asked to be returned (underspend or misuse), cumulative.
    repayment_demanded_pence: Mapped[int] = mapped_column(default=0)

    application = relationship("Application", back_populates="award")
    meeting = relationship("Meeting", foreign_keys=[meeting_id])
    noted_at_meeting = relationship("Meeting", foreign_keys=[noted_at_meeting_id])
    approved_by = relationship("User")
