"""An ORM listener that refuses any lifecycle state write not made by the workflow engine."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from grants_app.models import WORKFLOW_MODELS
from grants_app.workflow.authorisation import is_authorised_write
from grants_app.workflow.errors import IllegalStateWrite

GOVERNED_COLUMNS = ("state", "workflow_name", "workflow_version")
_GOVERNED_TYPES = tuple(WORKFLOW_MODELS.values())


def _listener(initial_state: Callable[[str], str | None]):
    def check(session: Session, _flush_context, _instances) -> None:
        for obj in session.new:
            if isinstance(obj, _GOVERNED_TYPES) and not is_authorised_write(obj):
                initial = initial_state(obj.workflow_name) if obj.workflow_name else None
                if obj.state != initial:
                    raise IllegalStateWrite(
                        f"A new {type(obj).__name__} must start in its workflow's initial state "
                        f"({initial!r}), not {obj.state!r}: use workflow.start()"
                    )
        for obj in session.dirty:
            if not isinstance(obj, _GOVERNED_TYPES) or is_authorised_write(obj):
                continue
            attrs = inspect(obj).attrs
            changed = [name for name in GOVERNED_COLUMNS if attrs[name].history.has_changes()]
            if changed:
                raise IllegalStateWrite(
                    f"{type(obj).__name__}.{changed[0]} may only be changed through the workflow engine's fire()"
                )

    return check


_installed: list[Callable] = []


def install_state_guard(initial_state: Callable[[str], str | None]) -> None:
    """Listen on every Session's before_flush. `initial_state(workflow_name)` names the one state a new
    row may be created in. Installing again replaces the previous listener (one app per process in
    production; tests may build several)."""
    for old in _installed:
        if event.contains(Session, "before_flush", old):
            event.remove(Session, "before_flush", old)
    _installed.clear()
    listener = _listener(initial_state)
    event.listen(Session, "before_flush", listener)
    _installed.append(listener)
