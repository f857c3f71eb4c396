"""Public pages: the start page, the accessibility statement, the privacy notice and the eligibility
checker (one question per page)."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import Fund, Meeting, utcnow
from grants_app.services import application_form as form_service
from grants_app.web import eligibility
from grants_app.web.portal.blueprint import bp


@bp.get("/")
def start():
    today = london_today()
    fund = (
        form_service.open_fund(db.session, today, with_priorities=True)
        or db.session.execute(
            select(Fund).where(Fund.closes_on >= today).order_by(Fund.opens_on).limit(1)
        ).scalar_one_or_none()
    )
    meetings = list(
        db.session.execute(
            select(Meeting).where(Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at).limit(3)
        ).scalars()
    )
    return render_template("portal/start.html", fund=fund, meetings=meetings, today=today)


@bp.get("/accessibility")
def accessibility():
    return render_template("portal/accessibility.html")


@bp.get("/privacy")
def privacy():
    return render_template("portal/privacy.html")


bp.add_url_rule(
    "/eligibility/<question>", view_func=eligibility.question, methods=["GET", "POST"], endpoint="eligibility"
)
bp.add_url_rule("/eligibility-result/eligible", view_func=eligibility.eligible, endpoint="can_apply")
bp.add_url_rule(
    "/eligibility-result/not-eligible/<question>", view_func=eligibility.not_eligible, endpoint="not_eligible"
)
