"""JAG meetings: creating them, attendance, agendas, declarations of interest, scores and votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import (
    AgendaItem,
    Application,
    Attendance,
    DeclarationOfInterest,
    Meeting,
    Role,
    Score,
    ScoringCriterion,
    User,
    Vote,
    VoteChoice,
    utcnow,
)
from grants_app.services import audit
from grants_app.workflow import fire


class MeetingRuleBroken(Exception):
    """A meeting rule refused the action; the message is for the person."""


def _require(actor: User, *roles: Role) -> None:
    if not actor.has_role(*roles):
        raise MeetingRuleBroken("You do not have permission to do that")


def create_meeting(
    session: Session,
    actor: User,
    *,
    title: str,
    starts_at: datetime,
    location: str = "",
    quorum_min_members: int = 3,
    quorum_min_agencies: int = 2,
    chair: User | None = None,
) -> Meeting:
    _require(actor, Role.OFFICER)
    if not title.strip():
        raise MeetingRuleBroken("Enter a title for the meeting")
    meeting = Meeting(
        title=title.strip(),
        starts_at=starts_at,
        location=location.strip(),
        quorum_min_members=quorum_min_members,
        quorum_min_agencies=quorum_min_agencies,
        chair_id=chair.id if chair is not None else None,
    )
    session.add(meeting)
    session.flush()
    audit.record(session, actor, "meetings", meeting.id, "create", data=audit.snapshot(meeting))
    return meeting


def record_attendance(
    session: Session,
    actor: User,
    meeting: Meeting,
    member: User,
    *,
    present: bool = True,
    voting: bool = True,
) -> Attendance:
    _require(actor, Role.OFFICER)
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.user_id == member.id)
    ).scalar_one_or_none()
    if attendance is None:
        attendance = Attendance(meeting_id=meeting.id, user_id=member.id, agency_id=member.agency_id)
        session.add(attendance)
    attendance.present = present
    attendance.is_voting = voting and member.has_role(Role.JAG_MEMBER)
    session.flush()
    audit.record(
        session,
        actor,
        "meetings",
        meeting.id,
        "attendance",
        data={"member": member.audit_label, "present": present, "voting": attendance.is_voting},
    )
    return attendance


def add_to_agenda(session: Session, actor: User, applications: list[Application], meeting: Meeting) -> None:
    """Put applications on a meeting's agenda: all of them, or (the caller rolling back) none."""
    for application in applications:
        fire(session, application, "add_to_agenda", actor, meeting_id=meeting.id)


def declaration_for(session: Session, application_id: int, user_id: int) -> DeclarationOfInterest | None:
    return session.execute(
        select(DeclarationOfInterest).where(
            DeclarationOfInterest.application_id == application_id,
            DeclarationOfInterest.user_id == user_id,
        )
    ).scalar_one_or_none()


def declare_interest(
    session: Session,
    actor: User,
    application: Application,
    *,
    has_interest: bool,
    nature: str = "",
    meeting: Meeting | None = None,
) -> DeclarationOfInterest:
    """A JAG member's declaration. Once made it stands: an interest can be added, never withdrawn."""
    _require(actor, Role.JAG_MEMBER)
    nature = (nature or "").strip()
    if has_interest and not nature:
        raise MeetingRuleBroken("Describe the interest you are declaring")
    if len(nature) > 2000:
        raise MeetingRuleBroken("Describe the interest in 2,000 characters or fewer")
    declaration = declaration_for(session, application.id, actor.id)
    if declaration is not None:
        if declaration.has_interest or not has_interest:
            raise MeetingRuleBroken("You have already made a declaration for this application")
        declaration.has_interest = True
        declaration.nature = nature
        declaration.declared_at = utcnow()
    else:
        declaration = DeclarationOfInterest(
            application_id=application.id,
            user_id=actor.id,
            meeting_id=meeting.id if meeting else None,
            has_interest=has_interest,
            nature=nature,
            declared_at=utcnow(),
        )
        session.add(declaration)
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "declare_interest",
        reason=nature,
        data={"has_interest": has_interest},
    )
    return declaration


def _require_declared_without_interest(session: Session, actor: User, application: Application) -> None:
    declaration = declaration_for(session, application.id, actor.id)
    if declaration is None:
        raise MeetingRuleBroken("Declare whether you have an interest in this application first")
    if declaration.has_interest:
        raise MeetingRuleBroken(
            "You have declared an interest in this application, so you cannot score or vote on it"
        )


SCOREABLE_STATES = frozenset({"eligible", "on_agenda"})


def record_score(
    session: Session,
    actor: User,
    application: Application,
    criterion: ScoringCriterion,
    *,
    score: int,
    justification: str,
) -> Score:
    _require(actor, Role.JAG_MEMBER)
    _require_declared_without_interest(session, actor, application)
    if application.state not in SCOREABLE_STATES:
        raise MeetingRuleBroken("Applications can be scored only after screening and before the decision")
    if criterion.fund_id != application.fund_id:
        raise MeetingRuleBroken("That criterion does not belong to this application's fund")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= criterion.max_score:
        raise MeetingRuleBroken(f"Score {criterion.name} from 0 to {criterion.max_score}")
    justification = (justification or "").strip()
    if not justification:
        raise MeetingRuleBroken(f"Explain your score for {criterion.name}")
    if len(justification) > 5000:
        raise MeetingRuleBroken("Keep each justification to 5,000 characters or fewer")
    row = session.execute(
        select(Score).where(
            Score.application_id == application.id,
            Score.user_id == actor.id,
            Score.criterion_id == criterion.id,
        )
    ).scalar_one_or_none()
    if row is None:
        row = Score(application_id=application.id, user_id=actor.id, criterion_id=criterion.id)
        session.add(row)
    row.score = score
    row.justification = justification
    row.scored_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "score",
        data={"criterion": criterion.name, "score": score, "justification": justification},
    )
    return row


def cast_vote(
    session: Session, actor: User, item: AgendaItem, member: User, choice: VoteChoice | str
) -> Vote:
    """The officer records each member's vote at the meeting (or a member records their own)."""
    if actor.id != member.id:
        _require(actor, Role.OFFICER)
    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise MeetingRuleBroken("Choose for, against or abstain") from None
    if item.outcome is not None:
        raise MeetingRuleBroken("This item has already been decided")
    if item.meeting.minutes_approved_at is not None:
        raise MeetingRuleBroken("The minutes of this meeting are approved: votes can no longer change")
    _require_declared_without_interest(session, member, item.application)
    attendance = session.execute(
        select(Attendance).where(Attendance.meeting_id == item.meeting_id, Attendance.user_id == member.id)
    ).scalar_one_or_none()
    if attendance is None or not attendance.present or not attendance.is_voting:
        raise MeetingRuleBroken(
            f"{member.full_name} is not recorded as a voting member present at this meeting"
        )
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
):
    """Record what the JAG decided on an agenda item, through the workflow (guards do the checking)."""
    if meeting.minutes_approved_at is not None:
        raise MeetingRuleBroken(
            f"The minutes of {meeting.title} are approved: its decisions can no longer change"
        )
    kwargs: dict = {"meeting_id": meeting.id}
    if expected_version is not None:
        kwargs["expected_version"] = expected_version
    if outcome == "approve":
        return fire(
            session, application, "approve", actor, amount_pence=amount_pence, conditions=conditions, **kwargs
        )
    if outcome == "decline":
        return fire(session, application, "decline", actor, reason=reason, **kwargs)
    if outcome == "request_information":
        return fire(session, application, "request_information", actor, reason=reason, **kwargs)
    raise MeetingRuleBroken("Choose approve, decline or ask for more information")


def set_attendance(
    session: Session, actor: User, meeting: Meeting, present_ids: set[int], candidates: list[User]
) -> None:
    """Record who of the candidates is present; the agency is copied as it is today."""
    _require(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise MeetingRuleBroken("The minutes of this meeting are approved: attendance can no longer change")
    for member in candidates:
        record_attendance(session, actor, meeting, member, present=member.id in present_ids)


def defer_item(
    session: Session,
    actor: User,
    application: Application,
    *,
    reason: str,
    expected_version: int | None = None,
):
    kwargs: dict = {"reason": reason}
    if expected_version is not None:
        kwargs["expected_version"] = expected_version
    return fire(session, application, "remove_from_agenda", actor, **kwargs)


def delegated_awaiting_noting(session: Session) -> list:
    from grants_app.models import Award, DecisionRoute

    return list(
        session.execute(
            select(Award)
            .where(Award.decision_route == DecisionRoute.DELEGATED, Award.noted_at_meeting_id.is_(None))
            .order_by(Award.approved_at)
        ).scalars()
    )


def note_delegated_decisions(session: Session, actor: User, meeting: Meeting) -> int:
    """The JAG notes the officer's delegated approvals made since its last meeting."""
    _require(actor, Role.OFFICER)
    awards = delegated_awaiting_noting(session)
    for award in awards:
        award.noted_at_meeting_id = meeting.id
        audit.record(
            session,
            actor,
            "application",
            award.application_id,
            "delegated_decision_noted",
            data={"meeting_id": meeting.id, "amount_pence": award.amount_pence},
        )
    session.flush()
    return len(awards)


def save_minutes(
    session: Session, actor: User, meeting: Meeting, *, minutes: str, approve: bool = False
) -> None:
    _require(actor, Role.OFFICER)
    if meeting.minutes_approved_at is not None:
        raise MeetingRuleBroken("These minutes are approved and can no longer be changed")
    minutes = (minutes or "").strip()
    if len(minutes) > 50_000:
        raise MeetingRuleBroken("Keep the minutes to 50,000 characters or fewer")
    if approve and not minutes:
        raise MeetingRuleBroken("Write the minutes before approving them")
    old = meeting.minutes
    meeting.minutes = minutes
    if approve:
        meeting.minutes_approved_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "meetings",
        meeting.id,
        "minutes_approved" if approve else "minutes_saved",
        data={"minutes": {"from": old, "to": minutes}},
    )


def draft_minutes(session: Session, meeting: Meeting) -> str:
    """A first draft of the minutes from the record, so the officer edits rather than retypes."""
    from grants_app.dates import format_datetime
    from grants_app.models import Award
    from grants_app.money import format_pence
    from grants_app.services import quorum as quorum_service

    lines = [
        f"{meeting.title}, {format_datetime(meeting.starts_at)}"
        + (f", {meeting.location}" if meeting.location else "")
    ]
    present = [a for a in meeting.attendances if a.present]
    lines.append(
        "Present: "
        + (
            ", ".join(
                f"{a.user.full_name} ({a.agency.short_name if a.agency else 'no agency'})" for a in present
            )
            or "none recorded"
        )
    )
    for n, item in enumerate(meeting.agenda_items, start=1):
        app = item.application
        lines.append("")
        lines.append(
            f"{n}. {app.reference} {app.title} ({app.organisation.name}), requested {format_pence(app.amount_requested_pence)}"
        )
        interests = session.execute(
            select(DeclarationOfInterest).where(
                DeclarationOfInterest.application_id == app.id, DeclarationOfInterest.has_interest.is_(True)
            )
        ).scalars()
        for declaration in interests:
            lines.append(
                f"   Interest declared by {declaration.user.full_name}: {declaration.nature}. Did not vote."
            )
        status = quorum_service.quorum_for(session, meeting, app.id)
        count = quorum_service.count_votes(session, item, status.voting_member_ids)
        if item.votes:
            lines.append(
                f"   Votes: {count.in_favour} for, {count.against} against, {count.abstain} abstained."
            )
        if item.outcome is None:
            lines.append("   Not yet decided.")
        else:
            outcome = item.outcome.value.replace("_", " ")
            if item.outcome.value == "approved" and app.award is not None:
                outcome += f" ({format_pence(app.award.amount_pence)})"
            lines.append(
                f"   Decision: {outcome}." + (f" {item.outcome_notes}" if item.outcome_notes else "")
            )
    noted = session.execute(select(Award).where(Award.noted_at_meeting_id == meeting.id)).scalars().all()
    if noted:
        lines.append("")
        lines.append("Delegated decisions noted:")
        lines += [f"   {a.application.reference}: {format_pence(a.amount_pence)}" for a in noted]
    return "\n".join(lines)
