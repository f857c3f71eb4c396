"""The offer in the portal: the group reads it (schedules, conditions, the letter), accepts it as its
authorised signatory (name, role, confirmation) or declines with a reason; another organisation's
offer and letter are a 404; garbage never gives a 500 or accepts anything."""

from __future__ import annotations

import pytest

from grants_app.models import AuditEvent
from grants_app.workflow import fire
from tests.web.conftest import sign_in


@pytest.fixture
def offered(client, mailer, make, session):
    app, _meeting, officer = make.approved(amount_pence=245_050)
    app.award.conditions = "Send photographs with each return.\nCredit SoSafe on your leaflets."
    fire(session, app, "issue_offer", officer)
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    return app


def test_the_offer_page_shows_the_award_schedules_and_the_letter(client, offered):
    page = client.get(f"/applications/{offered.reference}/offer").text
    assert "£2,450.50" in page and "Two thousand four hundred and fifty pounds and fifty pence" in page
    # Each condition the officer wrote on its own line is its own paragraph.
    assert '<p class="govuk-body">Send photographs with each return.</p>' in page
    assert '<p class="govuk-body">Credit SoSafe on your leaflets.</p>' in page
    assert "When the offer is accepted" in page and "£1,225.25" in page  # the payment schedule
    assert "(final)" in page  # the monitoring schedule
    assert f"/applications/{offered.reference}/offer-letter.pdf" in page
    letter = client.get(f"/applications/{offered.reference}/offer-letter.pdf")
    assert (
        letter.status_code == 200 and letter.mimetype == "application/pdf" and letter.data.startswith(b"%PDF")
    )
    assert letter.headers["Cache-Control"] == "private, no-store"


def test_another_organisations_offer_and_letter_are_not_found(client, mailer, make, session, offered):
    stranger = make.user("applicant", email="stranger@elsewhere.example")
    make.organisation(stranger)
    session.commit()
    client.post("/sign-out")
    sign_in(client, mailer, stranger.email)
    assert client.get(f"/applications/{offered.reference}/offer").status_code == 404
    assert client.get(f"/applications/{offered.reference}/offer-letter.pdf").status_code == 404
    response = client.post(
        f"/applications/{offered.reference}/offer",
        data={"decision": "accept", "name": "Mallory", "role": "Chair", "confirm": "y"},
    )
    assert response.status_code == 404
    session.expire_all()
    assert offered.state == "offer_issued"


def test_there_is_no_letter_before_the_offer_is_issued(client, mailer, make, session):
    app, _meeting, _officer = make.approved()
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    assert client.get(f"/applications/{app.reference}/offer-letter.pdf").status_code == 404
    assert client.get("/applications/SOS-1999-9999/offer-letter.pdf").status_code == 404


def test_accepting_records_the_signatory_and_confirms_by_email(client, mailer, session, offered):
    response = client.post(
        f"/applications/{offered.reference}/offer",
        data={"decision": "accept", "name": "Pat Okoro", "role": "Treasurer", "confirm": "y"},
    )
    assert response.status_code == 302
    session.expire_all()
    award = offered.award
    assert offered.state == "offer_accepted"
    assert (award.accepted_by_name, award.accepted_by_role) == ("Pat Okoro", "Treasurer")
    assert award.accepted_at is not None
    event = session.query(AuditEvent).filter_by(entity_id=offered.id, trigger="accept_offer").one()
    assert event.data["inputs"]["accepted_by_role"] == "Treasurer"
    page = client.get(f"/applications/{offered.reference}").text
    assert "Accepted by Pat Okoro (Treasurer) on" in page and "offer-letter.pdf" in page
    subjects = [subject for _to, subject, _body in mailer.sent]
    assert f"You have accepted the grant offer for {offered.reference}" in subjects
    body = next(b for _t, s, b in mailer.sent if s.startswith("You have accepted"))
    assert "Pat Okoro (Treasurer)" in body and "first payment of £1,225.25" in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "<b>Kelly</b>", "The name of the person accepting must not contain HTML tags"),
        ("role", "<i>Chair</i>", "The role of the person accepting must not contain HTML tags"),
    ],
)
def test_a_signatory_with_markup_is_refused_by_the_field(client, session, offered, field, value, message):
    data = {"decision": "accept", "name": "Kelly Mensah", "role": "Chair", "confirm": "y", field: value}
    r = client.post(f"/applications/{offered.reference}/offer", data=data)
    assert r.status_code == 200 and message in r.text
    assert f'href="#{field}"' in r.text and f'id="{field}-error"' in r.text  # summary and by the field
    session.expire_all()
    assert offered.state == "offer_issued" and offered.award.accepted_at is None


def test_declining_needs_a_reason(client, session, offered):
    r = client.post(f"/applications/{offered.reference}/offer", data={"decision": "decline"})
    assert "Tell us why you are declining the offer" in r.text
    r = client.post(
        f"/applications/{offered.reference}/offer",
        data={"decision": "decline", "reason": "Venue fell through"},
    )
    assert r.status_code == 302
    session.expire_all()
    assert offered.state == "offer_declined"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"decision": "maybe"},
        {"decision": "accept", "name": "Pat", "role": "Chair"},  # not confirmed
        {"decision": "accept", "name": "x" * 201, "role": "Chair", "confirm": "y"},
        {"decision": "accept", "name": "Pat\x00", "role": "Chair", "confirm": "y"},
        {"decision": "accept", "name": "<script>alert(1)</script>", "role": "", "confirm": "y"},
        {"decision": "accept", "name": "Pat", "role": "\x07Chair", "confirm": "y"},
        {"decision": ["accept", "decline"], "name": "Pat", "role": "Chair"},
        {"decision": "decline", "reason": "x" * 5001},
    ],
)
def test_garbage_accepts_nothing_and_never_fails(client, session, offered, data):
    response = client.post(f"/applications/{offered.reference}/offer", data=data)
    assert response.status_code in (200, 400, 422)
    assert "<script>alert(1)</script>" not in response.text
    session.expire_all()
    assert offered.state == "offer_issued" and offered.award.accepted_at is None


def test_the_accepted_grants_page_shows_each_payment_with_its_bank_reference(client, mailer, make, session):
    from grants_app.dates import format_date, london_today
    from grants_app.services import payments as payment_service

    app, officer = make.in_delivery(amount_pence=100_000)
    first = make.pay(app)  # instalment 1, paid
    finance_a, finance_b = make.finance(), make.finance()
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}").text
    assert "Grant awarded" in page and "Grant offered" not in page
    table = page[page.index('id="payments"') : page.index("</table>", page.index('id="payments"'))]
    assert "Instalment 1 of 2" in table and "Instalment 2 of 2" in table
    assert (
        f"Paid on {format_date(london_today())}" in table
        and f"Bank reference: {first.payment_reference}" in table
    )
    assert "Not paid yet" in table
    # A payment being made shows where it has got to; a cancelled one is as if it had not been asked for.
    ret = app.monitoring_returns[0]
    make.file_return(app, ret, 10_000, officer)
    second = payment_service.request_payment(session, finance_a, app.award.instalments[1])
    session.commit()
    table = client.get(f"/applications/{app.reference}").text
    assert "Being checked" in table and "Not paid yet" not in table
    fire(session, second, "cancel", finance_b, reason="Wrong amount")
    session.commit()
    assert "Not paid yet" in client.get(f"/applications/{app.reference}").text


def test_before_the_offer_is_accepted_the_page_has_no_payments(client, offered):
    page = client.get(f"/applications/{offered.reference}").text
    assert 'id="payments"' not in page and "Grant offered" in page


def test_a_closed_grants_page_says_its_returns_and_payments_are_not_needed(client, mailer, make, session):
    from grants_app.dates import london_today
    from grants_app.services import recoveries

    app, officer = make.in_delivery(amount_pence=100_000)
    make.pay(app)
    fire(session, app, "suspend", officer, reason="Group folded")
    recoveries.raise_recovery(session, officer, app, amount_pence=50_000, reason="Unspent")
    recoveries.record_money_received(
        session,
        make.finance(),
        app.recoveries[0],
        amount_pence=50_000,
        received_on=london_today(),
        reference="IN",
    )
    fire(session, app, "close", officer)
    session.commit()
    sign_in(client, mailer, make.applicant_of(app).email)
    page = client.get(f"/applications/{app.reference}").text
    assert "we are reviewing it" not in page and "Nothing to send" in page
    table = page[page.index('id="payments"') : page.index("</table>", page.index('id="payments"'))]
    assert "Not paid: the grant is closed" in table and "Not paid yet" not in table
    ret = app.monitoring_returns[0]
    shown = client.get(f"/applications/{app.reference}/returns/{ret.id}").text
    assert "You have sent this return" not in shown and "This return is no longer needed" in shown
