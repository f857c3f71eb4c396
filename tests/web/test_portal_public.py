"""Public pages and the GOV.UK Frontend assets the app serves from node_modules."""

from __future__ import annotations

import re

from grants_app import create_app
from grants_app.money import format_pence
from tests.conftest import count_queries


def test_start_page_tells_people_what_they_need_to_know(client, ref):
    page = client.get("/").text
    fund = ref.fund
    assert all(p.title in page for p in ref.priorities)
    assert (
        format_pence(fund.min_award_pence, whole=True) in page
        and format_pence(fund.max_award_pence, whole=True) in page
    )
    assert f"{fund.closes_on.day} {fund.closes_on:%B %Y}" in page
    assert 'href="/accessibility"' in page and 'href="/privacy"' in page
    assert "Check if you can apply" in page and "Who can apply" in page


def test_start_page_lists_the_open_funds_priorities_in_order_from_one_query(app, client, ref):
    """The fund and its priorities are read together (a second query for the priorities was a fifth
    of the public page's database time); the list is in the priorities' numbered order."""
    client.get("/")
    with count_queries(app) as statements:
        page = client.get("/").text
    listed = re.findall(r"<li>([^<]+)</li>", page.split("What the fund is for", 1)[1].split("</ol>", 1)[0])
    assert listed == [p.title for p in sorted(ref.fund.priorities, key=lambda p: p.number)]
    assert not [s for s in statements if "FROM priorities" in s and "JOIN funds" not in s]
    assert (
        len([s for s in statements if s != "BEGIN"]) <= 4
    )  # the deadline check, the fund with its priorities, meetings, partnership


def test_information_pages(client, ref):
    assert "Accessibility statement" in client.get("/accessibility").text
    assert "Privacy notice" in client.get("/privacy").text


def test_assets_come_from_the_app_never_a_cdn(client, ref):
    page = client.get("/").text
    for url in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert not url.startswith(("http://", "https://", "//")), url
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and b".govuk-" in css.data
    assert client.get("/assets/govuk-frontend.min.js").status_code == 200
    fonts = re.findall(rb"url\((/assets/[^)]+)\)", css.data)
    assert fonts and all(client.get(f.decode()).status_code == 200 for f in fonts)
    assert client.get("/assets/images/favicon.ico").status_code == 200
    icon = client.get("/favicon.ico")  # where browsers look unasked (the admin's pages link none)
    assert icon.status_code == 200 and icon.data == client.get("/assets/images/favicon.ico").data
    assert client.get("/assets/../../package.json").status_code == 404


def test_unknown_pages_get_a_gov_uk_404(client, ref):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and "Page not found" in r.text and "govuk-template" in r.text


def test_the_app_can_be_created_twice(tmp_path):
    # Error handlers are attached once at import; a second app (tests, CLI) must not trip over them.
    for n in (1, 2):
        create_app(
            {"DATABASE_URL": f"sqlite:///{tmp_path}/{n}.db", "SOSAFE_INSTANCE_PATH": str(tmp_path / str(n))}
        )


def test_names_and_contacts_come_from_the_partnership_configuration(client, ref, session):
    ref.partnership.name, ref.partnership.short_name, ref.partnership.area_name = (
        "Anytown CSP",
        "SafeAny",
        "Anytown",
    )
    ref.partnership.contact_email = "grants@anytown.example"
    ref.partnership.address = "Town Hall\nAnytown AN1 1AA"
    session.commit()
    page = client.get("/").text
    assert "Apply for a community safety grant in Anytown" in page and "SafeAny Anytown" in page
    assert "mailto:grants@anytown.example" in page and "Anytown CSP" in page
    assert "Stevenage" not in page
    assert "live, work or study in Anytown" in client.get("/eligibility/stevenage").text
    assert "Anytown CSP" in client.get("/no-such-page").text


def test_page_titles_name_the_page_then_the_service_once(client, ref):
    def title(url: str) -> str:
        return re.search(r"<title[^>]*>(.*?)</title>", client.get(url).text, re.S).group(1).strip()

    assert title("/") == "Apply for a community safety grant - SoSafe"
    assert title("/sign-in") == "Sign in - Apply for a community safety grant - SoSafe"
