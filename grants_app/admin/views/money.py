"""Money in the admin: the Payments list (finance), the actions on an application's money section
(request, authorise, record as paid, cancel; money received and write-offs on recoveries), preparing
and issuing the offer with its letter, and each fund's position with the grants behind each figure."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    has_app_context,
    redirect,
    request,
    url_for,
)
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from grants_app.admin.actions import carry_out
from grants_app.admin.forms import ConfirmForm
from grants_app.admin.security import RoleRequired, staff_user
from grants_app.admin.views.base import (
    StaffModelView,
    csv_response,
    date_formatter,
    details_url,
    link,
    pence_formatter,
    seen_version,
)
from grants_app.dates import format_date, london_moment, london_today, parse_date
from grants_app.extensions import db
from grants_app.models import (
    Application,
    Fund,
    Instalment,
    InstalmentTrigger,
    Payment,
    Recovery,
    Role,
    User,
    UserRole,
)
from grants_app.money import format_pence, parse_pounds, pounds_decimal
from grants_app.normalise import parse_id
from grants_app.refusals import NotFound
from grants_app.reports.offer_letter import offer_letter_pdf
from grants_app.services import csv_export, fund_budget, offers, payments, recoveries
from grants_app.transaction import run
from grants_app.workflow import get_engine

MONEY_ROLES = frozenset({Role.FINANCE, Role.OFFICER, Role.ADMIN})


def _count(value) -> int | None:
    """A count a form carries back (0 or more, at most six digits), or None for anything else."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 6 else None


def _date(value, label: str) -> tuple[date | None, str | None]:
    """A date from a date box: what the browser's date picker sends (2026-05-14) or what a person types
    where there is no picker (14/05/2026, 14 May 2026), read by grants_app.dates.parse_date as every
    typed date is. (None, None) when blank; (None, the GOV.UK-style message) when it is not a date.

    Whether the date is allowed (not in the future, within the offer's limits) is the service's
    question, so that a real date that is refused is refused with the reason."""
    text = str(value or "")
    if not text.strip():
        return None, None
    try:
        return parse_date(text, label=label), None
    except ValueError as exc:
        return None, str(exc)


def _require(*roles: Role):
    user = staff_user()
    if user is None or not user.has_role(*roles):
        abort(403)
    return user


def _checked_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _back_to(application_id: int):
    return redirect(url_for("application.details_view", id=application_id) + "#money")


# -- the Payments list ----------------------------------------------------------------------------
class PaymentStateFilter(BaseSQLAFilter):
    def __init__(self) -> None:
        definition = get_engine().definition("payment")
        super().__init__(
            Payment.state,
            "State",
            options=[(name, state.staff_label) for name, state in definition.states.items()],
        )

    def apply(self, query, value, alias=None):
        return query.filter(Payment.state == value)

    def operation(self):
        return "equals"


class _IdFilter(BaseSQLAFilter):
    def validate(self, value) -> bool:
        return parse_id(value) is not None

    def clean(self, value):
        return parse_id(value)

    def operation(self):
        return "equals"


class PaymentFundFilter(_IdFilter):
    def __init__(self) -> None:
        super().__init__(Payment.application_id, "Fund", options=_options(select(Fund).order_by(Fund.name)))

    def apply(self, query, value, alias=None):
        ids = select(Application.id).where(Application.fund_id == value)
        return query.filter(Payment.application_id.in_(ids))


class RequesterFilter(_IdFilter):
    def __init__(self) -> None:
        finance = (
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.FINANCE)
            .order_by(User.full_name)
        )
        super().__init__(Payment.requested_by_id, "Requested by", options=_options(finance, str))

    def apply(self, query, value, alias=None):
        return query.filter(Payment.requested_by_id == value)


class MonthFilter(BaseSQLAFilter):
    """Payments paid in a month, or (not paid yet) requested in it."""

    def __init__(self) -> None:
        super().__init__(Payment.paid_on, "Month", options=self._months)

    @staticmethod
    def _months():
        today = london_today()
        months = []
        year, month = today.year, today.month
        for _ in range(24):
            months.append((f"{year:04d}-{month:02d}", f"{date(year, month, 1):%B %Y}"))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return months

    def validate(self, value) -> bool:
        return self.clean(value) is not None

    def clean(self, value):
        text = str(value or "").strip()
        if (
            len(text) != 7
            or text[4] != "-"
            or not (text.isascii() and text[:4].isdigit() and text[5:].isdigit())
        ):
            return None
        year, month = int(text[:4]), int(text[5:])
        return (year, month) if 2000 <= year <= 2100 and 1 <= month <= 12 else None

    def apply(self, query, value, alias=None):
        year, month = value
        first = date(year, month, 1)
        last = date(year, month, monthrange(year, month)[1])
        # Requested-at is a UTC timestamp: the month's bounds in Europe/London, as UTC.
        starts, ends = london_moment(first), london_moment(last + timedelta(days=1))
        return query.filter(
            or_(
                and_(Payment.paid_on.is_not(None), Payment.paid_on >= first, Payment.paid_on <= last),
                and_(Payment.paid_on.is_(None), Payment.created_at >= starts, Payment.created_at < ends),
            )
        )

    def operation(self):
        return "is"


def _options(stmt, label=str):
    def load():
        # Flask-Admin reads options when the view is built (no app context yet) and on each list.
        if not has_app_context():
            return []
        try:
            return [(str(row.id), label(row)) for row in db.session.execute(stmt).scalars()]
        except SQLAlchemyError:
            db.session.rollback()
            return []

    return load


def _application_link(view, context, model, name):
    return link(details_url("application", model.application_id, "#money"), model.application.reference)


class PaymentView(StaffModelView):
    """Every payment, newest first: filter by state, fund, month and requester; search by reference."""

    allowed_roles = MONEY_ROLES
    list_template = "admin/payment_list.html"
    column_list = [
        "application",
        "organisation",
        "description",
        "amount_pence",
        "state",
        "requested_by",
        "created_at",
        "authorised_by",
        "paid_on",
        "payment_reference",
    ]
    column_labels = {
        "application": "Grant",
        "organisation": "Organisation",
        "description": "Instalment",
        "amount_pence": "Amount",
        "requested_by": "Requested by",
        "created_at": "Requested on",
        "authorised_by": "Authorised by",
        "paid_on": "Paid on",
        "payment_reference": "Bank reference",
        "application.reference": "Grant reference",
    }
    column_searchable_list = ["payment_reference", "application.reference"]
    column_sortable_list = ["amount_pence", "state", "created_at", "paid_on"]
    column_default_sort = ("id", True)
    column_formatters = {
        "application": _application_link,
        "organisation": lambda v, c, m, n: m.application.organisation.name,
        "amount_pence": pence_formatter,
        "state": lambda v, c, m, n: get_engine().staff_label(m),
        "created_at": lambda v, c, m, n: format_date(m.created_at),
        "paid_on": date_formatter,
    }
    EXPORT_HEADER = [
        "Grant",
        "Organisation",
        "Fund",
        "Instalment",
        "Amount (£)",
        "State",
        "Requested by",
        "Requested on",
        "Authorised by",
        "Paid on",
        "Bank reference",
    ]

    def __init__(self, *args, **kwargs) -> None:
        self.column_filters = [PaymentStateFilter(), PaymentFundFilter(), MonthFilter(), RequesterFilter()]
        super().__init__(Payment, db, *args, **kwargs)

    def get_query(self):
        # Everything a row shows, in the same query: a page costs the same whatever it lists.
        return (
            super()
            .get_query()
            .options(
                joinedload(Payment.application).joinedload(Application.organisation),
                joinedload(Payment.application).joinedload(Application.fund),
                joinedload(Payment.requested_by),
                joinedload(Payment.authorised_by),
            )
        )

    @expose("/")
    def index_view(self):
        self.refresh_filter_options()
        return super().index_view()

    # -- CSV: the list as filtered, streamed row by row -----------------------------------------
    @expose("/export.csv")
    def export_csv(self):
        query = self.export_query()
        label = get_engine().staff_label

        def rows():
            for p in query.yield_per(csv_export.BATCH):
                yield [
                    p.application.reference,
                    p.application.organisation.name,
                    str(p.application.fund),
                    p.description,
                    pounds_decimal(p.amount_pence),
                    label(p),
                    p.requested_by.full_name if p.requested_by else "",
                    p.created_at.date().isoformat() if p.created_at else "",
                    p.authorised_by.full_name if p.authorised_by else "",
                    p.paid_on.isoformat() if p.paid_on else "",
                    p.payment_reference,
                ]

        return csv_response("payments.csv", self.EXPORT_HEADER, rows())

    # -- the actions of an application's money section ------------------------------------------
    def _payment(self, payment_id: int) -> Payment:
        payment = db.session.get(Payment, payment_id)
        if payment is None:
            abort(404)
        return payment

    @expose("/request/<int:instalment_id>", methods=["POST"])
    def request_payment(self, instalment_id: int):
        user = _require(Role.FINANCE)
        _checked_form()
        instalment = db.session.get(Instalment, instalment_id)
        if instalment is None:
            abort(404)
        application_id = instalment.award.application_id
        carry_out(
            lambda: payments.request_payment(db.session, user, instalment),
            lambda p: (
                f"Payment of {format_pence(p.amount_pence)} requested: another finance user must authorise it"
            ),
            prefix="Nothing was requested: ",
        )
        return _back_to(application_id)

    @expose("/<int:payment_id>/authorise", methods=["POST"])
    def authorise(self, payment_id: int):
        user = _require(Role.FINANCE)
        _checked_form()
        payment = self._payment(payment_id)
        carry_out(
            lambda: payments.authorise_payment(
                db.session, user, payment, expected_version=seen_version(request.form)
            ),
            f"Payment of {format_pence(payment.amount_pence)} authorised: it can now be paid",
            prefix="Not authorised: ",
        )
        return _back_to(payment.application_id)

    @expose("/<int:payment_id>/pay", methods=["POST"])
    def pay(self, payment_id: int):
        user = _require(Role.FINANCE)
        _checked_form()
        payment = self._payment(payment_id)
        paid_on, problem = _date(request.form.get("paid_on"), "Date paid")
        if problem:
            flash(f"Not recorded: {problem}", "error")
            return _back_to(payment.application_id)
        carry_out(
            lambda: payments.record_paid(
                db.session,
                user,
                payment,
                paid_on=paid_on,
                reference=request.form.get("payment_reference", ""),
                expected_version=seen_version(request.form),
            ),
            f"Payment of {format_pence(payment.amount_pence)} recorded as paid",
            prefix="Not recorded: ",
        )
        return _back_to(payment.application_id)

    @expose("/<int:payment_id>/cancel", methods=["POST"])
    def cancel(self, payment_id: int):
        user = _require(Role.FINANCE)
        _checked_form()
        payment = self._payment(payment_id)
        carry_out(
            lambda: payments.cancel_payment(
                db.session,
                user,
                payment,
                reason=request.form.get("reason", ""),
                expected_version=seen_version(request.form),
            ),
            "Payment cancelled: its instalment can be requested again",
            prefix="Not cancelled: ",
        )
        return _back_to(payment.application_id)

    def _recovery(self, recovery_id: int) -> Recovery:
        recovery = db.session.get(Recovery, recovery_id)
        if recovery is None:
            abort(404)
        return recovery

    @expose("/recovery/<int:recovery_id>/received", methods=["POST"])
    def money_received(self, recovery_id: int):
        user = _require(Role.FINANCE)
        _checked_form()
        recovery = self._recovery(recovery_id)
        try:
            amount = parse_pounds(request.form.get("amount", ""))
        except ValueError as exc:
            flash(f"Not recorded: {exc}", "error")
            return _back_to(recovery.application_id)
        received_on, problem = _date(request.form.get("received_on"), "Date received")
        if problem:
            flash(f"Not recorded: {problem}", "error")
            return _back_to(recovery.application_id)
        carry_out(
            lambda: recoveries.record_money_received(
                db.session,
                user,
                recovery,
                amount_pence=amount,
                received_on=received_on,
                reference=request.form.get("reference", ""),
                receipts_seen=_count(request.form.get("receipts_seen")),
            ),
            lambda r: (
                f"{format_pence(r.amount_pence)} received (reference {r.reference}) recorded against the "
                f"recovery on {r.recovery.application.reference}"
            ),
            prefix="Not recorded: ",
        )
        return _back_to(recovery.application_id)

    @expose("/recovery/<int:recovery_id>/write-off", methods=["POST"])
    def write_off(self, recovery_id: int):
        user = _require(Role.OFFICER)
        _checked_form()
        recovery = self._recovery(recovery_id)
        carry_out(
            lambda: recoveries.write_off(db.session, user, recovery, reason=request.form.get("reason", "")),
            lambda r: f"{format_pence(r.written_off_pence)} written off",
            prefix="Nothing was written off: ",
        )
        return _back_to(recovery.application_id)


# -- the offer ------------------------------------------------------------------------------------
class OfferView(RoleRequired, BaseView):
    """Preparing the offer from the approval (officer), and its letter (officer, finance, admin)."""

    allowed_roles = MONEY_ROLES

    def is_visible(self) -> bool:
        return False

    def _application(self, app_id: int) -> Application:
        application = db.session.get(Application, app_id)
        if application is None or application.award is None:
            abort(404)
        return application

    @expose("/")
    def index(self):
        return redirect(url_for("application.index_view"))

    @expose("/<int:app_id>/", methods=["GET", "POST"])
    def prepare(self, app_id: int):
        user = _require(Role.OFFICER)
        application = self._application(app_id)
        today = london_today()
        draft = offers.offer_draft(application, today)
        if request.method == "GET" and application.award.offer_issued_at is not None:
            flash("This offer has been issued: it can no longer be changed.", "info")
            return _back_to(application.id)
        errors: dict[str, str] = {}
        form = request.form
        if request.method == "POST":
            _checked_form()
            rows, errors = _schedule_rows(form)
            expires_on, problem = _date(form.get("expires_on"), "Date to accept by")
            if problem:
                errors["expires_on"] = problem
            if not errors:
                issue = form.get("then") == "issue"

                def work():
                    award = offers.prepare_offer(
                        db.session,
                        user,
                        application,
                        conditions=form.get("conditions", ""),
                        instalments=rows,
                        expires_on=expires_on,
                        today=today,
                    )
                    if issue:
                        offers.issue_offer(db.session, user, application)
                    return award

                # Refusals are shown next to the fields they are about, not also as a flash.
                outcome = run(db.session, work)
                if outcome.ok:
                    if issue:
                        flash("The offer is issued and the group has been emailed", "success")
                        return _back_to(application.id)
                    flash("The offer is saved. Check the letter, then issue it", "success")
                    return redirect(url_for(".prepare", app_id=app_id))
                if isinstance(outcome.refusal, NotFound):
                    abort(404)
                errors = dict(outcome.refusal.errors) or {"offer-form": outcome.refusal.message}
                draft = offers.offer_draft(self._application(app_id), today)
        return self.render(
            "admin/offer_prepare.html",
            app=application,
            draft=draft,
            form=form if request.method == "POST" else None,
            errors=errors,
            triggers=list(InstalmentTrigger),
            max_rows=offers.MAX_INSTALMENTS,
        )

    @expose("/<int:app_id>/letter.pdf")
    def letter(self, app_id: int):
        _require(*MONEY_ROLES)
        application = self._application(app_id)
        settings = current_app.config["SOSAFE"]
        pdf = offer_letter_pdf(
            db.session, application, public_base_url=settings.public_base_url, today=london_today()
        )
        draft = "" if application.award.offer_issued_at else "draft-"
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{draft}offer-letter-{application.reference}.pdf"',
                "Cache-Control": "private, no-store",
            },
        )


def _schedule_rows(form) -> tuple[list[offers.InstalmentInput], dict[str, str]]:
    """The schedule rows the officer filled in (blank rows skipped), and format errors by field."""
    rows: list[offers.InstalmentInput] = []
    errors: dict[str, str] = {}
    for n in range(1, offers.MAX_INSTALMENTS + 1):
        raw_amount = (form.get(f"instalment-{n}-amount") or "").strip()
        trigger = (form.get(f"instalment-{n}-trigger") or "").strip()
        raw_date = (form.get(f"instalment-{n}-date") or "").strip()
        if not raw_amount and not raw_date:
            continue
        position = len(rows) + 1
        try:
            amount = parse_pounds(raw_amount)
        except ValueError as exc:
            errors[f"instalment-{n}-amount"] = f"Instalment {position}: {exc}"
            amount = None
        due_on, problem = _date(raw_date, f"Date of instalment {position}")
        if problem:
            errors[f"instalment-{n}-date"] = problem
        rows.append(offers.InstalmentInput(amount, trigger, due_on))
    return rows, errors


# -- each fund's position -------------------------------------------------------------------------
class FundPositionView(RoleRequired, BaseView):
    """Budget, committed, paid, accepted spend, underspend, recovered, written off and remaining for
    each fund, and the grants behind each figure."""

    allowed_roles = MONEY_ROLES

    @expose("/")
    def index(self):
        return self.render(
            "admin/fund_position.html",
            positions=fund_budget.fund_positions(db.session),
            figures=fund_budget.DRILLDOWN,
        )

    @expose("/<int:fund_id>/<figure>")
    def drilldown(self, fund_id: int, figure: str):
        fund = db.session.get(Fund, fund_id)
        if fund is None or figure not in fund_budget.DRILLDOWN:
            abort(404)
        grants, total = fund_budget.grants_behind(db.session, fund, figure)
        return self.render(
            "admin/fund_drilldown.html",
            fund=fund,
            figure=figure,
            figure_label=fund_budget.DRILLDOWN[figure][0],
            grants=grants,
            total=total,
            limit=fund_budget.DRILLDOWN_LIMIT,
            figures=fund_budget.DRILLDOWN,
        )
