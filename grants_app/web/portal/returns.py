"""Monitoring returns in the portal: a task list per return (spending with receipts, progress, people
reached and what changed for each priority, our question), check your answers, send, and confirmation.
Each page saves as the group goes; another organisation's return is a 404; a sent or accepted return is
shown, never changed."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from grants_app.dates import london_today
from grants_app.extensions import db
from grants_app.lifecycle import ReturnTag, has_tag
from grants_app.models import Application, MonitoringReturn
from grants_app.money import pounds_decimal
from grants_app.refusals import NotFound
from grants_app.services import return_form
from grants_app.services.return_checks import (
    SpendLineInput,
    not_sendable_yet,
    over_award,
    query_unanswered,
    return_period,
    return_problems,
)
from grants_app.web import return_forms as rf
from grants_app.web.errors import error_list
from grants_app.web.portal.blueprint import bp
from grants_app.web.portal.common import applicant_required, attempt, load_application, settings, summary
from grants_app.workflow import ConflictError

BASE = "/applications/<reference>/returns/<int:return_id>"


def _load(reference: str, return_id: int) -> tuple[Application, MonitoringReturn]:
    """The signed-in group's application and its return, or a 404."""
    app_ = load_application(reference)
    try:
        return app_, return_form.return_for(db.session, current_user, app_, return_id)
    except NotFound:
        abort(404)


def _return_page(ret: MonitoringReturn) -> str:
    return url_for("portal.monitoring_return", reference=ret.application.reference, return_id=ret.id)


def _not_editable(ret: MonitoringReturn):
    """A redirect to the return's page if the group can no longer change it, else None."""
    if has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
        return None
    flash(
        "This return has been accepted, so it can no longer be changed."
        if has_tag(ret, ReturnTag.SPEND_ACCEPTED)
        else "You have sent this return, so it can no longer be changed.",
        "info",
    )
    return redirect(_return_page(ret))


def _after_save(ret: MonitoringReturn, default: str | None = None) -> str:
    if request.args.get("from") == "check":
        return url_for("portal.check_return", reference=ret.application.reference, return_id=ret.id)
    return default or _return_page(ret)


def _save(ret: MonitoringReturn, work, form, *, message: str = "", then=None):
    """Save one page of the return as one unit of work. On success: flash `message` (if any) and go on
    (`then(value)` gives the address, else back to the check page or the return's page). If the return
    stopped being editable meanwhile (sent in another tab), to its page. Otherwise None: the form shows
    the refusal."""
    outcome = attempt(work, form)
    if outcome.ok:
        if message:
            flash(message)
        return redirect(then(outcome.value) if then else _after_save(ret))
    return _not_editable(db.session.get(MonitoringReturn, ret.id))


def _spending_page(app_: Application, ret: MonitoringReturn):
    """After a spend line or its receipt: back to the check page, or the list of spending."""
    return lambda _value: _after_save(
        ret, url_for("portal.return_spending", reference=app_.reference, return_id=ret.id)
    )


def _priorities(app_: Application):
    return sorted(app_.priority_splits, key=lambda s: s.priority.number)


def tasks(ret: MonitoringReturn) -> list[dict]:
    """The return's task list for govukTaskList: the answer to our question (when asked), spending,
    progress, and each priority's outcomes, each with its status."""
    app_ = ret.application
    ref = app_.reference
    missing = {p.part for p in return_problems(ret)}

    def item(title: str, hint: str, href: str, done: bool, to_do: str = "Not yet started") -> dict:
        status = {"text": "Completed"} if done else {"tag": {"text": to_do, "classes": "govuk-tag--blue"}}
        return {"title": {"text": title}, "hint": {"text": hint}, "href": href, "status": status}

    items = []
    if ret.open_query is not None:
        items.append(
            item(
                "Answer our question",
                "We need to know more before we can accept this return",
                url_for("portal.answer_return_query", reference=ref, return_id=ret.id),
                not query_unanswered(ret),
                "To do",
            )
        )
    count = len(ret.spend_lines)
    spending = item(
        "Spending",
        f"{count} item{'s' if count != 1 else ''} of spending" if count else "What the grant paid for",
        url_for("portal.return_spending", reference=ref, return_id=ret.id),
        bool(count),
    )
    if not count:  # nothing spent in a period is a possible answer, so not a task left undone
        spending["status"] = {"tag": {"text": "None yet", "classes": "govuk-tag--grey"}}
    items.append(spending)
    items.append(
        item(
            "Progress in this period",
            "What the project did",
            url_for("portal.return_progress", reference=ref, return_id=ret.id),
            "progress" not in missing,
        )
    )
    for split in _priorities(app_):
        items.append(
            item(
                f"Priority {split.priority.number}: people reached and what changed",
                split.priority.short_name,
                url_for(
                    "portal.return_outcome", reference=ref, return_id=ret.id, priority_id=split.priority_id
                ),
                f"outcome-{split.priority_id}" not in missing,
            )
        )
    return items


@bp.get(BASE)
@applicant_required
def monitoring_return(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    ready = (
        has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT)
        and not return_problems(ret)
        and not query_unanswered(ret)
    )
    return render_template(
        "portal/returns/return.html",
        application=app_,
        ret=ret,
        items=tasks(ret),
        ready=ready,
        not_yet=not_sendable_yet(ret, london_today()),
        overdue=has_tag(ret, ReturnTag.OUTSTANDING) and ret.due_on < london_today(),
    )


# -- spending -----------------------------------------------------------------------------------------
@bp.get(BASE + "/spending")
@applicant_required
def return_spending(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    return render_template(
        "portal/returns/spending.html", application=app_, ret=ret, form=rf.SendReturnForm()
    )


def _spend_form(app_: Application) -> rf.SpendLineForm:
    form = rf.SpendLineForm()
    form.category_id.choices = [("", "Select a category")] + [
        (str(c.id), c.name)
        for c in sorted({line.category for line in app_.budget_lines}, key=lambda c: c.name)
    ]
    form.priority_id.choices = [
        (str(s.priority_id), f"{s.priority.number}. {s.priority.title}") for s in _priorities(app_)
    ]
    return form


def _line_input(form: rf.SpendLineForm) -> SpendLineInput:
    return SpendLineInput(
        priority_id=form.priority,
        category_id=form.category,
        description=form.description.data,
        amount_pence=form.amount_pence,
        spent_on=form.spent_on.data,
    )


@bp.route(BASE + "/spending/add", methods=["GET", "POST"])
@applicant_required
def add_spend_line(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    form = _spend_form(app_)
    if request.method == "GET":
        form.token.data = secrets.token_urlsafe(24)
        splits = _priorities(app_)
        if len(splits) == 1:
            form.priority_id.data = str(splits[0].priority_id)
    if form.validate_on_submit():
        saved = _save(
            ret,
            lambda: return_form.add_spend_line(
                db.session, current_user, ret, _line_input(form), token=form.token.data or ""
            ),
            form,
            message="Spending added. You can upload a receipt for it now.",
            then=lambda added: url_for(
                "portal.spend_line_receipt",
                reference=app_.reference,
                return_id=ret.id,
                line_id=added.id,
                **({"from": "check"} if request.args.get("from") == "check" else {}),
            ),
        )
        if saved is not None:
            return saved
    return render_template(
        "portal/returns/spend_line.html",
        application=app_,
        ret=ret,
        form=form,
        errors=error_list(form),
        line=None,
        period=return_period(ret),
    )


@bp.route(BASE + "/spending/<int:line_id>", methods=["GET", "POST"])
@applicant_required
def change_spend_line(reference: str, return_id: int, line_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    line = next((x for x in ret.spend_lines if x.id == line_id), None)
    if line is None:
        abort(404)
    form = _spend_form(app_)
    if request.method == "GET":
        form.spent_on.data = line.spent_on
        form.description.data = line.description
        form.category_id.data = str(line.category_id)
        form.priority_id.data = str(line.priority_id)
        form.amount.data = pounds_decimal(line.amount_pence)
    if form.validate_on_submit():
        saved = _save(
            ret,
            lambda: return_form.change_spend_line(db.session, current_user, ret, line_id, _line_input(form)),
            form,
            message="Spending changed.",
            then=_spending_page(app_, ret),
        )
        if saved is not None:
            return saved
    return render_template(
        "portal/returns/spend_line.html",
        application=app_,
        ret=ret,
        form=form,
        errors=error_list(form),
        line=line,
        period=return_period(ret),
    )


@bp.post(BASE + "/spending/<int:line_id>/remove")
@applicant_required
def remove_spend_line(reference: str, return_id: int, line_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    if not rf.SendReturnForm().validate_on_submit():
        abort(400)
    outcome = attempt(lambda: return_form.remove_spend_line(db.session, current_user, ret, line_id))
    if outcome.ok:
        flash("Spending removed.")
    else:
        flash(str(outcome.refusal), "info")
    return redirect(url_for("portal.return_spending", reference=app_.reference, return_id=return_id))


@bp.route(BASE + "/spending/<int:line_id>/receipt", methods=["GET", "POST"])
@applicant_required
def spend_line_receipt(reference: str, return_id: int, line_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    line = next((x for x in ret.spend_lines if x.id == line_id), None)
    if line is None:
        abort(404)
    form = rf.ReceiptForm()
    if form.validate_on_submit():
        upload = form.file.data
        # One byte past the limit, so an oversize file is recognised without reading all of it.
        content = upload.stream.read(settings().max_upload_mb * 1024 * 1024 + 1)
        saved = _save(
            ret,
            lambda: return_form.attach_receipt(
                db.session,
                current_user,
                ret,
                line_id,
                settings().upload_folder,
                filename=upload.filename or "",
                content=content,
            ),
            form,
            message="Receipt uploaded.",
            then=_spending_page(app_, ret),
        )
        if saved is not None:
            return saved
        line = next((x for x in ret.spend_lines if x.id == line_id), line)
    return render_template(
        "portal/returns/receipt.html",
        application=app_,
        ret=ret,
        line=line,
        form=form,
        errors=error_list(form),
        back=_spending_page(app_, ret)(None),
    )


# -- progress, outcomes, our question ------------------------------------------------------------------
@bp.route(BASE + "/progress", methods=["GET", "POST"])
@applicant_required
def return_progress(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    form = rf.ProgressForm()
    if request.method == "GET":
        form.progress_narrative.data = ret.progress_narrative
    if form.validate_on_submit():
        saved = _save(
            ret,
            lambda: return_form.save_progress(db.session, current_user, ret, form.progress_narrative.data),
            form,
        )
        if saved is not None:
            return saved
    return render_template(
        "portal/returns/progress.html", application=app_, ret=ret, form=form, errors=error_list(form)
    )


@bp.route(BASE + "/outcomes/<int:priority_id>", methods=["GET", "POST"])
@applicant_required
def return_outcome(reference: str, return_id: int, priority_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    split = next((s for s in app_.priority_splits if s.priority_id == priority_id), None)
    if split is None:
        abort(404)
    form = rf.OutcomeForm()
    saved = next((o for o in ret.priority_outcomes if o.priority_id == priority_id), None)
    if request.method == "GET" and saved is not None:
        form.people_reached.data = str(saved.people_reached)
        form.what_changed.data = saved.what_changed
    if form.validate_on_submit():
        saved = _save(
            ret,
            lambda: return_form.save_outcome(
                db.session,
                current_user,
                ret,
                priority_id,
                people_reached=form.people,
                what_changed=form.what_changed.data,
            ),
            form,
        )
        if saved is not None:
            return saved
    return render_template(
        "portal/returns/outcome.html",
        application=app_,
        ret=ret,
        split=split,
        form=form,
        errors=error_list(form),
    )


@bp.route(BASE + "/answer", methods=["GET", "POST"])
@applicant_required
def answer_return_query(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    query = ret.open_query
    if query is None:
        return redirect(_return_page(ret))
    form = rf.ReturnAnswerForm()
    if request.method == "GET":
        form.answer.data = query.answer
    if form.validate_on_submit():
        saved = _save(
            ret, lambda: return_form.save_answer(db.session, current_user, ret, form.answer.data), form
        )
        if saved is not None:
            return saved
    return render_template(
        "portal/returns/answer.html",
        application=app_,
        ret=ret,
        query=query,
        form=form,
        errors=error_list(form),
    )


# -- check, send, confirmation ------------------------------------------------------------------------
def _check_page(app_: Application, ret: MonitoringReturn, errors: list[dict[str, str]]):
    return render_template(
        "portal/returns/check.html",
        application=app_,
        ret=ret,
        problems=return_problems(ret),
        unanswered=query_unanswered(ret),
        priorities=_priorities(app_),
        outcomes={o.priority_id: o for o in ret.priority_outcomes},
        form=rf.SendReturnForm(expected_version=str(ret.version)),
        not_yet=not_sendable_yet(ret, london_today()),
        over_award=over_award(db.session, ret),
        errors=errors,
    )


@bp.get(BASE + "/check")
@applicant_required
def check_return(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if (r := _not_editable(ret)) is not None:
        return r
    return _check_page(app_, ret, [])


@bp.post(BASE + "/send")
@applicant_required
def send_return(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    form = rf.SendReturnForm()
    if not form.validate_on_submit():
        abort(400)
    if has_tag(ret, ReturnTag.SPEND_ACCEPTED):
        # Refused in words, not silently: an accepted return is never sent again.
        return _return_page_with_errors(
            app_, ret, "This return has been accepted, so it cannot be sent again", status=409
        )
    if not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
        # A second click (or a second tab) lands on the confirmation of the first.
        return redirect(url_for("portal.return_sent", reference=reference, return_id=return_id))
    outcome = attempt(
        lambda: return_form.send_return(db.session, current_user, ret, expected_version=form.version)
    )
    if outcome.ok:
        return redirect(url_for("portal.return_sent", reference=reference, return_id=return_id))
    app_, ret = _load(reference, return_id)
    if isinstance(outcome.refusal, ConflictError):
        if not has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
            # The other request was this person's first click: it went through.
            return redirect(url_for("portal.return_sent", reference=reference, return_id=return_id))
        message = (
            "Your return changed after you opened this page (perhaps in another tab). "
            "Check your answers below and send it again"
        )
        return _check_page(app_, ret, [{"text": message, "href": "#main-content"}]), 409
    return _check_page(app_, ret, summary(outcome.refusal)), 422


def _return_page_with_errors(app_: Application, ret: MonitoringReturn, message: str, status: int):
    return (
        render_template(
            "portal/returns/return.html",
            application=app_,
            ret=ret,
            items=tasks(ret),
            ready=False,
            overdue=False,
            errors=[{"text": message, "href": "#main-content"}],
        ),
        status,
    )


@bp.get(BASE + "/sent")
@applicant_required
def return_sent(reference: str, return_id: int):
    app_, ret = _load(reference, return_id)
    if has_tag(ret, ReturnTag.EDITABLE_BY_APPLICANT):
        return redirect(_return_page(ret))
    return render_template("portal/returns/sent.html", application=app_, ret=ret)
