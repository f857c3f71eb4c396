"""UK date conventions: Europe/London, '14 May 2026', financial years from 1 April."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from grants_app import clock

LONDON = ZoneInfo("Europe/London")


def london_now() -> datetime:
    """Now, in Europe/London (pinned by grants_app.clock in the demo and tests)."""
    return clock.now().astimezone(LONDON)


def london_today() -> date:
    return london_now().date()


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


def financial_quarter_of(day: date) -> int:
    """Q1 April-June ... Q4 January-March."""
    return ((day.month - 4) % 12) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1 to 4")
    starts = [date(year, 4, 1), date(year, 7, 1), date(year, 10, 1), date(year + 1, 1, 1)]
    ends = [date(year, 6, 30), date(year, 9, 30), date(year, 12, 31), date(year + 1, 3, 31)]
    return starts[quarter - 1], ends[quarter - 1]
