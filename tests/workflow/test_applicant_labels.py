"""What applicants read about their application: each step of a workflow has its own label, so the
history never says the same thing twice for two different steps."""

from __future__ import annotations

from collections import Counter

from grants_app.services.applicant_actions import applicant_history
from grants_app.workflow import get_engine


def test_every_state_has_its_own_applicant_label(app):
    for definition in get_engine().definitions.values():
        labels = Counter(state.applicant_label for state in definition.states.values())
        repeated = {label: n for label, n in labels.items() if n > 1}
        assert repeated == {}, f"{definition.name}: {repeated}"


def test_the_applicants_history_names_each_step_differently(make, session):
    officer = make.officer()
    meeting = make.meeting(officer, days_ahead=7)
    application = make.on_agenda(meeting, officer)
    steps = [entry.what for entry in reversed(applicant_history(session, application))]
    assert steps == [
        "Application started",
        "Submitted",
        "Passed our first checks",
        "To be decided at a panel meeting",
    ]
    assert all(a != b for a, b in zip(steps, steps[1:], strict=False))
