"""The "Emails sent" screen: what the sender gave up on is shown, and officer or admin send it again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants_app.models import AuditEvent, OutboxEmail, Role, utcnow
from grants_app.services.outbox import MAX_ATTEMPTS
from tests.services.test_outbox_sender import queue


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officer_sees_what_was_given_up_and_sends_it_again(app, session, staff_client, mailer, role):
    (address,) = queue(session, 1)
    email = session.execute(select(OutboxEmail)).scalar_one()
    email.attempts = MAX_ATTEMPTS
    email.gave_up_at = utcnow()
    email.last_error = "SMTPRecipientsRefused: mailbox full"
    session.commit()
    client, user = staff_client(Role(role))
    if role == "officer":
        dashboard = client.get("/admin/").get_data(as_text=True)
        assert "1 email could not be sent" in dashboard
    listing = client.get("/admin/outbox/?flt0_delivery_is=gave_up").get_data(as_text=True)
    assert address in listing and "gave up after 12 attempts" in listing
    assert "mailbox full" in listing

    response = client.post("/admin/outbox/action/", data={"action": "send_again", "rowid": [str(email.id)]})
    assert response.status_code == 302
    assert [to for to, _s, _b in mailer.sent] == [address]  # development sends straight after commit
    session.expire_all()
    assert email.sent_at is not None and email.gave_up_at is None
    event = session.execute(select(AuditEvent).where(AuditEvent.action == "send_again")).scalar_one()
    assert event.actor_id == user.id and event.entity_id == email.id and event.data["to"] == address

    # An email already sent is not sent twice by a second click.
    client.post("/admin/outbox/action/", data={"action": "send_again", "rowid": [str(email.id)]})
    assert len(mailer.sent) == 1


def test_roles_without_the_emails_screen_cannot_send_again(app, session, staff_client, mailer):
    queue(session, 1)
    email = session.execute(select(OutboxEmail)).scalar_one()
    email.gave_up_at = utcnow()
    session.commit()
    client, _user = staff_client(Role.FINANCE)
    response = client.post("/admin/outbox/action/", data={"action": "send_again", "rowid": [str(email.id)]})
    assert response.status_code == 403
    assert mailer.sent == []
