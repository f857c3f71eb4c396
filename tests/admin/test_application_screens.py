"""The application screens: declarations before detail, scoring, screening and workflow actions."""

from __future__ import annotations

import csv
import io
import re

import pytest

from grants_app.dates import london_today
from grants_app.models import Application, AuditEvent, DeclarationOfInterest, Role, Score
from grants_app.workflow import fire
from tests.admin.conftest import csrf_enabled, flashes
from tests.conftest import count_queries
from tests.services.test_payments import suspended_after_a_payment


def _details(client, app):
    return client.get(f"/admin/application/details/?id={app.id}")


def _score_form(app, value="4", justification="Clear need shown in the ward data"):
    data = {}
    for criterion in app.fund.scoring_criteria:
        data[f"score_{criterion.id}"] = value
        data[f"justification_{criterion.id}"] = justification
    return data


def test_jag_member_must_declare_before_seeing_the_detail(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    page = _details(client, app).get_data(as_text=True)
    assert "Declare any interest" in page
    assert app.summary not in page
    assert client.get(f"/admin/application/document/{app.documents[0].id}").status_code == 403
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    page = _details(client, app).get_data(as_text=True)
    assert app.summary in page and "You declared no interest" in page
    assert client.get(f"/admin/application/document/{app.documents[0].id}").status_code == 200


def test_member_with_an_interest_cannot_see_scores_or_score(make, session, staff_client):
    app = make.eligible()
    other = make.jag_members(1)[0]
    from grants_app.services import declarations, scoring

    declarations.declare_interest(session, other, app, has_interest=False)
    criterion = app.fund.scoring_criteria[0]
    scoring.record_score(session, other, app, criterion, score=5, justification="Secret opinion of merit")
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    client.post(
        f"/admin/application/{app.id}/declare",
        data={"has_interest": "yes", "nature": "I am the club treasurer"},
    )
    page = _details(client, app).get_data(as_text=True)
    assert "Secret opinion of merit" not in page
    assert "score-form" not in page
    response = client.post(f"/admin/application/{app.id}/score", data=_score_form(app))
    assert response.status_code == 302
    assert "cannot score or vote" in " ".join(flashes(client))
    session.expire_all()
    assert session.query(Score).filter_by(user_id=member.id).count() == 0
    # The record shows the interest to everyone.
    officer_client, _ = staff_client(Role.OFFICER)
    assert "I am the club treasurer" in _details(officer_client, app).get_data(as_text=True)


def test_scoring_all_criteria_with_justification(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    client.post(f"/admin/application/{app.id}/score", data=_score_form(app))
    session.expire_all()
    assert session.query(Score).filter_by(user_id=member.id).count() == 4
    assert session.query(AuditEvent).filter_by(entity_id=app.id, action="score").count() == 4


def test_scores_outside_0_to_5_or_unjustified_are_refused_and_change_nothing(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    first = app.fund.scoring_criteria[0]
    for bad in (_score_form(app, value="6"), _score_form(app, value="-1"), _score_form(app, value="four")):
        page = client.post(f"/admin/application/{app.id}/score", data=bad).get_data(as_text=True)
        assert f'<a href="#score_{first.id}">Score {first.name} from 0 to 5</a>' in page
    page = client.post(
        f"/admin/application/{app.id}/score", data=_score_form(app, justification="  ")
    ).get_data(as_text=True)
    assert f'<a href="#justification_{first.id}">Explain your score for {first.name}</a>' in page
    partly = _score_form(app)
    partly[f"score_{app.fund.scoring_criteria[-1].id}"] = "9"
    client.post(f"/admin/application/{app.id}/score", data=partly)
    session.expire_all()
    assert session.query(Score).filter_by(user_id=member.id).count() == 0


def test_screening_pass_needs_the_whole_checklist(make, session, staff_client):
    app = make.submitted()
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = _details(client, app).get_data(as_text=True)
    assert "screening-form" in page
    client.post(f"/admin/application/{app.id}/screen", data={"decision": "pass", "doc_constitution": "y"})
    assert "confirm every check" in " ".join(flashes(client))
    session.expire_all()
    assert session.get(Application, app.id).state == "submitted"
    from grants_app.services.screening import checklist_for

    ticks = {item.key: "y" for item in checklist_for(app)}
    client.post(
        f"/admin/application/{app.id}/screen",
        data={"decision": "pass", "note": "All in order", "expected_version": app.version, **ticks},
    )
    session.expire_all()
    fresh = session.get(Application, app.id)
    assert fresh.state == "eligible"
    assert "All in order" in fresh.screening_notes and "Checklist: yes" in fresh.screening_notes
    # The notes go into the JAG pack: stamped with the step, the officer's name and the day, no email.
    assert fresh.screening_notes.startswith("Pass screening, ") and "@" not in fresh.screening_notes


def test_screening_fail_needs_a_reason_and_ask_sends_a_question(make, session, staff_client, mailer):
    app = make.submitted()
    other = make.submitted()
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    seen = {"expected_version": str(app.version)}  # as the screening form sends it
    client.post(f"/admin/application/{app.id}/screen", data={"decision": "fail", **seen})
    assert "Enter the reason" in " ".join(flashes(client))
    client.post(
        f"/admin/application/{app.id}/screen", data={"decision": "fail", "note": "Not in Stevenage", **seen}
    )
    client.post(
        f"/admin/application/{other.id}/screen",
        data={"decision": "ask", "note": "Send your accounts", "expected_version": str(other.version)},
    )
    session.expire_all()
    assert session.get(Application, app.id).state == "ineligible"
    asked = session.get(Application, other.id)
    assert asked.state == "information_requested"
    assert asked.information_requests[-1].question == "Send your accounts"


def test_action_buttons_are_exactly_the_available_triggers(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, officer = staff_client(Role.OFFICER)
    page = _details(client, app).get_data(as_text=True)
    from grants_app.workflow import available_triggers

    for transition in available_triggers(app, officer):
        assert f'id="action-{transition.trigger}"' in page
    assert 'id="action-approve"' not in page  # not from 'eligible'
    assert 'name="state"' not in page
    jag_client, _ = staff_client(Role.JAG_MEMBER)
    jag_client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    assert 'id="action-' not in _details(jag_client, app).get_data(as_text=True)


def test_firing_an_unavailable_trigger_is_refused(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, _ = staff_client(Role.FINANCE)
    client.post(f"/admin/application/{app.id}/fire/withdraw", data={"reason": "no"})
    assert "not available to you" in " ".join(flashes(client))
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"


def test_delegated_approval_above_the_limit_or_request_is_refused(make, session, staff_client):
    app = make.eligible(amount_pence=90_000)  # fund delegated limit is £1,000
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    url = f"/admin/application/{app.id}/fire/approve_delegated"
    client.post(url, data={"amount_pence": "950", "reason": "Small grant", "expected_version": app.version})
    assert "more than the £900.00 requested" in " ".join(flashes(client))
    client.get("/admin/")
    client.post(url, data={"amount_pence": "£1,2x", "reason": "Small grant"})
    assert "Enter an amount in pounds" in " ".join(flashes(client))
    client.get("/admin/")
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"
    client.post(
        url, data={"amount_pence": "800.50", "reason": "Small grant", "expected_version": app.version}
    )
    session.expire_all()
    fresh = session.get(Application, app.id)
    assert fresh.state == "approved" and fresh.award.amount_pence == 80_050
    assert fresh.award.decision_route.value == "delegated"


def test_a_recovery_of_nothing_or_less_asks_for_an_amount_more_than_nothing(make, session, staff_client):
    """A zero or negative amount is told what is allowed, not "no more than £1,000,000,000"."""
    app, officer, _payment = suspended_after_a_payment(make)
    client, _ = staff_client(user=officer)
    url = f"/admin/application/{app.id}/fire/demand_repayment"
    for amount, message in (
        ("0", "Enter an amount more than £0"),
        ("0.00", "Enter an amount more than £0"),
        ("-5", "Enter an amount more than £0"),
        ("-£5.00", "Enter an amount more than £0"),
        ("9999999999", "The amount must be no more than £1,000,000,000"),
    ):
        client.post(url, data={"amount_pence": amount, "reason": "Misuse", "expected_version": app.version})
        assert flashes(client)[-1].endswith(message), (amount, flashes(client))
        client.get("/admin/")
    session.expire_all()
    assert session.get(Application, app.id).recoveries == []


@pytest.mark.parametrize("blank", ["\u200c", "\u200d\u034f", "\u2800", "\u115f \u3164"])
def test_a_reason_that_draws_nothing_is_no_reason(make, session, staff_client, blank):
    """Found by QA: a lone zero-width non-joiner raised a recovery with an empty "Why" and emailed it."""
    app, officer, _payment = suspended_after_a_payment(make)
    client, _ = staff_client(user=officer)
    client.post(
        f"/admin/application/{app.id}/fire/demand_repayment",
        data={"amount_pence": "1", "reason": blank, "expected_version": app.version},
    )
    assert flashes(client)[-1].endswith("Enter the reason"), flashes(client)
    session.expire_all()
    assert session.get(Application, app.id).recoveries == []


def test_the_recovery_form_says_what_a_blank_date_means(make, session, staff_client):
    """Found by QA: a blank date became 30 days ahead with nothing on the form saying so."""
    app, officer, _payment = suspended_after_a_payment(make)
    client, _ = staff_client(user=officer)
    page = client.get(f"/admin/application/details/?id={app.id}").text
    form = page.split('id="action-demand_repayment"', 1)[1].split("</form>", 1)[0]
    assert "To be paid back by (optional)" in form
    assert (
        'id="demand_repayment-due_on-hint">If you leave this blank, the group has 30 days from today.' in form
    )
    assert 'aria-describedby="demand_repayment-due_on-hint"' in form


def test_an_action_says_what_happened(make, session, staff_client):
    """Not "Done: Close the grant": the flash says what is now true, with the reference and amount."""
    app, officer, _payment = suspended_after_a_payment(make)
    client, _ = staff_client(user=officer)
    base = f"/admin/application/{app.id}/fire"
    client.post(
        f"{base}/demand_repayment",
        data={"amount_pence": "500", "reason": "Misuse", "expected_version": app.version},
    )
    assert flashes(client) == [f"Recovery of £500.00 raised on {app.reference}"]
    client.get("/admin/")
    session.expire_all()
    recovery = app.recoveries[0]
    finance_client, _ = staff_client(Role.FINANCE)
    finance_client.post(
        f"/admin/payment/recovery/{recovery.id}/received",
        data={"amount": "500", "received_on": london_today().isoformat(), "reference": "BACS IN"},
    )
    session.expire_all()
    version = app.version
    client.post(f"{base}/close", data={"expected_version": version})
    assert flashes(client) == [f"{app.reference} is closed"]
    session.expire_all()
    assert app.state == "closed"
    # The same button pressed again: it is done, by whom and when, and nothing changes.
    client.post(f"{base}/close", data={"expected_version": version})
    again = flashes(client)[-1]
    assert again.startswith(f"Application {app.reference} ")
    assert f"is already closed (by {officer.full_name}, " in again
    assert again.endswith("nothing was changed")


def test_delegated_limit_guard(make, session, staff_client):
    app = make.eligible(amount_pence=200_000)
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    client.post(
        f"/admin/application/{app.id}/fire/approve_delegated",
        data={"amount_pence": "1500", "reason": "Small grant", "expected_version": app.version},
    )
    assert "delegated authority" in " ".join(flashes(client))
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"


def test_acting_on_an_application_that_changed_meanwhile_is_refused(make, session, staff_client):
    app = make.eligible()
    session.commit()
    seen_version = app.version
    client, _ = staff_client(Role.OFFICER)
    client.post(
        f"/admin/application/{app.id}/fire/withdraw",
        data={"reason": "first", "expected_version": seen_version},
    )
    # A second officer had the page open from before.
    other, _ = staff_client(Role.OFFICER)
    other.post(
        f"/admin/application/{app.id}/fire/withdraw",
        data={"reason": "second", "expected_version": seen_version},
    )
    messages = " ".join(flashes(other))
    assert "changed" in messages or "not available" in messages
    session.expire_all()
    assert session.query(AuditEvent).filter_by(entity_id=app.id, trigger="withdraw").count() == 1


def test_conflict_message_when_version_is_stale_but_action_still_available(make, session, staff_client):
    app = make.submitted()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    client.post(
        f"/admin/application/{app.id}/fire/withdraw",
        data={"reason": "Applicant asked", "expected_version": app.version - 1 if app.version > 1 else 999},
    )
    assert "changed by someone else" in " ".join(flashes(client))
    session.expire_all()
    assert session.get(Application, app.id).state == "submitted"


def test_the_state_cannot_be_edited_through_the_admin(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    response = client.post(f"/admin/application/edit/?id={app.id}", data={"state": "approved"})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Application, app.id).state == "eligible"


def test_bulk_agenda_action_puts_eligible_applications_on_a_meeting(make, session, staff_client, app):
    officer = make.officer()
    meeting = make.meeting(officer)
    first, second = make.eligible(), make.eligible()
    not_screened = make.submitted()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    response = client.post(
        "/admin/application/action/",
        data={"action": "agenda", "rowid": [str(first.id), str(second.id), str(not_screened.id)]},
    )
    assert "/admin/application/agenda/" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert not_screened.reference in page and "will not be added" in page
    ids = f"{first.id},{second.id},{not_screened.id}"
    client.post("/admin/application/agenda/", data={"ids": ids, "meeting_id": meeting.id})
    session.expire_all()
    assert [session.get(Application, a.id).state for a in (first, second, not_screened)] == [
        "on_agenda",
        "on_agenda",
        "submitted",
    ]


def test_list_action_without_csrf_token_is_refused(make, session, staff_client, app):
    first = make.eligible()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    with csrf_enabled(app):
        listing = client.get("/admin/application/").get_data(as_text=True)
        assert 'name="csrf_token"' in listing  # the action form carries the token
        response = client.post(
            "/admin/application/action/", data={"action": "agenda", "rowid": [str(first.id)]}
        )
        assert response.status_code == 400
        refused = client.post(f"/admin/application/{first.id}/fire/withdraw", data={"reason": "x"})
        assert refused.status_code == 400
    session.expire_all()
    assert session.get(Application, first.id).state == "eligible"


def test_list_filters_and_search(make, session, staff_client):
    boxing = make.eligible(title="Boxing for girls")
    make.submitted(title="Allotment watch")
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/?flt0_state_equals=eligible").get_data(as_text=True)
    assert "Boxing for girls" in page and "Allotment watch" not in page
    page = client.get("/admin/application/?search=allotment").get_data(as_text=True)
    assert "Allotment watch" in page and "Boxing for girls" not in page
    page = client.get(f"/admin/application/?search={boxing.reference}").get_data(as_text=True)
    assert "Boxing for girls" in page
    page = client.get("/admin/application/?flt0_amount_requested_at_least=5000").get_data(as_text=True)
    assert "Boxing for girls" not in page
    page = client.get(f"/admin/application/?flt0_ward_equals={make.ref.wards[0].id}").get_data(as_text=True)
    assert "Boxing for girls" in page
    assert client.get("/admin/application/?sort=4&desc=1").status_code == 200


def test_csv_export_neutralises_formulas(make, session, staff_client):
    make.submitted(title='=HYPERLINK("http://evil")')
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    body = client.get("/admin/application/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body
    assert ",=HYPERLINK" not in body


def test_csv_export_follows_the_lists_search_and_filters_with_numeric_amounts(make, session, staff_client):
    boxing = make.submitted(title="Boxing for girls", amount_pence=123_456)
    garden = make.submitted(title="Garden project")
    session.commit()
    client, _ = staff_client(Role.OFFICER)

    def exported(query: str) -> list[list[str]]:
        body = client.get(f"/admin/application/export.csv{query}").get_data(as_text=True)
        return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))

    everything = exported("")
    assert everything[0][5:7] == ["Requested (£)", "Awarded (£)"]
    assert {row[0] for row in everything[1:]} == {boxing.reference, garden.reference}
    searched = exported("?search=Boxing&page=3&sort=2")
    assert [row[0] for row in searched[1:]] == [boxing.reference]
    assert (
        searched[1][5] == f"{boxing.amount_requested_pence // 100}.{boxing.amount_requested_pence % 100:02d}"
    )
    assert garden.amount_requested_pence > 150_000 > boxing.amount_requested_pence
    smaller = exported("?flt0_amount_requested_at_most=1500")
    assert [row[0] for row in smaller[1:]] == [boxing.reference]
    assert exported("?search=Nothing-like-it")[1:] == []

    page = client.get("/admin/application/?search=Boxing").get_data(as_text=True)
    assert (
        'href="/admin/application/export.csv?search=Boxing" id="applications-csv">Download CSV (as filtered)'
        in page
    )
    assert "Download CSV (as filtered)" not in client.get("/admin/application/").get_data(as_text=True)


def test_csv_export_is_in_the_lists_order_and_counts_nothing(app, make, session, staff_client):
    made = [
        make.submitted(title=f"Project {n}", amount_pence=pence)
        for n, pence in enumerate((200_000, 100_000, 300_000))
    ]
    session.commit()
    client, _ = staff_client(Role.OFFICER)

    def exported(query: str) -> list[str]:
        body = client.get(f"/admin/application/export.csv{query}").get_data(as_text=True)
        return [row[0] for row in list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[1:]]

    def listed(query: str) -> list[str]:
        page = client.get(f"/admin/application/{query}").get_data(as_text=True)
        return sorted((page.index(a.reference), a.reference) for a in made if a.reference in page)

    newest_first = [a.reference for a in reversed(made)]
    assert exported("") == newest_first == [ref for _at, ref in listed("")]
    by_amount = [made[1].reference, made[0].reference, made[2].reference]
    assert exported("?sort=5") == by_amount == [ref for _at, ref in listed("?sort=5")]
    assert exported("?sort=5&desc=1") == by_amount[::-1]
    with count_queries(app) as statements:
        assert exported("?search=Project&sort=5") == by_amount
    # The list's pager needs a count; the export does not run one.
    assert not [s for s in statements if "count(" in s.lower()], statements


def test_declaration_is_recorded_once(make, session, staff_client):
    app = make.eligible()
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    assert "already made a declaration" in " ".join(flashes(client))
    session.expire_all()
    assert session.query(DeclarationOfInterest).filter_by(user_id=member.id).count() == 1


def test_finance_dashboard_lists_payments_to_authorise_by_someone_else(make, session, staff_client):
    from grants_app.services.payments import request_payment

    app, _officer = make.in_delivery(amount_pence=100_000)
    requester = make.finance()
    request_payment(session, requester, app.award.instalments[0])
    session.commit()
    other, _ = staff_client(Role.FINANCE)
    assert f"Authorise the payment of £500.00 for {app.reference}" in other.get("/admin/").get_data(
        as_text=True
    )
    same, _ = staff_client(user=requester)
    assert "Authorise the payment" not in same.get("/admin/").get_data(as_text=True)


def test_an_empty_score_form_shows_each_error_by_its_field_with_a_summary_linking_to_them(
    make, session, staff_client
):
    app = make.eligible()
    session.commit()
    client, member = staff_client(Role.JAG_MEMBER)
    client.post(f"/admin/application/{app.id}/declare", data={"has_interest": "no"})
    response = client.post(f"/admin/application/{app.id}/score", data={})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and flashes(client) == []
    summary = page.split('id="error-summary"')[1].split("</div>")[0]
    for criterion in app.fund.scoring_criteria:
        for field, message in (
            (f"score_{criterion.id}", f"Score {criterion.name} from 0 to 5"),
            (f"justification_{criterion.id}", f"Explain your score for {criterion.name}"),
        ):
            assert f'<a href="#{field}">{message}</a>' in summary
            # ...and by the field itself, tied to it for screen readers.
            assert f'id="{field}-error"><span class="sr-only">Error:</span> {message}</p>' in page
            assert f'aria-describedby="{field}-error" aria-invalid="true"' in page
    # What was typed stays; nothing was saved.
    partly = _score_form(app)
    last = app.fund.scoring_criteria[-1]
    partly[f"score_{last.id}"] = "9"
    page = client.post(f"/admin/application/{app.id}/score", data=partly).get_data(as_text=True)
    assert page.count("Clear need shown in the ward data") == len(app.fund.scoring_criteria)
    assert f'<a href="#score_{last.id}">' in page and f'<a href="#justification_{last.id}">' not in page
    session.expire_all()
    assert session.query(Score).filter_by(user_id=member.id).count() == 0


def test_the_offer_is_issued_only_through_its_preparation_page(make, session, staff_client):
    app, _meeting, _officer = make.approved()
    session.commit()
    client, _user = staff_client(Role.OFFICER)
    page = client.get(f"/admin/application/details/?id={app.id}").text
    assert "Prepare and issue the offer" in page
    assert f"/admin/application/{app.id}/fire/issue_offer" not in page
    # A forged post to the bare action is refused in words and issues nothing.
    client.post(f"/admin/application/{app.id}/fire/issue_offer", data={})
    assert any("Use the form for this" in m for m in flashes(client))
    session.expire_all()
    assert session.get(Application, app.id).award.offer_issued_at is None


def test_csv_link_only_for_those_who_may_download_and_no_stray_filter_message(make, session, staff_client):
    make.submitted()
    session.commit()
    jag, _ = staff_client(Role.JAG_MEMBER)
    assert "Download CSV" not in jag.get("/admin/application/").get_data(as_text=True)
    assert jag.get("/admin/application/export.csv").status_code == 403

    officer, _ = staff_client(Role.OFFICER)
    assert "Download CSV" in officer.get("/admin/application/").get_data(as_text=True)
    # An invalid filter value is left out of the CSV; its message must not turn up on the next page.
    assert officer.get("/admin/application/export.csv?flt0_amount_requested_at_least=abc").status_code == 200
    assert "Invalid Filter Value" not in officer.get("/admin/application/").get_data(as_text=True)
    assert "Invalid Filter Value" in officer.get(
        "/admin/application/?flt0_amount_requested_at_least=abc"
    ).get_data(as_text=True)


def test_bulk_agenda_offers_only_meetings_under_way_or_to_come(make, session, staff_client):
    officer = make.officer()
    held = make.meeting(officer, days_ahead=-30)
    today = make.meeting(officer)  # under way
    coming = make.meeting(officer, days_ahead=14)
    ready = make.eligible()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get(f"/admin/application/agenda/?ids={ready.id}").get_data(as_text=True)
    offered = re.findall(r'<option value="(\d+)">', page)
    assert offered == [str(today.id), str(coming.id)]
    assert held.title not in page


def test_a_state_no_workflow_has_is_refused_with_a_message(make, session, staff_client):
    submitted = make.submitted()
    session.commit()
    client, _ = staff_client(Role.OFFICER)
    page = client.get("/admin/application/?flt0_state_equals=nonsense").get_data(as_text=True)
    assert "Invalid Filter Value: nonsense" in page
    assert submitted.reference in page  # the filter is left out, not applied to find nothing
    matching = client.get(f"/admin/application/?flt0_state_equals={submitted.state}").get_data(as_text=True)
    assert submitted.reference in matching and "Invalid Filter Value" not in matching


def _close_button(page: str) -> str:
    form = re.search(r'<form [^>]*id="action-close">.*?</form>', page, re.S).group(0)
    return form


def test_close_says_why_it_cannot_be_used_yet_and_waits(make, session, staff_client):
    """A step its rules would refuse as things stand says why on its button, and the button waits:
    here a suspended grant whose paid money is neither spent in accepted returns nor asked back."""
    app, officer, payment = suspended_after_a_payment(make)
    client, _ = staff_client(user=officer)
    before = (app.state, app.version)
    form = _close_button(client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True))
    assert "<strong>Not yet:</strong> £500.00 paid to the group is neither spent" in form
    assert 'disabled aria-describedby="action-close-refused"' in form
    session.expire_all()
    assert (app.state, app.version) == before  # asking the rules changed nothing
    # Once the money is asked back and received, the button is open and says nothing more.
    fire(session, app, "demand_repayment", officer, reason="Misuse", amount_pence=payment.amount_pence)
    session.commit()
    finance_client, _ = staff_client(Role.FINANCE)
    finance_client.post(
        f"/admin/payment/recovery/{app.recoveries[0].id}/received",
        data={"amount": "500", "received_on": london_today().isoformat(), "reference": "BACS IN"},
    )
    form = _close_button(client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True))
    assert "Not yet" not in form and "disabled" not in form
