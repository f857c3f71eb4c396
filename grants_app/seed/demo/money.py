"""The demo's money: offers prepared from the approval and accepted by a signatory, instalments
requested by finance@, authorised by finance2@ and paid, and the end of a grant: an underspend raised
when the final return is accepted (by the workflow), then recovered in full, part paid, or part paid
and the rest written off, and the grant closed. Every step through the services and fire() the
screens use, with the clock pinned to its day (DemoBuilder.on)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from grants_app.dates import to_london
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application, Payment
from grants_app.services import offers, payments, recoveries
from grants_app.services.fund_budget import application_money
from grants_app.workflow import fire

if TYPE_CHECKING:  # annotations only: the builder imports this module
    from grants_app.seed.demo.builder import DemoBuilder


def finance_pair(b: DemoBuilder):
    """finance@ requests and records payments; finance2@ authorises them (two people)."""
    return b.user("finance@sosafe.example"), b.user("finance2@sosafe.example")


def issue_offer(b: DemoBuilder, app: Application, day: date, conditions: str | None = None) -> None:
    """The officer prepares the offer (the fund's default schedule, four weeks to accept) and issues it."""

    def step():
        rows = [
            offers.InstalmentInput(i.amount_pence, i.due_trigger.value, i.due_on)
            for i in offers.default_instalments(app.fund, app.award.amount_pence)
        ]
        offers.prepare_offer(
            b.session,
            b.officer,
            app,
            conditions=conditions if conditions is not None else app.award.conditions,
            instalments=rows,
            expires_on=day + timedelta(days=app.fund.offer_valid_days),
            today=day,
        )
        offers.issue_offer(b.session, b.officer, app)

    b.on(day, step)


def accept_offer(b: DemoBuilder, app: Application, day: date) -> None:
    """The member who declared the application (its group's secretary, chair or treasurer) accepts
    the offer for the group."""
    applicant = b.member_of(app.organisation)
    role = b.role_in(app.organisation)
    b.on(
        day,
        lambda: fire(
            b.session,
            app,
            "accept_offer",
            applicant,
            accepted_by_name=applicant.full_name,
            accepted_by_role=role,
            confirmed=True,
        ),
        hour=19,  # volunteers accept in the evening
    )


def pay_instalment(
    b: DemoBuilder, app: Application, position: int, day: date, *, authorise: bool = True, pay: bool = True
) -> Payment | None:
    """finance@ requests instalment `position` on `day`; finance2@ authorises it the next day; finance@
    records it paid (BACS) two days later. Stops after the request or the authorisation if asked.
    Nothing happens if the instalment is not due (for example a one-instalment schedule)."""
    finance, finance2 = finance_pair(b)
    b.session.expire(app, ["payments"])
    instalment = next((i for i in app.award.instalments if i.position == position), None)
    if instalment is None:
        return None
    status = next(
        (s for s in payments.schedule_status(b.session, app, day) if s.instalment.id == instalment.id), None
    )
    if status is None or not status.can_request:
        return None
    payment = b.on(day, lambda: payments.request_payment(b.session, finance, instalment, today=day))
    if authorise:
        b.on(
            day + timedelta(days=1), lambda: payments.authorise_payment(b.session, finance2, payment), hour=11
        )
    if authorise and pay:
        paid_on = day + timedelta(days=2)
        b.on(
            paid_on,
            lambda: payments.record_paid(
                b.session,
                finance,
                payment,
                paid_on=paid_on,
                reference=f"BACS {app.reference[-7:]}-{position}",
            ),
            hour=15,
        )
    return payment


def deliver(b: DemoBuilder, app: Application, met: date) -> None:
    """From approval at the meeting on `met` to delivery with the first instalment paid."""
    issue_offer(b, app, met + timedelta(days=2))
    accept_offer(b, app, met + timedelta(days=6))
    b.on(met + timedelta(days=8), lambda: fire(b.session, app, "start_delivery", b.officer))
    pay_instalment(b, app, 1, met + timedelta(days=9))


def in_delivery_payments(b: DemoBuilder, app: Application, index: int) -> None:
    """After its returns: the second instalment (due once a return is accepted) requested and waiting
    for finance2@ to authorise it, or authorised and waiting to be paid, or paid, by story."""
    if not has_tag(app, ApplicationTag.PAYABLE):
        return
    day = b.today - timedelta(days=4 + index % 3)
    if index % 3 == 0:
        pay_instalment(b, app, 2, day, authorise=False)  # finance2@'s task: authorise it
    elif index % 3 == 1:
        pay_instalment(b, app, 2, b.today - timedelta(days=2), pay=False)  # authorised, to record as paid
    else:
        pay_instalment(b, app, 2, b.today - timedelta(days=8))


def end_of_grant(b: DemoBuilder, app: Application, target: str, index: int) -> None:
    """After the final return is accepted (which raised any underspend as a recovery): the closed grants
    repay in full, or part and the rest is written off; the grant waiting for repayment has paid part;
    the final-return-accepted one owes nothing and waits to be closed."""
    finance, _finance2 = finance_pair(b)
    b.session.expire_all()
    recovery = app.recoveries[-1] if app.recoveries else None
    settled_on = b.today - timedelta(days=3)
    if recovery is not None and target in {"closed", "repayment_due"}:
        owed = recoveries.owed_pence(recovery)
        # A few days after the recovery was raised (never in the future).
        received_on = min(to_london(recovery.raised_at).date() + timedelta(days=4), b.today)
        part = owed if target == "closed" and index % 2 == 0 else owed // 2
        b.on(
            received_on,
            lambda: recoveries.record_money_received(
                b.session,
                finance,
                recovery,
                amount_pence=part,
                received_on=received_on,
                reference=f"{app.reference} underspend",
                today=received_on,
            ),
            hour=9,
        )
        settled_on = received_on
        if target == "closed" and part < owed:
            settled_on = min(received_on + timedelta(days=1), b.today)
            b.on(
                settled_on,
                lambda: recoveries.write_off(
                    b.session,
                    b.officer,
                    recovery,
                    reason="The group has closed its bank account now the project has ended; the rest "
                    "would cost more to recover than it is worth.",
                ),
                hour=9,
            )
    if target == "closed" and application_money(b.session, app.id).owed_pence <= 0:
        b.on(
            min(settled_on + timedelta(days=1), b.today),
            lambda: recoveries.close_grant(b.session, finance, app),
            hour=8,
        )
