"""JAG members score an application against its fund's criteria, each with a written justification."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.models import Application, DeclarationOfInterest, Score, ScoringCriterion, User
from grants_app.services.meetings import MeetingRuleBroken, declaration_for, record_score

DEFAULT_CRITERIA = ("Fit with priorities", "Community need", "Value for money", "Deliverability")


@dataclass(frozen=True)
class ScoreEntry:
    criterion_id: int
    score: str  # as typed: checked here so a bad value gets a message, not a crash
    justification: str


def record_scores(session: Session, actor: User, application: Application, entries: list[ScoreEntry]) -> None:
    """All criteria or nothing: every entry is checked before any score is written."""
    criteria = {c.id: c for c in application.fund.scoring_criteria}
    if not criteria:
        raise MeetingRuleBroken("This fund has no scoring criteria: ask an administrator to add them")
    given = {e.criterion_id: e for e in entries if e.criterion_id in criteria}
    problems: list[str] = []
    parsed: list[tuple[ScoringCriterion, int, str]] = []
    for criterion in criteria.values():
        entry = given.get(criterion.id)
        raw = (entry.score if entry else "").strip()
        if not raw.isdigit() or not 0 <= int(raw) <= criterion.max_score:
            problems.append(f"Score {criterion.name} from 0 to {criterion.max_score}")
            continue
        if not (entry.justification or "").strip():
            problems.append(f"Explain your score for {criterion.name}")
            continue
        parsed.append((criterion, int(raw), entry.justification))
    if problems:
        raise MeetingRuleBroken(". ".join(problems))
    for criterion, value, justification in parsed:
        record_score(session, actor, application, criterion, score=value, justification=justification)


def may_see_scores(session: Session, user: User, application: Application) -> bool:
    """JAG members with an interest (or who have not declared) never see others' scores."""
    if not user.has_role("jag_member"):
        return user.has_role("officer", "admin", "rag_viewer")
    declaration = declaration_for(session, application.id, user.id)
    return declaration is not None and not declaration.has_interest


def scores_for(session: Session, application_id: int) -> list[Score]:
    return list(
        session.execute(
            select(Score)
            .where(Score.application_id == application_id)
            .join(ScoringCriterion, ScoringCriterion.id == Score.criterion_id)
            .order_by(Score.user_id, ScoringCriterion.position)
        ).scalars()
    )


def declarations_for(session: Session, application_id: int) -> list[DeclarationOfInterest]:
    return list(
        session.execute(
            select(DeclarationOfInterest)
            .where(DeclarationOfInterest.application_id == application_id)
            .order_by(DeclarationOfInterest.declared_at)
        ).scalars()
    )
