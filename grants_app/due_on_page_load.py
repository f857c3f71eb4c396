"""Deadlines that pass between cron runs are acted on by the next page anyone loads.

Written procedures whose deadline has passed (or that every member has answered) are closed, and grants
whose offer is accepted start delivery on their project's start date, before the page is built, as the
system and each kind in its own transaction, so the page shows the result. One small query on the
state indexes asks whether any kind may have work; only a kind that may runs its own query. Work that
loses a race with another request or the cron job (or finds SQLite busy) is left for whichever comes
next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Flask, current_app, request
from sqlalchemy import BindParameter, ColumnElement, Date, Select, bindparam, exists, select
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


# At most this many grants start delivery in one page load: after the daily job has not run for a
# while (or on a first import) there may be thousands, and one request starting them all ran past
# gunicorn's timeout. The next page load takes the next batch; the daily job takes every one.
PAGE_LOAD_BATCH = 20

# Today's date (Europe/London) in the page-load check, given when it runs.
TODAY: BindParameter[date] = bindparam("today", type_=Date)


@dataclass(frozen=True)
class DueWork:
    """One kind of deadline: what it is (for the log), a cheap condition saying it may have work given
    today's date as a bound parameter (asked on every page load), and the work itself (returns whether
    it changed anything)."""

    what: str
    may_have_work: Callable[[BindParameter[date]], ColumnElement[bool]]
    work: Callable[[Session], bool]


def _close_written_procedures(session: Session) -> bool:
    if not written_procedures.due_for_closing(session, utcnow(), limit=1):
        return False
    written_procedures.close_due_written_procedures(session)
    return True


def _start_deliveries(session: Session) -> bool:
    report = offers.start_due_deliveries(session, SYSTEM, london_today(), limit=PAGE_LOAD_BATCH)
    return bool(report.done or report.refused)


DUE_WORK: tuple[DueWork, ...] = (
    DueWork(
        "closing due written procedures",
        lambda _today: written_procedures.circulating(),
        _close_written_procedures,
    ),
    DueWork("starting delivery of grants whose project has started", offers.due_to_start, _start_deliveries),
)


def probe_statement() -> Select:
    """One row of booleans, one per kind in DUE_WORK: whether it may have work (run with {"today": date}).

    Built once per app, since building it cost more than running it (a third of a millisecond on
    every page); the states in it come from the app's workflows.
    """
    built = current_app.extensions.get("due_work_probe")
    if built is None:
        built = select(*(exists().where(due.may_have_work(TODAY)) for due in DUE_WORK))
        current_app.extensions["due_work_probe"] = built
    return built


def act_on_passed_deadlines() -> None:
    if request.method != "GET" or not request.endpoint or request.endpoint.startswith(SKIPPED):
        return
    if ".static" in request.endpoint:
        return
    session = db.session
    try:
        flags = session.execute(probe_statement(), {"today": london_today()}).one()
    except OperationalError:
        session.rollback()
        return
    for due, flag in zip(DUE_WORK, flags, strict=True):
        if not flag:
            continue
        try:
            if due.work(session):
                commit(session)  # and send the emails it queued
        except OperationalError:
            session.rollback()
            log.warning("%s on page load failed; the daily job will do it", due.what)


def init_app(app: Flask) -> None:
    app.before_request(act_on_passed_deadlines)
