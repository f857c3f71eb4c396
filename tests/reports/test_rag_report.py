"""The RAG quarterly report: the current quarter by default, £ figures with thousands separators, and
grants at risk with the reason in words."""

from __future__ import annotations

import re
from datetime import timedelta

from grants_app.dates import financial_quarter_of, financial_year_of, london_today
from grants_app.models import Role, SpendLine
from grants_app.reports import outputs
from grants_app.reports.period import quarter_of
from grants_app.reports.rag import build_rag_report
from grants_app.services import fund_budget, return_form
from grants_app.workflow import fire
from tests.reports.conftest import pdf_text
from tests.return_helpers import grant, sent
from tests.services.test_payments import delivering


def test_grants_at_risk_say_why_and_money_reads_as_pounds(make, session):
    overdue, officer = delivering(make, amount_pence=250_000)
    make.pay(overdue)
    suspended, officer2 = delivering(make, amount_pence=120_000)
    fire(session, suspended, "suspend", officer2, reason="Safeguarding concern")
    first_due = min(r.due_on for r in overdue.monitoring_returns)
    today = first_due + timedelta(days=12)
    year, quarter = financial_year_of(london_today()), financial_quarter_of(london_today())
    report = build_rag_report(session, year, quarter, generated_by="Rita RAG", today=today)
    reasons = {a.reference: a.reasons for a in report.at_risk}
    assert reasons[suspended.reference][0] == "Suspended"
    assert any(
        re.fullmatch(r"Monitoring return .+ overdue by 12 days", r) for r in reasons[overdue.reference]
    )
    text = " ".join(pdf_text(outputs.rag_output(report, "pdf").as_bytes()).split())
    paid = report.total("quarter").paid
    assert paid > 100_000
    assert f"£{paid // 100:,}.{paid % 100:02d}" in text  # £1,250.00: pounds and pence, with a comma
    assert "overdue by 12 days" in text and "Suspended" in text


def test_the_rag_form_and_command_default_to_the_current_quarter(staff_client, app, session, tmp_path):
    today = london_today()
    year, quarter = financial_year_of(today), financial_quarter_of(today)
    client, _user = staff_client(Role.RAG_VIEWER)
    page = client.get("/admin/reports/").get_data(as_text=True)
    rag_form = page[page.index('id="rag"') :]
    assert re.search(rf'<option selected value="{quarter}">|<option value="{quarter}" selected>', rag_form)
    assert re.search(rf'<input[^>]*id="rag-year"[^>]*value="{year}"', rag_form)
    out = tmp_path / "rag.pdf"
    result = app.test_cli_runner().invoke(args=["report", "rag", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert quarter_of(year, quarter).label in text


def test_outcomes_and_people_come_from_what_the_group_reported_for_each_priority(make, session):
    app, officer = delivering(make, amount_pence=100_000)
    make.pay(app)
    ret = make.interim_return(app, 20_000, officer)  # 30 people, "Good", for the grant's priority
    ret.priority_outcomes[0].what_changed = "Twelve young people joined the club"
    session.flush()
    today = london_today()
    report = build_rag_report(
        session, financial_year_of(today), financial_quarter_of(today), generated_by="x", today=today
    )
    [progress] = [p for p in report.priorities if p.outcomes]
    assert [(o.reference, o.people, o.text) for o in progress.outcomes] == [
        (app.reference, 30, "Twelve young people joined the club")
    ]
    assert progress.quarter.people == 30 and report.total("quarter").people == 30
    text = " ".join(pdf_text(outputs.rag_output(report, "pdf").as_bytes()).split())
    assert "Twelve young people joined the club" in text and "No outcomes described" not in text


def test_a_return_sent_back_to_be_changed_reports_no_people_until_it_is_sent_again(make, session):
    # It keeps the time it was first sent while the group changes it; its figures are a draft again.
    g = sent(session, grant(make, priorities=[(1, 60), (2, 40)]))  # 12 people for each priority
    today = london_today()

    def people() -> tuple[int, int]:
        report = build_rag_report(
            session, financial_year_of(today), financial_quarter_of(today), generated_by="x", today=today
        )
        return report.total("quarter").people, sum(len(p.outcomes) for p in report.priorities)

    assert people() == (24, 2)
    fire(session, g.ret, "query", g.officer, reason="How many came twice?")
    return_form.save_outcome(
        session,
        g.applicant,
        g.ret,
        g.app.priority_splits[0].priority_id,
        people_reached=500,
        what_changed="x",
    )
    assert people() == (0, 0)
    return_form.save_answer(session, g.applicant, g.ret, "Some came twice")
    return_form.send_return(session, g.applicant, g.ret)
    assert people() == (512, 2)


def _next_quarter(year, quarter):
    return (year, quarter + 1) if quarter < 4 else (year + 1, 1)


def test_an_underspend_is_at_risk_only_above_ten_percent_of_paid_and_in_the_quarter_settled(make, session):
    year, quarter = financial_year_of(london_today()), financial_quarter_of(london_today())
    grants, returns = {}, {}
    for name, spent_tenths in (("exactly ten", 9), ("thirty", 7)):
        app, officer = delivering(make, amount_pence=200_000)
        make.pay(app)
        paid = fund_budget.application_money(session, app.id).paid_pence
        assert paid % 10 == 0
        returns[name] = make.final_return(app, paid * spent_tenths // 10, officer)
        grants[name] = app
    # spend the group dated in the year before (the year to date holds none of it)
    for line in session.query(SpendLine).filter_by(monitoring_return_id=returns["exactly ten"].id):
        line.spent_on = quarter_of(year - 1, 4).ends_on
    session.flush()

    def flagged(y, q):
        report = build_rag_report(session, y, q, generated_by="Rita RAG", today=london_today())
        return {
            a.reference
            for a in report.at_risk
            if any(r.startswith("Final return shows an underspend") for r in a.reasons)
        }

    assert flagged(year, quarter) == {grants["thirty"].reference}
    assert flagged(*_next_quarter(year, quarter)) == set()
