"""The spend report PDF against WeasyPrint rendering a plain table of the same rows, in the same run.

    .venv/bin/python -m bench.report_pdf [--sizes 1000 5000] [--rounds 3] [--variants]

For each size: a fresh SQLite database gets that many awarded grants over the five priorities
(bench/report_data.py). Each measurement runs in a child process, so its peak memory (ru_maxrss) is its
own: "report" builds the report from the database, renders its template and WeasyPrint's PDF; "plain"
reads the same grant rows (one per grant and priority, as the report lists them) with one query and renders a bare 8-column table with the same page furniture
(A4, running header, "Page X of Y" footer, repeated header row, rows kept whole, tagged PDF/UA-1). After
a warm-up pair, the two alternate, so the shared machine's noise falls on both; we print the median
wall time, the spread (min-max), peak memory and the ratio. --variants also times the plain table with
automatic instead of fixed table layout, and with a web font (a TTF fetched through @font-face) instead
of system fonts. Not a test: nothing fails, it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

FURNITURE = """
@page { size: A4; margin: 20mm 14mm 18mm 14mm;
  @top-left { content: "SoSafe - Stevenage Community Safety Partnership"; font-size: 7.5pt; }
  @top-right { content: "Grants"; font-size: 7.5pt; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt; } }
html { font: 8pt/1.35 %(font)s; }
table { width: 100%%; border-collapse: collapse; table-layout: %(layout)s; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
th, td { padding: 1mm; text-align: left; vertical-align: top; border-bottom: 0.4pt solid #b1b4b6; }
.num { text-align: right; white-space: nowrap; }
"""
SYSTEM_FONT = '"Liberation Sans", Arial, "DejaVu Sans", sans-serif'
WEB_FONT_FACE = '@font-face { font-family: "Bench Web"; src: url("bench-font.ttf"); }\n'
WEB_FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _app(database: Path):
    from grants_app import create_app

    return create_app(
        {
            "SOSAFE_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{database}",
            "SOSAFE_INSTANCE_PATH": str(database.parent / "instance"),
            "MAIL_BACKEND": "memory",
            "SECRET_KEY": "bench-secret-key-that-is-long-enough-to-start",
        }
    )


def prepare(folder: Path, size: int) -> Path:
    from bench.report_data import load_grants
    from grants_app.extensions import db
    from grants_app.models import Base, Role, User
    from grants_app.seed.reference import load_reference_data

    database = folder / f"grants-{size}.db"
    app = _app(database)
    with app.app_context():
        Base.metadata.create_all(db.engine)
        load_reference_data(db.session, date(2026, 5, 14))
        user = User(email="finance@bench.example", full_name="Bench Finance")
        user.grant(Role.FINANCE)
        db.session.add(user)
        db.session.flush()
        load_grants(db.session, size)
        db.session.commit()
    return database


def plain_html(rows, *, layout: str = "fixed", web_font: bool = False) -> str:
    from markupsafe import escape

    css = (WEB_FONT_FACE if web_font else "") + FURNITURE % {
        "font": '"Bench Web", sans-serif' if web_font else SYSTEM_FONT,
        "layout": layout,
    }
    body = "".join(
        f"<tr><td>{escape(r[0])}</td><td>{escape(r[1])}</td><td>{escape(r[2])}</td><td>{escape(r[3])}</td>"
        f"<td>{escape(r[4])}</td><td class=num>{r[5]}</td><td class=num>{r[6]}</td><td class=num>{r[7]}</td></tr>"
        for r in rows
    )
    return (
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>Grants</title><style>{css}</style>'
        "</head><body><table><thead><tr><th>Reference</th><th>Organisation</th><th>Project</th><th>Ward</th>"
        '<th>Status</th><th class="num">Awarded</th><th class="num">Paid</th><th class="num">Spent</th></tr></thead>'
        f"<tbody>{body}</tbody></table></body></html>"
    )


def child(kind: str, database: Path) -> dict:
    """One measurement, in this (child) process."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcherResponse

    from grants_app.extensions import db
    from grants_app.reports.render import PDF_VARIANT, STATIC_BASE_URL, StaticOnlyFetcher

    app = _app(database)
    with app.app_context(), app.test_request_context():
        started = time.perf_counter()
        if kind == "report":
            from sqlalchemy import select

            from grants_app.models import Fund
            from grants_app.reports.period import financial_year
            from grants_app.reports.spend import build_spend_report, spend_pdf

            year = db.session.execute(select(Fund.financial_year).limit(1)).scalar_one()
            report = build_spend_report(db.session, financial_year(year), generated_by="bench")
            pdf = spend_pdf(report)
            rows = report.detail_rows
        else:
            from sqlalchemy import select

            from grants_app.models import Application, ApplicationPriority, Award, Organisation
            from grants_app.money import format_pence
            from grants_app.reports.common import state_labeller

            label = state_labeller()
            rows = [
                (
                    ref,
                    org,
                    title,
                    "Bedwell",
                    label(wf, state),
                    format_pence(amount),
                    format_pence(amount),
                    format_pence(amount),
                )
                for ref, org, title, wf, state, amount in db.session.execute(
                    select(
                        Application.reference,
                        Organisation.name,
                        Application.title,
                        Application.workflow_name,
                        Application.state,
                        Award.amount_pence,
                    )
                    .join(Organisation, Organisation.id == Application.organisation_id)
                    .join(Award, Award.application_id == Application.id)
                    # one row per grant and priority, as the report lists a split grant under each
                    .join(ApplicationPriority, ApplicationPriority.application_id == Application.id)
                    .order_by(ApplicationPriority.priority_id, Application.reference)
                )
            ]
            web_font = kind == "plain-webfont"

            class Fetcher(StaticOnlyFetcher):
                def fetch(self, url, headers=None):
                    if web_font and url.endswith("bench-font.ttf"):
                        return URLFetcherResponse(
                            url, body=WEB_FONT_FILE.read_bytes(), headers={"Content-Type": "font/ttf"}
                        )
                    return super().fetch(url, headers)

            html = plain_html(rows, layout="auto" if kind == "plain-auto" else "fixed", web_font=web_font)
            pdf = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=Fetcher()).write_pdf(
                pdf_variant=PDF_VARIANT
            )
            rows = len(rows)
        seconds = time.perf_counter() - started
    return {
        "kind": kind,
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "bytes": len(pdf),
        "rows": rows,
    }


def measure(kind: str, database: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.report_pdf", "--child", kind, str(database)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def summary(results: list[dict]) -> str:
    times = [r["seconds"] for r in results]
    return (
        f"{statistics.median(times):6.1f} s (spread {min(times):.1f}-{max(times):.1f}, n={len(times)}), "
        f"peak {max(r['peak_mb'] for r in results):5.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--rounds", type=int, default=3, help="alternating pairs per size (5,000: one)")
    parser.add_argument("--variants", action="store_true", help="also time auto layout and a web font")
    parser.add_argument("--no-warm-up", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "DATABASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]))))
        return
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        for size in args.sizes:
            database = prepare(Path(tmp), size)
            rounds = args.rounds if size <= 1000 else 1
            warm = size == args.sizes[0] and not args.no_warm_up
            print(
                f"\n{size} grants over five priorities ({'warm-up pair, then ' if warm else ''}{rounds} pair(s))",
                flush=True,
            )
            if warm:  # the first renders fill the OS file cache (fonts, libraries) for those that follow
                measure("plain", database), measure("report", database)
            plain, report = [], []
            for _ in range(rounds):
                plain.append(measure("plain", database))
                report.append(measure("report", database))
            print(f"  plain table   {summary(plain)}  ({plain[0]['rows']} rows)")
            print(
                f"  spend report  {summary(report)}  ({report[0]['rows']} grant rows, with cover, summary, chart, categories)"
            )
            ratio = statistics.median(r["seconds"] for r in report) / statistics.median(
                p["seconds"] for p in plain
            )
            print(f"  ratio         {ratio:.2f}x (target at most 1.3x)", flush=True)
            if args.variants and size <= 1000:
                for kind in ("plain-auto", "plain-webfont"):
                    print(f"  {kind:13} {summary([measure(kind, database)])}", flush=True)


if __name__ == "__main__":
    main()
