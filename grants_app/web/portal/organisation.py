"""The applicant's organisations: inviting a colleague, withdrawing an invitation, answering one, and
removing a colleague who has left."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants_app.dates import format_date
from grants_app.extensions import db
from grants_app.models import OrganisationMember, utcnow
from grants_app.refusals import NotFound
from grants_app.services import application_form as form_service
from grants_app.services import invitations
from grants_app.text import possessive
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, settings


def _organisation(organisation_id: int):
    try:
        return form_service.organisation_for(db.session, current_user, organisation_id)
    except NotFound:
        abort(404)


@bp.route("/organisation/invite", methods=["GET", "POST"])
@applicant_required
def invite_to_only_organisation():
    """The invitation page of someone who works for one organisation (older links lead here)."""
    organisations = form_service.organisations_of(db.session, current_user)
    if not organisations:
        flash("Start an application first: it asks for your organisation's details.", "info")
        return redirect(url_for("portal.dashboard"))
    if len(organisations) > 1:
        flash("Choose which organisation to invite your colleague to.", "info")
        return redirect(url_for("portal.dashboard"))
    return invite(organisations[0].id)


@bp.route("/organisations/<int:organisation_id>/invite", methods=["GET", "POST"])
@applicant_required
def invite(organisation_id: int):
    organisation = _organisation(organisation_id)
    form = f.InviteForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: invitations.invite_colleague(
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
            flash(
                f"We have emailed {form.email.data} an invitation. They can work on {possessive(organisation.name)} "
                f"applications once they accept it, by {format_date(outcome.value.expires_at)}."
            )
            return redirect(url_for("portal.dashboard"))
    return render_template(
        "portal/invite.html",
        form=form,
        errors=error_list(form),
        organisation=organisation,
        days=invitations.INVITATION_DAYS,
    )


@bp.post("/organisations/<int:organisation_id>/invitations/<int:invitation_id>/withdraw")
@applicant_required
def withdraw_invitation(organisation_id: int, invitation_id: int):
    organisation = _organisation(organisation_id)
    if not f.ConfirmForm().validate_on_submit():
        abort(400)
    outcome = attempt(
        lambda: invitations.withdraw_invitation(db.session, current_user, organisation, invitation_id)
    )
    if outcome.ok and outcome.value.has_expired(utcnow()):
        flash(f"You have removed the expired invitation to {outcome.value.email}.")
    elif outcome.ok:
        flash(f"You have withdrawn the invitation to {outcome.value.email}. Its link no longer works.")
    else:
        flash(str(outcome.refusal), "info")
    return redirect(url_for("portal.dashboard"))


@bp.post("/organisation/members/<int:member_id>/remove")
@applicant_required
def remove_member(member_id: int):
    member = db.session.get(OrganisationMember, member_id)
    if member is None:
        # Removed already (in another tab, or by a colleague): an id that no membership has reveals
        # nobody's, so this says so rather than "Page not found".
        flash("That person has already been removed.", "info")
        return redirect(url_for("portal.dashboard"))
    organisation = _organisation(member.organisation_id)
    if not f.ConfirmForm().validate_on_submit():
        abort(400)
    name = member.user.full_name
    outcome = attempt(lambda: invitations.remove_colleague(db.session, current_user, organisation, member_id))
    if outcome.ok:
        flash(f"{name} can no longer work on {possessive(organisation.name)} applications.")
    else:
        flash(str(outcome.refusal), "info")
    return redirect(url_for("portal.dashboard"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@applicant_required
def invitation(token: str):
    """The emailed link: signed in with the invited address, the person joins or declines."""
    try:
        invite_row = invitations.invitation_for(db.session, token)
    except invitations.InvitationError as exc:
        return render_template("portal/invitation_problem.html", message=str(exc)), 410
    organisation = invite_row.organisation
    if invite_row.accepted_at is not None and organisation.has_member(current_user):
        return redirect(url_for("portal.dashboard"))
    if current_user.email != invite_row.email:
        message = (
            f"This invitation is for {invite_row.email}, but you are signed in as {current_user.email}. "
            f"Sign out, then sign in with {invite_row.email} to answer it."
        )
        return render_template("portal/invitation_problem.html", message=message, wrong_address=True), 403
    form = f.InvitationAnswerForm()
    if request.method == "POST" and form.validate_on_submit():
        accept = form.answer.data == "accept"
        work = invitations.accept_invitation if accept else invitations.decline_invitation
        outcome = attempt(lambda: work(db.session, current_user, token), form)
        if outcome.ok:
            flash(
                f"You can now work on {possessive(organisation.name)} applications."
                if accept
                else f"You have declined the invitation to work on {possessive(organisation.name)} applications."
            )
            return redirect(url_for("portal.dashboard"))
    return render_template(
        "portal/invitation.html", form=form, errors=error_list(form), invitation=invite_row
    )
