"""Queue emails inside the caller's transaction; a sender claims, sends and retries them later.

The request that decides something only adds rows here (in its own transaction). A sender
(grants_app/outbox_sender.py: `flask outbox work` in production) claims due rows, sends them outside
any transaction, and records the result: each email goes once, a failure waits longer each time
(retry_delay) and after MAX_ATTEMPTS the row stays visible in the admin to be sent again.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from grants_app.config import PROJECT_ROOT
from grants_app.dates import as_utc, format_date, format_datetime
from grants_app.models import OutboxEmail, utcnow
from grants_app.money import format_pence
from grants_app.services import audit

MAX_ATTEMPTS = 12
FIRST_RETRY_DELAY = timedelta(minutes=1)
LONGEST_RETRY_DELAY = timedelta(hours=2)
# Longer than a batch of sends can take with the SMTP timeout (a few seconds per network step).
LEASE = timedelta(minutes=15)

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


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: 1 minute, doubling, at most 2 hours.

    With MAX_ATTEMPTS = 12 a sender keeps trying for about ten hours (see GIVE_UP_AFTER), so an SMTP
    outage of minutes or an hour costs a delay, never an email.
    """
    exponent = min(max(attempts, 1) - 1, 20)
    return min(FIRST_RETRY_DELAY * (2**exponent), LONGEST_RETRY_DELAY)


GIVE_UP_AFTER = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())


def _due(now: datetime):
    return (
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.gave_up_at.is_(None),
        OutboxEmail.next_attempt_at <= now,
        or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until < now),
    )


def claim_due(
    session: Session, *, now: datetime | None = None, limit: int = 10, lease: timedelta = LEASE
) -> tuple[str, list[OutboxEmail]]:
    """Claim up to `limit` emails that are due, for one sender: (claim token, the claimed rows).

    Counts the attempt at the claim, so a sender that dies mid-send still uses one up. On PostgreSQL
    the rows are picked with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent senders take different
    rows without waiting; elsewhere one conditional UPDATE claims them (SQLite has a single writer).
    A claim ends at `lease`: another sender may then take the row. Flushes; the caller commits the
    claim before sending, so no transaction is held open while talking to the mail server.
    """
    session.flush()  # rows queued in this session get their next_attempt_at before `now` is taken
    now = now or utcnow()
    token = secrets.token_hex(16)
    claim = {
        "claim_token": token,
        "claimed_until": now + lease,
        "attempts": OutboxEmail.attempts + 1,
    }
    pick = select(OutboxEmail.id).where(*_due(now)).order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
    if session.get_bind().dialect.name == "postgresql":
        ids = session.execute(pick.limit(limit).with_for_update(skip_locked=True)).scalars().all()
        if not ids:
            return token, []
        target = update(OutboxEmail).where(OutboxEmail.id.in_(ids))
    else:
        target = update(OutboxEmail).where(
            OutboxEmail.id.in_(pick.limit(limit).scalar_subquery()), *_due(now)
        )
    session.execute(target.values(**claim).execution_options(synchronize_session=False))
    claimed = session.execute(
        select(OutboxEmail)
        .where(OutboxEmail.claim_token == token)
        .order_by(OutboxEmail.id)
        .execution_options(populate_existing=True)
    ).scalars()
    return token, list(claimed)


def record_sent(session: Session, email_id: int, token: str, *, now: datetime | None = None) -> bool:
    """Mark the email sent, if this sender still holds it. Flushes; the caller commits."""
    done = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token)
        .values(sent_at=now or utcnow(), claim_token=None, claimed_until=None, last_error="")
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def record_failure(
    session: Session, email_id: int, token: str, error: str, *, now: datetime | None = None
) -> bool:
    """Keep the error and schedule the next attempt (retry_delay), or give up after MAX_ATTEMPTS.

    Returns True when this was the last attempt. Flushes; the caller commits.
    """
    now = now or utcnow()
    attempts = session.execute(
        select(OutboxEmail.attempts).where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token)
    ).scalar_one_or_none()
    if attempts is None:  # the lease ran out and another sender has the row now
        return False
    last = attempts >= MAX_ATTEMPTS
    session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token)
        .values(
            claim_token=None,
            claimed_until=None,
            last_error=error[:2000],
            next_attempt_at=now + retry_delay(attempts),
            gave_up_at=now if last else None,
        )
        .execution_options(synchronize_session=False)
    )
    return last


def send_again(session: Session, actor: Any, email_ids: Iterable[int]) -> tuple[int, int]:
    """Queue unsent emails again with a fresh set of attempts (a person chose "send again").

    Returns (queued, refused): emails already sent, or being sent right now, are left as they are.
    Each queued email gets an audit event. Flushes; the caller commits.
    """
    now = utcnow()
    ids = sorted(set(email_ids))
    emails = session.execute(select(OutboxEmail).where(OutboxEmail.id.in_(ids))).scalars().all()
    queued = 0
    for email in emails:
        claimed = email.claimed_until is not None and as_utc(email.claimed_until) > now
        if email.sent_at is not None or claimed:
            continue
        done = session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email.id, OutboxEmail.sent_at.is_(None))
            .values(gave_up_at=None, attempts=0, next_attempt_at=now, claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            continue
        audit.record(
            session,
            actor,
            "outbox_emails",
            email.id,
            "send_again",
            data={"to": email.to_address, "subject": email.subject, "attempts_before": email.attempts},
        )
        queued += 1
    session.flush()
    for email in emails:  # the UPDATEs above bypassed them
        session.expire(email)
    return queued, len(ids) - queued


def status_of(email: OutboxEmail, now: datetime | None = None) -> str:
    """A sentence for the officer: sent, being sent, waiting to retry (when), or given up."""
    now = now or utcnow()
    if email.sent_at is not None:
        return f"Sent {format_datetime(email.sent_at)}"
    if email.gave_up_at is not None:
        return f"Not sent: gave up after {email.attempts} attempts. Choose send again"
    if email.claimed_until is not None and as_utc(email.claimed_until) > now:
        return "Being sent now"
    if email.attempts:
        return f"Not sent yet: will try again {format_datetime(email.next_attempt_at)}"
    return "Waiting to be sent"
