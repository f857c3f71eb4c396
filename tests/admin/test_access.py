"""The access matrix: every admin endpoint and action, for anonymous, an applicant and each staff role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants_app.models import Role, utcnow
from grants_app.sessions import GENERATION_KEY

ALL_STAFF = {Role.OFFICER, Role.JAG_MEMBER, Role.FINANCE, Role.RAG_VIEWER, Role.ADMIN}
APPLICATION_VIEWERS = ALL_STAFF
MEETING_VIEWERS = {Role.OFFICER, Role.JAG_MEMBER, Role.ADMIN, Role.RAG_VIEWER}
RECORD_VIEWERS = {Role.OFFICER, Role.ADMIN}
ADMIN_ONLY = {Role.ADMIN}
OFFICER_ONLY = {Role.OFFICER}
MONEY_VIEWERS = {Role.FINANCE, Role.OFFICER, Role.ADMIN}
FINANCE_ONLY = {Role.FINANCE}
REFERENCE_VIEWS = (
    "funds",
    "strategy_periods",
    "priorities",
    "criteria",
    "categories",
    "agencies",
    "wards",
    "users",
    "partnership",
)

# Endpoints whose role rule is narrower than their view's.
SPECIAL = {
    "application.agenda_view": OFFICER_ONLY,
    "application.action_view": APPLICATION_VIEWERS,  # the action itself is checked (see test below)
    "application.export_csv": {Role.OFFICER, Role.ADMIN, Role.FINANCE, Role.RAG_VIEWER},
    # A JAG member sees an application's documents only after declaring (none declared here).
    "application.document": APPLICATION_VIEWERS - {Role.JAG_MEMBER},
    "meeting.create_view": OFFICER_ONLY,
    "meeting.attendance": OFFICER_ONLY,
    "meeting.decide": OFFICER_ONLY,
    "meeting.note_delegated": OFFICER_ONLY,
    "meeting.add_to_agenda": OFFICER_ONLY,
    "meeting.minutes": OFFICER_ONLY,
    "returns.accept": OFFICER_ONLY,
    "returns.query": OFFICER_ONLY,
    "meeting.note_written": OFFICER_ONLY,
    # A member votes for themselves; the officer records a vote on a member's behalf.
    "meeting.vote": {Role.OFFICER, Role.JAG_MEMBER},
    "application.written_vote": {Role.OFFICER, Role.JAG_MEMBER},
    "application.start_written_procedure": OFFICER_ONLY,
    "application.stop_written_procedure": OFFICER_ONLY,
    # Money: finance requests, authorises, records payments and money received; the officer prepares
    # offers and writes off what cannot be recovered.
    "payment.request_payment": FINANCE_ONLY,
    "payment.authorise": FINANCE_ONLY,
    "payment.pay": FINANCE_ONLY,
    "payment.cancel": FINANCE_ONLY,
    "payment.money_received": FINANCE_ONLY,
    "payment.write_off": OFFICER_ONLY,
    "offer.prepare": OFFICER_ONLY,
}


def allowed_roles(endpoint: str) -> set[Role]:
    if endpoint in SPECIAL:
        return SPECIAL[endpoint]
    view = endpoint.split(".")[0]
    if view == "admin":
        return ALL_STAFF
    if view == "application":
        return APPLICATION_VIEWERS
    if view == "meeting":
        return MEETING_VIEWERS
    if view == "returns":
        return APPLICATION_VIEWERS
    if view in {"audit", "outbox"}:
        return RECORD_VIEWERS
    if view in {"payment", "offer", "fund_position"}:
        return MONEY_VIEWERS
    if view == "workflows":
        return ALL_STAFF
    if view == "reports":
        from grants_app.reports.access import ANY_REPORT, REPORT_ROLES

        report = endpoint.split(".")[1]
        return set(REPORT_ROLES[report]) if report in REPORT_ROLES else set(ANY_REPORT)
    if view in REFERENCE_VIEWS:
        return ADMIN_ONLY
    raise AssertionError(f"no access rule written down for {endpoint}: add it to this matrix")


def admin_routes(app, application_id: int, meeting_id: int) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every admin route except sign-in pages and static files."""
    routes = []
    for rule in app.url_map.iter_rules():
        if (
            not rule.rule.startswith("/admin")
            or rule.endpoint.startswith("staff_auth.")
            or "static" in rule.endpoint
        ):
            continue
        values = {
            "app_id": application_id,
            "document_id": 1,
            "trigger": "pass_screening",
            "export_type": "csv",
            "return_id": application_id,
            "instalment_id": 1,
            "payment_id": 1,
            "recovery_id": 1,
            "fund_id": 1,
            "figure": "paid_out",
        }
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
        query = "?id=" + str(meeting_id if rule.endpoint.startswith("meeting.") else application_id)
        if (
            rule.endpoint.endswith(("details_view", "edit_view", "record_view"))
            or rule.endpoint.startswith("meeting.record")
            or rule.endpoint
            in {
                "meeting.attendance",
                "meeting.decide",
                "meeting.note_delegated",
                "meeting.minutes",
                "meeting.add_to_agenda",
                "meeting.note_written",
                "meeting.vote",
            }
        ):
            url += query
        method = "GET" if "GET" in rule.methods else "POST"
        routes.append((rule.endpoint, method, url))
    return sorted(set(routes))


@pytest.fixture
def world(make, session):
    officer = make.officer()
    meeting = make.meeting(officer)
    app = make.submitted()
    session.commit()
    return app, meeting


def _request(client, method, url):
    return client.get(url) if method == "GET" else client.post(url, data={})


def test_every_admin_route_has_an_access_rule(app, world):
    application, meeting = world
    for endpoint, _method, _url in admin_routes(app, application.id, meeting.id):
        allowed_roles(endpoint)


def test_anonymous_is_sent_to_staff_sign_in_everywhere(app, client, world):
    application, meeting = world
    for endpoint, method, url in admin_routes(app, application.id, meeting.id):
        response = _request(client, method, url)
        assert response.status_code == 302, (endpoint, url, response.status_code)
        assert "/admin/sign-in" in response.headers["Location"], (endpoint, url)


def test_an_applicant_never_reaches_the_admin(app, make, session, world):
    application, meeting = world
    applicant = make.applicant_of(application)
    client = app.test_client()
    with client.session_transaction() as sess:  # signed in as the portal would sign them in
        sess["_user_id"] = str(applicant.id)
        sess["_fresh"] = True
        sess[GENERATION_KEY] = 0  # as signing in records it
    for endpoint, method, url in admin_routes(app, application.id, meeting.id):
        response = _request(client, method, url)
        assert response.status_code == 403, (endpoint, url, response.status_code)


def test_an_applicant_cannot_use_the_staff_sign_in(app, make, session, world):
    application, _meeting = world
    applicant = make.applicant_of(application)
    response = app.test_client().post(
        "/admin/sign-in", data={"email": applicant.email, "password": "anything-at-all"}
    )
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(ALL_STAFF))
def test_each_staff_role_reaches_exactly_its_screens(app, staff_client, world, role):
    application, meeting = world
    client, _user = staff_client(role)
    for endpoint, method, url in admin_routes(app, application.id, meeting.id):
        response = _request(client, method, url)
        if role in allowed_roles(endpoint):
            assert response.status_code not in (401, 403, 500), (role, endpoint, url, response.status_code)
            if response.status_code == 302:
                assert "/admin/sign-in" not in response.headers["Location"], (role, endpoint)
        else:
            assert response.status_code == 403, (role, endpoint, url, response.status_code)


@pytest.mark.parametrize("role", sorted(ALL_STAFF - OFFICER_ONLY))
def test_only_the_officer_may_run_the_bulk_agenda_action(app, staff_client, world, session, role):
    application, meeting = world
    client, _user = staff_client(role)
    response = client.post(
        "/admin/application/action/", data={"action": "agenda", "rowid": [str(application.id)]}
    )
    assert response.status_code in (302, 403)
    assert "/agenda/" not in response.headers.get("Location", "")
    session.expire_all()
    assert application.state == "submitted"


def test_no_admin_page_loads_anything_from_another_site(app, staff_client, world):
    import re

    application, meeting = world
    client, _user = staff_client(Role.OFFICER)
    admin_client, _admin = staff_client(Role.ADMIN)
    pages = [
        (client, "/admin/"),
        (client, "/admin/application/"),
        (client, f"/admin/application/details/?id={application.id}"),
        (client, f"/admin/meeting/record/?id={meeting.id}"),
        (client, "/admin/workflows/"),
        (admin_client, "/admin/funds/new/"),
        (app.test_client(), "/admin/sign-in"),
    ]
    for c, url in pages:
        html = c.get(url).get_data(as_text=True)
        assert not re.search(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', html), url


def test_the_dashboard_links_the_next_meeting_only_for_those_who_can_open_it(make, session, staff_client):
    officer = make.officer()
    meeting = make.meeting(officer)
    meeting.starts_at = utcnow() + timedelta(days=7)
    session.commit()
    link = f"/admin/meeting/record/?id={meeting.id}"
    finance_client, _f = staff_client(Role.FINANCE)
    page = finance_client.get("/admin/").get_data(as_text=True)
    assert meeting.title in page and link not in page
    assert finance_client.get(link).status_code == 403
    officer_client, _o = staff_client(user=officer)
    assert link in officer_client.get("/admin/").get_data(as_text=True)


def test_the_dashboard_shows_the_meeting_under_way_with_its_agenda(make, session, staff_client):
    officer = make.officer()
    today = make.meeting(officer)
    today.starts_at = utcnow() - timedelta(hours=1)
    later = make.meeting(officer)
    later.starts_at = utcnow() + timedelta(days=28)
    item = make.on_agenda(today, officer)
    session.commit()
    client, _o = staff_client(user=officer)
    page = client.get("/admin/").get_data(as_text=True)
    card = page.split('id="meeting-heading"')[1].split("</section>")[0]
    assert "JAG meeting under way" in card and today.title in card and item.reference in card
    assert later.title not in card
