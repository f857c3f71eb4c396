"""The one way a use case says no: a Refusal, with a message for the person and, where there is one,
the field it is about.

Services, guards and the workflow engine raise a Refusal (or a subclass); nothing has been changed when
one is raised, and the caller's unit of work rolls back. Each face turns it into what its user sees: a
flash in the admin, a form error with a GOV.UK error summary in the portal, a message on stderr in the
CLI (see grants_app.transaction.run).
"""

from __future__ import annotations


class Refusal(Exception):
    """The action was refused and nothing was changed.

    `message` is a sentence for the person who tried; `field` names the form field it is about (or None
    for the whole form); `errors` holds several field messages at once ({field: message}), in the order
    the fields appear, for forms that check everything before refusing.
    """

    def __init__(
        self, message: str = "", *, field: str | None = None, errors: dict[str, str] | None = None
    ) -> None:
        errors = dict(errors or {})
        if not message:
            message = "; ".join(errors.values()) or "That cannot be done"
        if field is not None and field not in errors:
            errors = {field: message, **errors}
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors

    def __str__(self) -> str:
        return self.message


class NotFound(Refusal):
    """The actor may not see this object at all: every face shows it as "page not found" (404), so an
    applicant cannot tell another organisation's application from one that does not exist."""


class AlreadyDone(Refusal):
    """What was asked for had already been done (the same request sent twice, or the same action by
    someone else a moment before): nothing was changed, and the message says what was done, by whom and
    when where that is known. Faces show it as information rather than as an error."""
