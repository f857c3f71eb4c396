"""Services behind the admin: staff sign-in rules, CSV safety, the workflow picture, audited edits."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grants_app.models import AuditEvent, Role, Ward, utcnow
from grants_app.refusals import Refusal
from grants_app.services import csv_export, reference_data, staff_auth
from grants_app.services.scoring import ScoreEntry, record_scores
from grants_app.services.workflow_diagram import render_svg
from grants_app.workflow import get_engine
from tests.factories import STAFF_PASSWORD


@pytest.mark.parametrize("text", ["=1+1", "+44 1438", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_leading_text_is_neutralised(text):
    assert csv_export.safe_cell(text) == "'" + text


def test_ordinary_text_is_left_alone():
    assert csv_export.safe_cell("Bedwell Youth Boxing") == "Bedwell Youth Boxing"
    assert csv_export.safe_cell(None) == ""
    assert csv_export.to_csv(["a"], [["=x"]]).splitlines() == ["a", "'=x"]


def test_check_password_locks_after_repeated_failures(make, session):
    officer = make.officer()
    for _ in range(staff_auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(staff_auth.SignInRefused):
            staff_auth.check_password(session, officer.email, "wrong-password-here", two_factor_roles=())
    assert staff_auth.is_locked(officer)
    with pytest.raises(staff_auth.SignInRefused, match="locked"):
        staff_auth.check_password(session, officer.email, STAFF_PASSWORD, two_factor_roles=())
    assert session.query(AuditEvent).filter_by(action="locked", entity_id=officer.id).count() == 1


def test_check_password_reports_two_factor_needs(make, session):
    officer = make.officer()
    outcome = staff_auth.check_password(
        session, officer.email.upper(), STAFF_PASSWORD, two_factor_roles=("officer",)
    )
    assert outcome.must_set_up_two_factor and not outcome.needs_two_factor
    officer.totp_secret = pyotp.random_base32()
    outcome = staff_auth.check_password(session, officer.email, STAFF_PASSWORD, two_factor_roles=("officer",))
    assert outcome.needs_two_factor and not outcome.must_set_up_two_factor


def test_applicants_and_inactive_staff_cannot_sign_in_as_staff(make, session):
    applicant = make.user(Role.APPLICANT)
    officer = make.officer()
    officer.is_active = False
    for email in (applicant.email, officer.email):
        with pytest.raises(staff_auth.SignInRefused, match="correct email"):
            staff_auth.check_password(session, email, STAFF_PASSWORD, two_factor_roles=())


def test_totp_codes(make, session):
    officer = make.officer()
    secret = staff_auth.new_totp_secret()
    totp = pyotp.TOTP(secret)
    with pytest.raises(staff_auth.SignInRefused):
        staff_auth.enable_totp(session, officer, secret, "12345x")
    now = utcnow()
    staff_auth.enable_totp(session, officer, secret, totp.at(now))
    # the set-up code is spent; the next step's code works once, then never again
    assert not staff_auth.verify_totp(session, officer, totp.at(now), now)
    later = now + timedelta(seconds=30)
    assert staff_auth.verify_totp(session, officer, totp.at(later), later)
    assert not staff_auth.verify_totp(session, officer, totp.at(later), later)
    much_later = now + timedelta(minutes=5)
    assert not staff_auth.verify_totp(session, officer, totp.at(now - timedelta(minutes=5)), much_later)
    assert not staff_auth.verify_totp(session, officer, "00000a", much_later)
    assert staff_auth.verify_totp(session, officer, totp.at(much_later), much_later)


def test_workflow_picture_has_every_state_and_highlights_the_current_one():
    definition = get_engine().definition("application")
    svg = render_svg(definition, "on_agenda")
    for name in definition.states:
        assert f'data-state="{name}"' in svg
    assert svg.count('class="state current"') == 1
    assert 'class="state current" data-state="on_agenda"' in svg
    assert "<title" in svg and 'role="img"' in svg
    assert svg.count("<path d=") >= len(definition.transitions)


def test_reference_edit_diff_is_written_in_the_same_session(make, session):
    admin = make.user(Role.ADMIN)
    ward = Ward(name="Roebuck")
    session.add(ward)
    reference_data.record_edit(session, admin, ward, created=True)
    ward.name = "Roebuck and Broadwater"
    reference_data.record_edit(session, admin, ward, created=False)
    session.flush()
    events = session.query(AuditEvent).filter_by(entity_type="wards").order_by(AuditEvent.id).all()
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].data == {"name": {"from": "Roebuck", "to": "Roebuck and Broadwater"}}
    session.rollback()  # nothing of the edit or its audit survives a rollback
    assert session.query(AuditEvent).filter_by(entity_type="wards").count() == 0


def test_record_scores_is_all_or_nothing(make, session):
    app = make.eligible()
    member = make.jag_members(1)[0]
    from grants_app.services.declarations import declare_interest

    declare_interest(session, member, app, has_interest=False)
    criteria = app.fund.scoring_criteria
    entries = [ScoreEntry(c.id, "3", "Reasonable") for c in criteria[:-1]]
    with pytest.raises(Refusal, match="Score Deliverability from 0 to 5"):
        record_scores(session, member, app, entries)
    from grants_app.models import Score

    assert session.query(Score).count() == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=20), min_size=1, max_size=4), min_size=1, max_size=5))
def test_no_csv_cell_can_start_a_formula(rows):
    import csv
    import io

    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    parsed = list(csv.reader(io.StringIO(csv_export.to_csv(["h"] * width, rows), newline="")))
    for row in parsed[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    # Nothing is lost: each cell is the original, or the original behind one apostrophe.
    for original, row in zip(rows, parsed[1:], strict=True):
        for before, after in zip(original, row, strict=True):
            assert after in (before, "'" + before)
