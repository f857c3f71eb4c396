"""After signing in, people go back only to pages of this site, whatever the `next` parameter says."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from grants_app.models import Role
from tests.web.conftest import last_link

# Each is what an attacker puts after `?next=` in a link they send someone (already URL-encoded).
HOSTILE_QUERIES = [
    "%2F%09%2Fevil.example",  # the case: "/<tab>/evil.example"
    "%2F%0A%2Fevil.example",
    "%2F%0D%0A%2Fevil.example",
    "%2F%5Cevil.example",  # "/\evil.example"
    "%5C%5Cevil.example",
    "%2F%2Fevil.example",
    "//evil.example",
    "///evil.example",
    "%2F%252F%2Fevil.example",  # encoded twice
    "%2F%2509%2Fevil.example",
    "%2F%255Cevil.example",
    "https://evil.example/",
    "https:evil.example",
    "%20%2F%2Fevil.example",
    "%2F%00%2Fevil.example",
    "javascript:alert(1)",
    "%2Fapplications%5C@evil.example",
    quote("/\u202e/evil.example", safe=""),
    "/" + "a" * 400,
]


def browser_target(location: str) -> str:
    """What a browser makes of a Location header: tabs and newlines dropped, "\\" read as "/"."""
    text = location.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 ")
    for ch in "\t\r\n":
        text = text.replace(ch, "")
    return text.replace("\\", "/")


def assert_stays_on_site(location: str, expected: str) -> None:
    seen = browser_target(location)
    parts = urlsplit(seen)
    assert not parts.scheme and not parts.netloc and not seen.startswith("//"), location
    assert location == expected


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_portal_sign_in_link_never_sends_people_to_another_site(client, mailer, ref, query):
    client.post(f"/sign-in?next={query}", data={"email": "a@group.example"})
    token = last_link(mailer, "a@group.example")
    response = client.post(f"/sign-in/{token}")
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"], "/applications")


def test_portal_sign_in_still_returns_to_the_page_asked_for(client, mailer, ref):
    client.post("/sign-in?next=%2Fapplications%2Fnew", data={"email": "a@group.example"})
    response = client.post(f"/sign-in/{last_link(mailer, 'a@group.example')}")
    assert response.headers["Location"] == "/applications/new"


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_staff_sign_in_never_sends_people_to_another_site(app, make, session, query):
    officer = make.user(Role.OFFICER)
    session.commit()
    client = app.test_client()
    response = client.post(
        f"/admin/sign-in?next={query}",
        data={"email": officer.email, "password": "correct-horse-battery-staple"},
    )
    if "%00" in query:  # the admin refuses a NUL anywhere in its input before doing anything
        assert response.status_code == 400
        return
    assert response.status_code == 302
    assert_stays_on_site(response.headers["Location"], "/admin/")
    # Signed in already, the sign-in page sends people on at once: the same rule applies.
    again = client.get(f"/admin/sign-in?next={query}")
    assert_stays_on_site(again.headers["Location"], "/admin/")


def test_staff_sign_in_still_returns_to_the_page_asked_for(app, make, session):
    officer = make.user(Role.OFFICER)
    session.commit()
    client = app.test_client()
    wanted = "/admin/application/?search=Bedwell"
    response = staff_sign_in_with_next(client, officer, wanted)
    assert response.headers["Location"] == wanted


def staff_sign_in_with_next(client, user, target: str):
    return client.post(
        f"/admin/sign-in?next={quote(target, safe='')}",
        data={"email": user.email, "password": "correct-horse-battery-staple"},
    )


@pytest.mark.parametrize("query", HOSTILE_QUERIES[:12])
def test_admin_screens_return_only_to_pages_of_this_site(app, make, session, query):
    """Flask-Admin's own `url` parameter (where Save and bulk actions go back to) is checked too."""
    admin = make.user(Role.ADMIN)
    session.commit()
    client = app.test_client()
    client.post("/admin/sign-in", data={"email": admin.email, "password": "correct-horse-battery-staple"})
    ward = make.ref.wards[0]
    response = client.post(f"/admin/wards/edit/?id={ward.id}&url={query}", data={"name": ward.name})
    if "%00" in query:
        assert response.status_code == 400
        return
    assert response.status_code == 302
    seen = browser_target(response.headers["Location"])
    assert not urlsplit(seen).scheme and not urlsplit(seen).netloc and not seen.startswith("//")
