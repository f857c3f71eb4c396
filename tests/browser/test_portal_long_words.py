"""Text people type and file names can be one unbroken word hundreds of characters long (a pasted link,
a file named by a scanner). The portal pages that show them wrap it inside the page, at desktop, tablet
and phone widths, instead of stretching the page sideways."""

from __future__ import annotations

import re

import pytest

from grants_app.services import return_form
from grants_app.services.documents import minimal_pdf
from grants_app.workflow import fire
from tests.return_helpers import grant, line

pytestmark = pytest.mark.browser

WORD = "W" * 250
FILENAME = "receipt-" + "r" * 400 + ".pdf"


def _sign_in(page, mailer, email: str) -> None:
    page.goto("/sign-in")
    page.fill("#email", email)
    page.click("button:has-text('Email me a sign-in link')")
    page.wait_for_load_state()
    body = [b for to, _s, b in mailer.sent if to == email][-1]
    page.goto("/sign-in/" + re.search(r"/sign-in/([\w-]+)", body).group(1))
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()


def _overflow(page, url: str) -> int:
    """How many pixels the page at `url` is wider than the window (0 when nothing sticks out)."""
    page.goto(url)
    assert page.locator("h1").count() == 1, url
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# The spending table has six columns, which do not fit a phone's width whatever they hold (GOV.UK tables
# scroll there); what is checked is that the long word does not widen it on a desktop or a tablet.
@pytest.mark.parametrize("width", [1280, 768])
def test_long_unbroken_text_and_file_names_wrap_on_the_return_pages(
    page, app, session, mailer, make, tmp_path, width
):
    g = grant(make)
    spend_line = return_form.add_spend_line(session, g.applicant, g.ret, line(g, description=WORD))
    return_form.attach_receipt(
        session,
        g.applicant,
        g.ret,
        spend_line.id,
        tmp_path,
        filename=FILENAME,
        content=minimal_pdf("Receipt"),
    )
    return_form.save_progress(session, g.applicant, g.ret, WORD)
    email, base, line_id = g.applicant.email, g.base, spend_line.id
    session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, mailer, email)
    for url in (f"{base}/check", f"{base}/spending", f"{base}/spending/{line_id}/receipt"):
        assert _overflow(page, url) == 0, url
    page.goto(f"{base}/check")
    assert FILENAME[:255] in page.content()  # shown whole, only wrapped


@pytest.mark.parametrize("width", [1280, 375])
def test_long_unbroken_conditions_wrap_on_the_offer_page(page, session, mailer, make, width):
    app_, _meeting, officer = make.approved(amount_pence=100_000)
    app_.award.conditions = f"Credit us at {WORD}"
    fire(session, app_, "issue_offer", officer)
    email, reference = make.applicant_of(app_).email, app_.reference
    session.commit()
    page.set_viewport_size({"width": width, "height": 900})
    _sign_in(page, mailer, email)
    assert _overflow(page, f"/applications/{reference}/offer") == 0
    assert _overflow(page, f"/applications/{reference}") == 0
