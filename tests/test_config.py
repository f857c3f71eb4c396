import pytest

from grants_app import create_app
from grants_app.config import DEV_SECRET_KEY, ConfigError, Settings, normalise_database_url


def test_development_defaults_to_sqlite_under_instance(tmp_path):
    settings = Settings.from_env({"SOSAFE_INSTANCE_PATH": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'sosafe.db'}"
    assert settings.upload_folder == tmp_path / "uploads"
    assert settings.mail_backend == "console"


def test_production_refuses_the_development_secret_key():
    with pytest.raises(ConfigError, match="development SECRET_KEY"):
        Settings.from_env({"SOSAFE_ENV": "production", "MAIL_BACKEND": "smtp"})
    with pytest.raises(ConfigError, match="development SECRET_KEY"):
        Settings.from_env({"SOSAFE_ENV": "production", "SECRET_KEY": DEV_SECRET_KEY, "MAIL_BACKEND": "smtp"})
    with pytest.raises(ConfigError, match="at least 32"):
        Settings.from_env({"SOSAFE_ENV": "production", "SECRET_KEY": "short", "MAIL_BACKEND": "smtp"})


def test_production_refuses_to_print_emails_to_the_console():
    with pytest.raises(ConfigError, match="MAIL_BACKEND=smtp"):
        Settings.from_env({"SOSAFE_ENV": "production", "SECRET_KEY": "x" * 40})


def test_create_app_refuses_production_with_dev_key(tmp_path):
    with pytest.raises(ConfigError):
        create_app({"SOSAFE_ENV": "production", "SECRET_KEY": "", "SOSAFE_INSTANCE_PATH": str(tmp_path)})


def test_production_settings_are_secure(tmp_path):
    settings = Settings.from_env(
        {
            "SOSAFE_ENV": "production",
            "SECRET_KEY": "k" * 48,
            "MAIL_BACKEND": "smtp",
            "SOSAFE_INSTANCE_PATH": str(tmp_path),
        }
    )
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("name", ["MAIL_PORT", "SESSION_TIMEOUT_MINUTES", "QUORUM_MIN_MEMBERS"])
def test_bad_numbers_are_a_clear_error(name):
    with pytest.raises(ConfigError, match=f"{name} must be a whole number"):
        Settings.from_env({name: "lots"})


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="SOSAFE_ENV"):
        Settings.from_env({"SOSAFE_ENV": "staging"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_get_the_psycopg3_driver(given, expected):
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize(
    ("raw", "roles"),
    [
        ("", set()),
        ("false", set()),
        ("true", {"officer", "jag_member", "finance", "rag_viewer", "admin"}),
        ("officer, finance", {"officer", "finance"}),
    ],
)
def test_compulsory_two_factor_for_all_or_some_staff_roles(raw, roles):
    assert Settings.from_env({"STAFF_2FA_REQUIRED": raw}).staff_2fa_roles == roles


def test_compulsory_two_factor_refuses_unknown_roles():
    with pytest.raises(ConfigError, match="unknown role"):
        Settings.from_env({"STAFF_2FA_REQUIRED": "officer,applicant"})


def test_behind_a_proxy_the_client_address_comes_from_the_forwarded_header(tmp_path):
    from flask import request

    app = create_app(
        {
            "PROXY_HOPS": "1",
            "DATABASE_URL": "sqlite://",
            "SOSAFE_INSTANCE_PATH": str(tmp_path),
            "SOSAFE_ENV": "testing",
        }
    )

    @app.get("/_whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    reply = app.test_client().get(
        "/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    )
    assert reply.text == "203.0.113.9 https"


def test_rate_limits_can_be_kept_in_redis_for_several_workers():
    """Production runs several gunicorn workers; they share limits through Redis (RATELIMIT_STORAGE_URI)."""
    import os

    from limits.storage import storage_from_string

    storage = storage_from_string(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
    try:
        reachable = storage.check()
    except Exception:  # noqa: BLE001 - no Redis on this machine
        reachable = False
    if not reachable:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379")
        pytest.skip("Redis is not running")
    storage.reset()
