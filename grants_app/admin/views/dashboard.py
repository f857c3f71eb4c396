"""The dashboard each staff role lands on."""

from __future__ import annotations

from flask import current_app
from flask_admin import AdminIndexView, expose

from grants_app.admin.security import RoleRequired, staff_user
from grants_app.admin.views.meetings import MeetingView
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.services import dashboard


class DashboardView(RoleRequired, AdminIndexView):
    @expose("/")
    def index(self):
        engine = current_app.extensions["workflow_engine"]
        user = staff_user()
        data = dashboard.build(db.session, user, engine.definition("application"), london_today())
        # Finance sees when the next meeting is but cannot open meeting records: no link to a 403.
        may_open_meetings = user.has_role(*MeetingView.allowed_roles)
        return self.render(
            "admin/dashboard.html", dashboard=data, user=user, may_open_meetings=may_open_meetings
        )
