"""Loading and validating workflow definitions from workflows/*.yaml.

Every mistake in a definition is reported at start-up as "file:line: what is wrong", so a partnership
editing its process finds the line to fix instead of a stack trace at the first click.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from grants_app.dates import format_date
from grants_app.money import format_pence
from grants_app.text import plural
from grants_app.workflow.errors import WorkflowDefinitionError

INPUT_TYPES = frozenset({"text", "pence", "int", "id", "date", "bool"})
NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class _Lined(dict):
    """A mapping that remembers the line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_lined_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Lined:
    mapping = _Lined(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_lined_mapping)


@dataclass(frozen=True)
class InputSpec:
    """One input a transition takes: its name, type (text, pence, int, id, date, bool), whether
    it is required, and a maximum length for text."""

    name: str
    type: str
    required: bool = False
    max_length: int | None = None


# Every terminal state carries this tag, so code can ask "has this ended?" without listing states.
TERMINAL_TAG = "terminal"


@dataclass(frozen=True)
class StateDef:
    """One state: staff and applicant labels, whether it is terminal, and its tags."""

    name: str
    staff_label: str
    applicant_label: str
    terminal: bool = False
    tags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TransitionDef:
    """One transition as the workflow file writes it: trigger, label, sources, destination,
    roles, guard and effect names, inputs, what to tell the person once it is done, and its line in
    the file."""

    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    effects: tuple[str, ...] = ()
    inputs: tuple[InputSpec, ...] = ()
    line: int = 0
    # What happened, in the past tense, for the person who did it: "{reference} is closed". It may
    # name {reference} and the transition's inputs ({amount_pence} is shown as £100.00).
    done: str = ""

    def input(self, name: str) -> InputSpec | None:
        """The input called `name`, if the transition takes one."""
        return next((spec for spec in self.inputs if spec.name == name), None)

    def done_message(self, reference: str, inputs: dict[str, Any]) -> str:
        """What happened, for a flash once the transition is done: the file's `done` sentence filled
        in ("Recovery of £100.00 raised on SOS-2026-0019"), or "{label}: done for {reference}" for a
        transition without one. Money reads as pounds and dates as "14 May 2026"; an input not given
        reads as nothing."""
        if not self.done:
            return f"{self.label}: done for {reference}"
        values: dict[str, str] = {"reference": reference}
        for spec in self.inputs:
            value = inputs.get(spec.name)
            if value is None:
                values[spec.name] = ""
            elif spec.type == "pence":
                values[spec.name] = format_pence(value)
            elif spec.type == "date":
                values[spec.name] = format_date(value)
            else:
                values[spec.name] = str(value)
        return self.done.format_map(values)


@dataclass
class WorkflowDefinition:
    """A whole workflow file, checked: its states and transitions as written."""

    name: str
    version: int
    subject: str
    initial: str
    states: dict[str, StateDef]
    transitions: tuple[TransitionDef, ...]
    path: Path
    line: int = 1
    states_line: int = 1

    def transitions_from(self, state: str) -> list[TransitionDef]:
        """The graph as written (for validation, diagrams and tables). Deciding what a trigger does at
        run time is the state machine's job: see grants_app.workflow.machine."""
        return [t for t in self.transitions if state in t.sources]

    def states_tagged(self, tag: str) -> frozenset[str]:
        """Names of the states carrying `tag`."""
        return frozenset(name for name, state in self.states.items() if tag in state.tags)

    def step_label(self, trigger: str | None, from_state: str | None) -> str:
        """The label of the step `trigger` is from `from_state` (a trigger can mean different steps
        from different states); the trigger in words for one the file no longer has."""
        for transition in self.transitions:
            if transition.trigger == trigger and from_state in transition.sources:
                return transition.label
        return (trigger or "").replace("_", " ")

    def staff_label(self, state: str) -> str:
        """The staff label of `state` (the name itself for a state the file no longer has)."""
        return self.states[state].staff_label if state in self.states else state

    def applicant_label(self, state: str) -> str:
        """The applicant label of `state` (the name itself for a state the file no longer has)."""
        return self.states[state].applicant_label if state in self.states else state

    def state_tagged(self, state: str, tag: str) -> bool:
        """Whether `state` carries `tag` (False for a state the file no longer has)."""
        found = self.states.get(state)
        return found is not None and tag in found.tags


def _fail(path: Path, line: int, message: str) -> WorkflowDefinitionError:
    return WorkflowDefinitionError(f"{path}:{line}: {message}")


def _unknown(keys) -> str:
    """'1 unknown key: 'colour'' or '2 unknown keys: 'a', 'b''."""
    return f"{plural(len(keys), 'unknown key')}: {', '.join(repr(k) for k in sorted(keys))}"


def _name_list(path: Path, line: int, value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, line, f"{what} must be a list of names")
    return tuple(value)


def _done_sentence(path: Path, line: int, trigger: str, value: Any, input_names: set[str]) -> str:
    """A transition's `done` sentence, checked at start-up: text naming only {reference} and the
    transition's inputs, with no format specs, so filling it in after the transition cannot fail."""
    if value is None:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, line, f"transition {trigger!r}: done must be a sentence")
    allowed = {"reference"} | input_names
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as exc:
        raise _fail(path, line, f"transition {trigger!r}: done is not a valid sentence ({exc})") from exc
    for _text, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            raise _fail(
                path,
                line,
                f"transition {trigger!r}: done may name only {{reference}} and its inputs "
                f"({', '.join(sorted(allowed))}), not {{{name}}}",
            )
    return value.strip()


def parse_definition(
    path: Path, *, guards: set[str], effects: set[str], roles: frozenset[str]
) -> WorkflowDefinition:
    """Read and check one workflow file. Raises WorkflowDefinitionError("file:line: what is wrong")."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        raise _fail(path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(raw, _Lined):
        raise _fail(path, 1, "a workflow file must be a mapping with name, states and transitions")

    for key in ("name", "version", "subject", "initial", "states", "transitions"):
        if key not in raw:
            raise _fail(path, raw.line, f"missing required key {key!r}")
    unknown_keys = set(raw) - {"name", "version", "subject", "initial", "states", "transitions"}
    if unknown_keys:
        raise _fail(path, raw.line, _unknown(unknown_keys))
    name = raw["name"]
    if not isinstance(name, str) or not set(name) <= NAME_CHARS:
        raise _fail(path, raw.line, "name must be lower_case_with_underscores")
    if name != path.stem:
        raise _fail(path, raw.line, f"name {name!r} must match the file name {path.stem!r}")
    if not isinstance(raw["version"], int) or raw["version"] < 1:
        raise _fail(path, raw.line, "version must be a whole number from 1")

    states_raw = raw["states"]
    if not isinstance(states_raw, _Lined) or not states_raw:
        raise _fail(path, raw.line, "states must be a non-empty mapping")
    states: dict[str, StateDef] = {}
    for state_name, spec in states_raw.items():
        line = spec.line if isinstance(spec, _Lined) else states_raw.line
        if not isinstance(state_name, str) or not set(state_name) <= NAME_CHARS:
            raise _fail(path, line, f"state name {state_name!r} must be lower_case_with_underscores")
        if not isinstance(spec, _Lined) or "staff" not in spec or "applicant" not in spec:
            raise _fail(path, line, f"state {state_name!r} needs a staff label and an applicant label")
        extra = set(spec) - {"staff", "applicant", "terminal", "tags"}
        if extra:
            raise _fail(path, line, f"state {state_name!r} has {_unknown(extra)}")
        tags = _name_list(path, line, spec.get("tags"), f"state {state_name!r} tags")
        for tag in tags:
            if not set(tag) <= NAME_CHARS or not tag:
                raise _fail(
                    path, line, f"state {state_name!r}: tag {tag!r} must be lower_case_with_underscores"
                )
            if tag in states_raw:
                raise _fail(path, line, f"state {state_name!r}: tag {tag!r} must not be a state's name")
        terminal = bool(spec.get("terminal", False))
        states[state_name] = StateDef(
            state_name,
            str(spec["staff"]),
            str(spec["applicant"]),
            terminal,
            frozenset(tags) | ({TERMINAL_TAG} if terminal else set()),
        )
    if raw["initial"] not in states:
        raise _fail(path, raw.line, f"initial state {raw['initial']!r} is not one of the states")

    transitions_raw = raw["transitions"]
    if not isinstance(transitions_raw, list) or not transitions_raw:
        raise _fail(path, raw.line, "transitions must be a non-empty list")
    transitions: list[TransitionDef] = []
    seen: set[tuple[str, str]] = set()
    for item in transitions_raw:
        if not isinstance(item, _Lined):
            raise _fail(path, raw.line, "each transition must be a mapping")
        line = item.line
        extra = set(item) - {"trigger", "label", "from", "to", "roles", "guards", "effects", "inputs", "done"}
        if extra:
            raise _fail(path, line, f"transition has {_unknown(extra)}")
        trigger = item.get("trigger")
        if not isinstance(trigger, str) or not set(trigger) <= NAME_CHARS:
            raise _fail(path, line, "transition needs a trigger name in lower_case_with_underscores")
        sources = _name_list(path, line, item.get("from"), "from")
        if not sources:
            raise _fail(path, line, f"transition {trigger!r} needs at least one source state in 'from'")
        for source in sources:
            if source not in states:
                raise _fail(path, line, f"transition {trigger!r}: unknown source state {source!r}")
            if states[source].terminal:
                raise _fail(path, line, f"transition {trigger!r} leaves terminal state {source!r}")
        dest = item.get("to")
        if dest not in states:
            raise _fail(path, line, f"transition {trigger!r}: unknown destination state {dest!r}")
        transition_roles = frozenset(_name_list(path, line, item.get("roles"), "roles"))
        if not transition_roles:
            raise _fail(path, line, f"transition {trigger!r} must name the roles that may fire it")
        for role in sorted(transition_roles - roles):
            raise _fail(path, line, f"transition {trigger!r}: unknown role {role!r}")
        transition_guards = _name_list(path, line, item.get("guards"), "guards")
        for name_ in transition_guards:
            if name_ not in guards:
                raise _fail(path, line, f"transition {trigger!r}: unknown guard {name_!r}")
        transition_effects = _name_list(path, line, item.get("effects"), "effects")
        for name_ in transition_effects:
            if name_ not in effects:
                raise _fail(path, line, f"transition {trigger!r}: unknown effect {name_!r}")
        inputs: list[InputSpec] = []
        inputs_raw = item.get("inputs") or {}
        if not isinstance(inputs_raw, dict):
            raise _fail(path, line, f"transition {trigger!r}: inputs must be a mapping")
        for input_name, input_spec in inputs_raw.items():
            spec_line = input_spec.line if isinstance(input_spec, _Lined) else line
            if not isinstance(input_spec, dict) or input_spec.get("type") not in INPUT_TYPES:
                raise _fail(
                    path, spec_line, f"input {input_name!r} needs a type, one of {sorted(INPUT_TYPES)}"
                )
            extra = set(input_spec) - {"type", "required", "max_length"}
            if extra:
                raise _fail(path, spec_line, f"input {input_name!r} has {_unknown(extra)}")
            inputs.append(
                InputSpec(
                    input_name,
                    input_spec["type"],
                    bool(input_spec.get("required", False)),
                    input_spec.get("max_length"),
                )
            )
        done = _done_sentence(path, line, trigger, item.get("done"), {spec.name for spec in inputs})
        transition = TransitionDef(
            trigger=trigger,
            label=str(item.get("label") or trigger.replace("_", " ").capitalize()),
            sources=sources,
            dest=dest,
            roles=transition_roles,
            guards=transition_guards,
            effects=transition_effects,
            inputs=tuple(inputs),
            line=line,
            done=done,
        )
        for source in sources:
            if (trigger, source) in seen:
                raise _fail(path, line, f"trigger {trigger!r} is defined twice from state {source!r}")
            seen.add((trigger, source))
        transitions.append(transition)

    definition = WorkflowDefinition(
        name=name,
        version=raw["version"],
        subject=str(raw["subject"]),
        initial=raw["initial"],
        states=states,
        transitions=tuple(transitions),
        path=path,
        line=raw.line,
        states_line=states_raw.line,
    )
    _check_reachability(definition, raw.line)
    return definition


def _check_reachability(definition: WorkflowDefinition, line: int) -> None:
    reached = {definition.initial}
    frontier = [definition.initial]
    while frontier:
        state = frontier.pop()
        for transition in definition.transitions_from(state):
            if transition.dest not in reached:
                reached.add(transition.dest)
                frontier.append(transition.dest)
    unreachable = sorted(set(definition.states) - reached)
    if unreachable:
        raise _fail(
            definition.path,
            line,
            f"{plural(len(unreachable), 'state')} ({', '.join(unreachable)}) cannot be reached from the initial state",
        )
    for state in definition.states.values():
        if not state.terminal and not definition.transitions_from(state.name):
            raise _fail(
                definition.path, line, f"state {state.name!r} has no way out: mark it terminal or add one"
            )


def load_definitions(
    folder: Path, *, guards: set[str], effects: set[str], roles: frozenset[str]
) -> dict[str, WorkflowDefinition]:
    """Every *.yaml in `folder`, by workflow name. Raises WorkflowDefinitionError naming file and line."""
    if not folder.is_dir():
        raise WorkflowDefinitionError(f"{folder}: workflow folder not found")
    definitions: dict[str, WorkflowDefinition] = {}
    for path in sorted(folder.glob("*.yaml")):
        definition = parse_definition(path, guards=guards, effects=effects, roles=roles)
        definitions[definition.name] = definition
    if not definitions:
        raise WorkflowDefinitionError(f"{folder}: no workflow definitions (*.yaml) found")
    return definitions
