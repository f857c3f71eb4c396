"""The "Emails sent" list filter: sent, waiting (to be sent or retried), or given up."""

from __future__ import annotations

from flask_admin.contrib.sqla.filters import BaseSQLAFilter

from grants_app.models import OutboxEmail

OPTIONS = [("sent", "Sent"), ("waiting", "Waiting to be sent or retried"), ("gave_up", "Given up")]


class DeliveryFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        super().__init__(OutboxEmail.sent_at, "Delivery", options=OPTIONS)

    def validate(self, value) -> bool:
        return value in dict(OPTIONS)

    def apply(self, query, value, alias=None):
        if value == "sent":
            return query.filter(OutboxEmail.sent_at.is_not(None))
        if value == "gave_up":
            return query.filter(OutboxEmail.sent_at.is_(None), OutboxEmail.gave_up_at.is_not(None))
        return query.filter(OutboxEmail.sent_at.is_(None), OutboxEmail.gave_up_at.is_(None))

    def operation(self):
        return "is"
