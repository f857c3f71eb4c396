"""Quorum and majority at a JAG meeting, for one agenda item.

The rule: at least the meeting's quorum_min_members voting members present, from at least its
quorum_min_agencies statutory partner agencies, who have declared that they have no interest in the
item (a member who declared an interest may not take part, and one who has not declared yet cannot
vote, so neither makes the item quorate); a motion carries with more votes for than against among
those members (abstentions count for neither). The agency is the one recorded on the attendance at the
time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import (
    AgendaItem,
    Attendance,
    DeclarationOfInterest,
    Meeting,
    PartnerAgency,
    Vote,
    VoteChoice,
)
from grants_app.text import plural


@dataclass(frozen=True)
class QuorumStatus:
    """Who counts towards quorum for an item, and what the meeting requires."""

    voting_member_ids: frozenset[int]
    agency_ids: frozenset[int]
    conflicted_member_ids: frozenset[int]
    required_members: int
    required_agencies: int
    # Present voting members who have not yet declared on this item (so cannot vote yet).
    undeclared_member_ids: frozenset[int] = frozenset()

    @property
    def is_quorate(self) -> bool:
        return (
            len(self.voting_member_ids) >= self.required_members
            and len(self.agency_ids) >= self.required_agencies
        )

    def explain(self) -> str:
        """Why the meeting is not quorate for this item, in a sentence."""
        members = plural(len(self.voting_member_ids), "voting member")
        agencies = plural(len(self.agency_ids), "partner agency", "partner agencies")
        waiting = (
            f" ({plural(len(self.undeclared_member_ids), 'member')} present "
            f"{'has' if len(self.undeclared_member_ids) == 1 else 'have'} not declared on this item yet)"
            if self.undeclared_member_ids
            else ""
        )
        return (
            f"The meeting is not quorate for this item: {members} from {agencies} present "
            f"{'has' if len(self.voting_member_ids) == 1 else 'have'} declared no interest; at least "
            f"{plural(self.required_members, 'member')} from "
            f"{plural(self.required_agencies, 'agency', 'agencies')} are needed{waiting}"
        )


def status_from(
    meeting: Meeting,
    voters: Iterable[tuple[int, int]],
    conflicted: frozenset[int],
    cleared: frozenset[int] | None = None,
) -> QuorumStatus:
    """The quorum for one item from the present voting members [(user_id, agency_id)] of statutory
    partner agencies: those in `cleared` (declared no interest in the item) count; `conflicted`
    (declared an interest) and the rest (not declared yet) do not. `cleared` None counts everyone
    without an interest (the meeting as a whole, no item)."""
    voters = list(voters)
    counted = [
        (user_id, agency_id)
        for user_id, agency_id in voters
        if user_id not in conflicted and (cleared is None or user_id in cleared)
    ]
    counted_ids = frozenset(u for u, _a in counted)
    return QuorumStatus(
        voting_member_ids=counted_ids,
        agency_ids=frozenset(a for _u, a in counted),
        conflicted_member_ids=conflicted,
        required_members=meeting.quorum_min_members,
        required_agencies=meeting.quorum_min_agencies,
        undeclared_member_ids=frozenset(
            u for u, _a in voters if u not in counted_ids and u not in conflicted
        ),
    )


def declared_user_ids(session: Session, application_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """(members who declared no interest, members who declared an interest) in the application."""
    rows = session.execute(
        select(DeclarationOfInterest.user_id, DeclarationOfInterest.has_interest).where(
            DeclarationOfInterest.application_id == application_id
        )
    ).all()
    return (
        frozenset(user_id for user_id, has_interest in rows if not has_interest),
        frozenset(user_id for user_id, has_interest in rows if has_interest),
    )


def present_voters(session: Session, meeting_id: int) -> list[tuple[int, int]]:
    """[(user_id, agency_id)] of members present and voting for a statutory partner agency."""
    rows = session.execute(
        select(Attendance.user_id, Attendance.agency_id)
        .join(PartnerAgency, PartnerAgency.id == Attendance.agency_id)
        .where(
            Attendance.meeting_id == meeting_id,
            Attendance.present.is_(True),
            Attendance.is_voting.is_(True),
            PartnerAgency.is_statutory_partner.is_(True),
        )
    ).all()
    return [(r.user_id, r.agency_id) for r in rows]


def quorum_for(session: Session, meeting: Meeting, application_id: int | None = None) -> QuorumStatus:
    """The quorum at `meeting` for one application's item (two queries)."""
    if application_id is None:
        return status_from(meeting, present_voters(session, meeting.id), frozenset())
    cleared, conflicted = declared_user_ids(session, application_id)
    return status_from(meeting, present_voters(session, meeting.id), conflicted, cleared)


@dataclass(frozen=True)
class VoteCount:
    """Votes for, against and abstaining among the members who count."""

    in_favour: int
    against: int
    abstain: int

    @property
    def carried(self) -> bool:
        return self.in_favour > self.against


def tally(votes: Iterable[tuple[int, VoteChoice]], eligible_ids: frozenset[int]) -> VoteCount:
    """Count [(user_id, choice)] of the members in `eligible_ids` only."""
    counted = [choice for user_id, choice in votes if user_id in eligible_ids]
    return VoteCount(
        in_favour=sum(c == VoteChoice.FOR for c in counted),
        against=sum(c == VoteChoice.AGAINST for c in counted),
        abstain=sum(c == VoteChoice.ABSTAIN for c in counted),
    )


def votes_on(session: Session, item_id: int) -> dict[int, VoteChoice]:
    """{member id: choice} of every vote on the agenda item, as the database has it now (one query)."""
    rows = session.execute(select(Vote.user_id, Vote.choice).where(Vote.agenda_item_id == item_id)).all()
    return {r.user_id: r.choice for r in rows}


def count_votes(session: Session, item: AgendaItem, eligible_ids: frozenset[int]) -> VoteCount:
    """The votes cast on an agenda item by the members in `eligible_ids` (one query)."""
    rows = session.execute(select(Vote.user_id, Vote.choice).where(Vote.agenda_item_id == item.id)).all()
    return tally(((r.user_id, r.choice) for r in rows), eligible_ids)


def open_agenda_item(
    session: Session, meeting_id: int, application_id: int, *, lock: bool = False
) -> AgendaItem | None:
    """The application's undecided item on the meeting's agenda, if there is one.

    lock=True takes the item's row lock (SELECT ... FOR UPDATE on PostgreSQL) and reloads it, so a vote
    and the close of the item are taken one after the other: the close counts every vote that got in
    first, and a vote that comes after the close sees the item decided. Held until the transaction ends.
    """
    stmt = select(AgendaItem).where(
        AgendaItem.meeting_id == meeting_id,
        AgendaItem.application_id == application_id,
        AgendaItem.outcome.is_(None),
    )
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.execute(stmt).scalar_one_or_none()


def lock_agenda_item(session: Session, item_id: int) -> AgendaItem | None:
    """The agenda item, reloaded under its row lock (see open_agenda_item), whether decided or not."""
    return session.execute(
        select(AgendaItem)
        .where(AgendaItem.id == item_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
