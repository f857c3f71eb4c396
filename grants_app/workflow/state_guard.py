"""An ORM listener that refuses any lifecycle state write not made by the workflow engine."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from grants_app.models import WORKFLOW_MODELS
from grants_app.workflow.errors import IllegalStateWrite

GOVERNED_COLUMNS = ("state", "workflow_name", "workflow_version")
_GOVERNED_TYPES = tuple(WORKFLOW_MODELS.values())


def _check(session: Session, _flush_context, _instances) -> None:
    from grants_app.workflow.engine import get_engine, is_authorised_write

    for obj in session.new:
        if isinstance(obj, _GOVERNED_TYPES) and not is_authorised_write(obj):
            initial = get_engine().definition(obj.workflow_name or "").initial if obj.workflow_name else None
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


def install_state_guard() -> None:
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
