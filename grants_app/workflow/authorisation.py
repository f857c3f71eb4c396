"""Which objects' lifecycle columns the engine is writing right now.

fire() and start() mark an object while they write its state; the ORM listener in state_guard refuses a
flush that changes a state column of any object not marked. A context variable, so each thread and each
request sees only its own marks.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

_authorised: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "workflow_authorised_writes", default=frozenset()
)


@contextmanager
def authorise(obj: object) -> Iterator[None]:
    """Allow writes to obj's lifecycle columns inside the block."""
    token = _authorised.set(_authorised.get() | {id(obj)})
    try:
        yield
    finally:
        _authorised.reset(token)


def is_authorised_write(obj: object) -> bool:
    """Whether obj is being written by the engine in this context."""
    return id(obj) in _authorised.get()
