"""How the admin runs an action: one use case, one transaction, and a flash saying what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash

from grants_app.extensions import db
from grants_app.refusals import AlreadyDone, NotFound
from grants_app.transaction import Outcome, run

T = TypeVar("T")


def carry_out(work: Callable[[], T], success: str | Callable[[T], str], *, prefix: str = "") -> Outcome[T]:
    """Run `work` (a service call) as one transaction. On success flash `success` (or success(value));
    on a Refusal flash its message (after `prefix`) with nothing changed; NotFound is a 404. AlreadyDone
    (the same request sent twice) is flashed as information without the prefix: what was asked for is
    done, and the message says by whom and when."""
    outcome = run(db.session, work)
    if outcome.ok:
        flash(success(outcome.value) if callable(success) else success, "success")
    elif isinstance(outcome.refusal, NotFound):
        abort(404)
    elif isinstance(outcome.refusal, AlreadyDone):
        flash(str(outcome.refusal), "info")
    else:
        flash(f"{prefix}{outcome.refusal}", "error")
    return outcome
