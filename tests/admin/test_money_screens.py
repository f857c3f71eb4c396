"""Money through the admin's HTTP face: the offer prepared and issued, four eyes on payments (no
authorise button for the requester, a forged POST refused with the guard's sentence), a double-clicked
"record as paid", recoveries, the Payments list (filters, search, CSV), the fund position, and garbage
in every field never giving a 500."""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import AuditEvent, Payment, Role
from grants_app.services import payments
from grants_app.workflow import fire
from tests.admin.conftest import csrf_enabled, flashes
from tests.services.test_payments import delivering


@contextmanager
def counting_queries():
    """The SQL statements run inside the block, after emptying the session (requests in tests share the
    test's session, so what an earlier request loaded would otherwise be free)."""
    db.session.commit()
    db.session.expire_all()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def details(client, app) -> str:
    return client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)


# -- four eyes ----------------------------------------------------------------------------------------
def test_the_requester_has_no_authorise_button_and_a_forged_post_is_refused(make, session, staff_client):
    app, _officer = delivering(make, amount_pence=100_000)
    requester_client, requester = staff_client(Role.FINANCE)
    page = details(requester_client, app)
    assert "Request payment of £500.00" in page
    response = requester_client.post(f"/admin/payment/request/{app.award.instalments[0].id}")
    assert response.status_code == 302 and response.headers["Location"].endswith("#money")
    payment = session.query(Payment).one()
    assert payment.requested_by_id == requester.id
    page = details(requester_client, app)
    assert f'id="authorise-{payment.id}"' not in page and "Authorise payment of" not in page
    assert "You requested this payment: a different finance user must authorise it" in page
    # The button is not shown, but a request made by hand is refused by the workflow's guard.
    forged = requester_client.post(
        f"/admin/payment/{payment.id}/authorise", data={"expected_version": payment.version}
    )
    assert forged.status_code == 302
    assert (
        "Not authorised: A payment must be authorised by a different finance user from the one who "
        "requested it" in flashes(requester_client)
    )
    session.expire_all()
    assert payment.state == "requested" and payment.authorised_by_id is None


def test_a_post_that_does_not_say_which_version_it_saw_is_out_of_date(make, session, staff_client):
    """Found by QA: expected_version=0 (or none, or junk) switched off the check that nobody changed
    the payment since the page was read; every form sends it, so a post without it is treated as stale."""
    app, _officer = delivering(make, amount_pence=100_000)
    payment = payments.request_payment(session, make.finance(), app.award.instalments[0])
    session.commit()
    client, _authoriser = staff_client(Role.FINANCE)
    for data in ({"expected_version": "0"}, {}, {"expected_version": "one"}, {"expected_version": "-1"}):
        client.post(f"/admin/payment/{payment.id}/authorise", data=data)
        assert "changed by someone else" in flashes(client)[-1], data
        session.expire_all()
        assert session.get(Payment, payment.id).state == "requested"
    client.post(f"/admin/payment/{payment.id}/authorise", data={"expected_version": str(payment.version)})
    session.expire_all()
    assert session.get(Payment, payment.id).state == "authorised"


def test_the_dashboard_task_leads_to_a_page_with_the_authorise_button(make, session, staff_client):
    app, _officer = delivering(make, amount_pence=100_000)
    requester = make.finance()
    payment = payments.request_payment(session, requester, app.award.instalments[0])
    session.commit()
    client, other = staff_client(Role.FINANCE)
    dashboard = client.get("/admin/").get_data(as_text=True)
    task = re.search(rf'<a href="([^"]+)">Authorise the payment of £500.00 for {app.reference}', dashboard)
    assert task, dashboard
    page = client.get(task.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f'id="authorise-{payment.id}"' in page and "Authorise payment of £500.00" in page
    # "What you can do" at the top says so too, rather than "nothing you can do".
    actions = page.split('id="actions-heading"')[1].split("</aside>")[0]
    assert 'href="#money">Authorise the payment of £500.00</a>' in actions
    assert "nothing you can do" not in actions
    # The requester is not offered it.
    requester_client, _r = staff_client(user=requester)
    mine = requester_client.get(task.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert (
        "Authorise the payment of £500.00</a>"
        not in mine.split('id="actions-heading"')[1].split("</aside>")[0]
    )
    response = client.post(
        f"/admin/payment/{payment.id}/authorise", data={"expected_version": payment.version}
    )
    assert response.status_code == 302
    assert "Payment of £500.00 authorised: it can now be paid" in flashes(client)
    session.expire_all()
    assert payment.state == "authorised" and payment.authorised_by_id == other.id


def test_record_as_paid_clicked_twice_records_once(make, session, staff_client, app):
    grant, _officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, grant.award.instalments[0])
    payments.authorise_payment(session, authoriser, payment)
    session.commit()
    client, _user = staff_client(user=requester)
    form = {
        "paid_on": london_today().isoformat(),
        "payment_reference": "BACS 778899",
        "expected_version": str(payment.version),
    }
    with csrf_enabled(app):
        page = details(client, grant)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        first = client.post(f"/admin/payment/{payment.id}/pay", data={**form, "csrf_token": token})
        second = client.post(f"/admin/payment/{payment.id}/pay", data={**form, "csrf_token": token})
    assert first.status_code == second.status_code == 302
    messages = flashes(client)
    assert "Payment of £500.00 recorded as paid" in messages
    assert any("is already paid (by " in m and "nothing was changed" in m for m in messages)
    session.expire_all()
    assert payment.state == "paid" and payment.payment_reference == "BACS 778899"
    transitions = session.query(AuditEvent).filter_by(
        entity_type="payment", entity_id=payment.id, action="transition"
    )
    assert [e.trigger for e in transitions] == ["authorise", "pay"]
    # The grant's own history has each step once, and shows it on its page.
    noted = session.query(AuditEvent).filter_by(entity_type="application", entity_id=grant.id)
    assert [e.action for e in noted if e.action.startswith("payment_")] == [
        "payment_requested",
        "payment_authorised",
        "payment_made",
    ]
    history = details(client, grant)
    assert "as paid on" in history and "reference BACS 778899" in history


def test_paying_before_acceptance_or_while_suspended_is_refused_on_the_page(make, session, staff_client):
    offered, _meeting, officer = make.approved(amount_pence=100_000)
    fire(session, offered, "issue_offer", officer)
    suspended, officer2 = delivering(make, amount_pence=100_000)
    fire(session, suspended, "suspend", officer2, reason="Under review")
    session.commit()
    client, _user = staff_client(Role.FINANCE)
    assert "Request payment of" not in details(client, offered)
    assert "The offer is not accepted yet" in details(client, offered)
    client.post(f"/admin/payment/request/{offered.award.instalments[0].id}")
    assert any("cannot be paid yet: The offer is not accepted yet" in m for m in flashes(client))
    page = details(client, suspended)
    assert "On hold" in page and "Nothing is paid while the grant is &#39;Suspended&#39;" in page
    client.post(f"/admin/payment/request/{suspended.award.instalments[0].id}")
    assert any("Nothing is paid while the grant is 'Suspended'" in m for m in flashes(client))
    assert session.query(Payment).count() == 0


# -- recoveries ---------------------------------------------------------------------------------------
def test_finance_records_money_received_and_the_officer_writes_off_the_rest(make, session, staff_client):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 40_000, officer)
    recovery = app.recoveries[0]
    session.commit()
    finance_client, _finance = staff_client(Role.FINANCE)
    url = f"/admin/payment/recovery/{recovery.id}/received"
    today = london_today().isoformat()
    finance_client.post(url, data={"amount": "100.01", "received_on": today, "reference": "BACS IN"})
    assert any("more than the £100.00 still owed" in m for m in flashes(finance_client))
    finance_client.post(url, data={"amount": "30", "received_on": today, "reference": "BACS IN"})
    assert f"£30.00 received (reference BACS IN) recorded against the recovery on {app.reference}" in flashes(
        finance_client
    )
    assert (
        finance_client.post(
            f"/admin/payment/recovery/{recovery.id}/write-off", data={"reason": "x"}
        ).status_code
        == 403
    )
    officer_client, _ = staff_client(user=officer)
    page = details(officer_client, app)
    assert "Write off the £70.00 still owed" in page
    officer_client.post(f"/admin/payment/recovery/{recovery.id}/write-off", data={"reason": "Group wound up"})
    assert "£70.00 written off" in flashes(officer_client)
    officer_client.post(f"/admin/application/{app.id}/fire/close", data={"expected_version": app.version})
    session.expire_all()
    assert app.state == "closed"


# -- dates typed by staff -----------------------------------------------------------------------------
def _uk(day) -> str:
    return day.strftime("%d/%m/%Y")


def test_a_date_paid_or_received_is_read_the_uk_way_and_a_future_one_is_refused_saying_why(
    make, session, staff_client
):
    """The date boxes take what the date picker sends and what a person types (14/05/2026). A real date
    in the future is refused because it is in the future, not because it is "not a real date"; a date
    that is not one gets a GOV.UK-style message with a UK example."""
    grant, officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    payment = payments.request_payment(session, requester, grant.award.instalments[0])
    payments.authorise_payment(session, authoriser, payment)
    owing, officer2 = delivering(make, amount_pence=100_000)
    make.pay(owing)
    make.final_return(owing, 40_000, officer2)
    recovery = owing.recoveries[0]
    session.commit()
    client, _user = staff_client(user=requester)
    today, tomorrow = london_today(), london_today() + timedelta(days=1)
    pay, received = f"/admin/payment/{payment.id}/pay", f"/admin/payment/recovery/{recovery.id}/received"
    seen = str(payment.version)  # the version the payment's form carries

    client.post(pay, data={"paid_on": _uk(tomorrow), "payment_reference": "BACS 1", "expected_version": seen})
    assert flashes(client)[-1] == "Not recorded: The date paid cannot be in the future"
    client.post(pay, data={"paid_on": "31/02/2026", "payment_reference": "BACS 1", "expected_version": seen})
    assert flashes(client)[-1] == "Not recorded: Date paid must be a real date"
    client.post(
        pay, data={"paid_on": "next Tuesday", "payment_reference": "BACS 1", "expected_version": seen}
    )
    assert (
        flashes(client)[-1] == "Not recorded: Date paid must be a real date, like 14/05/2026 or 14 May 2026"
    )
    client.post(received, data={"amount": "10", "received_on": _uk(tomorrow), "reference": "IN 1"})
    assert flashes(client)[-1] == "Not recorded: The date received cannot be in the future"
    session.expire_all()
    assert session.get(Payment, payment.id).paid_on is None and recovery.receipts == []

    client.post(pay, data={"paid_on": _uk(today), "payment_reference": "BACS 1", "expected_version": seen})
    client.post(received, data={"amount": "10", "received_on": _uk(today), "reference": "IN 1"})
    session.expire_all()
    assert session.get(Payment, payment.id).paid_on == today
    assert [r.received_on for r in recovery.receipts] == [today]


def test_the_offers_dates_are_read_the_uk_way(make, session, staff_client):
    app, _meeting, officer = make.approved(amount_pence=100_000)
    session.commit()
    client, _ = staff_client(user=officer)
    expires = london_today() + timedelta(days=21)
    paid = london_today() + timedelta(days=7)
    form = _offer_form(["1000"], ["on_date"], dates={1: _uk(paid)})
    bad = client.post(f"/admin/offer/{app.id}/", data={**form, "expires_on": "30/02/2026"})
    assert "Date to accept by must be a real date" in bad.get_data(as_text=True)
    bad = client.post(f"/admin/offer/{app.id}/", data={**form, "instalment-1-date": "soon"})
    assert "Date of instalment 1 must be a real date, like 14/05/2026" in bad.get_data(as_text=True)
    ok = client.post(f"/admin/offer/{app.id}/", data={**form, "expires_on": _uk(expires)})
    assert ok.status_code == 302
    session.expire_all()
    assert app.award.offer_expires_on == expires and app.award.instalments[0].due_on == paid


# -- the offer ----------------------------------------------------------------------------------------
def _offer_form(amounts, triggers, dates=None, expires=21, then="save", conditions="Credit the partnership"):
    form = {
        "conditions": conditions,
        "expires_on": (london_today() + timedelta(days=expires)).isoformat(),
        "then": then,
    }
    for n, (amount, trigger) in enumerate(zip(amounts, triggers, strict=True), start=1):
        form[f"instalment-{n}-amount"] = amount
        form[f"instalment-{n}-trigger"] = trigger
        form[f"instalment-{n}-date"] = (dates or {}).get(n, "")
    return form


def test_the_officer_prepares_checks_the_letter_and_issues_the_offer(make, session, staff_client):
    app, _meeting, officer = make.approved(amount_pence=200_001)
    session.commit()
    client, _ = staff_client(user=officer)
    assert "Prepare and issue the offer" in details(client, app)
    page = client.get(f"/admin/offer/{app.id}/").get_data(as_text=True)
    assert 'value="1000.01"' in page and 'value="1000.00"' in page  # the fund's default, odd penny first
    bad = client.post(f"/admin/offer/{app.id}/", data=_offer_form(["1000", "999.99"], ["on_acceptance"] * 2))
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "There is a problem" in text and "must add up to the award of £2,000.01 exactly" in text
    session.expire_all()
    assert app.award.instalments == []
    ok = client.post(
        f"/admin/offer/{app.id}/",
        data=_offer_form(["1,500.01", "500"], ["on_acceptance", "after_first_accepted_return"]),
    )
    assert ok.status_code == 302 and "The offer is saved" in " ".join(flashes(client))
    draft = client.get(f"/admin/offer/{app.id}/letter.pdf")
    assert (
        draft.mimetype == "application/pdf" and "draft-offer-letter" in draft.headers["Content-Disposition"]
    )
    issued = client.post(
        f"/admin/offer/{app.id}/",
        data=_offer_form(["1,500.01", "500"], ["on_acceptance", "after_first_accepted_return"], then="issue"),
    )
    assert issued.status_code == 302
    session.expire_all()
    assert app.state == "offer_issued" and [i.amount_pence for i in app.award.instalments] == [
        150_001,
        50_000,
    ]
    assert app.award.conditions == "Credit the partnership"
    # Issued: the form is closed, and finance can download the letter.
    assert client.get(f"/admin/offer/{app.id}/").status_code == 302
    finance_client, _ = staff_client(Role.FINANCE)
    letter = finance_client.get(f"/admin/offer/{app.id}/letter.pdf")
    assert letter.status_code == 200 and letter.data.startswith(b"%PDF")
    jag_client, _ = staff_client(Role.JAG_MEMBER)
    assert jag_client.get(f"/admin/offer/{app.id}/letter.pdf").status_code == 403


# -- the Payments list ----------------------------------------------------------------------------------
def _paid_grants(make, session, count: int):
    finance = (make.finance(), make.finance())
    grants = []
    for n in range(count):
        app, _officer = delivering(make, amount_pence=40_000 + n)
        make.pay(app, 1, finance)
        grants.append(app)
    return grants, finance


def test_payments_list_filters_search_and_constant_queries(
    make, session, staff_client, steady_filter_options
):
    grants, (requester, _authoriser) = _paid_grants(make, session, 2)
    other_finance = make.finance()
    pending = delivering(make, amount_pence=30_000)[0]
    payments.request_payment(session, other_finance, pending.award.instalments[0])
    session.commit()
    client, _ = staff_client(Role.FINANCE)
    page = client.get("/admin/payment/").get_data(as_text=True)
    for app in grants + [pending]:
        assert app.reference in page
    by_state = client.get("/admin/payment/?flt1_state_equals=requested").get_data(as_text=True)
    assert pending.reference in by_state and grants[0].reference not in by_state
    by_requester = client.get(f"/admin/payment/?flt1_requested_by_equals={other_finance.id}").get_data(
        as_text=True
    )
    assert pending.reference in by_requester and grants[0].reference not in by_requester
    month = london_today().strftime("%Y-%m")
    assert grants[1].reference in client.get(f"/admin/payment/?flt1_month_is={month}").get_data(as_text=True)
    assert grants[1].reference not in client.get("/admin/payment/?flt1_month_is=2001-01").get_data(
        as_text=True
    )
    searched = client.get(f"/admin/payment/?search={grants[1].reference}").get_data(as_text=True)
    assert grants[1].reference in searched and grants[0].reference not in searched
    assert client.get("/admin/payment/?flt1_month_is=garbage&flt2_fund_equals=x").status_code == 200

    with counting_queries() as few:
        assert client.get("/admin/payment/").status_code == 200
    more_grants, _ = _paid_grants(make, session, 6)
    session.commit()
    with counting_queries() as many:
        assert client.get("/admin/payment/").status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_payments_csv_is_streamed_filtered_and_cannot_carry_formulas(make, session, staff_client):
    grants, _finance = _paid_grants(make, session, 2)
    grants[0].organisation.name = '=HYPERLINK("http://evil")'
    session.commit()
    client, _ = staff_client(Role.FINANCE)
    response = client.get("/admin/payment/export.csv")
    assert response.is_streamed and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\xef\xbb\xbf") == 1  # Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Grant", "Organisation", "Fund", "Instalment", "Amount (£)"]
    assert {r[0] for r in rows[1:]} == {g.reference for g in grants}
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "'=HYPERLINK" in response.get_data(as_text=True)
    filtered = client.get(f"/admin/payment/export.csv?search={grants[1].reference}").get_data(as_text=True)
    assert grants[1].reference in filtered and grants[0].reference not in filtered
    jag, _ = staff_client(Role.JAG_MEMBER)
    assert jag.get("/admin/payment/export.csv").status_code == 403


# -- the fund position --------------------------------------------------------------------------------
def test_fund_position_shows_each_figure_in_words_and_drills_down(make, session, staff_client):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    make.final_return(app, 40_000, officer)
    session.commit()
    client, _ = staff_client(Role.FINANCE)
    with counting_queries() as few:
        page = client.get("/admin/fund_position/").get_data(as_text=True)
    fund = app.fund
    # Settled at £400 of its £1,000 award, with £500 paid and £100 to come back: the grant holds the £500
    # paid out until the £100 is repaid, and nothing more will be paid, so £500 of its award is free.
    for label, amount in (
        ("Committed", "£500.00"),
        ("Paid", "£500.00"),
        ("Not yet paid", "£0.00"),
        ("Accepted spend", "£400.00"),
        ("Underspend (settled grants)", "£100.00"),
        ("Still owed to us", "£100.00"),
    ):
        assert re.search(
            rf"<th scope=\"row\">{re.escape(label)}</th><td class=\"text-right\">{re.escape(amount)}", page
        ), label
    # The bar says what it shows in words, not by colour alone.
    assert 'role="img" aria-label="Of the £50,000.00 budget: 1% paid, 0% committed and not yet paid' in page
    assert "Paid, less money repaid (solid)" in page and "Committed, not yet paid (striped)" in page
    drill = client.get(f"/admin/fund_position/{fund.id}/underspend").get_data(as_text=True)
    assert app.reference in drill and "£100.00" in drill
    assert client.get(f"/admin/fund_position/{fund.id}/nonsense").status_code == 404
    assert client.get("/admin/fund_position/99999/paid").status_code == 404
    delivering(make, amount_pence=70_000)
    make.pay(delivering(make, amount_pence=80_000)[0])
    session.commit()
    with counting_queries() as many:
        client.get("/admin/fund_position/")
    assert len(many) == len(few)


def test_the_underspend_drilldown_totals_the_underspend(make, session, staff_client):
    """The drill-down's total row adds up every column it shows, underspend included (it was blank)."""
    first, officer = delivering(make, amount_pence=100_000)
    make.pay(first)
    make.final_return(first, 40_000, officer)
    second, officer2 = delivering(make, amount_pence=60_000)
    make.pay(second)
    make.final_return(second, 20_000, officer2)
    session.commit()
    client, _ = staff_client(Role.FINANCE)
    drill = client.get(f"/admin/fund_position/{first.fund_id}/underspend").get_data(as_text=True)
    footer = drill[drill.index("<tfoot>") : drill.index("</tfoot>")]
    cells = re.findall(r'<td class="text-right">([^<]*)</td>', footer)
    # award, committed, paid, not yet paid, accepted spend, underspend, recovered, written off, owed
    # paid £500 + £600 (each grant's first instalment), spent £400 + £200: underspend £100 + £400; each
    # grant holds what it was paid until its underspend comes back, and nothing more is to be paid
    assert cells[:6] == ["£1,600.00", "£1,100.00", "£1,100.00", "£0.00", "£600.00", "£500.00"], cells
    # The committed drill-down adds up to the fund position's committed figure.
    committed = client.get(f"/admin/fund_position/{first.fund_id}/committed").get_data(as_text=True)
    total = re.findall(r'<td class="text-right">([^<]*)</td>', committed[committed.index("<tfoot>") :])[1]
    position = client.get("/admin/fund_position/").get_data(as_text=True)
    assert f'<th scope="row">Committed</th><td class="text-right">{total}</td>' in position


# -- garbage ------------------------------------------------------------------------------------------
FIELDS = (
    "paid_on",
    "payment_reference",
    "expected_version",
    "reason",
    "amount",
    "received_on",
    "reference",
    "conditions",
    "expires_on",
    "then",
    "instalment-1-amount",
    "instalment-1-trigger",
    "instalment-1-date",
    "instalment-2-amount",
    "instalment-2-trigger",
    "instalment-2-date",
)
NOISE = [
    "",
    "-5",
    "0",
    "1e9",
    "99999999999999999999",
    "£££",
    "2026-02-30",
    "31/12/2026",
    "<script>alert(1)</script>",
    "a\x00b",
    "=1+1",
    "\u200b\u202e",
    "x" * 6000,
    "on_date",
    "issue",
]


def _garbage():
    yield {}
    for n, value in enumerate(NOISE):
        yield {field: value for field in FIELDS}
        # and a mix: each field a different piece of noise
        yield {field: NOISE[(n + k) % len(NOISE)] for k, field in enumerate(FIELDS)}


def test_garbage_in_every_money_field_is_refused_without_a_500(make, session, staff_client):
    app, officer = delivering(make, amount_pence=100_000)
    requester, authoriser = make.finance(), make.finance()
    make.pay(app, 1, (requester, authoriser))
    make.final_return(app, 40_000, officer)
    pending_app, _o = delivering(make, amount_pence=60_000)
    pending = payments.request_payment(session, requester, pending_app.award.instalments[0])
    approved, _m, officer2 = make.approved(amount_pence=50_000)
    session.commit()
    recovery = app.recoveries[0]
    finance_client, _ = staff_client(user=authoriser)
    officer_client, _ = staff_client(user=officer2)
    posts = [
        (finance_client, f"/admin/payment/{pending.id}/authorise"),
        (finance_client, f"/admin/payment/{pending.id}/pay"),
        (finance_client, f"/admin/payment/{pending.id}/cancel"),
        (finance_client, f"/admin/payment/recovery/{recovery.id}/received"),
        (finance_client, "/admin/payment/request/999999999"),
        (officer_client, f"/admin/payment/recovery/{recovery.id}/write-off"),
        (officer_client, f"/admin/offer/{approved.id}/"),
    ]
    for data in _garbage():
        for client, url in posts:
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, data, response.status_code)
    for url in (
        "/admin/payment/?flt1_month_is=%00",
        "/admin/payment/?search=%00",
        "/admin/payment/export.csv?flt1_month_is=x&search=%00",
        "/admin/fund_position/1/%00",
        f"/admin/offer/{approved.id}/letter.pdf?x=%00",
    ):
        assert finance_client.get(url).status_code < 500, url
    session.expire_all()
    # No garbage paid anything, recorded money received or issued an offer. (Any text is a reason, so
    # noise may cancel the payment or write off the recovery: that is allowed, and audited.)
    assert session.get(Payment, pending.id).state in {"requested", "cancelled"}
    assert session.get(Payment, pending.id).paid_on is None
    assert recovery.receipts == []
    assert approved.state == "approved" and approved.award.instalments == []


def test_a_cancelled_payment_says_who_cancelled_it_when_and_why(make, session, staff_client):
    from grants_app.services import payments as payment_service

    app, _officer = delivering(make, amount_pence=100_000)
    client, finance = staff_client(Role.FINANCE)
    payment = payment_service.request_payment(session, make.finance(), app.award.instalments[0])
    fire(session, payment, "cancel", finance, reason="Bank details <changed>")
    session.commit()
    page = client.get(f"/admin/application/details/?id={app.id}").get_data(as_text=True)
    row = page[page.index(f'id="payment-{payment.id}"') :]
    row = row[: row.index("</tr>")]
    assert f'Cancelled<br><span class="small">by {finance.full_name}' in row
    assert "Bank details &lt;changed&gt;" in row  # the reason, escaped
