"""The offer letter PDF: what it says (read back with pypdf), that it is tagged PDF/UA with a title and
language, and that the renderer loads nothing from outside the app's static files."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from grants_app.dates import london_today
from grants_app.reports import pdf
from grants_app.reports.offer_letter import offer_letter, offer_letter_pdf
from grants_app.workflow import fire


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def issued(make, session, ref):
    app, _meeting, officer = make.approved(amount_pence=245_050)
    app.award.conditions = "Send photographs with each return.\nTell us if the venue changes."
    app.organisation.name = "Bedwell Youth Boxing Club"
    fire(session, app, "issue_offer", officer)
    return app


def test_the_letter_says_the_award_in_words_and_figures_and_how_to_accept(app, session, issued):
    with app.test_request_context():
        data = offer_letter_pdf(
            session, issued, public_base_url="https://grants.example", today=london_today()
        )
    text = _text(data)
    assert "£2,450.50" in text
    assert "Two thousand four hundred and fifty pounds and fifty pence" in text
    assert "SoSafe - Stevenage Community Safety Partnership" in text and "Daneshill House" in text
    assert "Bedwell Youth Boxing Club" in text and "1 High Street" in text
    assert "Send photographs with each return." in text and "Tell us if the venue changes." in text
    assert "When the offer is accepted" in text and "£1,225.25" in text
    assert "(final)" in text
    assert f"https://grants.example/applications/{issued.reference}/offer" in text
    assert f"Please accept by {issued.award.offer_expires_on.day}" in text
    assert "DRAFT" not in text


def test_the_letter_is_tagged_titled_and_in_british_english(app, session, issued):
    with app.test_request_context():
        data = offer_letter_pdf(
            session, issued, public_base_url="https://grants.example", today=london_today()
        )
    reader = PdfReader(io.BytesIO(data))
    assert reader.metadata.title == f"Grant offer letter {issued.reference}"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"pdfuaid:part" in xmp  # PDF/UA-1 identification in the XMP metadata


def test_a_letter_before_issue_is_marked_draft_and_uses_the_default_schedule(app, make, session):
    grant, _meeting, _officer = make.approved(amount_pence=80_000)
    letter = offer_letter(session, grant, public_base_url="https://x", today=london_today())
    assert letter.is_draft and [i.amount for i in letter.instalments] == ["£800.00"]
    with app.test_request_context():
        data = offer_letter_pdf(session, grant, public_base_url="https://x", today=london_today())
    assert "DRAFT: not yet issued" in _text(data)


def test_text_a_group_typed_is_shown_as_text_never_run(app, make, session):
    grant, _meeting, officer = make.approved()
    grant.organisation.name = (
        '<img src="file:///etc/passwd"><link rel=stylesheet href="http://evil.example/x.css">'
    )
    fire(session, grant, "issue_offer", officer)
    with app.test_request_context():
        data = offer_letter_pdf(session, grant, public_base_url="https://x", today=london_today())
    assert '<img src="file:///etc/passwd">' in _text(data)


def test_a_long_unbroken_word_wraps_inside_the_page(app, make, session, ref):
    """A word too long for a line (a pasted link in the conditions, a long name) is broken across lines
    rather than running off the edge of the page, where it would be cut off when printed."""
    grant, _meeting, officer = make.approved()
    words = {"condition": "C" * 300, "title": "T" * 200, "group": "G" * 200, "signatory": "S" * 200}
    grant.award.conditions = f"Credit us at {words['condition']}"
    grant.title = words["title"]
    grant.organisation.name = words["group"]
    fire(session, grant, "issue_offer", officer)
    make.accept(grant)
    grant.award.accepted_by_name = words["signatory"]
    with app.test_request_context():
        data = offer_letter_pdf(session, grant, public_base_url="https://x", today=london_today())
    lines = [line for page in PdfReader(io.BytesIO(data)).pages for line in page.extract_text().split("\n")]
    width = max(len(line) for line in lines)
    joined = "".join(lines)
    for what, word in words.items():
        assert word in joined, what  # all of it is printed...
    assert width < 150, max(lines, key=len)  # ...and no line is longer than the page is wide


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://evil.example/x.css",
        "https://app-static.invalid/static/../../config.py",
        "https://app-static.invalid/static/missing.css",
        "data:text/css,body{}",
        "ftp://example.org/x",
    ],
)
def test_the_renderer_fetches_nothing_but_the_apps_static_files(url):
    with pytest.raises(ValueError):
        pdf.StaticOnlyFetcher().fetch(url)


def test_the_renderer_serves_the_apps_own_static_files():
    response = pdf.StaticOnlyFetcher().fetch(pdf.STATIC_BASE_URL + "letter.css")
    assert response.content_type == "text/css" and b"letterhead" in response.read()


def test_html_that_points_elsewhere_renders_without_fetching_it(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    html = f'<html lang="en-GB"><head><link rel="stylesheet" href="file://{secret}"></head><body><p>Hello</p></body></html>'
    data = pdf.render_pdf(html, "Test")
    assert "Hello" in _text(data)
