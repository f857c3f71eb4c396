"""The applicant's applications page as rows: each organisation with its people, open invitations and
applications, invitations waiting for the applicant, nobody else's data, and the same three queries
however much there is."""

from __future__ import annotations

from datetime import timedelta

from grants_app.models import OrganisationInvitation, OrganisationMember, utcnow
from grants_app.services.applicant_overview import (
    INVITATIONS_TO_ME_SHOWN,
    invitations_to_me,
    organisations_overview,
)
from grants_app.workflow import fire
from tests.conftest import count_queries


def _invite(session, organisation, email, *, by=None, expires_in=timedelta(days=7), **answered):
    invitation = OrganisationInvitation(
        organisation_id=organisation.id,
        email=email,
        name=email.split("@")[0].title(),
        invited_by_id=by.id if by else None,
        token_hash=f"hash-{organisation.id}-{email}-{len(answered)}-{expires_in}",
        expires_at=utcnow() + expires_in,
        **answered,
    )
    session.add(invitation)
    session.flush()
    return invitation


def test_each_organisation_shows_its_people_open_invitations_and_applications(make, session):
    tess = make.user("applicant", email="tess@groups.example", name="Tess Treasurer")
    boxing = make.organisation(tess, name="Bedwell Boxing Club")
    tenants = make.organisation(tess, name="Adelaide Tenants")
    colleague = make.user("applicant", email="al@groups.example", name="Al Able")
    session.add(OrganisationMember(organisation_id=boxing.id, user_id=colleague.id))
    draft = make.application(applicant=tess, organisation=boxing, complete=False)
    withdrawn = make.application(applicant=tess, organisation=boxing, title="Summer camp")
    fire(session, withdrawn, "withdraw", tess, reason="The hall closed")
    open_invitation = _invite(session, boxing, "new@groups.example", by=tess)
    _invite(session, boxing, "gone@groups.example", withdrawn_at=utcnow())
    _invite(session, boxing, "joined@groups.example", accepted_at=utcnow())
    expired = _invite(session, boxing, "late@groups.example", expires_in=timedelta(days=-1))
    # Someone else's organisation and application are not on Tess's page.
    stranger = make.application(title="Not Tess's project")
    session.flush()

    overview = organisations_overview(session, tess.id)

    assert [o.name for o in overview] == ["Adelaide Tenants", "Bedwell Boxing Club"]
    adelaide, bedwell = overview
    assert (adelaide.id, bedwell.id) == (tenants.id, boxing.id) and adelaide.applications == []
    assert [c.full_name for c in adelaide.colleagues] == ["Tess Treasurer"]
    assert [(c.full_name, c.email) for c in bedwell.colleagues] == [
        ("Al Able", "al@groups.example"),
        ("Tess Treasurer", "tess@groups.example"),
    ]
    assert [i.id for i in bedwell.invitations] == [open_invitation.id, expired.id]
    assert [i.has_expired(utcnow()) for i in bedwell.invitations] == [False, True]
    lines = {line.reference: line for line in bedwell.applications}
    assert set(lines) == {draft.reference, withdrawn.reference}
    assert stranger.reference not in {line.reference for o in overview for line in o.applications}
    assert (lines[withdrawn.reference].status, lines[withdrawn.reference].finished) == ("Withdrawn", True)
    assert lines[draft.reference].finished is False and lines[draft.reference].status
    assert lines[withdrawn.reference].title == "Summer camp"
    assert lines[withdrawn.reference].fund == str(withdrawn.fund)


def test_applications_are_newest_first(make, session):
    tess = make.user("applicant")
    group = make.organisation(tess)
    made = [make.application(applicant=tess, organisation=group, complete=False) for _ in range(3)]
    session.flush()
    (only,) = organisations_overview(session, tess.id)
    assert [line.reference for line in only.applications] == [a.reference for a in reversed(made)]


def test_someone_who_works_for_no_organisation_sees_nothing(make, session):
    assert organisations_overview(session, make.user("applicant").id) == []
    assert invitations_to_me(session, 2**31 - 1) == []


def test_invitations_to_me_are_the_open_unexpired_ones_to_my_address(make, session):
    bea = make.user("applicant", email="bea@groupb.example", name="Bea Bee")
    group_b = make.organisation(bea, name="Group B")
    alex = make.user("applicant", email="alex@groupa.example")
    waiting = _invite(session, group_b, "alex@groupa.example", by=bea)
    _invite(session, group_b, "alex@groupa.example", expires_in=timedelta(minutes=-1))
    _invite(session, group_b, "alex@groupa.example", declined_at=utcnow())
    _invite(session, group_b, "someone.else@groupa.example", by=bea)
    session.flush()

    (only,) = invitations_to_me(session, alex.id)
    assert (only.id, only.organisation_name, only.invited_by) == (waiting.id, "Group B", "Bea Bee")
    assert invitations_to_me(session, bea.id) == []


def test_an_invitation_from_an_account_that_has_gone_still_shows(make, session):
    group = make.organisation(make.user("applicant"), name="Group C")
    alex = make.user("applicant", email="alex@groupa.example")
    _invite(session, group, "alex@groupa.example", by=None)
    session.flush()
    (only,) = invitations_to_me(session, alex.id)
    assert only.invited_by is None and only.organisation_name == "Group C"


def test_at_most_a_page_of_invitations_to_me(make, session):
    alex = make.user("applicant", email="alex@groupa.example")
    for n in range(INVITATIONS_TO_ME_SHOWN + 3):
        _invite(session, make.organisation(name=f"Group {n}"), alex.email, expires_in=timedelta(days=1 + n))
    session.flush()
    assert len(invitations_to_me(session, alex.id)) == INVITATIONS_TO_ME_SHOWN


def test_the_same_queries_however_many_organisations_and_applications(app, make, session):
    tess = make.user("applicant")

    def grow(organisations: int) -> None:
        for _ in range(organisations):
            group = make.organisation(tess)
            session.add(OrganisationMember(organisation_id=group.id, user_id=make.user("applicant").id))
            _invite(session, group, f"x{group.id}@groups.example", by=tess)
            for _ in range(2):
                make.application(applicant=tess, organisation=group, complete=False)
        session.flush()

    counts = []
    for organisations in (1, 4):
        grow(organisations)
        with count_queries(app) as statements:
            overview = organisations_overview(session, tess.id)
            invitations_to_me(session, tess.id)
        counts.append(len(statements))
    assert len(overview) == 5 and sum(len(o.applications) for o in overview) == 10
    assert counts == [4, 4]


def test_joining_an_organisation_while_the_page_is_read_shows_it_next_time(make, session, monkeypatch):
    """On PostgreSQL each statement sees what was committed when it ran: an invitation accepted in
    another tab between the first query and the next gave rows of an organisation the first had not
    listed (a KeyError: a 500). Reproduced here by joining right after the first statement."""
    tess = make.user("applicant")
    mine = make.organisation(tess, name="Mine")
    founder = make.user("applicant")
    joined = make.organisation(founder, name="Joined")
    make.application(applicant=founder, organisation=joined, complete=False)
    _invite(session, joined, "someone@groups.example")
    session.flush()
    real_execute = session.execute
    statements = []

    def execute(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs).freeze()
        statements.append(statement)
        if len(statements) == 1:
            session.add(OrganisationMember(organisation_id=joined.id, user_id=tess.id))
            session.flush()
        return result()

    monkeypatch.setattr(session, "execute", execute)
    assert [o.id for o in organisations_overview(session, tess.id)] == [mine.id]
    monkeypatch.undo()
    assert [o.name for o in organisations_overview(session, tess.id)] == ["Joined", "Mine"]
