"""The bare Flask app bench/load.py measures the real pages against: for each page, the equivalent
queries (the rows the page shows: for the applicant's page their organisations with members and
invitations, the applications with their funds, invitations to them, the open fund and the partnership)
on a pooled SQLAlchemy engine and a few lines of escaped HTML, nothing else (no Flask-Admin,
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

# Each page's rows as the page shows them (not its page-load deadline check, which is the app's own
# overhead): the bare side must read what the page reads, or the ratio measures missing work.
OPEN_FUND = (
    "SELECT id, name, financial_year, closes_on, strategy_period_id FROM funds "
    "WHERE opens_on <= CURRENT_DATE AND closes_on >= CURRENT_DATE ORDER BY closes_on LIMIT 1"
)
PARTNERSHIP = text("SELECT name, short_name, area_name, address, contact_email FROM partnership LIMIT 1")
PUBLIC = (
    text(OPEN_FUND),
    text("SELECT id, title, starts_at FROM meetings WHERE starts_at >= now() ORDER BY starts_at LIMIT 3"),
    PARTNERSHIP,
    text(
        "SELECT p.number, p.title FROM priorities p JOIN fund_priorities fp ON fp.priority_id = p.id "
        "WHERE fp.fund_id = (SELECT id FROM funds WHERE opens_on <= CURRENT_DATE AND closes_on >= CURRENT_DATE "
        "ORDER BY closes_on LIMIT 1) ORDER BY p.number"
    ),
)
USER = text(
    "SELECT u.id, u.full_name, u.is_active, u.session_generation, r.role FROM users u "
    "LEFT JOIN user_roles r ON r.user_id = u.id WHERE u.id = :id"
)
PORTAL = (
    text(
        "SELECT o.id, o.name, m.id, mu.full_name, mu.email FROM organisations o "
        "JOIN organisation_members mine ON mine.organisation_id = o.id AND mine.user_id = :id "
        "JOIN organisation_members m ON m.organisation_id = o.id JOIN users mu ON mu.id = m.user_id "
        "ORDER BY o.name, o.id, mu.full_name"
    ),
    text(
        "SELECT i.id, i.organisation_id, i.email, i.name, i.expires_at FROM organisation_invitations i "
        "JOIN organisation_members mine ON mine.organisation_id = i.organisation_id AND mine.user_id = :id "
        "WHERE i.accepted_at IS NULL AND i.withdrawn_at IS NULL AND i.declined_at IS NULL"
    ),
    text(
        "SELECT a.id, a.reference, a.title, a.state, a.amount_requested_pence, f.name, f.financial_year "
        "FROM applications a JOIN funds f ON f.id = a.fund_id WHERE a.organisation_id IN "
        "(SELECT organisation_id FROM organisation_members WHERE user_id = :id) "
        "ORDER BY a.created_at DESC, a.id DESC"
    ),
    text(
        "SELECT i.id, i.name FROM organisation_invitations i JOIN users u ON u.email = i.email "
        "WHERE u.id = :id AND i.accepted_at IS NULL AND i.withdrawn_at IS NULL AND i.declined_at IS NULL "
        "AND i.expires_at > now() ORDER BY i.id LIMIT 20"
    ),
    text(OPEN_FUND),
    PARTNERSHIP,
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
        rows = conn.execute(USER, {"id": int(user_id or 0)}).all()
        if not rows:
            abort(403)
        return rows[0]

    @app.get("/public")
    def public():
        with engine.connect() as conn:
            rows = [row for statement in PUBLIC for row in conn.execute(statement)]
        return _page(rows)

    @app.get("/portal")
    def portal():
        with engine.connect() as conn:
            user = signed_in(conn)
            rows = [row for statement in PORTAL for row in conn.execute(statement, {"id": user.id})]
            return _page([user, *rows])

    @app.get("/admin-list")
    def admin_list():
        with engine.connect() as conn:
            user = signed_in(conn)
            count = conn.execute(ADMIN_COUNT).scalar_one()
            return _page([user, (count,), *conn.execute(ADMIN_LIST)])

    return app
