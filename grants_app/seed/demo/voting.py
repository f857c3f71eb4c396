"""The demo's voting stories: members' own votes at the next meeting, and written procedure.

- At the next JAG meeting, four members are recorded present and three vote on the first item in their
  own screens (the fourth's vote is recorded by the officer for them); the item is still open. The
  clock is pinned to the meeting's start for this, so those votes carry the meeting's date.
- An urgent application was decided by written procedure after the last meeting (four of five members
  voted; the job closed it at the deadline) and waits to be noted at the next meeting.
- Another urgent application is circulating now: two members have voted, the rest see it in their tasks.
"""

from __future__ import annotations

from datetime import timedelta

from grants_app.dates import LONDON
from grants_app.models import Meeting, Recommendation, VoteChoice
from grants_app.seed.demo.builder import DemoBuilder, _at
from grants_app.seed.demo.projects import Project
from grants_app.services import meetings as meeting_service
from grants_app.services import votes, written_procedures
from grants_app.services.declarations import declaration_for
from grants_app.workflow import SYSTEM

DECIDED = Project(
    14,
    "Emergency safe rooms for survivors of modern slavery",
    "Three nights of emergency accommodation and a caseworker for people leaving exploitation, "
    "while a National Referral Mechanism place is found.",
    [(2, 100)],
    ["St Nicholas", "Bedwell"],
    [
        ("Venue hire", "Emergency rooms, 30 nights", 1500),
        ("Staff and sessional workers", "Caseworker hours", 900),
    ],
    "approved",
    12,
)
CIRCULATING = Project(
    13,
    "Hate crime reporting point at Pride in the Park",
    "A staffed third-party hate crime reporting stall at the town's Pride event, which falls before "
    "the next JAG meeting.",
    [(3, 100)],
    ["St Nicholas"],
    [
        ("Staff and sessional workers", "Trained volunteers' coordinator", 450),
        ("Publicity", "Reporting cards and banners", 350),
    ],
    "in_written_procedure",
    400,
)


def tell_voting(b: DemoBuilder, past: list[Meeting], upcoming: Meeting) -> int:
    """Run the voting stories; returns the number of applications they made."""
    _own_votes_at_the_next_meeting(b, upcoming)
    last = past[-1].starts_at.astimezone(LONDON).date() if past else b.today - timedelta(days=20)
    _decided_by_written_procedure(b, max(last + timedelta(days=1), b.today - timedelta(days=25)))
    _circulating_now(b)
    return 2


def _own_votes_at_the_next_meeting(b: DemoBuilder, meeting: Meeting) -> None:
    jag = b.jag[:4]
    item = next(
        (
            i
            for i in meeting.agenda_items
            if i.outcome is None and _all_declared_none(b, i.application_id, jag)
        ),
        None,
    )
    if item is None:
        return
    start = b.current_meeting_starts_at

    def attend() -> None:
        for member in jag:
            meeting_service.record_attendance(b.session, b.officer, meeting, member)

    b.at(start, attend)
    own = [
        (jag[0], VoteChoice.FOR, "The sessions are where the antisocial behaviour calls come from."),
        (jag[1], VoteChoice.FOR, ""),
        (jag[2], VoteChoice.AGAINST, "I would rather fund the existing youth club's evening sessions."),
    ]
    for minutes, (member, choice, comment) in enumerate(own, start=12):
        b.at(
            start + timedelta(minutes=minutes),
            lambda member=member, choice=choice, comment=comment: votes.cast_vote(
                b.session, member, item, member, choice, comment
            ),
        )
    # The fourth member has no device with them: the officer records their vote for them.
    b.at(
        start + timedelta(minutes=16),
        lambda: votes.cast_vote(b.session, b.officer, item, jag[3], VoteChoice.FOR),
    )


def _all_declared_none(b: DemoBuilder, application_id: int, members) -> bool:
    """Every one of the members has declared no interest in the application."""
    return all(
        (d := declaration_for(b.session, application_id, m.id)) is not None and not d.has_interest
        for m in members
    )


def _decided_by_written_procedure(b: DemoBuilder, circulated) -> None:
    app = b.build(DECIDED, circulated - timedelta(days=12))
    b.submit(app, circulated - timedelta(days=9))
    b.screen(app, circulated - timedelta(days=3))
    deadline = _at(circulated + timedelta(days=3), 17)
    procedure = b.at(
        _at(circulated, 9, 30),
        lambda: written_procedures.start_written_procedure(
            b.session,
            b.officer,
            app,
            deadline_at=deadline,
            summary=(
                "Haven and the Modern Slavery Support Network have three survivors leaving a car wash in "
                "Bedwell this week with nowhere safe to stay. The police support this. The next JAG is "
                "three weeks away."
            ),
            recommendation=Recommendation.APPROVE,
            amount_pence=app.amount_requested_pence,
            conditions="Report the nights used and onward referrals with the first monitoring return.",
        ),
    )
    b.score_and_declare(app, circulated, scorers=b.jag)
    responses = [
        (
            b.user("jag.police@sosafe.example"),
            VoteChoice.FOR,
            "Strongly support: our officers made the referral.",
        ),
        (b.user("jag.council@sosafe.example"), VoteChoice.FOR, ""),
        (b.user("jag.nhs@sosafe.example"), VoteChoice.FOR, "Health will follow up the survivors' care."),
        (b.user("jag.fire@sosafe.example"), VoteChoice.ABSTAIN, "No view from Fire on this one."),
    ]
    for hours, (member, choice, comment) in enumerate(responses, start=3):
        b.at(
            _at(circulated, 10) + timedelta(hours=hours * 5),
            lambda member=member, choice=choice, comment=comment: written_procedures.cast_written_vote(
                b.session, member, procedure, member, choice, comment
            ),
        )
    # Mark Benson (county) did not respond: the nightly job closed it after the deadline.
    b.at(
        deadline + timedelta(hours=7),
        lambda: written_procedures.close_due_written_procedures(b.session, SYSTEM),
    )


def _circulating_now(b: DemoBuilder) -> None:
    app = b.build(CIRCULATING, b.today - timedelta(days=9))
    b.submit(app, b.today - timedelta(days=7))
    b.screen(app, b.today - timedelta(days=3))
    procedure = b.at(
        _at(b.today - timedelta(days=1), 11),
        lambda: written_procedures.start_written_procedure(
            b.session,
            b.officer,
            app,
            deadline_at=_at(b.today + timedelta(days=2), 17),
            summary=(
                "Pride in the Park falls before the next JAG. Stevenage Pride Collective would staff a "
                "third-party hate crime reporting point, with the police hate crime officer on site."
            ),
            recommendation=Recommendation.APPROVE,
            amount_pence=app.amount_requested_pence,
        ),
    )
    b.score_and_declare(app, b.today - timedelta(days=1), scorers=b.jag[:2])
    for hours, member in enumerate(b.jag[:2], start=2):
        b.at(
            _at(b.today - timedelta(days=1), 12) + timedelta(hours=hours),
            lambda member=member: written_procedures.cast_written_vote(
                b.session, member, procedure, member, VoteChoice.FOR, ""
            ),
        )
