"""Money is integer pence everywhere; these turn it into pounds for people and back."""

from __future__ import annotations

import re

from grants_app.normalise import compact

_POUNDS = re.compile(r"^(?P<pounds>\d{1,3}(,\d{3})+|\d+)(\.(?P<pence>\d{1,2}))?$")
MAX_POUNDS_DIGITS = 10


def format_pence(pence: int | None, *, whole: bool = False) -> str:
    """12345 -> '£123.45'; whole=True drops '.00' for round sums ('£50,000')."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    if whole and rest == 0:
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}.{rest:02d}"


def parse_pounds(text: str) -> int:
    """'£1,234.5' -> 123450 (spaces of any kind and invisible characters ignored: '1\u00a0500' is
    £1,500). Raises ValueError with a GOV.UK-style message for anything else."""
    cleaned = compact(text)
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned:
        raise ValueError("Enter an amount in pounds, like 1500 or 1500.50")
    match = _POUNDS.match(cleaned)
    if not match:
        raise ValueError("Enter an amount in pounds and pence, using numbers only, like 1500 or 1500.50")
    pounds = int(match.group("pounds").replace(",", ""))
    if len(str(pounds)) > MAX_POUNDS_DIGITS:
        raise ValueError("The amount is too large")
    pence = int((match.group("pence") or "0").ljust(2, "0"))
    return pounds * 100 + pence
