"""The Reports page: each role sees only its reports; bad filters get a form error; downloads work."""

from __future__ import annotations

import re

import pytest

from grants_app.models import Role, utcnow
from grants_app.reports.access import REPORT_ROLES
from grants_app.sessions import GENERATION_KEY

URLS = {
    "spend": "/admin/reports/spend?year={year}&format=csv",
    "statement": "/admin/reports/statement?reference=BLK-{year}-00001&format=csv",
    "rag": "/admin/reports/rag?year={year}&quarter=2&format=csv",
    "open_data": "/admin/reports/360giving?year={year}&format=json",
}
STAFF = [Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER, Role.JAG_MEMBER, Role.ADMIN]


@pytest.mark.parametrize("role", STAFF)
def test_each_role_reaches_exactly_its_reports(staff_client, bulk, ref, session, role):
    bulk(2)
    session.commit()
    client, _user = staff_client(role)
    page = client.get("/admin/reports/")
    if role == Role.ADMIN:
        assert page.status_code == 403
    for report, url in URLS.items():
        response = client.get(url.format(year=ref.fund.financial_year))
        if role in REPORT_ROLES[report]:
            assert response.status_code == 200, (role, report, response.get_data(as_text=True)[:300])
            assert "attachment" in response.headers["Content-Disposition"]
        else:
            assert response.status_code == 403, (role, report)


def test_finance_downloads_the_spend_pdf_from_the_page(staff_client, bulk, ref, session):
    bulk(4)
    session.commit()
    client, _user = staff_client(Role.FINANCE)
    page = client.get("/admin/reports/").get_data(as_text=True)
    assert "Spend report by priority" in page and "Grant statement" in page
    assert "JAG meeting pack" not in page and "RAG quarterly report" not in page
    response = client.get(f"/admin/reports/spend?year={ref.fund.financial_year}&format=pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    xlsx = client.get(f"/admin/reports/spend?year={ref.fund.financial_year}&format=xlsx")
    assert xlsx.data[:2] == b"PK"


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=abc", "Enter the financial year as a number, like 2026"),
        ("year=1066", "Enter a financial year between 2000 and 2100"),
        ("year=2026&quarter=9", "Choose a quarter from 1 to 4"),
        ("starts_on=2026-13-01&ends_on=2026-05-01", "Start date must be a real date"),
        ("starts_on=31%2F02%2F2026&ends_on=2026-05-01", "Start date must be a real date"),
        (
            "starts_on=2026-06-01&ends_on=2026-05-01",
            "The end date must be the same as or after the start date",
        ),
        ("starts_on=2026-06-01", "Enter both a start date and an end date"),
        ("year=2026&fund_ids=999999", "Choose funds from the list"),
        ("year=2026&fund_ids=%27%3B--", "Choose funds from the list"),
        ("year=2026&priority_id=424242", "Choose a priority from the list"),
        ("year=2026&priority_id=abc", "Choose a priority from the list"),
        ("year=2026&priority_id=%00", "Choose a priority from the list"),
        ("year=2026&priority_id=99999999999999999999999", "Choose a priority from the list"),
        ("year=2026&priority_id=-3", "Choose a priority from the list"),
        ("year=2026&format=exe", "Choose PDF, CSV or XLSX"),
        ("", "Enter a financial year, like 2026, or a start and end date"),
    ],
)
def test_bad_spend_filters_get_a_form_error_not_a_500(staff_client, ref, session, query, message):
    client, _user = staff_client(Role.FINANCE)
    response = client.get(f"/admin/reports/spend?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html


def test_a_fund_of_another_year_is_refused_for_the_spend_report(staff_client, ref, session):
    client, _user = staff_client(Role.FINANCE)
    year = ref.fund.financial_year
    response = client.get(f"/admin/reports/spend?year={year - 1}&fund_ids={ref.fund.id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert f"That fund is not in {year - 1}/{str(year)[-2:]}" in html
    assert client.get(f"/admin/reports/spend?year={year}&fund_ids={ref.fund.id}").status_code == 200


@pytest.mark.parametrize(
    "url, message",
    [
        ("/admin/reports/statement?reference=", "Enter the grant&#39;s reference"),
        ("/admin/reports/statement?reference=SOS-1999-0001", "There is no grant with that reference"),
        ("/admin/reports/rag?year=2026&quarter=5", "Choose a quarter from 1 to 4"),
        ("/admin/reports/rag?quarter=1", "Enter the financial year"),
        ("/admin/reports/360giving?year=2001", "No grants were awarded"),
        ("/admin/reports/jag-pack?meeting_id=999999", "Choose a meeting from the list"),
    ],
)
def test_bad_filters_on_the_other_reports(staff_client, ref, session, url, message):
    client, _user = staff_client(Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER)
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_jag_members_get_packs_for_upcoming_meetings_without_scores_they_may_not_see(
    staff_client, make, session
):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    make.on_agenda(meeting, officer)
    past = make.meeting(officer, days_ahead=-30)
    session.commit()
    client, _user = staff_client(user=members[0])
    response = client.get(f"/admin/reports/jag-pack?meeting_id={meeting.id}&format=pdf")
    assert response.status_code == 200
    from tests.reports.conftest import pdf_text

    text = pdf_text(response.data)
    assert "Not shown to you" in text
    assert client.get(f"/admin/reports/jag-pack?meeting_id={past.id}&format=pdf").status_code == 400


def test_the_group_downloads_its_statement_in_the_portal_and_nobody_else_can(app, make, session):
    application, _officer = make.in_delivery()
    applicant = make.applicant_of(application)
    stranger = make.user(Role.APPLICANT)
    session.commit()

    def signed_in(user):
        from flask import g

        # The session fixture's app context is shared by the test client's requests: forget who
        # Flask-Login loaded for the previous client.
        g.pop("_login_user", None)
        client = app.test_client()
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True
            sess[GENERATION_KEY] = user.session_generation
        return client

    mine = signed_in(applicant)
    page = mine.get(f"/applications/{application.reference}").get_data(as_text=True)
    assert f"/applications/{application.reference}/statement.pdf" in page
    response = mine.get(f"/applications/{application.reference}/statement.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert signed_in(stranger).get(f"/applications/{application.reference}/statement.pdf").status_code == 404
    from flask import g

    g.pop("_login_user", None)
    assert app.test_client().get(f"/applications/{application.reference}/statement.pdf").status_code == 302


def test_the_meeting_pack_defaults_to_the_meeting_under_way_else_the_next(staff_client, make, session):
    officer = make.officer()
    next_one = make.meeting(officer, days_ahead=7)
    under_way = make.meeting(officer)  # started an hour ago
    make.on_agenda(under_way, officer)
    session.commit()
    for roles in ((Role.OFFICER,), (Role.JAG_MEMBER,)):
        client, _user = staff_client(*roles)
        page = client.get("/admin/reports/").get_data(as_text=True)
        assert re.search(rf'<option selected value="{under_way.id}">', page), roles
        assert not re.search(rf'<option selected value="{next_one.id}">', page), roles
    under_way.minutes_approved_at = utcnow()  # minuted: no longer under way
    session.commit()
    client, _user = staff_client(Role.OFFICER)
    page = client.get("/admin/reports/").get_data(as_text=True)
    assert re.search(rf'<option selected value="{next_one.id}">', page)


def test_a_csv_download_names_its_charset_once(staff_client, bulk, ref, session):
    bulk(2)
    session.commit()
    client, _user = staff_client(Role.FINANCE)
    response = client.get(f"/admin/reports/spend?year={ref.fund.financial_year}&format=csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")


def test_the_statement_finds_a_grant_by_the_reference_as_the_search_does(staff_client, make, session):
    """Staff type a reference whole, without its prefix or by its number alone ("0001"), as the
    application list's search takes it; a shortened one that fits several grants names them."""
    app_, _meeting, _officer = make.approved()
    other, _meeting2, _officer2 = make.approved()
    unawarded = make.submitted()
    session.commit()
    prefix, year, number = app_.reference.split("-")
    client, _user = staff_client(Role.FINANCE)

    def statement(typed: str):
        return client.get("/admin/reports/statement", query_string={"reference": typed, "format": "csv"})

    for typed in (
        app_.reference,
        app_.reference.lower(),
        f" {prefix.lower()} {year} {number} ",
        f"{year}-{number}",
        number,
        str(int(number)),
        f"{prefix}-{number}",
    ):
        response = statement(typed)
        assert response.status_code == 200, (typed, response.get_data(as_text=True)[-600:])
        named = response.headers["Content-Disposition"].upper()  # the file is named for the grant
        assert app_.reference in named and other.reference not in named, (typed, named)
    _p, _y, unawarded_number = unawarded.reference.split("-")
    for typed in ("9999", unawarded_number, f"{int(year) + 1}-{number}"):
        response = statement(typed)
        assert response.status_code == 400
        assert "There is no grant with that reference: check it is awarded" in response.get_data(as_text=True)

    other.reference = f"{prefix}-{int(year) - 1}-{number}"
    session.commit()
    response = statement(number)
    assert response.status_code == 400
    assert (
        f"More than one grant has a reference ending {number}. Enter the whole reference: "
        f"{app_.reference} or {other.reference}"
    ) in response.get_data(as_text=True)
    assert statement(app_.reference).status_code == statement(other.reference).status_code == 200


@pytest.mark.parametrize("starts, ends", [("1/4/2026", "30/06/2026"), ("1 April 2026", "30 Jun 2026")])
def test_the_spend_reports_dates_may_be_typed_the_uk_way(staff_client, ref, session, starts, ends):
    client, _user = staff_client(Role.FINANCE)
    response = client.get("/admin/reports/spend", query_string={"starts_on": starts, "ends_on": ends})
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
