"""No request input gives a 500: every rule of the app's URL map, for anonymous, an applicant and each
staff role, with hostile values in every path parameter, the common query parameters (id, page, sort,
search, filters ...) and the common form fields.

A kind, not a list: a new route or a new admin view is walked without anyone adding it here.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import pytest

from grants_app.models import Role
from tests.admin.conftest import sign_in as staff_sign_in
from tests.web.conftest import sign_in as applicant_sign_in

# Kinds of hostile value, several kinds in one string where one cannot hide another (each request
# costs a few milliseconds, and every rule is walked for seven people with each of these).
HOSTILE = [
    "'\"><script>\U0001f600\u200f",  # quotes, markup, an emoji, a right-to-left mark
    "a\x00b",  # a NUL (sent as %00)
    "%00",  # the text "%00" itself
    "99999999999999999999",  # beyond any integer column
    "2147483648",  # one past a 32-bit INTEGER
    "-1",
    "\u00b2",  # "²": str.isdigit() says yes, int() says no
    "../" * 1000 + "etc/passwd",  # a path out of the folder, and 3,000 characters long
]
QUERY_NAMES = [
    "id",
    "page",
    "page_size",
    "sort",
    "desc",
    "search",
    "next",
    "from",
    "ids",
    "url",
    "name",
    "query",
    "offset",
    "limit",
]
FORM_NAMES = [
    "id",
    "rowid",
    "action",
    "url",
    "email",
    "password",
    "code",
    "name",
    "reason",
    "application_id",
    "meeting_id",
    "expected_version",
    "amount",
    "outcome",
    "decision",
    "present",
    "kind",
    "answer",
    "title",
    "list_form_pk",
]
SIGN_OUT = {"portal.sign_out", "staff_auth.sign_out"}


def filter_params(app) -> dict[str, list[str]]:
    """For each Flask-Admin view endpoint, the query names of its list filters (flt0_<name>)."""
    admin = app.extensions["sosafe_admin"]
    found: dict[str, list[str]] = {}
    for view in admin._views:
        args = getattr(view, "_filter_args", None) or {}
        found[view.endpoint] = [f"flt{i}_{key}" for i, key in enumerate(args)]
    return found


def hostile_requests(app, value: str) -> list[tuple[str, str, str, dict]]:
    """(endpoint, method, url, form) for every rule, with `value` everywhere a request can carry it."""
    filters = filter_params(app)
    requests = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = re.sub(rf"<(?:[a-z]+:)?{argument}>", quote(value, safe=""), url)
        query = {name: value for name in QUERY_NAMES}
        query.update({name: value for name in filters.get(rule.endpoint.split(".")[0], [])})
        full = f"{url}?{urlencode(query)}"
        for method in ("GET", "POST"):
            if method in rule.methods:
                form = {name: value for name in FORM_NAMES} if method == "POST" else {}
                requests.append((rule.endpoint, method, full, form))
    return sorted(requests)


@pytest.fixture
def world(make, session):
    """Something of everything, so pages that find their row go on to parse the rest."""
    officer = make.officer()
    meeting = make.meeting(officer)
    make.on_agenda(meeting, officer)
    make.submitted()
    session.commit()


ROLES = ["anonymous", "applicant", *[r.value for r in sorted(set(Role) - {Role.APPLICANT})]]


@pytest.mark.parametrize("who", ROLES)
def test_no_url_answers_500_whatever_it_is_sent(app, make, session, mailer, world, who):
    def person():
        client = app.test_client()
        if who == "applicant":
            user = make.user(Role.APPLICANT)
            make.application(applicant=user, complete=False)
            session.commit()
            applicant_sign_in(client, mailer, user.email)
        elif who != "anonymous":
            user = make.user(Role(who))
            session.commit()
            assert staff_sign_in(client, user).status_code == 302
        return client

    client = person()
    crashes: list[str] = []

    def send(target, endpoint: str, method: str, url: str, form: dict, value: str) -> None:
        headers = {"Referer": f"http://localhost/{quote(value)}", "Accept-Language": quote(value)}
        try:
            response = target.open(url, method=method, data=form, headers=headers)
        except Exception as exc:  # noqa: BLE001 - a crash is what this test looks for
            crashes.append(f"{who} {method} {url[:120]!r}: {type(exc).__name__}: {str(exc)[:200]}")
            session.rollback()
            return
        if response.status_code >= 500:
            crashes.append(f"{who} {method} {url[:120]!r}: {response.status_code}")

    for value in HOSTILE:
        for endpoint, method, url, form in hostile_requests(app, value):
            if endpoint not in SIGN_OUT:
                send(client, endpoint, method, url, form, value)
    # Signing out ends every session of the person, so it comes last, once per endpoint, with each
    # query parameter and form field carrying a different one of the hostile values.
    for endpoint in sorted(SIGN_OUT):
        url = app.url_map.bind("localhost").build(endpoint)
        names = QUERY_NAMES + FORM_NAMES
        mixed = {name: HOSTILE[i % len(HOSTILE)] for i, name in enumerate(names)}
        query = urlencode({k: mixed[k] for k in QUERY_NAMES})
        send(client, endpoint, "POST", f"{url}?{query}", {k: mixed[k] for k in FORM_NAMES}, HOSTILE[0])
        if who != "anonymous":
            client = person()
    assert not crashes, f"{len(crashes)} crashes:\n" + "\n".join(crashes[:40])


def test_the_cases_found_by_probing_get_clear_answers(app, make, session, mailer, world):
    """The issue's list, each with the answer a person should see."""
    user = make.user(Role.APPLICANT)
    application = make.application(applicant=user, complete=False)
    officer = make.user(Role.OFFICER)
    session.commit()
    applicant = app.test_client()
    applicant_sign_in(applicant, mailer, user.email)
    assert applicant.get(f"/applications/{application.reference}").status_code == 200
    assert applicant.get(f"/applications/{application.reference}%00").status_code == 404

    staff = app.test_client()
    staff_sign_in(staff, officer)
    for bad in ("'", "%22", "%F0%9F%98%80", "%E2%80%8F", "99999999999999999999", "2147483648", "-1"):
        for view in ("details", "edit"):
            response = staff.get(f"/admin/application/{view}/?id={bad}")
            assert response.status_code in (302, 404), (view, bad)  # not found, or back to the list
        assert staff.get(f"/admin/audit/details/?id={bad}").status_code == 302
    for page in ("-1", "99999999999999999999", "abc"):
        listing = staff.get(f"/admin/application/?page={page}", follow_redirects=True)
        assert listing.status_code == 200, page  # a page too far (or too long to read) opens the last
    assert staff.get("/admin/audit/?flt0_entity_id_equals=99999999999999999999").status_code == 200
