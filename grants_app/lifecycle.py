"""The state tags the code relies on, and how code asks about them.

State names live only in workflows/*.yaml. A state carries tags there (`tags: [committed, payable]`);
code and templates ask "which states are committed?" or "is this payable?", never "is it 'approved'?",
so a partnership can rename or add states without breaking the budget figures. The rules package
declares these tags to the engine, and start-up fails (naming the file and line) if a workflow has no
state with one of them. Every terminal state also carries the tag "terminal".
"""

from __future__ import annotations

import enum
from typing import Any

from grants_app.workflow import get_engine


class ApplicationTag(enum.StrEnum):
    # The applicant may change its sections (a draft, or when answering our question).
    EDITABLE_BY_APPLICANT = "editable_by_applicant"
    # Not yet sent to us.
    UNSUBMITTED = "unsubmitted"
    # We asked a question and wait for the answer.
    AWAITING_ANSWER = "awaiting_answer"
    # Sent, waiting for the officer's screening.
    AWAITING_SCREENING = "awaiting_screening"
    # Passed screening: can be put on a JAG agenda.
    READY_FOR_AGENDA = "ready_for_agenda"
    # On a JAG agenda, waiting for the decision.
    AWAITING_DECISION = "awaiting_decision"
    # Circulated to the JAG members, who decide it by written procedure between meetings.
    UNDER_WRITTEN_PROCEDURE = "under_written_procedure"
    # JAG members may score it.
    SCOREABLE = "scoreable"
    # Approved: the officer is to issue the offer.
    AWAITING_OFFER = "awaiting_offer"
    # An offer the group can accept or decline.
    OFFER_OPEN = "offer_open"
    # The award counts against the fund's budget.
    COMMITTED = "committed"
    # Payments may be made.
    PAYABLE = "payable"
    # The offer is accepted; delivery starts on the project's start date (or earlier, by staff).
    AWAITING_DELIVERY = "awaiting_delivery"
    # The final return is accepted: the officer closes the grant once nothing is owed either way.
    TO_CLOSE = "to_close"
    # The grant is on hold (suspended): no payments; a grant at risk in the RAG report.
    ON_HOLD = "on_hold"
    TERMINAL = "terminal"


class ReturnTag(enum.StrEnum):
    # The group may change and send it.
    EDITABLE_BY_APPLICANT = "editable_by_applicant"
    # Not yet sent (or sent back to the group): overdue once past its due date.
    OUTSTANDING = "outstanding"
    # Its spend lines count as accepted spend.
    SPEND_ACCEPTED = "spend_accepted"
    # Its spend lines and people reached are reported figures: the group has sent it and it is not
    # back with them to change (a return being filled in, or changed after a question, is a draft).
    SPEND_REPORTED = "spend_reported"
    # Sent by the group, waiting for the officer to accept or query it.
    AWAITING_REVIEW = "awaiting_review"
    # Sent back to the group with the officer's question.
    QUERY_OPEN = "query_open"


class PaymentTag(enum.StrEnum):
    # Requested or authorised, not yet paid or cancelled.
    PENDING = "pending"
    # Waiting for a second finance user to authorise it.
    AWAITING_AUTHORISATION = "awaiting_authorisation"
    # Authorised or paid: counts against the award.
    COUNTS_AGAINST_AWARD = "counts_against_award"
    # The money has left the partnership's account.
    PAID_OUT = "paid_out"


class WrittenProcedureTag(enum.StrEnum):
    # Circulated: members declare and vote until the deadline (or until every member has responded).
    OPEN_FOR_VOTES = "open_for_votes"
    # Closed with a result (adopted, or referred to a meeting): reported to the next JAG for noting.
    CONCLUDED = "concluded"
    # The members adopted the recommendation: the application was decided as recommended.
    RECOMMENDATION_ADOPTED = "recommendation_adopted"
    TERMINAL = "terminal"


REQUIRED_TAGS: dict[str, type[enum.StrEnum]] = {
    "application": ApplicationTag,
    "monitoring_return": ReturnTag,
    "payment": PaymentTag,
    "written_procedure": WrittenProcedureTag,
}


def states(subject: str, tag: str) -> tuple[str, ...]:
    """The state names carrying `tag` in the workflows that govern `subject`, sorted (for SQL IN)."""
    return tuple(sorted(get_engine().states_tagged(subject, tag)))


def application_states(tag: ApplicationTag) -> tuple[str, ...]:
    return states("application", tag)


def return_states(tag: ReturnTag) -> tuple[str, ...]:
    return states("monitoring_return", tag)


def payment_states(tag: PaymentTag) -> tuple[str, ...]:
    return states("payment", tag)


def written_procedure_states(tag: WrittenProcedureTag) -> tuple[str, ...]:
    return states("written_procedure", tag)


def has_tag(obj: Any, tag: str) -> bool:
    """Whether obj (an application, return, payment or written procedure) is in a state carrying `tag`."""
    return get_engine().has_tag(obj, tag)
