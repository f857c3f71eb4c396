"""The application list's search: one condition on reference, title and organisation name that an index
serves (grants_app.models.scale_indexes), and a count that stops early on a long list."""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from grants_app.models import Application, Organisation
from grants_app.normalise import clean, compact

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
# On PostgreSQL the organisations whose name matches are read first, and when there are no more than
# this many their ids go into the condition as a list. PostgreSQL can then combine the reference, title
# and organisation indexes, so a word few applications have is found without reading the whole table
# (about 120 ms at 100,000 applications, now 2-7 ms). A word in more organisations' names than this is
# a common one (an area, "CIC"); reading the newest applications finds a page of matches first, and the
# subquery, which PostgreSQL hashes, serves that better than a long list.
ORGANISATIONS_LISTED = 100


# A grant reference as staff type it, after typed_reference(): whole ("SOS-2026-0001"), without the
# prefix ("2026-0001") or only its number ("0001", "1"): the forms the list's search finds it by.
_TYPED_REFERENCE = re.compile(r"(?:(?P<prefix>[A-Z]{1,10})-)?(?:(?P<year>\d{4})-)?(?P<number>\d{1,8})")


def typed_reference(text: str | None) -> str:
    """A reference as typed, in the stored form's shape: upper case, its parts joined by one hyphen
    ("sos 2026 0001", "SOS–2026–0001" with en dashes, invisible characters: "SOS-2026-0001")."""
    parts = (compact(part) for part in clean(text).split())
    return re.sub(r"-+", "-", "-".join(parts).upper()).strip("-")


def reference_matches(text: str) -> ColumnElement[bool]:
    """Applications whose reference is `text` (from typed_reference()), or ends with it where a part
    was left out: "2026-0001" finds SOS-2026-0001; "0001" or "1" finds the 0001 of every year. A number
    is also tried padded to the four digits references have ("1" -> "0001"). Only a whole reference
    is matched on the reference's index; a shortened one reads the column (staff ask for one grant at a
    time, so this is a single query, not one per row)."""
    shape = _TYPED_REFERENCE.fullmatch(text)
    if shape is None or (shape["prefix"] and shape["year"]):
        return Application.reference == text
    numbers = {shape["number"], shape["number"].zfill(4)}
    if shape["prefix"]:  # "SOS-0001": the prefix and number, any year
        return or_(
            *(Application.reference.like(f"{_escaped(shape['prefix'])}-%-{n}", escape="\\") for n in numbers)
        )
    year = f"-{shape['year']}" if shape["year"] else ""
    return or_(*(Application.reference.like(f"%{year}-{n}", escape="\\") for n in numbers))


def placeholder(dialect: str) -> str:
    """What the search box says it finds: on SQLite whole words from their start, not parts of words."""
    if dialect == "postgresql":
        return "Reference, title or organisation"
    return "Start of a word in a reference, title or organisation"


_APOSTROPHES = re.compile("['\u2018\u2019\u02bc]")


def _escaped(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(term: str, dialect: str, session: Session | None = None) -> ColumnElement[bool]:
    """Applications whose reference, title or organisation's name contains `term` (PostgreSQL,
    case-insensitive, trigram indexes) or has a word starting with it (SQLite, case-insensitive for
    ASCII: the start of the text from the NOCASE indexes, the start of a later word or reference part
    by reading the column). The term is matched as typed: % and _ are not wildcards, but an
    apostrophe matches a straight or curly one. A term shaped like a reference is matched on the
    reference alone. Given a session on PostgreSQL, the matching organisations are read first (one
    query; see ORGANISATIONS_LISTED)."""
    text = _escaped(" ".join(term.split())[:MAX_TERM])
    # A straight or curly apostrophe matches either (Word and phones type the curly one): one character.
    text = _APOSTROPHES.sub("_", text)
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
    if dialect == "postgresql" and session is not None:
        found = session.execute(organisations.limit(ORGANISATIONS_LISTED + 1)).scalars().all()
        if len(found) <= ORGANISATIONS_LISTED:
            organisations = found
    return or_(
        like(Application.reference, "-"),
        like(Application.title, " "),
        Application.organisation_id.in_(organisations),
    )


def capped_count(session: Session, ids, cap: int = COUNT_CAP) -> int:
    """How many rows the select `ids` returns, counting no further than cap + 1 (one query): a number
    above `cap` means "more than cap"."""
    return session.execute(select(capped_count_column(ids, cap))).scalar_one()


def capped_count_column(ids, cap: int = COUNT_CAP):
    """capped_count as a scalar subquery, to read in the same statement as the rows it counts."""
    return select(func.count()).select_from(ids.limit(cap + 1).subquery()).scalar_subquery()
