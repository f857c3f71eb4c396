"""The current time, which demo seeding and tests can pin so histories carry realistic dates."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_pinned: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("pinned_now", default=None)


def now() -> datetime:
    return _pinned.get() or datetime.now(UTC)


@contextmanager
def pinned(moment: datetime) -> Iterator[None]:
    if moment.tzinfo is None:
        raise ValueError("pin the clock to an aware datetime")
    token = _pinned.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _pinned.reset(token)
