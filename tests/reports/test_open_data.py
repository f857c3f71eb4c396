"""The 360Giving export validates against the official schema (tests/data/360giving/, CC BY 4.0)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from grants_app.config import PROJECT_ROOT
from grants_app.dates import london_today
from grants_app.reports import outputs
from grants_app.reports.open_data import build_open_data, org_identifier
from grants_app.services import recoveries
from tests.reports.conftest import csv_rows, xlsx_sheets
from tests.services.test_payments import delivering

SCHEMAS = PROJECT_ROOT / "tests" / "data" / "360giving"


def validator() -> Draft202012Validator:
    if not SCHEMAS.is_dir():
        pytest.fail(f"the 360Giving schemas are missing: looked in {SCHEMAS}")
    package = json.loads((SCHEMAS / "360-giving-package-schema.json").read_text())
    grant = json.loads((SCHEMAS / "360-giving-schema.json").read_text())
    registry = Registry().with_resource(
        package["properties"]["grants"]["items"]["$ref"], Resource(grant, specification=DRAFT202012)
    )
    checker = FormatChecker()
    assert "date-time" in checker.checkers, "rfc3339-validator is needed to check date-times"
    return Draft202012Validator(package, registry=registry, format_checker=checker)


def test_the_json_package_validates_with_formats_checked(session, ref, bulk):
    bulk(8)
    package = build_open_data(session, ref.fund.financial_year)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(package)]
    assert errors == []
    grant = package["grants"][0]
    assert grant["id"].startswith("360G-SoSafe-BLK-")
    assert grant["currency"] == "GBP" and isinstance(grant["amountAwarded"], int | float)
    assert grant["grantProgramme"][0]["title"].startswith("Community Safety Fund")
    assert grant["beneficiaryLocation"] and grant["classifications"]


def test_a_broken_package_is_caught_by_the_validator(session, ref, bulk):
    bulk(2)
    package = build_open_data(session, ref.fund.financial_year)
    package["grants"][0]["awardDate"] = "14 May 2026"
    assert list(validator().iter_errors(package))


def test_identifiers_follow_org_id():
    assert org_identifier("360G-SoSafe", 7, "1234567", "") == "GB-CHC-1234567"
    assert org_identifier("360G-SoSafe", 7, "", "ab123456") == "GB-COH-AB123456"
    assert org_identifier("360G-SoSafe", 7, "", "") == "360G-SoSafe-ORG-7"


def test_the_csv_has_360giving_column_titles(session, ref, bulk):
    bulk(5)
    package = build_open_data(session, ref.fund.financial_year)
    assert package["grants"]
    output = outputs.open_data_output(package, "csv", ref.fund.financial_year)
    rows = csv_rows(output.as_bytes())
    assert rows[0][:3] == ["Identifier", "Title", "Description"]
    assert len(rows) == 1 + len(package["grants"])


def test_shipped_schema_path_is_not_vendored_in_the_repository():
    assert not (PROJECT_ROOT / "360-giving-schema.json").exists()
    assert isinstance(SCHEMAS, Path)


def test_only_grants_whose_offer_was_accepted_are_published(make, session, ref):
    accepted, _officer = delivering(make, amount_pence=100_000)
    approved, _meeting, _officer2 = make.approved(amount_pence=90_000)  # offer not yet accepted
    package = build_open_data(session, ref.fund.financial_year)
    published = {g["id"].removeprefix("360G-SoSafe-") for g in package["grants"]}
    assert accepted.reference in published
    assert approved.reference not in published
    assert [e.message for e in validator().iter_errors(package)] == []


def test_amount_disbursed_is_paid_less_money_repaid(make, session, ref):
    app, officer = delivering(make, amount_pence=200_000)
    payment = make.pay(app)
    make.final_return(app, 40_000, officer)
    recoveries.record_money_received(
        session,
        make.finance(),
        app.recoveries[0],
        amount_pence=25_000,
        received_on=london_today(),
        reference="BACS IN",
    )
    [grant] = build_open_data(session, ref.fund.financial_year)["grants"]
    assert grant["amountDisbursed"] == (payment.amount_pence - 25_000) / 100
    assert grant["amountAwarded"] == 2000


def test_the_xlsx_holds_amounts_as_pounds_and_dates_as_dates(session, ref, bulk):
    bulk(3)
    package = build_open_data(session, ref.fund.financial_year)
    book = xlsx_sheets(outputs.open_data_output(package, "xlsx", ref.fund.financial_year).as_bytes())
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header, first = rows[0], rows[1]
    cells = {title: cell for title, cell in zip(header, book.worksheets[0][2], strict=True)}
    grant = next(g for g in package["grants"] if g["id"] == first[header.index("Identifier")])
    for title, key in (
        ("Amount Applied For", "amountAppliedFor"),
        ("Amount Awarded", "amountAwarded"),
        ("Amount Disbursed", "amountDisbursed"),
    ):
        assert isinstance(first[header.index(title)], (int, float)), title
        assert first[header.index(title)] == grant[key], title
        assert "£" in cells[title].number_format, title
    award_date = first[header.index("Award Date")]
    assert isinstance(award_date, datetime)
    assert award_date.date() == date.fromisoformat(grant["awardDate"])
    assert isinstance(first[header.index("Planned Dates:Start Date")], datetime)
    # the CSV keeps the package's own values
    csv_first = csv_rows(outputs.open_data_output(package, "csv", ref.fund.financial_year).as_bytes())[1]
    assert csv_first[header.index("Award Date")] == grant["awardDate"]
    assert csv_first[header.index("Amount Awarded")] == str(grant["amountAwarded"])


def test_date_modified_moves_when_money_paid_or_repaid_changes_the_grant(make, session, ref):
    from datetime import UTC, timedelta

    from grants_app import clock

    app, officer = delivering(make, amount_pence=200_000)
    session.flush()
    [before] = build_open_data(session, ref.fund.financial_year)["grants"]
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    with clock.pinned(later):
        make.pay(app)
        session.flush()
    [paid] = build_open_data(session, ref.fund.financial_year)["grants"]
    assert paid["amountDisbursed"] > before["amountDisbursed"] == 0
    assert paid["dateModified"] == later.isoformat().replace("+00:00", "Z") > before["dateModified"]
    make.final_return(app, 40_000, officer)
    later_still = later + timedelta(days=3)
    with clock.pinned(later_still):
        recoveries.record_money_received(
            session,
            make.finance(),
            app.recoveries[0],
            amount_pence=100,
            received_on=london_today(),
            reference="IN",
        )
        session.flush()
    [repaid] = build_open_data(session, ref.fund.financial_year)["grants"]
    assert repaid["dateModified"] == later_still.isoformat().replace("+00:00", "Z")
