"""Bad input: each form refuses it with a GOV.UK error summary and inline message, and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants_app.models import Application, Document, Organisation, OrganisationInvitation
from grants_app.services.documents import MAX_BYTES
from grants_app.workflow import fire
from tests.web.conftest import docx, pdf, png, sign_in, upload
from tests.web.test_portal_journey import ORG, project_data


def _error(response, message: str, anchor: str) -> None:
    assert response.status_code in (200, 400, 422), response.status_code
    assert "There is a problem" in response.text and "govuk-error-summary" in response.text
    assert message in response.text, response.text[:3000]
    assert f'href="#{anchor}"' in response.text
    assert "govuk-error-message" in response.text
    assert "<title>Error: " in response.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.pdf", b"", "The selected file is empty"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_BYTES, "smaller than 10MB"),
        ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, "must be a PDF, DOCX, JPG or PNG"),
        ("page.html", b"<html><script>alert(1)</script></html>", "must be a PDF, DOCX, JPG or PNG"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "must be a PDF, DOCX, JPG or PNG"),
        ("photo.pdf", png(), "name does not match what is in it"),
        ("sheet.docx", b"PK\x03\x04" + b"\x00" * 50, "must be a PDF, DOCX, JPG or PNG"),
        ("macro.docx", docx(macro=True), "must be a PDF, DOCX, JPG or PNG"),
    ],
)
def test_bad_uploads_are_refused(applicant_client, session, name, content, message):
    client, application = applicant_client
    r = upload(client, application.reference, "constitution", name, content)
    _error(r, message, "file")
    assert session.execute(select(Document)).first() is None


def test_upload_over_the_request_limit_gets_a_page_not_a_crash(applicant_client):
    client, application = applicant_client
    r = upload(
        client, application.reference, "constitution", "huge.pdf", b"%PDF-" + b"0" * (12 * 1024 * 1024)
    )
    assert r.status_code == 413 and "The file is too big" in r.text


def test_upload_without_a_file_or_kind(applicant_client):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/documents", data={}, content_type="multipart/form-data"
    )
    _error(r, "Select which document you are uploading", "kind")
    assert "Select a file to upload" in r.text


def test_good_uploads_are_accepted_and_replace_the_previous_file(applicant_client, session):
    client, application = applicant_client
    for name, content in (("a.pdf", pdf()), ("b.docx", docx()), ("c.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100)):
        assert upload(client, application.reference, "constitution", name, content).status_code == 302
    current = (
        session.execute(
            select(Document).where(Document.application_id == application.id, Document.deleted_at.is_(None))
        )
        .scalars()
        .all()
    )
    assert [d.original_filename for d in current] == ["c.jpg"]


def test_organisation_form_checks_formats(signed_in):
    bad = {
        **ORG,
        "org_type": "registered_charity",
        "charity_number": "12AB",
        "postcode": "NOT A CODE",
        "contact_email": "x",
    }
    r = signed_in.post("/applications/new", data=bad)
    _error(r, "Charity number must be the number on the register of charities", "charity_number")
    assert "Enter a real postcode" in r.text and "correct format" in r.text
    r = signed_in.post("/applications/new", data={**ORG, "org_type": "cic", "company_number": ""})
    _error(r, "Enter your company number", "company_number")
    r = signed_in.post("/applications/new", data={})
    _error(r, "Enter your organisation&#39;s name", "name")
    assert 'href="#org_type"' in r.text


def test_project_word_limits_are_counted_on_the_server(applicant_client, ref):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(ref, summary="word " * 101, description="word " * 501),
    )
    _error(r, "Project summary must be 100 words or fewer. It has 101 words", "summary")
    assert "Project description must be 500 words or fewer" in r.text


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (["", "", ""], "Enter the start date"),
        (["31", "2", "2026"], "Start date must be a real date"),
        (["1", "", "2026"], "Start date must include a month"),
        (["1", "4", "26"], "year must include 4 numbers"),
        (["x", "y", "z"], "Start date must be a real date"),
    ],
)
def test_project_dates(applicant_client, ref, day, message):
    client, application = applicant_client
    r = client.post(f"/applications/{application.reference}/project", data=project_data(ref, start_date=day))
    _error(r, message, "start_date-day")


def test_project_needs_wards_and_a_count(applicant_client, ref):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(ref, ward_ids=[], beneficiaries_count="lots"),
    )
    _error(r, "Select at least one ward", "ward_ids")
    assert "Number of people must be a whole number" in r.text
    r = client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, ward_ids=["999999"])
    )
    _error(r, "Select wards from the list", "ward_ids")


def test_priority_percentages_must_total_100(applicant_client, ref, session):
    client, application = applicant_client
    p1, p2 = ref.priorities[:2]
    url = f"/applications/{application.reference}/priorities"
    r = client.post(
        url,
        data={
            "priorities": [str(p1.id), str(p2.id)],
            f"percentage_{p1.id}": "50",
            f"how_{p1.id}": "a",
            f"percentage_{p2.id}": "40",
            f"how_{p2.id}": "b",
        },
    )
    _error(r, "The percentages must add up to 100. They add up to 90", f"priorities-{p1.id}")
    r = client.post(url, data={})
    _error(r, "Select at least one priority", f"priorities-{p1.id}")
    r = client.post(url, data={"priorities": [str(p1.id)], f"percentage_{p1.id}": "abc", f"how_{p1.id}": ""})
    _error(r, "Percentage must be a whole number between 1 and 100", f"percentage_{p1.id}")
    # One priority with no percentage defaults to 100.
    r = client.post(url, data={"priorities": [str(p1.id)], f"how_{p1.id}": "Helps"})
    assert r.status_code == 302
    session.expire_all()
    assert [(s.priority_id, s.percentage) for s in application.priority_splits] == [(p1.id, 100)]


def test_budget_line_validation(applicant_client, ref):
    client, application = applicant_client
    url = f"/applications/{application.reference}/budget"
    r = client.post(
        url, data={"action": "add", "line-description": "", "line-category_id": "", "line-amount": "12.345"}
    )
    _error(r, "Enter what the cost is for", "line-description")
    assert "Select a category" in r.text and "pounds and pence" in r.text
    r = client.post(
        url,
        data={
            "action": "add",
            "line-description": "X",
            "line-category_id": str(ref.categories[0].id),
            "line-amount": "999999",
        },
    )
    _error(r, "the most this fund gives", "line-amount")
    r = client.post(url, data={"action": "match", "match-match_amount": "100", "match-match_source": ""})
    _error(r, "Tell us where the match funding comes from", "match-match_source")
    assert client.post(url, data={"action": "bogus"}).status_code == 400


def test_declaration_needs_the_box_ticked(applicant_client, session):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/declaration", data={"name": "Pat", "position": "Chair"}
    )
    _error(r, "Confirm that the information is true", "confirm")
    session.expire_all()
    assert session.get(Application, application.id).declared_at is None


def test_eligibility_says_which_answer_failed_and_where_else_to_look(client, ref):
    r = client.post("/eligibility/bank-account", data={"answer": "no"})
    assert r.status_code == 302 and r.location.endswith("/not-eligible/bank-account")
    page = client.get(r.location).text
    assert "You cannot apply" in page and "bank account in its own name" in page
    assert "National Lottery Community Fund" in page
    r = client.post("/eligibility/stevenage", data={})
    assert r.status_code == 400 and "Select yes or no" in r.text and 'href="#answer"' in r.text
    assert client.get("/eligibility/nonsense").status_code == 404


@pytest.mark.parametrize("blank", ["     ", "\u00a0\u00a0", "\t \u200b \u3000"])
def test_an_answer_of_spaces_is_no_answer(signed_in, session, blank):
    """WTForms' InputRequired looked only at what was sent: spaces passed it and were stored empty once
    stripped (an organisation with no name, its page reading "People who can work on 's applications")."""
    r = signed_in.post("/applications/new", data={**ORG, "name": blank, "town": blank})
    _error(r, "Enter your organisation&#39;s name", "name")
    assert "Enter town or city" in r.text
    assert session.execute(select(Organisation)).first() is None


def test_an_invitation_to_a_name_of_spaces_is_refused(applicant_client, session):
    client, application = applicant_client
    r = client.post(
        f"/organisations/{application.organisation_id}/invite",
        data={"name": " \u00a0 ", "email": "alex@groupa.example"},
    )
    _error(r, "Enter your colleague&#39;s full name", "name")
    assert session.execute(select(OrganisationInvitation)).first() is None


def test_control_characters_are_refused(applicant_client, ref):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, title="bad\x00title")
    )
    _error(r, "must not contain special control characters", "title")


def test_project_asks_about_children_which_decides_the_safeguarding_policy(applicant_client, ref, session):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, works_with_children="")
    )
    _error(r, "Select yes if the project will work with children", "works_with_children")
    client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, works_with_children="yes")
    )
    session.expire_all()
    assert application.eligibility_answers["works_with_children_or_adults_at_risk"] is True
    page = client.get(f"/applications/{application.reference}/documents").text
    assert "Safeguarding policy (optional)" not in page
    client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, works_with_children="no")
    )
    page = client.get(f"/applications/{application.reference}/documents").text
    assert "Safeguarding policy (optional)" in page


def test_eligible_page_needs_every_answer_and_no_failing_one(client, ref):
    assert client.get("/eligibility-result/eligible").location.endswith("/eligibility/organisation-type")
    for slug, answer in (
        ("organisation-type", "school"),
        ("stevenage", "yes"),
        ("bank-account", "yes"),
        ("children-or-adults-at-risk", "yes"),
        ("insurance", "yes"),
    ):
        client.post(f"/eligibility/{slug}", data={"answer": answer})
    # Working with children makes the safeguarding question compulsory, even if its page was skipped.
    assert client.get("/eligibility-result/eligible").location.endswith("/eligibility/safeguarding-policy")
    client.post("/eligibility/safeguarding-policy", data={"answer": "no"})
    assert client.get("/eligibility-result/eligible").location.endswith("/not-eligible/safeguarding-policy")
    client.post("/eligibility/safeguarding-policy", data={"answer": "yes"})
    eligible = client.get("/eligibility-result/eligible")
    assert eligible.status_code == 200
    # A Back link to the journey's last question, to change an answer (GOV.UK question pages).
    assert '<a href="/eligibility/insurance" class="govuk-back-link">Back</a>' in eligible.text


def test_unicode_digits_are_refused_not_crashing(applicant_client, ref):
    # "²".isdigit() is True but int("²") fails: numbers must be ASCII digits.
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project", data=project_data(ref, beneficiaries_count="²")
    )
    _error(r, "Number of people must be a whole number", "beneficiaries_count")
    p = ref.priorities[0]
    r = client.post(
        f"/applications/{application.reference}/priorities",
        data={"priorities": [str(p.id)], f"percentage_{p.id}": "٣", f"how_{p.id}": "x"},
    )
    _error(r, "Percentage must be a whole number", f"percentage_{p.id}")


def test_a_locked_sqlite_database_asks_the_person_to_try_again(client, ref, monkeypatch):
    """One writer at a time on SQLite: the loser of that race is told to try again, not shown a crash."""
    from sqlalchemy.exc import OperationalError

    from grants_app.services import application_form

    def locked(*_args, **_kwargs):
        raise OperationalError("UPDATE applications ...", {}, Exception("database is locked"))

    monkeypatch.setattr(application_form, "open_fund", locked)
    response = client.get("/")
    assert response.status_code == 503
    assert (
        "Sorry, the service is busy" in response.text and "what you last sent was not saved" in response.text
    )


def test_other_database_errors_are_the_problem_page_not_busy(client, ref, monkeypatch, app):
    from sqlalchemy.exc import OperationalError

    from grants_app.services import application_form

    def broken(*_args, **_kwargs):
        raise OperationalError("SELECT ...", {}, Exception("disk I/O error"))

    monkeypatch.setattr(application_form, "open_fund", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/")
    # The database failing (or gone) makes the service unavailable: 503, and not "busy, try again".
    assert response.status_code == 503
    assert "Sorry, there is a problem with the service" in response.text
    assert "busy" not in response.text


def test_a_refusal_after_a_redirect_is_not_shown_as_a_success(client, mailer, make, session):
    app = make.submitted()
    officer = make.officer()
    fire(session, app, "fail_screening", officer, reason="Outside Stevenage")
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    response = client.post(
        f"/applications/{app.reference}/withdraw", data={"reason": "No longer needed"}, follow_redirects=True
    )
    page = response.text
    assert "This application can no longer be withdrawn." in page
    banner = page[
        page.index("govuk-notification-banner") : page.index("This application can no longer be withdrawn.")
    ]
    assert "Important" in banner and "Success" not in banner
