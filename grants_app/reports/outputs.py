"""Each report in each format: what the admin, the portal and the CLI hand out, made one way."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from grants_app.reports import jag_pack, open_data, rag, spend, statement
from grants_app.reports.render import csv_bytes, stream_csv, xlsx_bytes
from grants_app.reports.tables import Table

MIMETYPES = {
    "pdf": "application/pdf",
    # The response adds "; charset=utf-8" to a text type itself (Flask/Werkzeug): naming it here doubled it.
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


@dataclass
class Output:
    """`body` is bytes, or an iterator of str chunks (CSV, streamed)."""

    body: bytes | Iterator[str]
    mimetype: str
    filename: str

    def as_bytes(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        return "".join(self.body).encode("utf-8")


def _tables_output(tables: list[Table], fmt: str, stem: str, *, csv_table: Table | None = None) -> Output:
    if fmt == "csv":
        return Output(stream_csv(csv_table or tables[0]), MIMETYPES["csv"], f"{stem}.csv")
    return Output(xlsx_bytes(tables), MIMETYPES["xlsx"], f"{stem}.xlsx")


def _stem(*parts: Any) -> str:
    return "-".join(str(p).replace("/", "-").replace(" ", "-").lower() for p in parts if p not in (None, ""))


def spend_output(report: spend.SpendReport, fmt: str) -> Output:
    stem = _stem("spend-report", report.period.short_label)
    if fmt == "pdf":
        return Output(spend.spend_pdf(report), MIMETYPES["pdf"], f"{stem}.pdf")
    tables = spend.spend_tables(report)
    return _tables_output(tables, fmt, stem, csv_table=tables[1])


def statement_output(st: statement.GrantStatement, fmt: str) -> Output:
    stem = _stem("grant-statement", st.reference)
    if fmt == "pdf":
        return Output(statement.statement_pdf(st), MIMETYPES["pdf"], f"{stem}.pdf")
    tables = statement.statement_tables(st)
    return _tables_output(tables, fmt, stem, csv_table=tables[4])


def jag_pack_output(pack: jag_pack.JagPack, fmt: str) -> Output:
    stem = _stem("jag-pack", pack.starts_at.date().isoformat())
    if fmt == "pdf":
        return Output(jag_pack.jag_pack_pdf(pack), MIMETYPES["pdf"], f"{stem}.pdf")
    return _tables_output(jag_pack.jag_pack_tables(pack), fmt, stem)


def rag_output(report: rag.RagReport, fmt: str) -> Output:
    stem = _stem("rag-report", report.period.short_label)
    if fmt == "pdf":
        return Output(rag.rag_pdf(report), MIMETYPES["pdf"], f"{stem}.pdf")
    return _tables_output(rag.rag_tables(report), fmt, stem)


def open_data_output(package: dict[str, Any], fmt: str, year: int) -> Output:
    stem = _stem("360giving-grants", year)
    if fmt == "json":
        body = json.dumps(package, ensure_ascii=False, indent=2).encode("utf-8")
        return Output(body, MIMETYPES["json"], f"{stem}.json")
    if fmt == "csv":
        return Output(stream_csv(open_data.open_data_table(package)), MIMETYPES["csv"], f"{stem}.csv")
    return Output(
        xlsx_bytes([open_data.open_data_table(package, typed=True)]), MIMETYPES["xlsx"], f"{stem}.xlsx"
    )


def all_bytes(tables: Iterable[Table]) -> bytes:
    return b"".join(csv_bytes(t) for t in tables)
