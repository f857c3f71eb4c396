"""Reference data edits by the administrator: each create, update and delete leaves a field-level diff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from grants_app.models import AuditEvent, BudgetCategory, Fund, PartnerAgency, Role, User, Ward
from tests.admin.conftest import csrf_enabled


def _events(session, entity_type, action):
    session.expire_all()
    return session.query(AuditEvent).filter_by(entity_type=entity_type, action=action).all()


def test_create_update_delete_are_each_audited_with_a_diff(make, session, staff_client):
    client, admin = staff_client(Role.ADMIN)
    assert client.post("/admin/wards/new/", data={"name": "Martins Wood"}).status_code == 302
    ward = session.query(Ward).filter_by(name="Martins Wood").one()
    created = _events(session, "wards", "create")
    assert created[0].data["name"] == "Martins Wood" and created[0].actor_id == admin.id
    client.post(f"/admin/wards/edit/?id={ward.id}", data={"name": "Martin's Wood"})
    updated = _events(session, "wards", "update")
    assert updated[0].data == {"name": {"from": "Martins Wood", "to": "Martin's Wood"}}
    ward_id = ward.id
    client.post("/admin/wards/delete/", data={"id": ward_id})
    deleted = _events(session, "wards", "delete")
    assert deleted[0].entity_id == ward_id and deleted[0].data["name"] == "Martin's Wood"
    assert session.get(Ward, ward_id) is None


def test_fund_money_is_edited_in_pounds_and_audited_in_pence(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    fund = make.ref.fund
    page = client.get(f"/admin/funds/edit/?id={fund.id}").get_data(as_text=True)
    assert 'value="50000.00"' in page  # £50,000 budget shown in pounds
    form = {
        "name": fund.name,
        "slug": fund.slug,
        "description": "",
        "who_can_apply": "",
        "financial_year": str(fund.financial_year),
        "strategy_period": str(fund.strategy_period_id),
        "budget_pence": "60,000",
        "min_award_pence": "250",
        "max_award_pence": "5000",
        "over_allocation_pct": "10",
        "delegated_limit_pence": "1000",
        "opens_on": fund.opens_on.isoformat(),
        "closes_on": fund.closes_on.isoformat(),
        "offer_valid_days": "28",
        "single_payment_below_pence": "1,500",
        "priorities": [str(p.id) for p in fund.priorities],
        "budget_categories": [str(c.id) for c in fund.budget_categories],
    }
    response = client.post(f"/admin/funds/edit/?id={fund.id}", data=form)
    # A refused save re-renders the form with 200; 302 means it was saved.
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Fund, fund.id).budget_pence == 6_000_000
    diff = _events(session, "funds", "update")[0].data
    assert diff["budget_pence"] == {"from": 5_000_000, "to": 6_000_000}
    assert diff["over_allocation_pct"] == {"from": 0, "to": 10}
    assert diff["single_payment_below_pence"] == {"from": 100_000, "to": 150_000}
    # A bad amount is refused and changes nothing.
    bad = client.post(f"/admin/funds/edit/?id={fund.id}", data={**form, "budget_pence": "lots"})
    assert bad.status_code == 200 and "Enter an amount in pounds" in bad.get_data(as_text=True)
    session.expire_all()
    assert session.get(Fund, fund.id).budget_pence == 6_000_000


def test_user_roles_edit_is_audited_without_secrets(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    member = make.user(Role.JAG_MEMBER)
    session.commit()
    data = {
        "email": member.email,
        "full_name": member.full_name,
        "phone": "",
        "agency": str(member.agency_id),
        "job_title": "Inspector",
        "is_active": "y",
        "role_names": ["jag_member", "officer"],
        "new_password": "a-brand-new-long-password",
    }
    assert client.post(f"/admin/users/edit/?id={member.id}", data=data).status_code == 302
    session.expire_all()
    fresh = session.get(User, member.id)
    assert fresh.roles == {Role.JAG_MEMBER, Role.OFFICER}
    event = _events(session, "users", "update")[0]
    assert event.data["roles"] == {"from": ["JAG member"], "to": ["Grants officer", "JAG member"]}
    assert event.data["job_title"]["to"] == "Inspector"
    assert event.data["password"] == {"from": "(hidden)", "to": "(changed)"}
    assert "argon2" not in str(event.data)


def test_reference_edit_without_csrf_token_is_refused(app, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    with csrf_enabled(app):
        client.post("/admin/categories/new/", data={"name": "Sneaky"})
    assert session.query(BudgetCategory).filter_by(name="Sneaky").count() == 0


def test_deleting_an_agency_still_in_use_is_refused_politely(make, session, staff_client):
    client, admin = staff_client(Role.ADMIN)
    agency = admin.agency
    response = client.post("/admin/agencies/delete/", data={"id": agency.id}, follow_redirects=True)
    assert response.status_code == 200
    session.expire_all()
    assert session.get(PartnerAgency, agency.id) is not None
    assert _events(session, "partner_agencies", "delete") == []


def test_user_details_never_show_password_hash_or_two_factor_secret(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    member = make.user(Role.JAG_MEMBER)
    member.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DP"
    session.commit()
    for url in (
        f"/admin/users/details/?id={member.id}",
        f"/admin/users/edit/?id={member.id}",
        "/admin/users/",
    ):
        page = client.get(url).get_data(as_text=True)
        assert "argon2" not in page and "JBSWY3DPEHPK3PXP" not in page, url


def test_a_new_fund_gets_the_four_default_criteria(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    fund = make.ref.fund
    form = {
        "name": "Youth Diversion Fund",
        "slug": "ydf",
        "financial_year": str(fund.financial_year),
        "strategy_period": str(fund.strategy_period_id),
        "budget_pence": "20000",
        "min_award_pence": "100",
        "max_award_pence": "2000",
        "over_allocation_pct": "0",
        "delegated_limit_pence": "500",
        "opens_on": fund.opens_on.isoformat(),
        "closes_on": fund.closes_on.isoformat(),
        "offer_valid_days": "28",
    }
    assert client.post("/admin/funds/new/", data=form).status_code == 302
    session.expire_all()
    created = session.query(Fund).filter_by(slug="ydf").one()
    assert [c.name for c in created.scoring_criteria] == [
        "Fit with priorities",
        "Community need",
        "Value for money",
        "Deliverability",
    ]
    assert all(c.max_score == 5 for c in created.scoring_criteria)
    assert len(_events(session, "scoring_criteria", "create")) == 4
    assert len(_events(session, "funds", "create")) == 1


@pytest.mark.parametrize(
    ("endpoint", "table", "form"),
    [
        (
            "agencies",
            "partner_agencies",
            lambda ref: {"name": "Trading Standards", "short_name": "HTS", "kind": "trading_standards"},
        ),
        ("categories", "budget_categories", lambda ref: {"name": "Training", "description": "Courses"}),
        (
            "strategy_periods",
            "strategy_periods",
            lambda ref: {"name": "Strategy 2027-2030", "starts_on": "2027-04-01", "ends_on": "2030-03-31"},
        ),
        (
            "priorities",
            "priorities",
            lambda ref: {
                "strategy_period": str(ref.fund.strategy_period_id),
                "number": "6",
                "short_name": "Road safety",
                "title": "Make roads safer",
            },
        ),
        (
            "criteria",
            "scoring_criteria",
            lambda ref: {
                "fund": str(ref.fund.id),
                "name": "Partnership working",
                "max_score": "5",
                "weight": "1",
                "position": "5",
            },
        ),
        ("wards", "wards", lambda ref: {"name": "Symonds Green"}),
    ],
)
def test_every_reference_view_audits_its_creations(make, session, staff_client, endpoint, table, form):
    client, admin = staff_client(Role.ADMIN)
    response = client.post(f"/admin/{endpoint}/new/", data=form(make.ref))
    assert response.status_code == 302, endpoint
    events = _events(session, table, "create")
    assert len(events) == 1 and events[0].actor_id == admin.id


def test_partnership_edit_is_audited(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    partnership = make.ref.partnership
    data = {
        "name": partnership.name,
        "short_name": partnership.short_name,
        "reference_prefix": partnership.reference_prefix,
        "area_name": partnership.area_name,
        "address": "Daneshill House, Danestrete, Stevenage SG1 1HN",
        "contact_email": partnership.contact_email,
        "contact_phone": "01438 242242",
    }
    assert client.post(f"/admin/partnership/edit/?id={partnership.id}", data=data).status_code == 302
    diff = _events(session, "partnership", "update")[0].data
    assert diff["contact_phone"] == {"from": "", "to": "01438 242242"}


def test_role_and_agency_changes_are_audited_in_words_and_nothing_else(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    police, council = make.ref.agencies[1], make.ref.agencies[0]
    member = make.user(Role.JAG_MEMBER)
    member.agency = police
    session.commit()
    data = {
        "email": member.email,
        "full_name": member.full_name,
        "phone": member.phone,
        "agency": str(council.id),
        "job_title": member.job_title,
        "is_active": "y",
        "role_names": ["jag_member", "officer"],
        "new_password": "",
    }
    assert client.post(f"/admin/users/edit/?id={member.id}", data=data).status_code == 302
    (event,) = _events(session, "users", "update")
    assert event.data == {
        "roles": {"from": ["JAG member"], "to": ["Grants officer", "JAG member"]},
        "agency": {"from": str(police), "to": str(council)},  # the names shown in the form
    }
    page = client.get("/admin/audit/?search=update").get_data(as_text=True)
    assert "Grants officer" in page
    assert "object at" not in page and "UserRole" not in page and "role_grants" not in page


def test_fund_priorities_and_period_are_audited_by_name(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    fund = make.ref.fund
    kept, dropped = fund.priorities[0], fund.priorities[1]
    form = {
        "name": fund.name,
        "slug": fund.slug,
        "financial_year": str(fund.financial_year),
        "strategy_period": str(fund.strategy_period_id),
        "budget_pence": "50000",
        "min_award_pence": f"{fund.min_award_pence / 100:.2f}",
        "max_award_pence": f"{fund.max_award_pence / 100:.2f}",
        "over_allocation_pct": str(fund.over_allocation_pct),
        "delegated_limit_pence": f"{fund.delegated_limit_pence / 100:.2f}",
        "opens_on": fund.opens_on.isoformat(),
        "closes_on": fund.closes_on.isoformat(),
        "offer_valid_days": str(fund.offer_valid_days),
        "priorities": [str(p.id) for p in fund.priorities if p.id != dropped.id],
        "budget_categories": [str(c.id) for c in fund.budget_categories],
    }
    assert client.post(f"/admin/funds/edit/?id={fund.id}", data=form).status_code == 302
    (event,) = _events(session, "funds", "update")
    assert set(event.data) == {"priorities"}
    assert str(kept) in event.data["priorities"]["to"] and str(dropped) not in event.data["priorities"]["to"]
    assert str(dropped) in event.data["priorities"]["from"]


def test_reference_data_has_no_bulk_delete_and_deletes_one_unused_row_at_a_time(make, session, staff_client):
    """Reference data is history: no bulk delete (it half-failed and broke on PostgreSQL); one row at
    a time, audited, and refused with a message while anything still uses it."""
    client, _admin = staff_client(Role.ADMIN)
    used = make.ref.wards[0]
    make.application()  # the factory's application is in the first ward
    spare = Ward(name="Typo Ward")
    session.add(spare)
    session.commit()
    used_id, spare_id = used.id, spare.id

    listing = client.get("/admin/wards/").get_data(as_text=True)
    assert 'value="delete"' not in listing  # the bulk action is not offered
    response = client.post("/admin/wards/action/", data={"action": "delete", "rowid": [str(spare_id)]})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Ward, spare_id) is not None

    refused = client.post("/admin/wards/delete/", data={"id": used_id}, follow_redirects=True)
    assert refused.status_code == 200 and "other records still use" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Ward, used_id) is not None
    assert _events(session, "wards", "delete") == []

    assert client.post("/admin/wards/delete/", data={"id": spare_id}).status_code == 302
    session.expire_all()
    assert session.get(Ward, spare_id) is None
    (event,) = _events(session, "wards", "delete")
    assert event.entity_id == spare_id and event.data["name"] == "Typo Ward"


def _fund_form(fund, **changes) -> dict:
    form = {
        "name": fund.name,
        "slug": fund.slug,
        "financial_year": str(fund.financial_year),
        "strategy_period": str(fund.strategy_period_id),
        "budget_pence": "50000",
        "min_award_pence": "250",
        "max_award_pence": "5000",
        "over_allocation_pct": "0",
        "delegated_limit_pence": "1000",
        "opens_on": fund.opens_on.isoformat(),
        "closes_on": fund.closes_on.isoformat(),
        "offer_valid_days": "28",
        "return_due_days": "30",
        "single_payment_below_pence": "1000",
        "priorities": [str(p.id) for p in fund.priorities],
        "budget_categories": [str(c.id) for c in fund.budget_categories],
    }
    return form | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"budget_pence": "0"}, "The budget must be more than £0"),
        ({"budget_pence": "100000001"}, "no more than £100,000,000.00"),
        ({"budget_pence": "99999999999"}, "The amount is too large"),
        ({"min_award_pence": "6000"}, "The largest award must be at least the smallest award (£6,000.00)"),
        ({"max_award_pence": "60000"}, "The largest award cannot be more than the budget (£50,000.00)"),
        ({"delegated_limit_pence": "9000"}, "The delegated limit cannot be more than the largest award"),
        ({"over_allocation_pct": "500"}, "between 0 and 50%"),
        ({"financial_year": "1899"}, "between 2000 and 2100"),
        ({"offer_valid_days": "0"}, "Offers must be open for between 1 and 180 days"),
        ({"min_award_pence": "0"}, "The smallest award must be more than £0"),
        ({"min_award_pence": "-5"}, "Enter an amount more than £0"),
    ],
)
def test_fund_settings_that_do_not_fit_are_refused_against_their_field(
    make, session, staff_client, changes, message
):
    client, _admin = staff_client(Role.ADMIN)
    fund = make.ref.fund
    session.commit()
    form = _fund_form(fund, **changes)
    form["closes_on"] = fund.closes_on.isoformat()
    response = client.post(f"/admin/funds/edit/?id={fund.id}", data=form)
    assert response.status_code == 200 and message in response.text, response.text[-3000:]
    session.expire_all()
    assert session.get(Fund, fund.id).budget_pence == 5_000_000


def test_closing_before_opening_and_a_budget_below_what_is_committed_are_refused(make, session, staff_client):
    client, _admin = staff_client(Role.ADMIN)
    make.approved(amount_pence=400_000)
    fund = make.ref.fund
    session.commit()
    early = _fund_form(fund, closes_on=(fund.opens_on - timedelta(days=1)).isoformat())
    response = client.post(f"/admin/funds/edit/?id={fund.id}", data=early)
    assert "The closing date must be the same as or after the opening date" in response.text
    response = client.post(
        f"/admin/funds/edit/?id={fund.id}", data=_fund_form(fund, budget_pence="3000", max_award_pence="3000")
    )
    assert "cannot be less than the £4,000.00 already committed" in response.text
    session.expire_all()
    assert session.get(Fund, fund.id).budget_pence == 5_000_000
