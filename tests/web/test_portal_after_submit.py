"""After submission: answering a question and resubmitting, withdrawing, and responding to an offer."""

from __future__ import annotations

from sqlalchemy import select

from grants_app.models import AuditEvent
from grants_app.sessions import GENERATION_KEY
from grants_app.workflow import fire
from tests.web.conftest import sign_in


def test_applicant_answers_a_question_and_resubmits(client, mailer, make, session):
    app = make.submitted()
    officer = make.officer()
    fire(session, app, "request_information", officer, reason="Who will <b>coach</b> the sessions?")
    app.screening_notes = "Staff only: checked the charity register"
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)

    page = client.get(f"/applications/{app.reference}").text
    assert "We need more information" in page
    assert "Who will &lt;b&gt;coach&lt;/b&gt; the sessions?" in page
    assert "Staff only" not in page

    r = client.post(f"/applications/{app.reference}/answer", data={"answer": ""})
    assert "Enter your answer to our question" in r.text and "There is a problem" in r.text
    r = client.post(f"/applications/{app.reference}/answer", data={"answer": "Two qualified coaches"})
    assert r.status_code == 302
    session.expire_all()
    assert app.state == "submitted"
    assert app.information_requests[-1].answer == "Two qualified coaches"
    history = client.get(f"/applications/{app.reference}").text
    assert "We asked: Who will" in history and "Submitted" in history


def test_applicant_withdraws(client, mailer, make, session):
    app = make.submitted()
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    r = client.post(f"/applications/{app.reference}/withdraw", data={"reason": ""})
    assert "Tell us why you are withdrawing" in r.text and "There is a problem" in r.text
    r = client.post(f"/applications/{app.reference}/withdraw", data={"reason": "Project cancelled"})
    assert r.status_code == 302
    session.expire_all()
    assert app.state == "withdrawn"
    event = session.execute(
        select(AuditEvent).where(AuditEvent.entity_id == app.id, AuditEvent.trigger == "withdraw")
    ).scalar_one()
    assert event.reason == "Project cancelled"
    page = client.get(f"/applications/{app.reference}").text
    assert "Withdrawn" in page and "Withdraw this application" not in page
    r = client.get(f"/applications/{app.reference}/withdraw")
    assert r.status_code == 302


def test_applicant_accepts_an_offer(client, mailer, make, session):
    app, _meeting, officer = make.approved()
    fire(session, app, "issue_offer", officer)
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}").text
    assert "Accept or decline your grant offer" in page
    r = client.post(f"/applications/{app.reference}/offer", data={"decision": "accept", "name": ""})
    assert (
        "Enter the full name of the person accepting the offer" in r.text and "There is a problem" in r.text
    )
    assert "Enter the role of the person accepting" in r.text
    assert "Confirm that you are authorised to accept" in r.text
    r = client.post(
        f"/applications/{app.reference}/offer",
        data={"decision": "accept", "name": "Pat Chair", "role": "Chair", "confirm": "y"},
    )
    assert r.status_code == 302
    session.expire_all()
    assert app.state == "offer_accepted" and app.award.accepted_by_name == "Pat Chair"
    assert app.award.accepted_by_role == "Chair" and app.award.accepted_at is not None


def test_applicant_declines_an_offer(client, mailer, make, session):
    app, _meeting, officer = make.approved()
    fire(session, app, "issue_offer", officer)
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    r = client.post(
        f"/applications/{app.reference}/offer", data={"decision": "decline", "reason": "Found other funding"}
    )
    assert r.status_code == 302
    session.expire_all()
    assert app.state == "offer_declined"


def test_staff_signed_in_cannot_use_the_portal_as_an_applicant(client, make, session, app):
    officer = make.officer()
    session.commit()
    with client.session_transaction() as s:
        s["_user_id"] = str(officer.id)
        s["_fresh"] = True
        s[GENERATION_KEY] = 0  # as signing in records it
    r = client.get("/applications")
    assert r.status_code == 403 and "signed in as staff" in r.text


def test_funded_application_lists_monitoring_returns_as_next_steps(client, mailer, make, session):
    app, _officer = make.in_delivery()
    returns = list(app.monitoring_returns)
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}").text
    assert "Funded - in delivery" in page and "What you need to do" in page
    assert returns and all(r.period_label in page for r in returns)
    assert "To do" in page and "Accept your grant offer" in page


def test_history_hides_staff_notes_but_shows_reasons_we_emailed(client, mailer, make, session):
    screened = make.submitted()
    officer = make.officer()
    fire(session, screened, "pass_screening", officer, notes="Staff only: trustee is a councillor")
    refused = make.submitted(organisation=screened.organisation, applicant=make.applicant_of(screened))
    fire(session, refused, "fail_screening", officer, reason="Capital works are outside the fund")
    session.commit()
    sign_in(client, mailer, make.applicant_of(screened).email)
    page = client.get(f"/applications/{screened.reference}").text
    assert "Passed our first checks" in page and "Staff only" not in page and "councillor" not in page
    page = client.get(f"/applications/{refused.reference}").text
    assert "Not eligible" in page and "Capital works are outside the fund" in page


def test_asked_about_the_budget_the_applicant_changes_it_and_sends_it_back(
    client, mailer, make, session, ref
):
    app = make.submitted(amount_pence=200_000)
    fire(session, app, "request_information", make.officer(), reason="Can you do it for less?")
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}").text
    assert "check and change your answers" in page
    check = client.get(f"/applications/{app.reference}/check-your-answers")
    assert (
        check.status_code == 200
        and "Answer the question and send" in check.text
        and "Accept and send" not in check.text
    )

    line = app.budget_lines[0]
    r = client.post(f"/applications/{app.reference}/budget/{line.id}/remove")
    assert r.status_code == 302
    r = client.post(
        f"/applications/{app.reference}/budget",
        data={
            "action": "add",
            "line-description": "Coaches (fewer sessions)",
            "line-category_id": str(ref.categories[0].id),
            "line-amount": "1,500",
        },
    )
    assert r.status_code == 302, r.text
    r = client.post(
        f"/applications/{app.reference}/answer", data={"answer": "Yes: 30 sessions instead of 40."}
    )
    assert r.status_code == 302
    session.expire_all()
    assert app.state == "submitted"
    assert app.amount_requested_pence == 150_000  # the changed budget is what the JAG will see
    changes = session.execute(
        select(AuditEvent.action).where(
            AuditEvent.entity_type == "application",
            AuditEvent.entity_id == app.id,
            AuditEvent.action.in_(("budget_line_added", "budget_line_removed")),
        )
    ).scalars()
    assert sorted(changes) == ["budget_line_added", "budget_line_removed"]  # the changes are in the history
    # once sent back, the sections are closed again
    r = client.post(f"/applications/{app.reference}/project", data={"title": "Changed again"})
    session.expire_all()
    assert app.title != "Changed again"
