"""Sign-in pages: the same answer for known and unknown addresses, CSRF, and rate limits."""

from __future__ import annotations

import re

from sqlalchemy import select

from grants_app.models import LoginToken
from tests.web.conftest import last_link


def test_same_message_whether_or_not_the_address_is_known(client, make, mailer):
    make.user("applicant", email="known@group.example")
    make.session.commit()
    known = client.post("/sign-in", data={"email": "known@group.example"}, follow_redirects=True)
    unknown = client.post("/sign-in", data={"email": "unknown@group.example"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    # Each response has its own script nonce; everything else must be the same.
    strip = lambda text, email: re.sub(r'nonce="[^"]+"', "", text.replace(email, "EMAIL"))  # noqa: E731
    assert strip(known.text, "known@group.example") == strip(unknown.text, "unknown@group.example")


def test_bad_address_shows_error_summary(client, ref):
    r = client.post("/sign-in", data={"email": "nope"})
    assert r.status_code == 200
    assert "There is a problem" in r.text and 'href="#email"' in r.text and "Error: Sign in" in r.text


def test_get_on_a_link_does_not_use_it(client, mailer, ref):
    client.post("/sign-in", data={"email": "a@group.example"})
    token = last_link(mailer, "a@group.example")
    assert client.get(f"/sign-in/{token}").status_code == 200
    assert client.get(f"/sign-in/{token}").status_code == 200  # a mail scanner's GET did not use it
    assert client.post(f"/sign-in/{token}").status_code == 302
    r = client.post(f"/sign-in/{token}")
    assert r.status_code == 410 and "already been used" in r.text


def test_csrf_is_required_on_every_post(app, client, ref):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        r = client.post("/sign-in", data={"email": "a@group.example"})
        assert r.status_code == 400 and "there is a problem with this page" in r.text.lower()
        r = client.post("/eligibility/stevenage", data={"answer": "yes"})
        assert r.status_code == 400
        # With the token from the form, the same post works.
        page = client.get("/sign-in").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        r = client.post("/sign-in", data={"email": "a@group.example", "csrf_token": token})
        assert r.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_many_people_signing_in_from_one_library_are_not_locked_out(client, ref, no_rate_limits, session):
    """One network address is limited loosely: a community centre where twenty people sign in within a
    minute all get their links; only the twenty-first in that minute is asked to wait."""
    no_rate_limits.enabled = True
    no_rate_limits.reset()
    codes = [client.post("/sign-in", data={"email": f"user{n}@group.example"}).status_code for n in range(21)]
    assert codes[:20] == [302] * 20 and codes[20] == 429
    assert len(session.execute(select(LoginToken)).all()) == 20


def test_empty_and_mistyped_addresses_do_not_count_towards_the_limit(client, ref, no_rate_limits):
    no_rate_limits.enabled = True
    no_rate_limits.reset()
    for typed in ["", "nope", "kelly@", " "] * 10:
        assert client.post("/sign-in", data={"email": typed}).status_code == 200
    assert client.post("/sign-in", data={"email": "kelly@group.example"}).status_code == 302


def test_one_email_address_is_limited_tightly(client, ref, no_rate_limits, mailer):
    """Nobody can flood someone's inbox with sign-in emails, from however many network addresses."""
    no_rate_limits.enabled = True
    no_rate_limits.reset()
    codes = [
        client.post(
            "/sign-in", data={"email": email}, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        ).status_code
        for n, email in enumerate(["same@group.example", "Same@Group.example", " same@group.example"] * 2)
    ]
    assert codes[:3] == [302] * 3 and codes[3:] == [429] * 3
    assert sum(1 for to, _s, _b in mailer.sent if to == "same@group.example") == 3


def test_sign_in_requests_are_rate_limited_per_address(client, ref):
    codes = [client.post("/sign-in", data={"email": "same@group.example"}).status_code for _ in range(7)]
    assert codes[:5] == [302] * 5 and codes[5:] == [429, 429]


def test_portal_pages_send_security_headers(client, ref):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in r.text  # the template's one inline script carries it
    assert r.headers["X-Frame-Options"] == "DENY"


def test_after_sign_in_goes_back_only_to_pages_on_this_site(client, mailer, ref):
    for target, expected in (
        ("/applications/new", "/applications/new"),
        ("//evil.example", "/applications"),
        ("/\\evil.example", "/applications"),
    ):
        client.post(f"/sign-in?next={target}", data={"email": "a@group.example"})
        token = last_link(mailer, "a@group.example")
        r = client.post(f"/sign-in/{token}")
        assert r.location == expected, target
        client.post("/sign-out")
