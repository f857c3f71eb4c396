"""Checking what people type: no invisible characters, no markup, within a length.

Text is always escaped when shown, so markup could do no harm; it is refused anyway where it can only be
a mistake or an attempt (a spend line, a question about a return), so that what is stored reads as the
person meant it. Invisible characters (zero-width spaces, direction overrides, control characters) are
refused because they make two identical-looking texts differ and can reorder what a reader sees.
"""

from __future__ import annotations

import re
import unicodedata

# Markup: a tag such as <b>, </p>, <img ...> or <!-- (a lone "<" as in "under 5s < 10" is fine).
_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^<>]*>")
_ALLOWED_CONTROLS = {"\n", "\t"}


def invisible_characters(text: str) -> bool:
    """Whether text holds a control or format character other than newline and tab (zero-width spaces,
    byte-order marks, direction overrides, line separators)."""
    for ch in text:
        if ch in _ALLOWED_CONTROLS:
            continue
        if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Co", "Cs", "Cn"}:
            return True
    return False


def has_markup(text: str) -> bool:
    """Whether text holds an HTML tag (a lone '<' is fine)."""
    return bool(_TAG.search(text))


def text_problem(text: str, what: str, *, max_length: int, missing: str | None = None) -> str | None:
    """A GOV.UK-style message for what is wrong with `text` (already stripped), or None.

    `what` starts the sentence ("Description", "Your question"); `missing` is the message when the text
    is empty (None: empty is allowed)."""
    if not text:
        return missing
    if len(text) > max_length:
        return f"{what} must be {max_length:,} characters or fewer"
    if invisible_characters(text):
        return (
            f"{what} must not contain invisible characters, such as zero-width spaces. "
            "Type it again rather than pasting it"
        )
    if has_markup(text):
        return f"{what} must not contain HTML tags, such as <b> or <script>"
    return None


def normalise(text: str | None) -> str:
    """Windows line endings to newlines, surrounding spaces removed."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
