"""What every applicant route shares: who may see it, the application by reference, and running a use
case so that a refusal becomes a GOV.UK error on the form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants_app.config import Settings
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application
from grants_app.refusals import NotFound, Refusal
from grants_app.services import applicant_actions as actions
from grants_app.transaction import Outcome, run

T = TypeVar("T")


def settings() -> Settings:
    return current_app.config["SOSAFE"]


def applicant_required(view: Callable) -> Callable:
    """Signed-in applicants only: others go to sign-in; staff are told to use the admin (403)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("portal.sign_in", next=request.path))
        if current_user.is_staff:
            return render_template("portal/staff_signed_in.html"), 403
        return view(*args, **kwargs)

    return wrapper


def load_application(reference: str) -> Application:
    """The signed-in applicant's organisation's application, or a 404 (whoever else owns it)."""
    try:
        return actions.application_for(db.session, current_user, reference)
    except NotFound:
        abort(404)


def add_errors(form, refusal: Refusal) -> None:
    """Put a refusal's messages on the form's fields (or at the top of the form) for the summary."""
    for name, message in (refusal.errors or {"": refusal.message}).items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [message, *list(field.errors or [])]
        else:
            form.form_errors.append(message)


def summary(refusal: Refusal) -> list[dict[str, str]]:
    """A refusal as the items of a GOV.UK error summary, for pages without a form object."""
    return [
        {"text": message, "href": f"#{name}" if name else "#main-content"}
        for name, message in (refusal.errors or {"": refusal.message}).items()
    ]


def attempt(work: Callable[[], T], form=None) -> Outcome[T]:
    """Run one use case as one transaction (grants_app.transaction.run). A Refusal's messages go onto
    `form` for its error summary; NotFound is a 404."""
    outcome = run(db.session, work)
    if outcome.refusal is not None:
        if isinstance(outcome.refusal, NotFound):
            abort(404)
        if form is not None:
            add_errors(form, outcome.refusal)
    return outcome


def editable_or_redirect(application: Application):
    """A redirect to the application's page if the applicant can no longer change it, else None."""
    if not has_tag(application, ApplicationTag.EDITABLE_BY_APPLICANT):
        flash("You have sent this application, so it can no longer be changed.", "info")
        return redirect(url_for("portal.application", reference=application.reference))
    return None


def next_page(application: Application) -> str:
    """After saving a section: back to "Check your answers" if the person came from there, else the
    task list."""
    if request.args.get("from") == "check":
        return url_for("portal.check_answers", reference=application.reference)
    return url_for("portal.application", reference=application.reference)
