"""Read-only records: the audit trail, the email outbox and the workflow pictures."""

from __future__ import annotations

import json

from flask import flash
from flask_admin import BaseView, expose
from flask_admin.actions import action
from markupsafe import Markup

from grants_app.admin.security import RoleRequired
from grants_app.admin.views import outbox_filters
from grants_app.admin.views.base import StaffModelView, date_formatter
from grants_app.extensions import db
from grants_app.models import AuditEvent, OutboxEmail, Role
from grants_app.params import parse_id
from grants_app.services import outbox
from grants_app.services.workflow_diagram import render_svg
from grants_app.text import plural
from grants_app.transaction import commit
from grants_app.workflow import get_engine


def _data(view, context, model, name):
    text = json.dumps(model.data or {}, ensure_ascii=False, sort_keys=True)
    return Markup('<span class="small">{}</span>').format(text[:400] + ("..." if len(text) > 400 else ""))


class AuditTrailView(StaffModelView):
    allowed_roles = frozenset({Role.OFFICER, Role.ADMIN})
    can_view_details = True
    column_list = [
        "occurred_at",
        "actor_label",
        "entity_type",
        "entity_id",
        "action",
        "trigger",
        "from_state",
        "to_state",
        "reason",
        "data",
    ]
    column_labels = {"occurred_at": "When", "actor_label": "Who", "entity_type": "Record", "entity_id": "Id"}
    column_default_sort = ("id", True)
    column_filters = ["entity_type", "entity_id", "action", "trigger", "actor_label", "occurred_at"]
    column_searchable_list = ["actor_label", "reason", "action"]
    column_formatters = {"occurred_at": date_formatter, "data": _data}

    def __init__(self, *args, **kwargs):
        super().__init__(AuditEvent, db, *args, **kwargs)


class OutboxView(StaffModelView):
    """Every email, with what became of it; the ones the sender gave up on can be sent again."""

    allowed_roles = frozenset({Role.OFFICER, Role.ADMIN})
    editor_roles = frozenset({Role.OFFICER, Role.ADMIN})
    can_view_details = True
    column_list = ["created_at", "to_address", "subject", "status", "attempts", "last_error"]
    column_details_list = [
        "created_at",
        "to_address",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "body_text",
    ]
    column_labels = {"created_at": "Queued", "to_address": "To", "next_attempt_at": "Next attempt"}
    column_default_sort = ("id", True)
    column_searchable_list = ["to_address", "subject"]
    column_formatters = {
        "created_at": date_formatter,
        "next_attempt_at": date_formatter,
        "status": lambda v, c, m, n: outbox.status_of(m),
    }
    column_formatters_detail = column_formatters
    column_filters = [outbox_filters.DeliveryFilter()]

    def __init__(self, *args, **kwargs):
        super().__init__(OutboxEmail, db, *args, **kwargs)

    def is_action_allowed(self, name: str) -> bool:
        return self.is_editor() and super().is_action_allowed(name)

    @action(
        "send_again",
        "Send again",
        "Send the selected emails again? Emails already sent are left as they are.",
    )
    def action_send_again(self, ids):
        actor = self.require_editor()
        queued, refused = outbox.send_again(db.session, actor, [i for i in map(parse_id, ids) if i])
        commit(db.session)
        if queued:
            flash(f"{plural(queued, 'email')} queued to be sent again", "success")
        if refused:
            flash(f"{plural(refused, 'email')} left as they were: already sent, or being sent now", "info")


class WorkflowView(RoleRequired, BaseView):
    @expose("/")
    def index(self):
        engine = get_engine()
        pictures = [(d, render_svg(d)) for d in engine.definitions.values()]
        return self.render("admin/workflows.html", pictures=pictures)
