"""The bare Flask app bench/load.py measures the real pages against: for each page, the equivalent
queries on a pooled SQLAlchemy engine and a few lines of escaped HTML, nothing else (no Flask-Admin,
Flask-Login, Jinja, forms, rate limits or page-load jobs).

Run by bench/load.py under gunicorn: `gunicorn 'bench.bare_app:create_app()'` with BENCH_DATABASE_URL
(the bench's own database) and SECRET_KEY (the real app's, so the signed-in pages read the same
session cookie).
"""

from __future__ import annotations

import os

from flask import Flask, abort, session
from markupsafe import escape
from sqlalchemy import create_engine, text

PUBLIC = (
    text("SELECT id, name, closes_on FROM funds WHERE closes_on >= CURRENT_DATE ORDER BY opens_on LIMIT 1"),
    text("SELECT id, title, starts_at FROM meetings WHERE starts_at >= now() ORDER BY starts_at LIMIT 3"),
)
USER = text("SELECT id, full_name, is_active, session_generation FROM users WHERE id = :id")
PORTAL = text(
    "SELECT a.id, a.reference, a.title, a.state FROM applications a WHERE a.organisation_id IN "
    "(SELECT organisation_id FROM organisation_members WHERE user_id = :id) "
    "ORDER BY a.created_at DESC, a.id DESC"
)
ADMIN_LIST = text(
    "SELECT a.id, a.reference, a.title, a.state, a.amount_requested_pence, a.submitted_at, "
    "o.name, f.name FROM applications a JOIN organisations o ON o.id = a.organisation_id "
    "JOIN funds f ON f.id = a.fund_id ORDER BY a.id DESC LIMIT 20"
)
ADMIN_COUNT = text("SELECT count(*) FROM (SELECT id FROM applications LIMIT 1001) AS capped")


def _page(rows) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{escape(value)}</td>" for value in row) + "</tr>" for row in rows)
    return f"<!doctype html><title>Bare</title><table>{cells}</table>"


def create_app() -> Flask:
    """The bare app on BENCH_DATABASE_URL (psycopg 3 driver), signed cookies with SECRET_KEY."""
    app = Flask(__name__)
    app.secret_key = os.environ["SECRET_KEY"]
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)

    def signed_in(conn):
        user_id = session.get("_user_id")
        user = conn.execute(USER, {"id": int(user_id or 0)}).first()
        if user is None:
            abort(403)
        return user

    @app.get("/public")
    def public():
        with engine.connect() as conn:
            rows = [row for statement in PUBLIC for row in conn.execute(statement)]
        return _page(rows)

    @app.get("/portal")
    def portal():
        with engine.connect() as conn:
            user = signed_in(conn)
            return _page([user, *conn.execute(PORTAL, {"id": user.id})])

    @app.get("/admin-list")
    def admin_list():
        with engine.connect() as conn:
            user = signed_in(conn)
            count = conn.execute(ADMIN_COUNT).scalar_one()
            return _page([user, (count,), *conn.execute(ADMIN_LIST)])

    return app
