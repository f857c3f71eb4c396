"""Starting applications and giving them their public reference."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Application, Fund, Organisation, Partnership, ReferenceCounter, User
from grants_app.refusals import NotFound
from grants_app.services import audit
from grants_app.workflow import get_engine


def reference_prefix(session: Session) -> str:
    """The partnership's reference prefix ('SOS'), or 'GRANT' before one is configured."""
    prefix = session.execute(select(Partnership.reference_prefix).limit(1)).scalar_one_or_none()
    return prefix or "GRANT"


def next_reference(session: Session, prefix: str, year: int) -> str:
    """'SOS-2026-0042': numbers are taken under a row lock, so two submissions never share one."""
    stmt = select(ReferenceCounter).where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    counter = session.execute(stmt).scalar_one_or_none()
    if counter is None:
        counter = ReferenceCounter(prefix=prefix, year=year, last_number=0)
        session.add(counter)
    counter.last_number += 1
    session.flush()
    return f"{prefix}-{year}-{counter.last_number:04d}"


def start_application(session: Session, actor: User, fund: Fund, organisation: Organisation) -> Application:
    """A new draft for the organisation in the fund's workflow, with its public reference.
    NotFound unless the actor is a member of the organisation."""
    if not organisation.has_member(actor):
        raise NotFound("You can only start applications for your own organisation")
    application = Application(
        reference=next_reference(session, reference_prefix(session), fund.financial_year),
        fund=fund,
        organisation=organisation,
        created_by_id=actor.id,
        workflow_name=fund.workflow_name,
    )
    get_engine().start(application, fund.workflow_name)
    session.add(application)
    session.flush()
    audit.record(
        session, actor, "application", application.id, "create", data={"reference": application.reference}
    )
    return application
