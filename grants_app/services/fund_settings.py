"""What makes a fund's settings coherent: the checks the admin's fund form runs before it saves."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from grants_app.models import Fund
from grants_app.money import format_pence
from grants_app.services.fund_budget import fund_position

# A community-safety fund of more than £100m is a typing mistake, and stays well inside the database's
# integer whatever is added to it.
MAX_BUDGET_PENCE = 10_000_000_000
MAX_OVER_ALLOCATION_PCT = 50
MAX_OFFER_VALID_DAYS = 180
FIRST_YEAR, LAST_YEAR = 2000, 2100


def fund_problems(session: Session, fund: Fund | None, values: Mapping[str, Any]) -> dict[str, str]:
    """{field: message} for each setting that does not fit with the others; empty when all is well.

    `values` are the form's values (money in pence, dates as dates, counts as ints; None when left
    empty or unreadable, which the form's own field checks report). `fund` is the fund being edited
    (None when creating): its budget may not go below what is already committed to its grants.
    """
    problems: dict[str, str] = {}

    def given(name: str) -> Any:
        value = values.get(name)
        return None if isinstance(value, bool) else value

    budget = given("budget_pence")
    smallest, largest = given("min_award_pence"), given("max_award_pence")
    delegated = given("delegated_limit_pence")
    over = given("over_allocation_pct")
    opens, closes = given("opens_on"), given("closes_on")
    year = given("financial_year")
    offer_days = given("offer_valid_days")
    single = given("single_payment_below_pence")

    if budget is None:
        problems["budget_pence"] = "Enter the fund's budget"
    elif not 0 < budget <= MAX_BUDGET_PENCE:
        problems["budget_pence"] = (
            f"The budget must be more than £0 and no more than {format_pence(MAX_BUDGET_PENCE)}"
        )
    elif fund is not None and fund.id is not None:
        committed = fund_position(session, fund).committed_pence
        if budget < committed:
            problems["budget_pence"] = (
                f"The budget cannot be less than the {format_pence(committed)} already committed to grants "
                "from this fund"
            )
    if smallest is not None and smallest <= 0:
        problems["min_award_pence"] = "The smallest award must be more than £0"
    if largest is not None:
        if largest <= 0:
            problems["max_award_pence"] = "The largest award must be more than £0"
        elif smallest is not None and smallest > largest:
            problems["max_award_pence"] = (
                f"The largest award must be at least the smallest award ({format_pence(smallest)})"
            )
        elif budget is not None and "budget_pence" not in problems and largest > budget:
            problems["max_award_pence"] = (
                f"The largest award cannot be more than the budget ({format_pence(budget)})"
            )
    if delegated is not None:
        if delegated < 0:
            problems["delegated_limit_pence"] = (
                "The delegated limit must be £0 (no delegated decisions) or more"
            )
        elif largest is not None and largest > 0 and delegated > largest:
            problems["delegated_limit_pence"] = (
                f"The delegated limit cannot be more than the largest award ({format_pence(largest)})"
            )
    if over is not None and not 0 <= over <= MAX_OVER_ALLOCATION_PCT:
        problems["over_allocation_pct"] = (
            f"The over-allocation allowance must be between 0 and {MAX_OVER_ALLOCATION_PCT}%"
        )
    if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
        problems["financial_year"] = (
            f"Enter the year the financial year starts in, between {FIRST_YEAR} and {LAST_YEAR}, like 2026 for 2026/27"
        )
    if isinstance(opens, date) and isinstance(closes, date) and closes < opens:
        problems["closes_on"] = "The closing date must be the same as or after the opening date"
    if offer_days is not None and not 1 <= offer_days <= MAX_OFFER_VALID_DAYS:
        problems["offer_valid_days"] = f"Offers must be open for between 1 and {MAX_OFFER_VALID_DAYS} days"
    if single is not None and single < 0:
        problems["single_payment_below_pence"] = "Enter £0 or more"
    return problems
