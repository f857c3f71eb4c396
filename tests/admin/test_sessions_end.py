"""Signing out ends every copy of the session: a cookie copied before sign-out opens nothing after.
The same for a password change, deactivation, role change and a two-factor reset by an administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants_app.models import Role, User
from tests.admin.conftest import sign_in as staff_sign_in
from tests.factories import STAFF_PASSWORD
from tests.web.conftest import sign_in


def copy_of_session(app, client):
    """A second browser holding a copy of `client`'s session cookie (as a thief or a shared PC would)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie("session", cookie.value)
    return other


def test_portal_sign_out_ends_a_copied_session(app, client, mailer, make, session):
    user = make.user("applicant", email="pat@bedwell.example")
    make.application(applicant=user, complete=False)
    session.commit()
    sign_in(client, mailer, user.email)
    copy = copy_of_session(app, client)
    assert copy.get("/applications").status_code == 200  # the copy works while the session lives

    assert client.post("/sign-out").status_code == 302
    for c in (client, copy):
        response = c.get("/applications")
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    # Signing in again works as before.
    sign_in(client, mailer, user.email)
    assert client.get("/applications").status_code == 200
    assert copy.get("/applications").status_code == 302


def test_admin_sign_out_ends_a_copied_session(app, make, session, staff_client):
    client, _officer = staff_client(Role.OFFICER)
    copy = copy_of_session(app, client)
    assert copy.get("/admin/application/").status_code == 200

    assert client.post("/admin/sign-out").status_code == 302
    for c in (client, copy):
        response = c.get("/admin/application/")
        assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]


def user_form(user: User, **changes) -> dict:
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": "",
        "agency": str(user.agency_id or ""),
        "job_title": user.job_title,
        "is_active": "y",
        "role_names": sorted(r.value for r in user.roles),
        "new_password": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    "change",
    [
        {"new_password": "a-brand-new-long-password"},
        {"is_active": None},  # the box unticked: deactivated
        {"role_names": ["jag_member"]},
    ],
    ids=["password change", "deactivation", "role change"],
)
def test_an_administrators_change_ends_the_persons_sessions(app, make, session, staff_client, change):
    officer_client, officer = staff_client(Role.OFFICER)
    admin_client, _admin = staff_client(Role.ADMIN)
    assert officer_client.get("/admin/application/").status_code == 200
    response = admin_client.post(f"/admin/users/edit/?id={officer.id}", data=user_form(officer, **change))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    response = officer_client.get("/admin/application/")
    assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]
    # The administrator who made the change is still signed in.
    assert admin_client.get("/admin/users/").status_code == 200


def test_an_edit_that_changes_no_access_keeps_the_session(app, make, session, staff_client):
    officer_client, officer = staff_client(Role.OFFICER)
    admin_client, _admin = staff_client(Role.ADMIN)
    admin_client.post(f"/admin/users/edit/?id={officer.id}", data=user_form(officer, job_title="Team leader"))
    assert officer_client.get("/admin/application/").status_code == 200


def test_an_administrator_changing_their_own_roles_stays_signed_in_here_only(
    app, make, session, staff_client
):
    admin_client, admin = staff_client(Role.ADMIN)
    elsewhere = copy_of_session(app, admin_client)
    response = admin_client.post(
        f"/admin/users/edit/?id={admin.id}", data=user_form(admin, role_names=["admin", "officer"])
    )
    assert response.status_code == 302
    assert admin_client.get("/admin/users/").status_code == 200
    assert elsewhere.get("/admin/users/").status_code == 302


def test_two_factor_reset_ends_the_persons_sessions(app, make, session, staff_client):
    officer_client, officer = staff_client(Role.OFFICER)
    admin_client, _admin = staff_client(Role.ADMIN)
    admin_client.post("/admin/users/action/", data={"action": "reset_two_factor", "rowid": [str(officer.id)]})
    assert officer_client.get("/admin/application/").status_code == 302


def test_signing_in_on_a_second_device_keeps_the_first(app, make, session):
    officer = make.user(Role.OFFICER)
    session.commit()
    first, second = app.test_client(), app.test_client()
    staff_sign_in(first, officer, STAFF_PASSWORD)
    staff_sign_in(second, officer, STAFF_PASSWORD)
    assert first.get("/admin/application/").status_code == 200
    assert second.get("/admin/application/").status_code == 200
    assert session.execute(select(User.session_generation).where(User.id == officer.id)).scalar_one() == 0
