"""A health check for load balancers: the app answers and the database is reachable."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from grants_app.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
