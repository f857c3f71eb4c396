"""One transitions.Machine per workflow definition: the thing that decides.

For a trigger fired from a state, the machine finds the transition (`get_transitions`), runs its
`prepare` callback (the engine's role and input checks), evaluates the named guards in the order the
YAML lists them as its conditions, changes the state, and runs the named effects as its `after`
callbacks. fire() keeps what is ours around it: the row lock, the savepoint, the audit row and the
caller's transaction.

Thread safety: the machine holds no model. Each fire() passes its own small `Subject` (a per-call
object whose `state` setter writes the ORM row) and its own TransitionContext in the event's kwargs, so
two requests never share mutable state through the machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions import EventData, Machine, Transition

from grants_app.workflow.context import TransitionContext
from grants_app.workflow.definition import TransitionDef, WorkflowDefinition
from grants_app.workflow.registry import RuleRegistry


class GovernedTransition(Transition):
    """A transitions.Transition that carries its definition from the YAML (label, roles, inputs)."""

    def __init__(self, *args: Any, spec: TransitionDef, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec


class GovernedMachine(Machine):
    """A transitions.Machine whose transitions carry their YAML definitions."""

    transition_cls = GovernedTransition


class Subject:
    """What the machine moves for one fire() call: reads the object's state, and writes a new one
    through `write` (the engine's version-checked write of the ORM row)."""

    __slots__ = ("_state", "_write")

    def __init__(self, state: str, write: Callable[[str], None]) -> None:
        self._state = state
        self._write = write

    @property
    def state(self) -> str:
        return self._state

    @state.setter
    def state(self, value: str) -> None:
        self._write(value)
        self._state = value


def context_of(event: EventData) -> TransitionContext:
    """The TransitionContext fire() passed with the event."""
    return event.kwargs["ctx"]


def _condition(name: str, rules: RuleRegistry) -> Callable[[EventData], bool]:
    """A guard as a machine condition: False stops the transition, and the guard's sentence is kept on
    the context so fire() can tell the person which rule refused and why. The guard is looked up by
    name when it runs, so the registry stays the one place a rule is defined."""

    def check(event: EventData) -> bool:
        ctx = context_of(event)
        refusal = rules.guards[name](ctx)
        if refusal:
            ctx.refusal = (name, refusal)
            return False
        return True

    check.__name__ = check.__qualname__ = f"guard_{name}"
    return check


def _callback(name: str, rules: RuleRegistry) -> Callable[[EventData], None]:
    def run(event: EventData) -> None:
        rules.effects[name](context_of(event))

    run.__name__ = run.__qualname__ = f"effect_{name}"
    return run


def build_machine(
    definition: WorkflowDefinition, rules: RuleRegistry, prepare: Callable[[EventData], None]
) -> GovernedMachine:
    """The machine for one definition. `prepare` runs first on every transition (role and inputs)."""
    return GovernedMachine(
        model=None,
        states=list(definition.states),
        transitions=[
            {
                "trigger": t.trigger,
                "source": list(t.sources),
                "dest": t.dest,
                "prepare": [prepare],
                "conditions": [_condition(name, rules) for name in t.guards],
                "after": [_callback(name, rules) for name in t.effects],
                "spec": t,
            }
            for t in definition.transitions
        ],
        initial=definition.initial,
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
    )


def transition_for(machine: GovernedMachine, trigger: str, state: str) -> GovernedTransition | None:
    """The transition `trigger` means from `state`, as the machine has it (None if it has none)."""
    if trigger not in machine.events:
        return None
    found = machine.get_transitions(trigger=trigger, source=state)
    return found[0] if found else None


def triggers_from(machine: GovernedMachine, state: str) -> list[GovernedTransition]:
    """Every transition the machine allows from `state`, in the order the workflow file lists them."""
    return [
        t for trigger in machine.get_triggers(state) for t in machine.get_transitions(trigger, source=state)
    ]
