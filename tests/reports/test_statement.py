"""The grant statement: the final return labelled once, and budget lines scaled to a smaller award."""

from __future__ import annotations

from grants_app.dates import london_today
from grants_app.models import BudgetLine
from grants_app.reports import outputs
from grants_app.reports.statement import build_statement
from grants_app.services import recoveries, return_form
from grants_app.workflow import fire
from tests.reports.conftest import csv_rows, pdf_text, pounds_in, xlsx_sheets
from tests.return_helpers import accepted_then_draft


def test_the_final_return_is_marked_final_once(make, session):
    app, officer = make.in_delivery()
    make.pay(app)
    make.final_return(app, 50_000, officer)
    st = build_statement(session, app.reference, generated_by="Fran Finance")
    assert st.still_to_pay == 0  # settled: the accepted spend is less than was paid, nothing more is due
    final = next(r for r in st.returns if r.is_final)
    assert final.label.lower().count("final") == 1
    text = pdf_text(outputs.statement_output(st, "pdf").as_bytes())
    assert "(final) (final)" not in text and "(final)" in text
    returns = xlsx_sheets(outputs.statement_output(st, "xlsx").as_bytes())["Returns"]
    assert all(
        str(row[0]).lower().count("final") <= 1 for row in returns.iter_rows(min_row=2, values_only=True)
    )


def test_budget_lines_are_scaled_to_an_award_smaller_than_the_request(make, session, ref):
    app, officer = make.in_delivery(award_pence=150_000)  # asked for £2,000.00 (one line), awarded £1,500
    session.add(
        BudgetLine(application=app, category=ref.categories[1], description="Venue", amount_pence=100_001)
    )
    session.flush()
    make.pay(app)
    make.final_return(app, 130_000, officer)  # spent on the first category
    st = build_statement(session, app.reference, generated_by="x")
    assert sum(c.applied for c in st.categories) == 300_001
    assert sum(c.budget for c in st.categories) == 150_000  # the budget for the award adds up to it
    first = next(c for c in st.categories if c.applied == 200_000)
    venue = next(c for c in st.categories if c.applied == 100_001)
    # 150,000 x 200,000 / 300,001 = 99,999.67 and 150,000 x 100,001 / 300,001 = 50,000.33: the penny left
    # over goes to the larger remainder
    assert (first.budget, venue.budget) == (100_000, 50_000)
    assert first.variance == 130_000 - 100_000 and first.flagged
    assert st.budget_scaled and st.award_percent == 50
    text = " ".join(pdf_text(outputs.statement_output(st, "pdf").as_bytes()).split())
    assert "Budget applied for" in text and "Budget for the award" in text
    assert "so each budget line is scaled to the award" in text
    sheet = xlsx_sheets(outputs.statement_output(st, "xlsx").as_bytes())["Budget and spend"]
    assert [c.value for c in sheet[1]][1:3] == ["Budget applied for", "Budget for the award"]


def test_an_award_of_the_full_budget_is_not_rescaled(make, session):
    app, officer = make.in_delivery()
    st = build_statement(session, app.reference, generated_by="x")
    assert [(c.applied, c.budget) for c in st.categories] == [(200_000, 200_000)]
    assert not st.budget_scaled
    assert "scaled to the award" not in " ".join(
        pdf_text(outputs.statement_output(st, "pdf").as_bytes()).split()
    )


def test_the_pdf_recovery_summary_adds_up_with_the_written_off_money(make, session):
    app, officer = make.in_delivery(award_pence=200_000)
    make.pay(app)
    make.final_return(app, 40_000, officer)
    recovery = app.recoveries[0]
    recoveries.record_money_received(
        session, make.finance(), recovery, amount_pence=25_000, received_on=london_today(), reference="IN 1"
    )
    recoveries.write_off(session, officer, recovery, reason="The group has closed")
    session.flush()
    st = build_statement(session, app.reference, generated_by="Fran Finance")
    assert st.written_off > 0 and st.still_owed == 0
    text = " ".join(pdf_text(outputs.statement_output(st, "pdf").as_bytes()).split())
    summary = text[text.index("Asked to repay") : text.index("Still owed to the partnership") + 60]
    asked, repaid, written_off, owed = pounds_in(summary)[:4]
    assert "Written off" in summary
    assert (asked, repaid, written_off, owed) == (st.repayment_demanded, st.repaid, st.written_off, 0)
    assert asked == repaid + written_off + owed


def _reported(st) -> list[tuple[int | None, int | None]]:
    return [(r.spend, r.people_reached) for r in st.returns][:2]


def test_a_draft_returns_lines_are_not_reported_figures(make, session):
    g, draft = accepted_then_draft(session, make)
    st = build_statement(session, g.app.reference, generated_by="Fran Finance")
    assert _reported(st) == [(108_000, 12), (None, None)]
    assert [s.description for s in st.spend_items] == ["Coaches"]
    text = " ".join(pdf_text(outputs.statement_output(st, "pdf").as_bytes()).split())
    assert "£2,120.69" not in text and "in the draft" not in text
    assert "Not sent yet" in text and "A return still being filled in" in text
    assert "£1,080.00" in text
    spend_lines = csv_rows(outputs.statement_output(st, "csv").as_bytes())
    assert [row[1] for row in spend_lines[1:]] == ["Coaches"]
    returns = list(
        xlsx_sheets(outputs.statement_output(st, "xlsx").as_bytes())["Returns"].iter_rows(values_only=True)
    )
    assert [row[4:6] for row in returns[1:3]] == [(1080, 12), (None, None)]

    # Sent, its figures are reported (waiting for review)...
    return_form.send_return(session, g.applicant, draft)
    st = build_statement(session, g.app.reference, generated_by="x")
    assert _reported(st) == [(108_000, 12), (212_069, 25)]
    assert sorted(s.description for s in st.spend_items) == [
        "Coaches",
        "Coaching in the draft",
        "Gloves in the draft",
    ]
    # ...and sent back with a question, it is a draft again while the group changes it.
    fire(session, draft, "query", g.officer, reason="Which receipts go with the gloves?")
    st = build_statement(session, g.app.reference, generated_by="x")
    assert _reported(st) == [(108_000, 12), (None, None)]
    assert [s.description for s in st.spend_items] == ["Coaches"]


def test_a_long_unbroken_word_wraps_inside_the_page(make, session):
    """A word longer than its column or line (a pasted link as a spending description, a long name) is
    broken across lines, not printed over the next column or off the page."""
    app, officer = make.in_delivery()
    make.pay(app)
    make.final_return(app, 50_000, officer)
    words = {"description": "D" * 300, "signatory": "S" * 200}
    spend_line = next(line for r in app.monitoring_returns for line in r.spend_lines)
    spend_line.description = words["description"]
    app.award.accepted_by_name = words["signatory"]
    session.flush()
    st = build_statement(session, app.reference, generated_by="Fran Finance")
    lines = pdf_text(outputs.statement_output(st, "pdf").as_bytes()).split("\n")
    joined = "".join(lines)
    for what, word in words.items():
        assert word in joined, what  # all of it is printed...
    assert max(len(line) for line in lines) < 150, max(lines, key=len)  # ...within the page's width
