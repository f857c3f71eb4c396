"""Payments to grantees (two-person authorisation), and money recovered from them: recoveries raised,
money received against them, and what was written off."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, str_enum, utcnow
from grants_app.money import format_pence


class Payment(Timestamped, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint("authorised_by_id IS NULL OR authorised_by_id <> requested_by_id", name="two_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    # The instalment of the payment schedule this pays (none for payments made before schedules).
    instalment_id: Mapped[int | None] = mapped_column(ForeignKey("instalments.id"), index=True)
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
    instalment = relationship("Instalment")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    authorised_by = relationship("User", foreign_keys=[authorised_by_id])

    def __str__(self) -> str:
        # A grant can have several payments: its reference, the instalment and the amount tell them apart.
        instalment = f" {self.description[:1].lower()}{self.description[1:]}" if self.description else ""
        return f"{self.application.reference}{instalment} ({format_pence(self.amount_pence)})"


class RecoveryKind(enum.StrEnum):
    UNDERSPEND = "underspend"
    MISUSE = "misuse"

    @property
    def label(self) -> str:
        return {RecoveryKind.UNDERSPEND: "Underspend", RecoveryKind.MISUSE: "Misuse"}[self]


class Recovery(Timestamped, Base):
    """Money the partnership asks a group to return (an underspend at the end, or money misused), with
    what was written off. What came back is in Repayment rows; owed = amount - received - written off."""

    __tablename__ = "recoveries"
    __table_args__ = (
        CheckConstraint("amount_pence > 0", name="amount_positive"),
        CheckConstraint(
            "written_off_pence >= 0 AND written_off_pence <= amount_pence", name="written_off_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[RecoveryKind] = mapped_column(str_enum(RecoveryKind, "recovery_kind"))
    amount_pence: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    raised_by_label: Mapped[str] = mapped_column(String(300), default="")
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    written_off_pence: Mapped[int] = mapped_column(default=0)
    write_off_reason: Mapped[str] = mapped_column(Text, default="")
    written_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_off_at: Mapped[datetime | None]

    application = relationship("Application", back_populates="recoveries")
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    written_off_by = relationship("User", foreign_keys=[written_off_by_id])
    receipts: Mapped[list[Repayment]] = relationship(
        back_populates="recovery", order_by="Repayment.received_on, Repayment.id"
    )


class Repayment(Base):
    """Money received back from a grantee against a recovery (part payments allowed)."""

    __tablename__ = "repayments"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    recovery_id: Mapped[int | None] = mapped_column(ForeignKey("recoveries.id"), index=True)
    amount_pence: Mapped[int]
    received_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    application = relationship("Application")
    recovery: Mapped[Recovery | None] = relationship(back_populates="receipts")
    recorded_by = relationship("User")
