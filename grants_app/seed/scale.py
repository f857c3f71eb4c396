"""A large data set for measuring staff pages at scale: `flask seed-scale --applications 100000`.

Shaped like the demo (grants_app.seed.demo) but written with bulk INSERTs, not through fire(): states
spread over the whole workflow (most of them finished), organisations applying several times, budget
lines and priority splits, awards with instalments, payments, monitoring returns with spend, a few
recoveries, and about 3.4 audit rows an application. Rows get their ids here (the database is empty),
so children are written without reading ids back; PostgreSQL's sequences are moved past them at the end.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    payment_states,
    return_states,
)
from grants_app.models import (
    AgendaItem,
    Application,
    ApplicationPriority,
    AuditEvent,
    Award,
    BudgetLine,
    DecisionRoute,
    Fund,
    Instalment,
    InstalmentTrigger,
    Meeting,
    MonitoringReturn,
    Organisation,
    OrganisationType,
    Payment,
    Recovery,
    RecoveryKind,
    Repayment,
    Role,
    SpendLine,
    User,
    application_wards,
)
from grants_app.passwords import hash_password
from grants_app.seed.reference import load_reference_data
from grants_app.workflow import get_engine

# Rows per INSERT batch.
BATCH = 5_000
# Years of funds the applications are spread over (the current one and those before it).
YEARS = 5
SCALE_PASSWORD = "scale-staff-password-not-for-production"  # noqa: S105 - refused in production
# Staff who can sign in to look at the data: (email, name, roles).
SCALE_STAFF = (
    ("scale.officer@sosafe.example", "Scale Officer", (Role.OFFICER,)),
    ("scale.finance@sosafe.example", "Scale Finance", (Role.FINANCE,)),
    ("scale.finance2@sosafe.example", "Scale Finance Two", (Role.FINANCE,)),
    ("scale.jag@sosafe.example", "Scale Member", (Role.JAG_MEMBER,)),
    ("scale.rag@sosafe.example", "Scale Viewer", (Role.RAG_VIEWER,)),
)
WORDS = (
    "Youth",
    "Boxing",
    "Night",
    "Safe",
    "Streets",
    "Community",
    "Garden",
    "Mentoring",
    "Knife",
    "Crime",
    "Awareness",
    "Women's",
    "Refuge",
    "Café",
    "Football",
    "Street",
    "Pastors",
    "CCTV",
    "Lighting",
    "Drama",
)
PLACES = ("Bedwell", "Shephall", "Pin Green", "Symonds Green", "Chells", "Broadwater", "Longmeadow")
KINDS = ("Youth Club", "Trust", "Association", "CIC", "Group", "Network", "Project")


@dataclass
class ScaleResult:
    applications: int
    audit_events: int


class _Ids:
    """The next id of each table (the database starts empty)."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def take(self, table: str) -> int:
        value = self.next.get(table, 0) + 1
        self.next[table] = value
        return value


class _Writer:
    """Rows gathered per table and written BATCH at a time, parents before children."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[Table, list[dict]] = {}
        self.order: list[Table] = []

    def add(self, table: Table, row: dict) -> None:
        if table not in self.rows:
            self.rows[table] = []
            self.order.append(table)
        self.rows[table].append(row)

    def flush(self) -> None:
        for table in self.order:
            rows = self.rows.get(table)
            if rows:
                self.session.execute(table.insert(), rows)
                self.rows[table] = []


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def seed_scale(
    session: Session, today: date, applications: int, progress: Callable[[str], None] = lambda _m: None
) -> ScaleResult:
    """Write the reference data and `applications` applications with everything hanging off them, in
    batches (the caller commits). Assumes an empty database."""
    rng = random.Random(20260401)  # the same data set every run
    engine = get_engine()
    definition = engine.definition("application")
    ref = load_reference_data(session, today)
    base_year = ref.fund.financial_year
    funds = [ref.fund]
    for back in range(1, YEARS):
        year = base_year - back
        old = ref.fund
        fund = Fund(
            name=f"{old.name} {year}/{str(year + 1)[-2:]}",
            slug=f"{old.slug}-s{year}",
            description=old.description,
            who_can_apply=old.who_can_apply,
            financial_year=year,
            strategy_period=old.strategy_period,
            budget_pence=old.budget_pence,
            min_award_pence=old.min_award_pence,
            max_award_pence=old.max_award_pence,
            over_allocation_pct=old.over_allocation_pct,
            delegated_limit_pence=old.delegated_limit_pence,
            offer_valid_days=old.offer_valid_days,
            opens_on=date(year, 4, 1),
            closes_on=date(year + 1, 1, 31),
        )
        fund.priorities = list(old.priorities)
        fund.budget_categories = list(old.budget_categories)
        session.add(fund)
        funds.append(fund)
    for fund in funds:
        # Scale data is about pages, not the budget guard: every award fits.
        fund.budget_pence = 2_000_000_000
    password = hash_password(SCALE_PASSWORD)
    agency = next(iter(ref.agencies.values()))
    staff: dict[Role, list[User]] = {}
    for email, name, roles in SCALE_STAFF:
        user = User(email=email, full_name=name, password_hash=password, agency=agency)
        for role in roles:
            user.grant(role)
        session.add(user)
        for role in roles:
            staff.setdefault(role, []).append(user)
    session.flush()
    officer = staff[Role.OFFICER][0]
    finance = staff[Role.FINANCE]
    priorities = [p.id for p in ref.priorities]
    wards = [w.id for w in ref.wards.values()]
    categories = [c.id for c in ref.categories.values()]

    # Meetings: every four weeks over the years, minuted, and one under way today.
    first = date(base_year - YEARS + 1, 4, 1)
    meetings: list[tuple[int, date]] = []
    day = first
    while day <= today:
        meeting = Meeting(
            title=f"JAG {day:%B %Y}",
            starts_at=_at(day, 18),
            minutes="Minuted." if day < today else "",
            minutes_approved_at=_at(day + timedelta(days=28)) if day + timedelta(days=28) <= today else None,
        )
        session.add(meeting)
        session.flush()
        meetings.append((meeting.id, day))
        day += timedelta(days=28)
    session.flush()

    # State weights: finished work dominates a long history, as in a real deployment.
    states = list(definition.states)
    weights = []
    for name in states:
        tags = definition.states[name].tags
        state = definition.states[name]
        weight = 1.0
        if getattr(state, "terminal", False) or ApplicationTag.TERMINAL in tags:
            weight = 12.0
        elif ApplicationTag.PAYABLE in tags:
            weight = 4.0
        weights.append(weight)

    ids = _Ids()
    writer = _Writer(session)
    paid = payment_states(PaymentTag.PAID_OUT)[0]
    accepted_return = return_states(ReturnTag.SPEND_ACCEPTED)[0]
    outstanding_return = return_states(ReturnTag.OUTSTANDING)[0]
    review_return = return_states(ReturnTag.AWAITING_REVIEW)[0]
    prefix = ref.partnership.reference_prefix
    organisations: list[int] = []
    audit_count = 0
    label = f"{officer.full_name} <{officer.email}>"
    for n in range(1, applications + 1):
        if not organisations or rng.random() < 0.25:
            org_id = ids.take("organisations")
            place, kind = rng.choice(PLACES), rng.choice(KINDS)
            writer.add(
                Organisation.__table__,
                {
                    "id": org_id,
                    "name": f"{place} {rng.choice(WORDS)} {kind} {org_id}",
                    "org_type": rng.choice(list(OrganisationType)).value,
                    "address_line_1": f"{org_id} High Street",
                    "town": "Stevenage",
                    "postcode": "SG1 1AA",
                    "contact_name": "Pat Secretary",
                    "contact_email": f"contact{org_id}@group.example",
                },
            )
            organisations.append(org_id)
        org_id = rng.choice(organisations[-500:])
        fund = funds[min(int(rng.random() * YEARS), YEARS - 1)]
        state = rng.choices(states, weights)[0]
        tags = definition.states[state].tags
        year_start = date(fund.financial_year, 4, 1)
        submitted_on = min(year_start + timedelta(days=rng.randrange(0, 300)), today)
        submitted = None if ApplicationTag.UNSUBMITTED in tags else _at(submitted_on)
        amount = rng.randrange(50, 500) * 1_000
        app_id = ids.take("applications")
        words = rng.sample(WORDS, 3)
        writer.add(
            Application.__table__,
            {
                "id": app_id,
                "reference": f"{prefix}-{fund.financial_year}-S{n:06d}",
                "fund_id": fund.id,
                "organisation_id": org_id,
                "workflow_name": definition.name,
                "workflow_version": definition.version,
                "state": state,
                "state_changed_at": _at(min(submitted_on + timedelta(days=30), today)),
                "title": " ".join(words),
                "summary": f"{words[0]} work across {rng.choice(PLACES)}.",
                "amount_requested_pence": amount,
                "start_date": year_start,
                "end_date": date(fund.financial_year + 1, 3, 31),
                "submitted_at": submitted,
                "created_at": _at(submitted_on - timedelta(days=7)),
                "updated_at": _at(submitted_on),
            },
        )
        split = rng.sample(priorities, 2)
        first_share = rng.choice((50, 60, 70, 100))
        for priority, share in ((split[0], first_share), (split[1], 100 - first_share)):
            if share:
                writer.add(
                    ApplicationPriority.__table__,
                    {
                        "id": ids.take("application_priorities"),
                        "application_id": app_id,
                        "priority_id": priority,
                        "percentage": share,
                        "how_it_helps": "It helps.",
                    },
                )
        half = amount // 2
        for position, pence in enumerate((half, amount - half)):
            writer.add(
                BudgetLine.__table__,
                {
                    "id": ids.take("budget_lines"),
                    "application_id": app_id,
                    "category_id": rng.choice(categories),
                    "description": "Sessions" if position else "Staff",
                    "amount_pence": pence,
                    "position": position,
                },
            )
        writer.add(application_wards, {"application_id": app_id, "ward_id": rng.choice(wards)})

        events = [("create", None, None, {"reference": f"S{n:06d}"})]
        if submitted is not None:
            events.append(("transition", "submit", state, {}))
        if ApplicationTag.AWAITING_DECISION in tags:
            writer.add(
                AgendaItem.__table__,
                {
                    "id": ids.take("agenda_items"),
                    "meeting_id": meetings[-1][0],
                    "application_id": app_id,
                    "position": n,
                },
            )
        if ApplicationTag.COMMITTED in tags:
            meeting_id = rng.choice(meetings)[0]
            award_id = ids.take("awards")
            accepted = (
                ApplicationTag.PAYABLE in tags
                or ApplicationTag.ON_HOLD in tags
                or (ApplicationTag.OFFER_OPEN not in tags and ApplicationTag.AWAITING_OFFER not in tags)
            )
            writer.add(
                Award.__table__,
                {
                    "id": award_id,
                    "application_id": app_id,
                    "amount_pence": amount,
                    "decision_route": DecisionRoute.MEETING.value,
                    "meeting_id": meeting_id,
                    "approved_by_id": officer.id,
                    "approved_at": _at(submitted_on + timedelta(days=40)),
                    "offer_issued_at": _at(submitted_on + timedelta(days=45)),
                    "accepted_at": _at(submitted_on + timedelta(days=50)) if accepted else None,
                    "accepted_by_name": "Pat Secretary" if accepted else "",
                    "accepted_by_role": "Chair" if accepted else "",
                },
            )
            instalment_id = ids.take("instalments")
            writer.add(
                Instalment.__table__,
                {
                    "id": instalment_id,
                    "award_id": award_id,
                    "position": 1,
                    "amount_pence": amount,
                    "due_trigger": InstalmentTrigger.ON_ACCEPTANCE.value,
                },
            )
            events.append(("transition", "approve", state, {"inputs": {"amount_pence": amount}}))
            if accepted:
                paid_on = min(submitted_on + timedelta(days=55), today)
                writer.add(
                    Payment.__table__,
                    {
                        "id": ids.take("payments"),
                        "application_id": app_id,
                        "instalment_id": instalment_id,
                        "amount_pence": amount,
                        "description": "Instalment 1",
                        "state": paid,
                        "requested_by_id": finance[0].id,
                        "authorised_by_id": finance[1].id,
                        "paid_on": paid_on,
                        "payment_reference": f"BACS-{app_id}",
                    },
                )
                events.append(("payment_made", None, None, {"amount_pence": amount}))
                finished = ApplicationTag.PAYABLE not in tags or rng.random() < 0.5
                for is_final, due in (
                    (False, year_start + timedelta(days=200)),
                    (True, year_start + timedelta(days=395)),
                ):
                    return_id = ids.take("monitoring_returns")
                    if finished or due < today - timedelta(days=60):
                        return_state = accepted_return
                    else:
                        return_state = rng.choice((outstanding_return, outstanding_return, review_return))
                    writer.add(
                        MonitoringReturn.__table__,
                        {
                            "id": return_id,
                            "application_id": app_id,
                            "period_label": "Final" if is_final else "Interim",
                            "due_on": due,
                            "is_final": is_final,
                            "state": return_state,
                            "submitted_at": _at(min(due, today))
                            if return_state != outstanding_return
                            else None,
                        },
                    )
                    if return_state == accepted_return:
                        writer.add(
                            SpendLine.__table__,
                            {
                                "id": ids.take("spend_lines"),
                                "monitoring_return_id": return_id,
                                "priority_id": split[0],
                                "category_id": rng.choice(categories),
                                "description": "Coaches",
                                "amount_pence": max(1, amount // 2 - rng.randrange(0, 5) * 1_000),
                            },
                        )
                        events.append(("return_accepted", None, None, {}))
                if finished and rng.random() < 0.03:
                    recovery_id = ids.take("recoveries")
                    owed = rng.randrange(1, 10) * 1_000
                    writer.add(
                        Recovery.__table__,
                        {
                            "id": recovery_id,
                            "application_id": app_id,
                            "kind": RecoveryKind.UNDERSPEND.value,
                            "amount_pence": owed,
                            "reason": "Underspend at the final return",
                            "due_on": min(paid_on + timedelta(days=300), today),
                            "raised_by_id": officer.id,
                            "raised_by_label": label,
                        },
                    )
                    if rng.random() < 0.6:
                        writer.add(
                            Repayment.__table__,
                            {
                                "id": ids.take("repayments"),
                                "application_id": app_id,
                                "recovery_id": recovery_id,
                                "amount_pence": owed,
                                "received_on": min(paid_on + timedelta(days=320), today),
                                "recorded_by_id": finance[0].id,
                            },
                        )
        for action, trigger, to_state, data in events:
            audit_count += 1
            writer.add(
                AuditEvent.__table__,
                {
                    "id": ids.take("audit_events"),
                    "occurred_at": _at(submitted_on),
                    "actor_id": officer.id,
                    "actor_label": label,
                    "entity_type": "application",
                    "entity_id": app_id,
                    "action": action,
                    "trigger": trigger,
                    "to_state": to_state,
                    "data": data,
                },
            )
        if n % BATCH == 0:
            writer.flush()
            progress(f"{n:,} applications")
    writer.flush()
    if session.get_bind().dialect.name == "postgresql":
        for table in ids.next:
            session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608 - our table names
            )
    count = session.execute(select(func.count()).select_from(Application)).scalar_one()
    return ScaleResult(count, audit_count)
