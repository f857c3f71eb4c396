"""The spend report adds up: to the database's sums, to the fund position, in PDF, CSV and XLSX."""

from __future__ import annotations

import io

from pypdf import PdfReader

from grants_app.dates import london_today
from grants_app.models import BudgetLine, Role
from grants_app.money import format_pence
from grants_app.reports import outputs
from grants_app.reports.apportion import largest_remainder
from grants_app.reports.figures import FIGURES
from grants_app.reports.period import financial_year, quarter_of
from grants_app.reports.spend import build_spend_report
from grants_app.services import fund_budget, recoveries
from tests.reports.conftest import csv_rows, pdf_text, pounds_in, xlsx_sheets
from tests.services.test_payments import delivering


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
    assert position.not_yet_paid_pence == report.totals.not_yet_paid
    assert position.repaid_pence == report.totals.recovered
    # Committed is what the grants will have cost: paid and not yet paid, less money repaid.
    totals = report.totals
    assert position.committed_pence == totals.paid + totals.not_yet_paid - totals.recovered


def test_the_pdf_prints_the_database_totals(session, ref, bulk):
    loaded = bulk(12)
    report = _report(session, ref)
    data = outputs.spend_output(report, "pdf").as_bytes()
    text = pdf_text(data)
    total_line = next(line for line in text.splitlines() if line.startswith("Total ") and "100.0%" in line)
    awarded, paid, spent, underspend, recovered, not_yet_paid = pounds_in(total_line)
    assert (awarded, paid, spent, recovered) == (loaded.awarded, loaded.paid, loaded.spent, loaded.recovered)
    assert (underspend, not_yet_paid) == (report.totals.underspend, report.totals.not_yet_paid)
    assert "Page 1 of" in text and "Notes on method" in text and "largest-remainder" in text
    # when and by whom: once on the cover, then in the footer of every later page
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]
    assert [page.count("Generated ") for page in pages] == [1] * len(pages)
    # a priority's section total is printed too
    first = report.sections[0]
    assert f"Total for {first.heading}" in text.replace("\n", " ")


def test_the_pdf_is_tagged_with_title_and_language(session, ref, bulk, app):
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


def _settled_with_recovery(make, session):
    """Two grants: one settled with an underspend and part of it repaid, one in delivery and part paid.
    Underspend (£600.00) and recovered (£250.00) differ, so a swapped column shows."""
    settled, officer = delivering(make, amount_pence=200_000)
    make.pay(settled)
    make.final_return(settled, 40_000, officer)
    finance = make.finance()
    recoveries.record_money_received(
        session,
        finance,
        settled.recoveries[0],
        amount_pence=25_000,
        received_on=london_today(),
        reference="BACS IN",
    )
    running, _officer = delivering(make, amount_pence=80_000)
    make.pay(running)
    session.flush()
    return settled, running


def test_every_column_carries_the_figure_its_heading_names(make, session, ref):
    _settled_with_recovery(make, session)
    report = _report(session, ref)
    totals = report.totals
    assert totals.underspend != totals.recovered and totals.recovered > 0  # else a swap would not show
    rows = csv_rows(outputs.spend_output(report, "csv").as_bytes())
    header, body = rows[0], rows[1:]
    book = xlsx_sheets(outputs.spend_output(report, "xlsx").as_bytes())
    summary = list(book["Summary by priority"].iter_rows(values_only=True))
    total_row = next(r for r in summary if r[0] == "Total")
    grants = list(book["Grants by priority"].iter_rows(values_only=True))
    for figure in FIGURES:
        expected = getattr(totals, figure.name)
        column = header.index(figure.heading)
        assert sum(round(float(r[column]) * 100) for r in body) == expected, figure.heading
        assert round(total_row[summary[0].index(figure.heading)] * 100) == expected, figure.heading
        column = grants[0].index(figure.heading)
        assert sum(round((r[column] or 0) * 100) for r in grants[1:]) == expected, figure.heading
    # and the PDF's summary table prints its columns in the same order as its headings
    text = " ".join(pdf_text(outputs.spend_output(report, "pdf").as_bytes()).split())
    headings = " ".join(f.heading for f in FIGURES)
    assert f"Priority Grants {headings} Share of paid" in text
    total_line = text[text.index("Total 2 ") :]
    assert pounds_in(total_line)[: len(FIGURES)] == list(totals.as_tuple())


def test_the_year_figures_equal_the_fund_position_screen(make, session, ref, staff_client):
    _settled_with_recovery(make, session)
    session.commit()
    report = _report(session, ref)
    position = fund_budget.fund_position(session, ref.fund)
    totals = report.totals
    assert totals.paid + totals.not_yet_paid - totals.recovered == position.committed_pence < totals.awarded
    assert report.totals.paid == position.paid_pence
    assert report.totals.spent == position.spent_pence
    assert report.totals.underspend == position.underspend_pence
    assert report.totals.recovered == position.recovered_pence
    money = fund_budget.grant_money(session, fund_id=ref.fund.id)
    assert (
        report.totals.not_yet_paid == sum(m.not_yet_paid_pence for m in money) == position.not_yet_paid_pence
    )
    # the screen finance compares it with prints the same figures
    client, _user = staff_client(Role.FINANCE)
    screen = client.get("/admin/fund_position/").get_data(as_text=True)
    for label, value in (
        ("Committed", position.committed_pence),
        ("Paid", report.totals.paid),
        ("Not yet paid", report.totals.not_yet_paid),
        ("Accepted spend", report.totals.spent),
        ("Underspend (settled grants)", report.totals.underspend),
        ("Recovered", report.totals.recovered),
    ):
        assert f'<th scope="row">{label}</th><td class="text-right">{format_pence(value)}' in screen, label
    text = " ".join(pdf_text(outputs.spend_output(report, "pdf").as_bytes()).split())
    assert "Not yet paid is the money awarded that has not been paid by the end of the period" in text
    assert format_pence(position.remaining_pence) in text  # the fund's remaining, as on the screen
    # "Fund position today" prints the screen's figures in its headings' order, not yet paid included
    headings = "Fund Budget Committed Paid Not yet paid Accepted spend Underspend (settled grants) Recovered"
    assert f"{headings} Written off Remaining" in text
    row = text[text.index(f"{headings} Written off Remaining") :]
    row = row[row.index(ref.fund.name) :]
    assert pounds_in(row)[:9] == [
        position.budget_pence,
        position.committed_pence,
        position.paid_pence,
        position.not_yet_paid_pence,
        position.spent_pence,
        position.underspend_pence,
        position.recovered_pence,
        position.written_off_pence,
        position.remaining_pence,
    ]


def test_spend_by_category_is_held_to_the_budgets_scaled_to_the_awards(make, session, ref):
    app, officer = make.in_delivery(award_pence=150_000)  # asked for £2,000.00 in one budget line
    make.pay(app)
    make.final_return(app, 150_000, officer)
    report = _report(session, ref)
    [category] = report.categories
    assert (category.applied, category.budget, category.spent) == (200_000, 150_000, 150_000)
    assert category.variance == 0 and not category.variance_flagged
    text = " ".join(pdf_text(outputs.spend_output(report, "pdf").as_bytes()).split())
    assert "Budget scaled to the awards" in text and "Variance against the awarded budget" in text


def test_not_yet_paid_on_a_settled_grant_is_the_statement_still_to_pay(make, session, ref):
    settled, running = _settled_with_recovery(make, session)
    report = _report(session, ref)
    rows = {r.application_id: r.money for s in report.sections for r in s.rows}
    settled_money = fund_budget.application_money(session, settled.id)
    running_money = fund_budget.application_money(session, running.id)
    # paid part of the award and spent less than that: the rest of the award will never be paid
    assert settled_money.award_pence > settled_money.paid_pence > settled_money.spent_pence
    assert rows[settled.id].not_yet_paid == settled_money.left_to_pay_pence == 0
    assert rows[running.id].not_yet_paid == running_money.award_pence - running_money.paid_pence
    assert report.totals.not_yet_paid == rows[running.id].not_yet_paid
    text = " ".join(pdf_text(outputs.spend_output(report, "pdf").as_bytes()).split())
    assert "Still to pay" in text


def test_the_priority_filter_counts_that_priority_share_of_each_budget_category(make, session, ref):
    app, officer = make.in_delivery(award_pence=150_001, priorities=[(1, 35), (2, 65)])
    session.add(
        BudgetLine(application=app, category=ref.categories[1], description="Venue", amount_pence=100_003)
    )
    session.flush()
    make.pay(app)
    make.interim_return(app, 40_001, officer)
    second = ref.priorities[1]
    report = _report(session, ref, priority_id=second.id)
    [section] = report.sections
    assert (
        section.totals.awarded == 150_001 * 65 // 100 + 1
    )  # 97,500.65p: the larger remainder gets the penny
    assert sum(c.budget for c in report.categories) == section.totals.awarded
    assert sum(c.spent for c in report.categories) == section.totals.spent
    assert sum(c.applied for c in report.categories) == largest_remainder(300_003, [35, 65])[1]
    # and the two priorities' categories add up to the whole grants'
    first = _report(session, ref, priority_id=ref.priorities[0].id)
    whole = {c.category_id: c for c in _report(session, ref).categories}
    for one, other in zip(report.categories, first.categories, strict=True):
        full = whole[one.category_id]
        assert (one.applied + other.applied, one.budget + other.budget, one.spent + other.spent) == (
            full.applied,
            full.budget,
            full.spent,
        )
