"""GOV.UK error pages, and the error summary built from a form's messages."""

from __future__ import annotations

import contextlib
import logging
from urllib.parse import urlparse

from flask import Blueprint, Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from grants_app.extensions import db
from grants_app.web.context import portal_context

log = logging.getLogger(__name__)

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


def same_site_referrer(default: str) -> str:
    """The page to go back to, with its query (the admin's pages name their record there), only if it is
    on this site (never a link to somewhere else, "//host/..." included)."""
    ref = urlparse(request.referrer or "")
    if (
        ref.netloc == request.host
        and ref.scheme in ("http", "https")
        and ref.path.startswith("/")
        and not ref.path.startswith("//")
    ):
        return f"{ref.path}?{ref.query}" if ref.query else ref.path
    return default


# Staff pages (under /admin) answer client errors and "busy" with the admin's own page, given by the
# admin (grants_app/admin/errors.py) as app.extensions[ADMIN_ERROR_PAGE](status): None when it cannot.
ADMIN_ERROR_PAGE = "sosafe_admin_error_page"


def _portal_page(template: str, status: int, *, staff_page: bool | None = None, **context):
    """The public page `template` with `status`; under /admin, for staff, the admin's page for `status`
    instead when `staff_page` (by default for client errors: a server error's cause may break the
    admin's layout too)."""
    # Also used for URLs outside the portal blueprint, whose context processors do not run there.
    if staff_page is None:
        staff_page = status < 500
    if staff_page and request.path.startswith("/admin/") and not request.path.startswith("/admin/static/"):
        admin_page = current_app.extensions.get(ADMIN_ERROR_PAGE)
        page = admin_page(status) if admin_page is not None else None
        if page is not None:
            return page, status
    return render_template(template, **portal_context(), **context), status


def _not_found(_exc):
    return _portal_page("portal/errors/404.html", 404)


def _too_large(_exc):
    return _portal_page("portal/errors/413.html", 413, back=same_site_referrer("/applications"))


def _csrf_failed(_exc):
    return _portal_page("portal/errors/csrf.html", 400, back=same_site_referrer("/"))


def _too_many(_exc):
    return _portal_page("portal/errors/429.html", 429)


def _server_error(_exc):
    _rollback()
    return _portal_page("portal/errors/500.html", 500)


def _database_busy(exc: OperationalError):
    # SQLite (the development default) lets one writer in at a time; a request that waited longer than
    # busy_timeout for it is told to try again, with nothing changed, rather than shown a crash.
    # PostgreSQL does not get here.
    _rollback()
    if "database is locked" in str(exc):
        return _portal_page("portal/errors/busy.html", 503, staff_page=True, back=same_site_referrer("/"))
    # Anything else operational is the database being unreachable: "try again later", not a crash.
    log.error("database unavailable: %s", exc)
    return _portal_page("portal/errors/500.html", 503)


def _conflict(exc: IntegrityError):
    # Two requests saving the same thing at the same moment (a double click that beat the checks):
    # the database kept one; this one changed nothing and says so.
    _rollback()
    log.warning("conflicting write refused by the database: %s", exc.orig)
    return _portal_page("portal/errors/busy.html", 409, back=same_site_referrer("/"))


def _rollback() -> None:
    with contextlib.suppress(SQLAlchemyError):  # no connection: nothing to undo
        db.session.rollback()


def _other_client_error(exc: HTTPException):
    return _portal_page("portal/errors/generic.html", exc.code or 400, code=exc.code)


HANDLERS = [
    (404, _not_found),
    (RequestEntityTooLarge, _too_large),
    (CSRFError, _csrf_failed),
    (429, _too_many),
    (500, _server_error),
    (OperationalError, _database_busy),
    (IntegrityError, _conflict),
    (400, _other_client_error),
    (403, _other_client_error),
    (405, _other_client_error),
    (410, _other_client_error),
]


def register(target: Flask | Blueprint) -> None:
    """GOV.UK error pages. On the portal blueprint they win for portal URLs whatever the admin
    registers for its own pages; on the app they cover URLs that match no route."""
    for code_or_exception, handler in HANDLERS:
        target.register_error_handler(code_or_exception, handler)
