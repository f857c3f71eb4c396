"""Every request's form data (and query string, which GET forms such as searches and filters send)
passes through grants_app.normalise.clean() once, before any form sees it.

Doing it where Werkzeug parses the body means no form can forget: the portal's GOV.UK forms, the
Flask-Admin forms, the pages that read request.form directly (scores, screening, workflow actions) and
the CSRF check all get the same clean text. Passwords and one-time codes are left exactly as typed:
changing them would lock people out whose password was set elsewhere.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from grants_app.normalise import clean

UNTOUCHED_FIELDS = frozenset({"password", "new_password", "confirm_password", "csrf_token"})


def clean_form(form: ImmutableMultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(key, value if key in UNTOUCHED_FIELDS else clean(value)) for key, value in form.items(multi=True)]
    )


class CleanFormRequest(Request):
    """Flask's Request whose `form` and `args` hold cleaned text (uploads in `files` are untouched)."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return clean_form(super().args)

    def _load_form_data(self) -> None:
        loaded = "form" in self.__dict__
        super()._load_form_data()
        if not loaded:
            self.__dict__["form"] = clean_form(self.__dict__["form"])
