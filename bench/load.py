"""Pages under load through gunicorn, against a bare Flask app doing the equivalent queries.

`python -m bench.load --database-url postgresql://postgres@127.0.0.1:5432/postgres [--applications 100000]`

The run makes its own database on the named server (dropped at the end; no other database is read or
written), loads `seed-scale`'s data and one applicant who belongs to an organisation, and starts two
gunicorn servers of 2 sync workers each: the app, and bench/bare_app.py. The load generator then pins
itself to one core (where the OS allows) and sends the public start page, the applicant's
applications page and the admin application list from `--clients` threads, for `--seconds` per batch,
alternating the app's page and its bare twin (which goes first alternates too), after a warm-up batch
of each that is thrown away. It reports requests per second (median over rounds, with the spread), the
50th and 95th percentile latency and the ratio to the bare app; then it opens the officer's dashboard
one request at a time, with nothing else running, and reports how long it takes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from flask import session as flask_session
from flask_login import login_user
from sqlalchemy import select, text

from bench.fire_vs_bare import throwaway_database
from grants_app import create_app
from grants_app.admin.auth import SEEN_KEY, STAFF_SESSION_KEY
from grants_app.config import PROJECT_ROOT, normalise_database_url
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import Base, Organisation, OrganisationMember, Role, User
from grants_app.seed.scale import seed_scale

SECRET_KEY = "bench-load-secret-key-long-enough-for-the-bench"  # noqa: S105 - the bench's own database
USER_AGENT = "sosafe-bench-load"
TARGET = 0.5  # the app's pages at least half the bare app's requests per second
DASHBOARD_TARGET_S = 1.0


@dataclass
class Batch:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def run_batch(port: int, path: str, cookie: str, clients: int, seconds: float) -> Batch:
    """`clients` threads each sending GET path one after another for `seconds`; any answer but 200
    stops the run (a bench of error pages measures nothing)."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[str] = []
    stop_at = time.perf_counter() + seconds

    def client(mine: list[float]) -> None:
        while time.perf_counter() < stop_at and not failures:
            started = time.perf_counter()
            status, body = _get(port, path, cookie)
            if status != 200:
                failures.append(f"{path}: {status} {body[:200]!r}")
                return
            mine.append(time.perf_counter() - started)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(mine,)) for mine in latencies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(failures[0])
    flat = [value for mine in latencies for value in mine]
    return Batch(len(flat), elapsed, flat)


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def _serve(app_spec: str, port: int, env: dict[str, str], log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        app_spec,
    ]
    return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)  # noqa: S603


def _wait_until_up(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn on port {port} stopped (exit {process.returncode}); see its log")
        try:
            _get(port, "/healthz", "")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn on port {port} did not answer in {seconds} s")


def _cookie(app, user: User, *, staff: bool) -> str:
    """The session cookie a browser would hold after signing in (made by the app's own session
    interface, so the gunicorn servers with the same SECRET_KEY accept it)."""
    with app.test_request_context("/", headers={"User-Agent": USER_AGENT}):
        login_user(user)
        if staff:  # as the staff sign-in leaves it (grants_app/admin/auth.py)
            flask_session[STAFF_SESSION_KEY] = user.id
            flask_session[SEEN_KEY] = int(time.time())
        response = app.make_response("")
        app.session_interface.save_session(app, flask_session, response)
        header = response.headers["Set-Cookie"]
    return header.split(";", 1)[0]


def _prepare(app, size: int) -> tuple[str, str, str]:
    """Seed the bench database; returns (applicant cookie, officer cookie, seed seconds)."""
    with app.app_context():
        Base.metadata.create_all(db.engine)
        started = time.perf_counter()
        seed_scale(db.session, london_today(), size)
        organisation = db.session.execute(
            select(Organisation).order_by(Organisation.id).limit(1)
        ).scalar_one()
        applicant = User(email="bench.applicant@group.example", full_name="Bench Applicant")
        applicant.grant(Role.APPLICANT)
        db.session.add(applicant)
        db.session.flush()
        db.session.add(OrganisationMember(organisation_id=organisation.id, user_id=applicant.id))
        db.session.commit()
        seeded = f"{time.perf_counter() - started:.0f}"
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        officer = db.session.execute(
            select(User).where(User.email == "scale.officer@sosafe.example")
        ).scalar_one()
        cookies = _cookie(app, applicant, staff=False), _cookie(app, officer, staff=True)
        db.session.remove()
        db.engine.dispose()
    return cookies[0], cookies[1], seeded


def _pin_to_one_core() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity here)"
    cores = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cores[0]})
    return f"pinned to core {cores[0]} of {len(cores)}"


def measure(url: str, size: int, clients: int, seconds: float, rounds: int) -> list[dict]:
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp, throwaway_database(url) as own_url:
        settings = {
            "SOSAFE_ENV": "development",
            "DATABASE_URL": own_url,
            "SOSAFE_INSTANCE_PATH": tmp,
            "MAIL_BACKEND": "memory",
            "SECRET_KEY": SECRET_KEY,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
        }
        app = create_app(settings)
        applicant_cookie, officer_cookie, seeded = _prepare(app, size)
        env = {**os.environ, **settings, "BENCH_DATABASE_URL": own_url}
        real_port, bare_port = _free_port(), _free_port()
        with open(os.path.join(tmp, "gunicorn.log"), "wb") as log:
            servers = [
                _serve("grants_app:create_app()", real_port, env, log),
                _serve("bench.bare_app:create_app()", bare_port, env, log),
            ]
            try:
                _wait_until_up(real_port, servers[0])
                _wait_until_up(bare_port, servers[1])
                pinned = _pin_to_one_core()
                pages = (
                    ("public start page", "/", "", "/public", ""),
                    (
                        "portal: applicant's applications",
                        "/applications",
                        applicant_cookie,
                        "/portal",
                        applicant_cookie,
                    ),
                    (
                        "admin application list",
                        "/admin/application/",
                        officer_cookie,
                        "/admin-list",
                        officer_cookie,
                    ),
                )
                for name, path, cookie, bare_path, bare_cookie in pages:
                    sides = {"app": (real_port, path, cookie), "bare": (bare_port, bare_path, bare_cookie)}
                    for port, p, c in sides.values():
                        run_batch(port, p, c, clients, min(seconds, 3))  # warm-up, thrown away
                    batches: dict[str, list[Batch]] = {"app": [], "bare": []}
                    for n in range(rounds):
                        order = ("app", "bare") if n % 2 == 0 else ("bare", "app")
                        for side in order:
                            port, p, c = sides[side]
                            batches[side].append(run_batch(port, p, c, clients, seconds))
                    row: dict = {"page": name, "applications": size, "clients": clients, "load": pinned}
                    for side, done in batches.items():
                        rps = [b.rps for b in done]
                        latencies = [v for b in done for v in b.latencies]
                        row[side] = {
                            "rps": round(statistics.median(rps), 1),
                            "rps_spread": [round(min(rps), 1), round(max(rps), 1)],
                            "p50_ms": round(_percentile(latencies, 50) * 1000, 1),
                            "p95_ms": round(_percentile(latencies, 95) * 1000, 1),
                            "requests": sum(b.requests for b in done),
                        }
                    row["ratio"] = round(row["app"]["rps"] / row["bare"]["rps"], 2)
                    row["target"] = TARGET
                    results.append(row)
                # The officer's dashboard, one request at a time with nothing else running.
                times = []
                for n in range(12):
                    started = time.perf_counter()
                    status, body = _get(real_port, "/admin/", officer_cookie)
                    if status != 200:
                        raise SystemExit(f"/admin/: {status} {body[:200]!r}")
                    if n >= 2:  # the first two warm the worker, thrown away
                        times.append(time.perf_counter() - started)
                results.append(
                    {
                        "page": "officer dashboard, one at a time",
                        "applications": size,
                        "seed_s": seeded,
                        "median_ms": round(statistics.median(times) * 1000, 1),
                        "spread_ms": [round(min(times) * 1000, 1), round(max(times) * 1000, 1)],
                        "target_ms": DASHBOARD_TARGET_S * 1000,
                    }
                )
            finally:
                for server in servers:
                    server.terminate()
                for server in servers:
                    server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the PostgreSQL server to make the database on")
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each timed batch")
    parser.add_argument("--rounds", type=int, default=4, help="timed batches per page and side")
    args = parser.parse_args()
    url = normalise_database_url(args.database_url)
    if not url.startswith("postgresql"):
        raise SystemExit("The load benchmark runs on PostgreSQL (name a server with --database-url)")
    for row in measure(url, args.applications, args.clients, args.seconds, args.rounds):
        if "ratio" in row:
            verdict = "ok" if row["ratio"] >= row["target"] else f"under the {row['target']} target"
        else:
            verdict = "ok" if row["median_ms"] < row["target_ms"] else "over a second"
        print(json.dumps(row), verdict, flush=True)


if __name__ == "__main__":
    main()
