"""Read-only records: the audit trail, the email outbox and the workflow pictures."""

from __future__ import annotations

import json

from flask_admin import BaseView, expose
from markupsafe import Markup

from grants_app.admin.security import RoleRequired
from grants_app.admin.views.base import StaffModelView, date_formatter
from grants_app.extensions import db
from grants_app.models import AuditEvent, OutboxEmail, Role
from grants_app.services.workflow_diagram import render_svg
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
    allowed_roles = frozenset({Role.OFFICER, Role.ADMIN})
    can_view_details = True
    column_list = ["created_at", "to_address", "subject", "sent_at", "attempts", "last_error"]
    column_default_sort = ("id", True)
    column_searchable_list = ["to_address", "subject"]
    column_formatters = {"created_at": date_formatter, "sent_at": date_formatter}

    def __init__(self, *args, **kwargs):
        super().__init__(OutboxEmail, db, *args, **kwargs)


class WorkflowView(RoleRequired, BaseView):
    @expose("/")
    def index(self):
        engine = get_engine()
        pictures = [(d, render_svg(d)) for d in engine.definitions.values()]
        return self.render("admin/workflows.html", pictures=pictures)
