"""Saving sections of a draft: who may edit, the fund's rules, the audit trail, and task-list statuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from grants_app.models import AuditEvent, OrganisationMember, Priority
from grants_app.refusals import NotFound, Refusal
from grants_app.services import application_form as svc
from grants_app.services.application_checks import missing_sections
from grants_app.web.tasks import COMPLETED, section_statuses
from grants_app.workflow import fire


def test_first_application_creates_the_organisation_and_membership(session, make, ref):
    user = make.user("applicant")
    app = svc.start_with_organisation(
        session,
        user,
        ref.fund,
        {"name": "New Group", "org_type": "cic", "postcode": "SG1 1AA"},
        {"org_type": "cic"},
    )
    assert app.state == "draft" and app.organisation.name == "New Group"
    assert app.eligibility_answers == {"org_type": "cic"}
    member = session.execute(select(OrganisationMember)).scalar_one()
    assert member.user_id == user.id
    actions = {e.action for e in session.execute(select(AuditEvent)).scalars()}
    assert {"create"} <= actions
    second = svc.start_with_organisation(session, user, ref.fund, None)
    assert second.organisation_id == app.organisation_id


def test_only_members_edit_and_only_drafts(session, make, ref):
    app = make.application(complete=False)
    stranger = make.user("applicant")
    with pytest.raises(NotFound):
        svc.save_declaration(session, stranger, app, name="X", position="Y")
    complete = make.submitted()
    with pytest.raises(svc.NotEditable):
        svc.save_declaration(session, make.applicant_of(complete), complete, name="X", position="Y")


def test_priorities_rules(session, make, ref):
    app = make.application(complete=False)
    user = make.applicant_of(app)
    p1, p2 = ref.priorities[:2]
    with pytest.raises(Refusal) as exc:
        svc.save_priorities(session, user, app, [])
    assert "priorities" in exc.value.errors
    with pytest.raises(Refusal) as exc:
        svc.save_priorities(
            session, user, app, [svc.PriorityChoice(p1.id, 60, "a"), svc.PriorityChoice(p2.id, 30, "b")]
        )
    assert "add up to 100" in exc.value.errors["priorities"]
    other = Priority(strategy_period=ref.fund.strategy_period, number=9, short_name="x", title="Not in fund")
    session.add(other)
    session.flush()
    with pytest.raises(Refusal):
        svc.save_priorities(session, user, app, [svc.PriorityChoice(other.id, 100, "a")])
    svc.save_priorities(session, user, app, [svc.PriorityChoice(p1.id, None, "helps")])
    assert [(s.priority_id, s.percentage) for s in app.priority_splits] == [(p1.id, 100)]


def test_budget_lines_respect_the_fund(session, make, ref):
    app = make.application(complete=False)
    user = make.applicant_of(app)
    with pytest.raises(Refusal):
        svc.add_budget_line(session, user, app, description="x", category_id=999_999, amount_pence=100)
    with pytest.raises(Refusal):
        svc.add_budget_line(
            session,
            user,
            app,
            description="x",
            category_id=ref.categories[0].id,
            amount_pence=ref.fund.max_award_pence + 1,
        )
    line = svc.add_budget_line(
        session, user, app, description="x", category_id=ref.categories[0].id, amount_pence=500
    )
    assert app.budget_total_pence == 500
    svc.remove_budget_line(session, user, app, line.id)
    assert app.budget_total_pence == 0
    with pytest.raises(NotFound):
        svc.remove_budget_line(session, user, app, line.id)


def test_task_list_agrees_with_the_submit_guard(session, make):
    complete = make.application()
    assert missing_sections(complete) == []
    assert all(s.status == COMPLETED for s in section_statuses(complete))
    fire(session, complete, "submit", make.applicant_of(complete))  # the guard agrees
    draft = make.application(complete=False)
    statuses = {s.key: s.status for s in section_statuses(draft)}
    assert statuses["organisation"] == COMPLETED
    assert all(
        statuses[k] != COMPLETED for k in ("project", "priorities", "budget", "documents", "declaration")
    )
    assert len(missing_sections(draft)) >= 5
