"""People who use the system: applicants (signed in by email link) and staff (password and TOTP)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from grants_app.models.base import Base, Timestamped, str_enum


class Role(enum.StrEnum):
    APPLICANT = "applicant"
    OFFICER = "officer"
    JAG_MEMBER = "jag_member"
    FINANCE = "finance"
    RAG_VIEWER = "rag_viewer"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.APPLICANT: "Applicant",
    Role.OFFICER: "Grants officer",
    Role.JAG_MEMBER: "JAG member",
    Role.FINANCE: "Finance",
    Role.RAG_VIEWER: "RAG viewer",
    Role.ADMIN: "Administrator",
}
STAFF_ROLES = frozenset(Role) - {Role.APPLICANT}


class User(Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("failed_login_count >= 0", name="failed_logins_not_negative"),
        CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("partner_agencies.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # The last TOTP time step accepted, so each code works once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Stored in each session at sign-in and checked on every request: adding one ends every session
    # of this person, everywhere (sign-out, password change, deactivation, role change).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    agency = relationship("PartnerAgency")
    role_grants: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    memberships = relationship(
        "OrganisationMember",
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="OrganisationMember.user_id",
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    def has_role(self, *roles: Role | str) -> bool:
        mine = {role.value for role in self.roles}
        return any(str(r) in mine for r in roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def grant(self, role: Role) -> None:
        if role not in self.roles:
            self.role_grants.append(UserRole(role=role))

    # Flask-Login protocol, kept here so the web layer needs no adapter class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def audit_label(self) -> str:
        return f"{self.full_name} <{self.email}>"

    def __str__(self) -> str:
        return self.full_name


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))

    user: Mapped[User] = relationship(back_populates="role_grants")


class LoginToken(Base):
    """A single-use email sign-in link; only a hash of the token is stored."""

    __tablename__ = "login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    requested_ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
