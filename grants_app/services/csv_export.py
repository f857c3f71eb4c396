"""CSV exports that spreadsheets cannot turn into formulas (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from grants_app.models import Application, Award, Fund, Organisation
from grants_app.models.fund import fund_label
from grants_app.money import pounds_decimal
from grants_app.workflow import get_engine

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


APPLICATIONS_HEADER = (
    "Reference",
    "Organisation",
    "Title",
    "Fund",
    "State",
    "Requested (£)",
    "Awarded (£)",
    "Submitted",
)
# Rows fetched from the database at a time, and rows written per chunk of the response.
BATCH = 1000
# Excel reads a CSV as UTF-8 only when it starts with a byte order mark: written once, first.
BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"


def application_columns(organisation: Any = Organisation, fund: Any = Fund) -> tuple[Any, ...]:
    """What application_rows reads of each application, with its organisation and fund taken from
    `organisation` and `fund` (the models, or aliases of them a list's query joins under)."""
    return (
        Application.reference,
        organisation.name,
        Application.title,
        fund.name,
        fund.financial_year,
        Application.workflow_name,
        Application.state,
        Application.amount_requested_pence,
        Award.amount_pence,
        Application.submitted_at,
    )


def application_rows(session: Session, listed: Select | None = None) -> Iterator[list[str]]:
    """Applications as CSV rows (APPLICATIONS_HEADER: reference, organisation, title, fund, state
    label, amounts in pounds as plain numbers a spreadsheet can add up, submitted date).

    `listed` chooses the applications and their order: a select of application_columns() from
    applications joined to their organisation and fund (the admin list's query, with its search,
    filters and sort); without it, every application, oldest first. One query, read in batches of
    BATCH, so memory stays flat however many there are."""
    if listed is None:
        listed = (
            select(*application_columns())
            .join(Organisation, Organisation.id == Application.organisation_id)
            .join(Fund, Fund.id == Application.fund_id)
            .order_by(Application.id)
        )
    stmt = listed.outerjoin(Award, Award.application_id == Application.id).execution_options(yield_per=BATCH)
    engine = get_engine()
    for (
        reference,
        organisation,
        title,
        fund,
        fund_year,
        workflow,
        state,
        requested,
        awarded,
        submitted,
    ) in session.execute(stmt):
        yield [
            reference,
            organisation,
            title,
            fund_label(fund, fund_year),
            engine.definition(workflow).staff_label(state),
            pounds_decimal(requested),
            pounds_decimal(awarded) if awarded is not None else "",
            submitted.date().isoformat() if submitted else "",
        ]


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_chunk: int = BATCH
) -> Iterator[bytes]:
    """A CSV as UTF-8 bytes for a streamed response: the byte order mark once, then the header and the
    rows, `rows_per_chunk` lines a chunk, every cell through safe_cell. Rows are read as they are
    written, so a generator of rows is never held whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(v) for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
