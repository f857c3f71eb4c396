"""Refused or unreadable requests under /admin, and saves the database was too busy for, get the admin's
own page: its menu, what happened and the way back; not Werkzeug's bare "Forbidden", nor the public
site's page pointing to its start."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import OperationalError

from grants_app.models import Role
from grants_app.services import payments
from tests.services.test_payments import delivering


def test_a_role_without_the_screen_gets_the_admin_page_saying_so(session, staff_client):
    finance, _ = staff_client(Role.FINANCE)
    response = finance.get("/admin/meeting/", headers={"Referer": "http://localhost/admin/payment/"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "You cannot open this page" in page and "Ask an administrator" in page
    assert 'href="/admin/payment/">Go back</a>' in page and 'href="/admin/">dashboard</a>' in page
    assert 'href="/admin/payment/"' in page.split("navbar-nav mr-auto", 1)[1]  # the admin menu is there
    assert "Forbidden" not in page


def test_unreadable_input_and_missing_records_get_the_admin_page(session, staff_client):
    officer, _ = staff_client(Role.OFFICER)
    nul = officer.get("/admin/application/?search=%00")
    assert nul.status_code == 400 and "We could not read that request" in nul.get_data(as_text=True)
    assert "Go to the start page" not in nul.get_data(as_text=True)
    missing = officer.get("/admin/application/details/?id=99999")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    assert officer.get("/admin/no-such-screen/").status_code == 404


def test_applicants_in_the_admin_get_the_public_page(session, make, client):
    applicant = make.user(Role.APPLICANT)
    session.commit()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(applicant.id)
        sess["_fresh"] = True
    response = client.get("/admin/no-such-screen/")
    assert response.status_code == 404
    assert "navbar-nav" not in response.get_data(as_text=True)


def test_a_save_the_database_was_too_busy_for_gets_the_admin_busy_page(
    session, make, staff_client, monkeypatch
):
    grant, _officer = delivering(make, amount_pence=100_000)
    payment = payments.request_payment(session, make.finance(), grant.award.instalments[0])
    session.commit()
    finance, _ = staff_client(Role.FINANCE)

    def busy(*_args, **_kwargs):
        # What SQLite says when the write lock stayed taken for longer than busy_timeout.
        raise OperationalError("UPDATE payments ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(payments, "authorise_payment", busy)
    response = finance.post(
        f"/admin/payment/{payment.id}/authorise",
        data={"expected_version": payment.version},
        headers={"Referer": f"http://localhost/admin/application/details/?id={grant.id}"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Sorry, the service is busy" in page and "what you last sent was not saved" in page
    assert f'href="/admin/application/details/?id={grant.id}">Go back</a>' in page
    assert 'href="/admin/payment/"' in page.split("navbar-nav mr-auto", 1)[1]  # the admin menu is there
    assert "govuk-header" not in page  # not the public site's page
