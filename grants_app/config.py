"""Settings read once from environment variables, with safe development defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grants_app.text import plural

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production below
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """A setting makes the app unsafe or unable to start."""


def normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy 2 wants an explicit driver (psycopg 3).
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _local_base_url(env: dict[str, str]) -> str:
    """The address links in emails use when PUBLIC_BASE_URL is not set: where the development server
    listens, from FLASK_RUN_HOST and FLASK_RUN_PORT (the variables `flask run` reads; the Makefile sets
    them from PORT) or PORT; http://127.0.0.1:5000 if none is set."""
    host = env.get("FLASK_RUN_HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "localhost"):  # noqa: S104 - a name for links, not an address to bind
        host = "127.0.0.1"
    port = env.get("FLASK_RUN_PORT") or env.get("PORT") or "5000"
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ConfigError(f"PORT must be a port number such as 5000, got {port!r}")
    return f"http://{host}:{port}"


STAFF_ROLE_NAMES = ("officer", "jag_member", "finance", "rag_viewer", "admin")


def _two_factor_roles(raw: str) -> frozenset[str]:
    """'true' -> every staff role; 'false' or '' -> none; 'officer,finance' -> those roles."""
    value = raw.strip().lower()
    if value in {"", "0", "false", "no", "off"}:
        return frozenset()
    if value in {"1", "true", "yes", "on", "all"}:
        return frozenset(STAFF_ROLE_NAMES)
    roles = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(roles - set(STAFF_ROLE_NAMES))
    if unknown:
        raise ConfigError(
            f"STAFF_2FA_REQUIRED names {plural(len(unknown), 'unknown role')} {unknown}: use true, false or some of {list(STAFF_ROLE_NAMES)}"
        )
    return roles


@dataclass
class Settings:
    env: str = "development"
    secret_key: str = DEV_SECRET_KEY
    database_url: str = ""
    instance_path: Path = PROJECT_ROOT / "instance"
    upload_folder: Path = PROJECT_ROOT / "instance" / "uploads"
    workflows_folder: Path = PROJECT_ROOT / "workflows"
    mail_backend: str = "console"  # console | smtp | memory
    mail_server: str = "localhost"
    mail_port: int = 25
    mail_username: str = ""
    mail_password: str = ""
    mail_use_tls: bool = False
    mail_sender: str = "SoSafe Grants <grants@stevenage.gov.uk>"
    # Seconds each step of an SMTP conversation may take: a server that hangs costs a few seconds.
    mail_timeout_seconds: float = 5.0
    # Send queued emails straight after each commit (console and memory backends). With SMTP the
    # request only queues and `flask outbox work` sends, so a slow mail server never slows a page.
    outbox_send_after_commit: bool = True
    public_base_url: str = "http://127.0.0.1:5000"
    ratelimit_storage_uri: str = "memory://"
    # Staff roles that must use TOTP two-factor ("true" in the environment means every staff role).
    staff_2fa_roles: frozenset[str] = frozenset()
    # How many proxies in front of the app set X-Forwarded-For/-Proto (0: trust none).
    proxy_hops: int = 0
    session_timeout_minutes: int = 30
    magic_link_minutes: int = 15
    quorum_min_members: int = 3
    quorum_min_agencies: int = 2
    # Written procedure: the earliest deadline the officer may set (hours from now), and its quorum:
    # responses from at least this percentage of the members without an interest, from at least this
    # many statutory partner agencies.
    written_procedure_min_hours: int = 48
    written_procedure_quorum_percent: int = 50
    written_procedure_quorum_agencies: int = 3
    max_upload_mb: int = 10
    # Days a group has to return money asked back (a recovery), unless the person raising it says.
    recovery_due_days: int = 30
    timezone: str = "Europe/London"
    # 360Giving open data: the publisher's registered prefix (360G-...) and the funder's org-id.
    open_data_prefix: str = ""
    open_data_funder_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        instance = Path(env.get("SOSAFE_INSTANCE_PATH") or PROJECT_ROOT / "instance")
        settings = cls(
            env=env.get("SOSAFE_ENV", "development"),
            secret_key=env.get("SECRET_KEY") or DEV_SECRET_KEY,
            database_url=normalise_database_url(
                env.get("DATABASE_URL") or f"sqlite:///{instance / 'sosafe.db'}"
            ),
            instance_path=instance,
            upload_folder=Path(env.get("UPLOAD_FOLDER") or instance / "uploads"),
            workflows_folder=Path(env.get("WORKFLOWS_FOLDER") or PROJECT_ROOT / "workflows"),
            mail_backend=env.get("MAIL_BACKEND", "console"),
            mail_server=env.get("MAIL_SERVER", "localhost"),
            mail_port=_int(env, "MAIL_PORT", 25),
            mail_username=env.get("MAIL_USERNAME", ""),
            mail_password=env.get("MAIL_PASSWORD", ""),
            mail_use_tls=_bool(env.get("MAIL_USE_TLS"), False),
            mail_sender=env.get("MAIL_SENDER", cls.mail_sender),
            mail_timeout_seconds=_int(env, "MAIL_TIMEOUT_SECONDS", 5),
            outbox_send_after_commit=_bool(
                env.get("OUTBOX_SEND_AFTER_COMMIT"), env.get("MAIL_BACKEND", "console") != "smtp"
            ),
            public_base_url=(env.get("PUBLIC_BASE_URL") or _local_base_url(env)).rstrip("/"),
            ratelimit_storage_uri=env.get("RATELIMIT_STORAGE_URI", "memory://"),
            staff_2fa_roles=_two_factor_roles(env.get("STAFF_2FA_REQUIRED", "")),
            proxy_hops=_int(env, "PROXY_HOPS", 0),
            session_timeout_minutes=_int(env, "SESSION_TIMEOUT_MINUTES", 30),
            magic_link_minutes=_int(env, "MAGIC_LINK_MINUTES", 15),
            quorum_min_members=_int(env, "QUORUM_MIN_MEMBERS", 3),
            quorum_min_agencies=_int(env, "QUORUM_MIN_AGENCIES", 2),
            written_procedure_min_hours=_int(env, "WRITTEN_PROCEDURE_MIN_HOURS", 48),
            written_procedure_quorum_percent=_int(env, "WRITTEN_PROCEDURE_QUORUM_PERCENT", 50),
            written_procedure_quorum_agencies=_int(env, "WRITTEN_PROCEDURE_QUORUM_AGENCIES", 3),
            max_upload_mb=_int(env, "MAX_UPLOAD_MB", 10),
            open_data_prefix=env.get("OPEN_DATA_PREFIX", "").strip(),
            open_data_funder_id=env.get("OPEN_DATA_FUNDER_ID", "").strip(),
            recovery_due_days=_int(env, "RECOVERY_DUE_DAYS", 30),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if not 0 <= self.written_procedure_min_hours <= 24 * 90:
            raise ConfigError("WRITTEN_PROCEDURE_MIN_HOURS must be from 0 to 2160 (90 days)")
        if not 1 <= self.written_procedure_quorum_percent <= 100:
            raise ConfigError("WRITTEN_PROCEDURE_QUORUM_PERCENT must be from 1 to 100")
        if not 1 <= self.written_procedure_quorum_agencies <= 50:
            raise ConfigError("WRITTEN_PROCEDURE_QUORUM_AGENCIES must be from 1 to 50")
        if self.env not in {"development", "testing", "production"}:
            raise ConfigError(f"SOSAFE_ENV must be development, testing or production, not {self.env!r}")
        if not 1 <= self.recovery_due_days <= 366:
            raise ConfigError("RECOVERY_DUE_DAYS must be from 1 to 366")
        if self.env == "production":
            if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
                raise ConfigError(
                    "Refusing to start in production with the development SECRET_KEY: "
                    "set SECRET_KEY to a random value of at least 32 characters"
                )
            if self.mail_backend == "console":
                raise ConfigError("Production needs MAIL_BACKEND=smtp and MAIL_SERVER")
        if not 0 < self.mail_timeout_seconds <= 60:
            raise ConfigError("MAIL_TIMEOUT_SECONDS must be between 1 and 60")

    def engine_options(self) -> dict[str, Any]:
        # Idle connections are checked before use by grants_app/db_pool.py, not every checkout.
        options: dict[str, Any] = {}
        if self.database_url.startswith("postgresql"):
            # A database host that does not answer fails a request (and /healthz) in seconds.
            # No server-side prepared statements: psycopg prepares a query after its fifth run, and
            # PostgreSQL then plans it once for any parameters; that generic plan walked all 100,000
            # applications for the page-load check (15 ms on every page) where the plan made for
            # the actual values reads one index entry. GET requests end in a rollback, which
            # discards those statements anyway, so they were prepared again and again.
            options["connect_args"] = {"connect_timeout": 5, "prepare_threshold": None}
        return options

    def flask_config(self) -> dict[str, Any]:
        production = self.env == "production"
        return {
            "SOSAFE": self,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "MAX_CONTENT_LENGTH": (self.max_upload_mb + 1) * 1024 * 1024,
            "TESTING": self.env == "testing",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": production,
            "REMEMBER_COOKIE_SECURE": production,
            "PERMANENT_SESSION_LIFETIME": self.session_timeout_minutes * 60,
            "WTF_CSRF_TIME_LIMIT": None,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_uri,
            "RATELIMIT_HEADERS_ENABLED": True,
            "FLASK_ADMIN_SWATCH": "default",
        }
