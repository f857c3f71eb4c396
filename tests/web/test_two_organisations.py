"""People who belong to more than one organisation: choosing which one applies, the applications page
grouped by organisation, and invitations that wait for the invited person's consent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants_app.models import (
    Application,
    AuditEvent,
    OrganisationInvitation,
    OrganisationMember,
    User,
    utcnow,
)
from grants_app.refusals import NotFound, Refusal
from grants_app.services.application_form import start_with_organisation
from tests.conftest import count_queries
from tests.web.conftest import invitation_link, last_link, sign_in


@pytest.fixture
def treasurer(make, session):
    """Someone who works for two groups, with an application for the first."""
    person = make.user("applicant", email="treasurer@groups.example", name="Tess Treasurer")
    boxing = make.organisation(person, name="Bedwell Boxing Club")
    tenants = make.organisation(person, name="Pin Green Tenants")
    application = make.application(applicant=person, organisation=boxing, complete=False)
    session.commit()
    return person, boxing, tenants, application


def _section(page: str, organisation) -> str:
    """The part of the applications page under the organisation's heading."""
    return page.split(f'id="organisation-{organisation.id}"')[1].split('id="organisation-')[0]


def test_someone_in_two_organisations_chooses_which_one_applies(client, mailer, treasurer, session):
    person, boxing, tenants, first = treasurer
    sign_in(client, mailer, person.email)
    page = client.get("/applications/new").text
    assert "Which organisation is applying?" in page
    assert (
        "Bedwell Boxing Club" in page and "Pin Green Tenants" in page and "A different organisation" in page
    )

    r = client.post("/applications/new", data={})
    assert r.status_code == 200 and 'href="#organisation"' in r.text
    assert "Select which organisation is applying" in r.text

    r = client.post("/applications/new", data={"organisation": str(tenants.id)})
    assert r.status_code == 302
    second = session.execute(select(Application).where(Application.id != first.id)).scalar_one()
    assert second.organisation_id == tenants.id

    page = client.get("/applications").text
    assert first.reference in _section(page, boxing) and second.reference not in _section(page, boxing)
    assert second.reference in _section(page, tenants) and first.reference not in _section(page, tenants)
    assert "People who can work on Pin Green Tenants&#39; applications" in page


def test_another_organisations_id_cannot_be_chosen(client, mailer, treasurer, make, session, ref):
    person, _boxing, _tenants, _first = treasurer
    stranger = make.organisation(make.user("applicant"), name="Someone Else's Group")
    session.commit()
    sign_in(client, mailer, person.email)
    r = client.post("/applications/new", data={"organisation": str(stranger.id)})
    assert r.status_code == 200 and "Select which organisation is applying" in r.text
    assert (
        session.execute(select(Application).where(Application.organisation_id == stranger.id)).first() is None
    )
    with pytest.raises(NotFound):
        start_with_organisation(session, person, ref.fund, None, organisation_id=stranger.id)
    with pytest.raises(Refusal, match="Select which organisation"):
        start_with_organisation(session, person, ref.fund, None)


def test_a_different_organisation_starts_with_its_details(client, mailer, treasurer, session):
    person, *_ = treasurer
    sign_in(client, mailer, person.email)
    r = client.post("/applications/new", data={"organisation": "new"})
    assert r.status_code == 302 and r.location.endswith("/applications/new?organisation=new")
    page = client.get(r.location).text
    assert "Organisation details" in page and "as well as your other organisations" in page


def test_with_one_organisation_the_applicant_can_still_apply_for_another(applicant_client):
    client, application = applicant_client
    page = client.get("/applications/new").text
    assert f"for {application.organisation.name}" in page
    assert 'href="/applications/new?organisation=new"' in page


def _invite(client, email, name="Alex Member"):
    r = client.post("/organisation/invite", data={"name": name, "email": email})
    assert r.status_code == 302, r.text
    return r


@pytest.fixture
def invited(client, mailer, make, session):
    """Group B's member invites someone who already belongs to group A; B has a draft with a document."""
    alex = make.user("applicant", email="alex@groupa.example", name="Alex Member")
    group_a = make.organisation(alex, name="Group A")
    b_member = make.user("applicant", email="bea@groupb.example", name="Bea Bee")
    b_draft = make.application(applicant=b_member, title="Group B's secret plans")
    session.commit()
    sign_in(client, mailer, b_member.email)
    _invite(client, alex.email)
    return alex, group_a, b_member, b_draft


def test_an_invitation_is_not_membership_until_the_invited_person_accepts(client, mailer, invited, session):
    alex, _group_a, b_member, b_draft = invited
    group_b = b_draft.organisation
    assert not group_b.has_member(alex)
    page = client.get("/applications").text
    assert "alex@groupa.example" in _section(page, group_b) and "Invited</strong>" in page

    link = invitation_link(mailer, alex.email)
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    # Before accepting, B's draft and documents are as closed to Alex as any stranger's.
    assert client.get(f"/applications/{b_draft.reference}").status_code == 404
    assert client.get(f"/documents/{b_draft.documents[0].id}").status_code == 404
    page = client.get("/applications").text
    assert "Bea Bee has invited you to work on" in page and f'id="organisation-{group_b.id}"' not in page

    page = client.get(link).text
    assert f"Do you want to work on {group_b.name}&#39;s applications?" in page
    assert client.post(link, data={"answer": "accept"}).status_code == 302
    assert client.get(f"/applications/{b_draft.reference}").status_code == 200
    session.expire_all()
    assert group_b.has_member(alex)
    accepted = session.execute(
        select(AuditEvent).where(AuditEvent.action == "invitation_accepted")
    ).scalar_one()
    assert accepted.actor_id == alex.id and accepted.entity_id == group_b.id

    # The inviter now sees a member, not an invitation.
    client.post("/sign-out")
    sign_in(client, mailer, b_member.email)
    section = _section(client.get("/applications").text, group_b)
    assert "alex@groupa.example" in section and "Invited</strong>" not in section


def test_only_the_invited_address_can_accept(client, mailer, invited, make, session):
    _alex, _group_a, _b_member, b_draft = invited
    link = invitation_link(mailer, "alex@groupa.example")
    client.post("/sign-out")
    sign_in(client, mailer, "someone.else@example.org")
    r = client.get(link)
    assert r.status_code == 403 and "This invitation is for alex@groupa.example" in r.text
    assert client.post(link, data={"answer": "accept"}).status_code == 403
    session.expire_all()
    assert len(b_draft.organisation.members) == 1


def test_the_link_expires(client, mailer, invited, session):
    alex, *_ = invited
    link = invitation_link(mailer, alex.email)
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    r = client.post(link, data={"answer": "accept"})
    assert r.status_code == 410 and "This invitation expired on" in r.text
    session.expire_all()
    assert not invitation.organisation.has_member(alex)


def test_the_inviter_can_withdraw_an_invitation_and_its_link_stops_working(client, mailer, invited, session):
    alex, _group_a, _b_member, b_draft = invited
    link = invitation_link(mailer, alex.email)
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    r = client.post(f"/organisations/{b_draft.organisation_id}/invitations/{invitation.id}/withdraw")
    assert r.status_code == 302
    page = client.get("/applications").text
    assert (
        "You have withdrawn the invitation to alex@groupa.example" in page and "Invited</strong>" not in page
    )
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    r = client.post(link, data={"answer": "accept"})
    assert r.status_code == 410 and "withdrawn" in r.text
    session.expire_all()
    assert not b_draft.organisation.has_member(alex)


def test_a_new_account_takes_the_name_the_inviter_typed(client, mailer, invited, session):
    """A new account is named after its address: the colleagues saw "sam" where the inviter had typed
    "Sam Colleague". A person who already has a name keeps it (Alex, in the invited fixture)."""
    _alex, _group_a, b_member, b_draft = invited
    _invite(client, "sam@spare.example", name="Sam Colleague")
    link = invitation_link(mailer, "sam@spare.example")
    client.post("/sign-out")
    sign_in(client, mailer, "sam@spare.example")
    assert client.post(link, data={"answer": "accept"}).status_code == 302
    sam = session.execute(select(User).where(User.email == "sam@spare.example")).scalar_one()
    assert sam.full_name == "Sam Colleague"
    client.post("/sign-out")
    sign_in(client, mailer, b_member.email)
    assert "Sam Colleague" in _section(client.get("/applications").text, b_draft.organisation)


def _withdraw(client, invitation) -> str:
    r = client.post(f"/organisations/{invitation.organisation_id}/invitations/{invitation.id}/withdraw")
    assert r.status_code == 302, r.text
    return client.get("/applications").text


def test_withdrawing_twice_or_after_a_decline_says_what_happened(client, mailer, invited, session):
    """A page open from before: "You have withdrawn the invitation" hid that the person had declined,
    and repeated itself on a second click."""
    alex, _group_a, b_member, _b_draft = invited
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    link = invitation_link(mailer, alex.email)
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    assert client.post(link, data={"answer": "decline"}).status_code == 302
    client.post("/sign-out")
    sign_in(client, mailer, b_member.email)
    page = _withdraw(client, invitation)
    assert "Alex Member has declined the invitation, so there is nothing to withdraw" in page
    assert "You have withdrawn" not in page
    session.expire_all()
    assert invitation.withdrawn_at is None and invitation.declined_at is not None


def test_a_second_withdraw_says_it_is_already_withdrawn(client, invited, session):
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    assert "You have withdrawn the invitation to alex@groupa.example" in _withdraw(client, invitation)
    session.expire_all()
    first = invitation.withdrawn_at
    page = _withdraw(client, invitation)
    assert "The invitation to alex@groupa.example has already been withdrawn" in page
    session.expire_all()
    assert invitation.withdrawn_at == first


def test_removing_an_expired_invitation_says_removed(client, invited, session):
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    invitation.expires_at = utcnow() - timedelta(days=1)
    session.commit()
    page = _withdraw(client, invitation)
    assert "You have removed the expired invitation to alex@groupa.example" in page
    assert "Invitation expired" not in page


def test_someone_else_opening_a_declined_link_is_not_told_they_declined(client, mailer, invited, session):
    alex, *_ = invited
    link = invitation_link(mailer, alex.email)
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    client.post(link, data={"answer": "decline"})
    client.post("/sign-out")
    sign_in(client, mailer, "someone.else@example.org")
    r = client.get(link)
    assert r.status_code == 410 and "This invitation has been declined" in r.text
    assert "You declined" not in r.text


def test_another_organisations_invitation_cannot_be_withdrawn(client, mailer, invited, make, session):
    _alex, _group_a, _b_member, b_draft = invited
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    outsider = make.application()
    session.commit()
    client.post("/sign-out")
    sign_in(client, mailer, make.applicant_of(outsider).email)
    for organisation_id in (b_draft.organisation_id, outsider.organisation_id):
        r = client.post(f"/organisations/{organisation_id}/invitations/{invitation.id}/withdraw")
        assert r.status_code == 404
    session.expire_all()
    assert invitation.withdrawn_at is None


def test_the_invited_person_can_decline(client, mailer, invited, session):
    alex, _group_a, b_member, b_draft = invited
    link = invitation_link(mailer, alex.email)
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    r = client.post(link, data={})
    assert r.status_code == 200 and "Select whether you want to join" in r.text
    assert client.post(link, data={"answer": "decline"}).status_code == 302
    session.expire_all()
    assert not b_draft.organisation.has_member(alex)
    client.post("/sign-out")
    sign_in(client, mailer, b_member.email)
    assert "alex@groupa.example" not in client.get("/applications").text


def test_the_link_asks_a_signed_out_person_to_sign_in_and_brings_them_back(client, mailer, invited):
    alex, *_ = invited
    link = invitation_link(mailer, alex.email)
    client.post("/sign-out")
    r = client.get(link)
    assert r.status_code == 302 and "/sign-in" in r.location
    client.post(r.location, data={"email": alex.email})
    r = client.post(f"/sign-in/{last_link(mailer, alex.email)}")
    assert r.location == link


def test_a_new_invitation_replaces_an_open_one(client, mailer, invited, session):
    alex, *_ = invited
    first = invitation_link(mailer, alex.email)
    _invite(client, alex.email)
    second = invitation_link(mailer, alex.email)
    assert first != second
    client.post("/sign-out")
    sign_in(client, mailer, alex.email)
    assert client.get(first).status_code == 410
    assert client.post(second, data={"answer": "accept"}).status_code == 302


def test_a_person_in_two_organisations_invites_to_the_one_they_choose(client, mailer, treasurer, session):
    person, boxing, tenants, _first = treasurer
    sign_in(client, mailer, person.email)
    page = client.get("/applications").text
    assert f'href="/organisations/{tenants.id}/invite"' in page
    r = client.get("/organisation/invite")
    assert r.status_code == 302  # which organisation? the applications page links one per organisation
    r = client.post(f"/organisations/{tenants.id}/invite", data={"name": "Ola", "email": "ola@example.org"})
    assert r.status_code == 302
    invitation = session.execute(select(OrganisationInvitation)).scalar_one()
    assert invitation.organisation_id == tenants.id
    assert client.get(f"/organisations/{tenants.id + boxing.id + 1000}/invite").status_code == 404


def test_the_applications_page_costs_the_same_queries_however_many_groups(
    app, client, mailer, treasurer, make, session
):
    """Every applicant opens this page after signing in: its rows come from fixed statements, so a
    treasurer of many groups, with many applications and colleagues, costs no more queries."""
    person, boxing, tenants, _application = treasurer

    def queries() -> tuple[int, str]:
        with count_queries(app) as statements:
            page = client.get("/applications").text
        return len(statements), page

    sign_in(client, mailer, person.email)
    before, _page = queries()
    for n in range(3):
        group = make.organisation(person, name=f"Group {n}")
        colleague = make.user("applicant", name=f"Colleague {n}")
        session.add(OrganisationMember(organisation_id=group.id, user_id=colleague.id))
        make.application(applicant=person, organisation=group, complete=False)
    make.application(applicant=person, organisation=tenants, complete=False)
    session.commit()
    after, page = queries()
    assert after == before
    assert page.count('id="organisation-') == 5 and "Colleague 2" in page and boxing.name in page
