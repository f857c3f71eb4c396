"""Who works on an organisation's applications: inviting a colleague (who joins only when they accept,
signed in with the invited address), withdrawing an invitation, and removing someone who has left.

People can belong to more than one organisation (the treasurer of two groups). An invitation never
makes anyone a member by itself: a member of group B who types the address of a member of group A
must not gain them, or show them B's drafts, without their consent.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from grants_app.dates import format_date
from grants_app.models import Organisation, OrganisationInvitation, OrganisationMember, User, utcnow
from grants_app.refusals import NotFound, Refusal
from grants_app.services import audit
from grants_app.services.notifications import partnership_name
from grants_app.services.outbox import queue_email
from grants_app.services.sign_in import placeholder_name
from grants_app.text import possessive

INVITATION_DAYS = 14


class InvitationError(Refusal):
    """The invitation cannot be used; the message says why, for the person holding the link."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_member(organisation: Organisation, actor: User) -> None:
    if not organisation.has_member(actor):
        raise NotFound("Not your organisation")


def invite_colleague(
    session: Session, actor: User, organisation: Organisation, *, email: str, name: str, settings: Any
) -> OrganisationInvitation:
    """Invite `email` (already normalised) to work on the organisation's applications, and email them a
    link that works for INVITATION_DAYS days. Nobody joins until they accept (accept_invitation). A
    newer invitation to the same address replaces an open one (its link stops working).

    NotFound if the actor is not a member; Refusal (field "email") for a staff address or someone who
    is already a member."""
    _require_member(organisation, actor)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None and user.is_staff:
        raise Refusal(errors={"email": "This is a staff address. Invite a member of your organisation"})
    if user is not None and organisation.has_member(user):
        raise Refusal(
            errors={"email": f"{email} can already work on {possessive(organisation.name)} applications"}
        )
    now = utcnow()
    for older in organisation.invitations:
        if older.email == email and older.is_open:
            older.withdrawn_at = now
    token = secrets.token_urlsafe(32)
    invitation = OrganisationInvitation(
        organisation=organisation,
        email=email,
        name=name,
        invited_by_id=actor.id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    audit.record(session, actor, "organisation", organisation.id, "invitation_sent", data={"email": email})
    base = getattr(settings, "public_base_url", "http://127.0.0.1:5000")
    queue_email(
        session,
        email,
        "invitation",
        inviter=actor.full_name,
        organisation=organisation.name,
        organisation_possessive=possessive(organisation.name),
        email=email,
        link=f"{base}/invitations/{token}",
        expires=format_date(invitation.expires_at),
        partnership=partnership_name(session),
    )
    return invitation


def invitation_for(session: Session, token: str) -> OrganisationInvitation:
    """The open, unexpired invitation the emailed link is for; InvitationError saying what is wrong."""
    row = None
    if token and len(token) <= 200:
        row = session.execute(
            select(OrganisationInvitation).where(OrganisationInvitation.token_hash == _hash(token))
        ).scalar_one_or_none()
    if row is None:
        raise InvitationError(
            "This invitation link is not valid. Check you copied all of it, or ask for a new invitation."
        )
    inviter = row.invited_by.full_name if row.invited_by else "the person who invited you"
    if row.withdrawn_at is not None:
        raise InvitationError(
            f"This invitation has been withdrawn or replaced by a newer one. Ask {inviter} if you should "
            f"work on {possessive(row.organisation.name)} applications."
        )
    if row.declined_at is not None:
        raise InvitationError(f"This invitation has been declined. Ask {inviter} to invite you again.")
    if row.accepted_at is None and row.has_expired(utcnow()):
        raise InvitationError(
            f"This invitation expired on {format_date(row.expires_at)}. Ask {inviter} to invite you again."
        )
    return row


def _for_the_invited_person(invitation: OrganisationInvitation, actor: User) -> None:
    if actor.email != invitation.email:
        raise InvitationError(
            f"This invitation is for {invitation.email}, but you are signed in as {actor.email}. "
            f"Sign out, then sign in with {invitation.email} to answer it."
        )


def accept_invitation(session: Session, actor: User, token: str) -> OrganisationInvitation:
    """The signed-in person joins the organisation they were invited to. Only the invited address can
    accept; a second click (or tab) finds them already a member and succeeds without change.

    InvitationError if the link is unknown, withdrawn, declined, expired, already used by someone
    else, or for another address."""
    invitation = invitation_for(session, token)
    _for_the_invited_person(invitation, actor)
    organisation = invitation.organisation
    now = utcnow()
    # A conditional update, so two clicks racing on the same link cannot both add the member.
    claimed = session.execute(
        update(OrganisationInvitation)
        .where(
            OrganisationInvitation.id == invitation.id,
            OrganisationInvitation.is_open,
        )
        .values(accepted_at=now, accepted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(invitation)
    already = session.execute(
        select(OrganisationMember).where(
            OrganisationMember.organisation_id == organisation.id, OrganisationMember.user_id == actor.id
        )
    ).scalar_one_or_none()
    if claimed != 1:
        if already is not None:
            return invitation
        raise InvitationError("This invitation has already been used. Ask for a new invitation.")
    if already is None:
        session.add(
            OrganisationMember(
                organisation_id=organisation.id, user_id=actor.id, invited_by_id=invitation.invited_by_id
            )
        )
        session.flush()
        session.refresh(organisation)
    data = {"email": actor.email}
    if actor.full_name == placeholder_name(actor.email) and invitation.name:
        # A new account is named after its address ("sam.c"); the colleagues listed them as "sam.c"
        # although the inviter had typed "Sam Colleague".
        data["full_name"] = [actor.full_name, invitation.name]
        actor.full_name = invitation.name
        session.flush()
    audit.record(session, actor, "organisation", organisation.id, "invitation_accepted", data=data)
    return invitation


def decline_invitation(session: Session, actor: User, token: str) -> OrganisationInvitation:
    """The invited person says no: the link stops working and the inviter no longer sees "Invited".
    InvitationError as for accept_invitation."""
    invitation = invitation_for(session, token)
    _for_the_invited_person(invitation, actor)
    if invitation.accepted_at is not None:
        raise InvitationError(
            f"You have already accepted this invitation. To leave {invitation.organisation.name}, ask a "
            "colleague there to remove you."
        )
    invitation.declined_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "organisation",
        invitation.organisation_id,
        "invitation_declined",
        data={"email": actor.email},
    )
    return invitation


def withdraw_invitation(
    session: Session, actor: User, organisation: Organisation, invitation_id: int
) -> OrganisationInvitation:
    """A member takes back an invitation nobody has answered yet (or clears one that has expired): its
    link stops working.

    NotFound if the actor is not a member or the invitation is not this organisation's; Refusal if it
    has already been accepted, declined or withdrawn (a page open from before says so)."""
    _require_member(organisation, actor)
    invitation = next((i for i in organisation.invitations if i.id == invitation_id), None)
    if invitation is None:
        raise NotFound("No such invitation for this organisation")
    if invitation.accepted_at is not None:
        raise Refusal(
            f"{invitation.name} has already accepted. To stop them working on these applications, remove them"
        )
    if invitation.declined_at is not None:
        raise Refusal(f"{invitation.name} has declined the invitation, so there is nothing to withdraw")
    if invitation.withdrawn_at is not None:
        raise Refusal(f"The invitation to {invitation.email} has already been withdrawn")
    invitation.withdrawn_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "organisation",
        organisation.id,
        "invitation_withdrawn",
        data={"email": invitation.email},
    )
    return invitation


def remove_colleague(session: Session, actor: User, organisation: Organisation, member_id: int) -> None:
    """Take someone off the organisation (a volunteer who has left); the last member cannot go."""
    _require_member(organisation, actor)
    member = next((m for m in organisation.members if m.id == member_id), None)
    if member is None:
        raise NotFound("No such member of this organisation")
    if len(organisation.members) == 1:
        raise Refusal(
            errors={
                "member": "You are the only person who can work on these applications, so you cannot be removed"
            }
        )
    email = member.user.email
    organisation.members.remove(member)
    session.flush()
    audit.record(session, actor, "organisation", organisation.id, "member_removed", data={"email": email})
