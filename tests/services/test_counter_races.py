"""Counters and "the newer one cancels the older" rules hold when requests arrive at the same moment
(PostgreSQL, threads with their own connections; SQLite lets one writer in at a time)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pyotp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.extensions import db
from grants_app.models import (
    Application,
    AuditEvent,
    BudgetLine,
    Document,
    DocumentKind,
    Fund,
    LoginToken,
    Organisation,
    ReferenceCounter,
    Role,
    User,
)
from grants_app.services import applicant_actions, application_form, sign_in, staff_auth
from grants_app.services.applications import start_application
from grants_app.services.documents import minimal_pdf

pytestmark = pytest.mark.postgres


def at_once(count: int, work: Callable[[Session, int], object]) -> list[object]:
    """Run work(own_session, n) in `count` threads released together; each commits its own session.
    Returns what each returned, or the exception it raised."""
    engine = db.engine
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(n: int) -> None:
        with Session(engine) as own:
            barrier.wait(timeout=30)
            try:
                results[n] = work(own, n)
                own.commit()
            except Exception as exc:  # noqa: BLE001 - collected for the assertions
                own.rollback()
                results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_fifteen_wrong_passwords_at_once_all_count_and_lock_the_account(make, session):
    officer = make.user(Role.OFFICER)
    session.commit()
    email, officer_id = officer.email, officer.id

    def wrong_password(own: Session, _n: int):
        try:
            staff_auth.check_password(own, email, "not-the-password-at-all", two_factor_roles=())
        except staff_auth.SignInRefused as exc:
            return str(exc)
        return "signed in"

    results = at_once(15, wrong_password)
    assert all(r == staff_auth.BAD_CREDENTIALS for r in results), results
    session.expire_all()
    fresh = session.get(User, officer_id)
    assert staff_auth.is_locked(fresh)
    # Every attempt counted: 15 failures are three lockouts of five, none lost.
    locks = session.execute(
        select(func.count()).where(AuditEvent.entity_id == officer_id, AuditEvent.action == "locked")
    ).scalar_one()
    assert (locks, fresh.failed_login_count) == (3, 0)


def test_one_two_factor_code_sent_twice_at_once_works_once(make, session):
    officer = make.user(Role.OFFICER)
    officer.totp_secret = pyotp.random_base32()
    session.commit()
    code = pyotp.TOTP(officer.totp_secret).now()
    officer_id = officer.id

    def use_code(own: Session, _n: int) -> bool:
        return staff_auth.verify_totp(own, own.get(User, officer_id), code)

    assert sorted(at_once(4, use_code)) == [False, False, False, True]


def test_sign_in_links_asked_for_at_once_leave_one_working_link_and_respect_the_limit(session, ref):
    class Settings:
        public_base_url = "https://grants.example"
        magic_link_minutes = 15

    def ask(own: Session, _n: int):
        sign_in.request_link(own, "same@group.example", ip="", settings=Settings())
        return "queued"

    results = at_once(8, ask)
    assert results.count("queued") == sign_in.MAX_LINKS_PER_ADDRESS_PER_HOUR, results
    assert sum(isinstance(r, sign_in.TooManyRequests) for r in results) == 3
    session.expire_all()
    live = session.execute(
        select(func.count()).select_from(LoginToken).where(LoginToken.cancelled_at.is_(None))
    ).scalar_one()
    assert live == 1  # the newest link cancels all the others


def test_the_years_first_references_taken_at_once_are_all_different(make, session):
    people = [make.user(Role.APPLICANT) for _ in range(8)]
    organisations = [make.organisation(p) for p in people]
    fund_id = make.ref.fund.id
    session.execute(ReferenceCounter.__table__.delete())  # the first application of the year
    session.commit()
    pairs = [(p.id, o.id) for p, o in zip(people, organisations, strict=True)]

    def start(own: Session, n: int) -> str:
        person_id, organisation_id = pairs[n]
        application = start_application(
            own, own.get(User, person_id), own.get(Fund, fund_id), own.get(Organisation, organisation_id)
        )
        return application.reference

    references = at_once(8, start)
    assert all(isinstance(r, str) for r in references), references
    assert len(set(references)) == 8


def test_documents_uploaded_at_once_leave_one_current_file(make, session, upload_folder):
    user = make.user(Role.APPLICANT)
    application = make.application(applicant=user, complete=False)
    session.commit()
    user_id, application_id = user.id, application.id

    def upload(own: Session, n: int):
        return applicant_actions.upload_document(
            own,
            own.get(User, user_id),
            own.get(Application, application_id),
            upload_folder,
            kind=DocumentKind.CONSTITUTION,
            filename=f"constitution-{n}.pdf",
            content=minimal_pdf(f"Constitution {n}"),
        ).id

    results = at_once(4, upload)
    assert all(isinstance(r, int) for r in results), results
    current = session.execute(
        select(func.count())
        .select_from(Document)
        .where(
            Document.application_id == application_id,
            Document.kind == DocumentKind.CONSTITUTION,
            Document.deleted_at.is_(None),
        )
    ).scalar_one()
    assert current == 1


def test_budget_lines_added_at_once_get_their_own_positions(make, session):
    user = make.user(Role.APPLICANT)
    application = make.application(applicant=user, complete=False)
    category_id = make.ref.categories[0].id
    session.commit()
    user_id, application_id = user.id, application.id

    def add(own: Session, n: int):
        return application_form.add_budget_line(
            own,
            own.get(User, user_id),
            own.get(Application, application_id),
            description=f"Cost {n}",
            category_id=category_id,
            amount_pence=1000,
        ).position

    positions = at_once(6, add)
    assert all(isinstance(p, int) for p in positions), positions
    assert sorted(positions) == [1, 2, 3, 4, 5, 6]
    assert session.execute(select(func.count()).select_from(BudgetLine)).scalar_one() == 6
