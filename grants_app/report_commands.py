"""`flask --app grants_app report ...`: every report from the command line, for cron and finance systems.

The format comes from --out's extension (.pdf, .csv, .xlsx; .json for 360Giving); without --out the
CSV or JSON goes to standard output. The CLI renders whole PDFs of any size (the web caps them).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import Fund, Meeting, utcnow
from grants_app.normalise import compact, parse_id
from grants_app.reports import forms, outputs
from grants_app.reports.jag_pack import build_jag_pack
from grants_app.reports.open_data import build_open_data
from grants_app.reports.period import ReportFilterError, period_from
from grants_app.reports.rag import build_rag_report
from grants_app.reports.spend import build_spend_report
from grants_app.reports.statement import build_statement

report_cli = AppGroup("report", help="Make reports: spend, statement, jag-pack, rag, 360giving.")
BY = "the command line"
SLUG = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _format(out: Path | None, allowed: tuple[str, ...], default: str) -> str:
    if out is None:
        return default
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in allowed:
        raise click.BadParameter(
            f"end the file name with {', '.join('.' + a for a in allowed)}", param_hint="--out"
        )
    return fmt


def _write(output: outputs.Output, out: Path | None) -> None:
    if out is None:
        data = output.as_bytes()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.write_bytes(output.as_bytes())
    click.echo(f"Wrote {out} ({out.stat().st_size:,} bytes)", err=True)


def _refuse(exc: ReportFilterError, hint: str) -> click.BadParameter:
    return click.BadParameter(exc.message, param_hint=hint)


OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write; its extension sets the format.",
)


class YearType(click.ParamType):
    """A financial year, refused with the admin form's words (a NUL byte or garbage is a usage error,
    never a traceback)."""

    name = "year"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        number = parse_id(value)
        if number is None:
            self.fail(forms.YEAR_NOT_A_NUMBER, param, ctx)
        if not 2000 <= number <= 2100:
            self.fail(forms.YEAR_OUT_OF_RANGE, param, ctx)
        return number


class IdType(click.ParamType):
    """A row id (a whole number that fits the database's ids)."""

    name = "id"

    def convert(self, value, param, ctx) -> int:
        number = value if isinstance(value, int) else parse_id(value)
        if number is None:
            self.fail("give the id as a whole number, like 3", param, ctx)
        return number


class QuarterType(click.ParamType):
    name = "quarter"

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int) and value in forms.QUARTERS:
            return value
        number = parse_id(value)
        if number not in forms.QUARTERS:
            self.fail(forms.QUARTER_MESSAGE, param, ctx)
        return number


YEAR = click.option(
    "--year",
    type=YearType(),
    default=None,
    help="Financial year, the year it starts: 2026 is 2026/27 (default: the current one).",
)


@report_cli.command("spend")
@YEAR
@click.option("--quarter", type=QuarterType(), default=None, help="Q1 April-June ... Q4 January-March.")
@click.option(
    "--from",
    "starts_on",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Start date (instead of a year).",
)
@click.option("--to", "ends_on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="End date.")
@click.option(
    "--fund",
    "funds",
    multiple=True,
    help="Fund slug or id (repeat for several); default every fund of the year.",
)
@click.option(
    "--priority", "priority_id", type=IdType(), default=None, help="Priority id: only that priority's share."
)
@OUT
def spend_command(year, quarter, starts_on, ends_on, funds, priority_id, out) -> None:
    """The spend report by priority (PDF, CSV or XLSX)."""
    fmt = _format(out, ("pdf", "csv", "xlsx"), "csv")
    if year is None and starts_on is None and ends_on is None:
        year = forms.current_year()
    fund_ids = []
    for name in funds:
        slug = compact(name)
        # A slug is letters, digits and hyphens: anything else (a NUL byte) is no fund and never a query.
        found = (
            db.session.execute(
                select(Fund.id).where((Fund.slug == slug) | (Fund.id == (parse_id(slug) or -1)))
            ).scalar_one_or_none()
            if SLUG.fullmatch(slug)
            else None
        )
        if found is None:
            raise click.BadParameter(f"no fund {name!r}", param_hint="--fund")
        fund_ids.append(found)
    try:
        period = period_from(
            year=year,
            quarter=quarter,
            starts_on=starts_on.date() if starts_on else None,
            ends_on=ends_on.date() if ends_on else None,
        )
        report = build_spend_report(
            db.session, period, generated_by=BY, fund_ids=fund_ids, priority_id=priority_id
        )
    except ReportFilterError as exc:
        raise _refuse(exc, f"--{exc.field.replace('_ids', '').replace('_id', '')}") from None
    _write(outputs.spend_output(report, fmt), out)


@report_cli.command("statement")
@click.argument("reference")
@OUT
def statement_command(reference: str, out) -> None:
    """A grant's statement, e.g. `report statement SOS-2026-0001 --out statement.pdf`."""
    fmt = _format(out, ("pdf", "csv", "xlsx"), "csv")
    try:
        st = build_statement(db.session, forms.grant_reference(reference), generated_by=BY)
    except ReportFilterError as exc:
        raise _refuse(exc, "REFERENCE") from None
    _write(outputs.statement_output(st, fmt), out)


@report_cli.command("jag-pack")
@click.option(
    "--meeting", "meeting", default="next", show_default=True, help="Meeting id, date (YYYY-MM-DD) or 'next'."
)
@OUT
def jag_pack_command(meeting: str, out) -> None:
    """The pack for a JAG meeting."""
    fmt = _format(out, ("pdf", "csv", "xlsx"), "csv")

    meeting = compact(meeting)[:40]
    stmt = select(Meeting.id)
    if meeting == "next":
        stmt = stmt.where(Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at)
    elif parse_id(meeting) is not None:
        stmt = stmt.where(Meeting.id == parse_id(meeting))
    else:
        try:
            day = click.DateTime(["%Y-%m-%d"]).convert(meeting, None, None).date()
        except click.BadParameter:
            raise click.BadParameter(
                "give a meeting id, a date like 2026-12-09, or next", param_hint="--meeting"
            ) from None
        period = period_from(year=None, starts_on=day, ends_on=day)
        stmt = stmt.where(Meeting.starts_at >= period.starts_at, Meeting.starts_at < period.ends_before)
    meeting_id = db.session.execute(stmt.limit(1)).scalar_one_or_none()
    if meeting_id is None:
        raise click.BadParameter("no such meeting", param_hint="--meeting")
    pack = build_jag_pack(db.session, meeting_id, generated_by=BY)
    _write(outputs.jag_pack_output(pack, fmt), out)


@report_cli.command("rag")
@YEAR
@click.option("--quarter", type=QuarterType(), default=None, help="1 to 4 (default: the current quarter).")
@OUT
def rag_command(year, quarter, out) -> None:
    """The RAG quarterly report (default: the current quarter of the current financial year)."""
    fmt = _format(out, ("pdf", "csv", "xlsx"), "csv")
    year = forms.current_year() if year is None else year
    quarter = forms.current_quarter() if quarter is None else quarter
    try:
        period_from(year=year, quarter=quarter)
    except ReportFilterError as exc:
        raise _refuse(exc, f"--{exc.field}") from None
    report = build_rag_report(db.session, year, quarter, generated_by=BY, today=london_today())
    _write(outputs.rag_output(report, fmt), out)


@report_cli.command("360giving")
@YEAR
@OUT
def open_data_command(year, out) -> None:
    """Grants awarded in a financial year as 360Giving open data (JSON package, CSV or XLSX)."""
    fmt = _format(out, ("json", "csv", "xlsx"), "json")
    year = forms.current_year() if year is None else year
    try:
        period_from(year=year)
    except ReportFilterError as exc:
        raise _refuse(exc, "--year") from None
    settings = current_app.config["SOSAFE"]
    package = build_open_data(
        db.session, year, prefix=settings.open_data_prefix, funder_id=settings.open_data_funder_id
    )
    if not package["grants"]:
        raise click.ClickException(
            "No grants were awarded in that financial year: 360Giving needs at least one"
        )
    _write(outputs.open_data_output(package, fmt, year), out)
