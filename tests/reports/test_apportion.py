"""Largest-remainder apportionment: every column adds up to the penny, whatever the split."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from grants_app.reports.apportion import largest_remainder, tenths_of_percent
from grants_app.reports.figures import GrantFigures
from grants_app.reports.spend import _apportion, _sum

percent_splits = st.lists(st.integers(1, 100), min_size=1, max_size=5).filter(lambda w: sum(w) > 0)


@given(st.integers(-(10**9), 10**10), percent_splits)
def test_parts_add_up_and_stay_within_a_penny_of_the_exact_share(total, weights):
    parts = largest_remainder(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(total * weight, whole)) < 1


def test_ties_go_to_the_lower_priority_and_a_known_case():
    assert largest_remainder(100, [50, 50]) == [50, 50]
    assert largest_remainder(1, [50, 50]) == [1, 0]
    assert largest_remainder(1000, [33, 33, 34]) == [330, 330, 340]
    assert largest_remainder(100, [1, 1, 1]) == [34, 33, 33]


grant = st.tuples(
    st.lists(st.integers(0, 10**7), min_size=6, max_size=6),
    st.lists(st.integers(1, 100), min_size=1, max_size=5),
)


@settings(max_examples=200)
@given(st.lists(grant, min_size=1, max_size=40))
def test_apportioned_report_columns_equal_the_unapportioned_totals(grants):
    """Split each grant's six money columns across its priorities, add up by priority, then add the
    priorities: the result equals the plain sum of the grants, column by column, to the penny."""
    by_priority: dict[int, list[GrantFigures]] = {}
    plain = []
    for values, weights in grants:
        money = GrantFigures(*values)
        plain.append(money)
        for priority, part in enumerate(_apportion(money, weights)):
            by_priority.setdefault(priority, []).append(part)
    assert _sum(_sum(parts) for parts in by_priority.values()) == _sum(plain)


@given(st.lists(st.integers(0, 10**8), min_size=1, max_size=8))
def test_shares_add_up_to_a_hundred_percent(amounts):
    shares = tenths_of_percent(amounts)
    if sum(amounts) == 0:
        assert shares == [None] * len(amounts)
    else:
        assert sum(shares) == 1000
