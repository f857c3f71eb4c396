"""SoSafe Grants: the grant-funding workflow engine of a Community Safety Partnership."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from grants_app import admin, cli, dev_server, due_on_page_load, sessions, templating, web
from grants_app.auth import register_user_loader
from grants_app.config import PROJECT_ROOT, Settings
from grants_app.db_pool import ping_connections_idle_for
from grants_app.extensions import csrf, db, limiter, login_manager, migrate
from grants_app.form_input import CleanFormRequest
from grants_app.mail import mailer_for
from grants_app.rules import RULES
from grants_app.web import converters
from grants_app.workflow import WorkflowEngine, install
from grants_app.workflow.state_guard import install_state_guard

# Requests that only read: their transactions never take SQLite's write lock at the start.
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _takes_write_lock() -> bool:
    """Whether the transaction being begun is a writing request's first: the one that does its work.

    SQLite lets one writer in at a time, and a transaction that read before it writes cannot wait for
    the lock (its reads might be out of date by then): it fails at once with "database is locked".
    Two copies of the same POST (a double click, a retry on a slow network) then got the busy page
    although the first was saved. A writing request's first transaction takes the lock when it begins
    instead, so the second waits (busy_timeout) and then reads what the first saved: "already done".
    Later transactions of the request (the outbox sent after the commit, reloads for the redirect or
    an error page) begin as usual, so they never wait behind another writer.
    """
    if not has_request_context() or request.method in READING_METHODS or g.get("_sqlite_write_lock_taken"):
        return False
    g._sqlite_write_lock_taken = True
    return True


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys on, WAL, and transactions SQLAlchemy controls, so SAVEPOINTs work on SQLite; a
    writing request's transaction takes the write lock when it begins (see _takes_write_lock)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Write-ahead logging: a request that is reading does not block another that is committing.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _takes_write_lock() else "BEGIN")


def create_app(config: dict[str, Any] | Settings | None = None) -> Flask:
    """Build the app. `config` is a Settings, or a dict of environment-style overrides.

    Raises ConfigError for unsafe settings and WorkflowDefinitionError ("file:line: ...") for a
    workflow file the rules cannot run.
    """
    if isinstance(config, Settings):
        settings = config
        settings.validate()
    else:
        env = {**os.environ, **(config or {})}
        settings = Settings.from_env(env)
        if settings.env == "development" and not env.get("PUBLIC_BASE_URL"):
            # `flask run --port 5101`: emailed links point where this server really listens.
            settings.public_base_url = dev_server.served_address() or settings.public_base_url

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        instance_path=str(settings.instance_path),
        instance_relative_config=False,
    )
    app.config.update(settings.flask_config())
    # Invisible characters pasted from Word, Excel and PDFs are cleaned from every form post, once.
    app.request_class = CleanFormRequest
    converters.install(app)
    if settings.proxy_hops:
        # Behind a load balancer the client's address (for per-IP rate limits) and https come in headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    if settings.env == "development":
        dev_server.quiet_static_file_log()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    settings.upload_folder.mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)

    with app.app_context():
        ping_connections_idle_for(db.engine)
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)

    engine = WorkflowEngine.load(settings.workflows_folder, RULES, settings)
    install(engine)
    install_state_guard(lambda name: engine.definitions[name].initial if name in engine.definitions else None)
    app.extensions["workflow_engine"] = engine
    app.extensions["mailer"] = mailer_for(settings)

    register_user_loader(login_manager)
    sessions.init_app(app)
    templating.init_app(app)
    cli.init_app(app)
    web.init_app(app)
    admin.init_app(app)
    due_on_page_load.init_app(app)
    return app
