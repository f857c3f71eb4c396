"""The flask commands, run as an operator would."""

from __future__ import annotations

from sqlalchemy import func, select, text

from grants_app.extensions import db
from grants_app.models import Application, AuditEvent, Role, User
from grants_app.workflow import get_engine


def test_seed_demo_covers_every_state_with_history(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "sosafe-demo-2026" in result.output and "applicant@community.example" in result.output
    states = dict(session.execute(select(Application.state, func.count()).group_by(Application.state)).all())
    assert set(states) == set(get_engine().definition("application").states)
    assert 30 <= sum(states.values()) <= 40
    # history: every non-draft application has audited transitions, dated across the year
    events = (
        session.execute(select(AuditEvent.occurred_at).where(AuditEvent.action == "transition"))
        .scalars()
        .all()
    )
    assert len(events) > 150
    assert (max(events) - min(events)).days > 60
    roles = {r for u in session.execute(select(User)).scalars() for r in u.roles}
    assert roles == set(Role)
    check = runner.invoke(args=["workflow", "check"])
    assert check.exit_code == 0, check.output
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0 and "already has data" in again.output
    assert runner.invoke(args=["seed-demo", "--if-empty"]).exit_code == 0


def test_workflow_check_finds_a_stranded_state(app, make, session):
    app_row = make.submitted()
    session.commit()
    # Simulate a definition change that dropped a state live rows still use (raw SQL, as a bad migration would).
    session.execute(
        text("UPDATE applications SET state = 'awaiting_panel' WHERE id = :id"), {"id": app_row.id}
    )
    session.commit()
    result = app.test_cli_runner().invoke(args=["workflow", "check"])
    assert result.exit_code == 1
    assert "state 'awaiting_panel' is stored but not defined in application.yaml" in result.output


def test_workflow_show_prints_states_and_transitions(app):
    result = app.test_cli_runner().invoke(args=["workflow", "show", "payment"])
    assert result.exit_code == 0
    assert (
        "requested" in result.output and "second_person" in result.output and "paid_on*:date" in result.output
    )
    bad = app.test_cli_runner().invoke(args=["workflow", "show", "nonsense"])
    assert bad.exit_code != 0 and "choose one of application" in bad.output


def test_create_user(app, session, ref):
    runner = app.test_cli_runner()
    args = [
        "create-user",
        "New.Officer@Council.example",
        "--name",
        "New Officer",
        "--role",
        "officer",
        "--agency",
        "SBC",
        "--password",
        "a-long-enough-password",
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    user = session.execute(select(User).where(User.email == "new.officer@council.example")).scalar_one()
    assert (
        user.has_role(Role.OFFICER)
        and user.agency.short_name == "SBC"
        and user.password_hash.startswith("$argon2")
    )
    assert runner.invoke(args=args).exit_code != 0  # duplicate
    short = runner.invoke(
        args=["create-user", "x@y.example", "--name", "X", "--role", "finance", "--password", "short"]
    )
    assert short.exit_code != 0 and "at least 12" in short.output
    agency = runner.invoke(
        args=[
            "create-user",
            "z@y.example",
            "--name",
            "Z",
            "--role",
            "officer",
            "--agency",
            "MI5",
            "--password",
            "a-long-enough-password",
        ]
    )
    assert agency.exit_code != 0 and "no partner agency" in agency.output.lower()


def test_lapse_offers_job_runs_as_the_system_and_sends_its_emails(app, make, session, mailer):
    from datetime import timedelta

    application, _meeting, officer = make.approved()
    from grants_app.workflow import fire

    fire(session, application, "issue_offer", officer)
    application.award.offer_expires_on = application.award.offer_expires_on - timedelta(days=60)
    session.commit()
    mailer.sent.clear()
    result = app.test_cli_runner().invoke(args=["jobs", "lapse-offers"])
    assert result.exit_code == 0 and "Lapsed 1 offer" in result.output
    # The command commits through the same unit of work as a request, so the group hears at once.
    subjects = [subject for _to, subject, _body in mailer.sent]
    assert any(application.reference in subject for subject in subjects), subjects
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == "offer_lapsed"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.trigger == "lapse_offer")).scalar_one()
    assert event.actor_id is None and event.actor_label.startswith("System")


def test_seed_demo_refuses_to_run_in_production(app, session, monkeypatch):
    monkeypatch.setattr(app.config["SOSAFE"], "env", "production")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0 and "not production" in result.output
    assert session.execute(select(func.count()).select_from(User)).scalar_one() == 0
