"""Each report builder runs the same number of queries for 10 grants as for 1,000."""

from __future__ import annotations

from sqlalchemy import insert, select

from grants_app.dates import london_today
from grants_app.models import AgendaItem, Application
from grants_app.reports.jag_pack import build_jag_pack
from grants_app.reports.open_data import build_open_data
from grants_app.reports.period import financial_year
from grants_app.reports.rag import build_rag_report
from grants_app.reports.spend import build_spend_report
from grants_app.reports.statement import build_statement
from tests.reports.conftest import counted_queries


def _queries(build) -> int:
    with counted_queries() as statements:
        build()
    return len(statements)


def test_builders_cost_the_same_for_10_and_1000_grants(session, ref, bulk, make):
    officer = make.officer()
    meeting = make.meeting(officer, days_ahead=7)
    year = ref.fund.financial_year

    def agenda(prefix: str) -> None:
        ids = (
            session.execute(select(Application.id).where(Application.reference.like(f"{prefix}-%")))
            .scalars()
            .all()
        )
        session.execute(
            insert(AgendaItem),
            [{"meeting_id": meeting.id, "application_id": i, "position": n} for n, i in enumerate(ids)],
        )

    builders = {
        "spend": lambda: build_spend_report(session, financial_year(year), generated_by="x"),
        "rag": lambda: build_rag_report(session, year, 2, generated_by="x", today=london_today()),
        "360giving": lambda: build_open_data(session, year),
        "jag pack": lambda: build_jag_pack(session, meeting.id, generated_by="x"),
        "statement": lambda: build_statement(session, f"A-{year}-00001", generated_by="x"),
    }
    bulk(10, prefix="A")
    agenda("A")
    session.expire_all()
    small = {name: _queries(build) for name, build in builders.items()}
    bulk(990, prefix="B")
    agenda("B")
    session.expire_all()
    large = {name: _queries(build) for name, build in builders.items()}
    assert small == large
    assert max(large.values()) < 40, large
