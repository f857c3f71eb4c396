"""Pooled connections: one that died while idle (a database restart, a firewall dropping it overnight)
is replaced before a request uses it; one in steady use is not asked first (that round trip was on
every page)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from grants_app import db_pool
from grants_app.db_pool import ping_connections_idle_for
from grants_app.extensions import db


@pytest.fixture
def one_connection_engine(database_url) -> Iterator[Engine]:
    engine = create_engine(database_url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _count_pings(monkeypatch, engine: Engine) -> list[int]:
    pings: list[int] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return pings


def _kill_pooled_connection(engine: Engine) -> None:
    """Close the pooled connection's database link behind the pool's back, as a restart would."""
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
    raw.close()


def test_a_connection_that_died_while_idle_is_replaced_unseen(monkeypatch, one_connection_engine):
    engine = one_connection_engine
    ping_connections_idle_for(engine, idle_seconds=30)
    _kill_pooled_connection(engine)
    later = db_pool.time.monotonic() + 31
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: later)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


def test_without_the_check_the_dead_connection_fails_the_request(one_connection_engine):
    """The test above would pass by luck if a closed connection reopened by itself: it does not."""
    engine = one_connection_engine
    _kill_pooled_connection(engine)
    with pytest.raises(Exception), engine.connect() as conn:  # noqa: B017, PT011 - driver-specific error
        conn.execute(text("SELECT 1"))


def test_connections_in_steady_use_are_not_asked_first(monkeypatch, one_connection_engine):
    engine = one_connection_engine
    ping_connections_idle_for(engine, idle_seconds=30)
    pings = _count_pings(monkeypatch, engine)
    for _ in range(5):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert pings == []

    later = db_pool.time.monotonic() + 31
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: later)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert pings == [1]


def test_the_apps_pages_do_not_ping_a_busy_connection(monkeypatch, client, session):
    engine = db.engine
    assert not engine.pool._pre_ping  # the check is the idle one above, not SQLAlchemy's every checkout
    client.get("/")  # the connection has just been used
    pings = _count_pings(monkeypatch, engine)
    for _ in range(3):
        assert client.get("/").status_code == 200
    assert pings == []

    later = db_pool.time.monotonic() + db_pool.IDLE_SECONDS + 1
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: later)
    assert client.get("/").status_code == 200
    assert pings
