"""Demo data: the SoSafe partnership with a year of applications in every state.

people.py (staff and groups), projects.py (what each group asked for), builder.py (the steps of a
grant's year), stories.py (each project taken to its target state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.models import OutboxEmail
from grants_app.seed.demo.builder import DemoBuilder, _at
from grants_app.seed.demo.people import DEMO_APPLICANT, DEMO_PASSWORD, DEMO_STAFF
from grants_app.seed.demo.stories import tell
from grants_app.seed.reference import load_reference_data


@dataclass
class DemoResult:
    staff: list[tuple[str, str, str]]
    applicant: tuple[str, str]
    applications: int


def seed_demo(session: Session, upload_folder: Path, today: date) -> DemoResult:
    """Load the partnership and a year of applications ending on `today` into an empty database
    (flushes; the caller commits). Uploaded demo documents go to `upload_folder`."""
    builder = DemoBuilder(session, upload_folder, today)
    with clock.pinned(_at(today - timedelta(days=240))):
        builder.ref = load_reference_data(session, today)
    builder.on(builder.ref.fund.opens_on - timedelta(days=14), builder.create_people)
    builder.create_meetings()
    count = tell(builder)
    # Emails queued while seeding describe the past; mark them sent so nobody is mailed today.
    for email in session.query(OutboxEmail).filter(OutboxEmail.sent_at.is_(None)):
        email.sent_at = email.created_at
        email.last_error = "demo data: not sent"
    session.flush()
    return DemoResult(
        staff=[
            (email, ", ".join(r.label for r in roles), agency) for email, _n, roles, agency, _t in DEMO_STAFF
        ],
        applicant=DEMO_APPLICANT,
        applications=count,
    )


__all__ = ["DEMO_APPLICANT", "DEMO_PASSWORD", "DEMO_STAFF", "DemoResult", "seed_demo"]
