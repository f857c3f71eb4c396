"""The Reports page: each role's reports, their filters as forms, and downloads in PDF, CSV and XLSX.

Thin: parse the filters, call a report builder, hand back the file. Bad filters re-show the page with
an error summary (400), never a 500. Downloads are GETs: reports only read.
"""

from __future__ import annotations

from flask import Response, abort, current_app, request
from flask_admin import BaseView, expose
from sqlalchemy import select

from grants_app.admin.security import RoleRequired, staff_user
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.models import Attendance, Fund, Meeting, Priority, Role, utcnow
from grants_app.reports import access, outputs
from grants_app.reports.forms import (
    JagPackForm,
    OpenDataForm,
    RagForm,
    SpendForm,
    StatementForm,
    choices,
    current_quarter,
    current_year,
)
from grants_app.reports.jag_pack import build_jag_pack
from grants_app.reports.open_data import build_open_data
from grants_app.reports.period import ReportFilterError, financial_year
from grants_app.reports.rag import build_rag_report
from grants_app.reports.spend import build_spend_report
from grants_app.reports.statement import build_statement
from grants_app.services import dashboard


def _download(output: outputs.Output) -> Response:
    # A CSV streams from the report's plain values, already read: the generator needs no request context.
    response = Response(output.body, mimetype=output.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{output.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class ReportsView(RoleRequired, BaseView):
    allowed_roles = access.ANY_REPORT

    def _require(self, report: str):
        user = staff_user()
        if not access.may(user, report):
            abort(403)
        return user

    # -- the page --------------------------------------------------------------------------------
    def _forms(self, **bound):
        year = current_year()
        forms = {
            "spend": bound.get("spend") or SpendForm(year=year),
            "statement": bound.get("statement") or StatementForm(),
            "jag_pack": bound.get("jag_pack") or JagPackForm(meeting_id=self._next_meeting_id()),
            "rag": bound.get("rag") or RagForm(year=year, quarter=str(current_quarter())),
            "open_data": bound.get("open_data") or OpenDataForm(year=year),
        }
        self._choices(forms)
        return forms

    def _choices(self, forms) -> None:
        if "spend" in forms:
            funds = db.session.execute(select(Fund).order_by(Fund.financial_year.desc(), Fund.name)).scalars()
            forms["spend"].fund_ids.choices = choices((f.id, f) for f in funds)
            priorities = db.session.execute(
                select(Priority).order_by(Priority.strategy_period_id.desc(), Priority.number)
            ).scalars()
            forms["spend"].priority_id.choices = choices(
                [("", "All priorities"), *((p.id, p) for p in priorities)]
            )
        if "jag_pack" in forms:
            forms["jag_pack"].meeting_id.choices = choices((m.id, m.title) for m in self._meetings())

    def _next_meeting_id(self) -> int | None:
        """The meeting under way (its pack is the one wanted on the day), else the next to be held, as the
        dashboards show it; else none chosen."""
        meeting = dashboard.meeting_under_way(db.session)
        if meeting is not None:
            return meeting.id
        return db.session.execute(
            select(Meeting.id).where(Meeting.starts_at >= utcnow()).order_by(Meeting.starts_at).limit(1)
        ).scalar_one_or_none()

    def _meetings(self) -> list[Meeting]:
        """Officers: every meeting. JAG members: meetings not yet held, the one under way, and those they
        attended."""
        stmt = select(Meeting).order_by(Meeting.starts_at.desc())
        user = staff_user()
        if not user.has_role(Role.OFFICER):
            attended = select(Attendance.meeting_id).where(Attendance.user_id == user.id)
            under_way = dashboard.meeting_under_way(db.session)
            stmt = stmt.where(
                (Meeting.starts_at > utcnow())
                | Meeting.id.in_(attended)
                | (Meeting.id == (under_way.id if under_way else -1))
            )
        return list(db.session.execute(stmt.limit(50)).scalars())

    def _page(self, status: int = 200, active: str = "", **bound):
        user = staff_user()
        forms = self._forms(**bound)
        visible = {name: form for name, form in forms.items() if access.may(user, name)}
        errors = bound.get(active).first_errors() if active and bound.get(active) else []
        return (
            self.render(
                "reports/admin_index.html",
                forms=visible,
                active=active,
                errors=errors,
                max_rows=access.WEB_PDF_MAX_ROWS,
            ),
            status,
        )

    @expose("/")
    def index(self):
        return self._page()

    def _bad(self, name: str, form, exc: ReportFilterError | None = None):
        if exc is not None:
            form.add_error(exc.field, exc.message)
        return self._page(400, name, **{name: form})

    # -- downloads -------------------------------------------------------------------------------
    @expose("/spend")
    def spend(self):
        user = self._require("spend")
        form = SpendForm(request.args)
        self._choices({"spend": form})
        if not form.validate():
            return self._bad("spend", form)
        try:
            period = form.period()
            report = build_spend_report(
                db.session,
                period,
                generated_by=user.full_name,
                fund_ids=list(form.fund_ids.data or []),
                priority_id=form.priority_id.data,
            )
        except ReportFilterError as exc:
            return self._bad("spend", form, exc)
        report.include_detail = form.format.data != "pdf" or report.detail_rows <= access.WEB_PDF_MAX_ROWS
        return _download(outputs.spend_output(report, form.format.data))

    @expose("/statement")
    def statement(self):
        user = self._require("statement")
        form = StatementForm(request.args)
        if not form.validate():
            return self._bad("statement", form)
        try:
            st = build_statement(db.session, form.grant_reference(), generated_by=user.full_name)
        except ReportFilterError as exc:
            return self._bad("statement", form, exc)
        return _download(outputs.statement_output(st, form.format.data))

    @expose("/jag-pack")
    def jag_pack(self):
        user = self._require("jag_pack")
        form = JagPackForm(request.args)
        self._choices({"jag_pack": form})
        if not form.validate():
            return self._bad("jag_pack", form)
        officer = user.has_role(Role.OFFICER)
        try:
            if form.meeting_id.data is None or (
                not officer and form.meeting_id.data not in {m.id for m in self._meetings()}
            ):
                raise ReportFilterError("meeting_id", "Choose a meeting from the list")
            pack = build_jag_pack(
                db.session,
                form.meeting_id.data,
                generated_by=user.full_name,
                viewer_id=user.id,
                viewer_sees_all=officer,
            )
        except ReportFilterError as exc:
            return self._bad("jag_pack", form, exc)
        return _download(outputs.jag_pack_output(pack, form.format.data))

    @expose("/rag")
    def rag(self):
        user = self._require("rag")
        form = RagForm(request.args)
        if not form.validate():
            return self._bad("rag", form)
        report = build_rag_report(
            db.session,
            form.year.data,
            int(form.quarter.data),
            generated_by=user.full_name,
            today=london_today(),
        )
        return _download(outputs.rag_output(report, form.format.data))

    @expose("/360giving")
    def open_data(self):
        self._require("open_data")
        form = OpenDataForm(request.args)
        if not form.validate():
            return self._bad("open_data", form)
        settings = current_app.config["SOSAFE"]
        package = build_open_data(
            db.session,
            form.year.data,
            prefix=settings.open_data_prefix,
            funder_id=settings.open_data_funder_id,
        )
        if not package["grants"]:
            return self._bad(
                "open_data",
                form,
                ReportFilterError(
                    "year", f"No grants were awarded in {financial_year(form.year.data).label}"
                ),
            )
        return _download(outputs.open_data_output(package, form.format.data, form.year.data))
