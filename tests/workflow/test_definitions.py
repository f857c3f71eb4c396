"""Every workflow definition is structurally sound, and a broken one is refused naming file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from grants_app.config import PROJECT_ROOT
from grants_app.rules import RULES
from grants_app.workflow import WorkflowDefinitionError, WorkflowEngine
from grants_app.workflow.definition import parse_definition

DEFINITIONS = sorted((PROJECT_ROOT / "workflows").glob("*.yaml"))


@pytest.fixture(scope="module")
def engine() -> WorkflowEngine:
    return WorkflowEngine.load(PROJECT_ROOT / "workflows", RULES)


def test_every_lifecycle_has_a_definition(engine):
    assert set(engine.definitions) == {"application", "monitoring_return", "payment", "written_procedure"}


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_definition_is_structurally_sound(engine, path: Path):
    d = engine.definitions[path.stem]
    # every state reachable from the initial state
    reached, frontier = {d.initial}, [d.initial]
    while frontier:
        for t in d.transitions_from(frontier.pop()):
            if t.dest not in reached:
                reached.add(t.dest)
                frontier.append(t.dest)
    assert reached == set(d.states)
    for t in d.transitions:
        assert set(t.guards) <= set(RULES.guards), t.trigger
        assert set(t.effects) <= set(RULES.effects), t.trigger
        assert t.roles <= RULES.roles, t.trigger
        assert t.roles, t.trigger
    for state in d.states.values():
        exits = d.transitions_from(state.name)
        if state.terminal:
            assert exits == [], f"terminal state {state.name} has exits"
        else:
            assert exits, f"non-terminal state {state.name} has no exits"
        assert state.staff_label and state.applicant_label


@pytest.mark.parametrize("path", DEFINITIONS, ids=lambda p: p.stem)
def test_transitions_machine_matches_the_definition(engine, path: Path):
    d = engine.definitions[path.stem]
    machine = engine.machines[d.name]
    assert set(machine.states) == set(d.states)
    assert machine.auto_transitions is False
    for t in d.transitions:
        for source in t.sources:
            found = machine.get_transitions(trigger=t.trigger, source=source)
            assert [x.dest for x in found] == [t.dest]
            # the machine's transition carries the YAML's guards as conditions, in the YAML's order
            assert [c.func.__name__ for c in found[0].conditions] == [f"guard_{g}" for g in t.guards]
            assert [f.__name__ for f in found[0].after] == [f"effect_{e}" for e in t.effects]


def test_one_machine_per_definition_is_cached(engine):
    assert engine.machines["application"] is engine.machines["application"]
    assert len(engine.machines["application"].models) == 0  # objects are never bound to it


GOOD = """\
name: broken
version: 1
subject: application
initial: a
states:
  a: {staff: A, applicant: A}
  b: {staff: B, applicant: B, terminal: true}
transitions:
  - trigger: go
    from: [a]
    to: b
    roles: [officer]
"""


def _parse(tmp_path: Path, text: str):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    return parse_definition(path, guards=set(RULES.guards), effects=set(RULES.effects), roles=RULES.roles)


def test_valid_minimal_definition_loads(tmp_path):
    assert _parse(tmp_path, GOOD).transitions_from("a")[0].dest == "b"


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (("to: b", "to: nowhere"), "unknown destination state 'nowhere'", 9),
        (("from: [a]", "from: [a, zzz]"), "unknown source state 'zzz'", 9),
        (("roles: [officer]", "roles: [officer, mayor]"), "unknown role 'mayor'", 9),
        (
            ("roles: [officer]", "roles: [officer]\n    guards: [moon_is_full]"),
            "unknown guard 'moon_is_full'",
            9,
        ),
        (("roles: [officer]", "roles: [officer]\n    effects: [send_fax]"), "unknown effect 'send_fax'", 9),
        (("initial: a", "initial: q"), "initial state 'q'", 1),
        (("roles: [officer]", "roles: []"), "must name the roles", 9),
        (("  b: {staff: B, applicant: B, terminal: true}", "  b: {staff: B, applicant: B}"), "no way out", 1),
        (
            (
                "  b: {staff: B, applicant: B, terminal: true}",
                "  b: {staff: B, applicant: B, terminal: true}\n  c: {staff: C, applicant: C, terminal: true}",
            ),
            "cannot be reached",
            1,
        ),
        (
            ("    roles: [officer]", "    roles: [officer]\n    inputs:\n      reason: {type: essay}"),
            "input 'reason' needs a type",
            14,
        ),
        (("name: broken", "name: other"), "must match the file name", 1),
        (("to: b\n", "to: b\n    colour: red\n"), "1 unknown key: 'colour'", 9),
        (("to: b\n", "to: b\n    done: '{reference} went to {place}'\n"), "not {place}", 9),
        (("to: b\n", "to: b\n    done: '{reference:>40}'\n"), "done may name only {reference}", 9),
        (("to: b\n", "to: b\n    done: 'Gone {'\n"), "done is not a valid sentence", 9),
        (("to: b\n", "to: b\n    done: ''\n"), "done must be a sentence", 9),
    ],
)
def test_broken_definition_is_a_startup_error_naming_file_and_line(tmp_path, change, message, line):
    old, new = change
    with pytest.raises(WorkflowDefinitionError) as excinfo:
        _parse(tmp_path, GOOD.replace(old, new))
    text = str(excinfo.value)
    assert message in text
    assert f"broken.yaml:{line}:" in text


def test_the_done_sentence_is_filled_in_with_the_reference_and_inputs_in_words(tmp_path):
    text = GOOD.replace(
        "    roles: [officer]\n",
        "    roles: [officer]\n    done: Recovery of {amount_pence} raised on {reference}, due {due_on}\n"
        "    inputs:\n      amount_pence: {type: pence}\n      due_on: {type: date}\n",
    )
    go = _parse(tmp_path, text).transitions[0]
    assert (
        go.done_message("SOS-2026-0019", {"amount_pence": 10_000, "due_on": date(2026, 5, 14)})
        == "Recovery of £100.00 raised on SOS-2026-0019, due 14 May 2026"
    )
    assert (
        _parse(tmp_path, GOOD).transitions[0].done_message("SOS-2026-0019", {})
        == "Go: done for SOS-2026-0019"
    )


def test_every_step_staff_take_with_an_action_button_says_what_happened(engine):
    """The application page's action buttons (grants_app.admin.views.applications.fire_view) flash
    the transition's `done` sentence: each step staff may take there has one."""
    from grants_app.admin.views.applications import OWN_FORMS

    staff_roles = RULES.roles - {"applicant", "system"}
    missing = [
        f"{t.trigger} (line {t.line})"
        for t in engine.definitions["application"].transitions
        if t.roles & staff_roles and t.trigger not in OWN_FORMS and not t.done
    ]
    assert not missing, f"application.yaml transitions without a done sentence: {missing}"


def test_terminal_state_with_an_exit_is_refused(tmp_path):
    text = GOOD + "  - trigger: back\n    from: [b]\n    to: a\n    roles: [officer]\n"
    with pytest.raises(WorkflowDefinitionError, match="leaves terminal state 'b'"):
        _parse(tmp_path, text)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(WorkflowDefinitionError, match=r"broken.yaml:\d+: not valid YAML"):
        _parse(tmp_path, GOOD.replace("to: b", "to: [b"))


def test_app_refuses_to_start_with_a_broken_workflow_folder(tmp_path):
    from grants_app import create_app

    (tmp_path / "broken.yaml").write_text(GOOD.replace("to: b", "to: nowhere"))
    with pytest.raises(WorkflowDefinitionError, match="broken.yaml:9"):
        create_app(
            {
                "WORKFLOWS_FOLDER": str(tmp_path),
                "DATABASE_URL": "sqlite://",
                "SOSAFE_INSTANCE_PATH": str(tmp_path),
            }
        )


def test_a_tag_the_code_uses_missing_from_every_state_stops_start_up(tmp_path):
    """Renaming a state in the YAML and forgetting its tag must not silently break the budget figures."""
    application = (PROJECT_ROOT / "workflows" / "application.yaml").read_text()
    assert "tags: [committed, awaiting_offer]" in application
    for name in ("monitoring_return", "payment"):
        (tmp_path / f"{name}.yaml").write_text((PROJECT_ROOT / "workflows" / f"{name}.yaml").read_text())
    (tmp_path / "application.yaml").write_text(
        application.replace("committed, ", "").replace(", committed", "").replace("tags: [committed]", "")
    )
    with pytest.raises(
        WorkflowDefinitionError, match=r"application.yaml:\d+: no state has the tag 'committed'"
    ):
        WorkflowEngine.load(tmp_path, RULES)


def test_tags_are_names_and_never_state_names(tmp_path):
    with pytest.raises(WorkflowDefinitionError, match="tag 'b' must not be a state's name"):
        _parse(
            tmp_path, GOOD.replace("a: {staff: A, applicant: A}", "a: {staff: A, applicant: A, tags: [b]}")
        )
    with pytest.raises(WorkflowDefinitionError, match="must be lower_case_with_underscores"):
        _parse(
            tmp_path, GOOD.replace("a: {staff: A, applicant: A}", "a: {staff: A, applicant: A, tags: [Big]}")
        )


def test_terminal_states_carry_the_terminal_tag(engine):
    d = engine.definitions["application"]
    assert d.states_tagged("terminal") == {n for n, s in d.states.items() if s.terminal}
