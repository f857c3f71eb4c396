"""What every report shows on its cover: the partnership, when it was generated and by whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.dates import format_datetime, london_now
from grants_app.models import Partnership
from grants_app.workflow import get_engine


@dataclass(frozen=True)
class PartnershipDetails:
    """From the Partnership row (configuration held as data), never written into templates."""

    name: str
    short_name: str
    address_lines: tuple[str, ...]
    contact_email: str
    contact_phone: str


@dataclass(frozen=True)
class Provenance:
    partnership: PartnershipDetails
    generated_at: datetime  # Europe/London
    generated_by: str

    @property
    def generated_label(self) -> str:
        return f"Generated {format_datetime(self.generated_at)} by {self.generated_by}"


def partnership_details(session: Session) -> PartnershipDetails:
    row = session.execute(select(Partnership).limit(1)).scalar_one_or_none()
    if row is None:
        return PartnershipDetails("Community Safety Partnership", "CSP", (), "", "")
    lines = tuple(line.strip() for line in (row.address or "").splitlines() if line.strip())
    return PartnershipDetails(row.name, row.short_name, lines, row.contact_email, row.contact_phone or "")


def provenance(session: Session, generated_by: str) -> Provenance:
    return Provenance(partnership_details(session), london_now(), generated_by or "an unnamed user")


def state_labeller() -> Callable[[str, str], str]:
    """(workflow name, state) -> the staff label from the workflow definition, looked up in memory."""
    engine = get_engine()

    def label(workflow_name: str, state: str) -> str:
        definition = engine.definitions.get(workflow_name)
        return definition.staff_label(state) if definition is not None else state

    return label
