"""Input the way people in the UK type and paste it: month names in dates, no-break spaces from Excel,
Word's line breaks, charity and company numbers as the registers write them. Each is accepted and
stored normalised, through the real forms."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from grants_app.models import BudgetLine
from tests.test_normalise import sprinkled
from tests.web.test_portal_journey import ORG, _dates, project_data


def _post_budget_line(client, reference, category_id, amount):
    return client.post(
        f"/applications/{reference}/budget",
        data={
            "action": "add",
            "line-description": "Coaches",
            "line-category_id": str(category_id),
            "line-amount": amount,
        },
    )


def test_an_amount_with_a_no_break_space_as_thousands_separator_is_accepted(applicant_client, ref, session):
    client, application = applicant_client
    r = _post_budget_line(client, application.reference, ref.categories[0].id, "1\u00a0500")
    assert r.status_code == 302, r.text
    r = _post_budget_line(client, application.reference, ref.categories[0].id, "£2\u202f000.50\u200b")
    assert r.status_code == 302, r.text
    amounts = session.execute(select(BudgetLine.amount_pence).order_by(BudgetLine.id)).scalars().all()
    assert amounts == [150_000, 200_050]


def test_month_names_and_abbreviations_are_accepted_in_date_fields(applicant_client, ref, session):
    client, application = applicant_client
    start, end = _dates(ref.fund)
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(
            ref,
            start_date=[str(start.day), f"{start:%b}", str(start.year)],
            end_date=[str(end.day), f"{end:%B}".upper(), str(end.year)],
        ),
    )
    assert r.status_code == 302, r.text
    session.refresh(application)
    assert (application.start_date, application.end_date) == (start, end)


def test_a_month_that_is_no_month_is_still_refused(applicant_client, ref):
    client, application = applicant_client
    start, _end = _dates(ref.fund)
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(ref, start_date=[str(start.day), "Smarch", str(start.year)]),
    )
    assert r.status_code == 200 and "Start date must be a real date" in r.text


def test_words_line_break_is_a_new_line_and_counts_ignore_invisible_characters(
    applicant_client, ref, session
):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(
            ref,
            description="Sessions on Friday evenings.\x0bRun by qualified coaches.",
            beneficiaries_count="1\u00a0500",
        ),
    )
    assert r.status_code == 302, r.text
    session.refresh(application)
    assert application.description == "Sessions on Friday evenings.\nRun by qualified coaches."
    assert application.beneficiaries_count == 1500


def test_percentages_with_invisible_characters_are_accepted(applicant_client, ref, session):
    client, application = applicant_client
    p1 = ref.priorities[0]
    r = client.post(
        f"/applications/{application.reference}/priorities",
        data={
            "priorities": [str(p1.id)],
            f"percentage_{p1.id}": "10\u200b0\u00a0%",
            f"how_{p1.id}": "It helps",
        },
    )
    assert r.status_code == 302, r.text


def test_charity_and_company_numbers_are_stored_as_the_registers_write_them(applicant_client, session):
    client, application = applicant_client
    organisation = application.organisation
    for charity, company, stored in (
        ("1087654-1", "5123456", ("1087654-1", "05123456")),
        ("NIC100234", "NI012345", ("NIC100234", "NI012345")),
        ("ni 100234", "sc 123456", ("NIC100234", "SC123456")),
        ("SC012345", "ce12345", ("SC012345", "CE012345")),
    ):
        r = client.post(
            f"/applications/{application.reference}/organisation",
            data={**ORG, "charity_number": charity, "company_number": company},
        )
        assert r.status_code == 302, (charity, r.text)
        session.refresh(organisation)
        assert (organisation.charity_number, organisation.company_number) == stored


def test_a_company_number_of_the_wrong_shape_says_how_companies_house_writes_it(applicant_client):
    client, application = applicant_client
    r = client.post(
        f"/applications/{application.reference}/organisation",
        data={**ORG, "company_number": "123456789"},
    )
    assert r.status_code == 200
    assert "Company number must be 8 characters, like 05123456 or SC123456" in r.text


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_invisible_characters_pasted_into_valid_answers_change_nothing(applicant_client, ref, session, data):
    """Property: a valid answer with invisible characters inserted anywhere is accepted, and what is
    stored is what the clean answer gives."""
    client, application = applicant_client
    reference = application.reference
    start, end = _dates(ref.fund)
    month = data.draw(st.sampled_from([str(start.month), f"{start:%b}", f"{start:%B}"]))
    r = client.post(
        f"/applications/{reference}/project",
        data=project_data(
            ref,
            start_date=[data.draw(sprinkled(p)) for p in (str(start.day), month, str(start.year))],
            end_date=[str(end.day), str(end.month), str(end.year)],
            beneficiaries_count=data.draw(sprinkled("1,240")),
        ),
    )
    assert r.status_code == 302, r.text
    charity = data.draw(st.sampled_from(["1087654-1", "SC012345", "NIC100234", "202918"]))
    company = data.draw(st.sampled_from(["05123456", "SC123456", "OC301234", "CE012345"]))
    r = client.post(
        f"/applications/{reference}/organisation",
        data={
            **ORG,
            "charity_number": data.draw(sprinkled(charity)),
            "company_number": data.draw(sprinkled(company)),
            "postcode": data.draw(sprinkled("SG1 1NJ")),
        },
    )
    assert r.status_code == 302, r.text
    pounds = data.draw(st.integers(1, 4_999))
    r = _post_budget_line(client, reference, ref.categories[0].id, data.draw(sprinkled(f"£{pounds:,}.25")))
    assert r.status_code == 302, r.text

    session.expire_all()
    assert application.start_date == start and application.beneficiaries_count == 1240
    organisation = application.organisation
    assert (organisation.charity_number, organisation.company_number) == (charity, company)
    assert organisation.postcode == "SG1 1NJ"
    assert application.budget_lines[-1].amount_pence == pounds * 100 + 25


def test_invisible_characters_before_a_month_name_do_not_hide_it(applicant_client, ref):
    # Found by the property above: a joiner and four narrow no-break spaces before "December" pushed
    # the name past the box's cut, and a real date was refused.
    client, application = applicant_client
    start, end = _dates(ref.fund)
    r = client.post(
        f"/applications/{application.reference}/project",
        data=project_data(
            ref,
            start_date=[
                f"\xa0{start.day}",
                "\u200d\u202f\u202f\u202f\u202f" + f"{start:%B}",
                f"\xa0{start.year}",
            ],
            end_date=[str(end.day), str(end.month), str(end.year)],
        ),
    )
    assert r.status_code == 302, r.text
