"""The grant statement in the applicant portal, for the members of the group that holds the grant.

Another organisation's grant, or an application without an award, is a 404, as everywhere in the portal.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user

from grants_app.extensions import db
from grants_app.reports import outputs
from grants_app.reports.period import ReportFilterError
from grants_app.reports.statement import build_statement
from grants_app.services import applicant_actions
from grants_app.services.applications import NotAllowed

bp = Blueprint("portal_reports", __name__)


@bp.get("/applications/<reference>/statement.pdf")
def statement(reference: str):
    if not current_user.is_authenticated:
        return redirect(url_for("portal.sign_in", next=request.path))
    if current_user.is_staff:
        abort(403)
    try:
        application = applicant_actions.application_for(db.session, current_user, reference)
        st = build_statement(db.session, application.reference, generated_by=current_user.full_name)
    except (NotAllowed, ReportFilterError):
        abort(404)
    output = outputs.statement_output(st, "pdf")
    response = Response(output.body, mimetype=output.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
