"""Queue emails inside the caller's transaction; deliver them after it commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.config import PROJECT_ROOT
from grants_app.dates import format_date, format_datetime
from grants_app.models import OutboxEmail, utcnow
from grants_app.money import format_pence

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5

_env = Environment(
    loader=FileSystemLoader(Path(PROJECT_ROOT) / "templates" / "emails"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters.update(pence=format_pence, date=format_date, datetime=format_datetime)


class Mailer(Protocol):
    """A transport: console, memory (tests) or SMTP."""

    def send(self, to: str, subject: str, body: str) -> None: ...


def render_email(template: str, **context: Any) -> tuple[str, str]:
    """Templates start with a 'Subject: ...' line, then a blank line, then the body."""
    text = _env.get_template(f"{template}.txt").render(**context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError(f"email template {template} must start with 'Subject: '")
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n")


def queue_email(
    session: Session, to: str | Iterable[str], template: str, **context: Any
) -> list[OutboxEmail]:
    """Render `template` with `context` and queue one email per distinct address in the caller's
    transaction; it is sent after the commit."""
    recipients = [to] if isinstance(to, str) else list(dict.fromkeys(a for a in to if a))
    subject, body = render_email(template, **context)
    emails = [
        OutboxEmail(to_address=address, subject=subject, body_text=body, template=template)
        for address in recipients
    ]
    session.add_all(emails)
    return emails


def deliver_pending(session: Session, mailer: Mailer, *, limit: int = 100) -> int:
    """Send queued emails; a failure is recorded and retried later, never lost. Caller commits."""
    pending = (
        session.execute(
            select(OutboxEmail)
            .where(OutboxEmail.sent_at.is_(None), OutboxEmail.attempts < MAX_ATTEMPTS)
            .order_by(OutboxEmail.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    sent = 0
    for email in pending:
        email.attempts += 1
        try:
            mailer.send(email.to_address, email.subject, email.body_text)
        except Exception as exc:  # noqa: BLE001 - any transport failure is recorded for a retry
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("email %s to %s failed: %s", email.id, email.to_address, exc)
            continue
        email.sent_at = utcnow()
        email.last_error = ""
        sent += 1
    session.flush()
    return sent
