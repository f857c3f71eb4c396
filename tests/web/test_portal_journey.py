"""The whole applicant journey through the Flask test client, from eligibility to a submitted application."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants_app.dates import london_today
from grants_app.models import Application, AuditEvent, Document, Organisation, OrganisationMember, User
from grants_app.sessions import GENERATION_KEY
from tests.web.conftest import docx, invitation_link, pdf, png, sign_in, upload


def _dates(fund):
    start = max(fund.year_starts_on, london_today())
    return start, fund.year_ends_on


def project_data(ref, **overrides):
    start, end = _dates(ref.fund)
    data = {
        "title": "Youth boxing <script>alert(1)</script>",
        "summary": "Weekly boxing sessions for young people.",
        "description": "Sessions on Friday evenings run by qualified coaches.",
        "start_date": [str(start.day), str(start.month), str(start.year)],
        "end_date": [str(end.day), str(end.month), str(end.year)],
        "ward_ids": [str(ref.wards[0].id), str(ref.wards[1].id)],
        "beneficiaries_description": "Young people aged 11 to 16",
        "beneficiaries_count": "40",
        "works_with_children": "yes",
    }
    data.update(overrides)
    return data


ORG = {
    "name": "Bedwell Boxing <b>Club</b>",
    "org_type": "registered_charity",
    "charity_number": "1087654",
    "company_number": "",
    "address_line_1": "Bedwell Community Centre",
    "address_line_2": "",
    "town": "Stevenage",
    "postcode": "sg11nj",
    "contact_name": "Kelly Morgan",
    "contact_email": "Kelly@Bedwell.example",
    "contact_phone": "01438 242242",
    "second_contact_name": "",
    "second_contact_email": "",
}


def complete_eligibility(client):
    answers = [
        ("organisation-type", "constituted_group"),
        ("stevenage", "yes"),
        ("bank-account", "yes"),
        ("children-or-adults-at-risk", "yes"),
        ("safeguarding-policy", "yes"),
        ("insurance", "yes"),
    ]
    for slug, answer in answers:
        response = client.post(f"/eligibility/{slug}", data={"answer": answer})
        assert response.status_code == 302, (slug, response.text)
    assert response.location.endswith("/eligibility-result/eligible")


def fill_in_everything(client, ref, reference):
    r = client.post(f"/applications/{reference}/project", data=project_data(ref))
    assert r.status_code == 302, r.text
    p1, p2 = ref.priorities[0], ref.priorities[2]
    r = client.post(
        f"/applications/{reference}/priorities",
        data={
            "priorities": [str(p1.id), str(p2.id)],
            f"percentage_{p1.id}": "70",
            f"how_{p1.id}": "Diverts young people",
            f"percentage_{p2.id}": "30%",
            f"how_{p2.id}": "Hate crime workshops",
        },
    )
    assert r.status_code == 302, r.text
    category = ref.categories[0]
    for description, amount in (("Coaches", "1,500.50"), ("Gloves", "£300")):
        r = client.post(
            f"/applications/{reference}/budget",
            data={
                "action": "add",
                "line-description": description,
                "line-category_id": str(category.id),
                "line-amount": amount,
            },
        )
        assert r.status_code == 302, r.text
    r = client.post(
        f"/applications/{reference}/budget",
        data={"action": "match", "match-match_amount": "200", "match-match_source": "Our own fundraising"},
    )
    assert r.status_code == 302, r.text
    for kind, name, content in (
        ("constitution", "constitution.pdf", pdf()),
        ("safeguarding_policy", "policy.docx", docx()),
        ("accounts", "statement.png", png()),
        ("insurance", "insurance.pdf", pdf()),
    ):
        r = upload(client, reference, kind, name, content)
        assert r.status_code == 302, r.text
    r = client.post(
        f"/applications/{reference}/declaration",
        data={"name": "Kelly Morgan", "position": "Chair", "confirm": "y"},
    )
    assert r.status_code == 302, r.text


def test_new_user_goes_from_eligibility_to_a_submitted_application(client, mailer, ref, session):
    assert "Check if you can apply" in client.get("/").text
    complete_eligibility(client)
    sign_in(client, mailer, "kelly@bedwell.example")

    r = client.get("/applications/new")
    assert r.status_code == 200 and "Organisation details" in r.text
    r = client.post("/applications/new", data=ORG)
    assert r.status_code == 302, r.text
    reference = r.location.rsplit("/", 1)[-1]
    application = session.execute(select(Application).where(Application.reference == reference)).scalar_one()
    assert application.state == "draft"
    assert application.eligibility_answers["works_with_children_or_adults_at_risk"] is True
    org = application.organisation
    assert org.postcode == "SG1 1NJ" and org.contact_email == "kelly@bedwell.example"
    user = session.execute(select(User).where(User.email == "kelly@bedwell.example")).scalar_one()
    assert org.has_member(user) and user.full_name == "Kelly Morgan"

    task_list = client.get(f"/applications/{reference}").text
    assert "Not yet started" in task_list and "Check your answers and send" not in task_list

    fill_in_everything(client, ref, reference)
    task_list = client.get(f"/applications/{reference}").text
    assert "Not yet started" not in task_list and "Check your answers and send" in task_list

    check = client.get(f"/applications/{reference}/check-your-answers")
    assert check.status_code == 200
    assert "£1,800.50" in check.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in check.text and "<script>alert(1)" not in check.text
    assert "Bedwell Boxing &lt;b&gt;Club&lt;/b&gt;" in check.text
    assert "?from=check" in check.text

    mailer.sent.clear()
    r = client.post(f"/applications/{reference}/submit")
    assert r.status_code == 302 and r.location.endswith(f"/applications/{reference}/confirmation")
    session.expire_all()
    assert application.state == "submitted"
    assert application.amount_requested_pence == 180_050
    confirmation = client.get(r.location).text
    assert reference in confirmation and "Application sent" in confirmation
    assert any(reference in subject and to == "kelly@bedwell.example" for to, subject, _ in mailer.sent)

    # A second click on the button: the same confirmation, no second submission or email.
    sent = len(mailer.sent)
    r = client.post(f"/applications/{reference}/submit")
    assert r.status_code == 302 and r.location.endswith("/confirmation")
    submissions = session.execute(
        select(AuditEvent).where(AuditEvent.entity_id == application.id, AuditEvent.trigger == "submit")
    ).all()
    assert len(submissions) == 1 and len(mailer.sent) == sent

    dashboard = client.get("/applications").text
    assert reference in dashboard and "Submitted" in dashboard
    page = client.get(f"/applications/{reference}").text
    assert "Submitted" in page and "Withdraw this application" in page


def test_work_is_saved_between_visits(client, mailer, ref, session):
    sign_in(client, mailer, "kelly@bedwell.example")
    reference = client.post("/applications/new", data=ORG).location.rsplit("/", 1)[-1]
    client.post(f"/applications/{reference}/project", data=project_data(ref, title="Saved title"))
    client.post("/sign-out")
    assert client.get(f"/applications/{reference}").status_code == 302  # signed out: to sign in
    sign_in(client, mailer, "kelly@bedwell.example")
    form = client.get(f"/applications/{reference}/project").text
    assert 'value="Saved title"' in form
    assert "Completed" in client.get(f"/applications/{reference}").text


def test_returning_member_starts_a_second_application_without_retyping_the_organisation(
    applicant_client, session
):
    client, first = applicant_client
    r = client.post("/applications/new")
    assert r.status_code == 302
    assert len(session.execute(select(Application)).scalars().all()) == 2
    assert len(session.execute(select(Organisation)).scalars().all()) == 1


def test_submit_refused_while_incomplete_shows_the_reason(applicant_client):
    client, application = applicant_client
    r = client.post(f"/applications/{application.reference}/submit")
    assert r.status_code == 422
    assert "There is a problem" in r.text and "Complete these sections before you submit" in r.text


def test_sections_cannot_be_changed_after_submission(client, mailer, make, session):
    app = make.submitted()
    user = make.applicant_of(app)
    session.commit()
    sign_in(client, mailer, user.email)
    r = client.post(f"/applications/{app.reference}/project", data={"title": "Changed"})
    assert r.status_code == 302
    session.expire_all()
    assert app.title != "Changed"


def test_another_organisations_application_and_documents_are_404(client, mailer, make, session):
    theirs = make.application()
    doc_id = (
        session.execute(select(Document.id).where(Document.application_id == theirs.id)).scalars().first()
    )
    me = make.user("applicant", email="me@other.example")
    make.organisation(me)
    session.commit()
    sign_in(client, mailer, me.email)
    for url in (
        f"/applications/{theirs.reference}",
        f"/applications/{theirs.reference}/project",
        f"/applications/{theirs.reference}/check-your-answers",
        f"/applications/{theirs.reference}/withdraw",
        f"/documents/{doc_id}",
        "/applications/SOS-1999-9999",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/applications/{theirs.reference}/submit").status_code == 404
    assert client.post(f"/applications/{theirs.reference}/documents/{doc_id}/remove").status_code == 404


def test_documents_download_for_members_and_staff_only(client, mailer, make, session):
    app = make.application()
    doc = session.execute(select(Document).where(Document.application_id == app.id)).scalars().first()
    member = make.applicant_of(app)
    session.commit()
    assert client.get(f"/documents/{doc.id}").status_code == 404  # not signed in
    sign_in(client, mailer, member.email)
    r = client.get(f"/documents/{doc.id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in r.headers["Content-Disposition"]
    # Stored under a random name, not the uploaded one, outside the web root.
    assert doc.stored_name != doc.original_filename and "/" not in doc.stored_name


def test_budget_total_outside_fund_limits_blocks_the_section(applicant_client, ref):
    client, application = applicant_client
    client.post(
        f"/applications/{application.reference}/budget",
        data={
            "action": "add",
            "line-description": "Tiny",
            "line-category_id": str(ref.categories[0].id),
            "line-amount": "10",
        },
    )
    page = client.get(f"/applications/{application.reference}/budget").text
    assert "The total must be between £250 and £5,000" in page


def test_member_can_invite_a_colleague(applicant_client, mailer, session):
    client, application = applicant_client
    r = client.post("/organisation/invite", data={"name": "Sam Colleague", "email": "Sam@Bedwell.example"})
    assert r.status_code == 302
    link = invitation_link(mailer, "sam@bedwell.example")
    # Invited is not joined: Sam has no account and no membership until they accept.
    assert (
        session.execute(select(User).where(User.email == "sam@bedwell.example")).scalar_one_or_none() is None
    )
    client.post("/sign-out")
    sign_in(client, mailer, "sam@bedwell.example")
    assert application.reference not in client.get("/applications").text
    assert client.post(link, data={"answer": "accept"}).status_code == 302
    assert application.reference in client.get("/applications").text
    sam = session.execute(select(User).where(User.email == "sam@bedwell.example")).scalar_one()
    member = session.execute(
        select(OrganisationMember).where(OrganisationMember.user_id == sam.id)
    ).scalar_one()
    assert member.organisation_id == application.organisation_id and member.invited_by_id is not None
    # Inviting them again is refused with a message.
    client.post("/sign-out")
    sign_in(client, mailer, "pat@bedwell.example")
    r = client.post("/organisation/invite", data={"name": "Sam", "email": "sam@bedwell.example"})
    assert r.status_code == 200 and "can already work on" in r.text


def test_project_dates_outside_the_funds_year_are_refused(applicant_client, ref):
    client, application = applicant_client
    late = ref.fund.year_ends_on + timedelta(days=1)
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(ref, end_date=[str(late.day), str(late.month), str(late.year)]),
    )
    assert r.status_code == 200
    assert "End date must be between" in r.text and 'href="#end_date-day"' in r.text


def test_confirmation_panel_and_success_banner_render_their_markup(client, mailer, make, session):
    app = make.submitted()
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}/confirmation").text
    assert f"Your reference number<br><strong>{app.reference}</strong>" in page
    r = client.post(
        f"/applications/{app.reference}/withdraw",
        data={"reason": "<i>Changed</i> plans"},
        follow_redirects=True,
    )
    assert '<p class="govuk-notification-banner__heading">You have withdrawn your application.</p>' in r.text
    assert "&lt;i&gt;Changed&lt;/i&gt; plans" in r.text


def test_staff_can_download_any_document(client, make, session):
    app = make.application()
    doc = session.execute(select(Document).where(Document.application_id == app.id)).scalars().first()
    officer = make.officer()
    session.commit()
    with client.session_transaction() as s:
        s["_user_id"] = str(officer.id)
        s["_fresh"] = True
        s[GENERATION_KEY] = 0  # as signing in records it
    r = client.get(f"/documents/{doc.id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


def test_change_link_from_check_answers_returns_there(applicant_client):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/declaration?from=check",
        data={"name": "Pat", "position": "Chair", "confirm": "y"},
    )
    assert r.status_code == 302 and r.location.endswith("/check-your-answers")


def test_a_member_removes_a_colleague_who_has_left(client, mailer, make, session, app):
    application = make.application()
    member = make.applicant_of(application)
    leaver = make.user("applicant", email="leaver@group.example", name="Lee Leaver")
    from grants_app.models import OrganisationMember

    session.add(OrganisationMember(organisation=application.organisation, user=leaver))
    session.commit()
    sign_in(client, mailer, member.email)
    dashboard = client.get("/applications").text
    assert "Lee Leaver" in dashboard and "Remove<span" in dashboard
    leaver_membership = next(m for m in application.organisation.members if m.user_id == leaver.id)
    r = client.post(f"/organisation/members/{leaver_membership.id}/remove")
    assert r.status_code == 302
    assert "Lee Leaver can no longer work on" in client.get("/applications").text
    session.expire_all()
    assert not application.organisation.has_member(leaver)
    removed = session.execute(select(AuditEvent).where(AuditEvent.action == "member_removed")).scalar_one()
    assert removed.data == {"email": "leaver@group.example"} and removed.actor_id == member.id
    # the leaver can no longer see the application
    with app.app_context():
        other = app.test_client()
        sign_in(other, mailer, leaver.email)
        assert other.get(f"/applications/{application.reference}").status_code == 404


def test_the_last_member_cannot_be_removed_and_other_organisations_members_are_404(
    client, mailer, make, session
):
    application = make.application()
    member = make.applicant_of(application)
    theirs = make.application()
    session.commit()
    sign_in(client, mailer, member.email)
    own = application.organisation.members[0]
    client.post(f"/organisation/members/{own.id}/remove")
    assert "you cannot be removed" in client.get("/applications").text
    assert client.post(f"/organisation/members/{theirs.organisation.members[0].id}/remove").status_code == 404
    session.expire_all()
    assert application.organisation.has_member(member) and len(theirs.organisation.members) == 1


def test_removing_someone_already_removed_says_so(client, mailer, make, session):
    """A second tab, or a colleague who was quicker: "Page not found" told the member nothing."""
    application = make.application()
    member = make.applicant_of(application)
    leaver = make.user("applicant", name="Lee Leaver")
    session.add(OrganisationMember(organisation_id=application.organisation_id, user_id=leaver.id))
    session.commit()
    leaving = next(m.id for m in application.organisation.members if m.user_id == leaver.id)
    sign_in(client, mailer, member.email)
    assert client.post(f"/organisation/members/{leaving}/remove").status_code == 302
    r = client.post(f"/organisation/members/{leaving}/remove")
    assert r.status_code == 302 and r.location.endswith("/applications")
    assert "That person has already been removed" in client.get("/applications").text
    session.expire_all()
    assert [m.user_id for m in application.organisation.members] == [member.id]
