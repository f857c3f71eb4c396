"""The reports' filters as forms, read from the query string: bad filters get GOV.UK-style messages."""

from __future__ import annotations

from wtforms import DateField, Form, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from grants_app.normalise import parse_id
from grants_app.reports.period import Period, period_from

FORMATS = {"pdf": "PDF", "csv": "CSV", "xlsx": "XLSX"}


def _id_or_none(value) -> int | None:
    text = str(value or "").strip()
    return parse_id(text)


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
            raise ValueError("Enter the financial year as a number, like 2026") from None


class DayField(DateField):
    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a real date, like 2026-04-01") from None


class _Base(Form):
    format = Choice("Format", "Choose PDF, CSV or XLSX", choices=list(FORMATS.items()), default="pdf")

    def first_errors(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary, first error of each field."""
        return [(name, messages[0]) for name, messages in self.errors.items() if messages]

    def add_error(self, field: str, message: str) -> None:
        target = getattr(self, field, None)
        if target is None:
            target = self.format
        target.errors = [*list(target.errors or []), message]


class SpendForm(_Base):
    year = YearField(
        "Financial year (the year it starts, like 2026 for 2026/27)",
        validators=[
            Optional(),
            NumberRange(2000, 2100, "Enter a financial year between 2000 and 2100, like 2026"),
        ],
    )
    quarter = Choice(
        "Quarter",
        "Choose a quarter from 1 to 4, or the whole year",
        choices=[
            ("", "Whole year"),
            ("1", "Q1 April to June"),
            ("2", "Q2 July to September"),
            ("3", "Q3 October to December"),
            ("4", "Q4 January to March"),
        ],
        default="",
    )
    starts_on = DayField("Or from (date)", validators=[Optional()])
    ends_on = DayField("To (date)", validators=[Optional()])
    # Unknown ids are refused by the report builder with a message (validate_choice would say it in English
    # nobody uses); garbage becomes -1, which no row has.
    fund_ids = SelectMultipleField(
        "Funds (none chosen: every fund of the year)", coerce=_id_or_minus_one, validate_choice=False
    )
    priority_id = SelectField("Priority", coerce=_id_or_none, default=None, validate_choice=False)

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
            Length(max=20, message="A reference has 20 characters or fewer"),
        ],
    )


class JagPackForm(_Base):
    meeting_id = SelectField("Meeting", coerce=_id_or_none, validate_choice=False)


class RagForm(_Base):
    year = YearField(
        "Financial year (like 2026 for 2026/27)",
        validators=[
            InputRequired("Enter the financial year, like 2026"),
            NumberRange(2000, 2100, "Enter a financial year between 2000 and 2100, like 2026"),
        ],
    )
    quarter = Choice(
        "Quarter",
        "Choose a quarter from 1 to 4",
        choices=[
            ("1", "Q1 April to June"),
            ("2", "Q2 July to September"),
            ("3", "Q3 October to December"),
            ("4", "Q4 January to March"),
        ],
        validators=[InputRequired("Choose a quarter from 1 to 4")],
    )


class OpenDataForm(_Base):
    format = Choice(
        "Format",
        "Choose JSON, CSV or XLSX",
        choices=[("json", "JSON (360Giving package)"), ("csv", "CSV"), ("xlsx", "XLSX")],
        default="json",
    )
    year = YearField(
        "Financial year the grants were awarded in (like 2026)",
        validators=[
            InputRequired("Enter the financial year, like 2026"),
            NumberRange(2000, 2100, "Enter a financial year between 2000 and 2100, like 2026"),
        ],
    )
