"""What a guard or an effect is given: the TransitionContext of one fire() call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from grants_app.workflow.definition import TransitionDef, WorkflowDefinition

LONDON = ZoneInfo("Europe/London")


@dataclass
class TransitionContext:
    """Everything a guard or effect may read: the session (to query and add rows, never commit), the
    object, the actor, the transition's definition, its checked inputs, the state it leaves, and `now`
    (UTC; `today` is the Europe/London date)."""

    session: Session
    obj: Any
    actor: Any
    transition: TransitionDef
    definition: WorkflowDefinition
    inputs: dict[str, Any]
    from_state: str
    now: datetime
    settings: Any = None
    # What the person typed, before the transition's input specs checked it into `inputs`.
    raw_inputs: dict[str, Any] = field(default_factory=dict)
    # Set by a guard that refused: (guard name, sentence for the person).
    refusal: tuple[str, str] | None = None
    # Extra facts effects and guards want in the audit row (for example the vote count).
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.astimezone(LONDON).date()
