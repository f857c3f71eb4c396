"""JAG meetings: agenda, attendance, declarations of interest, scores, votes and minutes."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, str_enum, utcnow


class Meeting(Timestamped, Base):
    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("quorum_min_members >= 1", name="quorum_members_positive"),
        CheckConstraint("quorum_min_agencies >= 1", name="quorum_agencies_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    quorum_min_members: Mapped[int] = mapped_column(default=3)
    quorum_min_agencies: Mapped[int] = mapped_column(default=2)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    minutes: Mapped[str] = mapped_column(Text, default="")
    minutes_approved_at: Mapped[datetime | None]

    chair = relationship("User")
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    def __str__(self) -> str:
        return self.title


class AgendaOutcome(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    INFORMATION_REQUESTED = "information_requested"
    DEFERRED = "deferred"


class AgendaItem(Base):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[AgendaOutcome | None] = mapped_column(str_enum(AgendaOutcome, "agenda_outcome"))
    outcome_notes: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")
    application = relationship("Application")
    votes: Mapped[list[Vote]] = relationship(back_populates="agenda_item", cascade="all, delete-orphan")


class Attendance(Base):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The agency is copied at the time: a member who later moves agency does not rewrite the record.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("partner_agencies.id"))
    is_voting: Mapped[bool] = mapped_column(default=True)
    present: Mapped[bool] = mapped_column(default=True)

    meeting: Mapped[Meeting] = relationship(back_populates="attendances")
    user = relationship("User")
    agency = relationship("PartnerAgency")


class DeclarationOfInterest(Base):
    """A JAG member's declaration on one application: no interest, or the interest they hold."""

    __tablename__ = "declarations_of_interest"
    __table_args__ = (
        UniqueConstraint("application_id", "user_id"),
        CheckConstraint("has_interest = false OR length(nature) > 0", name="interest_has_nature"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    has_interest: Mapped[bool]
    nature: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
    user = relationship("User")
    meeting = relationship("Meeting")


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("application_id", "user_id", "criterion_id"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        CheckConstraint("length(justification) > 0", name="justified"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scoring_criteria.id"))
    score: Mapped[int]
    justification: Mapped[str] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
    user = relationship("User")
    criterion = relationship("ScoringCriterion")


class VoteChoice(enum.StrEnum):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"


class Vote(Base):
    """A member's vote on an agenda item: cast by the member in their own screen, or recorded by the
    officer on their behalf (cast_by_id says who; None only for votes recorded before it was kept)."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("agenda_item_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    choice: Mapped[VoteChoice] = mapped_column(str_enum(VoteChoice, "vote_choice"))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime] = mapped_column(default=utcnow)
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    agenda_item: Mapped[AgendaItem] = relationship(back_populates="votes")
    user = relationship("User", foreign_keys=[user_id])
    cast_by = relationship("User", foreign_keys=[cast_by_id])

    @property
    def on_behalf(self) -> bool:
        """Recorded by someone else (the officer) for the member."""
        return self.cast_by_id is not None and self.cast_by_id != self.user_id
