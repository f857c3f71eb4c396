"""The period a report covers: a financial year (1 April to 31 March), one of its quarters, or dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from grants_app.dates import format_date, london_moment, quarter_bounds, year_label
from grants_app.refusals import Refusal


class ReportFilterError(Refusal):
    """A report's filters make no sense; `field` names the form field and `message` is for the person."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


@dataclass(frozen=True)
class Period:
    """Inclusive London dates; `year` and `quarter` are set when the period is one of those."""

    starts_on: date
    ends_on: date
    year: int | None = None
    quarter: int | None = None

    @property
    def label(self) -> str:
        if self.year is not None and self.quarter is not None:
            return f"Quarter {self.quarter} of {year_label(self.year)} ({self.dates_label})"
        if self.year is not None:
            return f"Financial year {year_label(self.year)} ({self.dates_label})"
        return self.dates_label

    @property
    def dates_label(self) -> str:
        return f"{format_date(self.starts_on)} to {format_date(self.ends_on)}"

    @property
    def short_label(self) -> str:
        if self.year is not None and self.quarter is not None:
            return f"Q{self.quarter} {year_label(self.year)}"
        if self.year is not None:
            return year_label(self.year)
        return f"{self.starts_on.isoformat()} to {self.ends_on.isoformat()}"

    @property
    def starts_at(self) -> datetime:
        """The first moment of the period in UTC (London midnight), for comparing stored timestamps."""
        return london_moment(self.starts_on)

    @property
    def ends_before(self) -> datetime:
        """The first moment after the period in UTC: timestamps in the period are < this."""
        return london_moment(self.ends_on + timedelta(days=1))

    def previous_quarter(self) -> Period:
        if self.year is None or self.quarter is None:
            raise ValueError("only a quarter has a previous quarter")
        year, quarter = (self.year, self.quarter - 1) if self.quarter > 1 else (self.year - 1, 4)
        return quarter_of(year, quarter)

    def year_to_date(self) -> Period:
        """From 1 April of the period's financial year to the end of the period."""
        if self.year is None:
            raise ValueError("only a financial-year period has a year to date")
        return Period(date(self.year, 4, 1), self.ends_on, self.year, None)


def financial_year(year: int) -> Period:
    return Period(date(year, 4, 1), date(year + 1, 3, 31), year, None)


def quarter_of(year: int, quarter: int) -> Period:
    starts, ends = quarter_bounds(year, quarter)
    return Period(starts, ends, year, quarter)


def period_from(
    *,
    year: int | None,
    quarter: int | None = None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Period:
    """The period chosen by a report's filters. Raises ReportFilterError with a GOV.UK-style message."""
    if year is not None and not 2000 <= year <= 2100:
        raise ReportFilterError("year", "Enter a financial year between 2000 and 2100, like 2026")
    if quarter is not None:
        if quarter not in (1, 2, 3, 4):
            raise ReportFilterError("quarter", "Choose a quarter from 1 to 4")
        if year is None:
            raise ReportFilterError("year", "Enter the financial year the quarter is in")
    if starts_on is not None or ends_on is not None:
        if quarter is not None:
            raise ReportFilterError("starts_on", "Choose a quarter or dates, not both")
        if starts_on is None or ends_on is None:
            field = "starts_on" if starts_on is None else "ends_on"
            raise ReportFilterError(field, "Enter both a start date and an end date")
        if ends_on < starts_on:
            raise ReportFilterError("ends_on", "The end date must be the same as or after the start date")
        if (ends_on - starts_on).days > 366 * 10:
            raise ReportFilterError("ends_on", "Choose dates no more than 10 years apart")
        return Period(starts_on, ends_on, None, None)
    if year is None:
        raise ReportFilterError("year", "Enter a financial year, like 2026, or a start and end date")
    return quarter_of(year, quarter) if quarter is not None else financial_year(year)
