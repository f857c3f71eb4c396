"""The application list numbers its pages only as far as its count goes (count_cap rows): a deeper
?page= opens the last numbered page, never an OFFSET walked through the whole table."""

from __future__ import annotations

import re

import pytest

from grants_app.admin.views.applications import ApplicationView
from grants_app.models import Role
from grants_app.money import format_pence
from tests.conftest import count_queries


@pytest.fixture
def capped(monkeypatch):
    monkeypatch.setattr(ApplicationView, "count_cap", 40)


def _references(page: str) -> list[str]:
    return re.findall(r">(SOS-\d{4}-\d{4})</a>", page)


def test_deep_pages_open_the_last_numbered_page_with_the_right_rows(capped, make, session, staff_client):
    made = [make.application(title=f"Project {n}") for n in range(45)]
    session.commit()
    newest_first = [a.reference for a in sorted(made, key=lambda a: a.id, reverse=True)]
    client, _ = staff_client(Role.OFFICER)

    first = client.get("/admin/application/").get_data(as_text=True)
    second = client.get("/admin/application/?page=1").get_data(as_text=True)
    deep = client.get("/admin/application/?page=5000").get_data(as_text=True)

    assert _references(first) == newest_first[:20]
    assert _references(second) == newest_first[20:40]
    assert _references(deep) == newest_first[20:40]
    assert "More than 40 applications" in first
    assert "Only the first 40 are in pages" in first


def test_the_other_sort_order_reaches_the_rows_beyond_the_cap(capped, make, session, staff_client):
    made = [make.application(title=f"Project {n}") for n in range(45)]
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    # Sorted by reference ascending (the first sortable column), the oldest come first.
    page = client.get("/admin/application/?sort=0").get_data(as_text=True)
    assert _references(page) == sorted(a.reference for a in made)[:20]


def test_a_short_list_is_not_capped(make, session, staff_client):
    made = [make.application(title=f"Project {n}") for n in range(3)]
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/").get_data(as_text=True)
    assert sorted(_references(page)) == sorted(a.reference for a in made)
    assert "More than" not in page


def test_a_page_past_the_end_opens_the_last_page_keeping_the_search(make, session, staff_client):
    for n in range(25):
        make.application(title=f"Lighting {n}")
    make.application(title="Boxing club")
    session.commit()
    client, _ = staff_client(Role.OFFICER)

    short = client.get("/admin/application/?page=100")
    assert short.status_code == 302
    assert short.headers["Location"] == "/admin/application/?page=1"
    last = client.get(short.headers["Location"]).get_data(as_text=True)
    assert len(_references(last)) == 6
    assert "page=48" not in last  # the pager counts the rows there are, not the 1,000-row cap

    huge = client.get("/admin/application/?page=" + "9" * 30)  # too long to read: past the end
    assert huge.status_code == 302 and huge.headers["Location"] == "/admin/application/?page=1"
    assert client.get("/admin/application/?page=abc").status_code == 200  # unreadable: the first page

    searched = client.get("/admin/application/?search=Boxing&page=3")
    assert searched.status_code == 302
    assert searched.headers["Location"] == "/admin/application/?search=Boxing"
    page = client.get(searched.headers["Location"]).get_data(as_text=True)
    assert len(_references(page)) == 1


def test_list_cells_are_escaped_and_only_editors_get_select_boxes(make, session, staff_client):
    made = make.application(title='<script>alert("x")</script> & <b>bold</b>')
    session.commit()
    officer, _ = staff_client(Role.OFFICER)
    page = officer.get("/admin/application/").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert f'<a href="/admin/application/details/?id={made.id}">{made.reference}</a>' in page
    assert f'name="rowid" class="action-checkbox" value="{made.id}"' in page

    viewer, _ = staff_client(Role.RAG_VIEWER)
    seen = viewer.get("/admin/application/").get_data(as_text=True)
    assert made.reference in seen
    assert 'name="rowid"' not in seen and "rowtoggle" not in seen


def test_each_row_shows_its_own_organisation_fund_state_and_amount_in_every_sort(make, session, staff_client):
    """The list reads its columns as plain rows: sorting by organisation or fund joins those tables a
    second time, and no row may be repeated, lost or shown with another's organisation."""
    names = ["Chells Residents", "Alpha Youth Trust", "Bedwell Watch"]
    made = {}
    for n, name in enumerate(names):
        applicant = make.user(Role.APPLICANT)
        org = make.organisation(applicant, name=name)
        made[name] = make.submitted(
            applicant=applicant, organisation=org, title=f"Project {n}", amount_pence=100_000 * (n + 1)
        )
    session.commit()
    client, _ = staff_client(Role.OFFICER)

    def rows(query: str) -> list[tuple[str, ...]]:
        page = client.get(f"/admin/application/{query}").get_data(as_text=True)
        return re.findall(
            r">(SOS-[\d-]+)</a></td><td class=\"col-organisation\">([^<]*)</td><td class=\"col-title\">([^<]*)"
            r"</td><td class=\"col-fund\">([^<]*)</td><td class=\"col-state\">([^<]*)</td>"
            r"<td class=\"col-amount_requested_pence\">([^<]*)</td>",
            page,
        )

    fund = f"{make.ref.fund.name} {make.ref.fund.year_label}"
    expected = {
        (
            a.reference,
            name,
            a.title,
            fund,
            "Submitted - awaiting screening",
            format_pence(a.amount_requested_pence),
        )
        for name, a in made.items()
    }
    assert len({r[5] for r in expected}) == 3  # each row's amount differs, so a mix-up shows
    with count_queries(client.application) as statements:
        by_organisation = rows("?sort=1")
    # Sorted by the name the rows show, from the page's inner join: an outer join to sort by kept
    # PostgreSQL from starting at the organisations' name index (it sorted every application).
    assert not [s for s in statements if "LEFT OUTER JOIN organisations" in s]
    assert set(by_organisation) == expected and len(by_organisation) == 3
    assert [r[1] for r in by_organisation] == sorted(names)
    assert [r[1] for r in rows("?sort=1&desc=1")] == sorted(names, reverse=True)
    assert set(rows("?sort=3")) == expected
    assert set(rows("?search=Alpha")) == {r for r in expected if r[1] == "Alpha Youth Trust"}


def test_list_cells_format_values_as_flask_admin_does(app, monkeypatch):
    """Text from a formatter is escaped as it is; other values go through Flask-Admin's type
    formatters (None shows as nothing, True as its check icon), as its own row block did."""
    view = next(v for v in app.extensions["sosafe_admin"]._views if isinstance(v, ApplicationView))
    monkeypatch.setattr(
        view,
        "column_formatters",
        {"title": lambda v, c, m, n: "<b>" + m.title, "reference": lambda v, c, m, n: None},
    )

    class Row:
        id = 7
        title = "Lights & cameras"
        reference = "SOS-2026-0007"
        state = True

    with app.test_request_context("/admin/application/"):
        [(pk, cells)] = view.list_rows(
            [Row()], [("title", "Title"), ("reference", "Ref"), ("state", "State")]
        )
        expected_state = view._get_list_value(None, Row(), "state", {}, view.column_type_formatters)
    assert str(pk) == "7"
    assert '<td class="col-title">&lt;b&gt;Lights &amp; cameras</td>' in cells
    assert '<td class="col-reference"></td>' in cells
    assert f'<td class="col-state">{expected_state}</td>' in cells and "fa-check" in str(expected_state)


def test_a_reference_without_its_prefix_is_found_and_the_box_says_what_it_searches(
    make, session, staff_client, is_postgres
):
    wanted, other = make.submitted(title="Lights"), make.submitted(title="Cameras")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    number = wanted.reference.split("-", 1)[1]  # "2026-0001" of "SOS-2026-0001"
    page = client.get(f"/admin/application/?search={number}").get_data(as_text=True)
    assert _references(page) == [wanted.reference] and other.reference not in _references(page)
    expected = (
        "Reference, title or organisation"
        if is_postgres
        else "Start of a word in a reference, title or organisation"
    )
    assert f'placeholder="{expected}"' in page


def test_search_finds_a_word_inside_a_title_or_organisation_name(make, session, staff_client, is_postgres):
    knife = make.submitted(title="Knife crime awareness drama tour")
    applicant = make.user(Role.APPLICANT)
    residents = make.submitted(
        applicant=applicant,
        organisation=make.organisation(applicant, name="Shephall Residents' Association"),
        title="Lights",
    )
    session.commit()
    client, _ = staff_client(Role.OFFICER)

    def found(term: str) -> set[str]:
        return set(_references(client.get("/admin/application/", query_string={"search": term}).text))

    assert found("crime") == {knife.reference}
    assert found("CRIME awareness") == {knife.reference}
    assert found("Residents' Association") == {residents.reference}
    assert found(knife.reference.rsplit("-", 1)[1]) == {knife.reference}  # "0001" of "SOS-2026-0001"
    # Part of a word: PostgreSQL matches inside words, SQLite from the start of each word (as its box says).
    assert found("rime") == ({knife.reference} if is_postgres else set())
