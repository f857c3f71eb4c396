"""Typed workflow errors; each message is written for the person who tried the action.

Every refusal is a grants_app.refusals.Refusal, so faces handle the engine's refusals and the services'
alike. IllegalStateWrite is not a refusal but a programming error.
"""

from __future__ import annotations

from grants_app.refusals import AlreadyDone, Refusal


class WorkflowError(Refusal):
    """Base class: the action was refused and nothing was changed."""

    def __init__(self, message: str, *, trigger: str | None = None, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.trigger = trigger


class WorkflowDefinitionError(WorkflowError):
    """A workflow file is invalid; raised at start-up, naming the file and line."""


class InvalidTransition(WorkflowError):
    """The trigger does not exist, or is not allowed from the object's current state."""


class PermissionDenied(WorkflowError):
    """The actor's role does not allow this action on this object."""


class GuardFailed(WorkflowError):
    """A business rule refused the action; the message says which rule."""

    def __init__(self, message: str, *, guard: str | None = None, trigger: str | None = None) -> None:
        super().__init__(message, trigger=trigger)
        self.guard = guard


class InvalidInput(WorkflowError):
    """A required input is missing or an input has the wrong type or size."""

    def __init__(self, message: str, *, field: str | None = None, trigger: str | None = None) -> None:
        super().__init__(message, trigger=trigger, field=field)


class ConflictError(WorkflowError):
    """Someone else changed the object since it was read; reload and try again."""


class TransitionAlreadyMade(ConflictError, AlreadyDone):
    """The trigger was fired again after it had been made (a double click, a form sent again, or the
    same action by someone else a moment before): the object is already where the trigger leads.

    A ConflictError, so a face that takes a conflict to mean "the other request went through" still
    does; an AlreadyDone, so faces show its message (who did it and when) as news, not as an error.
    """


class IllegalStateWrite(RuntimeError):
    """Code outside the engine tried to write a lifecycle state column. A programming error."""
