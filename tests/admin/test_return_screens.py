"""Monitoring returns in the admin, through the HTTP face: the Returns view's filters and its constant
cost per page, and the officer's review page with its figures, receipts, accept and query."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import event, select

from grants_app import clock
from grants_app.dates import LONDON
from grants_app.extensions import db
from grants_app.models import AuditEvent, BudgetLine, Fund, MonitoringReturn, OutboxEmail, Role
from grants_app.services import return_form
from grants_app.services.documents import minimal_pdf
from tests.admin.conftest import csrf_enabled, flashes
from tests.return_helpers import accepted_then_draft, fill, grant, line, sent


def _count_queries(client, url: str) -> tuple[int, str]:
    statements: list[str] = []

    def count(*_args) -> None:
        statements.append("q")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.text[:2000]
    return len(statements), response.text


def test_the_returns_view_filters_to_review_overdue_and_due(staff_client, make, session):
    waiting = sent(session, grant(make, title="Waiting for review"))
    late = grant(make, title="Late return")
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = client.get("/admin/returns/").text
    assert "To review (1)" in page and "Waiting for review" in page and "Late return" in page
    to_review = client.get("/admin/returns/?flt0_show_equals=to_review").text
    assert "Waiting for review" in to_review and "Late return" not in to_review
    assert "Submitted - to review" in to_review
    coming = client.get("/admin/returns/?flt0_show_equals=coming_up").text
    assert "Late return" in coming and waiting.ret.period_label in coming
    overdue = client.get("/admin/returns/?flt0_show_equals=overdue").text
    assert "Late return" not in overdue  # nothing is past due yet
    assert client.get("/admin/returns/?flt0_show_equals=nonsense").status_code == 200
    assert client.get(f"/admin/returns/?search={late.app.reference}").status_code == 200


def test_overdue_returns_are_listed_as_overdue(staff_client, make, session):
    late = grant(make, title="Late return")
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    with clock.pinned(datetime.combine(late.ret.due_on + timedelta(days=2), time(10), tzinfo=LONDON)):
        page = client.get("/admin/returns/?flt0_show_equals=overdue").text
        details = client.get(f"/admin/application/details/?id={late.app.id}").text
    assert "Late return" in page and "Due (overdue)" in page and "Overdue (1)" in page
    assert "(overdue)" in details and f"/admin/returns/details/?id={late.ret.id}" in details


def test_a_page_of_returns_costs_the_same_whatever_it_shows(staff_client, make, session):
    client, _officer = staff_client(Role.OFFICER)
    sent(session, grant(make))
    session.commit()
    few, _page = _count_queries(client, "/admin/returns/")
    for _ in range(4):
        sent(session, grant(make, priorities=[(1, 50), (3, 50)]))
    session.commit()
    many, page = _count_queries(client, "/admin/returns/")
    assert page.count("/admin/returns/details/?id=") >= 15
    assert many == few, (few, many)


def test_the_review_page_shows_the_figures_and_flags_in_words(staff_client, make, session, upload_folder):
    g = grant(make, priorities=[(1, 60), (2, 40)])
    equipment = make.ref.categories[1]
    g.app.budget_lines[0].amount_pence = 150_000
    g.app.budget_lines.append(
        BudgetLine(category=equipment, description="Gloves", amount_pence=50_000, position=1)
    )
    session.flush()
    p1 = g.app.priority_splits[0].priority_id
    with_receipt = return_form.add_spend_line(session, g.applicant, g.ret, line(g, 60_000, "Coach hours"))
    return_form.attach_receipt(
        session,
        g.applicant,
        g.ret,
        with_receipt.id,
        upload_folder,
        filename="coach.pdf",
        content=minimal_pdf("x"),
    )
    return_form.add_spend_line(
        session, g.applicant, g.ret, line(g, 70_000, "Gloves", category_id=equipment.id, priority_id=p1)
    )
    fill(session, g, 1_000)
    return_form.send_return(session, g.applicant, g.ret)
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
    assert "Spend by budget category against the approved budget" in page
    assert "Over budget by 40%" in page  # Equipment: £700 against £500, flagged in words not colour
    assert "Below budget so far" in page
    assert "points above its share" in page
    assert "coach.pdf" in page and "No receipt" in page
    receipt = with_receipt.receipt
    download = client.get(f"/admin/application/document/{receipt.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert "Accept the return" in page and "Query the return" in page


def test_the_officer_queries_then_accepts_through_the_http_face(staff_client, app, make, session, mailer):
    g = sent(session, grant(make))
    session.commit()
    client, officer = staff_client(Role.OFFICER, user=g.officer)
    base = f"/admin/returns/{g.ret.id}"
    r = client.post(base + "/query", data={"question": "   ", "expected_version": str(g.ret.version)})
    assert r.status_code == 422 and "Enter your question for the group" in r.text
    seen = {"expected_version": str(g.ret.version)}  # as the review page's forms send it
    r = client.post(base + "/query", data={"question": "Why <b>gloves</b>?", **seen})
    assert r.status_code == 422 and "HTML tags" in r.text and "Why &lt;b&gt;gloves&lt;/b&gt;?" in r.text
    r = client.post(base + "/query", data={"question": "Which sessions did the coaches run?", **seen})
    assert r.status_code == 302 and "Question sent" in flashes(client)[-1]
    session.expire_all()
    ret = session.get(MonitoringReturn, g.ret.id)
    assert ret.state == "queried" and ret.queries[0].question == "Which sessions did the coaches run?"
    assert any("Which sessions did the coaches run?" in body for _to, _s, body in mailer.sent)
    page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
    assert "Queried" in page and "Not answered yet" in page and "Accept the return" not in page
    r = client.post(base + "/accept", data={"expected_version": str(ret.version)})
    assert r.status_code == 302 and "cannot" in flashes(client)[-1].lower()

    return_form.save_answer(session, g.applicant, ret, "Fridays in May.")
    return_form.send_return(session, g.applicant, ret)
    session.commit()
    version = ret.version
    r = client.post(base + "/accept", data={"expected_version": str(version - 1)})
    assert "changed by someone else" in flashes(client)[-1]
    r = client.post(base + "/accept", data={"expected_version": str(version)})
    assert r.status_code == 302 and "Return accepted" in flashes(client)[-1]
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).state == "accepted"
    accepted = (
        session.execute(select(OutboxEmail).where(OutboxEmail.template == "return_accepted")).scalars().all()
    )
    assert accepted and g.applicant.email in {e.to_address for e in accepted}
    page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
    assert "This return has been accepted" in page and "Fridays in May." in page


def test_only_the_officer_sees_the_buttons_and_a_forged_post_is_refused(staff_client, app, make, session):
    g = sent(session, grant(make))
    session.commit()
    for role in (Role.FINANCE, Role.JAG_MEMBER, Role.RAG_VIEWER, Role.ADMIN):
        client, _user = staff_client(role)
        page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
        assert "Accept the return</button>" not in page and "Only the grants officer" in page, role
        assert client.post(f"/admin/returns/{g.ret.id}/accept", data={}).status_code == 403
        assert client.post(f"/admin/returns/{g.ret.id}/query", data={"question": "x"}).status_code == 403
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).state == "submitted"


def test_the_forms_need_the_csrf_token(staff_client, app, make, session):
    g = sent(session, grant(make))
    session.commit()
    client, _officer = staff_client(Role.OFFICER, user=g.officer)
    with csrf_enabled(app):
        assert client.post(f"/admin/returns/{g.ret.id}/accept", data={}).status_code == 400
    session.expire_all()
    assert session.get(MonitoringReturn, g.ret.id).state == "submitted"


def test_garbage_ids_are_not_found(staff_client, make, session):
    client, _officer = staff_client(Role.OFFICER)
    for url in (
        "/admin/returns/details/?id=abc",
        "/admin/returns/details/?id=99999999999",
        "/admin/returns/details/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/admin/returns/999999/accept", data={}).status_code == 404


def test_the_administrator_sets_when_returns_are_due(staff_client, make, session):
    client, _admin = staff_client(Role.ADMIN)
    fund = make.ref.fund
    page = client.get(f"/admin/funds/edit/?id={fund.id}").text
    assert "Monitoring returns due (days after each quarter)" in page and 'value="30"' in page
    form = {
        "name": fund.name,
        "slug": fund.slug,
        "financial_year": str(fund.financial_year),
        "strategy_period": str(fund.strategy_period_id),
        "budget_pence": "50000",
        "min_award_pence": "250",
        "max_award_pence": "5000",
        "over_allocation_pct": "0",
        "delegated_limit_pence": "1000",
        "opens_on": fund.opens_on.isoformat(),
        "closes_on": fund.closes_on.isoformat(),
        "offer_valid_days": "28",
        "priorities": [str(p.id) for p in fund.priorities],
        "budget_categories": [str(c.id) for c in fund.budget_categories],
    }
    bad = client.post(f"/admin/funds/edit/?id={fund.id}", data={**form, "return_due_days": "0"})
    assert bad.status_code == 200 and "between 1 and 180 days" in bad.text
    assert (
        client.post(f"/admin/funds/edit/?id={fund.id}", data={**form, "return_due_days": "45"}).status_code
        == 302
    )
    session.expire_all()
    assert session.get(Fund, fund.id).return_due_days == 45
    diff = session.execute(select(AuditEvent.data).where(AuditEvent.action == "update")).scalars().all()
    assert any(d.get("return_due_days") == {"from": 30, "to": 45} for d in diff)


def test_the_officers_dashboard_lists_returns_to_review(staff_client, make, session):
    g = sent(session, grant(make))
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = client.get("/admin/").text
    assert f"Review the monitoring return {g.ret.period_label} for {g.app.reference}" in page


def test_the_review_page_flags_a_line_dated_outside_the_returns_period(staff_client, make, session):
    g = grant(make)
    period_started = g.ret.period_starts_on
    g.app.start_date = g.ret.period_starts_on = g.app.start_date - timedelta(days=40)
    return_form.add_spend_line(
        session, g.applicant, g.ret, line(g, 20_000, "Kit bought early", spent_on=g.app.start_date)
    )
    # The forms refuse such a date now: this line is one saved before that rule.
    g.ret.period_starts_on = period_started
    sent(session, g)
    session.commit()
    client, _user = staff_client(Role.OFFICER)
    page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
    assert "Outside this return&#39;s period" in page or "Outside this return's period" in page


def test_the_review_history_reads_as_sentences_without_ids_or_state_names(staff_client, make, session):
    g = grant(make)
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g, 12_500, "Gloves"))
    return_form.change_spend_line(session, g.applicant, g.ret, added.id, line(g, 15_000, "Gloves and pads"))
    sent(session, g)
    session.commit()
    client, _user = staff_client(Role.OFFICER)
    page = client.get(f"/admin/returns/details/?id={g.ret.id}").text
    history = page.split('id="history"')[1]
    category = g.app.budget_lines[0].category.name
    assert "was Gloves, £125.00" in history and "now Gloves and pads, £150.00" in history
    assert category in history and "priority 1" in history
    assert "Send the return: Due to Submitted - to review" in history
    assert "category_id" not in history and "due &rarr;" not in history and "spend_line" not in history


def test_lists_report_no_spend_for_a_return_the_group_has_not_sent(staff_client, make, session):
    # The QA case: the list showed a draft's lines as "Spend reported" against a return still "Due".
    draft = grant(make, title="Draft return")
    return_form.add_spend_line(session, draft.applicant, draft.ret, line(draft, 212_069 // 2, "Coaching"))
    waiting = sent(session, grant(make, title="Sent return"), 54_321)
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = client.get("/admin/returns/").text
    row = page[page.index("Draft return") :]
    row = row[: row.index("</tr>")]
    assert "Not sent yet" in row and "£1,060.34" not in row
    row = page[page.index("Sent return") :]
    assert "£543.21" in row[: row.index("</tr>")]
    details = client.get(f"/admin/application/details/?id={draft.app.id}").text
    section = details[details.index('id="monitoring-returns"') :]
    assert "Not sent yet" in section and "£1,060.34" not in section
    details = client.get(f"/admin/application/details/?id={waiting.app.id}").text
    assert "£543.21" in details[details.index('id="monitoring-returns"') :]


def test_the_officer_sees_when_a_return_takes_spend_past_the_award(staff_client, make, session):
    g, draft = accepted_then_draft(session, make)
    return_form.send_return(session, g.applicant, draft)
    session.commit()
    client, _officer = staff_client(Role.OFFICER)
    page = client.get(f"/admin/returns/details/?id={draft.id}").text
    notice = page[page.index('id="over-award"') :]
    notice = " ".join(notice[: notice.index("</p>")].split())
    assert "More than the award." in notice
    assert "reported spend to £3,200.69, £500.69 more than the £2,700.00 award" in notice
    assert "Accept the return" in page  # the officer can still accept it
    within = sent(session, grant(make))
    session.commit()
    assert 'id="over-award"' not in client.get(f"/admin/returns/details/?id={within.ret.id}").text
