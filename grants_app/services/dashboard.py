"""What each staff role sees first: counts by state, the next meeting, fund positions and their tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    has_tag,
    payment_states,
    return_states,
)
from grants_app.models import (
    AgendaItem,
    Application,
    Award,
    DecisionRoute,
    DeclarationOfInterest,
    Fund,
    Meeting,
    MonitoringReturn,
    OutboxEmail,
    Payment,
    Role,
    Score,
    ScoringCriterion,
    User,
    utcnow,
)
from grants_app.money import format_pence
from grants_app.services import ballots, fund_budget, payments
from grants_app.text import plural


@dataclass(frozen=True)
class StateCount:
    """How many applications are in one state, with its staff label."""

    state: str
    label: str
    count: int


@dataclass(frozen=True)
class Task:
    """One item of a person's to-do list, linking to an application or a meeting."""

    text: str
    application_id: int | None = None
    meeting_id: int | None = None
    # An admin list to open instead (Flask-Admin endpoint and query arguments).
    endpoint: str | None = None
    endpoint_args: tuple[tuple[str, str], ...] = ()
    anchor: str = ""  # the part of the application page the task is about ("your-vote")


@dataclass
class Dashboard:
    """What a staff member sees first: counts by state, next meeting, funds, overdue returns, tasks."""

    states: list[StateCount]
    next_meeting: Meeting | None
    funds: list[tuple[Fund, fund_budget.FundPosition]]
    overdue_returns: list[MonitoringReturn]
    tasks: list[Task] = field(default_factory=list)


def applications_by_state(session: Session, definition) -> list[StateCount]:
    """The number of applications in each state that has any, in workflow order."""
    counts = dict(
        session.execute(select(Application.state, func.count()).group_by(Application.state)).tuples().all()
    )
    return [
        StateCount(name, definition.staff_label(name), counts.get(name, 0))
        for name in definition.states
        if counts.get(name)
    ]


def next_meeting(session: Session) -> Meeting | None:
    """The next JAG meeting that has not yet happened."""
    return session.execute(
        select(Meeting)
        .where(Meeting.starts_at >= utcnow(), Meeting.minutes_approved_at.is_(None))
        .order_by(Meeting.starts_at)
        .limit(1)
    ).scalar_one_or_none()


def overdue_returns(session: Session, today: date) -> list[MonitoringReturn]:
    """Monitoring returns past their due date (Europe/London `today`) and not yet sent."""
    return list(
        session.execute(
            select(MonitoringReturn)
            .where(
                MonitoringReturn.due_on < today,
                MonitoringReturn.state.in_(return_states(ReturnTag.OUTSTANDING)),
            )
            .order_by(MonitoringReturn.due_on)
        ).scalars()
    )


def fund_positions(session: Session) -> list[tuple[Fund, fund_budget.FundPosition]]:
    """Each fund with its budget position, newest financial year first."""
    return fund_budget.fund_positions(session)


def jag_tasks(session: Session, user: User) -> list[Task]:
    """Applications on an upcoming agenda this member has still to declare on or score."""
    items = session.execute(
        select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Application, Application.id == AgendaItem.application_id)
        .where(
            AgendaItem.outcome.is_(None),
            Meeting.minutes_approved_at.is_(None),
            Application.state.in_(application_states(ApplicationTag.AWAITING_DECISION)),
        )
        .order_by(Meeting.starts_at, AgendaItem.position)
    ).scalars()
    tasks: list[Task] = []
    for item in items:
        app = item.application
        declaration = session.execute(
            select(DeclarationOfInterest).where(
                DeclarationOfInterest.application_id == app.id, DeclarationOfInterest.user_id == user.id
            )
        ).scalar_one_or_none()
        if declaration is None:
            tasks.append(Task(f"Declare any interest in and score {app}", application_id=app.id))
            continue
        if declaration.has_interest:
            continue
        criteria = session.execute(
            select(func.count()).select_from(ScoringCriterion).where(ScoringCriterion.fund_id == app.fund_id)
        ).scalar_one()
        scored = session.execute(
            select(func.count())
            .select_from(Score)
            .where(Score.application_id == app.id, Score.user_id == user.id)
        ).scalar_one()
        if scored < criteria:
            tasks.append(Task(f"Score {app} ({scored} of {criteria} criteria done)", application_id=app.id))
    return tasks


def officer_tasks(session: Session) -> list[Task]:
    """The officer's to-do list: screening, offers to issue, delegated decisions to report."""
    tasks: list[Task] = []
    for app in session.execute(
        select(Application)
        .where(Application.state.in_(application_states(ApplicationTag.AWAITING_SCREENING)))
        .order_by(Application.submitted_at)
    ).scalars():
        tasks.append(Task(f"Screen {app}", application_id=app.id))
    awaiting_offer = application_states(ApplicationTag.AWAITING_OFFER)
    for app in session.execute(select(Application).where(Application.state.in_(awaiting_offer))).scalars():
        tasks.append(Task(f"Issue the offer for {app}", application_id=app.id))
    to_review = session.execute(
        select(MonitoringReturn)
        .where(MonitoringReturn.state.in_(return_states(ReturnTag.AWAITING_REVIEW)))
        .options(joinedload(MonitoringReturn.application))
        .order_by(MonitoringReturn.submitted_at)
    ).scalars()
    for ret in to_review:
        tasks.append(
            Task(f"Review the monitoring return {ret.period_label} for {ret.application}", ret.application_id)
        )
    unnoted = session.execute(
        select(func.count())
        .select_from(Award)
        .where(Award.decision_route == DecisionRoute.DELEGATED, Award.noted_at_meeting_id.is_(None))
    ).scalar_one()
    if unnoted:
        tasks.append(Task(f"{plural(unnoted, 'delegated decision')} to report to the next JAG meeting"))
    given_up = session.execute(
        select(func.count())
        .select_from(OutboxEmail)
        .where(OutboxEmail.sent_at.is_(None), OutboxEmail.gave_up_at.is_not(None))
    ).scalar_one()
    if given_up:
        tasks.append(
            Task(
                f"{plural(given_up, 'email')} could not be sent: check the addresses, then send them again",
                endpoint="outbox.index_view",
                endpoint_args=(("flt0_delivery_is", "gave_up"),),
            )
        )
    return tasks


def finance_tasks(session: Session, user: User, today: date) -> list[Task]:
    """Payments another finance user requested (to authorise), authorised payments (to record as paid)
    and instalments that are due (to request): three queries."""
    pending = session.execute(
        select(Payment)
        .options(joinedload(Payment.application))
        .where(Payment.state.in_(payment_states(PaymentTag.PENDING)))
        .order_by(Payment.id)
        .limit(100)
    ).scalars()
    tasks: list[Task] = []
    for p in pending:
        if has_tag(p, PaymentTag.AWAITING_AUTHORISATION):
            if p.requested_by_id != user.id:
                tasks.append(
                    Task(
                        f"Authorise the payment of {format_pence(p.amount_pence)} for {p.application}",
                        application_id=p.application_id,
                    )
                )
        else:
            tasks.append(
                Task(
                    f"Record the payment of {format_pence(p.amount_pence)} for {p.application} as paid",
                    application_id=p.application_id,
                )
            )
    for instalment in payments.due_instalments(session, today):
        application = instalment.award.application
        tasks.append(
            Task(
                f"Request instalment {instalment.position} ({format_pence(instalment.amount_pence)}) "
                f"for {application}",
                application_id=application.id,
            )
        )
    return tasks


def _tasks(voting: list[ballots.VotingTask]) -> list[Task]:
    return [Task(t.text, application_id=t.application_id or None, anchor=t.anchor) for t in voting]


def build(session: Session, user: User, definition, today: date) -> Dashboard:
    """The dashboard for this user's roles."""
    dashboard = Dashboard(
        states=applications_by_state(session, definition),
        next_meeting=next_meeting(session),
        funds=fund_positions(session),
        overdue_returns=overdue_returns(session, today),
    )
    if user.has_role(Role.JAG_MEMBER):
        dashboard.tasks += _tasks(ballots.voting_tasks(session, user))
        dashboard.tasks += jag_tasks(session, user)
    if user.has_role(Role.OFFICER):
        dashboard.tasks += officer_tasks(session)
        dashboard.tasks += _tasks(ballots.officer_written_procedure_tasks(session))
    if user.has_role(Role.FINANCE):
        dashboard.tasks += finance_tasks(session, user, today)
    return dashboard
