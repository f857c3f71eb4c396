"""The applicant's organisation: inviting a colleague and removing one who has left."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from grants_app.extensions import db
from grants_app.services import application_form as form_service
from grants_app.services.invitations import invite_colleague, remove_colleague
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, settings


@bp.route("/organisation/invite", methods=["GET", "POST"])
@applicant_required
def invite():
    organisation = form_service.organisation_of(db.session, current_user)
    if organisation is None:
        flash("Start an application first: it asks for your organisation's details.")
        return redirect(url_for("portal.dashboard"))
    form = f.InviteForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: invite_colleague(
                db.session,
                current_user,
                organisation,
                email=form.email.data,
                name=form.name.data,
                settings=settings(),
            ),
            form,
        )
        if outcome.ok:
            flash(f"We have emailed {form.email.data} to tell them how to sign in.")
            return redirect(url_for("portal.dashboard"))
    return render_template(
        "portal/invite.html", form=form, errors=error_list(form), organisation=organisation
    )


@bp.post("/organisation/members/<int:member_id>/remove")
@applicant_required
def remove_member(member_id: int):
    organisation = form_service.organisation_of(db.session, current_user)
    if organisation is None or not f.ConfirmForm().validate_on_submit():
        abort(404 if organisation is None else 400)
    name = next((m.user.full_name for m in organisation.members if m.id == member_id), None)
    outcome = attempt(lambda: remove_colleague(db.session, current_user, organisation, member_id))
    flash(
        f"{name} can no longer work on {organisation.name}'s applications."
        if outcome.ok
        else str(outcome.refusal)
    )
    return redirect(url_for("portal.dashboard"))
