"""(state, trigger, role) over the whole application workflow: allowed or refused, exactly as specified.

The table below is the specification written out by hand; if someone edits workflows/application.yaml
so that a role gains or loses an action, this test fails and the change has to be made on purpose.
"""

from __future__ import annotations

import itertools

import pytest

from grants_app.models import Application, Organisation, OrganisationMember, Role, User
from grants_app.workflow import SYSTEM, InvalidTransition, PermissionDenied, get_engine

PRE_FUNDING = [
    "draft",
    "submitted",
    "information_requested",
    "eligible",
    "on_agenda",
    "approved",
    "offer_issued",
]
SPEC: dict[str, tuple[list[str], set[str]]] = {
    "submit": (["draft"], {"applicant"}),
    "pass_screening": (["submitted"], {"officer"}),
    "fail_screening": (["submitted"], {"officer"}),
    "request_information": (["submitted", "eligible", "on_agenda"], {"officer"}),
    "resubmit": (["information_requested"], {"applicant"}),
    "add_to_agenda": (["eligible"], {"officer"}),
    "remove_from_agenda": (["on_agenda"], {"officer"}),
    "approve": (["on_agenda"], {"officer"}),
    "decline": (["on_agenda"], {"officer"}),
    "approve_delegated": (["eligible"], {"officer"}),
    "issue_offer": (["approved"], {"officer"}),
    "accept_offer": (["offer_issued"], {"applicant"}),
    "decline_offer": (["offer_issued"], {"applicant"}),
    "lapse_offer": (["offer_issued"], {"officer", "system"}),
    "start_delivery": (["offer_accepted"], {"officer", "finance", "system"}),
    "suspend": (["offer_accepted", "in_delivery"], {"officer"}),
    "reinstate": (["suspended"], {"officer"}),
    # Only the monitoring return workflow settles a grant (settle_grant_if_final), as the system.
    "accept_final_return": (["offer_accepted", "in_delivery"], {"system"}),
    "demand_repayment": (
        ["final_return_accepted", "suspended", "repayment_due"],
        {"officer", "finance", "system"},
    ),
    "close": (["final_return_accepted", "repayment_due", "suspended"], {"officer", "finance"}),
    "withdraw": (PRE_FUNDING + ["in_written_procedure"], {"applicant", "officer"}),
    # Written procedure: the officer circulates it; only the system's close decides or refers it.
    "put_to_written_procedure": (["eligible"], {"officer"}),
    "approve_by_written_procedure": (["in_written_procedure"], {"system"}),
    "decline_by_written_procedure": (["in_written_procedure"], {"system"}),
    "refer_to_meeting": (["in_written_procedure"], {"system"}),
    "leave_written_procedure": (["in_written_procedure"], {"officer", "system"}),
}
ROLES = [
    "applicant",
    "outsider_applicant",
    "officer",
    "jag_member",
    "finance",
    "rag_viewer",
    "admin",
    "system",
]


@pytest.fixture(scope="module")
def engine(app):
    return get_engine()


def _actor(role: str, org: Organisation):
    if role == "system":
        return SYSTEM
    user = User(email=f"{role}@example.org", full_name=role)
    user.grant(Role.APPLICANT if role == "outsider_applicant" else Role(role))
    if role == "applicant":
        org.members.append(OrganisationMember(user=user))
    return user


def test_spec_covers_every_trigger_and_state(engine):
    definition = engine.definition("application")
    assert set(SPEC) == {t.trigger for t in definition.transitions}


def test_state_trigger_role_table(engine):
    definition = engine.definition("application")
    org = Organisation(name="Group")
    actors = {role: _actor(role, org) for role in ROLES}
    checked = 0
    for state, trigger, role in itertools.product(definition.states, SPEC, ROLES):
        app = Application(organisation=org, workflow_name="application", state=state)
        sources, roles = SPEC[trigger]
        allowed = state in sources and role in roles
        if allowed:
            assert engine.resolve(app, trigger, actors[role]).trigger == trigger, (state, trigger, role)
        elif state not in sources:
            with pytest.raises(InvalidTransition):
                engine.resolve(app, trigger, actors[role])
        else:
            with pytest.raises(PermissionDenied):
                engine.resolve(app, trigger, actors[role])
                pytest.fail(f"{role} allowed to {trigger} from {state}")
        # the screens offer exactly what resolve() allows
        offered = {t.trigger for t in engine.available_triggers(app, actors[role])}
        assert (trigger in offered) == allowed, (state, trigger, role)
        checked += 1
    assert checked == len(definition.states) * len(SPEC) * len(ROLES)


def test_unknown_trigger_is_refused_with_a_readable_message(engine):
    app = Application(organisation=Organisation(name="G"), workflow_name="application", state="draft")
    with pytest.raises(InvalidTransition, match="'teleport' is not an action"):
        engine.resolve(app, "teleport", SYSTEM)
    with pytest.raises(InvalidTransition, match="You cannot 'Pass screening' when it is 'Draft'"):
        engine.resolve(app, "pass_screening", SYSTEM)
