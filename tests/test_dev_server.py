"""A first run of `make run` by someone new: another port works and emailed links follow it, the request
log does not bury the sign-in email, the email stands out, and the Makefile's Python probe is quiet."""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from grants_app import create_app
from grants_app.config import PROJECT_ROOT, ConfigError, Settings
from grants_app.dev_server import QuietStaticFiles
from grants_app.mail import ConsoleMailer


def test_emailed_links_follow_the_port_the_server_runs_on(tmp_path):
    assert Settings.from_env({}).public_base_url == "http://127.0.0.1:5000"
    assert Settings.from_env({"FLASK_RUN_PORT": "5101"}).public_base_url == "http://127.0.0.1:5101"
    assert Settings.from_env({"PORT": "5102"}).public_base_url == "http://127.0.0.1:5102"
    explicit = {"PORT": "5101", "PUBLIC_BASE_URL": "https://grants.example.gov.uk/"}
    assert Settings.from_env(explicit).public_base_url == "https://grants.example.gov.uk"
    with pytest.raises(ConfigError, match="PORT must be a port number"):
        Settings.from_env({"PORT": "fifty"})


def test_flask_run_with_a_port_option_builds_links_to_that_port(tmp_path, monkeypatch):
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    env = {
        "SOSAFE_ENV": "development",
        "SOSAFE_INSTANCE_PATH": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
    }
    run = click.Context(click.Command("run"), info_name="run")
    run.params = {"host": "127.0.0.1", "port": 5103}
    with run:
        app = create_app(env)
    assert app.config["SOSAFE"].public_base_url == "http://127.0.0.1:5103"


def _request_log(path: str, code: str) -> logging.LogRecord:
    # The shape of Werkzeug's log line: the request line (maybe coloured), the status and the size.
    return logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '127.0.0.1 - - [date] "%s" %s %s', (path, code, "-"), None
    )


@pytest.mark.parametrize(
    ("request_line", "code", "shown"),
    [
        ("GET /assets/fonts/bold.woff2 HTTP/1.1", "200", False),
        ("\x1b[36mGET /admin/static/bootstrap.min.css?v=4 HTTP/1.1\x1b[0m", "304", False),
        ("GET /portal-static/init.js HTTP/1.1", "200", False),
        ("\x1b[33mGET /favicon.ico HTTP/1.1\x1b[0m", "404", False),
        ("GET /assets/missing.css HTTP/1.1", "404", True),  # a broken asset is worth seeing
        ("GET /sign-in HTTP/1.1", "200", True),
        ("POST /sign-in HTTP/1.1", "302", True),
        ("GET /applications HTTP/1.1", "500", True),
    ],
)
def test_the_development_log_leaves_out_static_files(request_line, code, shown):
    assert QuietStaticFiles().filter(_request_log(request_line, code)) is shown


def test_emails_are_printed_in_a_box_with_the_link_whole():
    stream = io.StringIO()
    link = "http://127.0.0.1:5101/sign-in/" + "x" * 43
    ConsoleMailer(stream).send("kelly@group.example", "Your sign-in link", f"Sign in:\n{link}\n")
    lines = stream.getvalue().splitlines()
    assert lines[1].startswith("┏━━ EMAIL") and lines[-2].startswith("┗━")
    assert "┃ To:      kelly@group.example" in lines and f"┃ {link}" in lines
    assert all(line.startswith(("┏", "┃", "┗")) for line in lines if line)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_makefile_finds_python_without_printing_errors_from_missing_versions(tmp_path):
    # A pyenv shim for a version that is not installed: found on PATH, fails loudly when run.
    shim = tmp_path / "python3.13"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    result = subprocess.run(
        ["make", "--no-print-directory", "-f", "Makefile", "--eval", "probe: ; @echo $(PYTHON)", "probe"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == "" and "python3" in result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_on_the_port_given(tmp_path):
    # A stand-in for flask that shows what `make run` passes it.
    fake = tmp_path / "flask"
    fake.write_text('#!/bin/sh\necho "flask $* port=$FLASK_RUN_PORT host=$FLASK_RUN_HOST"\n')
    fake.chmod(0o755)
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "setup", "run", "PORT=5101", f"BIN={tmp_path}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "flask run port=5101 host=127.0.0.1" in result.stdout
    assert Path(PROJECT_ROOT / "Makefile").read_text().count("PORT ?= 5000") == 1
