"""Offers: the officer prepares one from the approval (conditions, payment schedule, the date to accept
by), the workflow issues it; offers nobody accepted in time lapse (a daily job, run as the system)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from grants_app.dates import format_date, london_today
from grants_app.lifecycle import ApplicationTag, application_states, has_tag
from grants_app.models import Application, Award, Fund, Instalment, InstalmentTrigger, Role, User
from grants_app.money import format_pence
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.monitoring import monitoring_schedule
from grants_app.services.text_checks import normalise, text_problem
from grants_app.workflow import fire

MAX_INSTALMENTS = 6
# How far ahead the officer may set the date to accept by.
MAX_ACCEPTANCE_DAYS = 180
MAX_CONDITIONS = 5000


@dataclass(frozen=True)
class InstalmentInput:
    """One row of the schedule as the officer entered it: amount in pence, what makes it due
    (an InstalmentTrigger value) and, for ON_DATE, the date (Europe/London)."""

    amount_pence: int | None
    trigger: str
    due_on: date | None = None


def default_instalments(fund: Fund, award_pence: int) -> list[Instalment]:
    """The fund's default schedule for an award of `award_pence`: all when the offer is accepted if the
    award is below fund.single_payment_below_pence; otherwise half then and half after the first
    accepted monitoring return, an odd penny going to the first instalment. Always adds up to the award."""
    if award_pence < fund.single_payment_below_pence or award_pence < 2:
        return [Instalment(position=1, amount_pence=award_pence, due_trigger=InstalmentTrigger.ON_ACCEPTANCE)]
    second = award_pence // 2
    return [
        Instalment(
            position=1, amount_pence=award_pence - second, due_trigger=InstalmentTrigger.ON_ACCEPTANCE
        ),
        Instalment(
            position=2, amount_pence=second, due_trigger=InstalmentTrigger.AFTER_FIRST_ACCEPTED_RETURN
        ),
    ]


def split_pence(total: int, parts: int) -> list[int]:
    """`total` pence in `parts` whole-penny amounts that add up to it, the odd pence going to the first:
    split_pence(1001, 2) == [501, 500]."""
    if parts < 1:
        raise ValueError("parts must be at least 1")
    share, rest = divmod(total, parts)
    return [share + rest] + [share] * (parts - 1)


@dataclass
class OfferDraft:
    """What the officer sees on the "prepare the offer" page: the award, its conditions, the schedule
    (the saved one, or the fund's default), and the date to accept by."""

    application: Application
    award: Award
    instalments: list[Instalment]
    expires_on: date
    is_default_schedule: bool
    monitoring: list[tuple[str, date, bool]] = field(default_factory=list)


def offer_draft(application: Application, today: date) -> OfferDraft:
    """The offer as it stands for `application` (which must have an award), for the prepare page and
    the offer letter. Builds nothing in the database."""
    award = application.award
    saved = list(award.instalments)
    expires_on = award.offer_expires_on or today + timedelta(days=application.fund.offer_valid_days)
    start, end = project_dates(application, today)
    return OfferDraft(
        application=application,
        award=award,
        instalments=saved or default_instalments(application.fund, award.amount_pence),
        expires_on=expires_on,
        is_default_schedule=not saved,
        monitoring=monitoring_periods(start, end),
    )


def monitoring_periods(start: date, end: date) -> list[tuple[str, date, bool]]:
    """The monitoring schedule (services.monitoring.monitoring_schedule) for a project from `start` to
    `end`, as (label, due date, is final) whichever shape that function gives its periods in."""
    periods = []
    for item in monitoring_schedule(start, end):
        if isinstance(item, tuple):
            periods.append((str(item[0]), item[1], bool(item[2])))
        else:
            label = getattr(item, "label", None) or getattr(item, "period_label", "")
            periods.append((str(label), item.due_on, bool(getattr(item, "is_final", False))))
    return periods


def project_dates(application: Application, today: date) -> tuple[date, date]:
    """The project's start and end dates for its monitoring schedule (the fund's year if not given)."""
    start = application.start_date or today
    end = application.end_date or application.fund.year_ends_on
    return start, max(end, start)


def check_schedule(
    application: Application, rows: list[InstalmentInput], today: date
) -> list[tuple[int, InstalmentTrigger, date | None]]:
    """The rows as (amount pence, trigger, date), checked: one to MAX_INSTALMENTS instalments, each more
    than £0, a date between today and a year after the project ends where one is needed, and all adding
    up to the award exactly. Refusal with a message per field ("instalment-2-amount" ...) otherwise."""
    award = application.award
    errors: dict[str, str] = {}
    checked: list[tuple[int, InstalmentTrigger, date | None]] = []
    if not rows:
        raise Refusal("Enter at least one instalment", field="instalment-1-amount")
    if len(rows) > MAX_INSTALMENTS:
        raise Refusal(
            f"A schedule can have at most {MAX_INSTALMENTS} instalments", field="instalment-1-amount"
        )
    _start, end = project_dates(application, today)
    latest = end + timedelta(days=365)
    for n, row in enumerate(rows, start=1):
        amount = row.amount_pence
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            errors[f"instalment-{n}-amount"] = f"Enter an amount of more than £0 for instalment {n}"
            continue
        if amount > award.amount_pence:
            errors[f"instalment-{n}-amount"] = (
                f"Instalment {n} ({format_pence(amount)}) is more than the award of "
                f"{format_pence(award.amount_pence)}"
            )
            continue
        try:
            trigger = InstalmentTrigger(row.trigger)
        except ValueError:
            errors[f"instalment-{n}-trigger"] = f"Choose when instalment {n} is paid"
            continue
        due_on = row.due_on if trigger == InstalmentTrigger.ON_DATE else None
        if trigger == InstalmentTrigger.ON_DATE:
            if due_on is None:
                errors[f"instalment-{n}-date"] = f"Enter the date instalment {n} is paid"
                continue
            if not today <= due_on <= latest:
                errors[f"instalment-{n}-date"] = (
                    f"The date of instalment {n} must be between {format_date(today)} and "
                    f"{format_date(latest)}"
                )
                continue
        checked.append((amount, trigger, due_on))
    if errors:
        raise Refusal(errors=errors)
    total = sum(amount for amount, _t, _d in checked)
    if total != award.amount_pence:
        raise Refusal(
            f"The instalments add up to {format_pence(total)}: they must add up to the award of "
            f"{format_pence(award.amount_pence)} exactly",
            field="instalment-1-amount",
        )
    return checked


def prepare_offer(
    session: Session,
    actor: User,
    application: Application,
    *,
    conditions: str,
    instalments: list[InstalmentInput],
    expires_on: date | None,
    today: date | None = None,
) -> Award:
    """The officer sets the offer's conditions, payment schedule and the date to accept by (a
    Europe/London date) before issuing it. Replaces any schedule saved before; audited.

    Refusal if the actor is not an officer, the application is not waiting for its offer, the
    conditions are too long or hold invisible characters or HTML tags, the date is not between tomorrow and
    MAX_ACCEPTANCE_DAYS ahead, or the schedule does not check (see check_schedule)."""
    if not actor.has_role(Role.OFFICER):
        raise Refusal("Only the grants officer can prepare an offer")
    if not has_tag(application, ApplicationTag.AWAITING_OFFER) or application.award is None:
        raise Refusal("This application is not waiting for its offer: it has been issued or was not approved")
    today = today or london_today()
    award = application.award
    errors: dict[str, str] = {}
    # The same rule as the groups' own text: the conditions are printed in the offer letter, where a
    # tag would show as typed, so markup is refused rather than stored.
    clean_conditions = normalise(conditions)
    problem = text_problem(clean_conditions, "The conditions", max_length=MAX_CONDITIONS)
    if problem:
        errors["conditions"] = problem
    if expires_on is None:
        errors["expires_on"] = "Enter the date the group must accept the offer by"
    elif not today < expires_on <= today + timedelta(days=MAX_ACCEPTANCE_DAYS):
        errors["expires_on"] = (
            f"The date to accept by must be between {format_date(today + timedelta(days=1))} and "
            f"{format_date(today + timedelta(days=MAX_ACCEPTANCE_DAYS))}"
        )
    try:
        rows = check_schedule(application, instalments, today)
    except Refusal as refusal:
        errors.update(refusal.errors)
        rows = []
    if errors:
        raise Refusal(errors=errors)
    before = {
        "conditions": award.conditions,
        "instalments": [(i.amount_pence, i.due_trigger.value, i.due_on) for i in award.instalments],
        "expires_on": award.offer_expires_on,
    }
    award.instalments.clear()
    session.flush()  # the old rows go before new ones take their positions
    award.instalments.extend(
        Instalment(position=n, amount_pence=amount, due_trigger=trigger, due_on=due_on)
        for n, (amount, trigger, due_on) in enumerate(rows, start=1)
    )
    award.conditions = clean_conditions
    award.offer_expires_on = expires_on
    session.flush()
    after = {
        "conditions": award.conditions,
        "instalments": [(i.amount_pence, i.due_trigger.value, i.due_on) for i in award.instalments],
        "expires_on": award.offer_expires_on,
    }
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "offer_prepared",
        data={
            "conditions": award.conditions,
            "schedule": "; ".join(
                f"{format_pence(i.amount_pence)} {i.when.lower()}" for i in award.instalments
            ),
            "accept_by": expires_on,
            "changed": [k for k in after if after[k] != before[k]],
        },
    )
    return award


def issue_offer(session: Session, actor: User, application: Application, expected_version: int | None = None):
    """Issue the offer through the workflow (guard offer_ready; the group is emailed)."""
    return fire(session, application, "issue_offer", actor, expected_version=expected_version)


@dataclass
class JobReport:
    """What a daily job did: the references it moved on (`done`) and those refused, with why."""

    done: list[str] = field(default_factory=list)  # references
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def _fire_each(session: Session, apps: list[Application], trigger: str, actor) -> JobReport:
    """Fire `trigger` on each application, each in its own savepoint inside the caller's transaction, so
    one refusal (reported, not raised) does not undo the others."""
    report = JobReport()
    for app in apps:
        try:
            with session.begin_nested():
                fire(session, app, trigger, actor)
        except Refusal as refusal:
            report.refused.append((app.reference, str(refusal)))
        else:
            report.done.append(app.reference)
    return report


def due_to_start(today: date | ColumnElement[date]) -> ColumnElement[bool]:
    """The condition "this grant's offer is accepted and its project has started by `today`" (a date
    or a bound parameter; on the (state, start_date) index: the page-load check asks it on every
    request)."""
    return Application.state.in_(application_states(ApplicationTag.AWAITING_DELIVERY)) & (
        (Application.start_date.is_(None)) | (Application.start_date <= today)
    )


def deliveries_due_to_start(
    session: Session, today: date, limit: int | None = None, *, skip_locked: bool = False
) -> list[Application]:
    """Grants whose offer is accepted and whose project start date (Europe/London) is today or past,
    oldest first; at most `limit` (one indexed query). `skip_locked` locks the rows it returns and
    passes over those another transaction holds (PostgreSQL; SQLite lets one writer in anyway)."""
    query = select(Application).where(due_to_start(today)).order_by(Application.id)
    if limit is not None:
        query = query.limit(limit)
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return list(session.execute(query).scalars())


def start_due_deliveries(session: Session, actor, today: date, limit: int | None = None) -> JobReport:
    """Fire `start_delivery` on each grant whose offer is accepted and whose project has started
    (`today`, Europe/London), every one of them or the first `limit`: the daily job starts them all,
    the next page anyone loads a batch (with `limit`, grants another request is starting are left to
    it). Each start is its own savepoint; refusals are reported, not raised."""
    due = deliveries_due_to_start(session, today, limit, skip_locked=limit is not None)
    return _fire_each(session, due, "start_delivery", actor)


def lapse_expired_offers(session: Session, actor, today: date) -> JobReport:
    """Fire `lapse_offer` on every open offer whose expiry date is before `today` (Europe/London).

    Each lapse is its own savepoint inside the caller's transaction, so one refusal (reported, not
    raised) does not undo the others; the workflow emails each group.
    """
    apps = (
        session.execute(
            select(Application)
            .join(Award, Award.application_id == Application.id)
            .where(
                Application.state.in_(application_states(ApplicationTag.OFFER_OPEN)),
                Award.offer_expires_on < today,
            )
            .order_by(Application.id)
        )
        .scalars()
        .all()
    )
    return _fire_each(session, list(apps), "lapse_offer", actor)
