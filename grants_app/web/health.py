"""A health check for load balancers: the app answers and the database is reachable."""

from __future__ import annotations

import contextlib
import logging

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from grants_app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    """200 {"status": "ok", "database": "ok"}, or 503 {"status": "unavailable", "database":
    "unreachable", "reason": ...} when the database is missing, refusing connections or failing."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        _forget_the_failed_attempt()
        # The driver's message can name hosts and users: it goes to the log, not to whoever asks.
        log.error("health check: the database cannot be reached: %s", exc)
        reason = f"the database cannot be reached ({type(getattr(exc, 'orig', None) or exc).__name__})"
        return jsonify(status="unavailable", database="unreachable", reason=reason), 503
    return jsonify(status="ok", database="ok")


def _forget_the_failed_attempt() -> None:
    with contextlib.suppress(SQLAlchemyError):  # no connection: nothing more to undo
        db.session.rollback()
