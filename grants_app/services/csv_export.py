"""CSV exports that spreadsheets cannot turn into formulas (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from grants_app.money import format_pence

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """Prefix text a spreadsheet would read as a formula with an apostrophe, which shows it as text."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows to CSV text, each cell neutralised so a spreadsheet never runs it as a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def applications_csv(applications: Iterable[Any], label_for) -> str:
    """The applications list as CSV: reference, organisation, title, fund, state label,
    amounts (pounds), dates."""
    return to_csv(
        ["Reference", "Organisation", "Title", "Fund", "State", "Requested", "Awarded", "Submitted"],
        (
            [
                a.reference,
                a.organisation.name if a.organisation else "",
                a.title,
                str(a.fund),
                label_for(a),
                format_pence(a.amount_requested_pence),
                format_pence(a.award.amount_pence) if a.award else "",
                a.submitted_at.date().isoformat() if a.submitted_at else "",
            ]
            for a in applications
        ),
    )


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV as text, one line per chunk (for a streamed response), every cell through safe_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Sequence[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield line(header)
    for row in rows:
        yield line(row)
