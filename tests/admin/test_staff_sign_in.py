"""Staff sign-in: passwords, lockout, two-factor, sign-out, idle timeout and CSRF."""

from __future__ import annotations

import time
from datetime import timedelta

import pyotp

from grants_app.models import AuditEvent, Role, utcnow
from grants_app.services import staff_auth
from tests.admin.conftest import csrf_enabled, sign_in
from tests.factories import STAFF_PASSWORD


def test_sign_in_then_the_dashboard_then_sign_out(app, make, session):
    officer = make.officer()
    session.commit()
    client = app.test_client()
    response = sign_in(client, officer)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/")
    assert page.status_code == 200 and "Your tasks" in page.get_data(as_text=True)
    assert client.post("/admin/sign-out").status_code == 302
    assert "/admin/sign-in" in client.get("/admin/").headers["Location"]
    session.expire_all()
    assert officer.last_login_at is not None
    assert session.query(AuditEvent).filter_by(entity_type="users", action="sign_in").count() == 1


def test_wrong_password_gives_one_message_for_unknown_and_known_emails(app, make, session):
    officer = make.officer()
    session.commit()
    client = app.test_client()
    wrong = client.post("/admin/sign-in", data={"email": officer.email, "password": "not-the-password"})
    unknown = client.post(
        "/admin/sign-in", data={"email": "nobody@example.org", "password": "not-the-password"}
    )
    assert wrong.status_code == unknown.status_code == 400
    assert staff_auth.BAD_CREDENTIALS in wrong.get_data(as_text=True)
    assert staff_auth.BAD_CREDENTIALS in unknown.get_data(as_text=True)


def test_five_failures_lock_the_account_even_against_the_right_password(app, make, session):
    officer = make.officer()
    session.commit()
    client = app.test_client()
    for _ in range(staff_auth.MAX_FAILED_ATTEMPTS):
        client.post("/admin/sign-in", data={"email": officer.email, "password": "guess-guess-guess"})
    response = sign_in(client, officer)
    assert response.status_code == 400
    assert "locked" in response.get_data(as_text=True)
    session.expire_all()
    assert officer.locked_until is not None
    # An administrator unlocks it, and the right password works again.
    staff_auth.unlock(session, make.user(Role.ADMIN), officer)
    session.commit()
    assert sign_in(client, officer).status_code == 302


def test_lock_expires(app, make, session):
    officer = make.officer()
    officer.locked_until = utcnow() - timedelta(minutes=1)
    session.commit()
    assert sign_in(app.test_client(), officer).status_code == 302


def test_two_factor_code_needed_when_set_up(app, make, session):
    officer = make.officer()
    officer.totp_secret = pyotp.random_base32()
    session.commit()
    client = app.test_client()
    response = sign_in(client, officer)
    assert response.headers["Location"].endswith("/admin/two-factor")
    # Not signed in yet: the admin still sends them to sign in.
    assert "/admin/sign-in" in client.get("/admin/").headers["Location"]
    bad = client.post("/admin/two-factor", data={"code": "000000"})
    assert bad.status_code == 400
    good = client.post("/admin/two-factor", data={"code": pyotp.TOTP(officer.totp_secret).now()})
    assert good.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_compulsory_two_factor_makes_staff_set_it_up_first(app, make, session):
    officer = make.officer()
    session.commit()
    settings = app.config["SOSAFE"]
    settings.staff_2fa_roles = frozenset({"officer"})
    try:
        client = app.test_client()
        response = sign_in(client, officer)
        assert response.headers["Location"].endswith("/admin/two-factor/set-up")
        page = client.get("/admin/two-factor/set-up")
        assert page.status_code == 200 and "<svg" in page.get_data(as_text=True)
        with client.session_transaction() as sess:
            secret = sess["staff_totp_setup_secret"]
        assert client.post("/admin/two-factor/set-up", data={"code": "123456"}).status_code == 400
        done = client.post("/admin/two-factor/set-up", data={"code": pyotp.TOTP(secret).now()})
        assert done.status_code == 302
        assert client.get("/admin/").status_code == 200
        session.expire_all()
        assert officer.totp_secret == secret
        # The secret never reaches the audit trail.
        assert all(secret not in str(e.data) for e in session.query(AuditEvent).all())
    finally:
        settings.staff_2fa_roles = frozenset()


def test_idle_staff_are_signed_out(app, staff_client):
    client, _user = staff_client(Role.OFFICER)
    timeout = app.config["SOSAFE"].session_timeout_minutes * 60
    with client.session_transaction() as sess:
        sess["staff_last_seen"] = int(time.time()) - timeout - 5
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]
    assert "/admin/sign-in" in client.get("/admin/").headers["Location"]


def test_sign_in_never_redirects_off_site(app, make, session):
    officer = make.officer()
    session.commit()
    client = app.test_client()
    response = client.post(
        "/admin/sign-in?next=//evil.example/x", data={"email": officer.email, "password": STAFF_PASSWORD}
    )
    assert response.headers["Location"].endswith("/admin/")


def test_sign_in_and_sign_out_refuse_a_post_without_csrf_token(app, make, session, staff_client):
    officer = make.officer()
    session.commit()
    client, _user = staff_client(Role.OFFICER)
    with csrf_enabled(app):
        assert (
            app.test_client()
            .post("/admin/sign-in", data={"email": officer.email, "password": STAFF_PASSWORD})
            .status_code
            == 400
        )
        assert client.post("/admin/sign-out").status_code == 400
    assert client.get("/admin/").status_code == 200  # still signed in


def test_sign_in_attempts_are_rate_limited_per_address(app, session, no_rate_limits):
    no_rate_limits.enabled = True
    no_rate_limits.reset()
    client = app.test_client()
    codes = [
        client.post(
            "/admin/sign-in", data={"email": f"guess{n}@example.org", "password": "x" * 12}
        ).status_code
        for n in range(21)
    ]
    assert codes[:20] == [400] * 20
    assert codes[20] == 429
