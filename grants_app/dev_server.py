"""What `make run` needs to be pleasant for someone new: links in emails that point at the port the
server really listens on, and a request log that shows pages, not the fifteen style sheets, fonts and
scripts behind each one (so the sign-in email printed in the console is easy to find).

Development only: production runs under gunicorn with PUBLIC_BASE_URL set and its own logging.
"""

from __future__ import annotations

import logging
import re

import click

# URL paths of files served as they are: GOV.UK Frontend, the admin's Bootstrap, our one script.
STATIC_PREFIXES = ("/assets/", "/admin/static/", "/portal-static/", "/static/", "/favicon.ico")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def served_address() -> str | None:
    """'http://127.0.0.1:5101' when this process is `flask run --port 5101` (its options are parsed
    before the app is built), else None."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.info_name != "run" or "port" not in ctx.params:
        return None
    host = ctx.params.get("host") or "127.0.0.1"
    if host in ("0.0.0.0", "::", "localhost"):  # noqa: S104 - a name for links, not an address to bind
        host = "127.0.0.1"
    return f"http://{host}:{ctx.params['port']}"


class QuietStaticFiles(logging.Filter):
    """Drops Werkzeug's log line for a static file that was served (or a missing favicon); every page,
    form post and error is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        if len(args) < 2:
            return True
        request_line, code = _ANSI.sub("", str(args[0])), str(args[1])
        parts = request_line.split(" ")
        path = parts[1] if len(parts) > 1 else ""
        if not path.startswith(STATIC_PREFIXES):
            return True
        return not (code.startswith("2") or code == "304" or path.startswith("/favicon.ico"))


def quiet_static_file_log() -> None:
    """Install QuietStaticFiles on Werkzeug's request log (once, however many apps are built)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, QuietStaticFiles) for f in logger.filters):
        logger.addFilter(QuietStaticFiles())
