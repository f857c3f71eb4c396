"""Signing applicants in with a single-use email link (a "magic link").

Only a hash of each token is stored. A link works once, for `magic_link_minutes`, and asking for a new
link cancels the old ones. The caller shows the same message whether or not the address is known.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from grants_app.dates import as_utc
from grants_app.models import LoginToken, Role, User, utcnow
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.locks import lock_name
from grants_app.services.notifications import partnership_name
from grants_app.services.outbox import queue_email

MAX_LINKS_PER_ADDRESS_PER_HOUR = 5


class SignInError(Refusal):
    """The link cannot be used; the message says why, for the person holding it."""


class TooManyRequests(SignInError):
    """Too many links asked for one address recently."""


def normalise_email(raw: str) -> str:
    """A lower-cased, syntactically valid address, or ValueError with a GOV.UK-style message."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("Enter your email address")
    if len(text) > 254:
        raise ValueError("Email address must be 254 characters or fewer")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError("Enter an email address in the correct format, like name@example.com") from exc
    return result.normalized.lower()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def placeholder_name(email: str) -> str:
    """The name a new account starts with, until the person is named: the address before the @."""
    return email.split("@")[0][:200]


def request_link(session: Session, email: str, *, ip: str, settings: Any) -> None:
    """Queue a sign-in email for `email` (already normalised). Raises TooManyRequests.

    Requests for one address take turns (a lock on the address until commit), so "a new link cancels
    the older ones" and "five links an hour" hold when several arrive at the same moment.
    """
    lock_name(session, "sign-in-link", email)
    now = utcnow()
    recent = session.execute(
        select(func.count())
        .select_from(LoginToken)
        .where(LoginToken.email == email, LoginToken.created_at >= now - timedelta(hours=1))
    ).scalar_one()
    if recent >= MAX_LINKS_PER_ADDRESS_PER_HOUR:
        raise TooManyRequests(
            "You have asked for too many sign-in links. Wait an hour, then try again, "
            "or use the most recent link we sent you."
        )
    session.execute(
        update(LoginToken)
        .where(LoginToken.email == email, LoginToken.used_at.is_(None), LoginToken.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    base = getattr(settings, "public_base_url", "http://127.0.0.1:5000")
    if user is not None and not user.is_active:
        return  # a closed account gets no link; the page says the same as for any address
    if user is not None and user.is_staff:
        # Staff use a password and two-factor sign-in; an email link must never bypass that.
        queue_email(
            session, email, "sign_in_staff", admin_link=f"{base}/admin", partnership=partnership_name(session)
        )
        return
    token = secrets.token_urlsafe(32)
    minutes = getattr(settings, "magic_link_minutes", 15)
    session.add(
        LoginToken(
            email=email,
            token_hash=_hash(token),
            # From a header when behind a proxy: only printable characters are kept (no NUL).
            requested_ip="".join(ch for ch in (ip or "") if ch.isprintable())[:64],
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    queue_email(
        session,
        email,
        "sign_in_link",
        link=f"{base}/sign-in/{token}",
        minutes=minutes,
        partnership=partnership_name(session),
    )
    session.flush()


def check_link(session: Session, token: str) -> LoginToken:
    """The unused, unexpired token row for `token`, or SignInError."""
    if not token or len(token) > 200:
        raise SignInError("This sign-in link is not valid. Ask for a new one.")
    row = session.execute(
        select(LoginToken).where(LoginToken.token_hash == _hash(token))
    ).scalar_one_or_none()
    if row is None:
        raise SignInError("This sign-in link is not valid. Ask for a new one.")
    if row.used_at is not None:
        raise SignInError("This sign-in link has already been used. Ask for a new one.")
    if row.cancelled_at is not None:
        raise SignInError("This sign-in link has been replaced by a newer one. Use the latest email we sent.")
    if as_utc(row.expires_at) < utcnow():
        raise SignInError("This sign-in link has expired. Links work for 15 minutes. Ask for a new one.")
    return row


def redeem_link(session: Session, token: str) -> User:
    """Use the link once: returns the applicant, creating their account on their first sign-in."""
    row = check_link(session, token)
    now = utcnow()
    # A conditional update, so two clicks racing on the same link cannot both succeed.
    claimed = session.execute(
        update(LoginToken)
        .where(LoginToken.id == row.id, LoginToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise SignInError("This sign-in link has already been used. Ask for a new one.")
    user = session.execute(select(User).where(User.email == row.email)).scalar_one_or_none()
    if user is None:
        user = User(email=row.email, full_name=placeholder_name(row.email))
        user.grant(Role.APPLICANT)
        session.add(user)
        session.flush()
        audit.record(session, user, "user", user.id, "create", data={"via": "email sign-in link"})
    elif user.is_staff or not user.is_active:
        raise SignInError("This sign-in link is not valid. Ask for a new one.")
    elif not user.has_role(Role.APPLICANT):
        user.grant(Role.APPLICANT)
    user.last_login_at = now
    session.flush()
    return user
