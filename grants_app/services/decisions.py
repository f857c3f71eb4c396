"""What the JAG (or the officer) decides about an application: through the workflow, whose guards
check the meeting has started, its minutes are open, the item is on its agenda, quorum, majority and
budget, on every path (meeting page, application page, CLI, tests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Application, AuditEvent, Meeting, Role, User
from grants_app.refusals import Refusal
from grants_app.services import quorum
from grants_app.services.permissions import require_role
from grants_app.services.votes import cast_vote, tally_fingerprint
from grants_app.workflow import fire

# The meeting page's outcomes that are workflow triggers of the same name.
DECISION_TRIGGERS = frozenset({"approve", "decline", "request_information"})


def take_action(
    session: Session,
    actor: User,
    obj: Any,
    trigger: str,
    *,
    expected_version: int | None = None,
    **inputs: Any,
) -> AuditEvent:
    """Any workflow action a staff member takes from an object's page: the trigger and its inputs, as
    the workflow file names them. Every rule is a guard, so this adds none of its own."""
    return fire(session, obj, trigger, actor, expected_version=expected_version, **inputs)


def record_decision(
    session: Session,
    actor: User,
    application: Application,
    meeting: Meeting,
    *,
    outcome: str,
    amount_pence: int | None = None,
    conditions: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> AuditEvent:
    """Record what the JAG decided on an agenda item: `outcome` is approve (amount_pence, conditions),
    decline (reason) or request_information (reason). Refusal if the outcome is unknown; the workflow's
    guards refuse the rest."""
    trigger = outcome
    if trigger not in DECISION_TRIGGERS:
        raise Refusal("Choose approve, decline or ask for more information", field="outcome")
    inputs: dict[str, Any] = {"meeting_id": meeting.id}
    if trigger == "approve":
        inputs.update(amount_pence=amount_pence, conditions=conditions)
    else:
        inputs["reason"] = reason
    return take_action(session, actor, application, trigger, expected_version=expected_version, **inputs)


def defer_item(
    session: Session,
    actor: User,
    application: Application,
    *,
    reason: str,
    expected_version: int | None = None,
) -> AuditEvent:
    """Take the application off the agenda, to come back to a later meeting."""
    return take_action(
        session, actor, application, "remove_from_agenda", expected_version=expected_version, reason=reason
    )


def decide_agenda_item(
    session: Session,
    actor: User,
    meeting: Meeting,
    application: Application,
    *,
    votes: dict[int, str],
    outcome: str,
    amount_pence: int | None = None,
    conditions: str = "",
    reason: str = "",
    expected_version: int | None = None,
    tally_seen: str | None = None,
) -> str:
    """The meeting page's form for one item (the officer closing it): votes the officer records on
    members' behalf ({member id: choice}; members normally vote in their own screens), then the outcome:
    approve, decline, request_information, defer, or votes_only (save the votes alone).

    `tally_seen` is the fingerprint of the votes the page showed (votes.tally_fingerprint): if any vote
    changed since, nothing is recorded and the officer is asked to look again. Votes and decision are
    one unit of work: a refused decision keeps neither. Returns what was done ("votes saved" or
    "decision recorded"). Refusal if the item is not open on this meeting's agenda.
    """
    require_role(actor, Role.OFFICER)
    # Locks in the order every path takes them (the application, then its agenda item), so a close
    # from this page and one from the application page never wait on each other in a circle.
    session.execute(select(Application.id).where(Application.id == application.id).with_for_update())
    item = quorum.open_agenda_item(session, meeting.id, application.id, lock=True)
    if item is None:
        raise Refusal("This item has already been decided or is not on this agenda")
    current = quorum.votes_on(session, item.id)
    if tally_seen is not None and tally_seen != tally_fingerprint(current.items()):
        raise Refusal(
            "Members' votes changed while you were looking at the page: nothing was recorded. "
            "Check the tally below and record the decision again"
        )
    for member_id, choice in votes.items():
        if not choice or current.get(member_id) == choice:
            continue
        member = session.get(User, member_id)
        if member is None:
            raise Refusal("Choose votes for members of this meeting")
        cast_vote(session, actor, item, member, choice)
    if outcome == "votes_only":
        return "votes saved"
    if outcome == "defer":
        defer_item(session, actor, application, reason=reason, expected_version=expected_version)
    else:
        record_decision(
            session,
            actor,
            application,
            meeting,
            outcome=outcome,
            amount_pence=amount_pence,
            conditions=conditions,
            reason=reason,
            expected_version=expected_version,
        )
    return "decision recorded"
