"""GOV.UK Frontend served from the npm package (node_modules), never from a CDN or a vendored copy."""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from grants_app.config import PROJECT_ROOT

GOVUK_DIST = PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
# The compiled CSS refers to its fonts and images as /assets/fonts/... and /assets/images/...
bp = Blueprint("govuk_assets", __name__)
COMPILED = {"govuk-frontend.min.css", "govuk-frontend.min.js", "govuk-frontend.min.js.map"}


@bp.get("/assets/<path:filename>")
def asset(filename: str):
    if filename in COMPILED:
        return send_from_directory(GOVUK_DIST, filename, max_age=3600)
    if not (GOVUK_DIST / "assets").is_dir():
        abort(404)
    # send_from_directory refuses paths that escape the folder.
    return send_from_directory(GOVUK_DIST / "assets", filename, max_age=86400)


@bp.get("/favicon.ico")
def favicon():
    """The GOV.UK icon where a browser looks for one by itself (the admin's pages name none)."""
    return asset("images/favicon.ico")
