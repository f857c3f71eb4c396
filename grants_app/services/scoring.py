"""JAG members score an application against its fund's criteria, each with a written justification."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import Application, Role, Score, ScoringCriterion, User, utcnow
from grants_app.normalise import compact
from grants_app.refusals import Refusal
from grants_app.services import audit
from grants_app.services.declarations import declaration_for, require_no_interest
from grants_app.services.permissions import require_role

DEFAULT_CRITERIA = ("Fit with priorities", "Community need", "Value for money", "Deliverability")
MAX_JUSTIFICATION = 5000


@dataclass(frozen=True)
class ScoreEntry:
    """One criterion's score as typed (checked by record_scores) and its justification."""

    criterion_id: int
    score: str  # as typed: checked here so a bad value gets a message, not a crash
    justification: str


def record_score(
    session: Session,
    actor: User,
    application: Application,
    criterion: ScoringCriterion,
    *,
    score: int,
    justification: str,
) -> Score:
    """Save the acting member's score (0 to the criterion's max_score) and justification for one
    criterion, replacing an earlier one. Refusal if the actor is not a JAG member, has not declared or
    has an interest, the application is not scoreable, or the score or justification is invalid."""
    require_role(actor, Role.JAG_MEMBER)
    require_no_interest(session, actor, application)
    if not has_tag(application, ApplicationTag.SCOREABLE):
        raise Refusal("Applications can be scored only after screening and before the decision")
    if criterion.fund_id != application.fund_id:
        raise Refusal("That criterion does not belong to this application's fund")
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= criterion.max_score:
        raise Refusal(
            f"Score {criterion.name} from 0 to {criterion.max_score}", field=f"score_{criterion.id}"
        )
    justification = (justification or "").strip()
    if not justification:
        raise Refusal(f"Explain your score for {criterion.name}", field=f"justification_{criterion.id}")
    if len(justification) > MAX_JUSTIFICATION:
        raise Refusal(
            "Keep each justification to 5,000 characters or fewer", field=f"justification_{criterion.id}"
        )
    row = session.execute(
        select(Score).where(
            Score.application_id == application.id,
            Score.user_id == actor.id,
            Score.criterion_id == criterion.id,
        )
    ).scalar_one_or_none()
    if row is None:
        row = Score(application_id=application.id, user_id=actor.id, criterion_id=criterion.id)
        session.add(row)
    row.score = score
    row.justification = justification
    row.scored_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "application",
        application.id,
        "score",
        data={"criterion": criterion.name, "score": score, "justification": justification},
    )
    return row


def record_scores(session: Session, actor: User, application: Application, entries: list[ScoreEntry]) -> None:
    """All criteria or nothing: every entry is checked before any score is written.

    Refusal with one message per criterion in `errors` (fields score_<id> and justification_<id>)."""
    criteria = {c.id: c for c in application.fund.scoring_criteria}
    if not criteria:
        raise Refusal("This fund has no scoring criteria: ask an administrator to add them")
    given = {e.criterion_id: e for e in entries if e.criterion_id in criteria}
    problems: dict[str, str] = {}
    parsed: list[tuple[ScoringCriterion, int, str]] = []
    for criterion in criteria.values():
        entry = given.get(criterion.id)
        raw = compact(entry.score if entry else "")
        # Both boxes of every criterion are checked, so the form can say everything that is wrong at once.
        valid_score = (
            raw.isascii() and raw.isdigit() and len(raw) <= 2 and 0 <= int(raw) <= criterion.max_score
        )
        if not valid_score:
            problems[f"score_{criterion.id}"] = f"Score {criterion.name} from 0 to {criterion.max_score}"
        justification = (entry.justification if entry else "") or ""
        if not justification.strip():
            problems[f"justification_{criterion.id}"] = f"Explain your score for {criterion.name}"
        elif len(justification.strip()) > MAX_JUSTIFICATION:
            problems[f"justification_{criterion.id}"] = (
                f"Keep your reason for {criterion.name} to 5,000 characters or fewer"
            )
        if valid_score and f"justification_{criterion.id}" not in problems:
            parsed.append((criterion, int(raw), justification))
    if problems:
        raise Refusal(". ".join(problems.values()), errors=problems)
    for criterion, value, justification in parsed:
        record_score(session, actor, application, criterion, score=value, justification=justification)


def may_see_scores(session: Session, user: User, application: Application) -> bool:
    """JAG members with an interest (or who have not declared) never see others' scores."""
    if not user.has_role(Role.JAG_MEMBER):
        return user.has_role(Role.OFFICER, Role.ADMIN, Role.RAG_VIEWER)
    declaration = declaration_for(session, application.id, user.id)
    return declaration is not None and not declaration.has_interest


def scores_for(session: Session, application_id: int) -> list[Score]:
    """Every member's scores on the application, by member then criterion."""
    return list(
        session.execute(
            select(Score)
            .where(Score.application_id == application_id)
            .join(ScoringCriterion, ScoringCriterion.id == Score.criterion_id)
            .order_by(Score.user_id, ScoringCriterion.position)
        ).scalars()
    )
