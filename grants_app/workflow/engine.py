"""The workflow engine: the one path by which any lifecycle state changes.

fire() locks the row, checks the trigger against the object's state, the actor's role, the inputs and
the named guards, applies the transition and its effects inside a savepoint, and writes the audit event
in the caller's transaction. It flushes; the caller commits.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from grants_app.models import WORKFLOW_MODELS, AuditEvent, utcnow
from grants_app.workflow import registry
from grants_app.workflow.definition import (
    InputSpec,
    TransitionDef,
    WorkflowDefinition,
    load_definitions,
)
from grants_app.workflow.errors import (
    ConflictError,
    GuardFailed,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    WorkflowDefinitionError,
)

LONDON = ZoneInfo("Europe/London")
MAX_PENCE = 10**11  # £1bn: far above any community grant, well inside a 64-bit integer
MAX_ID = 2**31 - 1

# Objects whose state fire() is writing right now, for the ORM listener in state_guard.
_authorised: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "workflow_authorised_writes", default=frozenset()
)


@contextmanager
def _authorise(obj: object) -> Iterator[None]:
    token = _authorised.set(_authorised.get() | {id(obj)})
    try:
        yield
    finally:
        _authorised.reset(token)


def is_authorised_write(obj: object) -> bool:
    return id(obj) in _authorised.get()


@dataclass
class TransitionContext:
    session: Session
    obj: Any
    actor: Any
    transition: TransitionDef
    definition: WorkflowDefinition
    inputs: dict[str, Any]
    from_state: str
    now: datetime
    settings: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.astimezone(LONDON).date()


def _subject_name(obj: object) -> str:
    for name, model in WORKFLOW_MODELS.items():
        if isinstance(obj, model):
            return name
    raise TypeError(f"{type(obj).__name__} is not governed by a workflow")


def _human(name: str) -> str:
    return name.removesuffix("_pence").removesuffix("_id").replace("_", " ")


def _validate_inputs(transition: TransitionDef, inputs: dict[str, Any]) -> dict[str, Any]:
    specs = {spec.name: spec for spec in transition.inputs}
    unexpected = sorted(set(inputs) - set(specs))
    if unexpected:
        raise InvalidInput(
            f"'{transition.label}' does not take {', '.join(unexpected)}",
            field=unexpected[0],
            trigger=transition.trigger,
        )
    clean: dict[str, Any] = {}
    for spec in transition.inputs:
        value = inputs.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if spec.required:
                raise InvalidInput(
                    f"Enter the {_human(spec.name)}", field=spec.name, trigger=transition.trigger
                )
            continue
        clean[spec.name] = _coerce(spec, value, transition.trigger)
    return clean


def _coerce(spec: InputSpec, value: Any, trigger: str) -> Any:
    what = _human(spec.name)

    def bad(message: str) -> InvalidInput:
        return InvalidInput(message, field=spec.name, trigger=trigger)

    if spec.type == "text":
        if not isinstance(value, str):
            raise bad(f"The {what} must be text")
        value = value.strip()
        if "\x00" in value:
            raise bad(f"The {what} contains a character that is not allowed")
        if spec.max_length and len(value) > spec.max_length:
            raise bad(f"The {what} must be {spec.max_length:,} characters or fewer")
        return value
    if spec.type in {"pence", "int", "id"}:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad(f"The {what} must be a whole number")
        if spec.type == "pence" and not 0 < value <= MAX_PENCE:
            raise bad(f"The {what} must be more than £0 and no more than £1,000,000,000")
        if spec.type == "id" and not 0 < value <= MAX_ID:
            raise bad(f"The {what} does not exist")
        return value
    if spec.type == "date":
        if isinstance(value, datetime) or not isinstance(value, date | str):
            raise bad(f"The {what} must be a date")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError as exc:
                raise bad(f"The {what} must be a real date") from exc
        return value
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise bad(f"The {what} must be yes or no")
        return value
    raise bad(f"The {what} has an unknown type")  # definitions are validated; kept for safety


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


class WorkflowEngine:
    def __init__(self, definitions: dict[str, WorkflowDefinition], settings: Any = None) -> None:
        self.definitions = definitions
        self.settings = settings

    @classmethod
    def load(cls, folder: Path, settings: Any = None) -> WorkflowEngine:
        registry.load_builtin()
        definitions = load_definitions(
            folder,
            guards=set(registry.GUARDS),
            effects=set(registry.EFFECTS),
            roles=registry.ROLES,
        )
        for name in definitions.values():
            if name.subject not in WORKFLOW_MODELS:
                raise WorkflowDefinitionError(
                    f"{name.path}:1: subject {name.subject!r} is not one of {sorted(WORKFLOW_MODELS)}"
                )
        return cls(definitions, settings)

    # -- lookups -------------------------------------------------------------------------------
    def definition(self, name: str) -> WorkflowDefinition:
        try:
            return self.definitions[name]
        except KeyError:
            raise WorkflowDefinitionError(f"no workflow definition named {name!r}") from None

    def definition_for(self, obj: object) -> WorkflowDefinition:
        definition = self.definition(obj.workflow_name)  # type: ignore[attr-defined]
        if definition.subject != _subject_name(obj):
            raise WorkflowDefinitionError(
                f"workflow {definition.name!r} governs {definition.subject}, not {_subject_name(obj)}"
            )
        return definition

    def staff_label(self, obj: object) -> str:
        return self.definition_for(obj).staff_label(obj.state)  # type: ignore[attr-defined]

    def applicant_label(self, obj: object) -> str:
        return self.definition_for(obj).applicant_label(obj.state)  # type: ignore[attr-defined]

    # -- starting a new object -------------------------------------------------------------------
    def start(self, obj: object, workflow_name: str | None = None) -> None:
        """Put a new object in its workflow's initial state (the only state a new row may have)."""
        name = workflow_name or getattr(obj, "workflow_name", None) or _subject_name(obj)
        definition = self.definition(name)
        with _authorise(obj):
            obj.workflow_name = definition.name  # type: ignore[attr-defined]
            obj.workflow_version = definition.version  # type: ignore[attr-defined]
            obj.state = definition.initial  # type: ignore[attr-defined]
            obj.state_changed_at = utcnow()  # type: ignore[attr-defined]

    # -- who may do what ------------------------------------------------------------------------
    def actor_may(self, transition: TransitionDef, obj: object, actor: Any) -> bool:
        for role in transition.roles:
            if role == "applicant":
                if (
                    actor is not None
                    and actor.has_role("applicant")
                    and getattr(obj, "applicant_can_act", lambda _u: False)(actor)
                ):
                    return True
            elif actor is not None and actor.has_role(role):
                return True
        return False

    def available_triggers(self, obj: object, actor: Any) -> list[TransitionDef]:
        definition = self.definition_for(obj)
        return [
            t
            for t in definition.transitions_from(obj.state)  # type: ignore[attr-defined]
            if self.actor_may(t, obj, actor)
        ]

    def resolve(self, obj: Any, trigger: str, actor: Any) -> TransitionDef:
        """The transition `trigger` means from obj's state, if this actor may fire it; else a typed error."""
        definition = self.definition_for(obj)
        transition = definition.transition(trigger, obj.state)
        if transition is None:
            if trigger not in definition.triggers():
                raise InvalidTransition(f"'{trigger}' is not an action in this workflow", trigger=trigger)
            label = next(t.label for t in definition.transitions if t.trigger == trigger)
            raise InvalidTransition(
                f"You cannot '{label}' when it is '{definition.staff_label(obj.state)}'",
                trigger=trigger,
            )
        if not self.actor_may(transition, obj, actor):
            raise PermissionDenied(f"You do not have permission to '{transition.label}'", trigger=trigger)
        return transition

    # -- the one path ---------------------------------------------------------------------------
    def fire(
        self,
        session: Session,
        obj: Any,
        trigger: str,
        actor: Any,
        *,
        expected_version: int | None = None,
        **inputs: Any,
    ) -> AuditEvent:
        definition = self.definition_for(obj)
        self._lock(session, obj, expected_version)

        from_state = obj.state
        transition = self.resolve(obj, trigger, actor)
        clean = _validate_inputs(transition, inputs)
        ctx = TransitionContext(
            session=session,
            obj=obj,
            actor=actor,
            transition=transition,
            definition=definition,
            inputs=clean,
            from_state=from_state,
            now=utcnow(),
            settings=self.settings,
        )
        for name in transition.guards:
            refusal = registry.GUARDS[name](ctx)
            if refusal:
                raise GuardFailed(refusal, guard=name, trigger=trigger)

        # Effects may touch several rows, so they run inside a savepoint that an error undoes whole.
        # A transition without effects changes one row: it needs no savepoint, and its state is written
        # with one version-checked UPDATE rather than a unit-of-work flush (most of fire()'s cost over
        # a bare UPDATE).
        scope = session.begin_nested() if transition.effects else contextlib.nullcontext()
        try:
            with scope:
                if not transition.effects:
                    _write_state(session, obj, transition.dest, ctx.now)
                else:
                    with _authorise(obj):
                        obj.state = transition.dest
                        obj.state_changed_at = ctx.now
                        for name in transition.effects:
                            registry.EFFECTS[name](ctx)
                        session.flush()
                values = {
                    "occurred_at": ctx.now,
                    "actor_id": getattr(actor, "id", None),
                    "actor_label": actor.audit_label,
                    "entity_type": definition.subject,
                    "entity_id": obj.id,
                    "action": "transition",
                    "trigger": trigger,
                    "from_state": from_state,
                    "to_state": transition.dest,
                    "reason": clean.get("reason", "") or "",
                    "data": {
                        "workflow": definition.name,
                        "workflow_version": definition.version,
                        "inputs": {k: _jsonable(v) for k, v in clean.items()},
                        **ctx.extra,
                    },
                }
                # A Core INSERT: the audit row is written in this transaction without the unit of
                # work's bookkeeping for an object nobody edits afterwards.
                result = session.execute(_AUDIT_INSERT, values)
        except BaseException as exc:
            if not transition.effects:
                # No savepoint to undo: reload the row, so nothing this attempt left in memory is
                # written by a caller that carries on.
                session.expire(obj)
            if isinstance(exc, StaleDataError):
                raise ConflictError(
                    "This record was changed by someone else while you were working on it. "
                    "Reload the page to see the latest version and try again.",
                    trigger=trigger,
                ) from exc
            raise
        return AuditEvent(id=result.inserted_primary_key[0], **values)

    def _lock(self, session: Session, obj: Any, expected_version: int | None) -> None:
        conflict = ConflictError(
            "This record was changed by someone else while you were working on it. "
            "Reload the page to see the latest version and try again."
        )
        if expected_version is not None and expected_version != obj.version:
            raise conflict
        if obj in session.new or session.is_modified(obj):
            try:
                session.flush()
            except StaleDataError as exc:
                raise conflict from exc
        seen_version = obj.version
        # SQLite has no row locks: its writes are serialised and the version check catches the rest.
        locking = session.get_bind().dialect.name != "sqlite"
        current = session.execute(_version_query(type(obj), locking), {"id": obj.id}).scalar_one_or_none()
        if current is None:
            raise InvalidTransition("This record no longer exists")
        if current != seen_version:
            raise conflict


@functools.cache
def _version_query(model: type, locking: bool):
    """SELECT version [FOR UPDATE]: the version changes with every write, so if it still matches, the
    object in memory is the row in the database and nothing needs reloading. Built once per model."""
    table = model.__table__
    stmt = select(table.c.version).where(table.c.id == bindparam("id"))
    return stmt.with_for_update() if locking else stmt


_AUDIT_INSERT = insert(AuditEvent.__table__)


@functools.cache
def _state_update(model: type):
    table = model.__table__
    values = {"state": bindparam("state"), "state_changed_at": bindparam("now"), "version": bindparam("next")}
    if "updated_at" in table.c:
        values["updated_at"] = bindparam("now")
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"), table.c.version == bindparam("seen"))
        .values(**values)
    )


def _write_state(session: Session, obj: Any, state: str, now: datetime) -> None:
    """UPDATE ... SET state WHERE id AND version, then tell the ORM the row now holds those values.

    Only for an object with no pending changes (fire() flushed them in _lock)."""
    seen = obj.version
    result = session.execute(
        _state_update(type(obj)),
        {"state": state, "now": now, "next": seen + 1, "row_id": obj.id, "seen": seen},
    )
    if result.rowcount != 1:
        raise StaleDataError(f"{type(obj).__name__} {obj.id} changed while it was being updated")
    set_committed_value(obj, "state", state)
    set_committed_value(obj, "state_changed_at", now)
    set_committed_value(obj, "version", seen + 1)
    if hasattr(obj, "updated_at"):
        set_committed_value(obj, "updated_at", now)


_engine: WorkflowEngine | None = None


def install(engine: WorkflowEngine) -> None:
    """Make the engine built at start-up the one fire() uses (called by create_app)."""
    global _engine
    _engine = engine


def get_engine() -> WorkflowEngine:
    if _engine is None:
        raise RuntimeError("No workflow engine installed: create the app first (create_app())")
    return _engine


def fire(session: Session, obj: Any, trigger: str, actor: Any, **inputs: Any) -> AuditEvent:
    return get_engine().fire(session, obj, trigger, actor, **inputs)


def available_triggers(obj: Any, actor: Any) -> list[TransitionDef]:
    return get_engine().available_triggers(obj, actor)


def start(obj: Any, workflow_name: str | None = None) -> None:
    get_engine().start(obj, workflow_name)
