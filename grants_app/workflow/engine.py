"""The workflow engine: the one path by which any lifecycle state changes.

fire() locks the row, checks the trigger against the object's state, the actor's role, the inputs and
the named guards, applies the transition and its effects inside a savepoint, and writes the audit event
in the caller's transaction. It flushes; the caller commits.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from transitions import EventData

from grants_app.dates import format_datetime
from grants_app.models import WORKFLOW_MODELS, AuditEvent, User, utcnow
from grants_app.money import format_pence
from grants_app.workflow.authorisation import authorise
from grants_app.workflow.context import TransitionContext
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
    TransitionAlreadyMade,
    WorkflowDefinitionError,
)
from grants_app.workflow.machine import (
    GovernedMachine,
    Subject,
    build_machine,
    context_of,
    transition_for,
    triggers_from,
)
from grants_app.workflow.registry import RuleRegistry

MAX_PENCE = 10**11  # £1bn: far above any community grant, well inside a 64-bit integer
MAX_ID = 2**31 - 1


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
        # One message per way it is wrong: "no more than £1,000,000,000" is no help to someone who typed 0.
        if spec.type == "pence" and value <= 0:
            raise bad("Enter an amount more than £0")
        if spec.type == "pence" and value > MAX_PENCE:
            raise bad(f"The {what} must be no more than {format_pence(MAX_PENCE, whole=True)}")
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
    """The loaded definitions, one state machine per definition, and fire()."""

    def __init__(
        self, definitions: dict[str, WorkflowDefinition], rules: RuleRegistry, settings: Any = None
    ) -> None:
        self.definitions = definitions
        self.rules = rules
        self.settings = settings
        self.machines: dict[str, GovernedMachine] = {
            name: build_machine(definition, rules, self._prepare) for name, definition in definitions.items()
        }
        self._tagged: dict[tuple[str, str], frozenset[str]] = {}

    @classmethod
    def load(cls, folder: Path, rules: RuleRegistry, settings: Any = None) -> WorkflowEngine:
        """Read, check and build every workflow in `folder` against `rules`.

        Raises WorkflowDefinitionError ("file:line: ...") for any unknown guard, effect, role or subject,
        and for a tag the code relies on (rules.required_tags) that no state of a definition carries.
        """
        definitions = load_definitions(
            folder, guards=set(rules.guards), effects=set(rules.effects), roles=rules.roles
        )
        for definition in definitions.values():
            if definition.subject not in WORKFLOW_MODELS:
                raise WorkflowDefinitionError(
                    f"{definition.path}:{definition.line}: subject {definition.subject!r} is not one of "
                    f"{sorted(WORKFLOW_MODELS)}"
                )
            used = {tag for state in definition.states.values() for tag in state.tags}
            for tag in sorted(rules.required_tags.get(definition.subject, set()) - used):
                raise WorkflowDefinitionError(
                    f"{definition.path}:{definition.states_line}: no state has the tag {tag!r}, which the "
                    f"code uses for {definition.subject} workflows: add it to the states it describes"
                )
        return cls(definitions, rules, settings)

    # -- lookups -------------------------------------------------------------------------------
    def definition(self, name: str) -> WorkflowDefinition:
        """The definition called `name`; WorkflowDefinitionError if there is none."""
        try:
            return self.definitions[name]
        except KeyError:
            raise WorkflowDefinitionError(f"no workflow definition named {name!r}") from None

    def definition_for(self, obj: object) -> WorkflowDefinition:
        """The definition obj's workflow_name names, checked to govern obj's kind of object."""
        definition = self.definition(obj.workflow_name)  # type: ignore[attr-defined]
        if definition.subject != _subject_name(obj):
            raise WorkflowDefinitionError(
                f"workflow {definition.name!r} governs {definition.subject}, not {_subject_name(obj)}"
            )
        return definition

    def staff_label(self, obj: object) -> str:
        """obj's state as staff call it."""
        return self.definition_for(obj).staff_label(obj.state)  # type: ignore[attr-defined]

    def applicant_label(self, obj: object) -> str:
        """obj's state as the applicant is told it."""
        return self.definition_for(obj).applicant_label(obj.state)  # type: ignore[attr-defined]

    def states_tagged(self, subject: str, tag: str) -> frozenset[str]:
        """Names of the states carrying `tag` in every definition that governs `subject`."""
        key = (subject, tag)
        if key not in self._tagged:
            self._tagged[key] = frozenset().union(
                *(d.states_tagged(tag) for d in self.definitions.values() if d.subject == subject)
            )
        return self._tagged[key]

    def has_tag(self, obj: object, tag: str) -> bool:
        """Whether obj's current state carries `tag` in obj's own workflow."""
        return self.definition_for(obj).state_tagged(obj.state, tag)  # type: ignore[attr-defined]

    # -- starting a new object -------------------------------------------------------------------
    def start(self, obj: object, workflow_name: str | None = None) -> None:
        """Put a new object in its workflow's initial state (the only state a new row may have)."""
        name = workflow_name or getattr(obj, "workflow_name", None) or _subject_name(obj)
        definition = self.definition(name)
        with authorise(obj):
            obj.workflow_name = definition.name  # type: ignore[attr-defined]
            obj.workflow_version = definition.version  # type: ignore[attr-defined]
            obj.state = definition.initial  # type: ignore[attr-defined]
            obj.state_changed_at = utcnow()  # type: ignore[attr-defined]

    # -- who may do what ------------------------------------------------------------------------
    def actor_may(self, transition: TransitionDef, obj: object, actor: Any) -> bool:
        """Whether one of the actor's roles may fire `transition` on obj (an applicant only on their
        own organisation's objects, as obj.applicant_can_act says)."""
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
        """The transitions the machine allows from obj's state that this actor's roles may fire, in the
        order the workflow file lists them. Guards are not run: a button may still be refused."""
        machine = self.machines[self.definition_for(obj).name]
        return [
            t.spec
            for t in triggers_from(machine, obj.state)  # type: ignore[attr-defined]
            if self.actor_may(t.spec, obj, actor)
        ]

    def refused_now(self, session: Session, obj: Any, transition: TransitionDef, actor: Any) -> str | None:
        """What fire() would answer now if `transition` (one of available_triggers) were fired on obj:
        the sentence of its first guard that refuses, or None. Only for a transition that asks for no
        inputs, whose guards then judge the object as it stands (its button can say why it cannot be
        used yet); for one with inputs the answer depends on what is typed, so this returns None.
        Guards only read, so nothing is changed."""
        if transition.inputs or not transition.guards:
            return None
        ctx = self._context(session, obj, actor, transition, self.definition_for(obj), {})
        for name in transition.guards:
            refusal = self.rules.guards[name](ctx)
            if refusal:
                return refusal
        return None

    def resolve(self, obj: Any, trigger: str, actor: Any) -> TransitionDef:
        """The transition the machine says `trigger` means from obj's state, if this actor's role may
        fire it. Raises InvalidTransition or PermissionDenied (guards are not run)."""
        definition = self.definition_for(obj)
        machine = self.machines[definition.name]
        transition = transition_for(machine, trigger, obj.state)
        if transition is None:
            raise self._not_from_here(definition, machine, trigger, obj.state)
        if not self.actor_may(transition.spec, obj, actor):
            raise PermissionDenied(
                f"You do not have permission to '{transition.spec.label}'", trigger=trigger
            )
        return transition.spec

    @staticmethod
    def _not_from_here(
        definition: WorkflowDefinition, machine: GovernedMachine, trigger: str, state: str
    ) -> InvalidTransition:
        if trigger not in machine.events:
            return InvalidTransition(f"'{trigger}' is not an action in this workflow", trigger=trigger)
        label = next((t.label for t in definition.transitions if t.trigger == trigger), trigger)
        return InvalidTransition(
            f"You cannot '{label}' when it is '{definition.staff_label(state)}'", trigger=trigger
        )

    def _context(
        self,
        session: Session,
        obj: Any,
        actor: Any,
        transition: TransitionDef,
        definition: WorkflowDefinition,
        raw_inputs: dict[str, Any],
    ) -> TransitionContext:
        """A transition's context from obj's state now; `inputs` is filled by _prepare once checked."""
        return TransitionContext(
            session=session,
            obj=obj,
            actor=actor,
            transition=transition,
            definition=definition,
            inputs={},
            from_state=obj.state,
            now=utcnow(),
            settings=self.settings,
            raw_inputs=raw_inputs,
        )

    def _prepare(self, event: EventData) -> None:
        """The machine's first callback on every transition: the role, then the inputs."""
        ctx = context_of(event)
        spec: TransitionDef = event.transition.spec
        ctx.transition = spec
        if not self.actor_may(spec, ctx.obj, ctx.actor):
            raise PermissionDenied(f"You do not have permission to '{spec.label}'", trigger=spec.trigger)
        ctx.inputs = _validate_inputs(spec, ctx.raw_inputs)

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
        """Change obj's state by `trigger`, as `actor`, with `inputs`; the only way a state changes.

        Locks the row (SELECT ... FOR UPDATE on PostgreSQL; the version check everywhere), asks the
        machine for the transition, which checks the role and inputs, runs the guards in order, writes
        the state and runs the effects; then writes the audit event. Effects run in a savepoint. The
        caller's transaction is flushed, never committed.

        Raises TransitionAlreadyMade when the row is already where `trigger` leads (the same request
        sent twice, or the same action by someone else a moment before: it says by whom and when),
        ConflictError (someone changed the row otherwise; `expected_version` lets a form say which
        version it showed), InvalidTransition, PermissionDenied, InvalidInput or GuardFailed; every one
        a Refusal whose message is for the person, with nothing changed.
        """
        definition = self.definition_for(obj)
        machine = self.machines[definition.name]
        self._lock(session, obj, trigger, expected_version)

        from_state = obj.state
        transition = transition_for(machine, trigger, from_state)
        if transition is None:
            self.refuse_if_already_made(session, obj, trigger)
            raise self._not_from_here(definition, machine, trigger, from_state)
        has_effects = bool(transition.spec.effects)
        ctx = self._context(session, obj, actor, transition.spec, definition, inputs)

        def write(state: str) -> None:
            # A transition without effects changes one row: one version-checked UPDATE, no unit of work
            # (most of fire()'s cost over a bare UPDATE). With effects the ORM writes it with theirs.
            if has_effects:
                obj.state = state
                obj.state_changed_at = ctx.now
            else:
                _write_state(session, obj, state, ctx.now)

        # Effects may touch several rows, so they run inside a savepoint that an error undoes whole.
        scope = session.begin_nested() if has_effects else contextlib.nullcontext()
        try:
            with scope, authorise(obj):
                if not machine.events[trigger].trigger(Subject(from_state, write), ctx=ctx):
                    name, refusal = ctx.refusal or ("", "This action is not allowed now")
                    raise GuardFailed(refusal, guard=name, trigger=trigger)
                if has_effects:
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
                    "reason": ctx.inputs.get("reason", "") or "",
                    "data": {
                        "workflow": definition.name,
                        "workflow_version": definition.version,
                        "inputs": {k: _jsonable(v) for k, v in ctx.inputs.items()},
                        **ctx.extra,
                    },
                }
                # A Core INSERT: the audit row is written in this transaction without the unit of
                # work's bookkeeping for an object nobody edits afterwards.
                result = session.execute(_AUDIT_INSERT, values)
        except BaseException as exc:
            if not has_effects:
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

    def _lock(self, session: Session, obj: Any, trigger: str, expected_version: int | None) -> None:
        conflict = ConflictError(
            "This record was changed by someone else while you were working on it. "
            "Reload the page to see the latest version and try again."
        )
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
            # Another transaction changed the row after it was read here (on PostgreSQL, while this one
            # waited for the lock): read what it now holds, so the refusal can say what happened.
            session.refresh(obj)
        if current != seen_version or (expected_version is not None and expected_version != current):
            # The most common change nobody else made: this very action, sent twice.
            self.refuse_if_already_made(session, obj, trigger)
            raise conflict

    def refuse_if_already_made(self, session: Session, obj: Any, trigger: str) -> None:
        """Raise TransitionAlreadyMade if `trigger` was made already: obj is in a state the trigger
        leads to and cannot be fired from again. Its message names obj, its state, and who made the
        latest transition into that state and when (from the audit trail). Otherwise return None.

        fire() asks this whenever it is about to refuse for the object's state or version, so a
        double click, a form sent again or two requests at once get "already done" rather than "changed
        by someone else"; a service may ask it first, so a repeat is answered before its inputs are
        checked. A trigger that may be fired again from where it leads is never "already made"."""
        definition = self.definition_for(obj)
        state = obj.state
        if transition_for(self.machines[definition.name], trigger, state) is not None:
            return
        if not any(t.trigger == trigger and t.dest == state for t in definition.transitions):
            return
        made = session.execute(
            select(AuditEvent.occurred_at, AuditEvent.actor_label, User.full_name)
            .outerjoin(User, User.id == AuditEvent.actor_id)
            .where(
                AuditEvent.entity_type == definition.subject,
                AuditEvent.entity_id == obj.id,
                AuditEvent.action == "transition",
                AuditEvent.to_state == state,
            )
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
            .limit(1)
        ).first()
        label = definition.staff_label(state)
        what = f"{definition.subject.replace('_', ' ').capitalize()} {obj}"
        when = (
            f" (by {made.full_name or made.actor_label}, {format_datetime(made.occurred_at)})" if made else ""
        )
        raise TransitionAlreadyMade(
            f"{what} is already {_as_state(label)}{when}: nothing was changed", trigger=trigger
        )


def _as_state(label: str) -> str:
    """A staff label after "is already": a word or a phrase that reads as one ("paid", "in delivery",
    "on JAG agenda") as it is; any other ("Screening passed", "Offer issued") quoted after "at", so the
    sentence does not read "is already screening passed"."""
    words = label.split()
    if len(words) == 1 or words[0] in ("In", "On"):
        return f"{label[:1].lower()}{label[1:]}"
    return f"at \u201c{label}\u201d"


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
    """The engine create_app() installed; RuntimeError before then."""
    if _engine is None:
        raise RuntimeError("No workflow engine installed: create the app first (create_app())")
    return _engine


def fire(session: Session, obj: Any, trigger: str, actor: Any, **inputs: Any) -> AuditEvent:
    """The installed engine's fire(): see WorkflowEngine.fire."""
    return get_engine().fire(session, obj, trigger, actor, **inputs)


def available_triggers(obj: Any, actor: Any) -> list[TransitionDef]:
    """The installed engine's available_triggers(): see WorkflowEngine.available_triggers."""
    return get_engine().available_triggers(obj, actor)


def start(obj: Any, workflow_name: str | None = None) -> None:
    """Put a new object in its workflow's initial state (see WorkflowEngine.start)."""
    get_engine().start(obj, workflow_name)
