"""The applicant portal: thin routes that parse input, call a service, commit and render."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from grants_app import transaction
from grants_app.dates import london_today
from grants_app.extensions import db, limiter
from grants_app.models import (
    Application,
    Document,
    DocumentKind,
    Fund,
    Meeting,
    OrganisationType,
    Partnership,
    Ward,
    utcnow,
)
from grants_app.models.application import DOCUMENT_KIND_LABELS
from grants_app.models.organisation import ORGANISATION_TYPE_LABELS
from grants_app.services import applicant_actions as actions
from grants_app.services import application_form as form_service
from grants_app.services import sign_in as sign_in_service
from grants_app.services.application_checks import missing_sections, needs_safeguarding_policy
from grants_app.services.application_form import FormErrors, NotEditable, PriorityChoice
from grants_app.services.applications import NotAllowed
from grants_app.services.documents import DocumentRejected
from grants_app.services.invitations import invite_colleague, remove_colleague
from grants_app.services.sign_out import end_all_sessions
from grants_app.web import eligibility, errors
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.redirects import safe_next
from grants_app.web.tasks import next_steps, section_statuses
from grants_app.workflow import ConflictError, WorkflowError

# Our own small script (module loading GOV.UK Frontend's initAll); pages work without it.
bp = Blueprint("portal", __name__, static_folder="static", static_url_path="/portal-static")
errors.register(bp)

SIGN_IN_IP_LIMIT = "10 per hour;3 per minute"


def _csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


@dataclass(frozen=True)
class PartnershipInfo:
    """Names and contact details from the partnership's configuration, never written into templates."""

    name: str = "The Community Safety Partnership"
    short_name: str = "Community safety grants"
    area_name: str = "your area"
    address: str = ""
    contact_email: str = ""


def partnership_info() -> PartnershipInfo:
    if "partnership_info" not in g:
        try:
            row = db.session.execute(select(Partnership).limit(1)).scalar_one_or_none()
        except SQLAlchemyError:  # the error pages must render while the database is down
            db.session.rollback()
            row = None
        g.partnership_info = (
            PartnershipInfo(
                name=row.name,
                short_name=row.short_name,
                area_name=row.area_name,
                address=", ".join(line.strip() for line in row.address.splitlines() if line.strip()),
                contact_email=row.contact_email,
            )
            if row is not None
            else PartnershipInfo()
        )
    return g.partnership_info


@bp.context_processor
def portal_context() -> dict[str, Any]:
    # The GOV.UK page template adds its one inline script (the js-enabled class) with this nonce.
    return {"cspNonce": _csp_nonce(), "partnership": partnership_info()}


@bp.after_request
def _security_headers(response):
    # Defence in depth: even if some text were ever rendered unescaped, no injected script would run.
    response.headers.setdefault(
        "Content-Security-Policy",
        f"default-src 'self'; script-src 'self' 'nonce-{_csp_nonce()}'; style-src 'self'; "
        "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if current_user.is_authenticated:
        response.headers.setdefault("Cache-Control", "private, no-store")
    return response


def settings():
    return current_app.config["SOSAFE"]


def applicant_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        if not current_user.is_authenticated:
            return redirect(url_for("portal.sign_in", next=request.path))
        if current_user.is_staff:
            return render_template("portal/staff_signed_in.html"), 403
        return view(*args, **kwargs)

    return wrapper


def _application(reference: str) -> Application:
    try:
        return actions.application_for(db.session, current_user, reference)
    except NotAllowed:
        abort(404)


def _workflow_refusal(exc: WorkflowError) -> list[dict[str, str]]:
    db.session.rollback()
    return [{"text": str(exc), "href": "#main-content"}]


def _editable_or_redirect(application: Application):
    if application.state not in form_service.EDITABLE_STATES:
        flash("You have sent this application, so it can no longer be changed.")
        return redirect(url_for("portal.application", reference=application.reference))
    return None


def _merge_errors(form, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [message, *list(field.errors or [])]
        else:
            form.form_errors.append(message)


# -- public pages --------------------------------------------------------------------------------
@bp.get("/")
def start():
    today = london_today()
    fund = (
        form_service.open_fund(db.session, today)
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


# -- sign in ---------------------------------------------------------------------------------------
@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_IP_LIMIT, methods=["POST"])
def sign_in():
    if current_user.is_authenticated and not current_user.is_staff:
        return redirect(url_for("portal.dashboard"))
    form = f.EmailForm()
    if form.validate_on_submit():
        try:
            sign_in_service.request_link(
                db.session, form.email.data, ip=request.remote_addr or "", settings=settings()
            )
        except sign_in_service.TooManyRequests as exc:
            db.session.rollback()
            return render_template(
                "portal/sign_in.html", form=form, errors=[{"text": str(exc), "href": "#email"}]
            ), 429
        transaction.commit(db.session)
        session["sign_in_email"] = form.email.data
        if (nxt := safe_next(request.args.get("next"))) is not None:
            session["after_sign_in"] = nxt
        return redirect(url_for("portal.check_email"))
    return render_template("portal/sign_in.html", form=form, errors=error_list(form))


@bp.get("/sign-in/check-your-email")
def check_email():
    return render_template("portal/check_email.html", email=session.get("sign_in_email", ""))


@bp.route("/sign-in/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute")
def use_link(token: str):
    # GET only asks for a click: mail scanners that open links must not use up the single-use token.
    form = f.ConfirmForm()
    if request.method == "GET":
        try:
            sign_in_service.check_link(db.session, token)
        except sign_in_service.SignInError as exc:
            return render_template("portal/link_problem.html", message=str(exc)), 410
        return render_template("portal/use_link.html", form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        user = sign_in_service.redeem_link(db.session, token)
    except sign_in_service.SignInError as exc:
        db.session.rollback()
        return render_template("portal/link_problem.html", message=str(exc)), 410
    transaction.commit(db.session)
    kept = {k: session[k] for k in ("eligibility", "after_sign_in") if k in session}
    session.clear()  # a fresh session on sign-in: nothing from before can be replayed
    session.update({k: v for k, v in kept.items() if k == "eligibility"})
    session.permanent = True
    login_user(user)
    target = safe_next(kept.get("after_sign_in")) or url_for("portal.dashboard")
    return redirect(target)


@bp.post("/sign-out")
def sign_out():
    f.ConfirmForm().validate_on_submit()
    if current_user.is_authenticated:  # every copy of this session ends, not only this cookie
        end_all_sessions(db.session, current_user)
        transaction.commit(db.session)
    logout_user()
    session.clear()
    return redirect(url_for("portal.signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("portal/signed_out.html")


# -- eligibility -----------------------------------------------------------------------------------
bp.add_url_rule(
    "/eligibility/<question>", view_func=eligibility.question, methods=["GET", "POST"], endpoint="eligibility"
)
bp.add_url_rule("/eligibility-result/eligible", view_func=eligibility.eligible, endpoint="eligible")
bp.add_url_rule(
    "/eligibility-result/not-eligible/<question>", view_func=eligibility.not_eligible, endpoint="not_eligible"
)


# -- dashboard -------------------------------------------------------------------------------------
@bp.get("/applications")
@applicant_required
def dashboard():
    organisation = form_service.organisation_of(db.session, current_user)
    applications = actions.applications_of(db.session, current_user)
    fund = form_service.open_fund(db.session, london_today())
    return render_template(
        "portal/dashboard.html",
        organisation=organisation,
        applications=applications,
        fund=fund,
        form=f.ConfirmForm(),
    )


@bp.route("/applications/new", methods=["GET", "POST"])
@applicant_required
def new_application():
    fund = form_service.open_fund(db.session, london_today())
    if fund is None:
        return render_template("portal/no_fund.html"), 200
    organisation = form_service.organisation_of(db.session, current_user)
    answers = session.get("eligibility") or {}
    if organisation is not None:
        form = f.ConfirmForm()
        if request.method == "POST" and form.validate_on_submit():
            application = form_service.start_with_organisation(db.session, current_user, fund, None, answers)
            transaction.commit(db.session)
            return redirect(url_for("portal.application", reference=application.reference))
        return render_template("portal/new_application.html", form=form, fund=fund, organisation=organisation)
    form = f.OrganisationForm()
    if request.method == "GET":
        form.contact_email.data = current_user.email
        if answers.get("org_type") in {t.value for t in OrganisationType}:
            form.org_type.data = answers["org_type"]
    if form.validate_on_submit():
        application = form_service.start_with_organisation(
            db.session, current_user, fund, form.data_for_service(), answers
        )
        transaction.commit(db.session)
        flash("Your organisation's details are saved. You can come back to your application at any time.")
        return redirect(url_for("portal.application", reference=application.reference))
    return render_template(
        "portal/organisation.html", form=form, errors=error_list(form), application=None, first=True
    )


# -- one application -------------------------------------------------------------------------------
@bp.get("/applications/<reference>")
@applicant_required
def application(reference: str):
    app_ = _application(reference)
    triggers = {t.trigger for t in actions.available_triggers(app_, current_user)}
    return render_template(
        "portal/application.html",
        application=app_,
        sections=section_statuses(app_),
        next_steps=next_steps(app_, triggers, url_for),
        paid=[p for p in app_.payments if p.state == "paid"],
        triggers=triggers,
        question=actions.open_question(app_),
        history=actions.applicant_history(db.session, app_),
        documents=actions.current_documents(app_),
    )


@bp.route("/applications/<reference>/organisation", methods=["GET", "POST"])
@applicant_required
def organisation(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    org = app_.organisation
    form = f.OrganisationForm(obj=org) if request.method == "GET" else f.OrganisationForm()
    if request.method == "GET" and org.org_type:
        form.org_type.data = org.org_type.value
    if form.validate_on_submit():
        form_service.save_organisation(db.session, current_user, app_, form.data_for_service())
        transaction.commit(db.session)
        return redirect(_next_page(app_, "organisation"))
    return render_template("portal/organisation.html", form=form, errors=error_list(form), application=app_)


def _next_page(app_: Application, section: str) -> str:
    if request.args.get("from") == "check":
        return url_for("portal.check_answers", reference=app_.reference)
    return url_for("portal.application", reference=app_.reference)


@bp.route("/applications/<reference>/project", methods=["GET", "POST"])
@applicant_required
def project(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
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
        data = {
            "title": form.title.data,
            "summary": form.summary.data,
            "description": form.description.data,
            "start_date": form.start_date.data,
            "end_date": form.end_date.data,
            "beneficiaries_description": form.beneficiaries_description.data,
            "beneficiaries_count": int(form.beneficiaries_count.data.replace(",", "")),
            "ward_ids": form.ward_ids.data,
            "works_with_children_or_adults_at_risk": form.works_with_children.data == "yes",
        }
        try:
            form_service.save_project(db.session, current_user, app_, data)
            transaction.commit(db.session)
            return redirect(_next_page(app_, "project"))
        except FormErrors as exc:
            db.session.rollback()
            _merge_errors(form, exc.errors)
    return render_template("portal/project.html", form=form, errors=error_list(form), application=app_)


@bp.route("/applications/<reference>/priorities", methods=["GET", "POST"])
@applicant_required
def priorities(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    fund_priorities = app_.fund.priorities
    errors: dict[str, str] = {}
    if request.method == "POST":
        f.ConfirmForm().validate_on_submit()
        chosen_ids = {
            v for v in request.form.getlist("priorities") if v.isascii() and v.isdigit() and len(v) < 10
        }
        choices = []
        for p in fund_priorities:
            if str(p.id) not in chosen_ids:
                continue
            raw_pct = request.form.get(f"percentage_{p.id}", "").strip().removesuffix("%").strip()
            pct: int | None = None
            if raw_pct:
                if raw_pct.isascii() and raw_pct.isdigit() and len(raw_pct) <= 3:
                    pct = int(raw_pct)
                else:
                    errors[f"percentage_{p.id}"] = "Percentage must be a whole number between 1 and 100"
            how = f.clean_text(request.form.get(f"how_{p.id}", ""))
            if len(how) > 3000:
                errors[f"how_{p.id}"] = (
                    "How the project serves this priority must be 3,000 characters or fewer"
                )
            elif f.CONTROL.search(how):
                errors[f"how_{p.id}"] = "Your answer must not contain special control characters"
            choices.append(PriorityChoice(p.id, pct, how))
        if len(chosen_ids) != len(choices):
            errors["priorities"] = "Select priorities from the list"
        if not errors:
            try:
                form_service.save_priorities(db.session, current_user, app_, choices)
                transaction.commit(db.session)
                return redirect(_next_page(app_, "priorities"))
            except FormErrors as exc:
                db.session.rollback()
                errors = exc.errors
        values = {
            "chosen": chosen_ids,
            "percentage": {p.id: request.form.get(f"percentage_{p.id}", "")[:10] for p in fund_priorities},
            "how": {p.id: request.form.get(f"how_{p.id}", "")[:3000] for p in fund_priorities},
        }
    else:
        splits = {s.priority_id: s for s in app_.priority_splits}
        values = {
            "chosen": {str(i) for i in splits},
            "percentage": {i: str(s.percentage) for i, s in splits.items()},
            "how": {i: s.how_it_helps for i, s in splits.items()},
        }
    summary = (
        [
            {
                "text": message,
                "href": "#" + (f"priorities-{fund_priorities[0].id}" if name == "priorities" else name),
            }
            for name, message in errors.items()
        ]
        if fund_priorities
        else []
    )
    return render_template(
        "portal/priorities.html",
        application=app_,
        priorities=fund_priorities,
        values=values,
        field_errors=errors,
        errors=summary,
    )


@bp.route("/applications/<reference>/budget", methods=["GET", "POST"])
@applicant_required
def budget(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    line_form = f.BudgetLineForm(prefix="line")
    line_form.category_id.choices = [("", "Select a category")] + [
        (str(c.id), c.name) for c in app_.fund.budget_categories
    ]
    match_form = f.MatchFundingForm(prefix="match")
    action = request.form.get("action")
    if action != "match":  # show what is saved unless the person is changing it now
        match_form.match_amount.data = (
            f"{app_.match_funding_pence / 100:.2f}" if app_.match_funding_pence else ""
        )
        match_form.match_source.data = app_.match_funding_source
    if request.method == "POST" and action == "add" and line_form.validate_on_submit():
        try:
            form_service.add_budget_line(
                db.session,
                current_user,
                app_,
                description=line_form.description.data,
                category_id=int(line_form.category_id.data),
                amount_pence=line_form.amount_pence,
            )
            transaction.commit(db.session)
            flash("Cost added to your budget.")
            return redirect(url_for("portal.budget", reference=app_.reference))
        except FormErrors as exc:
            db.session.rollback()
            _merge_errors(line_form, exc.errors)
    if request.method == "POST" and action == "match" and match_form.validate_on_submit():
        try:
            form_service.save_match_funding(
                db.session,
                current_user,
                app_,
                amount_pence=match_form.amount_pence,
                source=match_form.match_source.data,
            )
            transaction.commit(db.session)
            return redirect(_next_page(app_, "budget"))
        except FormErrors as exc:
            db.session.rollback()
            _merge_errors(match_form, exc.errors)
    if request.method == "POST" and action not in ("add", "match"):
        abort(400)
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
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    try:
        remove(db.session, current_user, app_, item_id)
    except NotAllowed:
        abort(404)
    transaction.commit(db.session)
    flash(message)
    return redirect(url_for(back_to, reference=app_.reference))


@bp.route("/applications/<reference>/documents", methods=["GET", "POST"])
@applicant_required
def documents(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    form = f.DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        # Read one byte past the limit so an oversize file is recognised without reading all of it.
        content = upload.stream.read(settings().max_upload_mb * 1024 * 1024 + 1)
        try:
            actions.upload_document(
                db.session,
                current_user,
                app_,
                settings().upload_folder,
                kind=DocumentKind(form.kind.data),
                filename=upload.filename or "",
                content=content,
            )
            transaction.commit(db.session)
            flash(f"{DOCUMENT_KIND_LABELS[DocumentKind(form.kind.data)]} uploaded.")
            return redirect(url_for("portal.documents", reference=app_.reference))
        except DocumentRejected as exc:
            db.session.rollback()
            _merge_errors(form, {"file": str(exc)})
        except FormErrors as exc:
            db.session.rollback()
            _merge_errors(form, exc.errors)
    return render_template(
        "portal/documents.html",
        application=app_,
        form=form,
        errors=error_list(form),
        current=actions.current_documents(app_),
        kinds=actions.APPLICANT_DOCUMENT_KINDS,
        needs_safeguarding=needs_safeguarding_policy(app_),
        remove_form=f.ConfirmForm(),
    )


@bp.post("/applications/<reference>/documents/<int:document_id>/remove")
@applicant_required
def remove_document(reference: str, document_id: int):
    return _remove_item(
        reference, actions.remove_document, document_id, "Document removed.", "portal.documents"
    )


@bp.get("/documents/<int:document_id>")
def download_document(document_id: int):
    """For the organisation's members and for staff; everyone else gets a 404."""
    if not current_user.is_authenticated:
        abort(404)
    try:
        document: Document = actions.document_for(db.session, current_user, document_id)
    except NotAllowed:
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


@bp.route("/applications/<reference>/declaration", methods=["GET", "POST"])
@applicant_required
def declaration(reference: str):
    app_ = _application(reference)
    if (r := _editable_or_redirect(app_)) is not None:
        return r
    form = f.DeclarationForm()
    if request.method == "GET":
        form.name.data = app_.declaration_name or app_.organisation.contact_name
        form.position.data = app_.declaration_position
    if form.validate_on_submit():
        form_service.save_declaration(
            db.session, current_user, app_, name=form.name.data, position=form.position.data
        )
        transaction.commit(db.session)
        return redirect(_next_page(app_, "declaration"))
    return render_template("portal/declaration.html", form=form, errors=error_list(form), application=app_)


@bp.get("/applications/<reference>/check-your-answers")
@applicant_required
def check_answers(reference: str):
    app_ = _application(reference)
    if app_.state not in form_service.EDITABLE_STATES:
        return redirect(url_for("portal.application", reference=app_.reference))
    return _check_answers_page(app_, [])


def _check_answers_page(app_: Application, errors: list[dict[str, str]]) -> str:
    return render_template(
        "portal/check_answers.html",
        application=app_,
        missing=missing_sections(app_, london_today()),
        documents=actions.current_documents(app_),
        form=f.ConfirmForm(),
        errors=errors,
        org_type_labels=ORGANISATION_TYPE_LABELS,
    )


@bp.post("/applications/<reference>/submit")
@applicant_required
def submit(reference: str):
    app_ = _application(reference)
    if not f.ConfirmForm().validate_on_submit():
        abort(400)
    if app_.state != "draft":
        # A second click (or a second tab) lands on the confirmation of the first submission.
        return redirect(url_for("portal.confirmation", reference=app_.reference))
    try:
        actions.submit(db.session, current_user, app_)
        transaction.commit(db.session)
    except ConflictError as exc:
        db.session.rollback()
        fresh = _application(reference)
        if fresh.state != "draft":  # the other request was this person's first click: it went through
            return redirect(url_for("portal.confirmation", reference=reference))
        return _check_answers_page(fresh, _workflow_refusal(exc)), 409
    except WorkflowError as exc:
        db.session.rollback()
        errors = _workflow_refusal(exc)
        return _check_answers_page(_application(reference), errors), 422
    return redirect(url_for("portal.confirmation", reference=app_.reference))


@bp.get("/applications/<reference>/confirmation")
@applicant_required
def confirmation(reference: str):
    app_ = _application(reference)
    if app_.state == "draft":
        return redirect(url_for("portal.application", reference=app_.reference))
    return render_template("portal/confirmation.html", application=app_)


@bp.route("/applications/<reference>/withdraw", methods=["GET", "POST"])
@applicant_required
def withdraw(reference: str):
    app_ = _application(reference)
    if not actions.can(app_, current_user, "withdraw"):
        flash("This application can no longer be withdrawn.")
        return redirect(url_for("portal.application", reference=app_.reference))
    form = f.ReasonForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            actions.withdraw(db.session, current_user, app_, form.reason.data)
            transaction.commit(db.session)
            flash("You have withdrawn your application.")
            return redirect(url_for("portal.application", reference=app_.reference))
        except WorkflowError as exc:
            errors = _workflow_refusal(exc)
            app_ = _application(reference)
    else:
        errors = error_list(form)
    return render_template("portal/withdraw.html", form=form, errors=errors, application=app_)


@bp.route("/applications/<reference>/answer", methods=["GET", "POST"])
@applicant_required
def answer(reference: str):
    app_ = _application(reference)
    question = actions.open_question(app_)
    if app_.state != "information_requested":
        return redirect(url_for("portal.application", reference=app_.reference))
    form = f.AnswerForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            actions.answer_and_resubmit(db.session, current_user, app_, form.answer.data)
            transaction.commit(db.session)
            flash("Thank you. We have your answer and your application is back with us.")
            return redirect(url_for("portal.application", reference=app_.reference))
        except (WorkflowError, NotAllowed) as exc:
            errors = _workflow_refusal(exc) if isinstance(exc, WorkflowError) else []
            app_ = _application(reference)
            question = actions.open_question(app_)
    else:
        errors = error_list(form)
    return render_template(
        "portal/answer.html", form=form, errors=errors, application=app_, question=question
    )


@bp.route("/applications/<reference>/offer", methods=["GET", "POST"])
@applicant_required
def offer(reference: str):
    app_ = _application(reference)
    if app_.state != "offer_issued" or app_.award is None:
        return redirect(url_for("portal.application", reference=app_.reference))
    form = f.AcceptOfferForm()
    errors: list[dict[str, str]] = []
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                actions.accept_offer(db.session, current_user, app_, form.name.data)
                message = "You have accepted the offer. We will be in touch about your first payment."
            else:
                actions.decline_offer(db.session, current_user, app_, form.reason.data)
                message = "You have declined the offer."
            transaction.commit(db.session)
            flash(message)
            return redirect(url_for("portal.application", reference=app_.reference))
        except WorkflowError as exc:
            errors = _workflow_refusal(exc)
            app_ = _application(reference)
    else:
        errors = error_list(form)
    return render_template("portal/offer.html", form=form, errors=errors, application=app_)


@bp.route("/organisation/invite", methods=["GET", "POST"])
@applicant_required
def invite():
    organisation = form_service.organisation_of(db.session, current_user)
    if organisation is None:
        flash("Start an application first: it asks for your organisation's details.")
        return redirect(url_for("portal.dashboard"))
    form = f.InviteForm()
    if form.validate_on_submit():
        try:
            invite_colleague(
                db.session,
                current_user,
                organisation,
                email=form.email.data,
                name=form.name.data,
                settings=settings(),
            )
            transaction.commit(db.session)
            flash(f"We have emailed {form.email.data} to tell them how to sign in.")
            return redirect(url_for("portal.dashboard"))
        except FormErrors as exc:
            db.session.rollback()
            _merge_errors(form, exc.errors)
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
    try:
        remove_colleague(db.session, current_user, organisation, member_id)
    except NotAllowed:
        abort(404)
    except FormErrors as exc:
        db.session.rollback()
        flash(next(iter(exc.errors.values())))
        return redirect(url_for("portal.dashboard"))
    transaction.commit(db.session)
    flash(f"{name} can no longer work on {organisation.name}'s applications.")
    return redirect(url_for("portal.dashboard"))


@bp.errorhandler(NotEditable)
def not_editable(exc: NotEditable):
    db.session.rollback()
    flash(str(exc))
    return redirect(url_for("portal.dashboard"))
