"""Small helpers for writing sentences: plurals the way people write them."""

from __future__ import annotations


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
