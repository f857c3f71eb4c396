"""GOV.UK error pages, and the error summary built from a form's messages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from grants_app.extensions import db

# Fields whose first focusable element has its own id (the GOV.UK date input's day box).
_DATE_FIELDS = {"GovDateField"}


def error_list(form) -> list[dict[str, str]]:
    """[{text, href}] in the order fields appear on the page, for govukErrorSummary."""
    if form is None:
        return []
    items = []
    for message in getattr(form, "form_errors", []) or []:
        items.append({"text": message, "href": "#main-content"})
    for field in form:
        if not field.errors or field.name == "csrf_token":
            continue
        target = f"{field.id}-day" if type(field).__name__ in _DATE_FIELDS else field.id
        items.append({"text": field.errors[0], "href": f"#{target}"})
    return items


def _same_site_referrer(default: str) -> str:
    """The page to go back to, only if it is on this site (never a link to somewhere else)."""
    from urllib.parse import urlparse

    ref = urlparse(request.referrer or "")
    if ref.netloc == request.host and ref.scheme in ("http", "https") and ref.path.startswith("/"):
        return ref.path
    return default


def _portal_page(template: str, status: int, **context):
    return render_template(template, **context), status


def init_app(app: Flask) -> None:
    @app.errorhandler(404)
    def not_found(_exc):
        return _portal_page("portal/errors/404.html", 404)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_exc):
        return _portal_page("portal/errors/413.html", 413, back=_same_site_referrer("/applications"))

    @app.errorhandler(CSRFError)
    def csrf_failed(_exc):
        return _portal_page("portal/errors/csrf.html", 400, back=_same_site_referrer("/"))

    @app.errorhandler(429)
    def too_many(_exc):
        return _portal_page("portal/errors/429.html", 429)

    @app.errorhandler(500)
    def server_error(_exc):
        db.session.rollback()
        return _portal_page("portal/errors/500.html", 500)

    @app.errorhandler(400)
    @app.errorhandler(405)
    @app.errorhandler(410)
    def other_client_error(exc: HTTPException):
        return _portal_page("portal/errors/generic.html", exc.code or 400, code=exc.code)
