"""Monitoring returns for staff: the list (to review, overdue, due), and the officer's review page with
spend against the approved budget and the priority split, receipts, accept and query."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from grants_app.admin.actions import carry_out
from grants_app.admin.forms import ConfirmForm
from grants_app.admin.security import staff_user
from grants_app.admin.views.applications import _options
from grants_app.admin.views.base import StaffModelView, date_formatter, details_url, link, seen_version
from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ReturnTag, has_tag, return_states
from grants_app.models import Application, Fund, MonitoringReturn, Role
from grants_app.money import format_pence
from grants_app.params import parse_id
from grants_app.refusals import NotFound
from grants_app.services import return_review
from grants_app.transaction import run
from grants_app.workflow import available_triggers, get_engine

# What a list says for the spend of a return the group has not sent (or is changing after a question).
NOT_SENT = "Not sent yet"

SHOW_OPTIONS = [
    ("to_review", "To review"),
    ("overdue", "Overdue"),
    ("coming_up", "Due, not yet overdue"),
    ("accepted_spend", "Accepted"),
]


class ShowFilter(BaseSQLAFilter):
    """The officer's three questions: what is waiting for me, what is late, what is coming up."""

    def __init__(self) -> None:
        super().__init__(MonitoringReturn.state, "Show", options=SHOW_OPTIONS)

    def validate(self, value) -> bool:
        return value in dict(SHOW_OPTIONS)

    def apply(self, query, value, alias=None):
        today = london_today()
        outstanding = MonitoringReturn.state.in_(return_states(ReturnTag.OUTSTANDING))
        if value == "to_review":
            return query.filter(MonitoringReturn.state.in_(return_states(ReturnTag.AWAITING_REVIEW)))
        if value == "overdue":
            return query.filter(outstanding, MonitoringReturn.due_on < today)
        if value == "coming_up":
            return query.filter(outstanding, MonitoringReturn.due_on >= today)
        return query.filter(MonitoringReturn.state.in_(return_states(ReturnTag.SPEND_ACCEPTED)))

    def operation(self):
        return "equals"


class FundFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        super().__init__(MonitoringReturn.application_id, "Fund", options=_options(Fund, order=Fund.name))

    def validate(self, value) -> bool:
        return parse_id(value) is not None

    def clean(self, value):
        return parse_id(value)

    def apply(self, query, value, alias=None):
        ids = select(Application.id).where(Application.fund_id == value)
        return query.filter(MonitoringReturn.application_id.in_(ids))

    def operation(self):
        return "equals"


def _spend(view, context, model, name):
    # A draft's lines (a return still with the group, or sent back to be changed) are not reported spend.
    if not has_tag(model, ReturnTag.SPEND_REPORTED):
        return NOT_SENT
    return format_pence(model.spend_total_pence)


def _state(view, context, model, name):
    label = get_engine().staff_label(model)
    if return_review.is_overdue(model, london_today()):
        return f"{label} (overdue)"
    return label


class ReturnView(StaffModelView):
    """Staff see returns; the officer accepts or queries them (the workflow says who may)."""

    allowed_roles = frozenset({Role.OFFICER, Role.JAG_MEMBER, Role.FINANCE, Role.RAG_VIEWER, Role.ADMIN})
    editor_roles = frozenset({Role.OFFICER})
    can_view_details = True
    list_template = "admin/return_list.html"
    column_list = [
        "application",
        "organisation",
        "period_label",
        "due_on",
        "state",
        "spend",
        "submitted_at",
    ]
    column_labels = {
        "application": "Application",
        "organisation": "Organisation",
        "period_label": "Period",
        "due_on": "Due",
        "state": "State",
        "spend": "Spend reported",
        "submitted_at": "Sent",
        "application.reference": "reference",
        "application.title": "project title",
    }
    column_sortable_list = [
        ("application", "application.reference"),
        "period_label",
        "due_on",
        "state",
        "submitted_at",
    ]
    column_default_sort = ("due_on", False)
    column_searchable_list = ["application.reference", "application.title"]
    column_formatters = {
        "application": lambda v, c, m, n: link(
            details_url(v.endpoint, m.id), f"{m.application.reference} {m.application.title}"
        ),
        "organisation": lambda v, c, m, n: m.application.organisation.name,
        "due_on": date_formatter,
        "submitted_at": date_formatter,
        "state": _state,
        "spend": _spend,
    }

    def __init__(self, *args, **kwargs) -> None:
        self.column_filters = [ShowFilter(), FundFilter()]
        super().__init__(MonitoringReturn, db, *args, **kwargs)

    def get_query(self):
        # What each row shows, loaded with the page: the same handful of queries for 5 rows or 50.
        return (
            super()
            .get_query()
            .options(
                joinedload(MonitoringReturn.application).joinedload(Application.organisation),
                selectinload(MonitoringReturn.spend_lines),
            )
        )

    @expose("/")
    def index_view(self):
        self.refresh_filter_options()
        self._template_args["counts"] = return_review.return_counts(db.session, london_today())
        return super().index_view()

    # -- the review page -------------------------------------------------------------------------
    def _load(self, return_id) -> MonitoringReturn:
        try:
            return return_review.load_return(db.session, parse_id(return_id) or 0)
        except NotFound:
            abort(404)

    @expose("/details/")
    def details_view(self):
        return self._review_page(self._load(request.args.get("id")))

    def _review_page(self, ret: MonitoringReturn, *, question: str = "", error: str = "", status: int = 200):
        triggers = {t.trigger for t in available_triggers(ret, staff_user())}
        page = self.render(
            "admin/return_review.html",
            ret=ret,
            app=ret.application,
            review=return_review.review_of(db.session, ret),
            can_accept="accept" in triggers,
            can_query="query" in triggers,
            overdue=return_review.is_overdue(ret, london_today()),
            question=question,
            question_error=error,
            form=ConfirmForm(),
        )
        return page if status == 200 else (page, status)

    def _back(self, ret_id: int):
        return redirect(url_for(".details_view", id=ret_id))

    @expose("/<int:return_id>/accept", methods=["POST"])
    def accept(self, return_id: int):
        user = self.require_editor()
        ret = self._load(return_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        carry_out(
            lambda: return_review.accept_return(
                db.session, user, ret, expected_version=seen_version(request.form)
            ),
            f"Return accepted: {ret.application.reference} {ret.period_label}. The group has been emailed.",
        )
        return self._back(return_id)

    @expose("/<int:return_id>/query", methods=["POST"])
    def query(self, return_id: int):
        user = self.require_editor()
        ret = self._load(return_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        question = request.form.get("question", "")
        outcome = run(
            db.session,
            lambda: return_review.query_return(
                db.session, user, ret, question, expected_version=seen_version(request.form)
            ),
        )
        if outcome.ok:
            flash(
                f"Question sent to the group about {ret.application.reference} {ret.period_label}.", "success"
            )
            return self._back(return_id)
        if isinstance(outcome.refusal, NotFound):
            abort(404)
        # Shown on the page with what the officer typed, so it can be corrected rather than retyped.
        return self._review_page(
            self._load(return_id), question=question[:5000], error=str(outcome.refusal), status=422
        )
