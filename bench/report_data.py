"""Many grants at once for the report benchmark and the reports' query-count tests.

Rows go in with bulk INSERTs (a thousand grants through fire() would take minutes); the states they
carry are the ones the reports count, taken from grants_app.reports.figures, so the data is what the
workflow would have produced. Never used outside benchmarks and tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from grants_app.lifecycle import ApplicationTag, application_states
from grants_app.models import (
    Application,
    ApplicationPriority,
    Award,
    BudgetCategory,
    BudgetLine,
    DecisionRoute,
    Fund,
    MonitoringReturn,
    Organisation,
    Payment,
    Priority,
    Repayment,
    SpendLine,
    User,
    Ward,
    application_wards,
)
from grants_app.reports import figures

WORDS = [
    "youth",
    "safety",
    "drugs",
    "hate",
    "crime",
    "boxing",
    "mentoring",
    "patrol",
    "outreach",
    "support",
    "workshop",
    "kitchen",
    "garden",
]


@dataclass(frozen=True)
class Loaded:
    grants: int
    awarded: int
    paid: int
    spent: int
    recovered: int


def load_grants(
    session: Session, count: int, *, seed: int = 1, text: str | None = None, prefix: str = "BLK"
) -> Loaded:
    """Add `count` awarded grants to the first fund, spread over its priorities, wards and categories.

    Each grant has one to three priorities, one or two wards, two budget lines, one or two paid payments,
    an accepted return with two spend lines (a final one for a third of them) and, for some, a repayment.
    `text` (e.g. an injection string) replaces the organisation and project names when given.
    Returns the totals in pence, for tests to compare with a report.
    """
    rng = random.Random(seed)
    fund = session.execute(select(Fund).order_by(Fund.id).limit(1)).scalar_one()
    priorities = list(session.execute(select(Priority.id).order_by(Priority.number)).scalars())[:5]
    wards = list(session.execute(select(Ward.id)).scalars())
    categories = list(session.execute(select(BudgetCategory.id)).scalars())
    user_id = session.execute(select(User.id).order_by(User.id).limit(1)).scalar_one()
    year_start = date(fund.financial_year, 4, 1)
    awarded_states = [s for s in figures.awarded_states()]
    # An award is accepted once the group has accepted its offer: every awarded state but those before.
    before_acceptance = set(application_states(ApplicationTag.AWAITING_OFFER)) | set(
        application_states(ApplicationTag.OFFER_OPEN)
    )
    orgs = session.scalars(
        insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
        [
            {"name": text or f"Community Group {prefix} {i}", "town": "Stevenage", "postcode": "SG1 1AA"}
            for i in range(count)
        ],
    ).all()
    apps = []
    for i, org_id in enumerate(orgs):
        start = year_start + timedelta(days=rng.randint(0, 120))
        apps.append(
            {
                "reference": f"{prefix}-{fund.financial_year}-{i + 1:05d}",
                "fund_id": fund.id,
                "organisation_id": org_id,
                "workflow_name": "application",
                "state": awarded_states[i % len(awarded_states)],
                "title": text or f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} project {i}",
                "summary": text or "Sessions for local people.",
                "start_date": start,
                "end_date": start + timedelta(days=180),
                "amount_requested_pence": rng.randint(250, 5000) * 100,
            }
        )
    app_ids = session.scalars(
        insert(Application).returning(Application.id, sort_by_parameter_order=True), apps
    ).all()
    awards, splits, ward_rows, budget, payments, returns, repayments = [], [], [], [], [], [], []
    totals = {"awarded": 0, "paid": 0, "spent": 0, "recovered": 0}
    for i, (app_id, app) in enumerate(zip(app_ids, apps, strict=True)):
        amount = app["amount_requested_pence"]
        approved_at = datetime.combine(
            year_start + timedelta(days=rng.randint(1, 60)), datetime.min.time(), UTC
        ) + timedelta(hours=11)
        awards.append(
            {
                "application_id": app_id,
                "amount_pence": amount,
                "decision_route": DecisionRoute.DELEGATED,
                "approved_at": approved_at,
                "accepted_at": None if app["state"] in before_acceptance else approved_at + timedelta(days=7),
            }
        )
        totals["awarded"] += amount
        chosen = rng.sample(priorities, rng.randint(1, min(3, len(priorities))))
        cuts = sorted(rng.sample(range(1, 100), len(chosen) - 1))
        for pid, pct in zip(
            chosen, [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)], strict=True
        ):
            splits.append({"application_id": app_id, "priority_id": pid, "percentage": pct})
        for ward in rng.sample(wards, min(len(wards), rng.randint(1, 2))):
            ward_rows.append({"application_id": app_id, "ward_id": ward})
        half = amount // 2
        for n, cat in enumerate(rng.sample(categories, 2)):
            budget.append(
                {
                    "application_id": app_id,
                    "category_id": cat,
                    "description": "Costs",
                    "amount_pence": half if n == 0 else amount - half,
                    "position": n,
                }
            )
        paid_on = year_start + timedelta(days=rng.randint(60, 300))
        for part in [amount] if i % 2 else [half, amount - half]:
            payments.append(
                {
                    "application_id": app_id,
                    "amount_pence": part,
                    "workflow_name": "payment",
                    "state": figures.paid_payment_states()[0],
                    "requested_by_id": user_id,
                    "paid_on": paid_on,
                }
            )
            totals["paid"] += part
        spent = amount - (amount // 10 if i % 3 == 0 else 0)
        returns.append(
            {
                "application_id": app_id,
                "period_label": "Final return" if i % 3 == 0 else "Quarter 2",
                "due_on": paid_on + timedelta(days=30),
                "is_final": i % 3 == 0,
                "workflow_name": "monitoring_return",
                "state": figures.accepted_return_states()[0],
                "outcomes": text or "More young people took part.",
                "beneficiaries_reached": rng.randint(5, 80),
                "submitted_at": datetime.combine(paid_on + timedelta(days=20), datetime.min.time(), UTC),
                "_spent": spent,
                "_cats": [b["category_id"] for b in budget[-2:]],
                "_priority": chosen[0],
                "_on": paid_on + timedelta(days=10),
            }
        )
        totals["spent"] += spent
        if i % 3 == 0:
            repayments.append(
                {
                    "application_id": app_id,
                    "amount_pence": amount // 10,
                    "received_on": paid_on + timedelta(days=60),
                    "recorded_by_id": user_id,
                }
            )
            totals["recovered"] += amount // 10
    session.execute(insert(Award), awards)
    session.execute(insert(ApplicationPriority), splits)
    session.execute(insert(application_wards), ward_rows)
    session.execute(insert(BudgetLine), budget)
    session.execute(insert(Payment), payments)
    extra = [{k: r.pop(k) for k in ("_spent", "_cats", "_priority", "_on")} for r in returns]
    return_ids = session.scalars(
        insert(MonitoringReturn).returning(MonitoringReturn.id, sort_by_parameter_order=True), returns
    ).all()
    lines = []
    for return_id, e in zip(return_ids, extra, strict=True):
        first = e["_spent"] // 2
        for n, cat in enumerate(e["_cats"]):
            lines.append(
                {
                    "monitoring_return_id": return_id,
                    "priority_id": e["_priority"],
                    "category_id": cat,
                    "description": text or "Spend",
                    "amount_pence": first if n == 0 else e["_spent"] - first,
                    "spent_on": e["_on"],
                }
            )
    session.execute(insert(SpendLine), lines)
    if repayments:
        session.execute(insert(Repayment), repayments)
    session.flush()
    return Loaded(count, totals["awarded"], totals["paid"], totals["spent"], totals["recovered"])
