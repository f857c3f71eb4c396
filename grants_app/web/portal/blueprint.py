"""The applicant portal's blueprint, its page context, security headers and error pages."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint

from grants_app.web import errors
from grants_app.web.context import portal_context, security_headers

# Our own small script (module loading GOV.UK Frontend's initAll) lives in grants_app/web/static; pages
# work without it.
bp = Blueprint(
    "portal",
    __name__,
    root_path=str(Path(__file__).resolve().parent.parent),
    static_folder="static",
    static_url_path="/portal-static",
)
errors.register(bp)
bp.context_processor(portal_context)
bp.after_request(security_headers)
