"""The applicant's applications: the list, starting one, one application's page and its documents."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import (
    Document,
    OrganisationType,
    utcnow,
)
from grants_app.refusals import NotFound
from grants_app.reports import outputs
from grants_app.reports.period import ReportFilterError
from grants_app.reports.statement import build_statement
from grants_app.services import applicant_actions as actions
from grants_app.services import applicant_overview as overview
from grants_app.services import application_form as form_service
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, load_application, settings
from grants_app.web.tasks import next_steps, section_statuses


@bp.get("/applications")
@applicant_required
def dashboard():
    return render_template(
        "portal/dashboard.html",
        organisations=overview.organisations_overview(db.session, current_user.id),
        invitations_to_me=overview.invitations_to_me(db.session, current_user.id),
        fund=form_service.open_fund(db.session, london_today()),
        form=f.ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@applicant_required
def new_application():
    """Start an application: for the applicant's organisation (asking which one when they work for
    several), or for a new organisation (its details first)."""
    fund = form_service.open_fund(db.session, london_today())
    if fund is None:
        return render_template("portal/no_fund.html"), 200
    organisations = form_service.organisations_of(db.session, current_user)
    answers = session.get("eligibility") or {}
    if not organisations or request.args.get("organisation") == f.ChooseOrganisationForm.NEW:
        return _new_organisation(fund, answers, first=not organisations)
    if len(organisations) == 1:
        return _confirm_organisation(fund, answers, organisations[0])
    form = f.ChooseOrganisationForm()
    form.organisation.choices = [(str(o.id), o.name) for o in organisations] + [
        (form.DIVIDER, "or"),
        (form.NEW, "A different organisation"),
    ]
    if form.validate_on_submit():
        if form.organisation.data == form.NEW:
            return redirect(url_for("portal.new_application", organisation=form.NEW))
        chosen = next(o for o in organisations if str(o.id) == form.organisation.data)
        outcome = attempt(
            lambda: form_service.start_with_organisation(
                db.session, current_user, fund, None, answers, organisation_id=chosen.id
            ),
            form,
        )
        if outcome.ok:
            flash(f"You have started an application for {chosen.name}.")
            return redirect(url_for("portal.application", reference=outcome.value.reference))
    return render_template(
        "portal/choose_organisation.html",
        form=form,
        errors=error_list(form),
        fund=fund,
        count=len(organisations),
    )


def _confirm_organisation(fund, answers, organisation):
    form = f.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.start_with_organisation(
                db.session, current_user, fund, None, answers, organisation_id=organisation.id
            ),
            form,
        )
        if outcome.ok:
            return redirect(url_for("portal.application", reference=outcome.value.reference))
    return render_template("portal/new_application.html", form=form, fund=fund, organisation=organisation)


def _new_organisation(fund, answers, *, first: bool):
    form = f.OrganisationForm()
    if request.method == "GET":
        form.contact_email.data = current_user.email
        if answers.get("org_type") in {t.value for t in OrganisationType}:
            form.org_type.data = answers["org_type"]
    if form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.start_with_organisation(
                db.session, current_user, fund, form.data_for_service(), answers
            ),
            form,
        )
        if outcome.ok:
            flash("Your organisation's details are saved. You can come back to your application at any time.")
            return redirect(url_for("portal.application", reference=outcome.value.reference))
    return render_template(
        "portal/organisation.html",
        form=form,
        errors=error_list(form),
        application=None,
        first=first,
        another=not first,
    )


@bp.get("/applications/<reference>")
@applicant_required
def application(reference: str):
    app_ = load_application(reference)
    triggers = {t.trigger for t in actions.available_triggers(app_, current_user)}
    return render_template(
        "portal/application.html",
        application=app_,
        sections=section_statuses(app_),
        next_steps=next_steps(app_, triggers, url_for),
        schedule=actions.payment_schedule(app_),
        triggers=triggers,
        question=actions.open_question(app_),
        history=actions.applicant_history(db.session, app_),
        documents=actions.current_documents(app_),
    )


@bp.get("/applications/<reference>/statement.pdf")
@applicant_required
def statement(reference: str):
    """The grant statement as a PDF, for the members of the group that holds the grant; another
    organisation's grant, or an application without an award, is a 404."""
    application = load_application(reference)
    try:
        built = build_statement(db.session, application.reference, generated_by=current_user.full_name)
    except ReportFilterError:
        abort(404)
    output = outputs.statement_output(built, "pdf")
    response = Response(output.body, mimetype=output.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/documents/<int:document_id>")
def download_document(document_id: int):
    """For the organisation's members and for staff; everyone else gets a 404."""
    if not current_user.is_authenticated:
        abort(404)
    try:
        document: Document = actions.document_for(db.session, current_user, document_id)
    except NotFound:
        abort(404)
    response = send_from_directory(
        settings().upload_folder,
        document.stored_name,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.original_filename,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
