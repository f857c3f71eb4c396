"""Words people read: proper plurals ("3 agencies", never "agency(ies)") in every template and every
sentence the code writes."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from grants_app.config import PROJECT_ROOT
from grants_app.text import plural

HEDGED_PLURAL = re.compile(r"[A-Za-z]\((s|es|ies)\)")
JINJA_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _python_strings(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_no_template_or_message_hedges_its_plurals():
    found = []
    for path in sorted((PROJECT_ROOT / "templates").rglob("*")):
        if path.suffix in {".html", ".txt"}:
            text = JINJA_CODE.sub("", path.read_text())
            found += [f"{path.name}: {m.group(0)}" for m in HEDGED_PLURAL.finditer(text)]
    for path in sorted((PROJECT_ROOT / "grants_app").rglob("*.py")):
        for line, value in _python_strings(path):
            found += [f"{path.name}:{line}: {m.group(0)}" for m in HEDGED_PLURAL.finditer(value)]
    assert found == []


def test_plural_writes_numbers_and_words_as_people_do():
    assert plural(1, "voting member") == "1 voting member"
    assert plural(3, "agency", "agencies") == "3 agencies"
    assert plural(0, "delegated decision") == "0 delegated decisions"
    assert plural(1200, "email") == "1,200 emails"


def test_the_officers_task_list_counts_delegated_decisions_in_words(make, session):
    from grants_app.services.dashboard import officer_tasks
    from grants_app.workflow import fire

    officer = make.officer()
    app = make.eligible(officer, amount_pence=50_000)
    fire(session, app, "approve_delegated", officer, amount_pence=50_000, reason="Small and urgent")
    texts = [task.text for task in officer_tasks(session)]
    assert "1 delegated decision to report to the next JAG meeting" in texts


def test_possessives_of_names_ending_in_s_take_only_the_apostrophe():
    from grants_app.text import possessive

    assert possessive("Bedwell Boxing Club") == "Bedwell Boxing Club's"
    assert possessive("Stevenage Street Pastors") == "Stevenage Street Pastors'"
