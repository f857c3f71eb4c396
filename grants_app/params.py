"""Request values parsed and bounded before they reach the database.

Every id in this schema is a 32-bit signed INTEGER: a value above that is no row (PostgreSQL would
refuse the comparison with an error; SQLite cannot bind numbers above 64 bits at all).
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1
# Far beyond any list here, small enough that page * page size is a valid SQL OFFSET everywhere.
MAX_PAGE = 100_000
_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_int(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """A whole number from text (" 42 ") within minimum..maximum, or None for anything else.

    ASCII digits only: str.isdigit() accepts "²" and "٣", which int() then refuses or reads as 3.
    """
    text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """A row id (1 to MAX_ID) from text, or None for anything else."""
    return parse_int(value, minimum=1)


def parse_page(value: object) -> int:
    """A list page number (0 is the first) clamped to 0..MAX_PAGE (a number too long to read is
    MAX_PAGE, so it opens the last page as any page past the end does); anything unreadable is 0."""
    text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""
    if re.fullmatch(r"[0-9]{13,}", text):
        return MAX_PAGE
    if not re.fullmatch(r"-?[0-9]{1,12}", text):
        return 0
    return min(max(int(text), 0), MAX_PAGE)
