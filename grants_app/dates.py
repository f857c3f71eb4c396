"""UK date conventions: Europe/London, '14 May 2026', financial years from 1 April."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from grants_app import clock
from grants_app.normalise import clean, compact

LONDON = ZoneInfo("Europe/London")


def as_utc(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime: every time is stored in UTC, and SQLite hands them
    back naive."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def london_now() -> datetime:
    """Now, in Europe/London (pinned by grants_app.clock in the demo and tests)."""
    return clock.now().astimezone(LONDON)


def london_today() -> date:
    return london_now().date()


def london_moment(day: date, at: time = time(0)) -> datetime:
    """The moment (in UTC, as timestamps are stored) the clocks in London show `at` on `day`: midnight
    by default, so `london_moment(day)` starts the day and `london_moment(day + 1 day)` ends it. A time
    the clocks skip or show twice (the March and October changes) is read as zoneinfo reads it (fold 0)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def to_london(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive values; we store UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value).date()
    return f"{value.day} {value:%B %Y}"


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    local = to_london(value)
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{format_date(local)} at {hour}{minutes}{suffix}"


def financial_year_of(day: date) -> int:
    """The year a UK financial year starts: 14 May 2026 -> 2026; 3 February 2027 -> 2026."""
    return day.year if day.month >= 4 else day.year - 1


def year_label(financial_year: int) -> str:
    """The UK financial year starting in April of `financial_year`, as written: 2026 -> "2026/27"."""
    return f"{financial_year}/{str(financial_year + 1)[-2:]}"


def financial_quarter_of(day: date) -> int:
    """Q1 April-June ... Q4 January-March."""
    return ((day.month - 4) % 12) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1 to 4")
    starts = [date(year, 4, 1), date(year, 7, 1), date(year, 10, 1), date(year + 1, 1, 1)]
    ends = [date(year, 6, 30), date(year, 9, 30), date(year, 12, 31), date(year + 1, 3, 31)]
    return starts[quarter - 1], ends[quarter - 1]


# GOV.UK Design System, "Dates" pattern: accept month names and their abbreviations as well as numbers
# (https://design-system.service.gov.uk/patterns/dates/). "Sept" is the common British abbreviation.
# Written out rather than taken from `calendar`, whose names follow the server's locale.
_MONTH_NAMES = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTHS = {
    **{name: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: n for n, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}


def parse_month(text: str | None) -> int | None:
    """1 to 12 from '4', '04', 'Apr', 'apr.', 'April' or 'SEPT'; None for anything else."""
    value = compact(text).lower().rstrip(".")
    if value.isascii() and value.isdigit() and len(value) <= 2:
        number = int(value)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value)


def parse_date_parts(day: str | None, month: str | None, year: str | None, label: str) -> date:
    """The date in three boxes (day, month, year), with the GOV.UK date input's messages: ValueError
    '{label} must include a month', '... must be a real date', '... year must include 4 numbers'.
    The month may be a number or a name ('1', 'Jan', 'January'); invisible characters are ignored."""
    parts = [compact(p)[:12] for p in (day, month, year)]
    missing = [name for name, part in zip(("day", "month", "year"), parts, strict=True) if not part]
    if missing:
        raise ValueError(f"{label} must include a {' and a '.join(missing)}")
    day_text, month_text, year_text = parts
    month_number = parse_month(month_text)
    if month_number is None or not all(
        p.isascii() and p.isdigit() and len(p) <= 4 for p in (day_text, year_text)
    ):
        raise ValueError(f"{label} must be a real date")
    if len(year_text) != 4:
        raise ValueError(f"{label} year must include 4 numbers")
    try:
        return date(int(year_text), month_number, int(day_text))
    except ValueError:
        raise ValueError(f"{label} must be a real date") from None


_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_DATE_SEPARATORS = re.compile(r"[\s/.\-,]+")


def parse_date(text: str | None, label: str = "Date") -> date:
    """A date typed in one box: '2026-04-01' (what a browser's date picker sends), '1/4/2026',
    '1 April 2026', '1 Apr 2026' or '1-apr-2026' (day first, the UK way). ValueError with a GOV.UK-style
    message otherwise; its example is written the UK way, as people type it in one box."""
    value = clean(text).strip()
    if not value:
        raise ValueError(f"Enter the {label.lower()}")
    if _ISO_DATE.match(compact(value)):
        year, month, day = compact(value).split("-")
        return parse_date_parts(day, month, year, label)
    parts = [p for p in _DATE_SEPARATORS.split(value) if p]
    if len(parts) != 3:
        raise ValueError(f"{label} must be a real date, like 14/05/2026 or 14 May 2026")
    return parse_date_parts(*parts, label)
