"""Strategy periods and the priorities they set; old grants keep pointing at old priorities."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped


class StrategyPeriod(Timestamped, Base):
    __tablename__ = "strategy_periods"
    __table_args__ = (CheckConstraint("ends_on > starts_on", name="dates_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]

    priorities: Mapped[list[Priority]] = relationship(
        back_populates="strategy_period", order_by="Priority.number"
    )

    def __str__(self) -> str:
        return self.name


class Priority(Timestamped, Base):
    __tablename__ = "priorities"
    __table_args__ = (
        UniqueConstraint("strategy_period_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_period_id: Mapped[int] = mapped_column(ForeignKey("strategy_periods.id"), index=True)
    number: Mapped[int]
    short_name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")

    strategy_period: Mapped[StrategyPeriod] = relationship(back_populates="priorities")

    def __str__(self) -> str:
        return f"{self.number}. {self.short_name}"
