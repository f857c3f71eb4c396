"""Report fixtures: bulk grants, a query counter, and readers for PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import event

from bench.report_data import load_grants
from grants_app.extensions import db
from tests.admin.conftest import staff_client  # noqa: F401 - the admin's signed-in clients


@pytest.fixture
def finance(make):
    return make.finance()


@pytest.fixture
def bulk(session, ref, finance):
    """load(n, **kw) -> totals of n bulk-loaded awarded grants in the reference fund."""

    def load(count: int, **kwargs):
        return load_grants(session, count, **kwargs)

    return load


@contextmanager
def counted_queries() -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pounds_in(text: str) -> list[int]:
    """Every £ amount in a text, in pence."""
    return [
        int(m.group(1).replace(",", "")) * 100 + int(m.group(2))
        for m in re.finditer(r"£([\d,]+)\.(\d\d)", text)
    ]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_sheets(data: bytes):
    return load_workbook(io.BytesIO(data))
