"""The grant offer in the portal: read it (and download the offer letter), then accept it as the
organisation's authorised signatory or decline it with a reason. Another organisation's is a 404."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.reports.offer_letter import offer_letter_pdf
from grants_app.services import applicant_actions as actions
from grants_app.services.offers import offer_draft
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, load_application, settings, summary


@bp.route("/applications/<reference>/offer", methods=["GET", "POST"])
@applicant_required
def offer(reference: str):
    app_ = load_application(reference)
    if not has_tag(app_, ApplicationTag.OFFER_OPEN) or app_.award is None:
        return redirect(url_for("portal.application", reference=app_.reference))
    form = f.AcceptOfferForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        accepting = form.decision.data == "accept"
        outcome = attempt(
            lambda: (
                actions.accept_offer(
                    db.session,
                    current_user,
                    app_,
                    name=form.name.data,
                    role=form.role.data,
                    confirmed=bool(form.confirm.data),
                )
                if accepting
                else actions.decline_offer(db.session, current_user, app_, form.reason.data)
            ),
            form,
        )
        if outcome.ok:
            flash(
                "You have accepted the offer. We will be in touch about your first payment."
                if accepting
                else "You have declined the offer."
            )
            return redirect(url_for("portal.application", reference=app_.reference))
        errors = summary(outcome.refusal)
        app_ = load_application(reference)
    else:
        errors = error_list(form)
    return render_template(
        "portal/offer.html",
        form=form,
        errors=errors,
        application=app_,
        draft=offer_draft(app_, london_today()),
    )


@bp.get("/applications/<reference>/offer-letter.pdf")
@applicant_required
def offer_letter(reference: str):
    """The offer letter, for the organisation's members once the offer is issued (a 404 before, and
    for anyone else)."""
    app_ = load_application(reference)
    if app_.award is None or app_.award.offer_issued_at is None:
        abort(404)
    pdf = offer_letter_pdf(db.session, app_, public_base_url=settings().public_base_url, today=london_today())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="offer-letter-{app_.reference}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
