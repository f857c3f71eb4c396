"""Small helpers for writing sentences: plurals the way people write them."""

from __future__ import annotations

import re


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 voting member', '3 voting members', '2 agencies' (give `plural_form` when it is not +s)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def and_join(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c': a list the way a sentence says it."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def possessive(name: str) -> str:
    """'Bedwell Boxing Club's', but 'Stevenage Street Pastors'' (a name ending in s takes only the
    apostrophe, as for plurals)."""
    name = str(name)
    return f"{name}'" if name.endswith(("s", "S")) else f"{name}'s"


# Control characters other than tab and newlines are never typed by a person.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Invisible characters that only hide or reorder text (zero-width spaces, bidirectional overrides).
_INVISIBLE = re.compile("[\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def clean_typed_text(value: object, *, label: str, max_length: int) -> str:
    """What a person typed, tidied: newlines normalised, invisible characters removed, spaces stripped.

    Raises ValueError with a sentence for the person when it is not text, holds control characters or
    is longer than `max_length` characters (`label` names the field: "Your comment").
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{label} must be text")
    text = _INVISIBLE.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if _CONTROL.search(text):
        raise ValueError(f"{label} must not contain special control characters")
    if len(text) > max_length:
        raise ValueError(f"{label} must be {max_length:,} characters or fewer")
    return text
