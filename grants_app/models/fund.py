"""Funds: a pot of money for a financial year, its rules, priorities, categories and scoring criteria."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.dates import year_label
from grants_app.models.base import Base, Timestamped

fund_priorities = Table(
    "fund_priorities",
    Base.metadata,
    Column("fund_id", ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True),
    Column("priority_id", ForeignKey("priorities.id"), primary_key=True),
)

fund_budget_categories = Table(
    "fund_budget_categories",
    Base.metadata,
    Column("fund_id", ForeignKey("funds.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("budget_categories.id"), primary_key=True),
)


class BudgetCategory(Base):
    __tablename__ = "budget_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_capital: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name


def fund_label(name: str, financial_year: int) -> str:
    """How a fund is named in lists and choices: "Community Safety Fund 2026/27"."""
    return f"{name} {year_label(financial_year)}"


class Fund(Timestamped, Base):
    __tablename__ = "funds"
    __table_args__ = (
        CheckConstraint("budget_pence >= 0", name="budget_not_negative"),
        CheckConstraint("min_award_pence > 0", name="min_award_positive"),
        CheckConstraint("max_award_pence >= min_award_pence", name="max_not_below_min"),
        CheckConstraint("max_award_pence <= budget_pence", name="max_within_budget"),
        CheckConstraint(
            "over_allocation_pct >= 0 AND over_allocation_pct <= 50", name="over_allocation_range"
        ),
        CheckConstraint("delegated_limit_pence >= 0", name="delegated_limit_not_negative"),
        CheckConstraint("single_payment_below_pence >= 0", name="single_payment_below_not_negative"),
        CheckConstraint("closes_on >= opens_on", name="dates_in_order"),
        CheckConstraint("financial_year >= 2000 AND financial_year <= 2100", name="year_range"),
        CheckConstraint("return_due_days >= 1 AND return_due_days <= 180", name="return_due_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    who_can_apply: Mapped[str] = mapped_column(Text, default="")
    # The year the financial year starts: 2026 means 1 April 2026 to 31 March 2027.
    financial_year: Mapped[int]
    strategy_period_id: Mapped[int] = mapped_column(ForeignKey("strategy_periods.id"), index=True)
    budget_pence: Mapped[int]
    min_award_pence: Mapped[int]
    max_award_pence: Mapped[int]
    over_allocation_pct: Mapped[int] = mapped_column(default=0)
    delegated_limit_pence: Mapped[int] = mapped_column(default=0)
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    workflow_name: Mapped[str] = mapped_column(String(60), default="application")
    offer_valid_days: Mapped[int] = mapped_column(default=28)
    # Each monitoring return is due this many days after the quarter (or the project) it covers ends.
    return_due_days: Mapped[int] = mapped_column(default=30, server_default="30")
    # The default payment schedule: an award below this is paid whole when the offer is accepted; a
    # larger one half then and half after the first accepted monitoring return.
    single_payment_below_pence: Mapped[int] = mapped_column(default=100_000, server_default="100000")

    strategy_period = relationship("StrategyPeriod")
    priorities = relationship("Priority", secondary=fund_priorities, order_by="Priority.number")
    budget_categories = relationship(
        "BudgetCategory", secondary=fund_budget_categories, order_by="BudgetCategory.name"
    )
    scoring_criteria: Mapped[list[ScoringCriterion]] = relationship(
        back_populates="fund", order_by="ScoringCriterion.position", cascade="all, delete-orphan"
    )

    @property
    def year_label(self) -> str:
        return year_label(self.financial_year)

    @property
    def year_starts_on(self) -> date:
        return date(self.financial_year, 4, 1)

    @property
    def year_ends_on(self) -> date:
        return date(self.financial_year + 1, 3, 31)

    @property
    def allocation_ceiling_pence(self) -> int:
        """Budget plus the over-allocation allowance, rounded down to the penny."""
        return self.budget_pence + (self.budget_pence * self.over_allocation_pct) // 100

    def is_open_on(self, day: date) -> bool:
        return self.opens_on <= day <= self.closes_on

    def __str__(self) -> str:
        return fund_label(self.name, self.financial_year)


class ScoringCriterion(Base):
    __tablename__ = "scoring_criteria"
    __table_args__ = (
        UniqueConstraint("fund_id", "name"),
        CheckConstraint("max_score >= 1 AND max_score <= 10", name="max_score_range"),
        CheckConstraint("weight >= 1", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    guidance: Mapped[str] = mapped_column(Text, default="")
    max_score: Mapped[int] = mapped_column(default=5)
    weight: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=0)

    fund: Mapped[Fund] = relationship(back_populates="scoring_criteria")

    def __str__(self) -> str:
        return self.name
