"""Where a person may be sent back to after signing in: only a page of this site, never anywhere else."""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app
from werkzeug.exceptions import HTTPException

MAX_LENGTH = 300


def _suspicious(text: str) -> bool:
    # Browsers drop tabs and newlines inside URLs and read "\" as "/", so "/\t/evil.example" and
    # "/\evil.example" both become "//evil.example": a link to another site. Refuse any such character.
    return any(
        ch == "\\" or ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text
    ) or text.startswith("//")


def safe_next(target: object) -> str | None:
    """`target` if it is a path to one of this app's GET pages (with its query string), else None.

    Refuses absolute URLs, scheme-relative ones ("//host"), backslashes, whitespace and control
    characters, also when percent-encoded (up to three layers), and paths no route of the app answers.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if not target.startswith("/"):
        return None
    decoded = target
    for _ in range(3):
        if _suspicious(decoded):
            return None
        decoded = unquote(decoded)
    if _suspicious(decoded):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match(parts.path, method="GET")
    except HTTPException:  # no such page, or one that redirects (RequestRedirect is one of these)
        return None
    return target
