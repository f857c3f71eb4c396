"""Audited edits of reference data: every admin create, update and delete leaves a field-level diff."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from grants_app.models import ScoringCriterion
from grants_app.services import audit
from grants_app.services.scoring import DEFAULT_CRITERIA


def _relationship_changes(obj: Any) -> dict[str, dict[str, Any]]:
    state = inspect(obj)
    changes: dict[str, dict[str, Any]] = {}
    for rel in state.mapper.relationships:
        if not rel.uselist:
            continue
        history = state.attrs[rel.key].history
        if not (history.added or history.deleted):
            continue
        now = [str(v) for v in (history.unchanged or ())] + [str(v) for v in history.added]
        before = [str(v) for v in (history.unchanged or ())] + [str(v) for v in history.deleted]
        changes[rel.key] = {"from": sorted(before), "to": sorted(now)}
    return changes


def record_edit(session: Session, actor: Any, obj: Any, *, created: bool, extra: dict | None = None) -> None:
    """Call after the form filled obj and before the commit, so the diff lands in the same transaction."""
    if created:
        session.flush()  # the new row needs its id for the audit entry
        data = audit.snapshot(obj)
        data.update({k: v["to"] for k, v in _relationship_changes(obj).items()})
        action = "create"
    else:
        data = {**audit.field_changes(obj), **_relationship_changes(obj)}
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
