"""Votes on an agenda item at a JAG meeting: each voting member present, without an interest, votes
for, against or abstains; the officer may record a vote on a member's behalf."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import AgendaItem, Attendance, Role, User, Vote, VoteChoice, utcnow
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.declarations import require_no_interest
from grants_app.services.meetings import require_started
from grants_app.services.permissions import require_role


def cast_vote(
    session: Session, actor: User, item: AgendaItem, member: User, choice: VoteChoice | str
) -> Vote:
    """Record `member`'s vote on the item (replacing an earlier one), by the member or the officer.

    Refusal if someone else's vote is recorded by a non-officer, the choice is not for/against/abstain,
    the item is decided, the meeting has not started or its minutes are approved, or the member is not
    present and voting or has an interest (or has not declared).
    """
    if actor.id != member.id:
        require_role(actor, Role.OFFICER)
    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise Refusal("Choose for, against or abstain") from None
    if item.outcome is not None:
        raise Refusal("This item has already been decided")
    meeting = item.meeting
    if meeting.minutes_approved_at is not None:
        raise Refusal("The minutes of this meeting are approved: votes can no longer change")
    require_started(meeting, "Votes")
    require_no_interest(session, member, item.application)
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == item.meeting_id, Attendance.user_id == member.id)
    ).scalar_one_or_none()
    if attendance is None or not attendance.present or not attendance.is_voting:
        raise Refusal(f"{member.full_name} is not recorded as a voting member present at this meeting")
    vote = session.execute(
        select(Vote).where(Vote.agenda_item_id == item.id, Vote.user_id == member.id)
    ).scalar_one_or_none()
    if vote is None:
        vote = Vote(agenda_item_id=item.id, user_id=member.id, choice=choice)
        session.add(vote)
    vote.choice = choice
    vote.cast_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        item.application_id,
        "vote",
        data={"member": member.audit_label, "choice": choice.value, "meeting_id": item.meeting_id},
    )
    return vote
