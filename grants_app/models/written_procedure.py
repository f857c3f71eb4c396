"""Written procedure: an urgent application decided between JAG meetings by the members' written votes.

The officer circulates a summary and a recommendation with a deadline; every JAG member at that moment
gets a response row (their agency copied, as attendance does), declares any interest and votes on it.
Its lifecycle is workflows/written_procedure.yaml, so its state columns are the engine's to write.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, str_enum, utcnow
from grants_app.models.meeting import VoteChoice


class Recommendation(enum.StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"


class WrittenProcedure(Timestamped, Base):
    __tablename__ = "written_procedures"
    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "recommendation <> 'approve' OR (amount_pence IS NOT NULL AND amount_pence > 0)",
            name="approval_names_amount",
        ),
        CheckConstraint("quorum_percent >= 1 AND quorum_percent <= 100", name="quorum_percent_range"),
        CheckConstraint("quorum_min_agencies >= 1", name="quorum_agencies_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)

    # Lifecycle: only the workflow engine writes these (see grants_app.workflow.state_guard).
    workflow_name: Mapped[str] = mapped_column(String(60), default="written_procedure")
    workflow_version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(40), index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[Recommendation] = mapped_column(str_enum(Recommendation, "recommendation"))
    amount_pence: Mapped[int | None]
    conditions: Mapped[str] = mapped_column(Text, default="")
    # For a recommendation to decline: the reason the group will be given.
    reason: Mapped[str] = mapped_column(Text, default="")
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    # The quorum in force when it was circulated (a later change of settings does not move it).
    quorum_percent: Mapped[int] = mapped_column(default=50)
    quorum_min_agencies: Mapped[int] = mapped_column(default=3)

    # The result, written once when it closes, so what is noted and minuted never shifts afterwards.
    closed_at: Mapped[datetime | None]
    votes_for: Mapped[int] = mapped_column(default=0)
    votes_against: Mapped[int] = mapped_column(default=0)
    votes_abstain: Mapped[int] = mapped_column(default=0)
    members_counted: Mapped[int] = mapped_column(default=0)
    responses_counted: Mapped[int] = mapped_column(default=0)
    agencies_counted: Mapped[int] = mapped_column(default=0)
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    referred_to_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # Reported to (noted at) the next JAG meeting, like a delegated decision.
    noted_at_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)

    __mapper_args__ = {"version_id_col": version}

    application = relationship("Application")
    started_by = relationship("User")
    responses: Mapped[list[WrittenProcedureResponse]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="WrittenProcedureResponse.id"
    )
    referred_to_meeting = relationship("Meeting", foreign_keys=[referred_to_meeting_id])
    noted_at_meeting = relationship("Meeting", foreign_keys=[noted_at_meeting_id])

    def applicant_can_act(self, user) -> bool:
        """An applicant stops a written procedure only by withdrawing their own application."""
        return self.application is not None and self.application.applicant_can_act(user)

    def __str__(self) -> str:
        return (
            f"Written procedure on {self.application.reference}" if self.application else "Written procedure"
        )


class WrittenProcedureResponse(Base):
    """One member the procedure was circulated to, and their vote once they give it."""

    __tablename__ = "written_procedure_responses"
    __table_args__ = (UniqueConstraint("procedure_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        ForeignKey("written_procedures.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The agency is copied at the time: a member who later moves agency does not rewrite the record.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("partner_agencies.id"))
    choice: Mapped[VoteChoice | None] = mapped_column(str_enum(VoteChoice, "vote_choice"))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[datetime | None]
    cast_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set when the procedure closes: the member had declared an interest (so did not vote or count).
    had_interest: Mapped[bool] = mapped_column(default=False)

    procedure: Mapped[WrittenProcedure] = relationship(back_populates="responses")
    user = relationship("User", foreign_keys=[user_id])
    cast_by = relationship("User", foreign_keys=[cast_by_id])
    agency = relationship("PartnerAgency")

    @property
    def on_behalf(self) -> bool:
        return self.cast_by_id is not None and self.cast_by_id != self.user_id
