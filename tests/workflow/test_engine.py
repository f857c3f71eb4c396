"""fire(): the one audited path for every state change, and how it refuses."""

from __future__ import annotations

import ast

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from grants_app.config import PROJECT_ROOT
from grants_app.models import Application, AuditEvent, Role
from grants_app.refusals import AlreadyDone
from grants_app.rules import RULES
from grants_app.workflow import (
    ConflictError,
    GuardFailed,
    IllegalStateWrite,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    TransitionAlreadyMade,
    fire,
    get_engine,
)
from tests.services.test_payments import suspended_after_a_payment


def audit_count(session, app_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity_type == "application",
            AuditEvent.entity_id == app_id,
            AuditEvent.action == "transition",
        )
    ).scalar_one()


def stored_state(app_obj) -> str:
    """The state as committed in the database, read on a separate connection."""
    from grants_app.extensions import db

    with Session(db.engine) as other:
        return other.execute(select(Application.state).where(Application.id == app_obj.id)).scalar_one()


def test_fire_applies_transition_and_writes_one_audit_event(make, session):
    app = make.application()
    applicant = make.applicant_of(app)
    version = app.version
    event = fire(session, app, "submit", applicant)
    session.commit()
    assert app.state == "submitted"
    assert app.version == version + 1
    assert stored_state(app) == "submitted"
    assert (event.actor_id, event.from_state, event.to_state, event.trigger) == (
        applicant.id,
        "draft",
        "submitted",
        "submit",
    )
    assert event.data["workflow"] == "application" and event.data["workflow_version"] == 1
    assert audit_count(session, app.id) == 1


def test_audit_event_records_reason_and_inputs(make, session):
    app = make.submitted()
    officer = make.officer()
    event = fire(session, app, "fail_screening", officer, reason="No constitution")
    assert event.reason == "No constitution"
    assert event.data["inputs"] == {"reason": "No constitution"}
    assert event.actor_label == officer.audit_label


@pytest.mark.parametrize(
    ("trigger", "inputs", "error", "message"),
    [
        ("approve", {}, InvalidTransition, "You cannot 'Record JAG approval' when it is 'Submitted"),
        ("explode", {}, InvalidTransition, "'explode' is not an action"),
        ("fail_screening", {}, InvalidInput, "Enter the reason"),
        ("fail_screening", {"reason": "   "}, InvalidInput, "Enter the reason"),
        ("fail_screening", {"reason": 42}, InvalidInput, "must be text"),
        ("fail_screening", {"reason": "x" * 5001}, InvalidInput, "5,000 characters or fewer"),
        ("fail_screening", {"reason": "nul\x00byte"}, InvalidInput, "not allowed"),
        ("fail_screening", {"reason": "ok", "amount_pence": 5}, InvalidInput, "does not take amount_pence"),
        ("request_information", {"reason": "Why?", "meeting_id": "1"}, InvalidInput, "whole number"),
        ("request_information", {"reason": "Why?", "meeting_id": -3}, InvalidInput, "does not exist"),
        ("request_information", {"reason": "Why?", "meeting_id": 999999}, GuardFailed, "meeting that exists"),
    ],
)
def test_refusals_change_nothing(make, session, trigger, inputs, error, message):
    app = make.submitted()
    officer = make.officer()
    session.commit()
    before = (app.state, app.version, audit_count(session, app.id))
    with pytest.raises(error, match=message):
        fire(session, app, trigger, officer, **inputs)
    session.rollback()
    session.refresh(app)
    assert (app.state, app.version, audit_count(session, app.id)) == before
    assert stored_state(app) == "submitted"


@pytest.mark.parametrize("amount", [0, -100, True, 1.5, "100", 10**12])
def test_money_inputs_must_be_positive_whole_pence(make, session, amount):
    app = make.eligible()
    officer = make.officer()
    with pytest.raises(InvalidInput):
        fire(session, app, "approve_delegated", officer, amount_pence=amount, reason="small grant")
    assert app.state == "eligible"


def test_wrong_role_is_refused(make, session):
    app = make.submitted()
    jag = make.user(Role.JAG_MEMBER)
    with pytest.raises(PermissionDenied, match="permission to 'Pass screening'"):
        fire(session, app, "pass_screening", jag)
    assert app.state == "submitted"


def test_applicant_of_another_organisation_is_refused(make, session):
    app = make.application()
    stranger = make.user(Role.APPLICANT)
    make.organisation(stranger)
    with pytest.raises(PermissionDenied):
        fire(session, app, "submit", stranger)
    assert app.state == "draft"


def test_failed_guard_explains_and_changes_nothing(make, session):
    app = make.application(complete=False)
    with pytest.raises(GuardFailed, match="Complete these sections") as excinfo:
        fire(session, app, "submit", make.applicant_of(app))
    assert excinfo.value.guard == "application_complete"
    assert app.state == "draft"
    assert audit_count(session, app.id) == 0


def test_guard_that_raises_rolls_back_everything(make, session, monkeypatch):
    app = make.application()
    session.commit()

    def broken(ctx):
        raise RuntimeError("database of eligible funds unavailable")

    monkeypatch.setitem(RULES.guards, "fund_open", broken)
    with pytest.raises(RuntimeError):
        fire(session, app, "submit", make.applicant_of(app))
    session.rollback()
    assert stored_state(app) == "draft"
    assert audit_count(session, app.id) == 0


def test_effect_that_raises_leaves_no_state_change_and_no_audit_row(make, session, monkeypatch):
    app = make.application()
    session.commit()

    def broken(ctx):
        ctx.obj.title = "changed by a half-run effect"
        raise RuntimeError("mail template missing")

    monkeypatch.setitem(RULES.effects, "email_submission_received", broken)
    with pytest.raises(RuntimeError):
        fire(session, app, "submit", make.applicant_of(app))
    # the savepoint is rolled back even before the caller rolls back its transaction
    assert audit_count(session, app.id) == 0
    session.rollback()
    session.refresh(app)
    assert app.state == "draft" and app.title != "changed by a half-run effect"


def test_stale_copy_gets_a_conflict_not_a_lost_update(make, session, app):
    from grants_app.extensions import db

    application = make.submitted()
    officer = make.officer()
    session.commit()
    # A second person opened the same application (their own session), then the first one acted.
    with Session(db.engine, expire_on_commit=False) as theirs:
        stale = theirs.get(Application, application.id)
        theirs.commit()
        fire(session, application, "pass_screening", officer)
        session.commit()
        with pytest.raises(ConflictError, match="changed by someone else"):
            fire(theirs, stale, "fail_screening", theirs.get(type(officer), officer.id), reason="too late")
        theirs.rollback()
    assert stored_state(application) == "eligible"
    assert audit_count(session, application.id) == 2  # submit + pass_screening, nothing from the loser


def test_expected_version_from_a_form_detects_a_change(make, session):
    app = make.submitted()
    officer = make.officer()
    seen = app.version
    fire(session, app, "request_information", officer, reason="Send your accounts")
    with pytest.raises(ConflictError):
        fire(session, app, "withdraw", officer, reason="duplicate", expected_version=seen)
    assert app.state == "information_requested"


def test_a_trigger_fired_again_is_already_made_with_who_and_when_not_a_conflict(make, session):
    app = make.submitted()
    officer = make.officer()
    seen = app.version
    fire(session, app, "pass_screening", officer, expected_version=seen)
    version = app.version
    # The same form sent again (its version is the one before), and the same trigger without a version.
    for again in ({"expected_version": seen}, {}):
        with pytest.raises(TransitionAlreadyMade) as refused:
            fire(session, app, "pass_screening", officer, **again)
        message = str(refused.value)
        # A label that is a phrase is quoted, not lowercased into "is already screening passed".
        assert message.startswith(
            f"Application {app} is already at \u201cScreening passed\u201d (by {officer.full_name}, "
        )
        assert message.endswith(": nothing was changed") and "someone else" not in message
        # Faces that treat a conflict as "the other request went through" keep working.
        assert isinstance(refused.value, ConflictError) and isinstance(refused.value, AlreadyDone)
    assert (app.state, app.version, audit_count(session, app.id)) == ("eligible", version, 2)
    # A trigger that leads somewhere else is still "changed by someone else" (or not allowed from here).
    with pytest.raises(ConflictError, match="changed by someone else") as other:
        fire(session, app, "withdraw", officer, reason="duplicate", expected_version=seen)
    assert not isinstance(other.value, AlreadyDone)
    with pytest.raises(InvalidTransition) as not_here:
        fire(session, app, "fail_screening", officer, reason="late")
    assert not isinstance(not_here.value, AlreadyDone)


def test_direct_state_write_is_refused(make, session):
    app = make.submitted()
    app.state = "approved"
    with pytest.raises(IllegalStateWrite, match="only be changed through the workflow engine"):
        session.flush()
    session.rollback()


def test_workflow_name_cannot_be_swapped_either(make, session):
    app = make.submitted()
    app.workflow_name = "payment"
    with pytest.raises(IllegalStateWrite):
        session.flush()
    session.rollback()


def test_new_row_must_start_in_the_initial_state(make, session, ref):
    org = make.organisation()
    session.add(
        Application(
            reference="SOS-X-1",
            fund=ref.fund,
            organisation=org,
            workflow_name="application",
            state="approved",
        )
    )
    with pytest.raises(IllegalStateWrite, match="initial state"):
        session.flush()
    session.rollback()


def test_bulk_update_statement_bypass_is_not_used_anywhere():
    """No code outside the engine assigns a lifecycle column (attribute writes or UPDATE ... SET state)."""
    offenders = []
    governed = {"state", "workflow_name", "workflow_version"}
    for path in (PROJECT_ROOT / "grants_app").rglob("*.py"):
        if path.parts[-2] == "workflow" and path.name == "engine.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = (
                node.targets
                if isinstance(node, ast.Assign)
                else [node.target]
                if isinstance(node, ast.AugAssign | ast.AnnAssign)
                else []
            )
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in governed:
                    offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"
            ) and any(kw.arg in governed for kw in node.keywords):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} (.values)")
    assert offenders == [], offenders


def test_available_triggers_offer_only_what_the_actor_may_do(make, session):
    app = make.submitted()
    officer = make.officer()
    applicant = make.applicant_of(app)
    from grants_app.workflow import available_triggers

    assert {t.trigger for t in available_triggers(app, officer)} == {
        "pass_screening",
        "fail_screening",
        "request_information",
        "withdraw",
    }
    assert {t.trigger for t in available_triggers(app, applicant)} == {"withdraw"}
    assert available_triggers(app, make.user(Role.FINANCE)) == []


def test_application_keeps_the_workflow_that_governs_it(make):
    app = make.application()
    assert (app.workflow_name, app.workflow_version, app.state) == ("application", 1, "draft")


def test_reference_numbers_are_sequential_per_year(make, ref):
    first, second = make.application(), make.application()
    year = ref.fund.financial_year
    assert first.reference == f"SOS-{year}-0001"
    assert second.reference == f"SOS-{year}-0002"


def test_lost_race_without_effects_leaves_nothing_behind(make, session, monkeypatch):
    """Someone else writes between the lock check and the UPDATE (no row locks on SQLite): the UPDATE
    matches nothing, the caller gets a conflict, and a caller that carries on writes nothing later."""
    from grants_app.services.payments import request_payment
    from grants_app.workflow.engine import WorkflowEngine

    app, _officer = make.in_delivery()
    finance = make.finance()
    payment = request_payment(session, finance, app.award.instalments[0])
    session.commit()
    assert not registry_effects_of("payment", "cancel")
    assert payment.state == "requested"
    # The other writer's change, made where the ORM does not see it: the object in memory is now stale.
    session.execute(text("UPDATE payments SET version = version + 1 WHERE id = :id"), {"id": payment.id})
    monkeypatch.setattr(WorkflowEngine, "_lock", lambda self, session, obj, trigger, expected: None)
    with pytest.raises(ConflictError):
        fire(session, payment, "cancel", finance, reason="duplicate")
    assert payment.state == "requested"
    session.commit()  # the caller carried on: nothing half-made may be written now
    session.refresh(payment)
    assert payment.state == "requested"
    assert audit_count_for(session, "payment", payment.id) == 0


def audit_count_for(session, entity_type: str, entity_id: int) -> int:
    return session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.entity_type == entity_type,
            AuditEvent.entity_id == entity_id,
            AuditEvent.action == "transition",
        )
    ).scalar_one()


def registry_effects_of(workflow: str, trigger: str) -> tuple[str, ...]:
    from grants_app.workflow import get_engine

    definition = get_engine().definition(workflow)
    return next(t.effects for t in definition.transitions if t.trigger == trigger)


def test_database_error_inside_effects_rolls_back_the_savepoint(make, session, monkeypatch):
    from grants_app.models import BudgetLine

    app = make.application()
    session.commit()

    def bad_effect(ctx):
        ctx.session.add(
            BudgetLine(
                application_id=ctx.obj.id,
                category_id=ctx.obj.budget_lines[0].category_id,
                description="negative",
                amount_pence=-1,
            )
        )

    monkeypatch.setitem(RULES.effects, "stamp_submission", bad_effect)
    with pytest.raises(Exception, match="(?i)check|constraint"):
        fire(session, app, "submit", make.applicant_of(app))
    session.rollback()
    assert stored_state(app) == "draft"
    assert audit_count(session, app.id) == 0


def test_the_state_machine_decides_not_a_table_of_our_own(make, session, monkeypatch):
    """A transition the YAML has but the machine lacks is refused: transitions decides."""
    from grants_app.workflow import get_engine

    app = make.application()
    session.commit()
    machine = get_engine().machines["application"]
    submit = machine.get_transitions(trigger="submit", source="draft")[0]
    monkeypatch.setattr(machine.events["submit"], "transitions", {})
    with pytest.raises(InvalidTransition, match="You cannot 'Submit application'"):
        fire(session, app, "submit", make.applicant_of(app))
    assert app.state == "draft"
    monkeypatch.undo()
    assert machine.get_transitions(trigger="submit", source="draft") == [submit]
    fire(session, app, "submit", make.applicant_of(app))
    assert app.state == "submitted"


def test_guards_run_in_the_order_the_yaml_lists_them(make, session, monkeypatch):
    """approve lists meeting_started first: with every guard failing, the first one's sentence wins,
    and no later guard runs."""
    app, _meeting, officer = make.approved()
    other = make.eligible()
    meeting = make.meeting(officer, days_ahead=3)
    seen: list[str] = []
    definition = next(t for t in RULES_application_transitions() if t.trigger == "approve")
    for name in definition.guards:

        def failing(ctx, name=name):
            seen.append(name)
            return f"refused by {name}"

        monkeypatch.setitem(RULES.guards, name, failing)
    fire(session, other, "add_to_agenda", officer, meeting_id=meeting.id)
    with pytest.raises(GuardFailed, match=f"refused by {definition.guards[0]}") as excinfo:
        fire(session, other, "approve", officer, meeting_id=meeting.id, amount_pence=1000)
    assert excinfo.value.guard == definition.guards[0]
    assert seen == [definition.guards[0]]
    assert app.state == "approved"


def RULES_application_transitions():
    from grants_app.workflow import get_engine

    return get_engine().definition("application").transitions


def test_role_and_inputs_are_checked_by_the_machine_before_any_guard(make, session, monkeypatch):
    app = make.application()
    session.commit()
    called = []
    monkeypatch.setitem(RULES.guards, "fund_open", lambda ctx: called.append("fund_open"))
    with pytest.raises(PermissionDenied):
        fire(session, app, "submit", make.officer())
    with pytest.raises(InvalidInput):
        fire(session, app, "withdraw", make.applicant_of(app), reason=5)
    assert called == []


def test_refused_now_says_what_fire_would_and_changes_nothing(make, session):
    """The preview behind a button that waits: for a transition without inputs, the sentence fire()
    would refuse with; None for one whose guards judge what is typed, or that has no guards."""
    engine = get_engine()
    app, officer, _payment = suspended_after_a_payment(make)
    by_trigger = {t.trigger: t for t in engine.available_triggers(app, officer)}
    assert (
        by_trigger["demand_repayment"].guards
        and engine.refused_now(session, app, by_trigger["demand_repayment"], officer) is None
    )  # its guards read the amount typed
    before = (app.state, app.version, audit_count(session, app.id))
    preview = engine.refused_now(session, app, by_trigger["close"], officer)
    assert (app.state, app.version, audit_count(session, app.id)) == before
    with pytest.raises(GuardFailed) as refused:
        fire(session, app, "close", officer)
    assert preview == str(refused.value) and preview.startswith("£500.00 paid to the group is neither spent")
