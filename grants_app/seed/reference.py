"""Loading a partnership's reference data (agencies, strategy, priorities, wards, fund) from YAML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.dates import financial_year_of
from grants_app.models import (
    AgencyKind,
    BudgetCategory,
    Fund,
    PartnerAgency,
    Partnership,
    Priority,
    ScoringCriterion,
    StrategyPeriod,
    Ward,
)

DEFAULT_CONFIG = Path(__file__).with_name("sosafe.yaml")


@dataclass
class ReferenceData:
    partnership: Partnership
    agencies: dict[str, PartnerAgency]
    strategy: StrategyPeriod
    priorities: list[Priority]
    wards: dict[str, Ward]
    categories: dict[str, BudgetCategory]
    fund: Fund
    extra: dict[str, Any] = field(default_factory=dict)


def demo_fund_year(today: date) -> int:
    # Early in a financial year there is no history to show yet, so the demo uses the year that
    # started at least four months ago.
    return financial_year_of(today - timedelta(days=120))


def load_reference_data(session: Session, today: date, config_path: Path = DEFAULT_CONFIG) -> ReferenceData:
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    p = config["partnership"]
    partnership = Partnership(
        name=p["name"],
        short_name=p["short_name"],
        reference_prefix=p["reference_prefix"],
        area_name=p["area_name"],
        address=p["address"],
        contact_email=p["contact_email"],
        contact_phone=str(p.get("contact_phone", "")),
    )
    session.add(partnership)

    agencies = {}
    for a in config["agencies"]:
        agency = PartnerAgency(
            name=a["name"],
            short_name=a["short_name"],
            kind=AgencyKind(a["kind"]),
            is_statutory_partner=a.get("statutory", True),
        )
        session.add(agency)
        agencies[a["short_name"]] = agency

    s = config["strategy"]
    strategy = StrategyPeriod(name=s["name"], starts_on=s["starts_on"], ends_on=s["ends_on"])
    session.add(strategy)
    priorities = [
        Priority(strategy_period=strategy, number=n, short_name=item["short_name"], title=item["title"])
        for n, item in enumerate(s["priorities"], start=1)
    ]
    session.add_all(priorities)

    wards = {name: Ward(name=name) for name in config["wards"]}
    session.add_all(wards.values())
    categories = {
        c["name"]: BudgetCategory(
            name=c["name"], description=c.get("description", ""), is_capital=c.get("capital", False)
        )
        for c in config["budget_categories"]
    }
    session.add_all(categories.values())

    f = config["fund"]
    year = demo_fund_year(today)
    closes_on = max(date(year + 1, 1, 31), today + timedelta(days=60))
    fund = Fund(
        name=f["name"],
        slug=f"{f['slug']}-{year}",
        description=f["description"],
        who_can_apply=f["who_can_apply"],
        financial_year=year,
        strategy_period=strategy,
        budget_pence=f["budget_pounds"] * 100,
        min_award_pence=f["min_award_pounds"] * 100,
        max_award_pence=f["max_award_pounds"] * 100,
        over_allocation_pct=f["over_allocation_pct"],
        delegated_limit_pence=f["delegated_limit_pounds"] * 100,
        offer_valid_days=f["offer_valid_days"],
        single_payment_below_pence=f.get("single_payment_below_pounds", 1000) * 100,
        opens_on=date(year, 4, 1),
        closes_on=closes_on,
    )
    fund.priorities = list(priorities)
    fund.budget_categories = list(categories.values())
    fund.scoring_criteria = [
        ScoringCriterion(name=c["name"], guidance=c["guidance"], position=i)
        for i, c in enumerate(f["scoring_criteria"])
    ]
    session.add(fund)
    session.flush()
    return ReferenceData(partnership, agencies, strategy, priorities, wards, categories, fund)


def already_seeded(session: Session) -> bool:
    return session.execute(select(Partnership.id).limit(1)).first() is not None
