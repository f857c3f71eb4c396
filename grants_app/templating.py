"""Jinja filters and globals shared by the portal, the admin and the reports."""

from __future__ import annotations

from flask import Flask, current_app

from grants_app.dates import format_date, format_datetime, london_today
from grants_app.lifecycle import ReturnTag
from grants_app.money import format_pence, pence_in_words
from grants_app.text import plural, possessive


def state_label(obj, audience: str = "staff") -> str:
    """The label of obj's state for staff, or for the applicant (`audience="applicant"`)."""
    engine = current_app.extensions["workflow_engine"]
    return engine.applicant_label(obj) if audience == "applicant" else engine.staff_label(obj)


def has_tag(obj, tag: str) -> bool:
    """Jinja test: `{% if application is tagged "editable_by_applicant" %}` (see grants_app.lifecycle)."""
    return current_app.extensions["workflow_engine"].has_tag(obj, tag)


def is_overdue(ret) -> bool:
    """Jinja test: `{% if ret is overdue %}`: a monitoring return not yet sent (or sent back) after its
    due date (Europe/London)."""
    return has_tag(ret, ReturnTag.OUTSTANDING) and ret.due_on < london_today()


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        pence=format_pence,
        pence_words=pence_in_words,
        date=format_date,
        datetime=format_datetime,
        state_label=state_label,
        # {{ count|plural('member') }} -> '1 member', '5 members'
        plural=plural,
        possessive=possessive,
    )
    app.jinja_env.tests["tagged"] = has_tag
    app.jinja_env.tests["overdue"] = is_overdue
    app.jinja_env.globals.update(format_pence=format_pence)
