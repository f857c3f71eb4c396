"""One PDF uploaded as all four required documents is accepted (a combined governance pack happens),
but the applicant is warned, and the officer's screening checklist flags it."""

from __future__ import annotations

from grants_app.services.screening import checklist_for
from tests.web.conftest import pdf, upload


def test_the_same_file_as_four_kinds_of_document_is_flagged_to_applicant_and_officer(
    applicant_client, session
):
    client, application = applicant_client
    same = pdf()
    for kind in ("constitution", "accounts", "insurance", "safeguarding_policy"):
        r = upload(client, application.reference, kind, "everything.pdf", same)
        assert r.status_code == 302, r.text
    page = client.get(f"/applications/{application.reference}/documents").text
    assert (
        "You uploaded the same file, everything.pdf, as your constitution or governing document, "
        "safeguarding policy, latest accounts or bank statement and public liability insurance certificate."
    ) in page
    assert "govuk-warning-text" in page
    assert (
        "You uploaded the same file"
        in client.get(f"/applications/{application.reference}/check-your-answers").text
    )

    session.refresh(application)
    flagged = {item.key: item.same_file_as for item in checklist_for(application) if item.present is not None}
    assert flagged["doc_constitution"] == (
        "Safeguarding policy",
        "Latest accounts or bank statement",
        "Public liability insurance certificate",
    )


def test_different_files_raise_no_warning(applicant_client, session):
    client, application = applicant_client
    upload(client, application.reference, "constitution", "constitution.pdf", pdf())
    upload(client, application.reference, "accounts", "accounts.pdf", b"%PDF-1.4\n% other\n" + pdf()[9:])
    page = client.get(f"/applications/{application.reference}/documents").text
    assert "You uploaded the same file" not in page
    session.refresh(application)
    assert all(item.same_file_as == () for item in checklist_for(application))


def test_replacing_one_of_the_two_removes_the_warning(applicant_client):
    client, application = applicant_client
    upload(client, application.reference, "constitution", "pack.pdf", pdf())
    upload(client, application.reference, "insurance", "pack.pdf", pdf())
    assert "You uploaded the same file" in client.get(f"/applications/{application.reference}/documents").text
    upload(client, application.reference, "insurance", "insurance.pdf", b"%PDF-1.4\n% cert\n" + pdf()[9:])
    assert (
        "You uploaded the same file"
        not in client.get(f"/applications/{application.reference}/documents").text
    )
