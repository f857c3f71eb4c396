"""The layers hold: the engine knows no domain, services and rules know no Flask, nothing imports in
a circle, and no lifecycle state is named outside workflows/."""

from __future__ import annotations

import ast
import re

import grimp
import pytest
import yaml

from grants_app.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "grants_app"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports under `if TYPE_CHECKING:` never run, so they cannot make a cycle.
    return grimp.build_graph(
        "grants_app", include_external_packages=True, cache_dir=None, exclude_type_checking_imports=True
    )


def _importers(graph: grimp.ImportGraph, layer: str) -> set[str]:
    return {m for m in graph.modules if m == layer or m.startswith(layer + ".")}


def test_the_engine_imports_no_services_rules_or_faces(graph):
    for module in _importers(graph, "grants_app.workflow"):
        imported = graph.find_modules_directly_imported_by(module)
        bad = {
            m
            for m in imported
            if m.split(".")[:2]
            in (
                ["grants_app", "services"],
                ["grants_app", "rules"],
                ["grants_app", "web"],
                ["grants_app", "admin"],
            )
            or m.split(".")[0] in {"flask", "flask_admin", "flask_login", "flask_wtf"}
        }
        assert not bad, f"{module} imports {sorted(bad)}"


@pytest.mark.parametrize("layer", ["grants_app.services", "grants_app.rules", "grants_app.workflow"])
def test_services_rules_and_engine_import_no_flask(graph, layer):
    for module in _importers(graph, layer):
        chain = [
            m
            for m in graph.find_modules_directly_imported_by(module)
            if m.split(".")[0].startswith("flask") or m in {"grants_app.extensions", "grants_app.transaction"}
        ]
        assert not chain, f"{module} imports {chain}: services and rules take a session, not Flask"


def test_services_never_import_rules(graph):
    for module in _importers(graph, "grants_app.services"):
        rules = [
            m for m in graph.find_modules_directly_imported_by(module) if m.startswith("grants_app.rules")
        ]
        assert not rules, f"{module} imports {rules}: rules use services, not the other way round"


def test_no_import_cycles(graph):
    modules = sorted(m for m in graph.modules if m.startswith("grants_app"))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.find_modules_directly_imported_by(v):
            if not w.startswith("grants_app"):
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    assert cycles == []


def test_no_imports_hidden_inside_functions():
    """Importing inside a function is how a cycle hides; every import sits at the top of its module."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found += [
                    f"{path.relative_to(PROJECT_ROOT)}:{sub.lineno}"
                    for sub in ast.walk(node)
                    if isinstance(sub, ast.Import | ast.ImportFrom)
                ]
    assert found == []


def _state_names() -> set[str]:
    names: set[str] = set()
    for path in (PROJECT_ROOT / "workflows").glob("*.yaml"):
        names |= set(yaml.safe_load(path.read_text(encoding="utf-8"))["states"])
    return names


# An agenda item's outcome is a vocabulary of its own stored in the database (AgendaOutcome), whose words
# happen to match some application states; it is not a lifecycle state.
_NOT_LIFECYCLE = {("grants_app/models/meeting.py", "AgendaOutcome")}


def test_no_lifecycle_state_is_named_in_code():
    states = _state_names()
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = str(path.relative_to(PROJECT_ROOT))
        if relative.startswith("grants_app/seed/"):
            continue  # seed data steers demo applications to named states on purpose
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and (relative, node.name) in _NOT_LIFECYCLE:
                skip |= {id(n) for n in ast.walk(node)}
        found += [
            f"{relative}:{node.lineno}: {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in states and id(node) not in skip
        ]
    assert found == []


def test_no_lifecycle_state_is_named_in_templates():
    states = _state_names()
    quoted = re.compile(r"""['"]([a-z_]+)['"]""")
    found = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*")):
        if path.suffix not in {".html", ".txt", ".svg", ".xml"}:
            continue
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.name}:{lineno}: {m}" for m in quoted.findall(line) if m in states]
    assert found == []


def test_public_functions_of_services_rules_and_engine_say_what_they_do():
    missing = []
    for package in ("services", "rules", "workflow"):
        for path in sorted((PACKAGE / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            relative = path.relative_to(PROJECT_ROOT)
            if not ast.get_docstring(tree):
                missing.append(f"{relative}: module")
            for node in tree.body:
                public = isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
                if public and not ast.get_docstring(node):
                    missing.append(f"{relative}:{node.lineno} {node.name}")
    assert missing == []
