"""The demo loads whenever it is loaded: `make run` on a fresh machine seeds it at whatever hour and
season that is, with every state there. Loaded just after midnight in winter it once failed, because
the earlier meetings were set four weeks apart in UTC and so began an hour later in summer than the
demo took attendance; from late March to July it failed too (an accepted offer starting next month
could not end within last year's fund year)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from grants_app import clock
from grants_app.dates import london_today, to_london
from grants_app.models import Application, Award, Meeting, Score
from grants_app.seed.demo import seed_demo
from grants_app.services.meetings import has_started
from grants_app.workflow import get_engine


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 1, 0, 17, tzinfo=UTC),  # just after midnight, winter
        datetime(2026, 9, 1, 5, 30, tzinfo=UTC),  # early morning, summer time
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC),  # the afternoon
        datetime(2027, 5, 15, 11, 0, tzinfo=UTC),  # spring: the demo's fund is last year's
    ],
    ids=["winter-midnight", "summer-morning", "afternoon", "spring"],
)
def test_the_demo_loads_at_any_hour_of_any_season(session, upload_folder, moment):
    with clock.pinned(moment):
        seed_demo(session, upload_folder, london_today())
        session.flush()
        meetings = session.execute(select(Meeting).order_by(Meeting.starts_at)).scalars().all()
        # JAG meets at one time of day in London, summer and winter alike.
        assert len({to_london(m.starts_at).time() for m in meetings}) == 1
        held = [m for m in meetings if has_started(m)]
        assert held and all(any(a.present for a in m.attendances) for m in held)
    states = set(session.execute(select(Application.state)).scalars())
    assert states == set(get_engine().definition("application").states)


def test_the_demos_signatories_and_score_reasons_read_as_a_real_panel_would(session, upload_folder):
    with clock.pinned(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)):
        seed_demo(session, upload_folder, london_today())
        session.flush()
    accepted = (
        session.execute(select(Application).join(Award).where(Award.accepted_by_role != "")).scalars().all()
    )
    assert accepted
    # Whoever declared the application as the group's secretary (chair, treasurer) accepts its offer as that.
    assert all(a.award.accepted_by_role == a.declaration_position for a in accepted)
    assert len({a.declaration_position for a in accepted}) > 1
    reasons = {
        score.score: score.justification.split(": ", 1)[1]
        for score in session.execute(select(Score)).scalars()
    }
    assert set(reasons) == {3, 4, 5} and len(set(reasons.values())) == 3
