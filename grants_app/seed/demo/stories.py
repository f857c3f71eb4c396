"""The demo's stories: every project of projects.PROJECTS taken, step by step, to its target state."""

from __future__ import annotations

from datetime import timedelta

from grants_app.dates import LONDON
from grants_app.models import Meeting
from grants_app.seed.demo import money
from grants_app.seed.demo import returns as demo_returns
from grants_app.seed.demo.builder import DemoBuilder
from grants_app.seed.demo.projects import PROJECTS
from grants_app.seed.demo.voting import tell_voting
from grants_app.workflow import SYSTEM, fire


def tell(b: DemoBuilder) -> int:
    """Run every story; returns the number of applications made."""
    past = b.meetings[:-2]  # held and minuted; the current meeting is under way, the last is four weeks on
    upcoming = b.current_meeting
    for meeting in past:
        b.hold(meeting)

    def meeting_back(k: int) -> Meeting:
        return past[max(len(past) - k, 0)]

    count = 0
    for index, project in enumerate(PROJECTS):
        target = project.target
        count += 1
        if target in {"final_return_accepted", "repayment_due", "closed"}:
            meeting = meeting_back(6)
            met = meeting.starts_at.astimezone(LONDON).date()
            # Ended five weeks ago, or by the end of the fund's year when that came first (the demo's
            # fund is last year's until a new year is four months old).
            project.options["end_date"] = min(
                b.today - timedelta(days=35 + index % 7), b.ref.fund.year_ends_on - timedelta(days=index % 7)
            )
            app = b.build(project, met - timedelta(days=40))
            app.start_date = max(met + timedelta(days=14), app.fund.year_starts_on)
            b.to_meeting(app, meeting, met - timedelta(days=30))
            b.decide(app, meeting, "approve", amount_pence=app.amount_requested_pence, conditions="")
            b.deliver(app, meeting)
            # The final return accepted settles the grant: an underspend becomes a recovery.
            b.file_returns(app, spend_fraction=1.0 if target == "final_return_accepted" else 0.9, final=True)
            money.end_of_grant(b, app, target, index)
            continue

        if target == "draft":
            b.build(project, b.day(10 + index))
            continue
        if target in {"submitted", "information_requested", "ineligible", "withdrawn", "eligible"}:
            app = b.build(project, b.day(30 + index))
            b.submit(app, b.day(20 + index % 5))
            if target == "information_requested":
                b.on(
                    b.day(12),
                    lambda app=app: fire(
                        b.session,
                        app,
                        "request_information",
                        b.officer,
                        reason="Please send a breakdown of the venue costs and confirm who will run the sessions.",
                    ),
                )
            elif target == "ineligible":
                b.on(
                    b.day(15),
                    lambda app=app: fire(
                        b.session,
                        app,
                        "fail_screening",
                        b.officer,
                        reason="The fund cannot pay for capital works to buildings or for activities outside community safety.",
                    ),
                )
            elif target == "withdrawn":
                b.on(
                    b.day(14),
                    lambda app=app: fire(
                        b.session,
                        app,
                        "withdraw",
                        b.member_of(app.organisation),
                        reason="Our church has agreed to fund this instead.",
                    ),
                )
            elif target == "eligible":
                b.screen(app, b.day(15))
                b.score_and_declare(app, b.day(8), scorers=b.jag[:2])
            continue
        if target == "on_agenda":
            app = b.build(project, b.day(40 + index % 5))
            b.to_meeting(app, upcoming, b.day(25 + index % 5), scored=not project.options.get("unscored"))
            continue
        if target == "approved" and project.options.get("delegated"):
            app = b.build(project, b.day(30))
            b.submit(app, b.day(25))
            b.screen(app, b.day(20))
            b.on(
                b.day(10),
                lambda app=app: fire(
                    b.session,
                    app,
                    "approve_delegated",
                    b.officer,
                    amount_pence=app.amount_requested_pence,
                    reason="Small award under delegated authority; reported to the next JAG.",
                ),
            )
            continue

        back = {
            "approved": 1,
            "declined": 2,
            "offer_issued": 1,
            "offer_declined": 3,
            "offer_lapsed": 3,
            "offer_accepted": 1,
            "in_delivery": 4,
            "suspended": 5,
        }[target]
        meeting = meeting_back(back)
        met = meeting.starts_at.astimezone(LONDON).date()
        app = b.build(project, met - timedelta(days=40))
        b.to_meeting(app, meeting, met - timedelta(days=30))
        if target == "declined":
            b.decide(
                app, meeting, "decline", reason="The JAG felt the project duplicates existing provision."
            )
            continue
        amount = app.amount_requested_pence if index % 3 else app.amount_requested_pence * 9 // 10
        b.decide(
            app,
            meeting,
            "approve",
            amount_pence=amount,
            conditions="Send photographs and attendance figures with each monitoring return.",
        )
        if target == "approved":
            continue
        applicant = b.member_of(app.organisation)
        if target == "offer_issued":
            # Issued recently, so the group still has time to accept it in the demo.
            money.issue_offer(b, app, b.today - timedelta(days=3))
            continue
        if target == "offer_accepted":
            # Its project starts next month, so it waits at "Offer accepted" (delivery starts by itself
            # on the start date) with its first instalment authorised for finance@ to record as paid.
            app.start_date = (b.today.replace(day=1) + timedelta(days=32)).replace(day=1)
            # From late March to July the demo's fund is last year's, whose year has ended: this one
            # project then runs on past it rather than the demo failing to load.
            app.end_date = max(app.end_date, app.start_date + timedelta(days=90))
        money.issue_offer(b, app, met + timedelta(days=2))
        if target == "offer_declined":
            b.on(
                met + timedelta(days=9),
                lambda app=app, a=applicant: fire(
                    b.session, app, "decline_offer", a, reason="We could not find a venue in time."
                ),
            )
            continue
        if target == "offer_lapsed":
            b.on(
                met + timedelta(days=2 + app.fund.offer_valid_days + 1),
                lambda app=app: fire(b.session, app, "lapse_offer", SYSTEM),
            )
            continue
        money.accept_offer(b, app, met + timedelta(days=6))
        if target == "offer_accepted":
            money.pay_instalment(b, app, 1, b.today - timedelta(days=1), pay=False)
            continue
        b.on(
            met + timedelta(days=8),
            lambda app=app: fire(b.session, app, "start_delivery", b.officer),
        )
        money.pay_instalment(b, app, 1, met + timedelta(days=9))
        if target != "suspended":  # the suspended project stopped sending returns: they are overdue
            b.file_returns(app, spend_fraction=0.8)
            money.in_delivery_payments(b, app, index)
        if target == "suspended":
            b.on(
                b.today - timedelta(days=6),
                lambda app=app: fire(
                    b.session,
                    app,
                    "suspend",
                    b.officer,
                    reason="Sessions have not run since the lead youth worker left; we are reviewing the grant.",
                ),
            )
    # The returns the grants in delivery held back: waiting for review, queried, overdue.
    demo_returns.tell(b)
    # A delegated approval is reported to the next meeting for noting.
    count += tell_voting(b, past, upcoming)
    return count
