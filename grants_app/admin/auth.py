"""Staff sign-in (password, then TOTP when set up or required), sign-out and the idle timeout."""

from __future__ import annotations

import time

import segno
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from markupsafe import Markup

from grants_app.admin.forms import CodeForm, SignInForm
from grants_app.admin.security import STAFF_SESSION_KEY, staff_user
from grants_app.extensions import db, limiter
from grants_app.models import User
from grants_app.services import staff_auth
from grants_app.services.sign_out import end_all_sessions
from grants_app.transaction import commit
from grants_app.web.redirects import safe_next

bp = Blueprint("staff_auth", __name__, url_prefix="/admin")

PENDING_KEY = "staff_pending_user_id"
SETUP_SECRET_KEY = "staff_totp_setup_secret"  # noqa: S105 - a session key name
SEEN_KEY = "staff_last_seen"


def _safe_next(target: str | None) -> str:
    # Only pages of this site: anything else here would make sign-in an open redirect.
    return safe_next(target) or url_for("admin.index")


def _complete_sign_in(user: User, next_url: str | None):
    session.clear()  # a fresh session at the privilege change
    login_user(user)
    session.permanent = True
    session[STAFF_SESSION_KEY] = user.id
    session[SEEN_KEY] = int(time.time())
    staff_auth.record_sign_in(db.session, user)
    commit(db.session)
    return redirect(_safe_next(next_url))


def _pending_user() -> User | None:
    user_id = session.get(PENDING_KEY)
    return db.session.get(User, user_id) if isinstance(user_id, int) else None


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def sign_in():
    if staff_user() is not None:
        return redirect(_safe_next(request.args.get("next")))
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        settings = current_app.config["SOSAFE"]
        try:
            outcome = staff_auth.check_password(
                db.session,
                form.email.data,
                form.password.data,
                two_factor_roles=settings.staff_2fa_roles,
            )
        except staff_auth.SignInRefused as exc:
            commit(db.session)  # keep the failed-attempt count and any lock
            error = str(exc)
        else:
            commit(db.session)
            if outcome.needs_two_factor or outcome.must_set_up_two_factor:
                session.clear()
                session[PENDING_KEY] = outcome.user.id
                session["staff_next"] = _safe_next(request.args.get("next"))
                endpoint = "two_factor" if outcome.needs_two_factor else "two_factor_setup"
                return redirect(url_for(f"staff_auth.{endpoint}"))
            return _complete_sign_in(outcome.user, request.args.get("next"))
    elif request.method == "POST":
        error = "; ".join(e for errors in form.errors.values() for e in errors)
    return render_template("admin/auth/sign_in.html", form=form, error=error), 200 if not error else 400


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def two_factor():
    user = _pending_user()
    if user is None or not user.totp_secret:
        return redirect(url_for("staff_auth.sign_in"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        if staff_auth.is_locked(user):
            error = "This account is locked after too many failed attempts. Try again later"
        elif staff_auth.verify_totp(db.session, user, form.code.data):
            return _complete_sign_in(user, session.get("staff_next"))
        else:
            staff_auth.record_failed_code(db.session, user)
            commit(db.session)
            error = "The code is not right. Enter the 6-digit code shown in your authenticator app now"
    elif request.method == "POST":
        error = "Enter the 6-digit code shown in your authenticator app"
    return render_template("admin/auth/two_factor.html", form=form, error=error), 200 if not error else 400


@bp.route("/two-factor/set-up", methods=["GET", "POST"])
def two_factor_setup():
    pending = _pending_user()
    user = pending or staff_user()
    if user is None:
        return redirect(url_for("staff_auth.sign_in"))
    secret = session.get(SETUP_SECRET_KEY) or staff_auth.new_totp_secret()
    session[SETUP_SECRET_KEY] = secret
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            staff_auth.enable_totp(db.session, user, secret, form.code.data)
        except staff_auth.SignInRefused as exc:
            db.session.rollback()
            error = str(exc)
        else:
            commit(db.session)
            session.pop(SETUP_SECRET_KEY, None)
            if pending is not None:
                return _complete_sign_in(user, session.get("staff_next"))
            flash("Two-factor authentication is on for your account", "success")
            return redirect(url_for("admin.index"))
    uri = staff_auth.provisioning_uri(user, secret)
    # segno writes the SVG itself from the otpauth URI; nothing typed by a person goes into it.
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    qr_svg = Markup(svg)  # noqa: S704
    return render_template(
        "admin/auth/two_factor_setup.html", form=form, error=error, qr_svg=qr_svg, secret=secret
    ), 200 if not error else 400


@bp.route("/sign-out", methods=["POST"])
def sign_out():
    if current_user.is_authenticated:  # every copy of this session ends, not only this cookie
        end_all_sessions(db.session, current_user)
        commit(db.session)
    logout_user()
    session.clear()
    flash("You have signed out", "info")
    return redirect(url_for("staff_auth.sign_in"))


# Blueprints whose forms refuse a NUL byte themselves, beside the field it was typed in (the Reports page:
# read-only GETs whose every filter is parsed before anything reaches the database).
NUL_REFUSED_BY_THE_FORM = frozenset({"reports"})


def refuse_nul_characters():
    """PostgreSQL text cannot hold NUL; refuse such input up front instead of failing at the database."""
    if not request.path.startswith("/admin") or request.blueprint in NUL_REFUSED_BY_THE_FORM:
        return None
    sources = [request.args, request.form] if request.method == "POST" else [request.args]
    for values in (v for source in sources for v in source.listvalues()):
        if any("\x00" in value for value in values):
            abort(
                400, description="The form contains a character that is not allowed. Remove it and try again."
            )
    return None


def enforce_idle_timeout():
    """Sign staff out after SESSION_TIMEOUT_MINUTES without a request to the admin."""
    if not request.path.startswith("/admin") or request.path.startswith("/admin/static"):
        return None
    if STAFF_SESSION_KEY not in session:
        return None
    timeout = current_app.config["SOSAFE"].session_timeout_minutes * 60
    now = int(time.time())
    last = session.get(SEEN_KEY, 0)
    if not isinstance(last, int) or now - last > timeout:
        logout_user()
        session.clear()
        flash("You were signed out because you had not used the admin for a while", "info")
        return redirect(url_for("staff_auth.sign_in", next=request.full_path.rstrip("?")))
    session[SEEN_KEY] = now
    return None
