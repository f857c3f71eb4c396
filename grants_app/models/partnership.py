"""The partnership running this instance and its partner agencies: configuration held as data."""

from __future__ import annotations

import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from grants_app.models.base import Base, Timestamped, str_enum


class Partnership(Timestamped, Base):
    """One row: the names and address another partnership changes to run the same software."""

    __tablename__ = "partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    reference_prefix: Mapped[str] = mapped_column(String(8))
    area_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(Text)
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_phone: Mapped[str] = mapped_column(String(40), default="")


class AgencyKind(enum.StrEnum):
    COUNCIL = "council"
    POLICE = "police"
    FIRE = "fire"
    HEALTH = "health"
    PROBATION = "probation"
    TRADING_STANDARDS = "trading_standards"
    FUNDER = "funder"
    OTHER = "other"


class PartnerAgency(Timestamped, Base):
    __tablename__ = "partner_agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[AgencyKind] = mapped_column(str_enum(AgencyKind, "agency_kind"))
    # Statutory partners count towards quorum; a funder such as the PCC attends but is not a partner.
    is_statutory_partner: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.short_name


class Ward(Base):
    __tablename__ = "wards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)

    def __str__(self) -> str:
        return self.name
