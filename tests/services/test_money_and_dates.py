from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants_app.dates import (
    financial_quarter_of,
    financial_year_of,
    format_date,
    london_moment,
    quarter_bounds,
)
from grants_app.money import format_pence, parse_pounds, pounds_decimal
from grants_app.services.monitoring import monitoring_schedule


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "£0.00"), (5, "£0.05"), (123456, "£1,234.56"), (5_000_000, "£50,000.00"), (-250, "-£2.50")],
)
def test_format_pence(pence, text):
    assert format_pence(pence) == text


def test_whole_pounds_can_drop_the_pence():
    assert format_pence(5_000_000, whole=True) == "£50,000"
    assert format_pence(5_000_050, whole=True) == "£50,000.50"


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("1500", 150000),
        ("£1,500", 150000),
        ("1500.5", 150050),
        ("1500.05", 150005),
        (" £ 12 ", 1200),
        ("0.99", 99),
    ],
)
def test_parse_pounds(text, pence):
    assert parse_pounds(text) == pence


@pytest.mark.parametrize(
    "text", ["", "abc", "1.234", "-5", "1e5", "12,34", "£", "NaN", "1_000", "99999999999"]
)
def test_parse_pounds_refuses_nonsense_with_a_message(text):
    with pytest.raises(ValueError, match="(Enter|too large)"):
        parse_pounds(text)


@given(st.integers(min_value=0, max_value=10**11))
def test_formatting_then_parsing_gives_the_same_pence(pence):
    assert parse_pounds(format_pence(pence)) == pence


@pytest.mark.parametrize(
    ("day", "year", "quarter"),
    [
        (date(2026, 4, 1), 2026, 1),
        (date(2026, 6, 30), 2026, 1),
        (date(2026, 7, 1), 2026, 2),
        (date(2026, 12, 31), 2026, 3),
        (date(2027, 1, 1), 2026, 4),
        (date(2027, 3, 31), 2026, 4),
    ],
)
def test_uk_financial_year_and_quarters(day, year, quarter):
    assert financial_year_of(day) == year
    assert financial_quarter_of(day) == quarter
    start, end = quarter_bounds(year, quarter)
    assert start <= day <= end


def test_dates_are_shown_the_gov_uk_way():
    assert format_date(date(2026, 5, 14)) == "14 May 2026"


def test_monitoring_schedule_has_quarterly_returns_and_a_final_one():
    schedule = monitoring_schedule(date(2026, 5, 1), date(2027, 2, 28))
    labels = [label for label, _due, _final in schedule]
    assert labels == ["Q1 2026/27", "Q2 2026/27", "Q3 2026/27", "Q4 2026/27 (final)"]
    assert schedule[0][1] == date(2026, 7, 30)
    assert schedule[-1] == ("Q4 2026/27 (final)", date(2027, 3, 30), True)


@given(
    st.dates(min_value=date(2025, 4, 1), max_value=date(2030, 3, 1)), st.integers(min_value=0, max_value=700)
)
def test_schedule_always_ends_with_one_final_return_after_the_project(start, length):
    from datetime import timedelta

    end = start + timedelta(days=length)
    schedule = monitoring_schedule(start, end)
    assert [final for *_x, final in schedule].count(True) == 1
    assert schedule[-1][2] and schedule[-1][1] > end
    dues = [due for _l, due, _f in schedule]
    assert dues == sorted(dues)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_pounds_as_a_plain_number_read_back_to_the_same_pence(pence):
    """What the CSV and the amount fields show parses back to the pence it came from, sign included
    ('-1.50' for -150: the old f"{p // 100}.{p % 100:02d}" wrote '-2.50')."""
    text = pounds_decimal(pence)
    assert "£" not in text and "," not in text
    assert round(Decimal(text) * 100) == pence
    if 0 <= pence < 10**10:  # what parse_pounds takes (it refuses more than ten digits of pounds)
        assert parse_pounds(text) == pence


def test_london_moment_is_the_utc_instant_of_the_wall_clock_in_london():
    # British Summer Time: midnight in London is 11pm the evening before in UTC.
    assert london_moment(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    # Greenwich Mean Time: the same.
    assert london_moment(date(2026, 12, 1), time(17, 0)) == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    # The day the clocks go forward is 23 hours long; the day they go back, 25.
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)
    assert london_moment(spring + timedelta(days=1)) - london_moment(spring) == timedelta(hours=23)
    assert london_moment(autumn + timedelta(days=1)) - london_moment(autumn) == timedelta(hours=25)
