"""Votes on an agenda item at a JAG meeting.

While the meeting is open (from its start time until the item is closed with a decision), each member
recorded as present and voting who has declared no interest in the application votes for, against or
abstains in their own screen, with an optional comment, and may change their vote until the item is
closed. The officer may record a vote on a member's behalf (a member without a device); the vote keeps
who cast it. Every vote and change of vote is an audit event by the person who made it.

A vote takes the agenda item's row lock, as closing the item does (the `on_meeting_agenda` guard), so
two votes from the same member in two tabs end as one vote with the later choice, and the close counts
a tally no vote can slip into.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from grants_app.models import AgendaItem, Attendance, Meeting, Role, User, Vote, VoteChoice, utcnow
from grants_app.refusals import Refusal
from grants_app.services import audit, quorum
from grants_app.services.declarations import declaration_for
from grants_app.services.meetings import require_started
from grants_app.text import clean_typed_text

MAX_COMMENT = 2000
CHOICE_WORDS = {VoteChoice.FOR: "for", VoteChoice.AGAINST: "against", VoteChoice.ABSTAIN: "abstain"}


def parse_choice(choice: object) -> VoteChoice:
    """'for', 'against' or 'abstain' (as a form sends it) -> VoteChoice; Refusal for anything else."""
    if isinstance(choice, VoteChoice):
        return choice
    if isinstance(choice, str):
        try:
            return VoteChoice(choice.strip().lower())
        except ValueError:
            pass
    raise Refusal("Choose for, against or abstain", field="choice")


def clean_comment(comment: object) -> str:
    """The optional comment with a vote: up to 2,000 characters of plain text."""
    try:
        return clean_typed_text(comment, label="The comment", max_length=MAX_COMMENT)
    except ValueError as exc:
        raise Refusal(str(exc), field="comment") from None


def require_may_vote_for(actor: User, member: User) -> bool:
    """Whether the actor is voting for someone else (the officer on a member's behalf); Refusal if a
    non-officer tries to cast another member's vote (a forged form)."""
    if actor.id == member.id:
        return False
    if not actor.has_role(Role.OFFICER):
        raise Refusal("You can record only your own vote")
    return True


def require_no_interest_for(session: Session, member: User, application_id: int, on_behalf: bool) -> None:
    """Refusal unless the member has declared no interest in the application (worded for who asks)."""
    declaration = declaration_for(session, application_id, member.id)
    who = member.full_name if on_behalf else "You"
    if declaration is None:
        if on_behalf:
            raise Refusal(f"{who} has not yet declared whether they have an interest in this application")
        raise Refusal("Declare whether you have an interest in this application first")
    if declaration.has_interest:
        verb = "has" if on_behalf else "have"
        raise Refusal(f"{who} {verb} declared an interest in this application, so cannot vote on it")


def cast_vote(
    session: Session,
    actor: User,
    item: AgendaItem,
    member: User,
    choice: VoteChoice | str,
    comment: str = "",
) -> Vote:
    """Record `member`'s vote on the agenda item (replacing their earlier one), cast by the member or by
    the officer on their behalf; `comment` is optional (up to 2,000 characters).

    Takes the item's row lock first. Refusal if someone other than an officer casts another member's
    vote, the choice is not for/against/abstain, the item is closed, the meeting has not started or its
    minutes are approved, or the member is not present and voting, has not declared or has an interest.
    """
    on_behalf = require_may_vote_for(actor, member)
    choice = parse_choice(choice)
    comment = clean_comment(comment)
    locked = quorum.lock_agenda_item(session, item.id)
    if locked is None:
        raise Refusal("This item is no longer on the agenda")
    if locked.outcome is not None:
        raise Refusal("Voting on this item has closed: the decision is recorded")
    meeting = session.get(Meeting, locked.meeting_id)
    if meeting.minutes_approved_at is not None:
        raise Refusal("The minutes of this meeting are approved: votes can no longer change")
    require_started(meeting, "Votes")
    require_no_interest_for(session, member, locked.application_id, on_behalf)
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == locked.meeting_id, Attendance.user_id == member.id)
    ).scalar_one_or_none()
    if attendance is None or not attendance.present or not attendance.is_voting:
        who = f"{member.full_name} is" if on_behalf else "You are"
        raise Refusal(f"{who} not recorded as a voting member present at this meeting: ask the officer")

    vote = _existing(session, locked.id, member.id)
    previous = vote.choice if vote is not None else None
    if vote is not None and vote.choice == choice and vote.comment == comment and vote.cast_by_id == actor.id:
        return vote  # the same vote sent again (a double click): nothing changes, nothing to audit
    if vote is None:
        vote, created = _insert(session, locked.id, member.id, choice)
        if not created:  # a simultaneous request inserted it first: this one changes it
            previous = vote.choice
    vote.choice = choice
    vote.comment = comment
    vote.cast_by_id = actor.id
    vote.cast_at = utcnow()
    session.flush()
    record_vote_event(
        session,
        actor,
        member,
        locked.application_id,
        "vote",
        choice=choice,
        previous=previous,
        comment=comment,
        on_behalf=on_behalf,
        where={"meeting_id": locked.meeting_id, "agenda_item_id": locked.id},
    )
    return vote


def record_vote_event(
    session: Session,
    actor: User,
    member: User,
    application_id: int,
    action: str,
    *,
    choice: VoteChoice,
    previous: VoteChoice | None,
    comment: str,
    on_behalf: bool,
    where: dict,
) -> None:
    """The audit event of a vote on an application, by the person who cast it: `action` ("vote" or
    "written_vote"; "_changed" is added when it replaces an earlier choice), the member's choice, the
    earlier one, the comment, whether the officer recorded it for the member, and `where` (meeting and
    agenda item, or written procedure)."""
    data = {"member": member.audit_label, "member_id": member.id, "choice": choice.value, **where}
    if previous is not None:
        data["previous_choice"] = previous.value
    if comment:
        data["comment"] = comment
    if on_behalf:
        data["recorded_for"] = member.audit_label
    audit.record(
        session,
        actor,
        "application",
        application_id,
        action if previous is None else f"{action}_changed",
        data=data,
    )


def _existing(session: Session, item_id: int, member_id: int) -> Vote | None:
    return session.execute(
        select(Vote)
        .where(Vote.agenda_item_id == item_id, Vote.user_id == member_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _insert(session: Session, item_id: int, member_id: int, choice: VoteChoice) -> tuple[Vote, bool]:
    """A new vote row, and True; if a simultaneous request (SQLite has no row lock to wait on) inserted
    the same member's vote first, the unique constraint says so and that row comes back with False."""
    vote = Vote(agenda_item_id=item_id, user_id=member_id, choice=choice, cast_at=utcnow())
    try:
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError:
        existing = _existing(session, item_id, member_id)
        if existing is None:
            raise
        return existing, False
    return vote, True


def tally_fingerprint(votes: Iterable[tuple[int, VoteChoice | str]]) -> str:
    """A short fingerprint of who has voted what: the meeting page sends back the one it showed, so a
    decision is never recorded on a tally that changed after the officer looked at it."""
    text = ",".join(f"{user_id}:{VoteChoice(choice).value}" for user_id, choice in sorted(votes))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
