"""Named guards and effects that workflow files refer to.

A guard takes the transition context and returns None when the action may go ahead, or a sentence for
the person explaining why not. An effect takes the context and does the work that follows a transition
(create an award, queue an email); it flushes but never commits.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grants_app.workflow.engine import TransitionContext

Guard = Callable[["TransitionContext"], str | None]
Effect = Callable[["TransitionContext"], None]

GUARDS: dict[str, Guard] = {}
EFFECTS: dict[str, Effect] = {}
ROLES = frozenset({"applicant", "officer", "jag_member", "finance", "rag_viewer", "admin", "system"})


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        if name in GUARDS:
            raise ValueError(f"guard {name!r} registered twice")
        GUARDS[name] = fn
        return fn

    return register


def effect(name: str) -> Callable[[Effect], Effect]:
    def register(fn: Effect) -> Effect:
        if name in EFFECTS:
            raise ValueError(f"effect {name!r} registered twice")
        EFFECTS[name] = fn
        return fn

    return register


def load_builtin() -> None:
    """Import the modules whose decorators fill the registries (idempotent)."""
    from grants_app.workflow import effects, guards  # noqa: F401
