"""Browser fixtures: the app served on a local port, headless Debian Chromium, and axe-core checks.

In CI (CI=true) a missing Chromium or Playwright is a failure, not a skip.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _require_browser() -> None:
    missing = None
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing = f"Chromium not found at {CHROMIUM}"
    else:
        try:
            import axe_playwright_python  # noqa: F401
            import playwright  # noqa: F401
        except ImportError as exc:
            missing = f"Playwright or axe-playwright-python is not installed: {exc}"
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing}: browser tests must run in CI", pytrace=False)
        pytest.skip(missing)


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The test app served from a thread; tests commit their data so the server can see it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, session):
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    _require_browser()
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(axe, page, *, impacts: set[str] | None = None) -> list[dict]:
    """axe-core WCAG 2.0/2.1/2.2 A and AA violations on the current page (optionally only some impacts)."""
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response["violations"]
    if impacts:
        violations = [v for v in violations if v.get("impact") in impacts]
    return violations


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v.get('impact')}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
    )
