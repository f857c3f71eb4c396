"""Flask-Admin's list filters on whole-number columns, with values bounded to what the column holds.

Flask-Admin turns `?flt0_entity_id_equals=99999999999999999999` into a Python int and hands it to the
database, which refuses it with an error (SQLite cannot bind it; PostgreSQL says "out of range"). These
filters refuse such a value as invalid instead: the list says so and shows everything.
"""

from __future__ import annotations

import re

from flask_admin.contrib.sqla import filters as sqla
from sqlalchemy import BigInteger

_WHOLE = re.compile(r"\s*-?[0-9]{1,19}\s*")


def bounded_int(column, text: str) -> int:
    """The whole number in `text` if the column can hold it; ValueError otherwise."""
    if not isinstance(text, str) or not _WHOLE.fullmatch(text):
        raise ValueError("not a whole number")
    number = int(text)
    limit = 2**63 - 1 if isinstance(getattr(column, "type", None), BigInteger) else 2**31 - 1
    if not -limit - 1 <= number <= limit:
        raise ValueError("out of range")
    return number


class _One:
    def clean(self, value):
        return bounded_int(self.column, value)


class _List:
    def clean(self, value):
        return [bounded_int(self.column, v) for v in str(value).split(",") if v.strip()]


class IntEqualFilter(_One, sqla.IntEqualFilter):
    pass


class IntNotEqualFilter(_One, sqla.IntNotEqualFilter):
    pass


class IntGreaterFilter(_One, sqla.IntGreaterFilter):
    pass


class IntSmallerFilter(_One, sqla.IntSmallerFilter):
    pass


class IntInListFilter(_List, sqla.IntInListFilter):
    pass


class IntNotInListFilter(_List, sqla.IntNotInListFilter):
    pass


class BoundedFilterConverter(sqla.FilterConverter):
    int_filters = (
        IntEqualFilter,
        IntNotEqualFilter,
        IntGreaterFilter,
        IntSmallerFilter,
        sqla.FilterEmpty,
        IntInListFilter,
        IntNotInListFilter,
    )
