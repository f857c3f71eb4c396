"""The officer's application page on a laptop (1366 by 768): its top shows what the application is, where
it is, the key facts and the actions; the workflow picture fits its box with the current state in view;
an empty score form shows each error by its field. axe-core finds no WCAG A or AA violation at all."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, describe
from tests.browser.test_admin_meeting_flow import sign_in

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1366, "height": 768}


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def test_the_top_of_the_page_fits_a_laptop_screen_and_the_diagram_fits_its_box(page, axe, make, session):
    officer = make.officer()
    application, _officer = make.in_delivery()
    session.commit()
    app_id, email = application.id, officer.email
    page.set_viewport_size(LAPTOP)
    sign_in(page, axe, [], email)
    page.goto(f"/admin/application/details/?id={app_id}")

    for selector in ("#app-title", "#current-state", "#key-facts", "#actions-heading", "details.action"):
        box = _box(page, selector)
        assert box["y"] + box["height"] <= LAPTOP["height"], f"{selector} is below the first screen"

    wrap, svg = _box(page, ".workflow-diagram-wrap"), _box(page, "svg.workflow-diagram")
    assert svg["width"] <= wrap["width"]
    current = _box(page, "svg.workflow-diagram g.current rect")
    assert wrap["x"] <= current["x"] and current["x"] + current["width"] <= wrap["x"] + wrap["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    violations = axe_violations(axe, page)
    assert not violations, describe(violations)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    violations = axe_violations(axe, page)
    assert not violations, describe(violations)


def test_an_empty_score_form_links_each_error_to_its_field(page, axe, make, session):
    application = make.eligible()
    member = make.jag_members(1)[0]
    from grants_app.services import declarations

    declarations.declare_interest(session, member, application, has_interest=False)
    session.commit()
    app_id, email = application.id, member.email
    first = application.fund.scoring_criteria[0].id
    page.set_viewport_size(LAPTOP)
    sign_in(page, axe, [], email)
    page.goto(f"/admin/application/details/?id={app_id}")
    page.click("button:has-text('Save my scores')")
    page.wait_for_selector("#error-summary")
    assert page.locator("#error-summary li").count() == 2 * len(application.fund.scoring_criteria)
    page.click(f"#error-summary a[href='#score_{first}']")
    assert page.evaluate("document.activeElement.id") == f"score_{first}"
    violations = axe_violations(axe, page)
    assert not violations, describe(violations)


def test_list_checkboxes_are_labelled_by_their_row(page, axe, make, session):
    officer = make.officer()
    application = make.submitted()
    session.commit()
    reference, email = application.reference, officer.email
    sign_in(page, axe, [], email)
    page.goto("/admin/application/")
    box = page.locator("input.action-checkbox").first
    assert box.get_attribute("aria-label") == f"Select {reference}"
    assert (
        page.locator("input.action-rowtoggle").get_attribute("aria-label")
        == "Select all records on this page"
    )
    result = axe.run(page, options={"runOnly": {"type": "rule", "values": ["label-title-only", "label"]}})
    assert not result.response["violations"], describe(result.response["violations"])


def test_the_searched_list_has_a_labelled_search_box_and_no_wcag_violation(page, axe, make, session):
    officer = make.officer()
    application = make.submitted(title="Youth boxing sessions")
    session.commit()
    reference, email = application.reference, officer.email
    sign_in(page, axe, [], email)
    page.goto("/admin/application/?search=boxing")
    assert page.get_by_role("link", name=reference).is_visible()
    violations = axe_violations(axe, page)
    assert not violations, describe(violations)
    assert page.get_by_label("Search applications").input_value() == "boxing"
    page.get_by_role("link", name="Clear search").click()
    assert page.get_by_label("Search applications").input_value() == ""
