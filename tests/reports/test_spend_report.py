"""The spend report adds up: to the database's sums, to the fund position, in PDF, CSV and XLSX."""

from __future__ import annotations

from grants_app.reports import outputs
from grants_app.reports.period import financial_year, quarter_of
from grants_app.reports.spend import build_spend_report
from tests.reports.conftest import csv_rows, pdf_text, pounds_in, xlsx_sheets


def _report(session, ref, **kwargs):
    return build_spend_report(
        session, financial_year(ref.fund.financial_year), generated_by="Fran Finance", **kwargs
    )


def test_totals_equal_the_database_and_the_fund_position(session, ref, bulk):
    loaded = bulk(30)
    report = _report(session, ref)
    assert report.grant_count == 30
    assert (report.totals.awarded, report.totals.paid, report.totals.spent, report.totals.recovered) == (
        loaded.awarded,
        loaded.paid,
        loaded.spent,
        loaded.recovered,
    )
    # every column of the priorities adds up to the total, to the penny
    for name in ("awarded", "paid", "spent", "underspend", "recovered", "not_yet_paid"):
        assert sum(getattr(s.totals, name) for s in report.sections) == getattr(report.totals, name)
        assert sum(getattr(r.money, name) for s in report.sections for r in s.rows) == getattr(
            report.totals, name
        )
    position = report.funds[0].position
    assert position.paid_pence == report.totals.paid
    assert position.committed_pence == report.totals.awarded
    assert position.repaid_pence == report.totals.recovered


def test_the_pdf_prints_the_database_totals(session, ref, bulk):
    loaded = bulk(12)
    report = _report(session, ref)
    text = pdf_text(outputs.spend_output(report, "pdf").as_bytes())
    total_line = next(line for line in text.splitlines() if line.startswith("Total ") and "100.0%" in line)
    awarded, paid, spent, underspend, recovered, not_yet_paid = pounds_in(total_line)
    assert (awarded, paid, spent, recovered) == (loaded.awarded, loaded.paid, loaded.spent, loaded.recovered)
    assert (underspend, not_yet_paid) == (report.totals.underspend, report.totals.not_yet_paid)
    assert "Page 1 of" in text and "Notes on method" in text and "largest-remainder" in text
    # a priority's section total is printed too
    first = report.sections[0]
    assert f"Total for {first.heading}" in text.replace("\n", " ")


def test_the_pdf_is_tagged_with_title_and_language(session, ref, bulk, app):
    import io

    from pypdf import PdfReader

    bulk(3)
    data = outputs.spend_output(_report(session, ref), "pdf").as_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title.startswith("Spend report by priority")
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]


def test_csv_and_xlsx_carry_the_same_figures(session, ref, bulk):
    loaded = bulk(15)
    report = _report(session, ref)
    rows = csv_rows(outputs.spend_output(report, "csv").as_bytes())
    header, body = rows[0], rows[1:]
    paid = header.index("Paid")
    assert sum(round(float(r[paid]) * 100) for r in body) == loaded.paid
    book = xlsx_sheets(outputs.spend_output(report, "xlsx").as_bytes())
    summary = book["Summary by priority"]
    assert summary.freeze_panes == "A2"
    total = [c for c in summary.iter_rows(values_only=False) if c[0].value == "Total"][0]
    assert round(total[3].value * 100) == loaded.paid  # a number, not text
    assert "£" in total[3].number_format
    assert round(total[2].value * 100) == loaded.awarded


def test_a_quarter_counts_only_money_dated_in_it(session, ref, bulk):
    bulk(20)
    year = financial_year(ref.fund.financial_year)
    whole = build_spend_report(session, year, generated_by="x")
    quarters = [
        build_spend_report(session, quarter_of(ref.fund.financial_year, q), generated_by="x")
        for q in (1, 2, 3, 4)
    ]
    for name in ("awarded", "paid", "spent", "recovered"):
        assert sum(getattr(q.totals, name) for q in quarters) == getattr(whole.totals, name)


def test_the_priority_filter_shows_that_priority_share_only(session, ref, bulk):
    bulk(20)
    whole = _report(session, ref)
    first = ref.priorities[0]
    one = _report(session, ref, priority_id=first.id)
    assert [s.number for s in one.sections] == [first.number]
    assert one.sections[0].totals == next(s for s in whole.sections if s.number == first.number).totals


def test_a_web_pdf_too_big_to_render_in_a_request_becomes_a_summary(session, ref, bulk):
    bulk(5)
    report = _report(session, ref)
    report.include_detail = False
    text = " ".join(pdf_text(outputs.spend_output(report, "pdf").as_bytes()).split())
    assert "CSV and XLSX downloads" in text
    assert "BLK-" not in text
