"""The one renderer: a report template to PDF with WeasyPrint, and report tables to CSV and XLSX.

PDF: templates autoescape; WeasyPrint gets a URL fetcher that serves only this package's static folder
(no file:, no network, nothing a group typed), writes a tagged PDF/UA-1 with the document's title and
language, and the print CSS repeats table headers and never splits a row.
CSV: UTF-8 with a byte-order mark (so Excel reads the £ and accents), streamed row by row; text that a
spreadsheet would read as a formula (= + - @ tab CR) is prefixed with an apostrophe.
XLSX: XlsxWriter in constant-memory mode; money is a number with a £ format, dates are dates, the header
row is frozen, text is written as text (never a formula) and text that looks like a formula also carries
Excel's quote prefix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from flask import render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from grants_app.reports.tables import (
    COUNT,
    DATE,
    MONEY,
    PERCENT,
    TENTHS,
    Table,
    iso_date,
    percent_text,
    pounds_text,
)
from grants_app.services.csv_export import FORMULA_PREFIXES, safe_cell

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
# A base URL no network can answer: relative links in a report resolve under it, and only under it does
# the fetcher serve anything.
STATIC_BASE_URL = "https://report-assets.invalid/static/"
PDF_VARIANT = "pdf/ua-1"
STATIC_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png"}


class StaticOnlyFetcher(URLFetcher):
    """Serves files of grants_app/reports/static/ and refuses every other URL (WeasyPrint then leaves the
    resource out and carries on)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(STATIC_BASE_URL):
            raise ValueError(f"reports load nothing from outside the app: {url[:200]}")
        name = url[len(STATIC_BASE_URL) :].split("?", 1)[0].split("#", 1)[0]
        if not re.fullmatch(r"[a-z0-9_-]+\.[a-z]+", name):
            raise ValueError("not a report asset")
        path = STATIC_FOLDER / name
        if path.suffix not in STATIC_TYPES or not path.is_file():
            raise ValueError("not a report asset")
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": STATIC_TYPES[path.suffix]}
        )


def format_percent(tenths: int | None) -> str:
    """125 -> '12.5%'; None -> an en dash (no share of nothing)."""
    return "–" if tenths is None else f"{percent_text(tenths)}%"


def render_html(template: str, **context: Any) -> str:
    return render_template(template, percent=format_percent, **context)


def html_to_pdf(html: str) -> bytes:
    """Bytes of a tagged PDF (PDF/UA-1). The HTML sets <title> and <html lang>, which become the PDF's."""
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant=PDF_VARIANT)


def render_pdf(template: str, **context: Any) -> bytes:
    return html_to_pdf(render_html(template, **context))


# -- CSV ----------------------------------------------------------------------------------------------
def csv_cell(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == MONEY:
        return pounds_text(value)
    if kind in (PERCENT, TENTHS):
        return percent_text(value)
    if kind == COUNT:
        return str(int(value))
    if kind == DATE:
        return iso_date(value)
    return safe_cell(value)


def stream_csv(table: Table) -> Iterator[str]:
    """The table as CSV text, one row per chunk, starting with a UTF-8 byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    kinds = [c.kind for c in table.columns]

    def line(values: Sequence[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield "\ufeff" + line([safe_cell(c.heading) for c in table.columns])
    for row in table.rows:
        yield line([csv_cell(kind, value) for kind, value in zip(kinds, row, strict=True)])


def csv_bytes(table: Table) -> bytes:
    return "".join(stream_csv(table)).encode("utf-8")


# -- XLSX ---------------------------------------------------------------------------------------------
MONEY_FORMAT = "£#,##0.00;-£#,##0.00"
DATE_FORMAT = "d mmm yyyy"


def _sheet_name(name: str, used: set[str]) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\']", " ", name).strip()[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate.lower() in used:
        candidate = f"{cleaned[:28]} {n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def write_xlsx(tables: Iterable[Table], target: io.BufferedIOBase | str) -> None:
    """Write the tables, one worksheet each, to a file path or binary file object."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    money = workbook.add_format({"num_format": MONEY_FORMAT})
    percent = workbook.add_format({"num_format": "0.0%"})
    day = workbook.add_format({"num_format": DATE_FORMAT})
    one_place = workbook.add_format({"num_format": "0.0"})
    quoted = workbook.add_format({"quote_prefix": True})
    used: set[str] = set()
    for table in tables:
        sheet = workbook.add_worksheet(_sheet_name(table.name, used))
        for col, column in enumerate(table.columns):
            sheet.set_column(col, col, column.width)
            sheet.write_string(0, col, column.heading, header)
        sheet.freeze_panes(1, 0)
        kinds = [c.kind for c in table.columns]
        for r, row in enumerate(table.rows, start=1):
            for col, (kind, value) in enumerate(zip(kinds, row, strict=True)):
                if value is None or value == "":
                    sheet.write_blank(r, col, None)
                elif kind == MONEY:
                    sheet.write_number(r, col, int(value) / 100, money)
                elif kind == COUNT:
                    sheet.write_number(r, col, int(value))
                elif kind == PERCENT:
                    sheet.write_number(r, col, int(value) / 1000, percent)
                elif kind == TENTHS:
                    sheet.write_number(r, col, int(value) / 10, one_place)
                elif kind == DATE and isinstance(value, date):
                    sheet.write_datetime(r, col, value, day)
                else:
                    text = str(value)
                    sheet.write_string(r, col, text, quoted if text.startswith(FORMULA_PREFIXES) else None)
    workbook.close()


def xlsx_bytes(tables: Iterable[Table]) -> bytes:
    out = io.BytesIO()
    write_xlsx(tables, out)
    return out.getvalue()
