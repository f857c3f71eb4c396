"""The staff application page reads like a grants file, not a database tool: labels people use, the
summary and actions first, the history as sentences, and a workflow picture that fits its box."""

from __future__ import annotations

import re

from grants_app.models import Role
from grants_app.services import declarations
from grants_app.services.documents import minimal_pdf
from grants_app.services.workflow_diagram import render_svg
from grants_app.workflow import fire, get_engine
from tests.admin.test_application_screens import _details
from tests.return_helpers import grant, sent


def _page(client, app) -> str:
    return _details(client, app).get_data(as_text=True)


def test_no_stored_codes_dictionaries_or_hashes_reach_the_page(make, session, staff_client, upload_folder):
    from grants_app.services.applicant_actions import upload_document
    from grants_app.services.declarations import declare_interest

    app = make.application(complete=True)
    app.eligibility_answers = {
        "org_type": "constituted_group",
        "works_in_stevenage": True,
        "bank_account": "yes",
        "works_with_children_or_adults_at_risk": False,
    }
    applicant = make.applicant_of(app)
    upload_document(
        session,
        applicant,
        app,
        upload_folder,
        kind=app.documents[0].kind,
        filename="new.pdf",
        content=minimal_pdf("x"),
    )
    session.refresh(app)
    fire(session, app, "submit", applicant)
    officer = make.officer()
    fire(session, app, "pass_screening", officer, notes="All checked")
    member = make.jag_members(1)[0]
    declare_interest(session, member, app, has_interest=False)
    session.commit()
    client, _ = staff_client(user=officer)
    page = _page(client, app)
    history = page.split('id="history"')[1]
    for raw in (
        "constituted_group",
        "works_in_stevenage",
        "Works in stevenage",
        "has interest",
        "False",
        "True",
        "sha256",
        "{'",
        "'}",
        "pass_screening",
        "->",
        "&rarr;",
    ):
        assert raw not in history, raw
    assert "constituted_group" not in page and "Works in stevenage" not in page
    assert "Works with people who live, work or study in" in page and "Constituted community group" in page
    assert (
        f"{officer.full_name} moved the application from Submitted - awaiting screening to Screening passed"
        in history
    )
    assert "Notes: All checked" in history
    assert f"{member.full_name} declared no interest." in history
    assert f"{applicant.full_name} uploaded the constitution or governing document: new.pdf." in history


def test_the_summary_and_the_actions_come_before_the_sections(make, session, staff_client):
    app = make.submitted()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = _page(client, app)
    summary, actions, first_section = (
        page.index('id="key-facts"'),
        page.index('id="actions-heading"'),
        page.index('class="app-section"'),
    )
    assert summary < actions < first_section
    assert "Screen this application" in page
    facts = page.split('id="key-facts"')[1].split("</dl>")[0]
    assert "Requested" in facts and "Documents" in facts and "3 of 3 required" in facts
    # Sections fold away (no JavaScript needed), and the areas others add to are there.
    for section in (
        "answers",
        "budget",
        "documents",
        "screening",
        "scores",
        "grant",
        "monitoring",
        "history-section",
        "workflow",
    ):
        assert re.search(rf'<details class="app-section" id="{section}"', page), section


def test_the_screening_checklist_flags_one_file_uploaded_as_several_documents(
    make, session, staff_client, upload_folder
):
    from grants_app.services.applicant_actions import upload_document

    app = make.application()
    applicant = make.applicant_of(app)
    same = minimal_pdf("everything")
    for document in list(app.documents):
        upload_document(
            session, applicant, app, upload_folder, kind=document.kind, filename="pack.pdf", content=same
        )
    session.refresh(app)
    fire(session, app, "submit", applicant)
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = _page(client, app)
    checklist = page.split('id="screening-form"')[1].split("</fieldset>")[0]
    assert checklist.count('class="same-file"') == 3
    assert (
        "The same file was uploaded as the Latest accounts or bank statement, Public liability insurance certificate"
        in checklist
    )
    assert "the same file is used for" in page.split('id="key-facts"')[1].split("</dl>")[0]
    assert page.split('id="documents"')[1].split("</details>")[0].count('class="same-file"') == 3


def test_each_members_scores_are_one_line_of_history_and_hidden_from_a_member_with_an_interest(
    make, session, staff_client
):
    from grants_app.services import declarations, scoring

    app = make.eligible()
    scorer = make.jag_members(1)[0]
    declarations.declare_interest(session, scorer, app, has_interest=False)
    for criterion in app.fund.scoring_criteria:
        scoring.record_score(session, scorer, app, criterion, score=4, justification="Strong local need")
    session.commit()
    officer_client, _ = staff_client(Role.OFFICER)
    history = _page(officer_client, app).split('id="history"')[1]
    assert f"{scorer.full_name} scored 4 criteria: Fit with priorities 4; Community need 4;" in history
    conflicted, member = staff_client(Role.JAG_MEMBER)
    conflicted.post(f"/admin/application/{app.id}/declare", data={"has_interest": "yes", "nature": "Trustee"})
    history = _page(conflicted, app).split('id="history"')[1]
    assert "Strong local need" not in history and "scored 4 criteria" not in history
    assert f"{scorer.full_name} scored the application (the scores are hidden from you)." in history


def test_the_workflow_picture_fits_its_box_with_the_current_state_in_view(app):
    definition = get_engine().definition("application")
    whole = render_svg(definition, "in_delivery")
    whole_width = int(re.search(r'viewBox="0 0 (\d+) ', whole).group(1))
    for state in definition.states:
        svg = render_svg(definition, state, window=4)
        x0, _y0, width, _height = (float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split())
        assert width <= 1110 < whole_width  # the admin's content box at 1366 pixels wide
        rect = re.search(rf'data-state="{state}"><rect x="([\d.]+)" y="[\d.]+" width="(\d+)"', svg)
        left, box = float(rect.group(1)), int(rect.group(2))
        assert x0 <= left and left + box <= x0 + width, state
        assert 'class="state current"' in svg


def test_the_history_tells_the_monitoring_returns_story(make, session, staff_client):
    officer_client, _officer = staff_client(Role.OFFICER)
    g = sent(session, grant(make))
    fire(session, g.ret, "query", g.officer, reason="Send the receipt for the coaches")
    session.commit()
    history = _page(officer_client, g.app).split('id="history"')[1]
    assert (
        f"monitoring return {g.ret.period_label}, send the return (Due to Submitted - to review)" in history
    )
    assert f"monitoring return {g.ret.period_label}, query the return" in history
    assert "Reason: Send the receipt for the coaches" in history
    # A line-by-line edit stays on the return's own page.
    assert "spend_line_added" not in history and "Coaches" not in history


def test_the_officers_run_of_votes_is_one_line_naming_the_meeting_once(make, session, staff_client):
    officer = make.officer()
    members = make.jag_members(3)
    meeting = make.meeting(officer, members=members)
    app = make.on_agenda(meeting, officer)
    for member in members:
        declarations.declare_interest(session, member, app, has_interest=False)
    make.votes(app, meeting, officer, members)
    session.commit()
    client, _user = staff_client(user=officer)
    history = _page(client, app).split('id="history"')[1]
    assert f"recorded 3 votes at {meeting.title}:" in history
    assert " at at " not in history


def test_show_older_history_opens_the_history_with_every_event_counted(make, session, staff_client):
    from grants_app.services import audit

    officer_client, officer = staff_client(Role.OFFICER)
    app = make.submitted()
    for n in range(55):
        audit.record(session, officer, "application", app.id, "update", data={"note": f"edit {n}"})
    session.commit()
    first = _page(officer_client, app)
    section = first.split('id="history-section"')[1].split(">")[0]
    assert "open" not in section  # closed at first, as every long section
    total = re.search(r"([\d,]+) recorded events, latest", first)
    assert total and int(total.group(1).replace(",", "")) > 55
    link = re.search(r'href="([^"]*history=1[^"]*)"', first)
    assert link and "Show older entries" in first
    older = officer_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    # The person asked for older entries: the history is open where the link lands.
    assert older.split('id="history-section"')[1].split(">")[0].strip().startswith("open")


def test_a_step_that_leaves_the_application_where_it_was_is_not_a_move(make, session, staff_client):
    from grants_app.services import recoveries
    from tests.services.test_payments import delivering

    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    fire(session, app, "suspend", officer, reason="Under review")
    recoveries.raise_recovery(session, officer, app, amount_pence=100, reason="First")
    recoveries.raise_recovery(session, officer, app, amount_pence=200, reason="Second")
    session.commit()
    client, _ = staff_client(user=officer)
    history = _page(client, app).split('id="history"')[1]
    assert "from Recovery due to Recovery due" not in history
    assert "(the application stays at Recovery due)" in history
