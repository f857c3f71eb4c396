"""Deadlines that pass between cron runs are acted on by the next page anyone loads.

Written procedures whose deadline has passed (or that every member has answered) are closed, and grants
whose offer is accepted start delivery on their project's start date, before the page is built, as the
system and each kind in its own transaction, so the page shows the result. The check is one indexed
query per kind when nothing is due. Work that loses a race with another request or the cron job (or
finds SQLite busy) is left for whichever comes next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, request
from sqlalchemy import exists, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import utcnow
from grants_app.services import offers, written_procedures
from grants_app.transaction import commit
from grants_app.workflow import SYSTEM

log = logging.getLogger(__name__)
SKIPPED = ("static", "govuk_assets.", "health.")


def _anything_to_check(session: Session) -> tuple[bool, bool]:
    """(a written procedure is open, a grant is due to start delivery): one small query on two state
    indexes, so the usual page load, with nothing due, costs one round trip."""
    return tuple(
        session.execute(
            select(
                exists().where(written_procedures.circulating()),
                exists().where(offers.due_to_start(london_today())),
            )
        ).one()
    )


def _close_written_procedures(session: Session) -> bool:
    if not written_procedures.due_for_closing(session, utcnow(), limit=1):
        return False
    written_procedures.close_due_written_procedures(session)
    return True


def _start_deliveries(session: Session) -> bool:
    today = london_today()
    if not offers.any_delivery_due_to_start(session, today):
        return False
    offers.start_due_deliveries(session, SYSTEM, today)
    return True


DUE_WORK: tuple[tuple[str, Callable[[Session], bool]], ...] = (
    ("closing due written procedures", _close_written_procedures),
    ("starting delivery of grants whose project has started", _start_deliveries),
)


def act_on_passed_deadlines() -> None:
    if request.method != "GET" or not request.endpoint or request.endpoint.startswith(SKIPPED):
        return
    if ".static" in request.endpoint:
        return
    session = db.session
    try:
        flags = _anything_to_check(session)
    except OperationalError:
        session.rollback()
        return
    for (what, work), flag in zip(DUE_WORK, flags, strict=True):
        if not flag:
            continue
        try:
            if work(session):
                commit(session)  # and send the emails it queued
        except OperationalError:
            session.rollback()
            log.warning("%s on page load failed; the daily job will do it", what)


def init_app(app: Flask) -> None:
    app.before_request(act_on_passed_deadlines)
