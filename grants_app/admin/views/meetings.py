"""JAG meetings: arranging them, and the meeting record (attendance, votes, decisions, minutes)."""

from __future__ import annotations

from datetime import datetime, time

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from sqlalchemy import select
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from grants_app.admin.actions import carry_out
from grants_app.admin.forms import AdminForm, ConfirmForm, UKDateField
from grants_app.admin.security import staff_user
from grants_app.admin.views.base import StaffModelView, date_formatter, link, seen_version
from grants_app.dates import london_moment
from grants_app.extensions import db
from grants_app.lifecycle import ApplicationTag, application_states
from grants_app.models import Application, Meeting, Role, User
from grants_app.money import parse_pounds
from grants_app.normalise import parse_id
from grants_app.refusals import Refusal
from grants_app.services import decisions, meeting_record, quorum, votes, written_procedures
from grants_app.services import meetings as meeting_service
from grants_app.text import plural
from grants_app.transaction import run
from grants_app.workflow import get_engine


class MeetingForm(AdminForm):
    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=200)])
    date = UKDateField("Date", validators=[DataRequired("Enter the date of the meeting")])
    start_time = StringField("Start time (24-hour, like 14:00)", default="14:00", validators=[Length(max=5)])
    location = StringField("Place", validators=[Optional(), Length(max=300)])
    quorum_min_members = IntegerField("Quorum: voting members", validators=[NumberRange(min=1, max=50)])
    chair_id = SelectField("Chair (optional)", coerce=int, default=0)
    quorum_min_agencies = IntegerField("Quorum: partner agencies", validators=[NumberRange(min=1, max=20)])


def _starts_at(form: MeetingForm) -> datetime:
    try:
        clock = time.fromisoformat((form.start_time.data or "14:00").strip())
    except ValueError as exc:
        raise Refusal("Enter the start time like 14:00", field="start_time") from exc
    # Stored in UTC: SQLite drops the offset, and every reader treats a naive value as UTC.
    return london_moment(form.date.data, clock)


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
        form.chair_id.choices = [(0, "Not chosen yet")] + [
            (m.id, m.full_name) for m in meeting_record.jag_members(db.session)
        ]
        error = None
        if form.validate_on_submit():
            outcome = run(
                db.session,
                lambda: meeting_service.create_meeting(
                    db.session,
                    user,
                    title=form.title.data,
                    starts_at=_starts_at(form),
                    location=form.location.data or "",
                    quorum_min_members=form.quorum_min_members.data,
                    quorum_min_agencies=form.quorum_min_agencies.data,
                    chair=db.session.get(User, form.chair_id.data) if form.chair_id.data else None,
                ),
            )
            if outcome.ok:
                flash(f"{outcome.value.title} arranged", "success")
                return redirect(url_for(".record_view", id=outcome.value.id))
            error = str(outcome.refusal)
        elif request.method == "POST":
            error = "; ".join(e for errors in form.errors.values() for e in errors)
        return self.render("admin/meeting_new.html", form=form, error=error)

    # -- the meeting record ---------------------------------------------------------------------
    def _meeting(self, meeting_id) -> Meeting:
        meeting = db.session.get(Meeting, parse_id(meeting_id) or 0)
        if meeting is None:
            abort(404)
        return meeting

    @expose("/record/")
    def record_view(self):
        meeting = self._meeting(request.args.get("id"))
        record = meeting_record.build(db.session, meeting)
        editor = self.is_editor()
        ready_states = application_states(ApplicationTag.READY_FOR_AGENDA)
        user = staff_user()
        return self.render(
            "admin/meeting_record.html",
            meeting=meeting,
            record=record,
            user=user,
            my_attendance=next((a for a in record.attendances if a.user_id == user.id), None),
            is_jag=user.has_role(Role.JAG_MEMBER),
            written=written_procedures.awaiting_noting(db.session),
            response_words=meeting_record.response_words,
            recommendation_words=written_procedures.recommendation_words,
            members=meeting_record.jag_members(db.session),
            present=record.present_ids,
            items=record.items,
            delegated=meeting_record.delegated_for_noting(db.session),
            ready=meeting_record.ready_for_agenda(db.session) if editor else [],
            ready_url=url_for(
                "application.index_view", **({"flt0_state_equals": ready_states[0]} if ready_states else {})
            ),
            noted=record.noted,
            editor=editor,
            minutes_text=meeting.minutes or meeting_record.draft_minutes(record),
            outcome_words=meeting_record.outcome_words,
            form=ConfirmForm(),
            staff_label=get_engine().staff_label,
        )

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
        present_ids = {i for i in (parse_id(x) for x in request.form.getlist("present")) if i is not None}
        carry_out(
            lambda: meeting_service.set_attendance(
                db.session, user, meeting, present_ids, meeting_record.jag_members(db.session)
            ),
            "Attendance saved",
        )
        return self._back(meeting, "attendance")

    @expose("/record/decide", methods=["POST"])
    def decide(self):
        user, meeting = self._post()
        app = db.session.get(Application, parse_id(request.form.get("application_id")) or 0)
        if app is None:
            abort(404)
        form = request.form
        votes = {
            voter_id: choice
            for key, choice in form.items()
            if key.startswith("vote_") and (voter_id := parse_id(key.removeprefix("vote_"))) is not None
        }
        outcome = form.get("outcome", "")

        def decide():
            amount = None
            if outcome == "approve":
                try:
                    amount = parse_pounds(form.get("amount", ""))
                except ValueError as exc:
                    raise Refusal(str(exc), field="amount") from None
            return decisions.decide_agenda_item(
                db.session,
                user,
                meeting,
                app,
                votes=votes,
                outcome=outcome,
                amount_pence=amount,
                conditions=form.get("conditions", ""),
                reason=form.get("reason", ""),
                expected_version=seen_version(form),
                tally_seen=form.get("tally") or None,
            )

        carry_out(decide, lambda done: f"{app.reference}: {done}", prefix=f"{app.reference}: ")
        return self._back(meeting, f"item-{app.id}")

    @expose("/record/vote", methods=["POST"])
    def vote(self):
        """A member's own vote on an item (or the officer's on a member's behalf, with member_id)."""
        user = staff_user()
        if not user.has_role(Role.JAG_MEMBER, Role.OFFICER):
            abort(403)
        if not ConfirmForm().validate_on_submit():
            abort(400)
        meeting = self._meeting(request.args.get("id"))
        form = request.form
        app = db.session.get(Application, parse_id(form.get("application_id")) or 0)
        if app is None:
            abort(404)
        raw_member = form.get("member_id")
        member = user if raw_member in (None, "") else db.session.get(User, parse_id(raw_member) or 0)
        back = (
            redirect(url_for("application.details_view", id=app.id) + "#your-vote")
            if form.get("back") == "application"
            else self._back(meeting, f"item-{app.id}")
        )
        if member is None:
            flash("Choose a member of this meeting", "error")
            return back

        def cast():
            item = quorum.open_agenda_item(db.session, meeting.id, app.id)
            if item is None:
                raise Refusal("Voting on this item has closed, or it is not on this agenda")
            return votes.cast_vote(
                db.session, user, item, member, form.get("choice", ""), form.get("comment", "")
            )

        whose = "Your vote" if member.id == user.id else f"The vote of {member.full_name}"
        carry_out(cast, f"{app.reference}: {whose} is recorded", prefix=f"{app.reference}: ")
        return back

    @expose("/record/add-to-agenda", methods=["POST"])
    def add_to_agenda(self):
        user, meeting = self._post()
        ids = {i for i in (parse_id(x) for x in request.form.getlist("application_id")) if i is not None}
        apps = db.session.execute(select(Application).where(Application.id.in_(ids))).scalars().all()
        carry_out(
            lambda: meeting_service.add_to_agenda(db.session, user, apps, meeting),
            f"{plural(len(apps), 'application')} added to the agenda",
            prefix="Nothing was added: ",
        )
        return self._back(meeting, "add-to-agenda")

    @expose("/record/note-delegated", methods=["POST"])
    def note_delegated(self):
        user, meeting = self._post()
        carry_out(
            lambda: meeting_service.note_delegated_decisions(db.session, user, meeting),
            lambda count: f"{plural(count, 'delegated decision')} noted at this meeting",
        )
        return self._back(meeting, "delegated")

    @expose("/record/note-written", methods=["POST"])
    def note_written(self):
        user, meeting = self._post()
        carry_out(
            lambda: written_procedures.note_written_procedures(db.session, user, meeting),
            lambda count: f"{plural(count, 'decision')} by written procedure noted at this meeting",
        )
        return self._back(meeting, "written")

    @expose("/record/minutes", methods=["POST"])
    def minutes(self):
        user, meeting = self._post()
        carry_out(
            lambda: meeting_service.save_minutes(
                db.session,
                user,
                meeting,
                minutes=request.form.get("minutes", ""),
                approve=request.form.get("approve") == "y",
            ),
            "Minutes approved: the meeting's record is now locked"
            if request.form.get("approve") == "y"
            else "Minutes saved (not yet approved)",
        )
        return self._back(meeting, "minutes")
