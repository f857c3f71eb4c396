"""Connections that sat idle in the pool are checked before use; busy ones are not.

SQLAlchemy's pool_pre_ping checks every checkout: a round trip to the database on every request
(half a millisecond of a 10 ms list page). A connection in steady use has just answered; the ones that
may have died (a database restart, a firewall dropping idle connections overnight) are the ones that
waited. This is SQLAlchemy's "pessimistic disconnect handling" with a checkout event
(docs.sqlalchemy.org, Dealing with Disconnects), asked only of connections idle for `idle_seconds`.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_SECONDS = 30.0
_RETURNED_AT = "sosafe_returned_at"


def ping_connections_idle_for(engine: Engine, idle_seconds: float = IDLE_SECONDS) -> None:
    """Before a connection idle for `idle_seconds` or more is handed out, ask the database a trivial
    question; a connection that does not answer is discarded and the pool opens another (the request
    never sees it)."""

    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection, record):
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        if record is not None:
            record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure means this connection cannot be trusted
            raise DisconnectionError("an idle database connection no longer answers") from exc
