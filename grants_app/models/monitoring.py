"""Monitoring returns: what a funded group reports it spent and achieved, line by line."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, utcnow


class MonitoringReturn(Timestamped, Base):
    __tablename__ = "monitoring_returns"
    __table_args__ = (
        UniqueConstraint("application_id", "period_label"),
        CheckConstraint("beneficiaries_reached IS NULL OR beneficiaries_reached >= 0", name="reached"),
        CheckConstraint(
            "period_starts_on IS NULL OR period_ends_on IS NULL OR period_ends_on >= period_starts_on",
            name="period_in_order",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    period_label: Mapped[str] = mapped_column(String(100))
    # The days this return reports on: a financial quarter, cut to the project's own dates.
    period_starts_on: Mapped[date | None]
    period_ends_on: Mapped[date | None]
    due_on: Mapped[date]
    is_final: Mapped[bool] = mapped_column(default=False)
    workflow_name: Mapped[str] = mapped_column(String(60), default="monitoring_return")
    workflow_version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(40), index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    progress_narrative: Mapped[str] = mapped_column(Text, default="")
    # Whole-project answers from callers that do not report by priority (see ReturnOutcome).
    outcomes: Mapped[str] = mapped_column(Text, default="")
    # People reached in the period: the sum of the outcomes' figures (someone reached under two
    # priorities counts twice).
    beneficiaries_reached: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}

    application = relationship("Application", back_populates="monitoring_returns")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    spend_lines: Mapped[list[SpendLine]] = relationship(
        back_populates="monitoring_return", cascade="all, delete-orphan", order_by="SpendLine.id"
    )
    priority_outcomes: Mapped[list[ReturnOutcome]] = relationship(
        back_populates="monitoring_return", cascade="all, delete-orphan", order_by="ReturnOutcome.id"
    )
    queries: Mapped[list[ReturnQuery]] = relationship(
        back_populates="monitoring_return", cascade="all, delete-orphan", order_by="ReturnQuery.id"
    )

    @property
    def spend_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.spend_lines)

    @property
    def open_query(self) -> ReturnQuery | None:
        """The officer's latest question, if the group has not yet sent the return back with it."""
        latest = self.queries[-1] if self.queries else None
        return latest if latest is not None and latest.resolved_at is None else None

    def applicant_can_act(self, user) -> bool:
        return self.application.applicant_can_act(user)

    def __str__(self) -> str:
        return f"{self.application.reference} {self.period_label}"


class SpendLine(Base):
    """Money spent in one return against one priority and budget category."""

    __tablename__ = "spend_lines"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        # A form carries a one-off token, so a double-clicked "Add" records the line once.
        UniqueConstraint("monitoring_return_id", "client_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    monitoring_return_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_returns.id", ondelete="CASCADE"), index=True
    )
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id"))
    description: Mapped[str] = mapped_column(String(300))
    amount_pence: Mapped[int]
    spent_on: Mapped[date | None]
    receipt_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    client_token: Mapped[str | None] = mapped_column(String(64))

    monitoring_return: Mapped[MonitoringReturn] = relationship(back_populates="spend_lines")
    priority = relationship("Priority")
    category = relationship("BudgetCategory")
    receipt = relationship("Document")


class ReturnOutcome(Base):
    """For one priority the project serves: how many people it reached in the period and what changed."""

    __tablename__ = "return_outcomes"
    __table_args__ = (
        UniqueConstraint("monitoring_return_id", "priority_id"),
        CheckConstraint("people_reached >= 0", name="people_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    monitoring_return_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_returns.id", ondelete="CASCADE"), index=True
    )
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"))
    people_reached: Mapped[int]
    what_changed: Mapped[str] = mapped_column(Text, default="")

    monitoring_return: Mapped[MonitoringReturn] = relationship(back_populates="priority_outcomes")
    priority = relationship("Priority")


class ReturnQuery(Base):
    """The officer's question on a sent return, and the group's answer when they send it back."""

    __tablename__ = "return_queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    monitoring_return_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_returns.id", ondelete="CASCADE"), index=True
    )
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    # When the return went back to the officer with the answer.
    resolved_at: Mapped[datetime | None]

    monitoring_return: Mapped[MonitoringReturn] = relationship(back_populates="queries")
    asked_by = relationship("User", foreign_keys=[asked_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])
