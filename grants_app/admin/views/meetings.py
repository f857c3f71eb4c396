"""JAG meetings: arranging them, and the meeting record (attendance, votes, decisions, minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants_app.admin.forms import AdminForm, ConfirmForm
from grants_app.admin.security import staff_user
from grants_app.admin.views.base import StaffModelView, date_formatter, link
from grants_app.dates import LONDON
from grants_app.extensions import db
from grants_app.models import Application, Meeting, Role, User, UserRole
from grants_app.money import parse_pounds
from grants_app.params import parse_int
from grants_app.services import meetings as meeting_service
from grants_app.services import quorum, reference_data
from grants_app.services.meetings import MeetingRuleBroken
from grants_app.transaction import commit
from grants_app.workflow import WorkflowError


def _int(value) -> int | None:
    return parse_int(value)  # ASCII digits, 0 to the largest id; else None


class MeetingForm(AdminForm):
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200)])
    date = DateField("Date", validators=[DataRequired("Enter the date of the meeting")])
    start_time = StringField("Start time (24-hour, like 14:00)", default="14:00", validators=[Length(max=5)])
    location = StringField("Place", validators=[Optional(), Length(max=300)])
    quorum_min_members = IntegerField("Quorum: voting members", validators=[NumberRange(min=1, max=50)])
    chair_id = SelectField("Chair (optional)", coerce=int, default=0)
    quorum_min_agencies = IntegerField("Quorum: partner agencies", validators=[NumberRange(min=1, max=20)])


def _starts_at(form: MeetingForm) -> datetime:
    try:
        clock = time.fromisoformat((form.start_time.data or "14:00").strip())
    except ValueError as exc:
        raise ValueError("Enter the start time like 14:00") from exc
    # Stored in UTC: SQLite drops the offset, and every reader treats a naive value as UTC.
    return datetime.combine(form.date.data, clock, tzinfo=LONDON).astimezone(UTC)


class MeetingView(StaffModelView):
    allowed_roles = frozenset({Role.OFFICER, Role.JAG_MEMBER, Role.ADMIN, Role.RAG_VIEWER})
    editor_roles = frozenset({Role.OFFICER})
    column_list = ["title", "starts_at", "location", "minutes_approved_at"]
    column_labels = {"starts_at": "When", "minutes_approved_at": "Minutes approved", "location": "Place"}
    column_default_sort = ("starts_at", True)
    column_searchable_list = ["title", "location"]
    column_formatters = {
        "starts_at": date_formatter,
        "minutes_approved_at": date_formatter,
        "title": lambda v, c, m, n: link(url_for(".record_view", id=m.id), m.title),
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(Meeting, db, *args, **kwargs)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.is_editor()

    @expose("/new/", methods=["GET", "POST"])
    def create_view(self):
        user = self.require_editor()
        settings = current_app.config["SOSAFE"]
        form = MeetingForm(
            quorum_min_members=settings.quorum_min_members, quorum_min_agencies=settings.quorum_min_agencies
        )
        form.chair_id.choices = [(0, "Not chosen yet")] + [(m.id, m.full_name) for m in self._jag_members()]
        error = None
        if form.validate_on_submit():
            try:
                meeting = meeting_service.create_meeting(
                    db.session,
                    user,
                    title=form.title.data,
                    starts_at=_starts_at(form),
                    location=form.location.data or "",
                    quorum_min_members=form.quorum_min_members.data,
                    quorum_min_agencies=form.quorum_min_agencies.data,
                    chair=db.session.get(User, form.chair_id.data) if form.chair_id.data else None,
                )
            except (MeetingRuleBroken, ValueError) as exc:
                db.session.rollback()
                error = str(exc)
            else:
                commit(db.session)
                flash(f"{meeting.title} arranged", "success")
                return redirect(url_for(".record_view", id=meeting.id))
        elif request.method == "POST":
            error = "; ".join(e for errors in form.errors.values() for e in errors)
        return self.render("admin/meeting_new.html", form=form, error=error)

    # -- the meeting record ---------------------------------------------------------------------
    def _meeting(self, meeting_id) -> Meeting:
        meeting = db.session.get(Meeting, _int(meeting_id) or 0)
        if meeting is None:
            abort(404)
        return meeting

    def _jag_members(self) -> list[User]:
        return list(
            db.session.execute(
                select(User)
                .join(UserRole, UserRole.user_id == User.id)
                .where(UserRole.role == Role.JAG_MEMBER, User.is_active.is_(True))
                .order_by(User.full_name)
            ).scalars()
        )

    @expose("/record/")
    def record_view(self):
        meeting = self._meeting(request.args.get("id"))
        present = {a.user_id for a in meeting.attendances if a.present}
        items = []
        for item in meeting.agenda_items:
            status = quorum.quorum_for(db.session, meeting, item.application_id)
            votes = {v.user_id: v.choice.value for v in item.votes}
            count = quorum.count_votes(db.session, item, status.voting_member_ids)
            items.append({"item": item, "quorum": status, "votes": votes, "count": count})
        from grants_app.workflow import get_engine

        return self.render(
            "admin/meeting_record.html",
            meeting=meeting,
            members=self._jag_members(),
            present=present,
            items=items,
            delegated=meeting_service.delegated_awaiting_noting(db.session),
            ready=list(
                db.session.execute(
                    select(Application).where(Application.state == "eligible").order_by(Application.reference)
                ).scalars()
            ),
            noted=[a for a in self._noted(meeting)],
            editor=self.is_editor(),
            minutes_text=meeting.minutes or meeting_service.draft_minutes(db.session, meeting),
            form=ConfirmForm(),
            staff_label=get_engine().staff_label,
        )

    def _noted(self, meeting: Meeting):
        from grants_app.models import Award

        return db.session.execute(select(Award).where(Award.noted_at_meeting_id == meeting.id)).scalars()

    def _back(self, meeting: Meeting, anchor: str = ""):
        return redirect(url_for(".record_view", id=meeting.id) + (f"#{anchor}" if anchor else ""))

    def _post(self) -> tuple[User, Meeting]:
        user = self.require_editor()
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return user, self._meeting(request.args.get("id"))

    @expose("/record/attendance", methods=["POST"])
    def attendance(self):
        user, meeting = self._post()
        present_ids = {i for i in (_int(x) for x in request.form.getlist("present")) if i is not None}
        try:
            meeting_service.set_attendance(db.session, user, meeting, present_ids, self._jag_members())
        except MeetingRuleBroken as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            commit(db.session)
            flash("Attendance saved", "success")
        return self._back(meeting, "attendance")

    @expose("/record/decide", methods=["POST"])
    def decide(self):
        user, meeting = self._post()
        app = db.session.get(Application, _int(request.form.get("application_id")) or 0)
        if app is None:
            abort(404)
        item = quorum.open_agenda_item(db.session, meeting.id, app.id)
        outcome = request.form.get("outcome", "")
        try:
            if item is None:
                raise MeetingRuleBroken("This item has already been decided or is not on this agenda")
            # Votes first, in the same transaction as the decision: a refused decision keeps neither.
            already = {v.user_id: v.choice.value for v in item.votes}
            for key, choice in request.form.items():
                voter_id = _int(key.removeprefix("vote_")) if key.startswith("vote_") else None
                if voter_id is not None and choice and already.get(voter_id) != choice:
                    member = db.session.get(User, voter_id)
                    if member is not None:
                        meeting_service.cast_vote(db.session, user, item, member, choice)
            expected = _int(request.form.get("expected_version"))
            if outcome == "defer":
                meeting_service.defer_item(
                    db.session, user, app, reason=request.form.get("reason", ""), expected_version=expected
                )
            elif outcome == "votes_only":
                pass
            else:
                amount = None
                if outcome == "approve":
                    try:
                        amount = parse_pounds(request.form.get("amount", ""))
                    except ValueError as exc:
                        raise MeetingRuleBroken(str(exc)) from None
                meeting_service.record_decision(
                    db.session,
                    user,
                    app,
                    meeting,
                    outcome=outcome,
                    amount_pence=amount,
                    conditions=request.form.get("conditions", ""),
                    reason=request.form.get("reason", ""),
                    expected_version=expected,
                )
        except (MeetingRuleBroken, WorkflowError) as exc:
            db.session.rollback()
            flash(f"{app.reference}: {exc}", "error")
        else:
            commit(db.session)
            flash(
                f"{app.reference}: {'votes saved' if outcome == 'votes_only' else 'decision recorded'}",
                "success",
            )
        return self._back(meeting, f"item-{app.id}")

    @expose("/record/add-to-agenda", methods=["POST"])
    def add_to_agenda(self):
        user, meeting = self._post()
        ids = {i for i in (_int(x) for x in request.form.getlist("application_id")) if i is not None}
        apps = db.session.execute(select(Application).where(Application.id.in_(ids))).scalars().all()
        if not apps:
            flash("Choose at least one application to add", "error")
            return self._back(meeting, "add-to-agenda")
        try:
            meeting_service.add_to_agenda(db.session, user, apps, meeting)
        except WorkflowError as exc:
            db.session.rollback()
            flash(f"Nothing was added: {exc}", "error")
        else:
            commit(db.session)
            flash(f"{len(apps)} application(s) added to the agenda", "success")
        return self._back(meeting, "add-to-agenda")

    @expose("/record/note-delegated", methods=["POST"])
    def note_delegated(self):
        user, meeting = self._post()
        try:
            count = meeting_service.note_delegated_decisions(db.session, user, meeting)
        except MeetingRuleBroken as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            commit(db.session)
            flash(f"{count} delegated decision(s) noted at this meeting", "success")
        return self._back(meeting, "delegated")

    @expose("/record/minutes", methods=["POST"])
    def minutes(self):
        user, meeting = self._post()
        try:
            meeting_service.save_minutes(
                db.session,
                user,
                meeting,
                minutes=request.form.get("minutes", ""),
                approve=request.form.get("approve") == "y",
            )
        except MeetingRuleBroken as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            commit(db.session)
            flash("Minutes saved", "success")
        return self._back(meeting, "minutes")

    def on_model_change(self, form, model, is_created):  # pragma: no cover - edits go through services
        reference_data.record_edit(db.session, staff_user(), model, created=is_created)
