"""The domain's guards and effects, by name, for the workflow files to use.

Guards say whether a transition may happen (None, or a sentence saying why not); effects do the work
that follows one, in the same transaction. They live here, not in the engine, so the engine stays
generic and these rules can use the services (quorum, budget, outbox). The app factory hands RULES to
WorkflowEngine.load at start-up.

Where to find a rule by name:
  applications.py  fund open, application complete, question answered, screening notes
  meetings.py      the JAG meeting: started, minutes open, on the agenda, quorate, majority, agenda outcome
  budget.py        within the request, within the fund's budget, delegated limit, the award
  offers.py        offer ready to issue, expiry, issue and acceptance (the signatory)
  delivery.py      monitoring schedule and returns, the final return
  returns.py       a monitoring return's question and answer
  payments.py      two-person authorisation, payable grants, payments within the award (or accepted spend)
  settlement.py    settling the grant on its final return, recoveries, closure
  emails.py        every email the workflows send, queued in the outbox
  written_procedures.py  deciding between meetings: deadline, members, quorum, majority, the outcome
"""

from grants_app.rules import (  # noqa: F401 - importing registers each module's rules
    applications,
    budget,
    delivery,
    emails,
    meetings,
    offers,
    payments,
    returns,
    settlement,
    written_procedures,
)
from grants_app.rules.registry import RULES

__all__ = ["RULES"]
