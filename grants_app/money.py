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


def pounds_decimal(pence: int) -> str:
    """12345 -> '123.45', -150 -> '-1.50': pounds as a plain number, for spreadsheets and form fields
    (no symbol, no thousands separators)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    return f"{sign}{pounds}.{rest:02d}"


def parse_pounds(text: str) -> int:
    """'£1,234.5' -> 123450 (spaces of any kind and invisible characters ignored: '1\u00a0500' is
    £1,500). Raises ValueError with a GOV.UK-style message for anything else; a minus sign (every
    amount a person enters here is more than £0) says so rather than "numbers only"."""
    cleaned = compact(text)
    if cleaned.startswith("£"):
        cleaned = cleaned[1:]
    if not cleaned:
        raise ValueError("Enter an amount in pounds, like 1500 or 1500.50")
    if cleaned.startswith("-"):
        raise ValueError("Enter an amount more than £0")
    match = _POUNDS.match(cleaned)
    if not match:
        raise ValueError("Enter an amount in pounds and pence, using numbers only, like 1500 or 1500.50")
    pounds = int(match.group("pounds").replace(",", ""))
    if len(str(pounds)) > MAX_POUNDS_DIGITS:
        raise ValueError("The amount is too large")
    pence = int((match.group("pence") or "0").ljust(2, "0"))
    return pounds * 100 + pence


_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand"))


def _below_hundred(n: int) -> str:
    if n < 20:
        return _UNITS[n]
    tens, units = divmod(n, 10)
    return _TENS[tens] + (f"-{_UNITS[units]}" if units else "")


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if not hundreds:
        return _below_hundred(rest)
    return f"{_UNITS[hundreds]} hundred" + (f" and {_below_hundred(rest)}" if rest else "")


def number_in_words(n: int) -> str:
    """A whole number as British English words: 2450 -> 'two thousand four hundred and fifty',
    1050 -> 'one thousand and fifty'."""
    if n < 0:
        raise ValueError("only amounts of zero or more are written in words")
    if n == 0:
        return "zero"
    words: list[str] = []
    for size, name in _SCALES:
        count, n = divmod(n, size)
        if count:
            words.append(f"{number_in_words(count)} {name}")
    if n:
        # British usage: "one thousand and fifty", as on a cheque.
        words.append(("and " if words and n < 100 else "") + _below_thousand(n))
    return " ".join(words)


def pence_in_words(pence: int) -> str:
    """Money as words for letters: 245050 -> 'Two thousand four hundred and fifty pounds and fifty
    pence'; 100 -> 'One pound'; 5 -> 'Five pence'."""
    pounds, rest = divmod(int(pence), 100)
    parts = []
    if pounds:
        parts.append(f"{number_in_words(pounds)} pound{'s' if pounds != 1 else ''}")
    if rest or not pounds:
        parts.append("one penny" if rest == 1 else f"{number_in_words(rest)} pence")
    text = " and ".join(parts)
    return text[0].upper() + text[1:]
