"""HTML to a tagged, accessible PDF with WeasyPrint, loading nothing from outside the app.

The fetcher serves only files in the app's own static folder (grants_app/web/static), under a base URL
no network can answer; file:, data:, http or https elsewhere and every other scheme are refused, so text a
group typed into a form can never make the renderer read the server's disk or call another site.
"""

from __future__ import annotations

import re
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_FOLDER = Path(__file__).resolve().parent.parent / "web" / "static"
STATIC_BASE_URL = "https://app-static.invalid/static/"
PDF_VARIANT = "pdf/ua-1"
LANGUAGE = "en-GB"
STATIC_TYPES = {".css": "text/css", ".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg"}
_NAME = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.[a-z]+$")


class StaticOnlyFetcher(URLFetcher):
    """Serves the app's static files; raises for anything else (WeasyPrint then leaves it out)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("https",), allow_redirects=False)

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(STATIC_BASE_URL):
            raise ValueError(f"documents load nothing from outside the app: {url[:200]}")
        name = url[len(STATIC_BASE_URL) :]
        if not _NAME.match(name):
            raise ValueError("not a static file of the app")
        path = (STATIC_FOLDER / name).resolve()
        if STATIC_FOLDER not in path.parents or path.suffix not in STATIC_TYPES or not path.is_file():
            raise ValueError("not a static file of the app")
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": STATIC_TYPES[path.suffix]}
        )


def render_pdf(html: str, title: str) -> bytes:
    """The bytes of a tagged PDF/UA-1 document made from `html`, titled `title`, in British English
    (unless the HTML's lang says otherwise)."""
    document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher()).render()
    document.metadata.title = title
    document.metadata.lang = document.metadata.lang or LANGUAGE
    return document.write_pdf(pdf_variant=PDF_VARIANT)
