"""Rules of a written procedure (workflows/written_procedure.yaml) and of the application transitions it
drives: the deadline is far enough ahead, there are members to consult, the recommendation fits the
request; voting is over, the written-procedure quorum and majority; and what each step does to the
application, always through fire()."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from grants_app.dates import as_utc, format_datetime
from grants_app.lifecycle import ApplicationTag, WrittenProcedureTag, has_tag
from grants_app.models import (
    Award,
    DecisionRoute,
    Meeting,
    Recommendation,
    User,
    WrittenProcedure,
    WrittenProcedureResponse,
)
from grants_app.money import format_pence
from grants_app.rules.registry import effect, guard
from grants_app.services import written_procedures as procedures
from grants_app.services.notifications import partnership_name
from grants_app.services.outbox import queue_email
from grants_app.text import plural
from grants_app.workflow import TransitionContext, fire

DEFAULT_MIN_HOURS = 48


def _setting(ctx: TransitionContext, name: str, default: int) -> int:
    return getattr(ctx.settings, name, default) if ctx.settings is not None else default


# -- circulating --------------------------------------------------------------------------------------
@guard("deadline_far_enough")
def deadline_far_enough(ctx: TransitionContext) -> str | None:
    """The deadline is at least WRITTEN_PROCEDURE_MIN_HOURS (48 by default) from now, so every member
    has time to read the papers and respond."""
    hours = _setting(ctx, "written_procedure_min_hours", DEFAULT_MIN_HOURS)
    deadline = as_utc(ctx.obj.deadline_at)
    if deadline <= ctx.now:
        return "The deadline must be in the future"
    earliest = ctx.now + timedelta(hours=hours)
    if deadline < earliest:
        return (
            f"Give the members at least {plural(hours, 'hour')} to respond: set the deadline no earlier "
            f"than {format_datetime(earliest)}"
        )
    return None


@guard("recommendation_within_request")
def recommendation_within_request(ctx: TransitionContext) -> str | None:
    """A recommendation to approve names an amount no more than the application asks for; one to
    decline gives the reason."""
    procedure: WrittenProcedure = ctx.obj
    if procedure.recommendation == Recommendation.APPROVE:
        requested = procedure.application.amount_requested_pence
        if not procedure.amount_pence or procedure.amount_pence <= 0:
            return "Enter the amount you recommend approving"
        if procedure.amount_pence > requested:
            return (
                f"The recommended award of {format_pence(procedure.amount_pence)} is more than the "
                f"{format_pence(requested)} requested"
            )
    elif not procedure.reason:
        return "Enter the reason for declining"
    return None


@guard("members_to_consult")
def members_to_consult(ctx: TransitionContext) -> str | None:
    """There are active JAG members from enough statutory partner agencies to make the quorum."""
    needed = _setting(ctx, "written_procedure_quorum_agencies", 3)
    agencies = {
        m.agency_id
        for m in procedures.jag_members_to_consult(ctx.session)
        if m.agency is not None and m.agency.is_statutory_partner
    }
    if len(agencies) < needed:
        return (
            f"A written procedure needs JAG members from at least "
            f"{plural(needed, 'partner agency', 'partner agencies')} to respond, and there are active "
            f"members from only {len(agencies)}: take the application to a meeting instead"
        )
    return None


@effect("take_application_to_written_procedure")
def take_application_to_written_procedure(ctx: TransitionContext) -> None:
    """The application enters written procedure (its own workflow checks it passed screening)."""
    fire(
        ctx.session,
        ctx.obj.application,
        "put_to_written_procedure",
        ctx.actor,
        written_procedure_id=ctx.obj.id,
    )


@effect("enrol_jag_members")
def enrol_jag_members(ctx: TransitionContext) -> None:
    """Every active JAG member gets a response row (their agency copied as it is today), and the
    quorum in force today is kept on the procedure."""
    procedure: WrittenProcedure = ctx.obj
    procedure.quorum_percent = _setting(ctx, "written_procedure_quorum_percent", 50)
    procedure.quorum_min_agencies = _setting(ctx, "written_procedure_quorum_agencies", 3)
    members = procedures.jag_members_to_consult(ctx.session)
    for member in members:
        ctx.session.add(
            WrittenProcedureResponse(procedure_id=procedure.id, user_id=member.id, agency_id=member.agency_id)
        )
    ctx.extra["members"] = len(members)


@guard("written_procedure_circulating")
def written_procedure_circulating(ctx: TransitionContext) -> str | None:
    """The named written procedure is this application's and is being circulated."""
    procedure = _procedure(ctx)
    if procedure is None or not has_tag(procedure, WrittenProcedureTag.OPEN_FOR_VOTES):
        return "Put the application to written procedure from its page"
    return None


# -- closing ------------------------------------------------------------------------------------------
@guard("voting_over")
def voting_over(ctx: TransitionContext) -> str | None:
    """The deadline has passed, or every member has voted or declared an interest."""
    if procedures.voting_is_over(ctx.session, ctx.obj, ctx.now):
        return None
    return f"Members can vote until {format_datetime(ctx.obj.deadline_at)}, unless all of them respond sooner"


@guard("written_procedure_quorate")
def written_procedure_quorate(ctx: TransitionContext) -> str | None:
    """Responses from at least the procedure's quorum_percent of the members without an interest, from
    at least its quorum_min_agencies statutory partner agencies."""
    count = procedures.count_procedure(ctx.session, ctx.obj)
    return None if count.is_quorate else count.explain()


@guard("written_procedure_majority")
def written_procedure_majority(ctx: TransitionContext) -> str | None:
    """More votes for the recommendation than against; the count goes on the record."""
    count = procedures.count_procedure(ctx.session, ctx.obj).count
    ctx.extra["votes"] = {"for": count.in_favour, "against": count.against, "abstain": count.abstain}
    if not count.carried:
        return (
            f"The recommendation needs more votes for than against (for {count.in_favour}, against "
            f"{count.against}, abstained {count.abstain})"
        )
    return None


@effect("record_written_procedure_result")
def record_written_procedure_result(ctx: TransitionContext) -> None:
    """Keep the count the procedure closed on, so what is noted and minuted never shifts afterwards."""
    procedure: WrittenProcedure = ctx.obj
    count = procedures.count_procedure(ctx.session, procedure)
    procedure.closed_at = ctx.now
    procedure.votes_for = count.count.in_favour
    procedure.votes_against = count.count.against
    procedure.votes_abstain = count.count.abstain
    procedure.members_counted = count.members
    procedure.responses_counted = count.responded
    procedure.agencies_counted = count.agencies
    for response in procedure.responses:
        response.had_interest = response.user_id in count.interest_ids
    if _leads_to(ctx, WrittenProcedureTag.RECOMMENDATION_ADOPTED):
        procedure.outcome_note = (
            f"Recommendation adopted: approved {format_pence(procedure.amount_pence)}"
            if procedure.recommendation == Recommendation.APPROVE
            else "Recommendation adopted: declined"
        )
    else:
        procedure.outcome_note = ctx.inputs.get("reason", "")
    ctx.extra["votes"] = {
        "for": count.count.in_favour,
        "against": count.count.against,
        "abstain": count.count.abstain,
    }
    ctx.extra["responses"] = f"{count.responded} of {count.members}"


def _leads_to(ctx: TransitionContext, tag: str) -> bool:
    state = ctx.definition.states.get(ctx.transition.dest)
    return state is not None and tag in state.tags


@effect("decide_application_as_recommended")
def decide_application_as_recommended(ctx: TransitionContext) -> None:
    """The application is approved (the recommended amount and conditions) or declined (the reason)
    through its own workflow, whose guards check the amount and the fund's budget again."""
    procedure: WrittenProcedure = ctx.obj
    if procedure.recommendation == Recommendation.APPROVE:
        inputs = {"amount_pence": procedure.amount_pence, "conditions": procedure.conditions}
        trigger = "approve_by_written_procedure"
    else:
        inputs = {"reason": procedure.reason}
        trigger = "decline_by_written_procedure"
    fire(ctx.session, procedure.application, trigger, ctx.actor, written_procedure_id=procedure.id, **inputs)


@effect("refer_application_to_meeting")
def refer_application_to_meeting(ctx: TransitionContext) -> None:
    """The application goes on the agenda of the next JAG meeting (the earliest not yet started whose
    minutes are open); with no meeting arranged, back to the applications waiting for one."""
    procedure: WrittenProcedure = ctx.obj
    reason = ctx.inputs.get("reason", "")
    meeting = ctx.session.execute(
        select(Meeting)
        .where(Meeting.starts_at > ctx.now, Meeting.minutes_approved_at.is_(None))
        .order_by(Meeting.starts_at)
        .limit(1)
    ).scalar_one_or_none()
    if meeting is not None:
        procedure.referred_to_meeting_id = meeting.id
        procedure.outcome_note = f"{reason}. Referred to {meeting.title}"
        fire(
            ctx.session,
            procedure.application,
            "refer_to_meeting",
            ctx.actor,
            written_procedure_id=procedure.id,
            meeting_id=meeting.id,
            reason=reason,
        )
    else:
        procedure.outcome_note = f"{reason}. No JAG meeting is arranged: to go on the next agenda"
        fire(
            ctx.session,
            procedure.application,
            "leave_written_procedure",
            ctx.actor,
            written_procedure_id=procedure.id,
            reason=f"{reason}. No JAG meeting is arranged yet: put it on the next agenda",
        )


@effect("release_application")
def release_application(ctx: TransitionContext) -> None:
    """A stopped procedure hands the application back to the applications that passed screening
    (unless it is leaving anyway: withdrawn by the group)."""
    application = ctx.obj.application
    if has_tag(application, ApplicationTag.UNDER_WRITTEN_PROCEDURE):
        fire(
            ctx.session,
            application,
            "leave_written_procedure",
            ctx.actor,
            written_procedure_id=ctx.obj.id,
            reason="Written procedure stopped: " + ctx.inputs.get("reason", ""),
        )


# -- the application's side ---------------------------------------------------------------------------
def _procedure(ctx: TransitionContext) -> WrittenProcedure | None:
    procedure_id = ctx.inputs.get("written_procedure_id")
    procedure = ctx.session.get(WrittenProcedure, procedure_id) if procedure_id else None
    if procedure is None or procedure.application_id != ctx.obj.id:
        return None
    return procedure


@guard("written_procedure_adopted")
def written_procedure_adopted(ctx: TransitionContext) -> str | None:
    """The application's written procedure adopted the recommendation (only its close decides it)."""
    procedure = _procedure(ctx)
    if procedure is None or not has_tag(procedure, WrittenProcedureTag.RECOMMENDATION_ADOPTED):
        return "Only a written procedure that adopted its recommendation decides the application"
    return None


@guard("written_procedure_ended")
def written_procedure_ended(ctx: TransitionContext) -> str | None:
    """The application's written procedure has ended (referred, or stopped)."""
    procedure = _procedure(ctx)
    if procedure is None or not has_tag(procedure, WrittenProcedureTag.TERMINAL):
        return "The written procedure on this application has not ended"
    return None


@effect("create_written_procedure_award")
def create_written_procedure_award(ctx: TransitionContext) -> None:
    """The award the members approved by written procedure (the officer who ran it is its approver)."""
    procedure = _procedure(ctx)
    ctx.obj.award = Award(
        amount_pence=ctx.inputs["amount_pence"],
        conditions=ctx.inputs.get("conditions", ""),
        decision_route=DecisionRoute.WRITTEN_PROCEDURE,
        approved_by_id=procedure.started_by_id if procedure else None,
        approved_at=ctx.now,
    )


@effect("stop_written_procedure")
def stop_written_procedure(ctx: TransitionContext) -> None:
    """A withdrawn application's written procedure stops."""
    procedure = procedures.open_procedure_for(ctx.session, ctx.obj.id)
    if procedure is not None:
        fire(
            ctx.session,
            procedure,
            "stop",
            ctx.actor,
            reason="The application was withdrawn: " + ctx.inputs.get("reason", ""),
        )


# -- emails -------------------------------------------------------------------------------------------
def _member_emails(ctx: TransitionContext) -> list[str]:
    return list(
        ctx.session.execute(
            select(User.email)
            .join(WrittenProcedureResponse, WrittenProcedureResponse.user_id == User.id)
            .where(WrittenProcedureResponse.procedure_id == ctx.obj.id)
            .order_by(User.email)
        ).scalars()
    )


def _context(ctx: TransitionContext) -> dict:
    procedure: WrittenProcedure = ctx.obj
    application = procedure.application
    base = getattr(ctx.settings, "public_base_url", "http://127.0.0.1:5000")
    return {
        "reference": application.reference,
        "title": application.title,
        "organisation": application.organisation.name,
        "amount_requested": application.amount_requested_pence,
        "summary": procedure.summary,
        "recommendation": procedures.recommendation_words(procedure),
        "deadline": procedure.deadline_at,
        "link": f"{base}/admin/application/details/?id={application.id}#written-procedure",
        "partnership": partnership_name(ctx.session),
    }


@effect("email_written_procedure_circulated")
def email_written_procedure_circulated(ctx: TransitionContext) -> None:
    """Every member it was sent to is told what to decide, the recommendation and the deadline."""
    queue_email(ctx.session, _member_emails(ctx), "written_procedure_circulated", **_context(ctx))


@effect("email_written_procedure_result")
def email_written_procedure_result(ctx: TransitionContext) -> None:
    """Every member it was sent to hears the result."""
    procedure: WrittenProcedure = ctx.obj
    queue_email(
        ctx.session,
        _member_emails(ctx),
        "written_procedure_result",
        **_context(ctx),
        outcome=procedure.outcome_note,
        votes_for=procedure.votes_for,
        votes_against=procedure.votes_against,
        votes_abstain=procedure.votes_abstain,
        responses=procedure.responses_counted,
        members=procedure.members_counted,
    )
