"""Monitoring returns in the portal, through the HTTP face: the journey from "what you need to do" to
sent, answering a query, and every refusal (clear message, nothing changed, no 500)."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from grants_app.dates import format_date, london_today
from grants_app.models import AuditEvent, MonitoringReturn, OutboxEmail, SpendLine
from grants_app.services import return_form
from grants_app.workflow import fire
from tests.return_helpers import accepted_then_draft, date_fields, fill, grant, line, sent
from tests.web.conftest import pdf, png, sign_in


@pytest.fixture
def signed_in_grant(client, mailer, make, session):
    g = grant(make, priorities=[(1, 70), (2, 30)])
    session.commit()
    sign_in(client, mailer, g.applicant.email)
    return g


def _spend(g, **changes) -> dict:
    data = {
        "token": "t-" + str(changes.pop("n", 1)),
        **date_fields(london_today()),
        "description": "Boxing gloves",
        "category_id": str(g.app.budget_lines[0].category_id),
        "priority_id": str(g.app.priority_splits[0].priority_id),
        "amount": "125.50",
    }
    data.update(changes)
    return data


def _lines(session) -> int:
    return session.execute(select(func.count()).select_from(SpendLine)).scalar_one()


def _error(response, message: str, anchor: str) -> None:
    assert response.status_code in (200, 400, 409, 422), response.status_code
    assert "There is a problem" in response.text and "govuk-error-summary" in response.text
    assert message in response.text, response.text[:3000]
    assert f'href="#{anchor}"' in response.text
    assert "<title>Error: " in response.text


def test_the_group_reports_spend_with_a_receipt_and_sends_the_return(
    client, session, mailer, signed_in_grant
):
    g = signed_in_grant
    page = client.get(f"/applications/{g.app.reference}").text
    assert "What you need to do" in page and f"Monitoring return: {g.ret.period_label}" in page
    assert f'href="{g.base}"' in page and "To do" in page

    page = client.get(g.base).text
    assert "Spending" in page and "Progress in this period" in page and "Priority 2: people reached" in page
    assert "Check your answers and send" not in page  # not yet complete

    r = client.post(g.base + "/spending/add", data=_spend(g))
    assert r.status_code == 302 and "/receipt" in r.headers["Location"]
    line_id = session.execute(select(SpendLine.id)).scalar_one()
    receipt_page = client.get(r.headers["Location"]).text
    assert "Upload a receipt" in receipt_page and "Boxing gloves" in receipt_page
    r = client.post(
        f"{g.base}/spending/{line_id}/receipt",
        data={"file": (io.BytesIO(pdf()), "till-receipt.pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    spending = client.get(g.base + "/spending").text
    assert "till-receipt.pdf" in spending and "£125.50" in spending

    assert (
        client.post(g.base + "/progress", data={"progress_narrative": "Ran 10 sessions."}).status_code == 302
    )
    for split in g.app.priority_splits:
        r = client.post(
            f"{g.base}/outcomes/{split.priority_id}",
            data={"people_reached": "1,200", "what_changed": "Safer"},
        )
        assert r.status_code == 302, r.text
    page = client.get(g.base).text
    assert "Check your answers and send" in page

    check = client.get(g.base + "/check").text
    assert "Boxing gloves" in check and "Ran 10 sessions." in check and "1,200 people reached" in check
    version = re.search(r'name="expected_version" type="hidden" value="(\d+)"', check).group(1)
    r = client.post(g.base + "/send", data={"expected_version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith("/sent")
    sent_page = client.get(r.headers["Location"]).text
    assert "Monitoring return sent" in sent_page and "£125.50 spent" in sent_page
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).state == "submitted"
    assert session.execute(select(OutboxEmail).where(OutboxEmail.template == "return_received")).first()
    page = client.get(f"/applications/{g.app.reference}").text
    assert "Sent" in page and "we are reviewing it" in page
    # Sent, the return is shown but can no longer be changed.
    shown = client.get(g.base).text
    assert "You have sent this return" in shown and "till-receipt.pdf" in shown
    r = client.get(g.base + "/progress")
    assert r.status_code == 302 and r.headers["Location"].endswith(g.base)
    r = client.post(g.base + "/progress", data={"progress_narrative": "Rewritten"})
    assert r.status_code == 302
    r = client.post(g.base + "/spending/add", data=_spend(g, n=2))
    assert r.status_code == 302
    session.expire_all()
    assert (
        session.get(MonitoringReturn, g.ret.id).progress_narrative == "Ran 10 sessions."
        and _lines(session) == 1
    )


def test_a_queried_return_is_answered_and_sent_again(client, session, mailer, signed_in_grant):
    g = signed_in_grant
    sent(session, g)
    fire(session, g.ret, "query", g.officer, reason="Which sessions did the coaches run?")
    session.commit()
    page = client.get(f"/applications/{g.app.reference}").text
    assert "Changes needed" in page and "We have a question" in page
    page = client.get(g.base).text
    assert "Which sessions did the coaches run?" in page and "Answer our question" in page
    check = client.get(g.base + "/check").text
    assert "Send the return" not in check and "answer our question" in check
    r = client.post(g.base + "/answer", data={"answer": "Every Friday in May."})
    assert r.status_code == 302
    check = client.get(g.base + "/check").text
    version = re.search(r'name="expected_version" type="hidden" value="(\d+)"', check).group(1)
    assert client.post(g.base + "/send", data={"expected_version": version}).status_code == 302
    session.expire_all()
    ret = session.get(MonitoringReturn, g.ret.id)
    assert ret.state == "submitted" and ret.queries[0].answer == "Every Friday in May."


def test_an_accepted_return_cannot_be_sent_again(client, session, signed_in_grant):
    g = signed_in_grant
    sent(session, g)
    fire(session, g.ret, "accept", g.officer)
    session.commit()
    r = client.post(g.base + "/send", data={"expected_version": "1"})
    _error(r, "This return has been accepted, so it cannot be sent again", "main-content")
    assert r.status_code == 409
    r = client.get(g.base + "/spending/add")
    assert r.status_code == 302
    assert "accepted, so it can no longer be changed" in client.get(r.headers["Location"]).text
    assert (
        session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "monitoring_return", AuditEvent.trigger == "submit")
        ).scalar_one()
        == 1
    )


def test_a_double_clicked_send_sends_once_and_shows_the_confirmation(client, session, signed_in_grant):
    g = signed_in_grant
    fill(session, g)
    session.commit()
    version = str(g.ret.version)
    first = client.post(g.base + "/send", data={"expected_version": version})
    second = client.post(g.base + "/send", data={"expected_version": version})
    assert first.headers["Location"].endswith("/sent") and second.headers["Location"].endswith("/sent")
    assert (
        session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "monitoring_return", AuditEvent.trigger == "submit")
        ).scalar_one()
        == 1
    )


def test_a_send_from_an_out_of_date_page_is_shown_the_changes(client, session, signed_in_grant):
    g = signed_in_grant
    fill(session, g)
    session.commit()
    shown = str(g.ret.version)
    return_form.add_spend_line(session, g.applicant, g.ret, line(g, 999, "Added in another tab"))
    session.commit()
    r = client.post(g.base + "/send", data={"expected_version": shown})
    _error(r, "Your return changed after you opened this page", "main-content")
    assert "Added in another tab" in r.text and r.status_code == 409
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).state == "due"


def test_a_double_clicked_add_adds_one_line(client, session, signed_in_grant):
    g = signed_in_grant
    for _ in range(2):
        assert client.post(g.base + "/spending/add", data=_spend(g, n=7)).status_code == 302
    assert _lines(session) == 1


@pytest.mark.parametrize(
    ("changes", "message", "anchor"),
    [
        ({"amount": "-10"}, "The amount must be more than £0", "amount"),
        ({"amount": "0"}, "The amount must be more than £0", "amount"),
        ({"amount": "0.00"}, "The amount must be more than £0", "amount"),
        ({"amount": "9999999999"}, "no more than your grant of £2,000.00", "amount"),
        ({"amount": "99999999999999"}, "too large", "amount"),
        ({"amount": "12.345"}, "pounds and pence", "amount"),
        ({"amount": "NaN"}, "pounds and pence", "amount"),
        ({"description": ""}, "Enter what the money was spent on", "description"),
        ({"description": "Gloves\x07"}, "special control characters", "description"),
        ({"description": "<img src=x onerror=alert(1)>"}, "HTML tags", "description"),
        ({"category_id": "999999"}, "Select a budget category", "category_id"),
        ({"category_id": ""}, "Select a budget category", "category_id"),
        ({"priority_id": "999999"}, "Select which priority", "priority_id"),
        ({"spent_on": ["31", "2", "2026"]}, "must be a real date", "spent_on-day"),
        ({"spent_on": ["", "", ""]}, "Enter the date the money was spent", "spent_on-day"),
    ],
)
def test_bad_spending_is_refused_with_a_message(client, session, signed_in_grant, changes, message, anchor):
    g = signed_in_grant
    r = client.post(g.base + "/spending/add", data=_spend(g, **changes))
    _error(r, message, anchor)
    assert "&lt;img" not in r.text or "HTML tags" in r.text
    assert _lines(session) == 0


def test_spending_outside_the_grant_period_is_refused(client, session, signed_in_grant):
    g = signed_in_grant
    before = g.app.start_date - timedelta(days=1)
    r = client.post(g.base + "/spending/add", data={**_spend(g), **date_fields(before)})
    _error(r, "the period this return covers", "spent_on-day")
    tomorrow = london_today() + timedelta(days=1)
    r = client.post(g.base + "/spending/add", data={**_spend(g), **date_fields(tomorrow)})
    _error(r, "today or in the past", "spent_on-day")
    assert _lines(session) == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("receipt.pdf", png(), "name does not match what is in it"),
        ("receipt.pdf", b"<html><script>alert(1)</script></html>", "must be a PDF, DOCX, JPG or PNG"),
        ("receipt.exe", b"MZ\x90\x00" + b"\x00" * 64, "must be a PDF, DOCX, JPG or PNG"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_a_receipt_that_is_not_what_it_claims_is_refused(
    client, session, signed_in_grant, name, content, message
):
    g = signed_in_grant
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    session.commit()
    r = client.post(
        f"{g.base}/spending/{added.id}/receipt",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )
    _error(r, message, "file")
    session.expire_all()
    assert session.get(SpendLine, added.id).receipt_document_id is None


def test_no_receipt_chosen(client, session, signed_in_grant):
    g = signed_in_grant
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    session.commit()
    r = client.post(f"{g.base}/spending/{added.id}/receipt", data={}, content_type="multipart/form-data")
    _error(r, "Select a receipt to upload", "file")


def test_bad_progress_and_outcomes_are_refused(client, session, signed_in_grant):
    g = signed_in_grant
    r = client.post(g.base + "/progress", data={"progress_narrative": "<script>alert(1)</script>"})
    _error(r, "must not contain HTML tags", "progress_narrative")
    assert "<script>alert(1)</script>" not in r.text
    pid = g.app.priority_splits[0].priority_id
    for people, message in (
        ("-3", "whole number"),
        ("lots", "whole number"),
        ("2.5", "whole number"),
        ("2000000", "The number of people must be between 0 and 1,000,000"),
        # A huge whole number is out of range too, however many digits it has.
        ("99999999999999", "The number of people must be between 0 and 1,000,000"),
        ("9" * 5000, "The number of people must be between 0 and 1,000,000"),
    ):
        r = client.post(f"{g.base}/outcomes/{pid}", data={"people_reached": people, "what_changed": "x"})
        _error(r, message, "people_reached")
    session.expire_all()
    ret = session.get(MonitoringReturn, g.ret.id)
    assert ret.progress_narrative == "" and ret.priority_outcomes == []


def test_invisible_characters_pasted_in_are_removed_not_kept(client, session, signed_in_grant):
    """Every form post is cleaned in one place (grants_app.normalise): what is stored reads as typed."""
    g = signed_in_grant
    r = client.post(g.base + "/spending/add", data=_spend(g, description="Gloves\u200b\u200b"))
    assert r.status_code == 302
    pid = g.app.priority_splits[0].priority_id
    r = client.post(f"{g.base}/outcomes/{pid}", data={"people_reached": "4", "what_changed": "\ufeffsafer"})
    assert r.status_code == 302
    session.expire_all()
    ret = session.get(MonitoringReturn, g.ret.id)
    assert [line.description for line in ret.spend_lines] == ["Gloves"]
    assert [o.what_changed for o in ret.priority_outcomes] == ["safer"]


def test_another_organisations_return_is_not_found(client, session, make, signed_in_grant):
    g = signed_in_grant
    other = grant(make)
    fill(session, other)
    session.commit()
    mine, theirs = g.app.reference, other.app.reference
    for url in (
        f"/applications/{theirs}/returns/{other.ret.id}",
        f"/applications/{theirs}/returns/{other.ret.id}/spending",
        f"/applications/{mine}/returns/{other.ret.id}",  # their return under my application
        f"/applications/{mine}/returns/{other.ret.id}/check",
        f"/applications/{mine}/returns/{g.ret.id}/spending/{other.ret.spend_lines[0].id}",
        f"/applications/{mine}/returns/{g.ret.id}/outcomes/999999",
        f"/applications/{mine}/returns/99999999",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/applications/{theirs}/returns/{other.ret.id}/send",
        f"/applications/{mine}/returns/{other.ret.id}/spending/add",
        f"/applications/{mine}/returns/{g.ret.id}/spending/{other.ret.spend_lines[0].id}/remove",
    ):
        assert client.post(url, data=_spend(g)).status_code == 404, url
    session.expire_all()
    assert session.get(MonitoringReturn, other.ret.id).state == "due" and len(other.ret.spend_lines) == 1


def test_staff_and_strangers_cannot_open_a_return(client, session, make, mailer):
    g = grant(make)
    session.commit()
    r = client.get(g.base)
    assert r.status_code == 302 and "/sign-in" in r.headers["Location"]


def test_lines_are_changed_and_removed(client, session, signed_in_grant):
    g = signed_in_grant
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    session.commit()
    form = client.get(f"{g.base}/spending/{added.id}").text
    assert 'value="500.00"' in form and "Coaches" in form
    r = client.post(f"{g.base}/spending/{added.id}", data=_spend(g, description="Coaches, 4 hours"))
    assert r.status_code == 302
    r = client.post(f"{g.base}/spending/{added.id}/remove")
    assert r.status_code == 302 and _lines(session) == 0


def test_spending_after_the_returns_period_is_refused_on_the_date_field(client, session, signed_in_grant):
    g = signed_in_grant
    today = london_today()
    g.app.start_date = today - timedelta(days=200)
    g.ret.period_starts_on, g.ret.period_ends_on = today - timedelta(days=60), today - timedelta(days=30)
    session.commit()
    first, last = g.ret.period_starts_on, g.ret.period_ends_on
    page = client.get(g.base + "/spending/add").text
    period = f"{format_date(first)} and {format_date(last)}"
    assert f"Between {period}, the period this return covers" in page
    assert "Spending from an earlier quarter that you did not report then can go here too" in page
    r = client.post(g.base + "/spending/add", data={**_spend(g), **date_fields(last + timedelta(days=1))})
    assert r.status_code == 200
    expected = (
        f"This return covers spending up to {format_date(last)}. Put later spending in your next return"
    )
    _error(r, expected, "spent_on-day")
    # The message is on the date field itself, as well as in the summary.
    assert 'id="spent_on-error"' in r.text
    assert _lines(session) == 0
    # Earlier spending reported late is taken (the officer sees it flagged).
    r = client.post(
        g.base + "/spending/add", data={**_spend(g, n=2), **date_fields(first - timedelta(days=42))}
    )
    assert r.status_code == 302 and _lines(session) == 1
    # Changing a line to a date after the period is refused the same way, and the line stays as it was.
    line_id = session.execute(select(SpendLine.id)).scalar_one()
    r = client.post(
        f"{g.base}/spending/{line_id}", data={**_spend(g, n=3), **date_fields(last + timedelta(days=2))}
    )
    _error(r, expected, "spent_on-day")
    session.expire_all()
    assert session.get(SpendLine, line_id).spent_on == first - timedelta(days=42)


def test_a_return_is_sent_from_the_last_day_of_its_period_and_not_before(client, session, signed_in_grant):
    g = signed_in_grant
    fill(session, g)
    g.ret.period_ends_on = london_today() + timedelta(days=20)
    session.commit()
    when = g.ret.period_ends_on.strftime("%-d %B %Y")

    page = client.get(g.base).text
    assert f"You can send this return from {when}, the last day of the period it covers" in page
    check = client.get(g.base + "/check").text
    assert f"You can send this return from {when}" in check and "Send the return" not in check

    response = client.post(g.base + "/send", data={"expected_version": str(g.ret.version)})
    assert response.status_code == 422 and f"from {when}" in response.text
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).submitted_at is None

    # On the period's last day it goes.
    g.ret = session.get(MonitoringReturn, g.ret.id)
    g.ret.period_ends_on = london_today()
    session.commit()
    assert "Send the return" in client.get(g.base + "/check").text
    response = client.post(g.base + "/send", data={"expected_version": str(g.ret.version)})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "typed", ["1 200", "1,200", "1\u00a0200", "1\u202f200", "\uff11\uff12\uff10\uff10", " 1200 "]
)
def test_people_reached_is_taken_as_people_type_it(client, session, signed_in_grant, typed):
    g = signed_in_grant
    pid = g.app.priority_splits[0].priority_id
    r = client.post(f"{g.base}/outcomes/{pid}", data={"people_reached": typed, "what_changed": "Safer"})
    assert r.status_code == 302, r.text
    session.expire_all()
    assert [o.people_reached for o in session.get(MonitoringReturn, g.ret.id).priority_outcomes] == [1200]
    assert "1,200 people reached" in client.get(g.base + "/check").text


def test_the_groups_statement_does_not_report_a_draft_returns_spending(client, session, signed_in_grant):
    # The QA case: the statement the group downloads listed a draft return's lines as spend reported.
    g = signed_in_grant
    r = client.post(g.base + "/spending/add", data=_spend(g, description="Gloves not sent yet"))
    assert r.status_code == 302 and _lines(session) == 1
    from tests.reports.conftest import pdf_text

    statement = client.get(f"/applications/{g.app.reference}/statement.pdf")
    assert statement.status_code == 200
    text = " ".join(pdf_text(statement.data).split())
    assert "Gloves not sent yet" not in text and "£125.50" not in text
    assert "Not sent yet" in text


def test_the_check_page_warns_when_the_return_takes_spend_past_the_grant(client, mailer, make, session):
    # The QA case: £2,120.69 here and £1,080 accepted is £3,200.69 on a £2,700 grant.
    g, draft = accepted_then_draft(session, make)
    session.commit()
    sign_in(client, mailer, g.applicant.email)
    base = f"/applications/{g.app.reference}/returns/{draft.id}"
    check = client.get(base + "/check").text
    warning = check[check.index('id="over-award"') :]
    warning = " ".join(warning[: warning.index("</div>")].split())
    assert (
        "This takes your reported spend to £3,200.69, £500.69 more than your £2,700.00 grant: "
        "check each amount is only what the grant paid for." in warning
    )
    assert "Send the return" in check  # said, not stopped: a group may have match funding
    version = re.search(r'name="expected_version" type="hidden" value="(\d+)"', check).group(1)
    r = client.post(base + "/send", data={"expected_version": version})
    assert r.status_code == 302 and r.headers["Location"].endswith("/sent")


def test_the_check_page_says_nothing_when_spend_is_within_the_grant(client, session, signed_in_grant):
    g = signed_in_grant
    assert client.post(g.base + "/spending/add", data=_spend(g)).status_code == 302
    assert 'id="over-award"' not in client.get(g.base + "/check").text


@pytest.mark.parametrize(
    ("page", "data", "field", "message"),
    [
        (
            "/spending/add",
            {"description": "Gloves\x07"},
            "description",
            "What the money was spent on must not contain special control characters",
        ),
        (
            "/progress",
            {"progress_narrative": "Ran\x07 sessions"},
            "progress_narrative",
            "What the project did must not contain special control characters",
        ),
    ],
)
def test_a_question_is_not_used_as_the_name_of_its_answer(
    client, signed_in_grant, page, data, field, message
):
    """A label that is a question ("What was the money spent on?") cannot start a sentence about the
    answer: the message names the answer instead."""
    g = signed_in_grant
    if page == "/spending/add":
        data = _spend(g, **data)
    r = client.post(g.base + page, data=data)
    _error(r, message, field)
    assert "? must" not in r.text
