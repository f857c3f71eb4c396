"""Staff sign-in: password check with lockout, and TOTP two-factor set-up and verification."""

from __future__ import annotations

import hmac
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from grants_app.dates import as_utc, format_datetime
from grants_app.models import User, utcnow
from grants_app.normalise import compact
from grants_app.passwords import hash_password, needs_rehash, verify_password
from grants_app.refusals import Refusal
from grants_app.services import audit

MAX_FAILED_ATTEMPTS = 5
LOCKOUT_MINUTES = 15
TOTP_ISSUER = "SoSafe Grants"
# One message for an unknown email and a wrong password, so the form does not reveal who has an account.
BAD_CREDENTIALS = "Enter a correct email address and password"


class SignInRefused(Refusal):
    """Sign-in was refused; the message is safe to show to the person signing in."""


@dataclass(frozen=True)
class PasswordOutcome:
    """What a correct password leads to: signed in, or a second step (code, or set up 2FA)."""

    user: User
    needs_two_factor: bool
    must_set_up_two_factor: bool


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether the account is locked after too many wrong passwords (until locked_until, UTC)."""
    return user.locked_until is not None and as_utc(user.locked_until) > (now or utcnow())


def check_password(
    session: Session, email: str, password: str, *, two_factor_roles: Collection[str]
) -> PasswordOutcome:
    """First step of staff sign-in. Counts failures; a locked account is refused even with the right password."""
    email = (email or "").strip().lower()
    if not email or not password:
        raise SignInRefused(BAD_CREDENTIALS)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.is_active or not user.is_staff or not user.password_hash:
        # Spend the same time hashing so the response time does not reveal who has an account.
        verify_password(_DUMMY_HASH, password)
        raise SignInRefused(BAD_CREDENTIALS)
    now = utcnow()
    if is_locked(user, now):
        raise SignInRefused(
            "This account is locked after too many failed sign-in attempts. "
            f"Try again after {format_datetime(user.locked_until)}, or ask an administrator to unlock it"
        )
    if not verify_password(user.password_hash, password):
        count_failure(session, user, reason="too many failed sign-in attempts")
        raise SignInRefused(BAD_CREDENTIALS)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until = None
    session.flush()
    return PasswordOutcome(
        user=user,
        needs_two_factor=bool(user.totp_secret),
        must_set_up_two_factor=user.has_role(*two_factor_roles) and not user.totp_secret,
    )


def record_sign_in(session: Session, user: User) -> None:
    """Note a completed staff sign-in: reset the failure count and stamp last_login_at."""
    user.last_login_at = utcnow()
    audit.record(session, user, "users", user.id, "sign_in")
    session.flush()


def _matching_step(secret: str, code: str, now: datetime | None = None) -> int | None:
    """The 30-second step (this one or either side, for clock drift) whose code this is, if any."""
    code = compact(code)
    if not (code.isascii() and code.isdigit()) or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def verify_totp(session: Session, user: User, code: str, now: datetime | None = None) -> bool:
    """Each code works once: a code already accepted (or an older one) is refused, so a code seen over
    someone's shoulder cannot be replayed, even by two requests sent at the same moment (the step is
    claimed with one conditional UPDATE). Flushes; the caller commits the step it used."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, now)
    if step is None:
        return False
    claimed = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.expire(user, ["totp_last_step"])
    return claimed == 1


def new_totp_secret() -> str:
    """A new random base32 TOTP secret."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def enable_totp(session: Session, user: User, secret: str, code: str) -> None:
    """Turn on two-factor once the person proves their authenticator app has the secret."""
    step = _matching_step(secret, code)
    if step is None:
        raise SignInRefused("Enter the 6-digit code shown in your authenticator app")
    user.totp_secret = secret
    user.totp_last_step = step  # the set-up code cannot then be used again to sign in
    session.flush()
    audit.record(session, user, "users", user.id, "two_factor_enabled")


def unlock(session: Session, actor: User, user: User) -> None:
    """An administrator unlocks an account and resets its failure count (audited)."""
    user.failed_login_count = 0
    user.locked_until = None
    session.flush()
    audit.record(session, actor, "users", user.id, "unlock")


_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$iuRUMgD77mo9ZUnW9wUB/g$FIXjv0T60K9img1MqslD7dw3HWtw9H9MDtJr/XsjQr0"  # noqa: S105
)


def record_failed_code(session: Session, user: User) -> None:
    """Wrong two-factor codes count towards the same lockout as wrong passwords."""
    count_failure(session, user, reason="too many wrong two-factor codes")


def count_failure(session: Session, user: User, *, reason: str) -> bool:
    """Add one failed attempt; the MAX_FAILED_ATTEMPTS-th locks the account for LOCKOUT_MINUTES.

    One UPDATE reads and writes the count, so attempts arriving at the same moment each count (the
    row lock makes them take turns; each sees the one before). Returns True when this attempt locked
    the account, which is then audited. Flushes; the caller commits.
    """
    next_count = User.failed_login_count + 1
    locks = next_count >= MAX_FAILED_ATTEMPTS
    count = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            failed_login_count=case((locks, 0), else_=next_count),
            locked_until=case(
                (locks, utcnow() + timedelta(minutes=LOCKOUT_MINUTES)), else_=User.locked_until
            ),
        )
        .returning(User.failed_login_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(user, ["failed_login_count", "locked_until"])
    locked = count == 0  # a failure leaves at least 1 unless it reached the limit and locked
    if locked:
        audit.record(session, user, "users", user.id, "locked", reason=reason)
        session.flush()
    return locked
