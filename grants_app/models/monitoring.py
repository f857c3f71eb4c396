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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    period_label: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date]
    is_final: Mapped[bool] = mapped_column(default=False)
    workflow_name: Mapped[str] = mapped_column(String(60), default="monitoring_return")
    workflow_version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(40), index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    progress_narrative: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    beneficiaries_reached: Mapped[int | None]
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __mapper_args__ = {"version_id_col": version}

    application = relationship("Application", back_populates="monitoring_returns")
    spend_lines: Mapped[list[SpendLine]] = relationship(
        back_populates="monitoring_return", cascade="all, delete-orphan", order_by="SpendLine.id"
    )

    @property
    def spend_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.spend_lines)

    def applicant_can_act(self, user) -> bool:
        return self.application.applicant_can_act(user)


class SpendLine(Base):
    """Money spent in one return against one priority and budget category."""

    __tablename__ = "spend_lines"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    monitoring_return_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_returns.id", ondelete="CASCADE"), index=True
    )
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id"))
    description: Mapped[str] = mapped_column(String(300))
    amount_pence: Mapped[int]
    spent_on: Mapped[date | None]

    monitoring_return: Mapped[MonitoringReturn] = relationship(back_populates="spend_lines")
    priority = relationship("Priority")
    category = relationship("BudgetCategory")
