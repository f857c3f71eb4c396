"""Flask CLI commands. Each command is one transaction and calls the same services as the screens."""

from __future__ import annotations

import signal
import sys
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import distinct, select

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import STAFF_ROLES, WORKFLOW_MODELS, Role
from grants_app.outbox_sender import send_all_due, work
from grants_app.report_commands import report_cli
from grants_app.seed.demo import DEMO_APPLICANT, DEMO_PASSWORD, DEMO_STAFF, seed_demo
from grants_app.seed.reference import already_seeded
from grants_app.seed.scale import SCALE_PASSWORD, SCALE_STAFF, seed_scale
from grants_app.services import offers, reminders, users, written_procedures
from grants_app.text import plural
from grants_app.transaction import run
from grants_app.workflow import SYSTEM

workflow_cli = AppGroup("workflow", help="Check and show the workflow definitions.")
outbox_cli = AppGroup("outbox", help="Send queued emails: once (send) or continuously (work).")
jobs_cli = AppGroup("jobs", help="Scheduled jobs (run from cron).")


def stranded_states(session, engine) -> list[str]:
    """Rows whose stored workflow or state no longer exists in the definitions on disk."""
    problems = []
    for subject, model in WORKFLOW_MODELS.items():
        rows = session.execute(select(distinct(model.workflow_name), model.state)).all()
        for workflow_name, state in rows:
            definition = engine.definitions.get(workflow_name)
            if definition is None:
                problems.append(f"{subject}: workflow {workflow_name!r} is stored but has no definition")
            elif state not in definition.states:
                problems.append(
                    f"{subject}: state {state!r} is stored but not defined in {definition.path.name}"
                )
    return problems


@workflow_cli.command("check")
def workflow_check() -> None:
    """Definitions are valid (checked at start-up) and no stored state is missing from them."""
    engine = current_app.extensions["workflow_engine"]
    for definition in engine.definitions.values():
        click.echo(
            f"ok  {definition.name} v{definition.version}: {len(definition.states)} states, "
            f"{len(definition.transitions)} transitions ({definition.path})"
        )
    problems = stranded_states(db.session, engine)
    for problem in problems:
        click.echo(f"ERROR  {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("Every stored state exists in its workflow definition.")


@workflow_cli.command("show")
@click.argument("name")
def workflow_show(name: str) -> None:
    """Print a workflow's states and transitions as tables."""
    engine = current_app.extensions["workflow_engine"]
    if name not in engine.definitions:
        raise click.BadParameter(f"choose one of {', '.join(sorted(engine.definitions))}", param_hint="NAME")
    d = engine.definitions[name]
    click.echo(f"{d.name} (version {d.version}), initial state: {d.initial}\n")
    rows = [("STATE", "STAFF LABEL", "APPLICANT LABEL", "TERMINAL")]
    rows += [
        (s.name, s.staff_label, s.applicant_label, "yes" if s.terminal else "") for s in d.states.values()
    ]
    _table(rows)
    click.echo("")
    rows = [("TRIGGER", "FROM", "TO", "ROLES", "GUARDS", "EFFECTS", "INPUTS")]
    for t in d.transitions:
        inputs = ", ".join(f"{i.name}{'*' if i.required else ''}:{i.type}" for i in t.inputs)
        rows.append(
            (
                t.trigger,
                ", ".join(t.sources),
                t.dest,
                ", ".join(sorted(t.roles)),
                ", ".join(t.guards),
                ", ".join(t.effects),
                inputs,
            )
        )
    _table(rows)
    click.echo("\n* required input")


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing (but list the demo users) if data exists.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the SoSafe partnership and a year of demo applications."""
    settings = current_app.config["SOSAFE"]
    if settings.env == "production":
        # The demo users have a published password.
        raise click.ClickException("seed-demo is for development and demonstrations, not production")
    if already_seeded(db.session):
        if not if_empty:
            raise click.ClickException("The database already has data: seed-demo runs on an empty database")
        click.echo("Demo data already loaded.")
    else:
        result = _run(lambda: seed_demo(db.session, settings.upload_folder, london_today()))
        click.echo(f"Loaded the demo partnership with {result.applications} applications.")
    click.echo(f"\nDemo sign-ins (staff password for all: {DEMO_PASSWORD})")
    for email, _name, roles, agency, _title in DEMO_STAFF:
        click.echo(f"  {email:32} {', '.join(r.label for r in roles):16} {agency}")
    click.echo(f"\nApplicant (signs in by email link printed in this console): {DEMO_APPLICANT[0]}")
    base = settings.public_base_url
    click.echo(f"\nThe portal is at {base}/ and the staff admin at {base}/admin")


@click.command("seed-scale")
@click.option("--applications", default=100_000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--force", is_flag=True, help="Add to a database that already has data (not recommended).")
def seed_scale_command(applications: int, force: bool) -> None:
    """Load a large data set (bulk inserts) for measuring the staff pages at scale."""
    settings = current_app.config["SOSAFE"]
    if settings.env == "production":
        raise click.ClickException("seed-scale writes invented data: it does not run in production")
    if already_seeded(db.session) and not force:
        raise click.ClickException(
            "The database already has data: seed-scale runs on an empty database (--force to add anyway)"
        )
    started = time.monotonic()
    result = _run(lambda: seed_scale(db.session, london_today(), applications, progress=click.echo))
    click.echo(
        f"Loaded {result.applications:,} applications and {result.audit_events:,} audit events "
        f"in {time.monotonic() - started:.0f} s. Staff sign in with password {SCALE_PASSWORD}:"
    )
    for email, _name, roles in SCALE_STAFF:
        click.echo(f"  {email:34} {', '.join(r.label for r in roles)}")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Full name")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", default=None, help="Partner agency short name (staff)")
@click.option("--password", default=None, help="Staff password; prompted for if omitted")
def create_user_command(
    email: str, name: str, roles: tuple[str, ...], agency: str | None, password: str | None
) -> None:
    """Create a user (staff need a password of at least 12 characters)."""
    if password is None and any(Role(r) in STAFF_ROLES for r in roles):
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = _run(
        lambda: users.create_user(
            db.session,
            SYSTEM,
            email=email,
            name=name,
            roles=roles,
            agency_short_name=agency,
            password=password,
        )
    )
    click.echo(f"Created {user.email} ({', '.join(roles)})")


@outbox_cli.command("send")
def outbox_send() -> None:
    """Send every email that is due now, once, then stop."""
    report = send_all_due(db.session, current_app.extensions["mailer"])
    click.echo(
        f"Sent {plural(report.sent, 'email')}; {report.failed} failed and will be tried again later; "
        f"{report.gave_up} given up (shown in the admin under Records, Emails sent)."
    )


@outbox_cli.command("work")
@click.option("--interval", default=5.0, show_default=True, help="Seconds to wait when nothing is due.")
def outbox_work(interval: float) -> None:
    """Send queued emails continuously (production: run beside gunicorn). Stops on SIGTERM or Ctrl-C
    after the email in hand; several workers may run at once: each email is claimed by one."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Sending queued emails; checking every {interval:g}s. Stop with Ctrl-C.")
    report = work(db.session, current_app.extensions["mailer"], interval=interval, stop=stop)
    click.echo(f"Stopped. Sent {report.sent}, {report.failed} to retry, {report.gave_up} given up.")


@jobs_cli.command("lapse-offers")
def lapse_offers() -> None:
    """Mark offers not accepted by their expiry date as lapsed (as the system), emailing each group."""
    report = _run(lambda: offers.lapse_expired_offers(db.session, SYSTEM, london_today()))
    for reference, why in report.refused:
        click.echo(f"{reference}: {why}", err=True)
    click.echo(f"Lapsed {plural(len(report.done), 'offer')}.")


@jobs_cli.command("start-delivery")
def start_delivery() -> None:
    """Start delivery, as the system, of every grant whose offer is accepted and whose project start date
    has come (run daily; the next page anyone loads also does it)."""
    report = _run(lambda: offers.start_due_deliveries(db.session, SYSTEM, london_today()))
    for reference, why in report.refused:
        click.echo(f"{reference}: {why}", err=True)
    click.echo(f"Started delivery of {plural(len(report.done), 'grant')}.")


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Email groups about monitoring returns due in 14 days or overdue, and officers a digest of overdue
    returns and payments waiting for authorisation (run daily; a reminder is never sent twice)."""
    settings = current_app.config["SOSAFE"]
    report = _run(lambda: reminders.send_reminders(db.session, SYSTEM, london_today(), settings))
    for line in report.due_soon:
        click.echo(f"due soon: {line}")
    for line in report.overdue:
        click.echo(f"overdue: {line}")
    click.echo(
        f"Queued {len(report.due_soon)} due-soon and {plural(len(report.overdue), 'overdue reminder')}"
        + (
            f" and a digest of {plural(report.digest_new_items, 'new item')} to "
            f"{plural(report.digest_recipients, 'officer')}."
            if report.digest_recipients
            else "; no new items for the officers' digest."
        )
    )


@jobs_cli.command("close-written-procedures")
def close_written_procedures() -> None:
    """Close written procedures whose deadline has passed (or every member has answered), as the
    system: adopt the recommendation when quorate and carried, else refer it to the next meeting."""
    report = _run(lambda: written_procedures.close_due_written_procedures(db.session))
    for reference, outcome in report.closed:
        click.echo(f"{reference}: {outcome}")
    for reference, why in report.refused:
        click.echo(f"{reference}: {why}", err=True)
    click.echo(f"Closed {plural(len(report.closed), 'written procedure')}.")


def _run(work):
    """One command, one transaction, through the same unit of work as requests (so its emails go)."""
    outcome = run(db.session, work)
    if not outcome.ok:
        raise click.ClickException(str(outcome.refusal))
    return outcome.value


def init_app(app: Flask) -> None:
    app.cli.add_command(workflow_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(report_cli)
    app.cli.add_command(send_reminders_command)


__all__ = ["init_app", "stranded_states"]
