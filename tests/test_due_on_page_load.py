"""The check every page load makes ("has any deadline passed?") must stay one index probe however many
applications there are: on PostgreSQL it once walked the whole applications table (15-17 ms at 100,000,
on every request, public pages included), when the state index alone could not answer it and when a
prepared statement's generic plan was reused."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, inspect, text
from sqlalchemy.sql.visitors import iterate

from grants_app.dates import london_today
from grants_app.due_on_page_load import DUE_WORK, TODAY, probe_statement
from grants_app.extensions import db


def test_each_page_load_check_is_answered_by_one_index(session):
    """Each kind's condition reads columns of one table, and one index holds them all: without the
    start date in the index, PostgreSQL walked every application to find no grant due (an index-only
    scan needs every column the condition reads; on a few test rows the planner may take either)."""
    indexes = inspect(session.get_bind())
    for due in DUE_WORK:
        columns = [e for e in iterate(due.may_have_work(TODAY)) if isinstance(e, Column)]
        tables = {column.table.name for column in columns}
        assert len(tables) == 1, (due.what, tables)
        wanted = {column.name for column in columns}
        covering = [
            index["name"]
            for index in indexes.get_indexes(tables.pop())
            if wanted <= set(index["column_names"]) and index["column_names"][0] == "state"
        ]
        assert covering, f"no index holds {sorted(wanted)} for {due.what}"


@pytest.mark.postgres
def test_the_page_load_check_is_planned_for_its_values_every_time(session, make):
    """psycopg would prepare a statement after its fifth run and PostgreSQL would then reuse one plan
    for any values: for the check that plan walked the whole table (15 ms on each page at 100,000
    applications). No statement may stay prepared on the app's connections."""
    make.submitted()
    session.commit()
    with db.engine.connect() as conn:  # one transaction, as a request that commits would keep it
        for _ in range(12):
            conn.execute(probe_statement(), {"today": london_today()}).one()
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    assert prepared == 0
