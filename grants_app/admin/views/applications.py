"""Applications: the list with filters and search, the detail page and every workflow action on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    has_app_context,
    redirect,
    request,
    send_from_directory,
    url_for,
)
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased

from grants_app.admin.actions import carry_out
from grants_app.admin.forms import ConfirmForm, DeclarationForm
from grants_app.admin.security import staff_user
from grants_app.admin.views.base import (
    StaffModelView,
    csv_response,
    date_formatter,
    details_url,
    link,
    pence_formatter,
    seen_version,
)
from grants_app.dates import london_moment, london_now, parse_date
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, has_tag
from grants_app.models import (
    AgendaItem,
    Application,
    ApplicationPriority,
    Document,
    Fund,
    Meeting,
    Organisation,
    Partnership,
    Priority,
    Role,
    User,
    Ward,
    WrittenProcedure,
    application_wards,
    utcnow,
)
from grants_app.models.fund import fund_label
from grants_app.money import parse_pounds, pounds_decimal
from grants_app.normalise import parse_id
from grants_app.params import MAX_ID, parse_page
from grants_app.refusals import AlreadyDone, NotFound, Refusal
from grants_app.services import (
    application_checks,
    application_history,
    application_search,
    application_summary,
    ballots,
    csv_export,
    decisions,
    scoring,
    screening,
    written_procedures,
)
from grants_app.services.declarations import declaration_for, declarations_for, declare_interest
from grants_app.services.meeting_record import response_words
from grants_app.services.meetings import add_to_agenda
from grants_app.services.scoring import ScoreEntry
from grants_app.services.workflow_diagram import render_svg
from grants_app.text import plural
from grants_app.transaction import run
from grants_app.workflow import InvalidInput, available_triggers, get_engine

# The written-procedure form field each circulate guard's refusal is about.
GUARD_FIELDS = {"deadline_far_enough": "deadline_date", "recommendation_within_request": "amount"}
# Triggers with a form of their own on the page (or fired only by the written procedure's close).
# Actions with their own form on the page (screening, written procedure, the offer's preparation page):
# never offered, nor carried out, as a bare button, so nothing skips what those forms ask for.
OWN_FORMS = frozenset(
    {"pass_screening", "fail_screening", "put_to_written_procedure", "leave_written_procedure", "issue_offer"}
)


# Audit events of the history shown at first, and at most (a page more each time "show older" is used).
HISTORY_PAGE = 50
MAX_HISTORY = 5_000


# -- filters: each narrows by a subquery, so no join duplicates rows ------------------------------
class _SubqueryFilter(BaseSQLAFilter):
    def __init__(self, name: str, options=None) -> None:
        super().__init__(Application.id, name, options=options)

    def validate(self, value) -> bool:
        return parse_id(value) is not None

    def clean(self, value):
        return parse_id(value)

    def operation(self):
        return "equals"


class StateFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        definition = get_engine().definition("application")
        super().__init__(
            Application.state,
            "State",
            options=[(name, state.staff_label) for name, state in definition.states.items()],
        )

    def validate(self, value) -> bool:
        # A state no workflow has is refused with Flask-Admin's "Invalid Filter Value" (it showed an
        # empty list with no word of why).
        return value in {name for name, _label in self.options or ()}

    def apply(self, query, value, alias=None):
        return query.filter(Application.state == value)

    def operation(self):
        return "equals"


def _options(model, label=str, order=None):
    def load():
        # Flask-Admin reads options when the view is built (no request, maybe no tables yet) and again
        # from a list request now and then (see refresh_filter_options), so new funds and meetings
        # appear without a restart.
        if not has_app_context():
            return []
        try:
            rows = db.session.execute(
                select(model).order_by(order if order is not None else model.id)
            ).scalars()
            return [(str(r.id), label(r)) for r in rows]
        except SQLAlchemyError:
            db.session.rollback()
            return []

    return load


class FundFilter(_SubqueryFilter):
    def apply(self, query, value, alias=None):
        return query.filter(Application.fund_id == value)


class PriorityFilter(_SubqueryFilter):
    def apply(self, query, value, alias=None):
        ids = select(ApplicationPriority.application_id).where(ApplicationPriority.priority_id == value)
        return query.filter(Application.id.in_(ids))


class WardFilter(_SubqueryFilter):
    def apply(self, query, value, alias=None):
        ids = select(application_wards.c.application_id).where(application_wards.c.ward_id == value)
        return query.filter(Application.id.in_(ids))


class MeetingFilter(_SubqueryFilter):
    def apply(self, query, value, alias=None):
        ids = select(AgendaItem.application_id).where(AgendaItem.meeting_id == value)
        return query.filter(Application.id.in_(ids))


class AmountFilter(BaseSQLAFilter):
    def __init__(self, at_least: bool) -> None:
        super().__init__(Application.amount_requested_pence, "Amount requested (£)")
        self.at_least = at_least

    def validate(self, value) -> bool:
        try:
            pence = parse_pounds(value)
        except ValueError:
            return False
        return abs(pence) <= MAX_ID  # the column is a 32-bit INTEGER of pence

    def clean(self, value):
        return parse_pounds(value)

    def apply(self, query, value, alias=None):
        column = Application.amount_requested_pence
        return query.filter(column >= value if self.at_least else column <= value)

    def operation(self):
        return "at least" if self.at_least else "at most"


# -- turning a workflow input spec into what a person types, and back ------------------------------
def parse_inputs(transition, form) -> dict:
    """Form text to fire() inputs; a bad value raises InvalidInput with a message for the person."""
    inputs: dict = {}
    for spec in transition.inputs:
        raw = (form.get(spec.name) or "").strip()
        if spec.type == "bool":
            inputs[spec.name] = raw in {"y", "yes", "on", "true"}
            continue
        if not raw:
            continue
        if spec.type == "pence":
            try:
                inputs[spec.name] = parse_pounds(raw)
            except ValueError as exc:
                raise InvalidInput(str(exc), field=spec.name) from None
        elif spec.type == "date":
            try:
                inputs[spec.name] = parse_date(raw, label=spec.name.replace("_", " ").capitalize())
            except ValueError as exc:
                raise InvalidInput(str(exc), field=spec.name) from None
        elif spec.type in {"id", "int"}:
            value = parse_id(raw)
            if value is None:
                raise InvalidInput(
                    f"Choose a {spec.name.removesuffix('_id').replace('_', ' ')}", field=spec.name
                )
            inputs[spec.name] = value
        else:
            inputs[spec.name] = raw
    return inputs


def written_procedure_defaults(app: Application, min_hours: int) -> dict[str, str]:
    """The start form's first values: a deadline at 5pm at least `min_hours` ahead (3 days at the
    least), the application's own summary and its full amount."""
    now = london_now()
    day = (now + timedelta(hours=max(min_hours, 72))).date()
    if london_moment(day, time(17, 0)) < now + timedelta(hours=min_hours):
        day += timedelta(days=1)
    pence = app.amount_requested_pence
    return {
        "deadline_date": day.isoformat(),
        "deadline_time": "17:00",
        "summary": app.summary,
        # The officer chooses; nothing is pre-selected (GOV.UK: radios start unselected).
        "recommendation": "",
        "amount": pounds_decimal(pence),
        "conditions": "",
        "reason": "",
    }


class _CappedCount:
    """Stands for Flask-Admin's count query: filters and joins narrow a query of ids, counted no further
    than cap + 1 rows. Flask-Admin's scalar() call only hands it back: ApplicationView reads the count
    with the page's rows, one round trip instead of two (run() counts on its own, for an empty page)."""

    def __init__(self, query, cap: int) -> None:
        self.query = query
        self.cap = cap

    def filter(self, *conditions):
        return _CappedCount(self.query.filter(*conditions), self.cap)

    def join(self, *args, **kwargs):
        return _CappedCount(self.query.join(*args, **kwargs), self.cap)

    def outerjoin(self, *args, **kwargs):
        return _CappedCount(self.query.outerjoin(*args, **kwargs), self.cap)

    def scalar(self) -> _CappedCount:
        return self

    def column(self):
        return application_search.capped_count_column(self.query.statement, self.cap)

    def run(self) -> int:
        return application_search.capped_count(db.session, self.query.statement, self.cap)


def open_meetings() -> list[Meeting]:
    """Meetings whose minutes are not approved, latest first (decisions may be recorded after one)."""
    return list(
        db.session.execute(
            select(Meeting).where(Meeting.minutes_approved_at.is_(None)).order_by(Meeting.starts_at.desc())
        ).scalars()
    )


# A meeting that started less than this long ago is still one an agenda may be added to (it is under
# way); earlier ones have been held.
UNDER_WAY = timedelta(hours=12)


def upcoming_meetings() -> list[Meeting]:
    """Meetings an agenda is being made for: under way or to come, minutes not approved, soonest
    first. The bulk agenda action offered every meeting back to the first one."""
    return list(
        db.session.execute(
            select(Meeting)
            .where(Meeting.minutes_approved_at.is_(None), Meeting.starts_at >= utcnow() - UNDER_WAY)
            .order_by(Meeting.starts_at)
        ).scalars()
    )


# The columns the application list shows, read as plain rows: loading each page's applications,
# organisations and funds as models took longer than running the query. The organisation and fund are
# joined under their own names, so a sort by organisation or fund still joins those tables itself.
_ORGANISATION_SHOWN = aliased(Organisation, name="organisation_shown")
_FUND_SHOWN = aliased(Fund, name="fund_shown")
_LIST_COLUMNS = (
    Application.id,
    Application.reference,
    Application.title,
    Application.state,
    Application.workflow_name,
    Application.amount_requested_pence,
    Application.submitted_at,
    _ORGANISATION_SHOWN.name.label("organisation_name"),
    _FUND_SHOWN.name.label("fund_name"),
    _FUND_SHOWN.financial_year.label("fund_year"),
)


@dataclass(frozen=True, slots=True)
class ListedApplication:
    """One row of the application list: what its columns show (amount in pence, submitted_at UTC)."""

    id: int
    reference: str
    title: str
    state: str
    workflow_name: str
    amount_requested_pence: int
    submitted_at: datetime | None
    organisation: str
    fund: str


def _state_label(view, context, row, name) -> str:
    # A list row or an Application: both carry their workflow's name and state.
    return get_engine().definition(row.workflow_name).staff_label(row.state)


class ApplicationView(StaffModelView):
    allowed_roles = frozenset({Role.OFFICER, Role.JAG_MEMBER, Role.FINANCE, Role.RAG_VIEWER, Role.ADMIN})
    editor_roles = frozenset({Role.OFFICER})
    can_view_details = True
    # The reference in each row opens the application; a second, unlabelled eye icon beside it added
    # nothing for a screen-reader user and a link and a macro call per row for everyone.
    column_display_actions = False
    list_template = "admin/application_list.html"
    column_list = [
        "reference",
        "organisation",
        "title",
        "fund",
        "state",
        "amount_requested_pence",
        "submitted_at",
    ]
    column_labels = {
        "reference": "Reference",
        "amount_requested_pence": "Requested",
        "submitted_at": "Submitted",
        "organisation.name": "Organisation",
    }
    column_searchable_list = ["reference", "title", "organisation.name"]
    column_sortable_list = [
        "reference",
        "title",
        "state",
        "amount_requested_pence",
        "submitted_at",
        ("organisation", "organisation.name"),
        ("fund", "fund.name"),
    ]
    column_default_sort = ("id", True)
    count_cap = application_search.COUNT_CAP
    column_formatters = {
        "amount_requested_pence": pence_formatter,
        "submitted_at": date_formatter,
        "state": _state_label,
        "reference": lambda v, c, m, n: link(details_url(v.endpoint, m.id), m.reference),
    }

    def __init__(self, *args, **kwargs) -> None:
        self.column_filters = [
            StateFilter(),
            FundFilter("Fund", options=_options(Fund, order=Fund.name)),
            PriorityFilter("Priority", options=_options(Priority, order=Priority.number)),
            WardFilter("Ward", options=_options(Ward, order=Ward.name)),
            AmountFilter(at_least=True),
            AmountFilter(at_least=False),
            MeetingFilter("Meeting", options=_options(Meeting, order=Meeting.starts_at.desc())),
        ]
        super().__init__(Application, db, *args, **kwargs)

    @expose("/")
    def index_view(self):
        self.refresh_filter_options()
        return super().index_view()

    # -- at scale: each row's organisation and fund in the page's query, an indexed search, a count
    # that stops at application_search.COUNT_CAP ------------------------------------------------------
    def get_query(self):
        return (
            super()
            .get_query()
            .join(_ORGANISATION_SHOWN, _ORGANISATION_SHOWN.id == Application.organisation_id)
            .join(_FUND_SHOWN, _FUND_SHOWN.id == Application.fund_id)
        )

    def sort_by_column(self, query, joins, sort_column, sort_desc):
        # By organisation or fund: the names the rows show, from the page's own inner joins. Flask-Admin
        # adds an outer join to sort by, from which PostgreSQL cannot start at the organisations' name
        # index, so it sorted all 100,000 rows (60-100 ms a page).
        shown = {"organisation": _ORGANISATION_SHOWN.name, "fund": _FUND_SHOWN.name}.get(sort_column)
        if shown is None:
            return super().sort_by_column(query, joins, sort_column, sort_desc)
        return query.order_by(shown.desc() if sort_desc else shown), joins

    def resolved_count(self, count):
        return count.run() if isinstance(count, _CappedCount) else count

    def list_rows_and_count(self, query, count):
        if not isinstance(count, _CappedCount):
            return super().list_rows_and_count(query, count)
        rows = query.with_entities(*_LIST_COLUMNS, count.column().label("listed_count")).all()
        return self._listed(rows), (rows[0].listed_count if rows else count.run())

    def list_query_rows(self, query) -> list[ListedApplication]:
        return self._listed(query.with_entities(*_LIST_COLUMNS))

    @staticmethod
    def _listed(rows) -> list[ListedApplication]:
        return [
            ListedApplication(
                row.id,
                row.reference,
                row.title,
                row.state,
                row.workflow_name,
                row.amount_requested_pence,
                row.submitted_at,
                row.organisation_name,
                fund_label(row.fund_name, row.fund_year),
            )
            for row in rows
        ]

    def get_count_query(self):
        return _CappedCount(db.session.query(Application.id), self.count_cap)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        if not search.strip():
            return query, count_query, joins, count_joins
        condition = application_search.matches(search, db.session.get_bind().dialect.name, db.session)
        if count_query is not None:  # an export counts nothing
            count_query = count_query.filter(condition)
        return query.filter(condition), count_query, joins, count_joins

    def search_placeholder(self) -> str:
        return application_search.placeholder(db.session.get_bind().dialect.name)

    def is_action_allowed(self, name: str) -> bool:
        if name == "agenda":
            return self.is_editor()
        return super().is_action_allowed(name)

    @action("agenda", "Put on a JAG agenda")
    def action_agenda(self, ids):
        self.require_editor()
        clean = [str(i) for i in (parse_id(x) for x in ids) if i is not None]
        return redirect(url_for(".agenda_view", ids=",".join(clean)))

    # -- bulk agenda ---------------------------------------------------------------------------
    @expose("/agenda/", methods=["GET", "POST"])
    def agenda_view(self):
        user = self.require_editor()
        ids = [
            i for i in (parse_id(x) for x in (request.values.get("ids") or "").split(",")) if i is not None
        ]
        apps = list(db.session.execute(select(Application).where(Application.id.in_(ids))).scalars())
        eligible = [a for a in apps if has_tag(a, ApplicationTag.READY_FOR_AGENDA)]
        skipped = [a for a in apps if a not in eligible]
        meetings = upcoming_meetings()
        form = ConfirmForm()
        if request.method == "POST" and form.validate_on_submit():
            meeting = db.session.get(Meeting, parse_id(request.form.get("meeting_id")) or 0)
            if meeting is None:
                flash("Choose the meeting to put the applications on", "error")
            elif not eligible:
                flash("None of the selected applications has passed screening", "error")
            else:
                outcome = carry_out(
                    lambda: add_to_agenda(db.session, user, eligible, meeting),
                    f"{plural(len(eligible), 'application')} put on the agenda of {meeting.title}",
                    prefix="Nothing was added: ",
                )
                if outcome.ok:
                    return redirect(url_for("meeting.record_view", id=meeting.id))
        return self.render(
            "admin/application_agenda.html",
            eligible=eligible,
            skipped=skipped,
            meetings=meetings,
            form=form,
            ids=",".join(str(a.id) for a in apps),
        )

    # -- CSV -----------------------------------------------------------------------------------
    def may_download_csv(self) -> bool:
        """Officers, finance, administrators and the RAG download the list; JAG members do not."""
        user = staff_user()
        return user is not None and user.has_role(Role.OFFICER, Role.ADMIN, Role.FINANCE, Role.RAG_VIEWER)

    @expose("/export.csv")
    def export_csv(self):
        if not self.is_accessible() or not self.may_download_csv():
            abort(403)
        # The applications the list shows with its search, filters and sort (all of them, not its pages).
        listed = self.export_query().with_entities(
            *csv_export.application_columns(_ORGANISATION_SHOWN, _FUND_SHOWN)
        )
        return csv_response(
            "applications.csv",
            csv_export.APPLICATIONS_HEADER,
            csv_export.application_rows(db.session, listed.statement),
        )

    # -- the detail page -------------------------------------------------------------------------
    def _load(self, app_id) -> Application:
        app = db.session.get(Application, parse_id(app_id) or 0)
        if app is None:
            abort(404)
        return app

    def _must_declare_first(self, user, app) -> bool:
        return (
            user.has_role(Role.JAG_MEMBER)
            and not user.has_role(Role.OFFICER, Role.ADMIN)
            and declaration_for(db.session, app.id, user.id) is None
        )

    @expose("/details/")
    def details_view(self):
        user = staff_user()
        app = self._load(request.args.get("id"))
        if self._must_declare_first(user, app):
            return self.render("admin/application_declare.html", app=app, form=DeclarationForm())
        return self._render_details(user, app)

    def _render_details(
        self,
        user,
        app: Application,
        *,
        score_errors=None,
        score_values=None,
        wp_values: dict | None = None,
        wp_errors: dict | None = None,
    ):
        """The application's page: its summary and the actions open to this person at the top, then
        each part of the record in its own section (see templates/admin/application_details.html)."""
        definition = get_engine().definition_for(app)
        triggers = available_triggers(app, user)
        screening_triggers = set(OWN_FORMS)
        if has_tag(app, ApplicationTag.AWAITING_SCREENING):
            screening_triggers.add("request_information")
        declaration = declaration_for(db.session, app.id, user.id)
        can_score = (
            user.has_role(Role.JAG_MEMBER)
            and declaration is not None
            and not declaration.has_interest
            and has_tag(app, ApplicationTag.SCOREABLE)
        )
        show_scores = scoring.may_see_scores(db.session, user, app)
        all_scores = scoring.scores_for(db.session, app.id)
        my_scores = {s.criterion_id: s for s in all_scores if s.user_id == user.id}
        averages = [
            (c.name, sum(vals) / len(vals), c.max_score)
            for c in app.fund.scoring_criteria
            if (vals := [s.score for s in all_scores if s.criterion_id == c.id])
        ]
        scorers = len({s.user_id for s in all_scores})
        overall = sum(a for _n, a, _m in averages) / len(averages) if averages and show_scores else None
        top = max((m for _n, _a, m in averages), default=5)
        partnership = db.session.execute(select(Partnership).limit(1)).scalar_one_or_none()
        screening_open = "pass_screening" in {t.trigger for t in triggers}
        is_jag = user.has_role(Role.JAG_MEMBER)
        procedures = written_procedures.procedures_for(db.session, app.id)
        current = next((p for p in procedures if not has_tag(p, "terminal")), None)
        settings = current_app.config["SOSAFE"]
        # A long history opens at its latest HISTORY_PAGE events; "show older" asks for a page more.
        history_total = application_history.history_count(db.session, app)
        history_shown = min((parse_page(request.args.get("history")) + 1) * HISTORY_PAGE, MAX_HISTORY)
        # The buttons in "What you can do"; screening has its own form.
        shown = [t for t in triggers if t.trigger not in screening_triggers]
        return self.render(
            "admin/application_details.html",
            app=app,
            state_label=definition.staff_label(app.state),
            triggers=shown,
            refused={t.trigger: get_engine().refused_now(db.session, app, t, user) for t in shown},
            screening_open=screening_open,
            checklist=screening.checklist_for(app),
            same_file=application_checks.same_file_kinds(app),
            meetings=open_meetings(),
            declaration=declaration,
            declarations=declarations_for(db.session, app.id),
            show_scores=show_scores,
            scores=all_scores,
            averages=averages,
            scorers=scorers,
            my_scores=my_scores,
            can_score=can_score,
            score_errors=score_errors or {},
            score_values=score_values,
            facts=application_summary.key_facts(app, average=overall, scorers=scorers, max_score=top),
            eligibility=application_summary.eligibility_rows(
                app, partnership.area_name if partnership else "the area"
            ),
            history=application_history.history_for(
                db.session, app, definition, show_scores=show_scores, limit=history_shown
            ),
            history_total=history_total,
            history_shown=history_shown,
            history_next_page=history_shown // HISTORY_PAGE,
            diagram=render_svg(definition, app.state, window=4),
            form=ConfirmForm(),
            is_jag=is_jag,
            meeting_ballot=ballots.meeting_ballot(db.session, user, app, declaration) if is_jag else None,
            procedures=procedures,
            current_procedure=current,
            procedure_count=written_procedures.count_procedure(db.session, current) if current else None,
            written_ballot=(
                ballots.written_ballot(db.session, user, current, declaration) if is_jag and current else None
            ),
            may_stop_procedure=current is not None and user.has_role(Role.OFFICER),
            may_start_procedure="put_to_written_procedure" in {t.trigger for t in triggers},
            wp_values=wp_values or written_procedure_defaults(app, settings.written_procedure_min_hours),
            wp_errors=wp_errors or {},
            min_hours=settings.written_procedure_min_hours,
            recommendation_words=written_procedures.recommendation_words,
            response_words=response_words,
        )

    def _back(self, app_id: int):
        return redirect(url_for(".details_view", id=app_id))

    def _carry_out(self, app_id: int, work, success) -> Response:
        """One action, one transaction: commit and say so, or roll back and show the refusal."""
        carry_out(work, success)
        return self._back(app_id)

    @expose("/<int:app_id>/declare", methods=["POST"])
    def declare(self, app_id: int):
        user = staff_user()
        app = self._load(app_id)
        form = DeclarationForm()
        if not form.validate_on_submit():
            flash("Choose whether you have an interest in this application", "error")
            return self._back(app.id)
        return self._carry_out(
            app.id,
            lambda: declare_interest(
                db.session,
                user,
                app,
                has_interest=form.has_interest.data == "yes",
                nature=form.nature.data or "",
            ),
            "Your declaration is recorded",
        )

    @expose("/<int:app_id>/score", methods=["POST"])
    def score(self, app_id: int):
        user = staff_user()
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        entries = [
            ScoreEntry(
                c.id, request.form.get(f"score_{c.id}", ""), request.form.get(f"justification_{c.id}", "")
            )
            for c in app.fund.scoring_criteria
        ]
        outcome = run(db.session, lambda: scoring.record_scores(db.session, user, app, entries))
        if outcome.ok:
            flash("Your scores are saved", "success")
        elif isinstance(outcome.refusal, NotFound):
            abort(404)
        elif outcome.refusal.errors:
            # Each message by its field, with a summary that links to them; what was typed stays.
            return self._render_details(
                user, app, score_errors=outcome.refusal.errors, score_values=request.form
            )
        else:
            flash(str(outcome.refusal), "error")
        return self._back(app.id)

    @expose("/<int:app_id>/screen", methods=["POST"])
    def screen(self, app_id: int):
        user = staff_user()
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        ticked = {
            key
            for key in request.form
            if key.startswith(("doc_",)) or key in dict(screening.ELIGIBILITY_CHECKS)
        }
        return self._carry_out(
            app.id,
            lambda: screening.screen(
                db.session,
                user,
                app,
                decision=request.form.get("decision", ""),
                ticked=ticked,
                note=request.form.get("note", ""),
                expected_version=seen_version(request.form),
            ),
            lambda _event: f"Screening recorded: {get_engine().staff_label(app)}",
        )

    @expose("/<int:app_id>/fire/<trigger>", methods=["POST"])
    def fire_view(self, app_id: int, trigger: str):
        user = staff_user()
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        transition = next((t for t in available_triggers(app, user) if t.trigger == trigger), None)
        if transition is None:
            try:  # the same button pressed twice: say it is done, by whom and when
                get_engine().refuse_if_already_made(db.session, app, trigger)
            except AlreadyDone as done:
                flash(str(done), "info")
                return self._back(app.id)
            flash("That action is not available to you on this application now. Reload the page.", "error")
            return self._back(app.id)
        if trigger in OWN_FORMS:
            flash(f"Use the form for this on the application's page: {transition.label}.", "error")
            return self._back(app.id)
        inputs: dict = {}

        def work():
            inputs.update(parse_inputs(transition, request.form))
            return decisions.take_action(
                db.session,
                user,
                app,
                trigger,
                expected_version=seen_version(request.form),
                **inputs,
            )

        # Say what happened ("SOS-2026-0024 is closed"): the workflow file words it for each step.
        return self._carry_out(app.id, work, lambda _event: transition.done_message(app.reference, inputs))

    # -- written procedure ------------------------------------------------------------------------
    @expose("/<int:app_id>/written-procedure", methods=["POST"])
    def start_written_procedure(self, app_id: int):
        """The officer puts the application to written procedure: deadline, summary, recommendation."""
        user = self.require_editor()
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        form = request.form
        values = {
            key: (form.get(key) or "")[:10_000]
            for key in (
                "deadline_date",
                "deadline_time",
                "summary",
                "recommendation",
                "amount",
                "conditions",
                "reason",
            )
        }

        def start():
            problems: dict[str, str] = {}
            deadline = amount = None
            try:
                deadline = written_procedures.parse_deadline(values["deadline_date"], values["deadline_time"])
            except Refusal as refusal:
                problems.update(refusal.errors)
            if values["recommendation"] == "approve":
                try:
                    amount = written_procedures.parse_amount(values["amount"])
                except Refusal as refusal:
                    problems.update(refusal.errors)
            try:
                return written_procedures.start_written_procedure(
                    db.session,
                    user,
                    app,
                    deadline_at=deadline,
                    summary=values["summary"],
                    recommendation=values["recommendation"],
                    amount_pence=amount,
                    conditions=values["conditions"],
                    reason=values["reason"],
                )
            except Refusal as refusal:
                if not problems:
                    raise
                raise Refusal(errors={**refusal.errors, **problems}) from None
            if problems:  # pragma: no cover - the service refuses a missing deadline or amount first
                raise Refusal(errors=problems)

        outcome = run(db.session, start)
        if outcome.ok:
            flash(
                f"{app.reference} is circulated to the JAG members for a decision by written procedure",
                "success",
            )
            return redirect(url_for(".details_view", id=app.id) + "#written-procedure")
        if isinstance(outcome.refusal, NotFound):
            abort(404)
        refusal = outcome.refusal
        flash("The written procedure was not started: " + str(refusal), "error")
        # A workflow guard's refusal names no field: put it by the field its rule is about.
        field = GUARD_FIELDS.get(getattr(refusal, "guard", None) or "", "form")
        return self._render_details(
            user, app, wp_values=values, wp_errors=refusal.errors or {field: str(refusal)}
        )

    @expose("/<int:app_id>/written-procedure/vote", methods=["POST"])
    def written_vote(self, app_id: int):
        """A member's own vote on the written procedure (the officer's for a member, with member_id)."""
        user = staff_user()
        if not user.has_role(Role.JAG_MEMBER, Role.OFFICER):
            abort(403)
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        procedure = db.session.get(WrittenProcedure, parse_id(request.form.get("procedure_id")) or 0)
        back = redirect(url_for(".details_view", id=app.id) + "#written-procedure")
        if procedure is None or procedure.application_id != app.id:
            flash("This application has no written procedure to vote on", "error")
            return back
        raw_member = request.form.get("member_id")
        member = user if raw_member in (None, "") else db.session.get(User, parse_id(raw_member) or 0)
        if member is None:
            flash("Choose a member the written procedure was sent to", "error")
            return back
        carry_out(
            lambda: written_procedures.cast_written_vote(
                db.session,
                user,
                procedure,
                member,
                request.form.get("choice", ""),
                request.form.get("comment", ""),
            ),
            "Your vote is recorded"
            if member.id == user.id
            else f"The vote of {member.full_name} is recorded",
        )
        return back

    @expose("/<int:app_id>/written-procedure/stop", methods=["POST"])
    def stop_written_procedure(self, app_id: int):
        user = self.require_editor()
        app = self._load(app_id)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        procedure = written_procedures.open_procedure_for(db.session, app.id)
        if procedure is None:
            flash("This application has no written procedure to stop", "error")
            return self._back(app.id)
        return self._carry_out(
            app.id,
            lambda: written_procedures.stop_written_procedure(
                db.session, user, procedure, reason=request.form.get("reason", "")
            ),
            "The written procedure is stopped: the application is back with those that passed screening",
        )

    @expose("/document/<int:document_id>")
    def document(self, document_id: int):
        document = db.session.get(Document, document_id)
        if document is None or document.deleted_at is not None or document.application_id is None:
            abort(404)
        if self._must_declare_first(staff_user(), document.application):
            abort(403)
        folder = current_app.config["SOSAFE"].upload_folder
        return send_from_directory(
            folder, document.stored_name, as_attachment=True, download_name=document.original_filename
        )
