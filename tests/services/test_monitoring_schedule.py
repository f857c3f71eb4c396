"""The monitoring schedule: a return for each financial-year quarter the project runs in, the last one
final, each due a set number of days after its period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grants_app.dates import financial_quarter_of, financial_year_of, quarter_bounds
from grants_app.services.monitoring import monitoring_schedule, scheduled_returns


def test_a_project_from_february_to_may_has_q4_and_q1_returns():
    schedule = scheduled_returns(date(2026, 2, 1), date(2026, 5, 31))
    assert [(r.label, r.starts_on, r.ends_on, r.due_on, r.is_final) for r in schedule] == [
        ("Q4 2025/26", date(2026, 2, 1), date(2026, 3, 31), date(2026, 4, 30), False),
        ("Q1 2026/27 (final)", date(2026, 4, 1), date(2026, 5, 31), date(2026, 6, 30), True),
    ]


def test_a_whole_financial_year_has_four_returns_the_last_final():
    schedule = scheduled_returns(date(2026, 4, 1), date(2027, 3, 31))
    assert [r.label for r in schedule] == [
        "Q1 2026/27",
        "Q2 2026/27",
        "Q3 2026/27",
        "Q4 2026/27 (final)",
    ]
    assert [r.due_on for r in schedule] == [
        date(2026, 7, 30),
        date(2026, 10, 30),
        date(2027, 1, 30),
        date(2027, 4, 30),
    ]


def test_crossing_the_calendar_year_is_q3_then_q4_of_the_same_financial_year():
    schedule = scheduled_returns(date(2026, 11, 15), date(2027, 1, 20))
    assert [(r.label, r.starts_on, r.ends_on) for r in schedule] == [
        ("Q3 2026/27", date(2026, 11, 15), date(2026, 12, 31)),
        ("Q4 2026/27 (final)", date(2027, 1, 1), date(2027, 1, 20)),
    ]
    assert schedule[-1].due_on == date(2027, 2, 19)  # 30 days after the project ends


def test_crossing_financial_years_keeps_counting_quarters():
    schedule = scheduled_returns(date(2026, 3, 10), date(2026, 7, 5))
    assert [r.label for r in schedule] == ["Q4 2025/26", "Q1 2026/27", "Q2 2026/27 (final)"]


def test_a_project_inside_one_quarter_has_only_the_final_return():
    (only,) = scheduled_returns(date(2026, 7, 1), date(2026, 8, 15))
    assert only.is_final and only.label == "Q2 2026/27 (final)"
    assert only.due_on == date(2026, 9, 14)


def test_the_due_date_is_the_funds_setting():
    schedule = scheduled_returns(date(2026, 4, 1), date(2026, 9, 30), due_days=45)
    assert [r.due_on for r in schedule] == [date(2026, 8, 14), date(2026, 11, 14)]


def test_the_old_call_still_gives_label_due_date_and_final_flag():
    assert monitoring_schedule(date(2026, 2, 1), date(2026, 5, 31)) == [
        ("Q4 2025/26", date(2026, 4, 30), False),
        ("Q1 2026/27 (final)", date(2026, 6, 30), True),
    ]


def test_impossible_projects_are_refused():
    with pytest.raises(ValueError, match="end on or after"):
        scheduled_returns(date(2026, 5, 1), date(2026, 4, 30))
    with pytest.raises(ValueError, match="at least a day"):
        scheduled_returns(date(2026, 4, 1), date(2026, 5, 1), due_days=0)


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(start=days, length=st.integers(min_value=0, max_value=1200), due_days=st.integers(1, 180))
def test_periods_cover_the_project_exactly_one_quarter_each(start, length, due_days):
    end = start + timedelta(days=length)
    schedule = scheduled_returns(start, end, due_days)
    assert schedule[0].starts_on == start and schedule[-1].ends_on == end
    assert [r.is_final for r in schedule] == [False] * (len(schedule) - 1) + [True]
    for before, after in zip(schedule, schedule[1:], strict=False):
        assert after.starts_on == before.ends_on + timedelta(days=1)
    for r in schedule:
        year, quarter = financial_year_of(r.starts_on), financial_quarter_of(r.starts_on)
        q_start, q_end = quarter_bounds(year, quarter)
        assert q_start <= r.starts_on <= r.ends_on <= q_end
        assert r.due_on == (end if r.is_final else q_end) + timedelta(days=due_days)
    assert len({r.label for r in schedule}) == len(schedule)


def test_starting_delivery_schedules_the_returns_from_the_project_and_fund(make, session, ref):
    ref.fund.return_due_days = 45
    app, _officer = make.in_delivery()
    expected = scheduled_returns(app.start_date, app.end_date, 45)
    got = sorted(app.monitoring_returns, key=lambda r: r.due_on)
    assert [(r.period_label, r.period_starts_on, r.period_ends_on, r.due_on, r.is_final) for r in got] == [
        (e.label, e.starts_on, e.ends_on, e.due_on, e.is_final) for e in expected
    ]
    assert all(r.state == "due" for r in got)
