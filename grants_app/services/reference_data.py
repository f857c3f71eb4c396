"""Audited edits of reference data: every admin create, update and delete leaves a field-level diff."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import Session

from grants_app.models import ScoringCriterion
from grants_app.services import audit
from grants_app.services.scoring import DEFAULT_CRITERIA


def readable(value: Any) -> Any:
    """How a value reads in the audit trail: a record by its name (never "<... object at 0x...>"),
    an enum by its label, dates as ISO text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    if type(value).__str__ is not object.__str__:
        return str(value)
    try:
        mapper = inspect(value).mapper
    except NoInspectionAvailable:
        return audit._plain(value)
    return f"{mapper.class_.__name__} {inspect(value).identity or ''}".strip()


def _column_change(state, key: str) -> dict[str, Any] | None:
    history = state.attrs[key].history
    if not history.has_changes():
        return None
    if key in audit.SECRET_FIELDS:
        return {"from": "(hidden)", "to": "(changed)"}
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    if old == new:
        return None
    return {"from": audit._plain(readable(old)), "to": audit._plain(readable(new))}


def _relationship_change(session: Session, state, rel) -> dict[str, Any] | None:
    history = state.attrs[rel.key].history
    if not (history.added or history.deleted):
        return None
    if rel.uselist:
        kept = [readable(v) for v in (history.unchanged or ())]
        before = sorted(kept + [readable(v) for v in history.deleted])
        after = sorted(kept + [readable(v) for v in history.added])
        return None if before == after else {"from": before, "to": after}
    new = history.added[0] if history.added else None
    old = history.deleted[0] if history.deleted else None
    if old is None and not history.deleted:
        # Flask-Admin sets the related object without loading the old one; the foreign key column
        # still holds the old id until the flush, so the old record is found from it.
        old_ids = [state.attrs[state.mapper.get_property_by_column(c).key].value for c in rel.local_columns]
        old = session.get(rel.mapper.class_, old_ids[0]) if len(old_ids) == 1 and old_ids[0] else None
    if old is new:
        return None
    return {"from": readable(old), "to": readable(new)}


def field_diff(session: Session, obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """{field: {"from": ..., "to": ...}} with readable values for the fields a person edited.

    `fields`: attribute names (the form's fields); None means every column and collection. Names that
    are not model attributes (a form's extra fields) are ignored: the caller describes those itself.
    Secrets show as "(hidden)" -> "(changed)". Reads with autoflush off, so it sees values as edited.
    """
    state = inspect(obj)
    mapper = state.mapper
    columns = {a.key for a in mapper.column_attrs}
    relationships = {r.key: r for r in mapper.relationships}
    wanted = (
        list(fields)
        if fields is not None
        else sorted(columns) + [k for k, r in relationships.items() if r.uselist]
    )
    changes: dict[str, Any] = {}
    with session.no_autoflush:
        for name in wanted:
            if name in relationships:
                change = _relationship_change(session, state, relationships[name])
            elif name in columns:
                change = _column_change(state, name)
            else:
                continue
            if change is not None:
                changes[name] = change
    return changes


def record_edit(
    session: Session,
    actor: Any,
    obj: Any,
    *,
    created: bool,
    extra: dict | None = None,
    fields: Iterable[str] | None = None,
) -> None:
    """Audit an admin create or update of `obj`, in the caller's transaction.

    Call after the form filled obj and before the commit. `fields` names what the person could edit
    (a form's fields); only those are recorded, with readable values (see field_diff). `extra` adds
    changes the caller describes itself (for example roles chosen from a list). An update that
    changed nothing is not recorded.
    """
    if created:
        data = {
            k: v["to"] for k, v in field_diff(session, obj, fields).items() if k not in audit.SECRET_FIELDS
        }
        session.flush()  # the new row needs its id for the audit entry
        if fields is None:
            data = {**audit.snapshot(obj), **data}
        action = "create"
    else:
        data = field_diff(session, obj, fields)
        action = "update"
        if not data and not extra:
            return
    data.update(extra or {})
    audit.record(session, actor, audit.entity_type_of(obj), obj.id, action, data=data)


def record_delete(session: Session, actor: Any, obj: Any) -> None:
    """Audit the deletion of a reference-data row, with a snapshot of what it held."""
    audit.record(session, actor, audit.entity_type_of(obj), obj.id, "delete", data=audit.snapshot(obj))


def add_default_criteria(session: Session, actor: Any, fund: Any) -> None:
    """A new fund starts with the partnership's usual four criteria, each scored 0 to 5."""
    if fund.scoring_criteria:
        return
    for position, name in enumerate(DEFAULT_CRITERIA):
        criterion = ScoringCriterion(fund=fund, name=name, max_score=5, position=position)
        session.add(criterion)
        session.flush()
        record_edit(session, actor, criterion, created=True)
