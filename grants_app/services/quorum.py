"""Quorum and majority at a JAG meeting, for one agenda item (members with an interest do not count)."""

from __future__ import annotations

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


@dataclass(frozen=True)
class QuorumStatus:
    voting_member_ids: frozenset[int]
    agency_ids: frozenset[int]
    conflicted_member_ids: frozenset[int]
    required_members: int
    required_agencies: int

    @property
    def is_quorate(self) -> bool:
        return (
            len(self.voting_member_ids) >= self.required_members
            and len(self.agency_ids) >= self.required_agencies
        )

    def explain(self) -> str:
        return (
            f"The meeting is not quorate for this item: {len(self.voting_member_ids)} voting member(s) "
            f"from {len(self.agency_ids)} partner agency(ies) without an interest are present; "
            f"at least {self.required_members} members from {self.required_agencies} agencies are needed"
        )


def conflicted_user_ids(session: Session, application_id: int) -> frozenset[int]:
    rows = session.execute(
        select(DeclarationOfInterest.user_id).where(
            DeclarationOfInterest.application_id == application_id,
            DeclarationOfInterest.has_interest.is_(True),
        )
    ).scalars()
    return frozenset(rows)


def quorum_for(session: Session, meeting: Meeting, application_id: int | None = None) -> QuorumStatus:
    conflicted = conflicted_user_ids(session, application_id) if application_id else frozenset()
    rows = session.execute(
        select(Attendance.user_id, Attendance.agency_id)
        .join(PartnerAgency, PartnerAgency.id == Attendance.agency_id)
        .where(
            Attendance.meeting_id == meeting.id,
            Attendance.present.is_(True),
            Attendance.is_voting.is_(True),
            PartnerAgency.is_statutory_partner.is_(True),
        )
    ).all()
    members = frozenset(r.user_id for r in rows if r.user_id not in conflicted)
    agencies = frozenset(r.agency_id for r in rows if r.user_id not in conflicted)
    return QuorumStatus(
        voting_member_ids=members,
        agency_ids=agencies,
        conflicted_member_ids=conflicted,
        required_members=meeting.quorum_min_members,
        required_agencies=meeting.quorum_min_agencies,
    )


@dataclass(frozen=True)
class VoteCount:
    in_favour: int
    against: int
    abstain: int

    @property
    def carried(self) -> bool:
        return self.in_favour > self.against


def count_votes(session: Session, item: AgendaItem, eligible_ids: frozenset[int]) -> VoteCount:
    votes = session.execute(select(Vote).where(Vote.agenda_item_id == item.id)).scalars().all()
    counted = [v for v in votes if v.user_id in eligible_ids]
    return VoteCount(
        in_favour=sum(v.choice == VoteChoice.FOR for v in counted),
        against=sum(v.choice == VoteChoice.AGAINST for v in counted),
        abstain=sum(v.choice == VoteChoice.ABSTAIN for v in counted),
    )


def open_agenda_item(session: Session, meeting_id: int, application_id: int) -> AgendaItem | None:
    return session.execute(
        select(AgendaItem).where(
            AgendaItem.meeting_id == meeting_id,
            AgendaItem.application_id == application_id,
            AgendaItem.outcome.is_(None),
        )
    ).scalar_one_or_none()
