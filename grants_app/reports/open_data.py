"""The 360Giving export: awarded grants as open data, a JSON package and the same as a CSV.

Field names and rules are the 360Giving Data Standard's (schema 1.4, copied in tests/data/360giving/ and
validated in tests): https://standard.threesixtygiving.org. Identifiers follow org-id.guide: GB-CHC- with
a charity number, GB-COH- with a company number, else the publisher's registered 360G- prefix
(OPEN_DATA_PREFIX). Award date is the decision date; grant programme is the fund; beneficiary location is
the grant's wards; classifications are its priorities; amounts are in pounds.

Shape: `build_open_data(session, year, settings=...)` returns a dict (the JSON package, plain values) from
a constant number of queries; `open_data_table(package)` flattens it for CSV/XLSX.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grants_app.dates import to_london, year_label
from grants_app.models import (
    Application,
    ApplicationPriority,
    Award,
    Fund,
    Organisation,
    Payment,
    Priority,
    Repayment,
    Ward,
    application_wards,
)
from grants_app.reports import figures
from grants_app.reports.common import partnership_details
from grants_app.reports.period import financial_year
from grants_app.reports.tables import DATE, MONEY, TEXT, Column, Table

SCHEMA_VERSION = "1.4"
LICENCE = "https://creativecommons.org/licenses/by/4.0/"


def pounds(pence: int) -> int | float:
    """360Giving amounts are numbers in pounds: 150000 -> 1500, 150050 -> 1500.5."""
    whole, rest = divmod(int(pence), 100)
    return whole if rest == 0 else int(pence) / 100


def publisher_prefix(configured: str, short_name: str) -> str:
    if configured:
        return configured.rstrip("-")
    return "360G-" + (re.sub(r"[^A-Za-z0-9]", "", short_name) or "publisher")


def org_identifier(prefix: str, org_id: int, charity_number: str, company_number: str) -> str:
    charity = re.sub(r"\s", "", charity_number or "")
    company = re.sub(r"\s", "", company_number or "").upper()
    if charity:
        return f"GB-CHC-{charity}"
    if company:
        return f"GB-COH-{company}"
    return f"{prefix}-ORG-{org_id}"


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive values; we store UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso_datetime(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return _as_utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_open_data(session: Session, year: int, *, prefix: str = "", funder_id: str = "") -> dict[str, Any]:
    """The 360Giving package of the grants awarded (decision date) in financial year `year` whose offer
    the group accepted and that still stand: an approval whose offer is not yet accepted, or was
    declined or lapsed, is not a grant made, so it is not published. amountDisbursed is the money paid
    less the money the group has repaid (received), never below nothing."""
    period = financial_year(year)
    partnership = partnership_details(session)
    prefix = publisher_prefix(prefix, partnership.short_name)
    funder = {"id": funder_id or f"{prefix}-FUNDER", "name": partnership.name}
    scope = select(Award.application_id).where(
        Award.application_id.in_(figures.awarded_grants(period)),
        Award.approved_at >= period.starts_at,
        Award.accepted_at.is_not(None),
    )
    rows = session.execute(
        select(Application, Award, Organisation, Fund)
        .join(Award, Award.application_id == Application.id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .join(Fund, Fund.id == Application.fund_id)
        .where(Application.id.in_(scope))
        .order_by(Application.reference)
    ).all()
    wards: dict[int, list[str]] = defaultdict(list)
    for app_id, name in session.execute(
        select(application_wards.c.application_id, Ward.name)
        .join(Ward, Ward.id == application_wards.c.ward_id)
        .where(application_wards.c.application_id.in_(scope))
        .order_by(Ward.name)
    ):
        wards[app_id].append(name)
    priorities: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for app_id, number, title, pct in session.execute(
        select(
            ApplicationPriority.application_id,
            Priority.number,
            Priority.title,
            ApplicationPriority.percentage,
        )
        .join(Priority, Priority.id == ApplicationPriority.priority_id)
        .where(ApplicationPriority.application_id.in_(scope))
        .order_by(Priority.number)
    ):
        priorities[app_id].append((number, title, pct))
    # (pence, the latest change) per grant: a payment or repayment changes amountDisbursed, so it
    # changes the grant's dateModified too.
    paid = {
        app_id: (int(pence), latest)
        for app_id, pence, latest in session.execute(
            select(Payment.application_id, func.sum(Payment.amount_pence), func.max(Payment.updated_at))
            .where(Payment.application_id.in_(scope), Payment.state.in_(figures.paid_payment_states()))
            .group_by(Payment.application_id)
        )
    }
    repaid = {
        app_id: (int(pence), latest)
        for app_id, pence, latest in session.execute(
            select(
                Repayment.application_id, func.sum(Repayment.amount_pence), func.max(Repayment.recorded_at)
            )
            .where(Repayment.application_id.in_(scope))
            .group_by(Repayment.application_id)
        )
    }
    area = f"{partnership.short_name} community safety priorities"
    grants = []
    for app, award, org, fund in rows:
        paid_pence, paid_at = paid.get(app.id, (0, None))
        repaid_pence, repaid_at = repaid.get(app.id, (0, None))
        # The record is the application, its award, the recipient and the money paid and repaid.
        changes = [app.updated_at, award.updated_at, org.updated_at, paid_at, repaid_at]
        recipient: dict[str, Any] = {
            "id": org_identifier(prefix, org.id, org.charity_number, org.company_number),
            "name": org.name,
        }
        if org.charity_number:
            recipient["charityNumber"] = org.charity_number.strip()
        if org.company_number:
            recipient["companyNumber"] = org.company_number.strip()
        if org.town:
            recipient["addressLocality"] = org.town
        if org.postcode:
            recipient["postalCode"] = org.postcode
        recipient["addressCountry"] = "United Kingdom"
        grant: dict[str, Any] = {
            "id": f"{prefix}-{app.reference}",
            "title": app.title or app.reference,
            "description": app.summary or app.title or app.reference,
            "currency": "GBP",
            "amountAppliedFor": pounds(app.amount_requested_pence),
            "amountAwarded": pounds(award.amount_pence),
            "amountDisbursed": pounds(max(0, paid_pence - repaid_pence)),
            "awardDate": to_london(award.approved_at).date().isoformat(),
            "recipientOrganization": [recipient],
            "fundingOrganization": [funder],
            "grantProgramme": [
                {"code": fund.slug, "title": f"{fund.name} {year_label(fund.financial_year)}"}
            ],
            "dateModified": _iso_datetime(max(_as_utc(c) for c in changes if c is not None)),
        }
        if app.start_date and app.end_date:
            grant["plannedDates"] = [
                {
                    "startDate": app.start_date.isoformat(),
                    "endDate": app.end_date.isoformat(),
                    "duration": max(1, round((app.end_date - app.start_date).days / 30.44)),
                }
            ]
        if wards.get(app.id):
            grant["beneficiaryLocation"] = [
                {"name": name, "countryCode": "GB", "description": "Ward"} for name in wards[app.id]
            ]
        if priorities.get(app.id):
            grant["classifications"] = [
                {
                    "vocabulary": area,
                    "code": f"P{number}",
                    "title": title,
                    "description": f"{pct}% of the grant",
                }
                for number, title, pct in priorities[app.id]
            ]
        grants.append(grant)
    return {
        "grants": grants,
        "version": SCHEMA_VERSION,
        "title": f"{partnership.name}: community safety grants awarded in {year_label(year)}",
        "description": (
            "Grants awarded by the partnership's Joint Action Group, by written procedure or under "
            "delegated authority, whose offer the group accepted. Amount disbursed is the money paid less "
            "any money the group has repaid."
        ),
        "license": LICENCE,
        "publisher": {"name": partnership.name, "identifier": funder["id"]},
    }


# 360Giving's spreadsheet column titles (the standard's "title" of each field, joined with colons).
CSV_COLUMNS = (
    ("Identifier", lambda g: g["id"]),
    ("Title", lambda g: g["title"]),
    ("Description", lambda g: g["description"]),
    ("Currency", lambda g: g["currency"]),
    ("Amount Applied For", lambda g: g["amountAppliedFor"]),
    ("Amount Awarded", lambda g: g["amountAwarded"]),
    ("Amount Disbursed", lambda g: g["amountDisbursed"]),
    ("Award Date", lambda g: g["awardDate"]),
    ("Planned Dates:Start Date", lambda g: g.get("plannedDates", [{}])[0].get("startDate", "")),
    ("Planned Dates:End Date", lambda g: g.get("plannedDates", [{}])[0].get("endDate", "")),
    ("Recipient Org:Identifier", lambda g: g["recipientOrganization"][0]["id"]),
    ("Recipient Org:Name", lambda g: g["recipientOrganization"][0]["name"]),
    ("Recipient Org:Charity Number", lambda g: g["recipientOrganization"][0].get("charityNumber", "")),
    ("Recipient Org:Company Number", lambda g: g["recipientOrganization"][0].get("companyNumber", "")),
    ("Recipient Org:City", lambda g: g["recipientOrganization"][0].get("addressLocality", "")),
    ("Recipient Org:Postal Code", lambda g: g["recipientOrganization"][0].get("postalCode", "")),
    ("Funding Org:Identifier", lambda g: g["fundingOrganization"][0]["id"]),
    ("Funding Org:Name", lambda g: g["fundingOrganization"][0]["name"]),
    ("Grant Programme:Code", lambda g: g["grantProgramme"][0]["code"]),
    ("Grant Programme:Title", lambda g: g["grantProgramme"][0]["title"]),
    (
        "Beneficiary Location:Name",
        lambda g: "; ".join(loc["name"] for loc in g.get("beneficiaryLocation", [])),
    ),
    ("Classifications:Code", lambda g: "; ".join(c["code"] for c in g.get("classifications", []))),
    ("Classifications:Title", lambda g: "; ".join(c["title"] for c in g.get("classifications", []))),
    ("Last Modified", lambda g: g["dateModified"]),
)


# Columns a spreadsheet should hold as numbers (pounds, with a £ format) and dates, not text.
MONEY_COLUMNS = frozenset({"Amount Applied For", "Amount Awarded", "Amount Disbursed"})
DATE_COLUMNS = frozenset({"Award Date", "Planned Dates:Start Date", "Planned Dates:End Date"})


def _typed(title: str, value: Any) -> Any:
    if value in (None, ""):
        return None
    if title in MONEY_COLUMNS:
        return round(Decimal(str(value)) * 100)  # pence, exactly, from the package's pounds
    if title in DATE_COLUMNS:
        return date.fromisoformat(str(value))
    return value


def open_data_table(package: dict[str, Any], *, typed: bool = False) -> Table:
    """One row per grant. For the CSV (`typed` False) every value is as in the JSON (amounts in pounds);
    for the XLSX (`typed` True) amounts are money (pence, written as pounds with a £ format) and the award
    and planned dates are dates. Last Modified stays ISO text: it is a UTC time, which Excel cannot hold."""
    if not typed:
        return Table(
            "360Giving grants",
            [Column(title, TEXT, 18) for title, _get in CSV_COLUMNS],
            ([get(grant) for _title, get in CSV_COLUMNS] for grant in package["grants"]),
        )
    kinds = [MONEY if t in MONEY_COLUMNS else DATE if t in DATE_COLUMNS else TEXT for t, _get in CSV_COLUMNS]
    return Table(
        "360Giving grants",
        [Column(title, kind, 18) for (title, _get), kind in zip(CSV_COLUMNS, kinds, strict=True)],
        ([_typed(title, get(grant)) for title, get in CSV_COLUMNS] for grant in package["grants"]),
    )
