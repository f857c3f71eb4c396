"""The applicant portal: thin routes that parse input, call a service through the unit of work and
render. Split by what the applicant is doing:

  pages.py         the start page, accessibility, privacy and the eligibility checker
  sign_in.py       signing in by email link, and out
  applications.py  the list of applications, starting one, an application's page, documents
  sections.py      the task list's sections of a draft
  decisions.py     check answers and send, withdraw, answer a question
  offers.py        the grant offer: read it and its letter, accept or decline
  organisation.py  inviting and removing colleagues
  returns.py       monitoring returns: spending, receipts, progress, outcomes, check and send
"""

from grants_app.web.portal import (  # noqa: F401 - importing registers each module's routes
    applications,
    decisions,
    offers,
    organisation,
    pages,
    returns,
    sections,
    sign_in,
)
from grants_app.web.portal.blueprint import bp

__all__ = ["bp"]
