"""Splitting a sum across priorities by percentage so that every column still adds up to the penny.

The largest-remainder (Hamilton) method: each part first gets the floor of its exact share; the pence
left over go one each to the parts with the largest remainders, ties to the earlier part (the lower
priority number, as callers pass parts in priority order). The parts always add up to the total, so a
report's columns apportioned grant by grant add up to the unapportioned totals exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

METHOD_NOTE = (
    "A grant split across priorities counts in each priority by its percentage. Each amount is shared "
    "out by the largest-remainder method: every priority first gets its exact share rounded down to the "
    "penny, then the pence left over go one at a time to the priorities with the largest remainders "
    "(ties to the lower priority number). So every column adds up, to the penny, to the total of the "
    "grants it covers."
)


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` (an integer: pence, people) in proportion to `weights` (percentages).

    Returns one integer per weight, in the same order, adding up to `total` exactly (also for a negative
    total). Raises ValueError when there are no weights, a weight is negative or they add up to nothing.
    """
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("weights must be non-negative and add up to more than 0")
    whole = sum(weights)
    shares = [total * w for w in weights]
    parts = [share // whole for share in shares]  # floor, also for negative totals
    remainders = [share - part * whole for share, part in zip(shares, parts, strict=True)]
    left_over = total - sum(parts)  # 0 <= left_over < len(weights)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left_over]:
        parts[index] += 1
    return parts


def tenths_of_percent(amounts: Sequence[int]) -> list[int | None]:
    """Each amount's share of their total in tenths of a percent, adding up to 1000 (100.0%).

    None for every amount when the total is not positive (a share of nothing is not 0%).
    """
    total = sum(amounts)
    if total <= 0 or any(a < 0 for a in amounts):
        return [None for _ in amounts]
    return list(largest_remainder(1000, list(amounts)))
