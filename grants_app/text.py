"""Small helpers for writing sentences: plurals the way people write them."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 voting member', '3 voting members', '2 agencies' (give `plural_form` when it is not +s)."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"
