"""Reminders, run daily from cron (`flask send-reminders`): the group hears 14 days before a monitoring
return is due and again when it is overdue; officers get a digest of overdue returns and payments waiting
for authorisation whenever there is something new in it.

Each reminder is claimed by inserting a row into reminders_sent, whose unique constraint (kind, subject,
due date) lets one insert win: a reminder whose row already exists is not sent again, whether it was
sent yesterday or by a second copy of the job running at this moment. Emails go through the outbox in
the same transaction, so a claimed reminder and its email commit (or roll back) together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload, selectinload

from grants_app.dates import format_date, to_london
from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    payment_states,
    return_states,
)
from grants_app.models import (
    Application,
    MonitoringReturn,
    Payment,
    ReminderKind,
    ReminderSent,
    Role,
    User,
    UserRole,
    utcnow,
)
from grants_app.money import format_pence
from grants_app.services.notifications import (
    application_recipients,
    email_context,
    partnership_name,
    return_link,
)
from grants_app.services.outbox import queue_email

REMIND_DAYS_BEFORE = 14
# Most items named in one digest; the rest are counted ("and 12 more").
DIGEST_LIMIT = 50
# Any fixed number: the key of the PostgreSQL advisory lock that makes two runs take turns.
_LOCK_KEY = 80_550_501


@dataclass
class DigestItem:
    """One line of the officers' digest, and whether it is new since the last digest."""

    text: str
    new: bool


@dataclass
class ReminderReport:
    """What one run sent: reminders to groups (each may go to several addresses) and officers' digests."""

    due_soon: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    digest_recipients: int = 0
    digest_new_items: int = 0

    @property
    def sent_anything(self) -> bool:
        return bool(self.due_soon or self.overdue or self.digest_recipients)


def _take_turns(session: Session) -> None:
    """On PostgreSQL, runs take turns (a lock held until this transaction ends): a second run starts
    after the first has committed, and finds everything already claimed. SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _claim(session: Session, kind: ReminderKind, subject_id: int, about: str, recipients: int) -> bool:
    """Record that this reminder is being sent; False if it already was (so it must not be sent)."""
    table = ReminderSent.__table__
    values = {
        "kind": kind,
        "subject_id": subject_id,
        "about": about,
        "recipients": recipients,
        "sent_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["kind", "subject_id", "about"])
            .returning(table.c.id)
        )
        return session.execute(stmt).first() is not None
    exists = session.execute(
        select(table.c.id).where(
            table.c.kind == kind, table.c.subject_id == subject_id, table.c.about == about
        )
    ).first()
    if exists:
        return False
    session.execute(table.insert().values(**values))
    return True


def _outstanding_returns(session: Session, today: date) -> list[MonitoringReturn]:
    """Returns not yet sent (or sent back with a question) of grants still running: those due within the
    reminder window or already overdue, and those waiting for an answer to our question."""
    return list(
        session.execute(
            select(MonitoringReturn)
            .join(Application, Application.id == MonitoringReturn.application_id)
            .where(
                MonitoringReturn.state.in_(return_states(ReturnTag.OUTSTANDING)),
                or_(
                    MonitoringReturn.due_on <= today + timedelta(days=REMIND_DAYS_BEFORE),
                    MonitoringReturn.state.in_(return_states(ReturnTag.QUERY_OPEN)),
                ),
                Application.state.not_in(application_states(ApplicationTag.TERMINAL)),
            )
            .options(
                joinedload(MonitoringReturn.application).joinedload(Application.organisation),
                selectinload(MonitoringReturn.queries),
            )
            .order_by(MonitoringReturn.due_on, MonitoringReturn.id)
        ).scalars()
    )


def _payments_waiting(session: Session) -> list[Payment]:
    return list(
        session.execute(
            select(Payment)
            .where(Payment.state.in_(payment_states(PaymentTag.AWAITING_AUTHORISATION)))
            .options(joinedload(Payment.application), joinedload(Payment.requested_by))
            .order_by(Payment.id)
        ).scalars()
    )


def officer_emails(session: Session) -> list[str]:
    """The email addresses of every active grants officer."""
    return list(
        session.execute(
            select(User.email)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.OFFICER, User.is_active.is_(True))
            .order_by(User.email)
        ).scalars()
    )


def _remind_group(
    session: Session, settings: Any, ret: MonitoringReturn, kind: ReminderKind, about: str, today: date
) -> bool:
    app = ret.application
    recipients = application_recipients(session, app)
    if not recipients or not _claim(session, kind, ret.id, about, len(recipients)):
        return False
    query = ret.open_query
    queue_email(
        session,
        recipients,
        "return_overdue" if kind == ReminderKind.RETURN_OVERDUE else "return_due_soon",
        **email_context(session, settings, app),
        period=ret.period_label,
        due_on=ret.due_on,
        days_left=(ret.due_on - today).days,
        return_link=return_link(settings, ret),
        query=query.question if query is not None else "",
        asked_on=query.asked_at if query is not None else None,
    )
    return True


def answer_due_on(ret: MonitoringReturn) -> date | None:
    """When the answer to our open question on a return is due: REMIND_DAYS_BEFORE days after we asked."""
    query = ret.open_query
    if query is None:
        return None
    return to_london(query.asked_at).date() + timedelta(days=REMIND_DAYS_BEFORE)


def _lines(items: Iterable[DigestItem]) -> tuple[list[DigestItem], int]:
    items = list(items)
    return items[:DIGEST_LIMIT], max(len(items) - DIGEST_LIMIT, 0)


def send_reminders(session: Session, actor: Any, today: date, settings: Any = None) -> ReminderReport:
    """Queue today's reminders in the outbox (the caller commits; emails are sent after the commit).

    To the group (the organisation's contact and members), once per return and due date: 14 days or
    less before a return is due, and when it is past its due date (an overdue return that never had the
    first reminder gets only the second); for a return sent back with our question, once when the answer
    is 14 days late. To every active officer: a digest of all overdue returns and
    payments waiting for authorisation, sent only when at least one of them has not been in a digest
    before (those are marked new). `actor` is the system actor of the job; `today` the Europe/London
    date. Safe to run twice, or twice at once: a reminder already claimed is never sent again.
    """
    _take_turns(session)
    report = ReminderReport()
    returns = _outstanding_returns(session, today)
    for ret in returns:
        name = f"{ret.application.reference} {ret.period_label}"
        answer_due = answer_due_on(ret)
        if answer_due is not None:
            # Sent back with our question: the group was emailed it then, and is reminded once if the
            # answer is late (a new question is a new reminder).
            if answer_due < today and _remind_group(
                session, settings, ret, ReminderKind.RETURN_OVERDUE, f"query-{ret.open_query.id}", today
            ):
                report.overdue.append(f"{name} (our question is unanswered)")
            continue
        about = ret.due_on.isoformat()
        if ret.due_on < today:
            if _remind_group(session, settings, ret, ReminderKind.RETURN_OVERDUE, about, today):
                report.overdue.append(name)
        elif _remind_group(session, settings, ret, ReminderKind.RETURN_DUE_SOON, about, today):
            report.due_soon.append(name)

    officers = officer_emails(session)
    if not officers:
        return report
    overdue_items = []
    for ret in (r for r in returns if r.due_on < today):
        new = _claim(
            session, ReminderKind.DIGEST_OVERDUE_RETURN, ret.id, ret.due_on.isoformat(), len(officers)
        )
        app = ret.application
        asked = f", queried {format_date(ret.open_query.asked_at)}" if ret.open_query is not None else ""
        overdue_items.append(
            DigestItem(
                f"{app.reference} {app.title} ({app.organisation.name}): {ret.period_label}, "
                f"due {format_date(ret.due_on)}{asked}",
                new,
            )
        )
    payment_items = []
    for payment in _payments_waiting(session):
        new = _claim(session, ReminderKind.DIGEST_PAYMENT_WAITING, payment.id, "", len(officers))
        requester = payment.requested_by.full_name if payment.requested_by else "finance"
        payment_items.append(
            DigestItem(
                f"{payment.application.reference} {payment.application.title}: "
                f"{format_pence(payment.amount_pence)}, requested by {requester}",
                new,
            )
        )
    new_items = sum(1 for item in overdue_items + payment_items if item.new)
    if not new_items:
        return report
    returns_shown, returns_more = _lines(overdue_items)
    payments_shown, payments_more = _lines(payment_items)
    base = getattr(settings, "public_base_url", "http://127.0.0.1:5000")
    queue_email(
        session,
        officers,
        "officer_digest",
        today=today,
        returns=returns_shown,
        returns_more=returns_more,
        payments=payments_shown,
        payments_more=payments_more,
        new_items=new_items,
        returns_link=f"{base}/admin/returns/?flt0_show_equals=overdue",
        dashboard_link=f"{base}/admin/",
        partnership=partnership_name(session),
    )
    report.digest_recipients = len(officers)
    report.digest_new_items = new_items
    return report
