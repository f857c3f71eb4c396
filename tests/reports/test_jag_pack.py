"""The JAG meeting pack notes the decisions taken by written procedure since the last meeting."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from grants_app.reports import outputs
from grants_app.reports.jag_pack import CriterionScore, build_jag_pack
from grants_app.services import declarations, written_procedures
from grants_app.workflow.engine import fire
from tests.reports.conftest import csv_rows, pdf_text, xlsx_sheets
from tests.services.test_written_procedures import _after, _start, _vote


def test_decisions_by_written_procedure_are_in_the_pack_for_noting(make, session):
    officer = make.officer()
    members = make.jag_members(5)
    app = make.eligible(officer, amount_pence=150_000)
    procedure = _start(session, officer, app)
    _vote(session, procedure, members[0], "for")
    _vote(session, procedure, members[1], "for")
    _vote(session, procedure, members[2], "against")
    declarations.declare_interest(session, members[3], app, has_interest=True, nature="Trustee")
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    meeting = make.meeting(officer, days_ahead=5)  # the next meeting after the procedure closed

    # Before the meeting notes it, the pack shows it as waiting to be noted; after, as noted there.
    for note in (False, True):
        if note:
            written_procedures.note_written_procedures(session, officer, meeting)
        pack = build_jag_pack(session, meeting.id, generated_by="Olive Officer")
        [written] = pack.written
        assert written.reference == app.reference
        assert written.votes == (2, 1, 0)
        assert (written.responses_counted, written.members_counted) == (3, 4)
        assert written.recommendation == "Approve £1,500.00"
        answers = sorted(answer for _member, _agency, answer in written.responses)
        assert answers == ["Against", "Declared an interest (did not vote)", "For", "For", "No response"]

    text = " ".join(pdf_text(outputs.jag_pack_output(pack, "pdf").as_bytes()).split())
    assert "Decisions by written procedure, for noting (1)" in text  # on the agenda
    section = text.split("Decisions by written procedure, for noting Urgent applications")[1]
    assert f"{app.reference} {app.title}" in section
    assert "2 for, 1 against, 0 abstained" in text
    assert "3 of 4 members without an interest responded" in text
    assert "Declared an interest (did not vote)" in text
    assert (written.outcome_note or written.outcome).rstrip(".") in text
    sheet = xlsx_sheets(outputs.jag_pack_output(pack, "xlsx").as_bytes())["Written procedures"]
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("For")] == 2 and row[header.index("Against")] == 1
    assert csv_rows(outputs.jag_pack_output(pack, "csv").as_bytes())[0][0] == "Item"


def test_a_pack_with_no_written_procedures_says_so(make, session):
    officer = make.officer()
    make.jag_members(5)
    meeting = make.meeting(officer)
    pack = build_jag_pack(session, meeting.id, generated_by="x")
    assert pack.written == []
    text = " ".join(pdf_text(outputs.jag_pack_output(pack, "pdf").as_bytes()).split())
    assert "Decisions by written procedure, for noting (0)" in text  # on the agenda
    section = text.split("Decisions by written procedure, for noting Urgent applications")[1]
    assert "meeting. None." in section


def test_a_pack_notes_only_the_decisions_since_the_previous_meeting(make, session):
    officer = make.officer()
    now = datetime.now(UTC)
    earlier = make.meeting(officer, days_ahead=-30)
    this = make.meeting(officer, days_ahead=10)
    later = make.meeting(officer, days_ahead=40)
    decided = {}
    for name, when in (("before", -40), ("between", -5), ("after", 20)):
        app = make.eligible(officer, amount_pence=50_000)
        fire(session, app, "approve_delegated", officer, amount_pence=50_000, reason="between meetings")
        app.award.approved_at = now + timedelta(days=when)
        decided[name] = app.reference
    members = make.jag_members(3)
    urgent = make.eligible(officer, amount_pence=60_000)
    procedure = _start(session, officer, urgent)
    for member in members:
        _vote(session, procedure, member, "for")
    with _after(procedure):
        written_procedures.close_due_written_procedures(session)
    procedure.closed_at = now - timedelta(days=3)
    session.flush()

    def noted(meeting):
        pack = build_jag_pack(session, meeting.id, generated_by="x")
        return [d.reference for d in pack.delegated], [w.reference for w in pack.written]

    assert noted(this) == ([decided["between"]], [urgent.reference])
    assert noted(earlier) == ([decided["before"]], [])
    assert noted(later) == ([decided["after"]], [])


def test_the_xlsx_average_score_is_a_number(make, session):
    officer = make.officer()
    meeting = make.meeting(officer, days_ahead=5)
    make.on_agenda(meeting, officer)
    pack = build_jag_pack(session, meeting.id, generated_by="x")
    scores = [CriterionScore("Need", 32, 5, 3), CriterionScore("Value", 41, 5, 3)]
    pack.items = [replace(pack.items[0], scores=scores)]
    assert pack.items[0].overall_tenths == round((32 + 41) / 2)
    sheet = xlsx_sheets(outputs.jag_pack_output(pack, "xlsx").as_bytes())["Agenda"]
    header = [c.value for c in sheet[1]]
    cell = sheet[2][header.index("Average score (of 5)")]
    assert cell.value == pack.items[0].overall_tenths / 10 and cell.number_format == "0.0"
    row = csv_rows(outputs.jag_pack_output(pack, "csv").as_bytes())[1]
    assert row[header.index("Average score (of 5)")] == f"{pack.items[0].overall_tenths / 10:.1f}"
