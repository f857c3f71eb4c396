"""Audit events for things that are not state changes: creations, declarations, votes, admin edits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from grants_app.models import AuditEvent, utcnow

# Never copied into the audit trail, even as a diff.
SECRET_FIELDS = frozenset({"password_hash", "totp_secret", "token_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    session: Session,
    actor: Any,
    entity_type: str,
    entity_id: int,
    action: str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event (who, what, why, data as plain JSON values) in the caller's transaction."""
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "audit_label", str(actor)),
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        reason=reason,
        data=_plain(data or {}),
    )
    session.add(event)
    return event


def field_changes(obj: Any) -> dict[str, dict[str, Any]]:
    """{field: {"from": old, "to": new}} for the column attributes changed on obj since it was loaded."""
    state = inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if attr.key in SECRET_FIELDS:
            changes[attr.key] = {"from": "(hidden)", "to": "(changed)"}
        else:
            changes[attr.key] = {"from": _plain(old), "to": _plain(new)}
    return changes


def snapshot(obj: Any) -> dict[str, Any]:
    """Every column of obj as plain values, secrets left out (for create and delete events)."""
    state = inspect(obj)
    return {
        attr.key: _plain(getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in SECRET_FIELDS
    }


def entity_type_of(obj: Any) -> str:
    """The table name of obj, used as the audit trail's entity type."""
    return inspect(obj).mapper.local_table.name
