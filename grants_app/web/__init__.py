"""Public blueprints: the applicant portal."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from grants_app.web.health import bp as health_bp

    app.register_blueprint(health_bp)
