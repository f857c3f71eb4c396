"""The task list's sections of a draft application, each saved as the applicant goes."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from grants_app.extensions import db
from grants_app.models import DocumentKind, Ward
from grants_app.models.application import DOCUMENT_KIND_LABELS
from grants_app.services import applicant_actions as actions
from grants_app.services import application_form as form_service
from grants_app.services.application_checks import needs_safeguarding_policy, same_file_warnings
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import (
    applicant_required,
    attempt,
    editable_or_redirect,
    load_application,
    next_page,
    settings,
)


@bp.route("/applications/<reference>/organisation", methods=["GET", "POST"])
@applicant_required
def organisation(reference: str):
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    org = app_.organisation
    form = f.OrganisationForm(obj=org) if request.method == "GET" else f.OrganisationForm()
    if request.method == "GET" and org.org_type:
        form.org_type.data = org.org_type.value
    if form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.save_organisation(db.session, current_user, app_, form.data_for_service()),
            form,
        )
        if outcome.ok:
            return redirect(next_page(app_))
    return render_template("portal/organisation.html", form=form, errors=error_list(form), application=app_)


@bp.route("/applications/<reference>/project", methods=["GET", "POST"])
@applicant_required
def project(reference: str):
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    form = f.ProjectForm(obj=app_) if request.method == "GET" else f.ProjectForm()
    wards = list(db.session.execute(select(Ward).order_by(Ward.name)).scalars())
    form.ward_ids.choices = [(str(w.id), w.name) for w in wards]
    if request.method == "GET":
        form.ward_ids.data = [str(w.id) for w in app_.wards]
        form.beneficiaries_count.data = (
            "" if app_.beneficiaries_count is None else str(app_.beneficiaries_count)
        )
    if form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.save_project(db.session, current_user, app_, form.data_for_service()), form
        )
        if outcome.ok:
            return redirect(next_page(app_))
    return render_template("portal/project.html", form=form, errors=error_list(form), application=app_)


@bp.route("/applications/<reference>/priorities", methods=["GET", "POST"])
@applicant_required
def priorities(reference: str):
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    if request.method == "POST":
        form = f.PrioritiesForm(app_.fund.priorities, request.form)
        if form.validate():
            outcome = attempt(
                lambda: form_service.save_priorities(db.session, current_user, app_, form.choices)
            )
            if outcome.ok:
                return redirect(next_page(app_))
            form.add_refusal(outcome.refusal)
    else:
        form = f.PrioritiesForm(app_.fund.priorities, splits=app_.priority_splits)
    return render_template(
        "portal/priorities.html",
        application=app_,
        priorities=form.priorities,
        values=form.values,
        field_errors=form.errors,
        errors=form.summary(),
    )


@bp.route("/applications/<reference>/budget", methods=["GET", "POST"])
@applicant_required
def budget(reference: str):
    """Two forms on one page: add a cost (action=add), or save match funding and go on (action=match)."""
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    line_form = f.BudgetLineForm(prefix="line")
    line_form.category_id.choices = [("", "Select a category")] + [
        (str(c.id), c.name) for c in app_.fund.budget_categories
    ]
    match_form = f.MatchFundingForm(prefix="match")
    action = request.form.get("action")
    if request.method == "POST" and action not in ("add", "match"):
        abort(400)
    if action != "match":  # show what is saved unless the person is changing it now
        match_form.show(app_)
    if action == "add" and line_form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.add_budget_line(
                db.session,
                current_user,
                app_,
                description=line_form.description.data,
                category_id=int(line_form.category_id.data),
                amount_pence=line_form.amount_pence,
            ),
            line_form,
        )
        if outcome.ok:
            flash("Cost added to your budget.")
            return redirect(url_for("portal.budget", reference=app_.reference))
    if action == "match" and match_form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.save_match_funding(
                db.session,
                current_user,
                app_,
                amount_pence=match_form.amount_pence,
                source=match_form.match_source.data,
            ),
            match_form,
        )
        if outcome.ok:
            return redirect(next_page(app_))
    shown = line_form if action == "add" else match_form if action == "match" else None
    return render_template(
        "portal/budget.html",
        application=app_,
        line_form=line_form,
        match_form=match_form,
        errors=error_list(shown) if shown is not None else [],
        form=f.ConfirmForm(),
    )


@bp.post("/applications/<reference>/budget/<int:line_id>/remove")
@applicant_required
def remove_budget_line(reference: str, line_id: int):
    return _remove_item(
        reference, form_service.remove_budget_line, line_id, "Cost removed from your budget.", "portal.budget"
    )


def _remove_item(reference: str, remove, item_id: int, message: str, back_to: str):
    """Remove one of a draft's parts (a cost, a document); another application's part is a 404."""
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    outcome = attempt(lambda: remove(db.session, current_user, app_, item_id))
    if outcome.ok:
        flash(message)
    else:
        flash(str(outcome.refusal), "info")
    return redirect(url_for(back_to, reference=app_.reference))


@bp.route("/applications/<reference>/documents", methods=["GET", "POST"])
@applicant_required
def documents(reference: str):
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    form = f.DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte past the limit so an oversize file is recognised without reading all of it.
        content = upload.stream.read(settings().max_upload_mb * 1024 * 1024 + 1)
        kind = DocumentKind(form.kind.data)
        outcome = attempt(
            lambda: actions.upload_document(
                db.session,
                current_user,
                app_,
                settings().upload_folder,
                kind=kind,
                filename=upload.filename or "",
                content=content,
            ),
            form,
        )
        if outcome.ok:
            flash(f"{DOCUMENT_KIND_LABELS[kind]} uploaded.")
            return redirect(url_for("portal.documents", reference=app_.reference))
    return render_template(
        "portal/documents.html",
        application=app_,
        form=form,
        errors=error_list(form),
        current=actions.current_documents(app_),
        kinds=actions.APPLICANT_DOCUMENT_KINDS,
        needs_safeguarding=needs_safeguarding_policy(app_),
        same_file=same_file_warnings(app_),
        remove_form=f.ConfirmForm(),
    )


@bp.post("/applications/<reference>/documents/<int:document_id>/remove")
@applicant_required
def remove_document(reference: str, document_id: int):
    return _remove_item(
        reference, actions.remove_document, document_id, "Document removed.", "portal.documents"
    )


@bp.route("/applications/<reference>/declaration", methods=["GET", "POST"])
@applicant_required
def declaration(reference: str):
    app_ = load_application(reference)
    if (r := editable_or_redirect(app_)) is not None:
        return r
    form = f.DeclarationForm()
    if request.method == "GET":
        form.name.data = app_.declaration_name or app_.organisation.contact_name
        form.position.data = app_.declaration_position
    if form.validate_on_submit():
        outcome = attempt(
            lambda: form_service.save_declaration(
                db.session, current_user, app_, name=form.name.data, position=form.position.data
            ),
            form,
        )
        if outcome.ok:
            return redirect(next_page(app_))
    return render_template("portal/declaration.html", form=form, errors=error_list(form), application=app_)
