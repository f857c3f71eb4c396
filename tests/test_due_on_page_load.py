"""The check every page load makes ("has any deadline passed?") must stay one index probe however many
applications there are: on PostgreSQL it once walked the whole applications table (17 ms at 100,000,
on every request, public pages included) because the state index alone could not answer it."""

from __future__ import annotations

import pytest
from sqlalchemy import exists, select, text

from grants_app.due_on_page_load import DUE_WORK
from grants_app.extensions import db


@pytest.mark.postgres
def test_the_page_load_check_reads_indexes_not_whole_tables(session, make):
    make.submitted()
    session.flush()
    probe = select(*(exists().where(due.may_have_work()) for due in DUE_WORK))
    compiled = probe.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    # Sequential scans priced out, as they are at scale (a few rows in tiny tables are read whole).
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))
    session.rollback()
    # An index-only scan answers from the index; a plain index scan on the state alone must visit
    # each row in that state for its start date, and at scale the planner prefers to walk the table.
    for table in ("applications", "written_procedures"):
        assert f"Index Only Scan using ix_{table}_" in plan, plan


@pytest.mark.postgres
def test_the_page_load_check_is_planned_for_its_values_every_time(session, make):
    """psycopg would prepare a statement after its fifth run and PostgreSQL would then reuse one plan
    for any values: for the check that plan walked the whole table (15 ms on each page at 100,000
    applications). No statement may stay prepared on the app's connections."""
    make.submitted()
    session.commit()
    with db.engine.connect() as conn:  # one transaction, as a request that commits would keep it
        for _ in range(12):
            conn.execute(select(*(exists().where(due.may_have_work()) for due in DUE_WORK))).one()
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
    assert prepared == 0
