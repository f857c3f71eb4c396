"""Applicant organisations: the community groups, charities, CICs and schools that apply."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.dates import as_utc
from grants_app.models.base import Base, Timestamped, str_enum, utcnow


class OrganisationType(enum.StrEnum):
    CONSTITUTED_GROUP = "constituted_group"
    REGISTERED_CHARITY = "registered_charity"
    CIO = "cio"
    CIC = "cic"
    SCHOOL = "school"
    FAITH_GROUP = "faith_group"
    TENANTS_ASSOCIATION = "tenants_association"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ORGANISATION_TYPE_LABELS[self]


ORGANISATION_TYPE_LABELS = {
    OrganisationType.CONSTITUTED_GROUP: "Constituted community group",
    OrganisationType.REGISTERED_CHARITY: "Registered charity",
    OrganisationType.CIO: "Charitable incorporated organisation (CIO)",
    OrganisationType.CIC: "Community interest company (CIC)",
    OrganisationType.SCHOOL: "School or college",
    OrganisationType.FAITH_GROUP: "Faith group",
    OrganisationType.TENANTS_ASSOCIATION: "Residents' or tenants' association",
    OrganisationType.OTHER: "Other not-for-profit organisation",
}


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    org_type: Mapped[OrganisationType | None] = mapped_column(str_enum(OrganisationType, "org_type"))
    charity_number: Mapped[str] = mapped_column(String(20), default="")
    company_number: Mapped[str] = mapped_column(String(20), default="")
    address_line_1: Mapped[str] = mapped_column(String(200), default="")
    address_line_2: Mapped[str] = mapped_column(String(200), default="")
    town: Mapped[str] = mapped_column(String(100), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    second_contact_name: Mapped[str] = mapped_column(String(200), default="")
    second_contact_email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    members: Mapped[list[OrganisationMember]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    applications = relationship("Application", back_populates="organisation")
    invitations: Mapped[list[OrganisationInvitation]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", order_by="OrganisationInvitation.id"
    )

    def has_member(self, user) -> bool:
        user_id = getattr(user, "id", None)
        if user_id is None:  # an unsaved user belongs to nobody unless attached in memory
            return any(m.user is user for m in self.members)
        return any(m.user_id == user_id for m in self.members)

    def __str__(self) -> str:
        return self.name


class OrganisationMember(Base):
    __tablename__ = "organisation_members"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="members")
    user = relationship("User", back_populates="memberships", foreign_keys=[user_id])


class OrganisationInvitation(Base):
    """An invitation to work on an organisation's applications.

    Nothing is shared until the invited person, signed in with the invited address, accepts it: a
    member of one group cannot make someone a member of another, or see a stranger's drafts, by typing
    an address. The emailed link carries a token (only its hash is stored) and expires; the inviter
    sees "Invited" until then and can withdraw it."""

    __tablename__ = "organisation_invitations"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint(
            "(CASE WHEN accepted_at IS NULL THEN 0 ELSE 1 END) + (CASE WHEN withdrawn_at IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN declined_at IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_outcome",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254), index=True)
    name: Mapped[str] = mapped_column(String(200))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declined_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship(back_populates="invitations")
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    @hybrid_property
    def is_open(self) -> bool:
        """Not yet accepted, declined or withdrawn (it may still have expired); in a query, the same as
        a condition."""
        return self.accepted_at is None and self.declined_at is None and self.withdrawn_at is None

    @is_open.inplace.expression
    @classmethod
    def _is_open_condition(cls) -> ColumnElement[bool]:
        return and_(cls.accepted_at.is_(None), cls.declined_at.is_(None), cls.withdrawn_at.is_(None))

    def has_expired(self, now: datetime) -> bool:
        return as_utc(self.expires_at) <= now
