"""Signing applicants in and out with a single-use email link."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from grants_app.extensions import db, limiter
from grants_app.services import sign_in as sign_in_service
from grants_app.services.sign_out import end_all_sessions
from grants_app.web import forms as f
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import attempt, settings
from grants_app.web.redirects import safe_next

# Only accepted link requests count (an empty or mistyped address costs nothing). Per email address
# tightly, so nobody's inbox can be flooded; per network address loosely, so a library or community
# centre where many people share one address is not locked out.
SIGN_IN_EMAIL_LIMIT = "3 per 10 minutes"
SIGN_IN_IP_LIMIT = "60 per hour;20 per minute"


def _link_sent(response) -> bool:
    return response.status_code == 302 and response.location.endswith(url_for("portal.check_email"))


def _email_key() -> str:
    try:
        return "sign-in:" + sign_in_service.normalise_email(request.form.get("email", ""))
    except ValueError:
        return "sign-in:not-an-address"


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_IP_LIMIT, methods=["POST"], deduct_when=_link_sent)
@limiter.limit(SIGN_IN_EMAIL_LIMIT, methods=["POST"], deduct_when=_link_sent, key_func=_email_key)
def sign_in():
    if current_user.is_authenticated and not current_user.is_staff:
        return redirect(url_for("portal.dashboard"))
    form = f.EmailForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: sign_in_service.request_link(
                db.session, form.email.data, ip=request.remote_addr or "", settings=settings()
            )
        )
        if not outcome.ok:
            return render_template(
                "portal/sign_in.html", form=form, errors=[{"text": str(outcome.refusal), "href": "#email"}]
            ), 429
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
    outcome = attempt(lambda: sign_in_service.redeem_link(db.session, token))
    if not outcome.ok:
        return render_template("portal/link_problem.html", message=str(outcome.refusal)), 410
    kept = {k: session[k] for k in ("eligibility", "after_sign_in") if k in session}
    session.clear()  # a fresh session on sign-in: nothing from before can be replayed
    session.update({k: v for k, v in kept.items() if k == "eligibility"})
    session.permanent = True
    login_user(outcome.value)
    target = safe_next(kept.get("after_sign_in")) or url_for("portal.dashboard")
    return redirect(target)


@bp.post("/sign-out")
def sign_out():
    f.ConfirmForm().validate_on_submit()
    if current_user.is_authenticated:  # every copy of this session ends, not only this cookie
        attempt(lambda: end_all_sessions(db.session, current_user))
    logout_user()
    session.clear()
    return redirect(url_for("portal.signed_out"))


@bp.get("/signed-out")
def signed_out():
    return render_template("portal/signed_out.html")
