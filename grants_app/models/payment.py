"""Payments to grantees (two-person authorisation) and money recovered from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, utcnow


class Payment(Timestamped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("authorised_by_id IS NULL OR authorised_by_id <> requested_by_id", name="two_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    amount_pence: Mapped[int]
    description: Mapped[str] = mapped_column(String(300), default="")
    workflow_name: Mapped[str] = mapped_column(String(60), default="payment")
    workflow_version: Mapped[int] = mapped_column(default=1)
    state: Mapped[str] = mapped_column(String(40), index=True)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_on: Mapped[date | None]
    payment_reference: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": version}

    application = relationship("Application", back_populates="payments")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    authorised_by = relationship("User", foreign_keys=[authorised_by_id])


class Repayment(Base):
    """Money returned by a grantee: underspend at the end, or recovery after misuse."""

    __tablename__ = "repayments"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    amount_pence: Mapped[int]
    received_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
    recorded_by = relationship("User")
