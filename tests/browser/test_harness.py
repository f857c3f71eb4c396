from tests.browser.conftest import axe_violations, describe


def test_health_page_served_to_chromium(page, live_server):
    response = page.goto("/healthz")
    assert response.status == 200
    assert '"status":"ok"' in page.content().replace(" ", "")


def test_axe_finds_a_real_violation(page, axe):
    # Proves the accessibility check can fail: an image without alt text must be reported.
    page.set_content(
        "<html lang='en'><head><title>t</title></head><body><main><img src='x.png'></main></body></html>"
    )
    violations = axe_violations(axe, page)
    assert any(v["id"] == "image-alt" for v in violations), describe(violations)
