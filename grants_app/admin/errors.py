"""The admin's own page for a refused or unreadable request (403, 400, 404, 405) under /admin, and for
one the database was too busy to save (503, 409): the admin layout and menu, what happened and the way
back, instead of Werkzeug's bare "Forbidden" or the public site's page pointing staff to the
applicants' start page."""

from __future__ import annotations

import logging

from flask import Flask, current_app, url_for

from grants_app.admin.security import staff_user
from grants_app.web.errors import ADMIN_ERROR_PAGE, same_site_referrer

log = logging.getLogger(__name__)

# The database could not take what was sent at that moment (grants_app/web/errors.py): the words of
# the public site's busy page.
BUSY = (
    "Sorry, the service is busy",
    "Someone else was saving at the same moment, so what you last sent was not saved. Anything you saved "
    "before that is still there. Go back, check the page and send it again.",
)
MESSAGES = {
    403: ("You cannot open this page", "Your role does not include it. Ask an administrator if you need it."),
    404: (
        "Page not found",
        "There is no such page or record. It may have been removed, or the link is wrong.",
    ),
    400: (
        "Sorry, there is a problem",
        "We could not read that request (it may hold a character that cannot be used). Go back and try again.",
    ),
    405: ("Sorry, there is a problem", "That page cannot be used that way. Go back and try again."),
    409: BUSY,
    503: BUSY,
}


def admin_error_page(status: int) -> str | None:
    """The admin's page for `status` for staff signed in as staff, or None (then the caller shows the
    general one: applicants who wander into /admin are not shown the admin's layout)."""
    heading, message = MESSAGES.get(status, MESSAGES[400])
    try:
        if staff_user() is None:
            return None
        admin = current_app.extensions["sosafe_admin"]
        back = same_site_referrer(url_for("admin.index"))
        return admin.index_view.render(
            "admin/error.html", heading=heading, message=message, status=status, back=back
        )
    except Exception:  # the error page must not fail (the database may be down): the general one then
        log.exception("admin error page could not be drawn")
        return None


def init_app(app: Flask) -> None:
    app.extensions[ADMIN_ERROR_PAGE] = admin_error_page
