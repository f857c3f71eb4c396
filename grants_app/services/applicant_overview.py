"""What an applicant's applications page shows, read as plain rows: each organisation they work for
with its people, its open invitations and its applications, and the invitations waiting for them.

The page is the one every applicant opens after signing in. Read as ORM models it spent about 8 ms
of a 14 ms request building objects it only displays (bench/load.py); these are four fixed
statements, built once, whose rows go straight into small frozen records. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import DateTime, bindparam, select
from sqlalchemy.orm import Session, aliased

from grants_app.dates import as_utc
from grants_app.models import (
    Application,
    Fund,
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
    User,
    utcnow,
)
from grants_app.models.fund import fund_label
from grants_app.workflow import get_engine
from grants_app.workflow.definition import TERMINAL_TAG

# The 20 newest waiting invitations are plenty for a page (an address is rarely invited twice).
INVITATIONS_TO_ME_SHOWN = 20

_USER_ID = bindparam("user_id")
_mine = select(OrganisationMember.organisation_id).where(OrganisationMember.user_id == _USER_ID)
_colleague = aliased(User)
_inviter = aliased(User)

_ORGANISATIONS_AND_PEOPLE = (
    select(
        Organisation.id,
        Organisation.name,
        OrganisationMember.id,
        _colleague.full_name,
        _colleague.email,
    )
    .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
    .join(_colleague, _colleague.id == OrganisationMember.user_id)
    .where(Organisation.id.in_(_mine))
    .order_by(Organisation.name, Organisation.id, _colleague.full_name, OrganisationMember.id)
)

_INVITATIONS_SENT = (
    select(
        OrganisationInvitation.id,
        OrganisationInvitation.organisation_id,
        OrganisationInvitation.name,
        OrganisationInvitation.email,
        OrganisationInvitation.expires_at,
    )
    .where(OrganisationInvitation.organisation_id.in_(_mine), OrganisationInvitation.is_open)
    .order_by(OrganisationInvitation.id)
)

_APPLICATIONS = (
    select(
        Application.organisation_id,
        Application.reference,
        Application.title,
        Application.workflow_name,
        Application.state,
        Application.state_changed_at,
        Fund.name,
        Fund.financial_year,
    )
    .join(Fund, Fund.id == Application.fund_id)
    .where(Application.organisation_id.in_(_mine))
    .order_by(Application.created_at.desc(), Application.id.desc())
)

_INVITATIONS_TO_ME = (
    select(
        OrganisationInvitation.id,
        OrganisationInvitation.email,
        OrganisationInvitation.expires_at,
        Organisation.name,
        _inviter.full_name,
    )
    .join(Organisation, Organisation.id == OrganisationInvitation.organisation_id)
    .join(User, User.email == OrganisationInvitation.email)
    .outerjoin(_inviter, _inviter.id == OrganisationInvitation.invited_by_id)
    .where(
        User.id == _USER_ID,
        OrganisationInvitation.is_open,
        OrganisationInvitation.expires_at > bindparam("now", type_=DateTime()),
    )
    .order_by(OrganisationInvitation.id)
    .limit(INVITATIONS_TO_ME_SHOWN)
)


@dataclass(frozen=True)
class Colleague:
    """Someone who can work on the organisation's applications (member_id: their membership's id)."""

    member_id: int
    full_name: str
    email: str


@dataclass(frozen=True)
class SentInvitation:
    """An invitation the organisation sent that nobody has answered or withdrawn (it may have expired)."""

    id: int
    name: str
    email: str
    expires_at: datetime  # UTC

    def has_expired(self, now: datetime) -> bool:
        return self.expires_at <= now


@dataclass(frozen=True)
class ApplicationLine:
    """One application as the applicant's list shows it: the applicant's label for its state, and
    whether that state is final (`finished`, shown grey)."""

    reference: str
    title: str
    fund: str
    status: str
    finished: bool
    state_changed_at: datetime  # UTC


@dataclass(frozen=True)
class OrganisationOverview:
    """One organisation the applicant works for, with its people by name, its open invitations oldest
    first and its applications newest first."""

    id: int
    name: str
    colleagues: list[Colleague] = field(default_factory=list)
    invitations: list[SentInvitation] = field(default_factory=list)
    applications: list[ApplicationLine] = field(default_factory=list)


@dataclass(frozen=True)
class InvitationToMe:
    """An open, unexpired invitation to the applicant's own address from another organisation."""

    id: int
    email: str
    expires_at: datetime  # UTC
    organisation_name: str
    invited_by: str | None  # their name, or None when that account has gone


def organisations_overview(session: Session, user_id: int) -> list[OrganisationOverview]:
    """Every organisation `user_id` works for, by name, with its colleagues, open invitations and
    applications (three queries, however many organisations and applications).

    On PostgreSQL each query sees what was committed when it ran: for someone who joins an
    organisation while the page is read (accepting an invitation in another tab), the later queries
    find rows of an organisation the first did not list. Those wait for the next page load."""
    organisations: dict[int, OrganisationOverview] = {}
    params = {"user_id": user_id}
    for org_id, org_name, member_id, full_name, email in session.execute(_ORGANISATIONS_AND_PEOPLE, params):
        overview = organisations.get(org_id)
        if overview is None:
            overview = organisations[org_id] = OrganisationOverview(org_id, org_name)
        overview.colleagues.append(Colleague(member_id, full_name, email))
    for invitation_id, org_id, name, email, expires_at in session.execute(_INVITATIONS_SENT, params):
        if org_id in organisations:
            organisations[org_id].invitations.append(
                SentInvitation(invitation_id, name, email, as_utc(expires_at))
            )
    _add_applications(organisations, session.execute(_APPLICATIONS, params).all())
    return list(organisations.values())


def _add_applications(organisations: dict[int, OrganisationOverview], rows: Sequence) -> None:
    engine = get_engine()
    for org_id, reference, title, workflow_name, state, changed_at, fund_name, financial_year in rows:
        if org_id not in organisations:
            continue
        definition = engine.definition(workflow_name)
        organisations[org_id].applications.append(
            ApplicationLine(
                reference=reference,
                title=title,
                fund=fund_label(fund_name, financial_year),
                status=definition.applicant_label(state),
                finished=definition.state_tagged(state, TERMINAL_TAG),
                state_changed_at=as_utc(changed_at),
            )
        )


def invitations_to_me(session: Session, user_id: int) -> list[InvitationToMe]:
    """Open, unexpired invitations to `user_id`'s address, oldest first (at most
    INVITATIONS_TO_ME_SHOWN)."""
    rows = session.execute(_INVITATIONS_TO_ME, {"user_id": user_id, "now": utcnow()})
    return [
        InvitationToMe(i, email, as_utc(expires), org, inviter) for i, email, expires, org, inviter in rows
    ]
