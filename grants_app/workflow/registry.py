"""What workflow files may name: guards, effects, roles and the state tags the code relies on.

The engine knows none of the domain's rules. A rules package (grants_app.rules for SoSafe) fills a
RuleRegistry with decorated functions; the app factory hands that registry to WorkflowEngine.load, which
checks every name a workflow file uses against it and builds the state machines from it.

A guard takes the TransitionContext and returns None when the action may go ahead, or a sentence for
the person saying why not. An effect takes the context and does the work that follows a transition
(create an award, queue an email); it may flush but never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from grants_app.workflow.context import TransitionContext

Guard = Callable[[TransitionContext], "str | None"]
Effect = Callable[[TransitionContext], None]


class RuleRegistry:
    """Named guards and effects, the roles transitions may name, and the tags code asks states for."""

    def __init__(self, roles: Iterable[str]) -> None:
        self.guards: dict[str, Guard] = {}
        self.effects: dict[str, Effect] = {}
        self.roles: frozenset[str] = frozenset(roles)
        # subject ("application", "payment" ...) -> tags some code asks for; each must be on a state.
        self.required_tags: dict[str, set[str]] = {}

    def guard(self, name: str) -> Callable[[Guard], Guard]:
        """Decorator: register `fn` as the guard a workflow file calls `name`. ValueError if taken."""

        def register(fn: Guard) -> Guard:
            if name in self.guards:
                raise ValueError(f"guard {name!r} registered twice")
            self.guards[name] = fn
            return fn

        return register

    def effect(self, name: str) -> Callable[[Effect], Effect]:
        """Decorator: register `fn` as the effect a workflow file calls `name`. ValueError if taken."""

        def register(fn: Effect) -> Effect:
            if name in self.effects:
                raise ValueError(f"effect {name!r} registered twice")
            self.effects[name] = fn
            return fn

        return register

    def require_tags(self, subject: str, tags: Iterable[str]) -> None:
        """Declare tags that code asks `subject`'s states for; start-up fails if a definition lacks one."""
        self.required_tags.setdefault(subject, set()).update(str(t) for t in tags)
