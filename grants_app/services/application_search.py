"""The application list's search: one condition on reference, title and organisation name that an index
serves (grants_app.models.scale_indexes), and a count that stops early on a long list."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from grants_app.models import Application, Organisation

# Longer search text is cut to this many characters (the searched columns are at most 200).
MAX_TERM = 100
# Lists count their rows up to this many; above it the list says "more than" this, and only this
# many rows are in numbered pages. Counting 10,000 matches of a common word took 60 ms at 100,000
# applications (the rows are found one by one); 1,000 take 6 ms, and 50 pages of 20 is more than anyone
# pages through before searching.
COUNT_CAP = 1_000
# A term shaped like a reference ("SOS-2026-0042", "sos-2026-", "2026-0042"): officers search by
# reference most, and matched on the reference alone the reference's index serves it. With the OR over
# titles and organisations PostgreSQL reads the whole table for a rare term (about 300 ms at 100,000).
REFERENCE_SHAPE = re.compile(r"[A-Za-z]{1,10}-\d{4}-\d*|\d{4}-\d{3,}")


def placeholder(dialect: str) -> str:
    """What the search box says it finds: on SQLite whole words from their start, not parts of words."""
    if dialect == "postgresql":
        return "Reference, title or organisation"
    return "Start of a word in a reference, title or organisation"


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(term: str, dialect: str) -> ColumnElement[bool]:
    """Applications whose reference, title or organisation's name contains `term` (PostgreSQL,
    case-insensitive, trigram indexes) or has a word starting with it (SQLite, case-insensitive for
    ASCII: the start of the text from the NOCASE indexes, the start of a later word or reference part
    by reading the column). The term is matched as typed: % and _ are not wildcards. A term shaped
    like a reference is matched on the reference alone."""
    text = _escaped(" ".join(term.split())[:MAX_TERM])
    if dialect == "postgresql":

        def like(column, _separator: str):
            return column.ilike(f"%{text}%", escape="\\")
    else:
        # SQLite holds the small deployments: a word inside a title ("crime" in "Knife crime awareness")
        # is found by reading the column; the start of the text still comes from the index.
        def like(column, separator: str):
            return or_(column.like(f"{text}%", escape="\\"), column.like(f"%{separator}{text}%", escape="\\"))

    if REFERENCE_SHAPE.fullmatch(text):
        return like(Application.reference, "-")
    organisations = select(Organisation.id).where(like(Organisation.name, " "))
    return or_(
        like(Application.reference, "-"),
        like(Application.title, " "),
        Application.organisation_id.in_(organisations),
    )


def capped_count(session: Session, ids, cap: int = COUNT_CAP) -> int:
    """How many rows the select `ids` returns, counting no further than cap + 1 (one query): a number
    above `cap` means "more than cap"."""
    return session.execute(select(func.count()).select_from(ids.limit(cap + 1).subquery())).scalar_one()
