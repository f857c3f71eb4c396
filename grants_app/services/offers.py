"""Offers that nobody accepted in time lapse (a daily job, run as the system)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.lifecycle import ApplicationTag, application_states
from grants_app.models import Application, Award
from grants_app.refusals import Refusal
from grants_app.workflow import fire


@dataclass
class LapseReport:
    """What the lapse job did: the references it lapsed and those refused, with why."""

    lapsed: list[str] = field(default_factory=list)  # references
    refused: list[tuple[str, str]] = field(default_factory=list)  # (reference, why)


def lapse_expired_offers(session: Session, actor, today: date) -> LapseReport:
    """Fire `lapse_offer` on every open offer whose expiry date is before `today` (Europe/London).

    Each lapse is its own savepoint inside the caller's transaction, so one refusal (reported, not
    raised) does not undo the others; the workflow emails each group.
    """
    report = LapseReport()
    apps = (
        session.execute(
            select(Application)
            .join(Award, Award.application_id == Application.id)
            .where(
                Application.state.in_(application_states(ApplicationTag.OFFER_OPEN)),
                Award.offer_expires_on < today,
            )
            .order_by(Application.id)
        )
        .scalars()
        .all()
    )
    for app in apps:
        try:
            with session.begin_nested():
                fire(session, app, "lapse_offer", actor)
        except Refusal as refusal:
            report.refused.append((app.reference, str(refusal)))
        else:
            report.lapsed.append(app.reference)
    return report
