"""At scale every staff page and export costs the same number of queries however much data there is:
each page is counted on a data set, then on the same data doubled (the same mix of work again)."""

from __future__ import annotations

import csv
import io

import pytest

from grants_app.models import Application, Role
from grants_app.services import application_search
from grants_app.services.application_search import matches
from tests.conftest import count_queries

SCREENING = 12  # more than a dashboard list shows, so its "see all" link is there


def _add_work(make, session) -> None:
    """Applications to screen, grants in delivery with a payment, one awaiting its offer."""
    for n in range(SCREENING):
        make.submitted(title=f"Youth boxing sessions {n}")
    for _ in range(2):
        app, _officer = make.in_delivery(amount_pence=300_000)
        make.pay(app)
    make.approved()
    session.commit()


def _pages(app_id: int) -> dict[str, tuple[Role, str]]:
    return {
        "officer dashboard": (Role.OFFICER, "/admin/"),
        "finance dashboard": (Role.FINANCE, "/admin/"),
        "JAG dashboard": (Role.JAG_MEMBER, "/admin/"),
        "RAG dashboard": (Role.RAG_VIEWER, "/admin/"),
        "application list": (Role.OFFICER, "/admin/application/"),
        "application search": (Role.OFFICER, "/admin/application/?search=Youth"),
        "application filter": (Role.OFFICER, "/admin/application/?flt0_amount_requested_pence_at_least=100"),
        "application detail": (Role.OFFICER, f"/admin/application/details/?id={app_id}"),
        "applications CSV": (Role.OFFICER, "/admin/application/export.csv"),
        "payments CSV": (Role.FINANCE, "/admin/payment/export.csv"),
        "payments list": (Role.FINANCE, "/admin/payment/"),
    }


def _counts(app, clients, pages) -> dict[str, int]:
    counts = {}
    for name, (role, url) in pages.items():
        client = clients[role]
        client.get(url)  # warm: filter options, workflow caches
        with count_queries(app) as statements:
            response = client.get(url)
            response.get_data()
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(statements)
    return counts


def test_every_staff_page_and_export_costs_the_same_queries_when_the_data_doubles(
    app, make, session, staff_client, steady_filter_options
):
    clients = {
        role: staff_client(role)[0] for role in (Role.OFFICER, Role.FINANCE, Role.JAG_MEMBER, Role.RAG_VIEWER)
    }
    _add_work(make, session)
    first = session.query(Application).order_by(Application.id).first()
    pages = _pages(first.id)
    before = _counts(app, clients, pages)
    _add_work(make, session)
    after = _counts(app, clients, pages)
    assert after == before, (before, after)
    officer_page = clients[Role.OFFICER].get("/admin/").get_data(as_text=True)
    assert f"See all {2 * SCREENING:,} applications to screen" in officer_page


def test_the_streamed_csv_has_every_application_once(make, session, staff_client):
    made = [make.submitted(title=f"Project {n}") for n in range(25)]
    made[3].title = "=cmd|' /C calc'!A0"
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    response = client.get("/admin/application/export.csv")
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith("\ufeff".encode()) and body.count("\ufeff".encode()) == 1
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "Reference"
    assert sorted(r[0] for r in rows[1:]) == sorted(a.reference for a in made)
    assert "'=cmd|' /C calc'!A0" in {r[2] for r in rows[1:]}


@pytest.mark.parametrize("term", ["SOS", "Youth", "100%", "_"])
def test_search_finds_by_the_start_of_reference_title_or_organisation(make, session, staff_client, term):
    youth = make.submitted(title="Youth boxing sessions")
    other = make.submitted(title="Garden project")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get(f"/admin/application/?search={term}").get_data(as_text=True)
    if term == "Youth":
        assert youth.reference in page and other.reference not in page
    elif term == "SOS":
        assert youth.reference in page and other.reference in page
    else:  # % and _ are matched as typed, not as wildcards
        assert youth.reference not in page and other.reference not in page


def test_a_reference_finds_that_application_through_the_reference_alone(make, session, staff_client, app):
    first = make.submitted(title="Youth boxing sessions")
    second = make.submitted(title=f"Follow-on to {first.reference}")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get(f"/admin/application/?search={first.reference}").get_data(as_text=True)
    # A reference-shaped term searches references only (the index serves it), so a title that merely
    # mentions the reference is not listed.
    assert f">{first.reference}<" in page or f"{first.reference}</a>" in page
    assert second.reference not in page
    with app.app_context():
        condition = str(matches(first.reference, "postgresql").compile())
    assert "organisations" not in condition and "title" not in condition


@pytest.mark.parametrize("typed", ["Women's", "Women\u2019s", "women\u2018s"])
def test_an_apostrophe_finds_a_straight_or_curly_one(make, session, staff_client, typed):
    straight = make.submitted(title="Women's safety walk")
    curly = make.submitted(title="Women\u2019s refuge outreach")
    other = make.submitted(title="Womens football")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/", query_string={"search": typed}).get_data(as_text=True)
    assert straight.reference in page and curly.reference in page and other.reference not in page


def _organisation_match(condition) -> str:
    """The organisation part of a search condition as SQL: a subquery, or the ids listed."""
    return str(condition.compile(compile_kwargs={"literal_binds": True}))


def test_a_word_in_few_organisations_names_lists_their_ids(make, session, staff_client, app):
    """On PostgreSQL the organisations whose name matches are read first: with their ids listed, the
    database combines the three indexes, and a word few applications have is found without reading the
    whole table (120 ms at 100,000 applications, a page took 300 ms)."""
    applicant = make.user(Role.APPLICANT)
    patrol = make.organisation(applicant, name="Zebra Crossing Patrol")
    zebra = make.submitted(applicant=applicant, organisation=patrol, title="Road safety")
    other = make.submitted(title="Garden project")
    session.commit()
    condition = matches("zebra", "postgresql", session)
    sql = _organisation_match(condition)
    assert f"organisation_id IN ({zebra.organisation_id})" in sql and "FROM organisations" not in sql
    # Nothing matches: no organisation ids, and the condition is still valid and finds nothing.
    assert "FROM organisations" not in _organisation_match(matches("quagga", "postgresql", session))
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/?search=zebra").get_data(as_text=True)
    assert zebra.reference in page and other.reference not in page
    assert "quagga" in client.get("/admin/application/?search=quagga").get_data(as_text=True)


def test_a_word_in_many_organisations_names_keeps_the_subquery(make, session, app, monkeypatch):
    """A word in more names than ORGANISATIONS_LISTED is a common one: the subquery (which PostgreSQL
    hashes while it reads the newest applications) serves it better than a long list."""
    monkeypatch.setattr(application_search, "ORGANISATIONS_LISTED", 2)
    for n in range(3):
        make.organisation(name=f"Bedwell Residents {n}")
    session.commit()
    assert "FROM organisations" in _organisation_match(matches("Bedwell", "postgresql", session))
    assert "FROM organisations" not in _organisation_match(matches("Residents 1", "postgresql", session))
    # Without a session (and on SQLite, where small deployments search) the subquery is used as before.
    assert "FROM organisations" in _organisation_match(matches("Residents 1", "postgresql"))
    assert "FROM organisations" in _organisation_match(matches("Residents 1", "sqlite", session))
