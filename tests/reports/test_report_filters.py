"""Every report filter, in the admin and on the command line, answers garbage (a NUL byte, huge numbers,
markup, any Unicode) with a form error or a usage message, never a 500 or a traceback; the forms raise
no WTForms deprecation warning."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants_app.models import Role
from grants_app.reports.forms import JagPackForm, OpenDataForm, RagForm, SpendForm, StatementForm

NASTY = [
    "",
    "\x00",
    "2026\x00",
    "\x002026",
    "99999999999999999999",
    "-1",
    "0",
    "2026.5",
    "１２",
    "2026-13-45",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "=1+1",
    "\u202e\u200b",
    "x" * 5000,
]
# Anything a query string or an argument can carry (no lone surrogates: those cannot be sent at all).
garbage = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40),
)
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Each report's filters, with good values for the fields not being fuzzed (CSV, so each try is quick).
ADMIN = {
    "spend": {
        "year": "2026",
        "quarter": "",
        "starts_on": "",
        "ends_on": "",
        "fund_ids": "",
        "priority_id": "",
    },
    "statement": {"reference": "SOS-2026-0001"},
    "jag-pack": {"meeting_id": "1"},
    "rag": {"year": "2026", "quarter": "2"},
    "360giving": {"year": "2026"},
}
ADMIN_CASES = [(report, name) for report, fields in ADMIN.items() for name in [*fields, "format"]]


@pytest.mark.parametrize("report, field", ADMIN_CASES)
def test_no_admin_report_filter_gives_a_500(staff_client, session, report, field):
    client, _user = staff_client(Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER)

    @FUZZ
    @given(value=garbage)
    def check(value):
        params = {**ADMIN[report], "format": "json" if report == "360giving" else "csv", field: value}
        response = client.get(f"/admin/reports/{report}", query_string=params)
        assert response.status_code in (200, 400), (field, value, response.status_code)
        if response.status_code == 400:
            assert "There is a problem" in response.get_data(as_text=True)

    check()


CLI = [
    ("spend", "--year"),
    ("spend", "--quarter"),
    ("spend", "--from"),
    ("spend", "--to"),
    ("spend", "--fund"),
    ("spend", "--priority"),
    ("statement", None),
    ("jag-pack", "--meeting"),
    ("rag", "--year"),
    ("rag", "--quarter"),
    ("360giving", "--year"),
]


@pytest.mark.parametrize("command, option", CLI)
def test_no_report_command_option_gives_a_traceback(app, session, tmp_path, command, option):
    runner = app.test_cli_runner()
    out = tmp_path / ("grants.json" if command == "360giving" else "report.csv")

    @FUZZ
    @given(value=garbage)
    def check(value):
        args = ["report", command, *([option, value] if option else [value]), "--out", str(out)]
        result = runner.invoke(args=args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            value,
            result.output,
            result.exception,
        )
        assert result.exit_code in (0, 1, 2), (value, result.output)
        assert "Traceback" not in result.output

    check()


def test_a_year_that_is_not_a_number_is_refused_with_the_same_words_everywhere(staff_client, app, session):
    client, _user = staff_client(Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER)
    for report in ("spend", "rag", "360giving"):
        html = client.get(f"/admin/reports/{report}", query_string={"year": "2026\x00", "quarter": "1"})
        assert html.status_code == 400
        assert "Enter the financial year as a number, like 2026" in html.get_data(as_text=True), report
    for command in ("spend", "rag", "360giving"):
        result = app.test_cli_runner().invoke(args=["report", command, "--year", "2026\x00"])
        assert result.exit_code == 2 and "Enter the financial year as a number, like 2026" in result.output


def test_the_report_forms_use_selectchoice_and_raise_no_deprecation_warning(staff_client, session):
    client, _user = staff_client(Role.OFFICER, Role.FINANCE, Role.RAG_VIEWER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for form in (SpendForm(), StatementForm(), JagPackForm(), RagForm(), OpenDataForm()):
            for field in form:
                list(getattr(field, "iter_choices", list)())
        assert client.get("/admin/reports/").status_code == 200
        client.get("/admin/reports/spend", query_string={"year": "abc"})
    deprecated = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    assert not [m for m in deprecated if "choices" in m.lower() or "SelectChoice" in m], deprecated
