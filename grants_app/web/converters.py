"""URL converters that parse and bound path segments before any view (or database) sees them.

Installed for the whole app, so every `<name>` and `<int:name>` in any blueprint (portal, admin,
Flask-Admin's own) is covered without touching the routes: a segment that cannot be what the route
expects is a 404, never a database error.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

from grants_app.params import MAX_ID

MAX_SEGMENT = 200


class TextSegment(UnicodeConverter):
    """A path segment of 1 to 200 characters with no control characters (PostgreSQL cannot store a NUL,
    and none belongs in a reference, a token or a page name)."""

    def __init__(self, map, minlength: int = 1, maxlength: int | None = MAX_SEGMENT, length=None) -> None:
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00-\\x1f\\x7f]", 1)


class RowId(IntegerConverter):
    """A row id: 1 to 2**31 - 1 (the INTEGER columns' range); larger numbers are no row, so a 404."""

    def __init__(
        self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID, signed=False
    ):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def install(app: Flask) -> None:
    """Call before any blueprint is registered: rules are compiled with the converters of the moment."""
    app.url_map.converters.update(default=TextSegment, string=TextSegment, int=RowId)
