"""What each staff role sees first: counts by state, the next meeting, fund positions and their tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from grants_app.dates import format_date, to_london
from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
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
    Recovery,
    Repayment,
    Role,
    Score,
    ScoringCriterion,
    User,
    utcnow,
)
from grants_app.money import format_pence
from grants_app.services import ballots, fund_budget, payments
from grants_app.text import plural

# How many items of each task list a dashboard shows; the rest are a "see all" link away.
TASK_LIMIT = 10
# A meeting counts as under way for this many hours after it starts (until its minutes are approved).
MEETING_HOURS = 12


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
    overdue_total: int = 0  # all the overdue returns; the list shows the first TASK_LIMIT
    tasks: list[Task] = field(default_factory=list)

    @property
    def meeting_under_way(self) -> bool:
        """The meeting shown has started (it is the one under way, not the next)."""
        m = self.next_meeting
        return m is not None and to_london(m.starts_at) <= utcnow()


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


def _not_over(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A meeting still to come or under way: started in the last MEETING_HOURS hours or later, its
    minutes not yet approved."""
    return (Meeting.starts_at > now - timedelta(hours=MEETING_HOURS), Meeting.minutes_approved_at.is_(None))


def next_meeting(session: Session) -> Meeting | None:
    """The JAG meeting under way (started in the last MEETING_HOURS hours, minutes not approved), else
    the next one that has not yet happened; with its agenda (one query and one for the agenda)."""
    return session.execute(
        select(Meeting)
        .where(*_not_over(utcnow()))
        .options(selectinload(Meeting.agenda_items).joinedload(AgendaItem.application))
        .order_by(Meeting.starts_at)
        .limit(1)
    ).scalar_one_or_none()


def overdue_returns(
    session: Session, today: date, limit: int = TASK_LIMIT
) -> tuple[list[MonitoringReturn], int]:
    """Monitoring returns past their due date (Europe/London `today`) and not yet sent, oldest first:
    at most `limit`, each with its application and organisation loaded, and how many there are in all
    (one query)."""
    rows = session.execute(
        select(MonitoringReturn, _total())
        .options(joinedload(MonitoringReturn.application).joinedload(Application.organisation))
        .where(
            MonitoringReturn.due_on < today,
            MonitoringReturn.state.in_(return_states(ReturnTag.OUTSTANDING)),
        )
        .order_by(MonitoringReturn.due_on, MonitoringReturn.id)
        .limit(limit)
    ).all()
    return [r for r, _n in rows], (rows[0][1] if rows else 0)


def fund_positions(session: Session) -> list[tuple[Fund, fund_budget.FundPosition]]:
    """Each fund with its budget position, newest financial year first."""
    return fund_budget.fund_positions(session)


def _name(reference: str, title: str) -> str:
    # As Application.__str__, from two columns rather than a loaded object.
    return f"{reference} {title}".strip()


def _total():
    # The number of rows the query would return without its LIMIT, on every row: a list and its count
    # in one round trip.
    return func.count().over().label("total")


def _see_all(
    shown: int, total: int, what: str, endpoint: str, args: tuple[tuple[str, str], ...]
) -> list[Task]:
    """A link to the whole filtered list when a task list shows only its first `shown` of `total`."""
    if total <= shown:
        return []
    return [Task(f"See all {total:,} {what}", endpoint=endpoint, endpoint_args=args)]


def _state_args(states: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    # The admin lists filter by one state; a tag carried by several states opens the whole list.
    return (("flt0_state_equals", states[0]),) if len(states) == 1 else ()


def jag_tasks(session: Session, user: User, limit: int = TASK_LIMIT) -> list[Task]:
    """Applications on an upcoming agenda this member has still to declare on or score (an interest
    declared takes them off the list): the first `limit`, and a link to the rest. One query."""
    mine = aliased(DeclarationOfInterest)
    criteria = (
        select(func.count())
        .select_from(ScoringCriterion)
        .where(ScoringCriterion.fund_id == Application.fund_id)
        .correlate(Application)
        .scalar_subquery()
    )
    scored = (
        select(func.count())
        .select_from(Score)
        .where(Score.application_id == Application.id, Score.user_id == user.id)
        .correlate(Application)
        .scalar_subquery()
    )
    awaiting = application_states(ApplicationTag.AWAITING_DECISION)
    rows = session.execute(
        select(Application.id, Application.reference, Application.title, mine.id, scored, criteria, _total())
        .join(AgendaItem, AgendaItem.application_id == Application.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .outerjoin(mine, and_(mine.application_id == Application.id, mine.user_id == user.id))
        .where(
            AgendaItem.outcome.is_(None),
            Meeting.minutes_approved_at.is_(None),
            Application.state.in_(awaiting),
            or_(mine.id.is_(None), and_(mine.has_interest.is_(False), scored < criteria)),
        )
        .order_by(Meeting.starts_at, AgendaItem.position, Application.id)
        .limit(limit)
    ).all()
    tasks: list[Task] = []
    for app_id, reference, title, declared, done, of, _n in rows:
        name = _name(reference, title)
        if declared is None:
            tasks.append(Task(f"Declare any interest in and score {name}", application_id=app_id))
        else:
            tasks.append(Task(f"Score {name} ({done} of {of} criteria done)", application_id=app_id))
    total = rows[0][-1] if rows else 0
    return tasks + _see_all(
        len(rows),
        total,
        "applications to declare on or score",
        "application.index_view",
        _state_args(awaiting),
    )


def _applications_in(session: Session, states: tuple[str, ...], limit: int):
    return session.execute(
        select(Application.id, Application.reference, Application.title, _total())
        .where(Application.state.in_(states))
        .order_by(Application.submitted_at, Application.id)
        .limit(limit)
    ).all()


def meeting_under_way(session: Session) -> Meeting | None:
    """The JAG meeting going on now: started in the last MEETING_HOURS hours, minutes not yet
    approved (the latest, if two overlap)."""
    now = utcnow()
    return session.execute(
        select(Meeting)
        .where(Meeting.starts_at <= now, *_not_over(now))
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    ).scalar_one_or_none()


def officer_tasks(session: Session, limit: int = TASK_LIMIT) -> list[Task]:
    """The officer's to-do list: the meeting under way, screening, offers to issue, grants to close,
    returns to review (each the first `limit` with a link to the rest), delegated decisions to report,
    emails that could not be sent. Seven queries whatever the numbers."""
    tasks: list[Task] = []
    meeting = meeting_under_way(session)
    if meeting is not None:
        tasks.append(Task(f"Meeting under way: {meeting.title}", meeting_id=meeting.id))
    for tag, task_text, see_all_text in (
        (ApplicationTag.AWAITING_SCREENING, "Screen {}", "applications to screen"),
        (ApplicationTag.AWAITING_OFFER, "Issue the offer for {}", "offers to issue"),
        (ApplicationTag.TO_CLOSE, "Close the grant {}: its final return is accepted", "grants to close"),
    ):
        states = application_states(tag)
        rows = _applications_in(session, states, limit)
        tasks += [
            Task(task_text.format(_name(ref, title)), application_id=app_id)
            for app_id, ref, title, _n in rows
        ]
        tasks += _see_all(
            len(rows), rows[0][-1] if rows else 0, see_all_text, "application.index_view", _state_args(states)
        )
    to_review = session.execute(
        select(
            MonitoringReturn.application_id,
            MonitoringReturn.period_label,
            Application.reference,
            Application.title,
            _total(),
        )
        .join(Application, Application.id == MonitoringReturn.application_id)
        .where(MonitoringReturn.state.in_(return_states(ReturnTag.AWAITING_REVIEW)))
        .order_by(MonitoringReturn.submitted_at, MonitoringReturn.id)
        .limit(limit)
    ).all()
    tasks += [
        Task(f"Review the monitoring return {period} for {_name(ref, title)}", app_id)
        for app_id, period, ref, title, _n in to_review
    ]
    tasks += _see_all(
        len(to_review),
        to_review[0][-1] if to_review else 0,
        "monitoring returns to review",
        "returns.index_view",
        (("flt0_show_equals", "to_review"),),
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


def _payments_to(session: Session, where, limit: int):
    return session.execute(
        select(
            Payment.application_id, Payment.amount_pence, Application.reference, Application.title, _total()
        )
        .join(Application, Application.id == Payment.application_id)
        .where(*where)
        .order_by(Payment.id)
        .limit(limit)
    ).all()


def recoveries_owed(session: Session, limit: int = TASK_LIMIT):
    """Recoveries not fully repaid or written off, the earliest due first: rows of (application id,
    reference, title, owed pence, due on, total), at most `limit`. One query."""
    received = (
        select(Repayment.recovery_id, func.sum(Repayment.amount_pence).label("pence"))
        .group_by(Repayment.recovery_id)
        .subquery()
    )
    owed = Recovery.amount_pence - Recovery.written_off_pence - func.coalesce(received.c.pence, 0)
    return session.execute(
        select(
            Recovery.application_id, Application.reference, Application.title, owed, Recovery.due_on, _total()
        )
        .join(Application, Application.id == Recovery.application_id)
        .outerjoin(received, received.c.recovery_id == Recovery.id)
        .where(owed > 0)
        .order_by(Recovery.due_on, Recovery.id)
        .limit(limit)
    ).all()


def finance_tasks(session: Session, user: User, today: date, limit: int = TASK_LIMIT) -> list[Task]:
    """Payments another finance user requested (to authorise), authorised payments (to record as paid),
    instalments that are due (to request) and recoveries still owed: the first `limit` of each, with
    a link to the rest. Six queries whatever the numbers."""
    tasks: list[Task] = []
    awaiting = payment_states(PaymentTag.AWAITING_AUTHORISATION)
    to_pay = tuple(s for s in payment_states(PaymentTag.PENDING) if s not in awaiting)
    for where, wording, see_all_text, states in (
        (
            (Payment.state.in_(awaiting), Payment.requested_by_id != user.id),
            "Authorise the payment of {pence} for {name}",
            "payments to authorise",
            awaiting,
        ),
        (
            (Payment.state.in_(to_pay),),
            "Record the payment of {pence} for {name} as paid",
            "authorised payments to record as paid",
            to_pay,
        ),
    ):
        rows = _payments_to(session, where, limit)
        tasks += [
            Task(wording.format(pence=format_pence(pence), name=_name(ref, title)), application_id=app_id)
            for app_id, pence, ref, title, _n in rows
        ]
        tasks += _see_all(
            len(rows), rows[0][-1] if rows else 0, see_all_text, "payment.index_view", _state_args(states)
        )
    due = payments.due_instalments(session, today, limit=limit + 1)
    for instalment in due[:limit]:
        application = instalment.award.application
        tasks.append(
            Task(
                f"Request instalment {instalment.position} ({format_pence(instalment.amount_pence)}) "
                f"for {application}",
                application_id=application.id,
            )
        )
    if len(due) > limit:
        tasks.append(Task("More instalments are due: request these first, then come back for the rest"))
    owed = recoveries_owed(session, limit)
    tasks += [
        Task(
            f"Recovery owed: {format_pence(pence)} from {_name(ref, title)}, due {format_date(due_on)}",
            application_id=app_id,
            anchor="money",
        )
        for app_id, ref, title, pence, due_on, _n in owed
    ]
    if owed and owed[0][-1] > len(owed):
        tasks.append(Task(f"{plural(owed[0][-1] - len(owed), 'more recovery', 'more recoveries')} owed"))
    return tasks


def _tasks(voting: list[ballots.VotingTask]) -> list[Task]:
    return [Task(t.text, application_id=t.application_id or None, anchor=t.anchor) for t in voting]


def build(session: Session, user: User, definition, today: date) -> Dashboard:
    """The dashboard for this user's roles: the same number of queries however many applications,
    returns and payments there are (each list is bounded, each count an SQL aggregate)."""
    overdue, overdue_total = overdue_returns(session, today)
    dashboard = Dashboard(
        states=applications_by_state(session, definition),
        next_meeting=next_meeting(session),
        funds=fund_positions(session),
        overdue_returns=overdue,
        overdue_total=overdue_total,
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
