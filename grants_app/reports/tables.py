"""A report's figures as plain tables, the one shape the CSV and XLSX writers take."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

TEXT = "text"
MONEY = "money"  # integer pence
COUNT = "count"  # whole number
PERCENT = "percent"  # tenths of a percent (125 is 12.5%), or None
TENTHS = "tenths"  # a number in tenths (32 is 3.2: an average score), or None
DATE = "date"


@dataclass(frozen=True)
class Column:
    heading: str
    kind: str = TEXT
    width: int = 14  # characters, for XLSX


@dataclass
class Table:
    """`rows` may be a generator: writers consume it once, row by row."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def pounds_text(pence: int) -> str:
    """12345 -> '123.45', -5 -> '-0.05': exact, no float."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}{pounds}.{rest:02d}"


def percent_text(tenths: int | None) -> str:
    if tenths is None:
        return ""
    return f"{tenths // 10}.{tenths % 10}"


def iso_date(value: date | None) -> str:
    return value.isoformat() if value else ""
