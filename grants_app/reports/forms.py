"""The reports' filters as forms, read from the query string: bad filters get GOV.UK-style messages.

Every report asks for the same things the same way: a financial year (the year it starts, defaulting to
the current one), a quarter where the report has one (the RAG's defaults to the current quarter), and a
format. Choices are WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3). The CLI
(grants_app/report_commands.py) reads the same messages and defaults from here.
"""

from __future__ import annotations

import re
from datetime import date

from wtforms import DateField, Form, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from grants_app.dates import financial_quarter_of, financial_year_of, london_today, parse_date
from grants_app.normalise import parse_id
from grants_app.reports.period import Period, ReportFilterError, period_from
from grants_app.services.application_search import typed_reference

FORMATS = {"pdf": "PDF", "csv": "CSV", "xlsx": "XLSX"}
YEAR_LABEL = "Financial year (the year it starts: 2026 for 2026/27)"
YEAR_NOT_A_NUMBER = "Enter the financial year as a number, like 2026"
YEAR_OUT_OF_RANGE = "Enter a financial year between 2000 and 2100, like 2026"
YEAR_MISSING = "Enter the financial year, like 2026"
QUARTER_MESSAGE = "Choose a quarter from 1 to 4"
QUARTERS = {
    1: "Q1 April to June",
    2: "Q2 July to September",
    3: "Q3 October to December",
    4: "Q4 January to March",
}
# A grant reference is letters, digits and hyphens (SOS-2026-0001); anything else cannot be one.
_REFERENCE = re.compile(r"[A-Z0-9-]{1,20}")


def choices(pairs) -> list[SelectChoice]:
    """[(value, label), ...] as the SelectChoice objects WTForms asks for."""
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


def current_year(today: date | None = None) -> int:
    """The financial year `today` (London) is in: the default of every report's year."""
    return financial_year_of(today or london_today())


def current_quarter(today: date | None = None) -> int:
    """The financial quarter `today` (London) is in (1 is April to June): the RAG report's default."""
    return financial_quarter_of(today or london_today())


def grant_reference(text: str | None) -> str:
    """A grant reference as typed ('sos 2026 0001', '2026-0001', '0001', with invisible characters) in
    the stored form's shape ('SOS-2026-0001', '2026-0001', '0001'): build_statement finds the grant by
    any of them, as the application list's search does. Raises ReportFilterError for anything that
    cannot be a reference (a NUL byte, markup, more than 20 characters), so such text never reaches
    the database."""
    cleaned = typed_reference(text)
    if not cleaned:
        raise ReportFilterError("reference", "Enter the grant's reference, like SOS-2026-0001")
    if not _REFERENCE.fullmatch(cleaned):
        raise ReportFilterError("reference", "There is no grant with that reference: check it is awarded")
    return cleaned


def _id_or_none(value) -> int | None:
    text = str(value or "").strip()
    return parse_id(text)


def _id_blank_none_else_minus_one(value) -> int | None:
    """None when nothing was chosen; the id; else -1 (no row has it), so garbage is refused, not ignored."""
    if not str(value if value is not None else "").strip():
        return None
    return _id_or_minus_one(value)


def _id_or_minus_one(value) -> int:
    found = _id_or_none(value)
    return -1 if found is None else found


class Choice(SelectField):
    """A select whose refusal reads like GOV.UK's, never "Not a valid choice"."""

    def __init__(self, label: str, message: str = "Choose an option from the list", **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.message) from None


class YearField(IntegerField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(YEAR_NOT_A_NUMBER) from None


class DayField(DateField):
    """A date box that reads what people type as every date box does (dates.parse_date): the picker's
    2026-04-01, 1/4/2026 or 1 April 2026."""

    def __init__(self, label: str, *, what: str, **kwargs) -> None:
        super().__init__(label, **kwargs)
        self.what = what  # how messages name the date: "Start date"

    def process_formdata(self, valuelist) -> None:
        text = valuelist[0] if valuelist else ""
        if not str(text).strip():
            self.data = None
            return
        try:
            self.data = parse_date(str(text), label=self.what)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(exc)) from None


class _Base(Form):
    format = Choice("Format", "Choose PDF, CSV or XLSX", choices=choices(FORMATS.items()), default="pdf")

    def first_errors(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, first error of each field."""
        return [(name, messages[0]) for name, messages in self.errors.items() if messages]

    def add_error(self, field: str, message: str) -> None:
        target = getattr(self, field, None)
        if target is None:
            target = self.format
        target.errors = [*list(target.errors or []), message]


def _year(required: bool) -> YearField:
    first = InputRequired(YEAR_MISSING) if required else Optional()
    return YearField(YEAR_LABEL, validators=[first, NumberRange(2000, 2100, YEAR_OUT_OF_RANGE)])


class SpendForm(_Base):
    year = _year(required=False)
    quarter = Choice(
        "Quarter",
        "Choose a quarter from 1 to 4, or the whole year",
        choices=choices([("", "Whole year"), *QUARTERS.items()]),
        default="",
    )
    starts_on = DayField("Or from (date)", what="Start date", validators=[Optional()])
    ends_on = DayField("To (date)", what="End date", validators=[Optional()])
    # Unknown ids are refused by the report builder with a message (validate_choice would say it in English
    # nobody uses); garbage becomes -1, which no row has.
    fund_ids = SelectMultipleField(
        "Funds (none chosen: every fund of the year)", coerce=_id_or_minus_one, validate_choice=False
    )
    priority_id = SelectField(
        "Priority", coerce=_id_blank_none_else_minus_one, default=None, validate_choice=False
    )

    def period(self) -> Period:
        quarter = int(self.quarter.data) if self.quarter.data in {"1", "2", "3", "4"} else None
        return period_from(
            year=self.year.data, quarter=quarter, starts_on=self.starts_on.data, ends_on=self.ends_on.data
        )


class StatementForm(_Base):
    reference = StringField(
        "Grant reference, like SOS-2026-0001",
        validators=[
            InputRequired("Enter the grant's reference, like SOS-2026-0001"),
            Length(max=40, message="A reference has 20 characters or fewer"),
        ],
    )

    def grant_reference(self) -> str:
        """The reference in its stored form; ReportFilterError for text that cannot be one."""
        return grant_reference(self.reference.data)


class JagPackForm(_Base):
    meeting_id = SelectField("Meeting", coerce=_id_or_none, validate_choice=False)


class RagForm(_Base):
    year = _year(required=True)
    quarter = Choice(
        "Quarter",
        QUARTER_MESSAGE,
        choices=choices(QUARTERS.items()),
        validators=[InputRequired(QUARTER_MESSAGE)],
    )


class OpenDataForm(_Base):
    format = Choice(
        "Format",
        "Choose JSON, CSV or XLSX",
        choices=choices([("json", "JSON (360Giving package)"), ("csv", "CSV"), ("xlsx", "XLSX")]),
        default="json",
    )
    year = _year(required=True)
