"""Email sign-in links: single use, 15 minutes, replaced by a newer link, limited per address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants_app import clock
from grants_app.models import LoginToken, User, utcnow
from grants_app.outbox_sender import send_due
from grants_app.services import sign_in


class Settings:
    public_base_url = "https://grants.example"
    magic_link_minutes = 15


def _token(session, mailer, email):
    send_due(session, mailer)
    body = [b for to, _s, b in mailer.sent if to == email][-1]
    return body.split("/sign-in/")[1].split()[0]


def test_link_works_once_and_creates_the_applicant(session, mailer, ref):
    sign_in.request_link(session, "new@group.example", ip="1.2.3.4", settings=Settings())
    token = _token(session, mailer, "new@group.example")
    assert session.execute(select(LoginToken.token_hash)).scalar_one() != token  # only a hash is stored
    user = sign_in.redeem_link(session, token)
    assert user.email == "new@group.example" and user.has_role("applicant") and not user.is_staff
    with pytest.raises(sign_in.SignInError, match="already been used"):
        sign_in.redeem_link(session, token)


def test_link_expires_after_15_minutes(session, mailer, ref):
    sign_in.request_link(session, "a@group.example", ip="", settings=Settings())
    token = _token(session, mailer, "a@group.example")
    with clock.pinned(utcnow() + timedelta(minutes=16)), pytest.raises(sign_in.SignInError, match="expired"):
        sign_in.redeem_link(session, token)


def test_new_link_cancels_the_old_one(session, mailer, ref):
    sign_in.request_link(session, "a@group.example", ip="", settings=Settings())
    first = _token(session, mailer, "a@group.example")
    sign_in.request_link(session, "a@group.example", ip="", settings=Settings())
    second = _token(session, mailer, "a@group.example")
    with pytest.raises(sign_in.SignInError, match="replaced"):
        sign_in.redeem_link(session, first)
    assert sign_in.redeem_link(session, second).email == "a@group.example"


def test_links_per_address_are_limited(session, mailer, ref):
    for _ in range(sign_in.MAX_LINKS_PER_ADDRESS_PER_HOUR):
        sign_in.request_link(session, "a@group.example", ip="", settings=Settings())
    with pytest.raises(sign_in.TooManyRequests):
        sign_in.request_link(session, "a@group.example", ip="", settings=Settings())
    with clock.pinned(utcnow() + timedelta(minutes=61)):
        sign_in.request_link(session, "a@group.example", ip="", settings=Settings())


def test_staff_addresses_never_get_a_sign_in_link(session, mailer, make):
    officer = make.officer()
    sign_in.request_link(session, officer.email, ip="", settings=Settings())
    send_due(session, mailer)
    ((to, subject, body),) = [m for m in mailer.sent if m[0] == officer.email]
    assert "/sign-in/" not in body and "/admin" in body
    assert session.execute(select(LoginToken)).first() is None


def test_garbage_tokens_are_refused(session, ref):
    for token in ("", "x", "a" * 500, "<script>"):
        with pytest.raises(sign_in.SignInError):
            sign_in.redeem_link(session, token)
    assert session.execute(select(User)).first() is None


@pytest.mark.parametrize(
    "raw", ["", "   ", "not-an-email", "a@", "@b.com", "a b@c.com", "x" * 300 + "@a.com"]
)
def test_bad_addresses_get_gov_uk_messages(raw):
    with pytest.raises(ValueError, match="Enter|characters or fewer"):
        sign_in.normalise_email(raw)


def test_inactive_accounts_get_no_email(session, mailer, make):
    user = make.user("applicant")
    user.is_active = False
    sign_in.request_link(session, user.email, ip="", settings=Settings())
    send_due(session, mailer)
    assert not [m for m in mailer.sent if m[0] == user.email]


def test_an_address_header_with_control_characters_is_kept_printable(session, mailer, ref):
    # Behind a proxy the address comes from X-Forwarded-For, which the client controls.
    sign_in.request_link(session, "a@group.example", ip="203.0.113.9\x00<x>", settings=Settings())
    session.commit()
    assert session.execute(select(LoginToken.requested_ip)).scalar_one() == "203.0.113.9<x>"
