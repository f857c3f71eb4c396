"""Text typed by applicants comes out as text in every format: no markup, no formula, no fetch."""

from __future__ import annotations

from grants_app.reports import outputs
from grants_app.reports.open_data import build_open_data
from grants_app.reports.period import financial_year
from grants_app.reports.render import StaticOnlyFetcher, html_to_pdf
from grants_app.reports.spend import build_spend_report
from grants_app.reports.statement import build_statement
from tests.reports.conftest import csv_rows, pdf_text, xlsx_sheets

NASTY = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script><img src="file:///etc/passwd">'


def test_markup_and_formulas_are_inert_in_pdf_csv_and_xlsx(session, ref, bulk):
    bulk(3, text=NASTY)
    report = build_spend_report(session, financial_year(ref.fund.financial_year), generated_by=NASTY)
    text = pdf_text(outputs.spend_output(report, "pdf").as_bytes())
    # the characters are printed as text (the PDF shows what was typed, nothing was interpreted)
    assert "<script>alert(1)</script>" in text.replace("\n", "")
    rows = csv_rows(outputs.spend_output(report, "csv").as_bytes())
    organisation = rows[0].index("Organisation")
    assert all(r[organisation].startswith("'=HYPERLINK") for r in rows[1:])
    book = xlsx_sheets(outputs.spend_output(report, "xlsx").as_bytes())
    sheet = book["Grants by priority"]
    cell = sheet.cell(row=2, column=4)
    assert cell.value == NASTY and cell.data_type == "s" and cell.quotePrefix
    st = build_statement(session, f"BLK-{ref.fund.financial_year}-00001", generated_by=NASTY)
    assert "<script>" in pdf_text(outputs.statement_output(st, "pdf").as_bytes()).replace("\n", "")
    package = outputs.open_data_output(build_open_data(session, ref.fund.financial_year), "csv", 2026)
    assert b"'=HYPERLINK" in package.as_bytes()


def test_the_fetcher_serves_only_the_report_stylesheet():
    fetcher = StaticOnlyFetcher()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:5000/admin/",
        "https://report-assets.invalid/static/../../config.py",
        "https://report-assets.invalid/static/%2e%2e/render.py",
        "data:text/css,body{}",
    ):
        try:
            fetcher.fetch(url)
        except ValueError:
            continue
        raise AssertionError(f"fetched {url}")
    assert b"@page" in fetcher.fetch("https://report-assets.invalid/static/report.css").read()


def test_a_pdf_never_reads_a_local_file(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = (
        f'<html lang="en-GB"><head><title>t</title><link rel="stylesheet" href="file://{secret}"></head>'
        f'<body><img src="file://{secret}" alt="x"><p>ok</p></body></html>'
    )
    seen = []

    class Spy(StaticOnlyFetcher):
        def fetch(self, url, headers=None):
            seen.append(url)
            return super().fetch(url, headers)

    from weasyprint import HTML

    assert HTML(string=html, base_url="https://report-assets.invalid/static/", url_fetcher=Spy()).write_pdf()
    assert seen  # it was asked, and refused (no exception escaped, the file was never opened)
    assert html_to_pdf("<html lang='en-GB'><title>t</title><p>x</p></html>").startswith(b"%PDF")
