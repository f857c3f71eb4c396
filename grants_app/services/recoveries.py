"""Recoveries: money asked back from a group (an underspend at settlement, or misuse), the money
finance receives against them (part payments allowed, never more than is owed), and what the officer
writes off with a reason. The grant closes, through the workflow, once nothing is owed."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy.orm import Session

from grants_app.dates import format_date, format_datetime, london_today, to_london
from grants_app.models import Application, AuditEvent, Recovery, Repayment, Role, User, utcnow
from grants_app.money import format_pence
from grants_app.refusals import AlreadyDone, Refusal
from grants_app.services import audit
from grants_app.services.fund_budget import lock_application
from grants_app.workflow import fire

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./&-]{0,99}$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def received_pence(recovery: Recovery) -> int:
    """Money received back against this recovery so far, in pence."""
    return sum(r.amount_pence for r in recovery.receipts)


def owed_pence(recovery: Recovery) -> int:
    """What is still owed on this recovery: its amount less money received and written off."""
    return recovery.amount_pence - received_pence(recovery) - recovery.written_off_pence


def raise_recovery(
    session: Session,
    actor: User,
    application: Application,
    *,
    amount_pence: int,
    reason: str,
    due_on: date | None = None,
    expected_version: int | None = None,
) -> AuditEvent:
    """Ask the group for money back (for misuse, or spend found ineligible): the workflow's
    demand_repayment (no more than was paid and not already asked back; the group is emailed)."""
    return fire(
        session,
        application,
        "demand_repayment",
        actor,
        expected_version=expected_version,
        amount_pence=amount_pence,
        reason=reason,
        due_on=due_on,
    )


def _lock_recovery(session: Session, recovery: Recovery) -> Recovery:
    """Lock the grant's row, then read the recovery's money afresh (another finance user may have
    just recorded a payment against it)."""
    lock_application(session, recovery.application_id)
    session.refresh(recovery)
    session.refresh(recovery, ["receipts"])
    return recovery


def record_money_received(
    session: Session,
    actor: User,
    recovery: Recovery,
    *,
    amount_pence: int | None,
    received_on: date | None,
    reference: str,
    today: date | None = None,
    receipts_seen: int | None = None,
) -> Repayment:
    """Finance records money (pence) received against a recovery on `received_on` (a Europe/London
    date), with the bank reference. Part payments are allowed; never more than is still owed.

    `receipts_seen` is how many receipts the recovery had when the form was shown: if one has been
    recorded since (the same form sent twice, or a colleague a moment before), AlreadyDone says which,
    by whom and when, and nothing is recorded again.

    Refusal if the actor is not finance, the amount is not more than £0 or is more than is owed, the
    date is in the future or before the recovery was raised, or the reference is not 1 to 100 letters,
    digits, spaces or . / & -."""
    if not actor.has_role(Role.FINANCE):
        raise Refusal("Only finance users can record money received")
    today = today or london_today()
    recovery = _lock_recovery(session, recovery)
    if receipts_seen is not None and len(recovery.receipts) > receipts_seen:
        latest = max(recovery.receipts, key=lambda r: r.id)
        raise AlreadyDone(
            f"{format_pence(latest.amount_pence)} received on {format_date(latest.received_on)} (reference "
            f"{latest.reference}) was recorded by {latest.recorded_by.full_name} at "
            f"{format_datetime(latest.recorded_at)}, after this page was opened: nothing was recorded "
            "again. If more money has come in, record it now."
        )
    owed = owed_pence(recovery)
    errors: dict[str, str] = {}
    if owed <= 0:
        raise Refusal("Nothing is owed on this recovery: it has been received or written off in full")
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence <= 0:
        errors["amount"] = "Enter the amount received, more than £0"
    elif amount_pence > owed:
        errors["amount"] = (
            f"{format_pence(amount_pence)} is more than the {format_pence(owed)} still owed on this recovery"
        )
    raised_on = to_london(recovery.raised_at).date()
    if received_on is None:
        errors["received_on"] = "Enter the date the money was received"
    elif received_on > today:
        errors["received_on"] = "The date received cannot be in the future"
    elif received_on < raised_on:
        errors["received_on"] = (
            f"The date received cannot be before the recovery was raised ({format_date(raised_on)})"
        )
    text = (reference or "").strip()
    if not REFERENCE.match(text):
        errors["reference"] = "Enter the bank reference: up to 100 letters, numbers, spaces or . / & -"
    if errors:
        raise Refusal(errors=errors)
    receipt = Repayment(
        application_id=recovery.application_id,
        amount_pence=amount_pence,
        received_on=received_on,
        reference=text,
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
    )
    recovery.receipts.append(receipt)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        recovery.application_id,
        "money_received",
        data={
            "recovery": recovery.id,
            "amount_pence": amount_pence,
            "received_on": received_on,
            "reference": text,
            "still_owed_pence": owed - amount_pence,
        },
    )
    return receipt


def write_off(session: Session, actor: User, recovery: Recovery, *, reason: str) -> Recovery:
    """The officer writes off what is still owed on a recovery, with a reason (audited). Refusal if the
    actor is not the officer, nothing is owed, or the reason is missing, longer than 5,000 characters
    or holds control characters."""
    if not actor.has_role(Role.OFFICER):
        raise Refusal("Only the grants officer can write off money owed")
    text = (reason or "").replace("\r\n", "\n").strip()
    if not text:
        raise Refusal("Enter why the money cannot be recovered", field="reason")
    if len(text) > 5000:
        raise Refusal("The reason must be 5,000 characters or fewer", field="reason")
    if CONTROL.search(text):
        raise Refusal("The reason must not contain special control characters", field="reason")
    recovery = _lock_recovery(session, recovery)
    owed = owed_pence(recovery)
    if owed <= 0:
        raise Refusal("Nothing is owed on this recovery: there is nothing to write off")
    recovery.written_off_pence += owed
    recovery.write_off_reason = text
    recovery.written_off_by_id = actor.id
    recovery.written_off_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        recovery.application_id,
        "write_off",
        reason=text,
        data={"recovery": recovery.id, "amount_pence": owed},
    )
    return recovery


def close_grant(
    session: Session, actor: User, application: Application, *, expected_version: int | None = None
) -> AuditEvent:
    """Close the grant through the workflow (guards: nothing in progress, nothing owed either way)."""
    return fire(session, application, "close", actor, expected_version=expected_version)
