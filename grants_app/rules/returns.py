"""Rules of a monitoring return's own lifecycle: the officer's question, and the group's answer to it."""

from __future__ import annotations

from grants_app.models import ReturnQuery
from grants_app.rules.registry import effect, guard
from grants_app.services.return_checks import query_unanswered
from grants_app.workflow import TransitionContext


@guard("return_query_answered")
def return_query_answered(ctx: TransitionContext) -> str | None:
    """A return sent back with a question goes to the officer again only with the answer."""
    return "Answer our question before you send the return again" if query_unanswered(ctx.obj) else None


@effect("record_return_query")
def record_return_query(ctx: TransitionContext) -> None:
    """Keep the officer's question (the transition's reason) with the return, for the group to answer."""
    ctx.obj.queries.append(
        ReturnQuery(
            question=ctx.inputs["reason"], asked_by_id=getattr(ctx.actor, "id", None), asked_at=ctx.now
        )
    )


@effect("resolve_return_query")
def resolve_return_query(ctx: TransitionContext) -> None:
    """The answer went back with the return: the question is settled."""
    query = ctx.obj.open_query
    if query is not None:
        query.resolved_at = ctx.now
