"""Every money figure of a grant and of a fund: committed, paid, accepted spend, underspend, recovered,
written off and remaining. The budget guard, the dashboards, the fund position page and the reports all
read them from here, so a figure means the same everywhere.

All amounts are integer pence. Per grant (GrantMoney):
  underspend   = paid - accepted spend         (negative when the group spent more than it was paid)
  owed         = recoveries raised - money received - written off
  entitled     = what the group may be paid in all: the award; once the final return is accepted, the
                 accepted spend up to the award; once the grant is closed, what it was paid
  not yet paid = entitled - paid, never below nil (payments in progress are not yet paid)
  committed    = paid + not yet paid - money received back: what the grant will have cost the fund,
                 for a grant in a state tagged "committed" (approval until closure); 0 otherwise.
                 Until a grant is settled this is its award (less any money repaid); settling it at
                 less than the award, or closing it, frees the rest for other grants.
Per fund (FundPosition):
  committed, not yet paid = the sums over its committed grants
  remaining  = budget - committed
  paid, accepted spend, recovered, written off = sums over the fund's grants
  underspend = the underspend of grants whose final return is accepted, where positive

One query reads every grant's figures (correlated aggregates), so a page costs the same however many
grants and payments there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, case, exists, func, literal, select
from sqlalchemy.orm import Session, joinedload

from grants_app.lifecycle import (
    ApplicationTag,
    PaymentTag,
    ReturnTag,
    application_states,
    payment_states,
    return_states,
)
from grants_app.models import (
    Application,
    Award,
    Fund,
    MonitoringReturn,
    Payment,
    Recovery,
    Repayment,
    SpendLine,
)


@dataclass(frozen=True)
class GrantMoney:
    """One grant's money in pence."""

    application_id: int
    fund_id: int
    state: str
    award_pence: int
    paid_pence: int
    # Requested or authorised, not yet paid or cancelled.
    pending_pence: int
    # Spend lines of monitoring returns in a state tagged "spend_accepted".
    spent_pence: int
    raised_pence: int
    received_pence: int
    written_off_pence: int
    # The grant's final monitoring return is accepted: its money is settled.
    final_accepted: bool
    # In a state tagged "committed" (approval until closure).
    committed: bool = False
    # Closed (a committed state that is terminal): nothing more will be paid.
    closed: bool = False

    @property
    def underspend_pence(self) -> int:
        """Paid minus accepted spend (negative: the group spent more than it has been paid)."""
        return self.paid_pence - self.spent_pence

    @property
    def settled_underspend_pence(self) -> int:
        """The underspend the fund position counts: paid less accepted spend once the final return is
        accepted, where positive; 0 before that (the group may still spend)."""
        return max(0, self.underspend_pence) if self.final_accepted else 0

    @property
    def owed_pence(self) -> int:
        """Asked back and not yet received or written off."""
        return self.raised_pence - self.received_pence - self.written_off_pence

    @property
    def repaid_pence(self) -> int:
        return self.received_pence

    @property
    def entitled_pence(self) -> int:
        """What the group may be paid in all: the award; once the final return is accepted, the
        accepted spend up to the award; once the grant is closed, what it was paid."""
        if self.closed:
            return self.paid_pence
        return min(self.spent_pence, self.award_pence) if self.final_accepted else self.award_pence

    @property
    def not_yet_paid_pence(self) -> int:
        """What may still be paid, including payments in progress (never below nil); nothing outside the
        committed states (an offer declined or lapsed is never paid)."""
        return max(0, self.entitled_pence - self.paid_pence) if self.committed else 0

    @property
    def committed_pence(self) -> int:
        """What the grant holds of its fund's budget: paid plus not yet paid, less money repaid to us
        (written-off money stays spent); 0 outside the committed states."""
        if not self.committed:
            return 0
        return self.paid_pence + self.not_yet_paid_pence - self.received_pence

    @property
    def left_to_pay_pence(self) -> int:
        """What can still be paid: entitled less paid and in progress (never below zero)."""
        return max(0, self.entitled_pence - self.paid_pence - self.pending_pence)


def _sum(column, *where):
    return select(func.coalesce(func.sum(column), 0)).where(*where).correlate(Application).scalar_subquery()


def _grant_money_query():
    paid = _sum(
        Payment.amount_pence,
        Payment.application_id == Application.id,
        Payment.state.in_(payment_states(PaymentTag.PAID_OUT)),
    )
    pending = _sum(
        Payment.amount_pence,
        Payment.application_id == Application.id,
        Payment.state.in_(payment_states(PaymentTag.PENDING)),
    )
    spent = (
        select(func.coalesce(func.sum(SpendLine.amount_pence), 0))
        .join(MonitoringReturn, MonitoringReturn.id == SpendLine.monitoring_return_id)
        .where(
            MonitoringReturn.application_id == Application.id,
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
        .correlate(Application)
        .scalar_subquery()
    )
    raised = _sum(Recovery.amount_pence, Recovery.application_id == Application.id)
    written_off = _sum(Recovery.written_off_pence, Recovery.application_id == Application.id)
    received = _sum(Repayment.amount_pence, Repayment.application_id == Application.id)
    final = exists(
        select(literal(1)).where(
            MonitoringReturn.application_id == Application.id,
            MonitoringReturn.is_final.is_(True),
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
    ).correlate(Application)
    return select(
        Application.id,
        Application.fund_id,
        Application.state,
        Award.amount_pence,
        paid,
        pending,
        spent,
        raised,
        received,
        written_off,
        final,
    ).join(Award, Award.application_id == Application.id)


def grant_money(
    session: Session, *, fund_id: int | None = None, application_ids: Iterable[int] | None = None
) -> list[GrantMoney]:
    """The money of every grant (an application with an award), or of one fund's, or of the given
    applications: one query, ordered by application id."""
    stmt = _grant_money_query().order_by(Application.id)
    if fund_id is not None:
        stmt = stmt.where(Application.fund_id == fund_id)
    if application_ids is not None:
        stmt = stmt.where(Application.id.in_(list(application_ids)))
    committed = set(application_states(ApplicationTag.COMMITTED))
    closed = set(closed_states())
    return [
        GrantMoney(
            application_id=row[0],
            fund_id=row[1],
            state=row[2],
            award_pence=int(row[3]),
            paid_pence=int(row[4]),
            pending_pence=int(row[5]),
            spent_pence=int(row[6]),
            raised_pence=int(row[7]),
            received_pence=int(row[8]),
            written_off_pence=int(row[9]),
            final_accepted=bool(row[10]),
            committed=row[2] in committed,
            closed=row[2] in closed,
        )
        for row in session.execute(stmt)
    ]


def authorised_or_paid_pence(session: Session, application_id: int, *, excluding_payment_id: int) -> int:
    """A grant's payments authorised or paid (tagged "counts_against_award"), less one payment: what a
    payment being authorised or paid adds to (one query)."""
    stmt = select(func.coalesce(func.sum(Payment.amount_pence), 0)).where(
        Payment.application_id == application_id,
        Payment.state.in_(payment_states(PaymentTag.COUNTS_AGAINST_AWARD)),
        Payment.id != excluding_payment_id,
    )
    return int(session.execute(stmt).scalar_one())


def application_money(session: Session, application_id: int) -> GrantMoney:
    """One grant's money (one query). A grant without an award has nothing: all zero."""
    rows = grant_money(session, application_ids=[application_id])
    if rows:
        return rows[0]
    return GrantMoney(application_id, 0, "", 0, 0, 0, 0, 0, 0, 0, False)


def closed_states() -> list[str]:
    """The states of a closed grant: committed and terminal (the workflows tag them so)."""
    return sorted(
        set(application_states(ApplicationTag.COMMITTED)) & set(application_states(ApplicationTag.TERMINAL))
    )


@dataclass(frozen=True)
class FundPosition:
    """One fund's figures in pence (see the module docstring for what each means)."""

    fund_id: int
    budget_pence: int
    ceiling_pence: int
    committed_pence: int = 0
    paid_pence: int = 0
    # Of the committed grants: what may still be paid (GrantMoney.not_yet_paid_pence).
    not_yet_paid_pence: int = 0
    spent_pence: int = 0
    underspend_pence: int = 0
    raised_pence: int = 0
    recovered_pence: int = 0
    written_off_pence: int = 0
    grants: int = 0

    @property
    def remaining_pence(self) -> int:
        return self.budget_pence - self.committed_pence

    @property
    def headroom_pence(self) -> int:
        """What can still be approved, allowing for the over-allocation allowance."""
        return self.ceiling_pence - self.committed_pence

    @property
    def outstanding_pence(self) -> int:
        """Recoveries raised and neither received nor written off."""
        return self.raised_pence - self.recovered_pence - self.written_off_pence

    @property
    def repaid_pence(self) -> int:
        return self.recovered_pence

    def percent_of_budget(self, pence: int) -> int:
        """pence as a whole percentage of the budget, 0 to 100 (for a bar)."""
        return 0 if not self.budget_pence else max(0, min(100, pence * 100 // self.budget_pence))

    @property
    def committed_percent(self) -> int:
        return self.percent_of_budget(self.committed_pence)

    @property
    def paid_percent(self) -> int:
        return self.percent_of_budget(self.paid_pence)

    @property
    def committed_paid_pence(self) -> int:
        """The part of committed already paid out (paid less money repaid): committed less not yet paid,
        the solid part of the budget bars."""
        return self.committed_pence - self.not_yet_paid_pence

    @property
    def committed_paid_percent(self) -> int:
        return self.percent_of_budget(self.committed_paid_pence)


def position_from(fund: Fund, grants: Iterable[GrantMoney]) -> FundPosition:
    """Add up a fund's grants into its position (no query)."""
    committed = not_yet_paid = paid = spent = underspend = raised = received = written_off = count = 0
    for g in grants:
        count += 1
        committed += g.committed_pence
        not_yet_paid += g.not_yet_paid_pence
        paid += g.paid_pence
        spent += g.spent_pence
        underspend += g.settled_underspend_pence
        raised += g.raised_pence
        received += g.received_pence
        written_off += g.written_off_pence
    return FundPosition(
        fund_id=fund.id,
        budget_pence=fund.budget_pence,
        ceiling_pence=fund.allocation_ceiling_pence,
        committed_pence=committed,
        paid_pence=paid,
        not_yet_paid_pence=not_yet_paid,
        spent_pence=spent,
        underspend_pence=underspend,
        raised_pence=raised,
        recovered_pence=received,
        written_off_pence=written_off,
        grants=count,
    )


def fund_position(session: Session, fund: Fund) -> FundPosition:
    """One fund's figures (one query)."""
    return position_from(fund, grant_money(session, fund_id=fund.id))


def _per_grant(column, money, *where):
    # One aggregate per application over a whole table (a hash join later), rather than a correlated
    # subquery per grant: what the fund totals read.
    return (
        select(column.label("application_id"), func.sum(money).label("pence")).where(*where).group_by(column)
    )


def fund_positions(session: Session) -> list[tuple[Fund, FundPosition]]:
    """Every fund (newest year first) with its figures, added up in the database: two queries, whose
    cost grows with the grants but sends back one row per fund."""
    funds = list(session.execute(select(Fund).order_by(Fund.financial_year.desc(), Fund.name)).scalars())
    paid = _per_grant(
        Payment.application_id, Payment.amount_pence, Payment.state.in_(payment_states(PaymentTag.PAID_OUT))
    ).subquery()
    spent = (
        _per_grant(
            MonitoringReturn.application_id,
            SpendLine.amount_pence,
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
        .join(SpendLine, SpendLine.monitoring_return_id == MonitoringReturn.id)
        .subquery()
    )
    raised = (
        select(
            Recovery.application_id,
            func.sum(Recovery.amount_pence).label("pence"),
            func.sum(Recovery.written_off_pence).label("written_off"),
        )
        .group_by(Recovery.application_id)
        .subquery()
    )
    received = _per_grant(Repayment.application_id, Repayment.amount_pence).subquery()
    final = (
        select(MonitoringReturn.application_id)
        .where(
            MonitoringReturn.is_final.is_(True),
            MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)),
        )
        .distinct()
        .subquery()
    )
    paid_p = func.coalesce(paid.c.pence, 0)
    spent_p = func.coalesce(spent.c.pence, 0)
    received_p = func.coalesce(received.c.pence, 0)
    is_final = final.c.application_id.is_not(None)
    # GrantMoney's entitled, not yet paid and committed, row by row (see the module docstring).
    entitled = case(
        (Application.state.in_(closed_states()), paid_p),
        (and_(is_final, spent_p < Award.amount_pence), spent_p),
        else_=Award.amount_pence,
    )
    in_committed = Application.state.in_(application_states(ApplicationTag.COMMITTED))
    not_yet_paid = case((and_(in_committed, entitled > paid_p), entitled - paid_p), else_=0)
    rows = session.execute(
        select(
            Application.fund_id,
            func.sum(case((in_committed, paid_p + not_yet_paid - received_p), else_=0)),
            func.sum(not_yet_paid),
            func.sum(paid_p),
            func.sum(spent_p),
            func.sum(case((and_(is_final, paid_p > spent_p), paid_p - spent_p), else_=0)),
            func.sum(func.coalesce(raised.c.pence, 0)),
            func.sum(received_p),
            func.sum(func.coalesce(raised.c.written_off, 0)),
            func.count(),
        )
        .join(Award, Award.application_id == Application.id)
        .outerjoin(paid, paid.c.application_id == Application.id)
        .outerjoin(spent, spent.c.application_id == Application.id)
        .outerjoin(raised, raised.c.application_id == Application.id)
        .outerjoin(received, received.c.application_id == Application.id)
        .outerjoin(final, final.c.application_id == Application.id)
        .group_by(Application.fund_id)
    ).all()
    totals = {row[0]: [int(v or 0) for v in row[1:]] for row in rows}
    positions = []
    for fund in funds:
        committed_p, unpaid, paid_t, spent_t, under, raised_t, received_t, off, count = totals.get(
            fund.id, [0] * 9
        )
        positions.append(
            (
                fund,
                FundPosition(
                    fund_id=fund.id,
                    budget_pence=fund.budget_pence,
                    ceiling_pence=fund.allocation_ceiling_pence,
                    committed_pence=committed_p,
                    paid_pence=paid_t,
                    not_yet_paid_pence=unpaid,
                    spent_pence=spent_t,
                    underspend_pence=under,
                    raised_pence=raised_t,
                    recovered_pence=received_t,
                    written_off_pence=off,
                    grants=count,
                ),
            )
        )
    return positions


# The figures a finance user can drill into, with what puts a grant behind each.
DRILLDOWN = {
    "committed": ("Committed", lambda g: g.committed),
    "not_yet_paid": ("Not yet paid", lambda g: g.committed and g.not_yet_paid_pence > 0),
    "paid_out": ("Paid", lambda g: g.paid_pence > 0),
    "spent": ("Accepted spend", lambda g: g.spent_pence > 0),
    "underspend": ("Underspend", lambda g: g.settled_underspend_pence > 0),
    "recovered": ("Recovered", lambda g: g.received_pence > 0),
    "written_off": ("Written off", lambda g: g.written_off_pence > 0),
    "outstanding": ("Still owed", lambda g: g.owed_pence > 0),
}
DRILLDOWN_LIMIT = 500


def grants_behind(
    session: Session, fund: Fund, figure: str, limit: int = DRILLDOWN_LIMIT
) -> tuple[list[tuple[Application, GrantMoney]], int]:
    """The grants behind one of a fund's figures (a DRILLDOWN key), each with its money, at most
    `limit`, and how many there are in all: two queries. KeyError for an unknown figure."""
    _label, behind = DRILLDOWN[figure]
    chosen = [g for g in grant_money(session, fund_id=fund.id) if behind(g)]
    shown = chosen[:limit]
    apps = {
        a.id: a
        for a in session.execute(
            select(Application)
            .options(joinedload(Application.organisation))
            .where(Application.id.in_([g.application_id for g in shown]))
        ).scalars()
    }
    return [(apps[g.application_id], g) for g in shown], len(chosen)


def lock_fund(session: Session, fund_id: int) -> Fund:
    """Lock the fund row so concurrent approvals are checked against the budget one at a time."""
    stmt = select(Fund).where(Fund.id == fund_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()


def lock_application(session: Session, application_id: int) -> Application:
    """Lock a grant's application row while its money changes (a payment requested, money received),
    so two people cannot both take the same instalment or overpay a recovery. SQLite serialises
    writers instead."""
    stmt = select(Application).where(Application.id == application_id)
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one()
