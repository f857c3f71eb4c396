"""Ending every session of a person at once: each session carries the generation it started in."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from grants_app.models import User


def end_all_sessions(session: Session, user: User) -> int:
    """Move the person's session generation on by one, so every session begun before (any browser,
    any copied cookie) is refused from the next request. Returns the new generation. Flushes only.

    Atomic (one UPDATE ... RETURNING), so two sign-outs at once both count.
    """
    generation = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(session_generation=User.session_generation + 1)
        .returning(User.session_generation)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    session.expire(user, ["session_generation"])
    return generation
