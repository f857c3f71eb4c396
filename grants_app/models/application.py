"""Grant applications and what hangs off them: budget lines, priority split, wards, documents."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, str_enum, utcnow

application_wards = Table(
    "application_wards",
    Base.metadata,
    Column("application_id", ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("wards.id"), primary_key=True),
)


class Application(Timestamped, Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint("amount_requested_pence >= 0", name="amount_not_negative"),
        CheckConstraint("match_funding_pence >= 0", name="match_funding_not_negative"),
        CheckConstraint("beneficiaries_count IS NULL OR beneficiaries_count >= 0", name="beneficiaries"),
        CheckConstraint(
            "start_date IS NULL OR end_date IS NULL OR end_date >= start_date", name="dates_in_order"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # Lifecycle: only the workflow engine writes these (see grants_app.workflow.state_guard).
    workflow_name: Mapped[str] = mapped_column(String(60), default="application")
    workflow_version: Mapped[int] = mapped_column(default=1)
    # Indexed with the id (ix_applications_state_id in scale_indexes): the list sorts by state, then id.
    state: Mapped[str] = mapped_column(String(40))
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    title: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    beneficiaries_description: Mapped[str] = mapped_column(Text, default="")
    beneficiaries_count: Mapped[int | None]
    amount_requested_pence: Mapped[int] = mapped_column(default=0)
    match_funding_pence: Mapped[int] = mapped_column(default=0)
    match_funding_source: Mapped[str] = mapped_column(String(300), default="")
    eligibility_answers: Mapped[dict] = mapped_column(JSON, default=dict)
    declaration_name: Mapped[str] = mapped_column(String(200), default="")
    declaration_position: Mapped[str] = mapped_column(String(200), default="")
    declared_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    screening_notes: Mapped[str] = mapped_column(Text, default="")

    __mapper_args__ = {"version_id_col": version}

    fund = relationship("Fund")
    organisation = relationship("Organisation", back_populates="applications")
    created_by = relationship("User")
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="BudgetLine.position"
    )
    priority_splits: Mapped[list[ApplicationPriority]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    wards = relationship("Ward", secondary=application_wards, order_by="Ward.name")
    documents: Mapped[list[Document]] = relationship(back_populates="application")
    information_requests: Mapped[list[InformationRequest]] = relationship(
        back_populates="application", order_by="InformationRequest.asked_at"
    )
    award = relationship("Award", back_populates="application", uselist=False)
    payments = relationship("Payment", back_populates="application", order_by="Payment.id")
    monitoring_returns = relationship(
        "MonitoringReturn", back_populates="application", order_by="MonitoringReturn.due_on"
    )
    recoveries = relationship("Recovery", back_populates="application", order_by="Recovery.id")

    @property
    def budget_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.budget_lines)

    def applicant_can_act(self, user) -> bool:
        return self.organisation is not None and self.organisation.has_member(user)

    def __str__(self) -> str:
        return f"{self.reference} {self.title}".strip()


class BudgetLine(Base):
    __tablename__ = "budget_lines"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("budget_categories.id"))
    description: Mapped[str] = mapped_column(String(300))
    amount_pence: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)

    application: Mapped[Application] = relationship(back_populates="budget_lines")
    category = relationship("BudgetCategory")


class ApplicationPriority(Base):
    """Share of an application attributed to one priority; shares total 100 on submission."""

    __tablename__ = "application_priorities"
    __table_args__ = (
        UniqueConstraint("application_id", "priority_id"),
        CheckConstraint("percentage >= 1 AND percentage <= 100", name="percentage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priorities.id"), index=True)
    percentage: Mapped[int]
    how_it_helps: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="priority_splits")
    priority = relationship("Priority")


class DocumentKind(enum.StrEnum):
    CONSTITUTION = "constitution"
    SAFEGUARDING_POLICY = "safeguarding_policy"
    ACCOUNTS = "accounts"
    INSURANCE = "insurance"
    MONITORING_EVIDENCE = "monitoring_evidence"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DOCUMENT_KIND_LABELS[self]


DOCUMENT_KIND_LABELS = {
    DocumentKind.CONSTITUTION: "Constitution or governing document",
    DocumentKind.SAFEGUARDING_POLICY: "Safeguarding policy",
    DocumentKind.ACCOUNTS: "Latest accounts or bank statement",
    DocumentKind.INSURANCE: "Public liability insurance certificate",
    DocumentKind.MONITORING_EVIDENCE: "Monitoring evidence",
    DocumentKind.OTHER: "Other document",
}


class Document(Base):
    """An uploaded file, stored outside the web root under a random name."""

    __tablename__ = "documents"
    __table_args__ = (
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("size_bytes <= 10485760", name="size_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind, "document_kind"))
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship(back_populates="documents")
    organisation = relationship("Organisation")
    uploaded_by = relationship("User")


class InformationRequest(Base):
    """A question put to the applicant (at screening or by JAG) and their answer."""

    __tablename__ = "information_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="information_requests")
    asked_by = relationship("User", foreign_keys=[asked_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])


class ReferenceCounter(Base):
    """Next public reference number per prefix and year; the row is locked while a number is taken."""

    __tablename__ = "reference_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)
