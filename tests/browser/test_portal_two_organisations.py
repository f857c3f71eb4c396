"""A person in two groups applies for each, and invites someone already in another group, who joins only
when they accept: in headless Chromium, keyboard only, CSRF on, axe-core on every page (zero WCAG 2.0,
2.1 and 2.2 A and AA violations)."""

from __future__ import annotations

import re

import pytest

from tests import factories
from tests.browser.conftest import axe_violations, describe
from tests.browser.test_portal_journey import Keyboard, csrf_on_no_limits  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def _sign_in(kb: Keyboard, mailer, email: str) -> None:
    """Through the sign-in page and the emailed link, as a person would."""
    kb.check("sign in")
    kb.type_into("#email", email)
    kb.button("Email me a sign-in link")
    kb.check("check your email")
    body = [b for to, _s, b in mailer.sent if to == email][-1]
    kb.page.goto(re.search(r"/sign-in/[\w-]+", body).group(0))
    kb.check("use sign-in link")
    kb.button("Sign in")


def _sign_out(kb: Keyboard) -> None:
    kb.button("Sign out")


def test_a_person_in_two_groups_applies_for_each_and_an_invitation_waits_for_consent(
    page,
    axe,
    session,
    mailer,
    csrf_on_no_limits,  # noqa: F811 - the fixture imported above
):
    ref = factories.make_reference(session)
    make = factories.Factory(session, ref, None)
    tess = make.user("applicant", email="tess@groups.example", name="Tess Treasurer")
    boxing = make.organisation(tess, name="Bedwell Boxing Club")
    tenants = make.organisation(tess, name="Pin Green Tenants")
    alex = make.user("applicant", email="alex@theatre.example", name="Alex Actor")
    make.organisation(alex, name="Shephall Youth Theatre")
    boxing_id, tenants_id = boxing.id, tenants.id
    session.commit()
    kb = Keyboard(page, axe)

    page.goto("/sign-in")
    _sign_in(kb, mailer, "tess@groups.example")
    assert "Bedwell Boxing Club" in page.content() and "Pin Green Tenants" in page.content()
    kb.check("applications page, two organisations, no applications")

    references = {}
    for org_id, name in ((tenants_id, "Pin Green Tenants"), (boxing_id, "Bedwell Boxing Club")):
        kb.link("Start a new application")
        assert "Which organisation is applying?" in page.content()
        kb.check("which organisation is applying")
        if not references:
            kb.button("Continue")  # nothing chosen
            assert "Select which organisation is applying" in page.content()
            kb.check("which organisation is applying, with error")
        kb.choose("organisation", str(org_id))
        kb.button("Continue")
        assert f"You have started an application for {name}" in page.content()
        kb.check(f"task list for {name}")
        references[name] = re.search(r"(SOS-\d{4}-\d{4})", page.content()).group(1)
        page.goto("/applications")

    content = page.content()
    tenants_part = content.split(f'id="organisation-{tenants_id}"')[1]
    boxing_part = content.split(f'id="organisation-{boxing_id}"')[1].split(f'id="organisation-{tenants_id}"')[
        0
    ]
    assert (
        references["Pin Green Tenants"] in tenants_part and references["Bedwell Boxing Club"] in boxing_part
    )
    kb.check("applications grouped by organisation")

    # Tess invites Alex, who already belongs to another group, to Pin Green Tenants.
    kb.link("Invite a colleague to work on Pin Green Tenants")
    kb.check("invite a colleague")
    kb.type_into("#name", "Alex Actor")
    kb.type_into("#email", "alex@theatre.example")
    kb.button("Send invitation")
    assert "We have emailed alex@theatre.example an invitation" in page.content()
    assert "Invited" in page.content()
    kb.check("applications page with an invitation")
    # A second invitation, withdrawn: its person never joins.
    kb.link("Invite a colleague to work on Pin Green Tenants")
    kb.type_into("#name", "Sam Spare")
    kb.type_into("#email", "sam@spare.example")
    kb.button("Send invitation")
    kb.button("Withdraw the invitation to Sam Spare")
    assert "You have withdrawn the invitation to sam@spare.example" in page.content()
    kb.check("invitation withdrawn")
    _sign_out(kb)

    # Alex follows the emailed link: asked to sign in, then asked whether to join.
    body = [b for to, _s, b in mailer.sent if to == "alex@theatre.example"][-1]
    page.goto(re.search(r"/invitations/[\w-]+", body).group(0))
    _sign_in(kb, mailer, "alex@theatre.example")
    assert "Do you want to work on Pin Green Tenants" in page.content()
    kb.check("invitation")
    kb.button("Continue")  # nothing chosen
    assert "Select whether you want to join" in page.content()
    kb.check("invitation with error")
    kb.choose("answer", "accept")
    kb.button("Continue")
    content = page.content()
    assert "You can now work on Pin Green Tenants" in content
    assert references["Pin Green Tenants"] in content and references["Bedwell Boxing Club"] not in content
    assert "Shephall Youth Theatre" in content
    kb.check("applications page after joining")
    _sign_out(kb)

    # Tess now sees Alex as a member, not an invitation.
    page.goto("/sign-in")
    _sign_in(kb, mailer, "tess@groups.example")
    tenants_part = page.content().split(f'id="organisation-{tenants_id}"')[1]
    assert "alex@theatre.example" in tenants_part and "Invited" not in tenants_part
    kb.check("inviter's applications page after acceptance")

    assert not kb.problems, "\n\n".join(f"{label}:\n{text}" for label, text in kb.problems.items())
    assert len(kb.visited) >= 20
    assert axe_violations(axe, page) == [], describe(axe_violations(axe, page))


def test_on_a_phone_the_applications_table_scrolls_in_its_own_box(
    page,
    axe,
    session,
    mailer,
    csrf_on_no_limits,  # noqa: F811 - the fixture imported above
):
    """At 320 px the five columns need about 540: the whole page scrolled sideways, and the beta
    banner's contact address pushed every page 10 px wider than the screen."""
    ref = factories.make_reference(session)
    make = factories.Factory(session, ref, None)
    tess = make.user("applicant", email="tess@groups.example", name="Tess Treasurer")
    make.application(
        applicant=tess, organisation=make.organisation(tess, name="Bedwell Boxing Club"), complete=False
    )
    session.commit()
    page.set_viewport_size({"width": 320, "height": 800})
    kb = Keyboard(page, axe)
    page.goto("/sign-in")
    _sign_in(kb, mailer, "tess@groups.example")
    page.goto("/applications")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = page.locator(".app-table-scroll")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert box.get_attribute("aria-label") == "Bedwell Boxing Club's applications"
    kb.tab_to(".app-table-scroll")  # reachable, so it can be scrolled from the keyboard
    kb.check("applications page at 320 px")
