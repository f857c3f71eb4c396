"""The staff admin at /admin: Flask-Admin 2 (Bootstrap 4, assets served by the app) and staff sign-in."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from grants_app.admin import auth, errors, menu_cache
from grants_app.admin.money_section import money_section
from grants_app.admin.views import register_views
from grants_app.admin.views.dashboard import DashboardView
from grants_app.extensions import login_manager
from grants_app.money import format_pence


def init_app(app: Flask) -> None:
    """Mount the staff admin at /admin with its sign-in and every screen."""
    app.register_blueprint(auth.bp)
    app.before_request(auth.enforce_idle_timeout)
    app.before_request(auth.refuse_nul_characters)
    # Only the admin's own blueprints: the portal sets its own sign-in view for its blueprints.
    login_manager.blueprint_login_views["staff_auth"] = "staff_auth.sign_in"
    login_manager.blueprint_login_views["admin"] = "staff_auth.sign_in"

    admin = Admin(
        app,
        name="SoSafe Grants admin",
        index_view=DashboardView(name="Dashboard", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/sosafe_base.html"),
    )
    register_views(admin)
    app.jinja_env.filters["audit_summary"] = audit_summary
    app.jinja_env.globals["money_section"] = money_section
    menu_cache.init_app(app)
    errors.init_app(app)
    app.extensions["sosafe_admin"] = admin


def audit_summary(event) -> str:
    """One readable line for an audit event's reason and data (no JSON for people to decode)."""
    data = dict(event.data or {})
    if event.action == "transition":
        data = dict(data.get("inputs") or {})
        data.pop("reason", None)
    parts = [event.reason] if event.reason else []
    if event.action == "score":
        parts = [f"{data.get('criterion')}: {data.get('score')} - {data.get('justification', '')}"]
        data = {}
    if event.action in {"vote", "vote_changed", "written_vote", "written_vote_changed"}:
        member = str(data.get("member", "")).split(" <")[0]
        text = f"{member}: {data.get('choice')}"
        if data.get("previous_choice"):
            text += f" (was {data['previous_choice']})"
        if data.get("recorded_for"):
            text += f"; recorded by the officer for {member}"
        if data.get("comment"):
            text += f"; comment: {data['comment']}"
        parts, data = [text], {}
    for key, value in data.items():
        if key in {"workflow", "workflow_version", "agenda_item_id"}:
            continue
        if key.endswith("_pence") and isinstance(value, int):
            value = format_pence(value)
        elif isinstance(value, dict) and {"from", "to"} <= set(value):
            value = f"{value['from']} -> {value['to']}"
        parts.append(f"{key.removesuffix('_pence').removesuffix('_id').replace('_', ' ')}: {value}")
    return "; ".join(str(p) for p in parts if p not in (None, ""))
