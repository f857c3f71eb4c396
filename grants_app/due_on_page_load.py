"""Deadlines that pass between cron runs are acted on by the next page anyone loads.

Written procedures whose deadline has passed (or that every member has answered) are closed before the
page is built, as the system and as their own transaction, so the page shows the result. The check is
one indexed query when nothing is due. A close that loses a race with another request or the cron job
(or finds SQLite busy) is left for whichever comes next.
"""

from __future__ import annotations

import logging

from flask import Flask, request
from sqlalchemy.exc import OperationalError

from grants_app.extensions import db
from grants_app.models import utcnow
from grants_app.services import written_procedures
from grants_app.transaction import commit

log = logging.getLogger(__name__)
SKIPPED = ("static", "govuk_assets.", "health.")


def close_due_written_procedures() -> None:
    if request.method != "GET" or not request.endpoint or request.endpoint.startswith(SKIPPED):
        return
    if ".static" in request.endpoint:
        return
    session = db.session
    try:
        if not written_procedures.due_for_closing(session, utcnow(), limit=1):
            return  # the request carries on in the same session; nothing to commit
        written_procedures.close_due_written_procedures(session)
        commit(session)  # and send the result emails
    except OperationalError:
        session.rollback()
        log.warning("closing due written procedures on page load failed; the job will close them")


def init_app(app: Flask) -> None:
    app.before_request(close_due_written_procedures)
