"""Public blueprints: the applicant portal, and the GOV.UK Frontend assets it is styled with."""

from __future__ import annotations

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader


def init_app(app: Flask) -> None:
    from grants_app.extensions import login_manager
    from grants_app.reports.portal import bp as portal_reports_bp
    from grants_app.web import errors
    from grants_app.web.assets import bp as assets_bp
    from grants_app.web.health import bp as health_bp
    from grants_app.web.portal import bp as portal_bp

    # The macro packages name their templates "govuk_frontend_jinja/..." and "govuk_frontend_wtf/...".
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    errors.register(app)
    app.register_blueprint(health_bp)
    app.register_blueprint(assets_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(portal_reports_bp)
    # Only our blueprint: the admin sets its own sign-in view, and there is no global one.
    login_manager.blueprint_login_views.update({"portal": "portal.sign_in"})
