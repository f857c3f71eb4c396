"""What the applicant decides about a sent application: send it, withdraw it, answer our question.
Every one goes through the workflow. (The offer is in offers.py.)"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application
from grants_app.models.organisation import ORGANISATION_TYPE_LABELS
from grants_app.services import applicant_actions as actions
from grants_app.services.application_checks import missing_sections, same_file_warnings
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, load_application, summary
from grants_app.workflow import ConflictError


@bp.get("/applications/<reference>/check-your-answers")
@applicant_required
def check_answers(reference: str):
    app_ = load_application(reference)
    if not has_tag(app_, ApplicationTag.EDITABLE_BY_APPLICANT):
        return redirect(url_for("portal.application", reference=app_.reference))
    return _check_answers_page(app_, [])


def _check_answers_page(app_: Application, errors: list[dict[str, str]]) -> str:
    return render_template(
        "portal/check_answers.html",
        application=app_,
        missing=missing_sections(app_, london_today()),
        documents=actions.current_documents(app_),
        same_file=same_file_warnings(app_),
        form=f.ConfirmForm(),
        errors=errors,
        org_type_labels=ORGANISATION_TYPE_LABELS,
    )


@bp.post("/applications/<reference>/submit")
@applicant_required
def submit(reference: str):
    app_ = load_application(reference)
    if not f.ConfirmForm().validate_on_submit():
        abort(400)
    if not has_tag(app_, ApplicationTag.UNSUBMITTED):
        # A second click (or a second tab) lands on the confirmation of the first submission.
        return redirect(url_for("portal.confirmation", reference=app_.reference))
    outcome = attempt(lambda: actions.submit(db.session, current_user, app_))
    if outcome.ok:
        return redirect(url_for("portal.confirmation", reference=app_.reference))
    fresh = load_application(reference)
    if isinstance(outcome.refusal, ConflictError):
        if not has_tag(fresh, ApplicationTag.UNSUBMITTED):
            # The other request was this person's first click: it went through.
            return redirect(url_for("portal.confirmation", reference=reference))
        return _check_answers_page(fresh, summary(outcome.refusal)), 409
    return _check_answers_page(fresh, summary(outcome.refusal)), 422


@bp.get("/applications/<reference>/confirmation")
@applicant_required
def confirmation(reference: str):
    app_ = load_application(reference)
    if has_tag(app_, ApplicationTag.UNSUBMITTED):
        return redirect(url_for("portal.application", reference=app_.reference))
    return render_template("portal/confirmation.html", application=app_)


@bp.route("/applications/<reference>/withdraw", methods=["GET", "POST"])
@applicant_required
def withdraw(reference: str):
    app_ = load_application(reference)
    if not actions.can(app_, current_user, "withdraw"):
        flash("This application can no longer be withdrawn.", "info")
        return redirect(url_for("portal.application", reference=app_.reference))
    form = f.ReasonForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        outcome = attempt(lambda: actions.withdraw(db.session, current_user, app_, form.reason.data))
        if outcome.ok:
            flash("You have withdrawn your application.")
            return redirect(url_for("portal.application", reference=app_.reference))
        errors = summary(outcome.refusal)
        app_ = load_application(reference)
    else:
        errors = error_list(form)
    return render_template("portal/withdraw.html", form=form, errors=errors, application=app_)


@bp.route("/applications/<reference>/answer", methods=["GET", "POST"])
@applicant_required
def answer(reference: str):
    app_ = load_application(reference)
    if not has_tag(app_, ApplicationTag.AWAITING_ANSWER):
        return redirect(url_for("portal.application", reference=app_.reference))
    question = actions.open_question(app_)
    form = f.AnswerForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        outcome = attempt(
            lambda: actions.answer_and_resubmit(db.session, current_user, app_, form.answer.data)
        )
        if outcome.ok:
            flash("Thank you. We have your answer and your application is back with us.")
            return redirect(url_for("portal.application", reference=app_.reference))
        errors = summary(outcome.refusal)
        app_ = load_application(reference)
        question = actions.open_question(app_)
    else:
        errors = error_list(form)
    return render_template(
        "portal/answer.html", form=form, errors=errors, application=app_, question=question
    )
