"""Starting applications and giving them their public reference."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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
    """'SOS-2026-0042': the number is taken with one UPDATE ... RETURNING, so two applications started
    at the same moment never share one; the year's first counter row is created with INSERT ... ON
    CONFLICT DO NOTHING, so two "first of the year" never collide either. Flushes only."""
    match = (ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
    take = (
        update(ReferenceCounter)
        .where(*match)
        .values(last_number=ReferenceCounter.last_number + 1)
        .returning(ReferenceCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    number = session.execute(take).scalar_one_or_none()
    if number is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(ReferenceCounter)
            .values(prefix=prefix, year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["prefix", "year"])
        )
        number = session.execute(take).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


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
