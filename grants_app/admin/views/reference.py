"""Reference data the administrator keeps: funds, priorities, agencies, users and roles, criteria."""

from __future__ import annotations

from flask import flash, request
from flask_admin.actions import action
from sqlalchemy import inspect, select
from wtforms import PasswordField, SelectMultipleField
from wtforms.validators import NumberRange, Optional

from grants_app import sessions
from grants_app.admin.forms import PenceField
from grants_app.admin.security import staff_user
from grants_app.admin.views.base import AuditedModelView, date_formatter, edited_fields, pence_formatter
from grants_app.extensions import db
from grants_app.models import (
    BudgetCategory,
    Fund,
    PartnerAgency,
    Partnership,
    Priority,
    Role,
    ScoringCriterion,
    StrategyPeriod,
    User,
    UserRole,
    Ward,
)
from grants_app.params import parse_id
from grants_app.passwords import hash_password
from grants_app.services import fund_settings, reference_data, staff_auth
from grants_app.services.sign_out import end_all_sessions
from grants_app.transaction import commit

# Flask-Admin's bundled select2 (v3) draws unlabelled "remove" links; plain selects are accessible.
PLAIN = {"data-role": "plain-select"}

DEFAULT_SINGLE_PAYMENT_BELOW_PENCE = 100_000
PENCE_COLUMNS = (
    "budget_pence",
    "min_award_pence",
    "max_award_pence",
    "delegated_limit_pence",
    "single_payment_below_pence",
)


def _ids(raw) -> list[int]:
    return [i for i in map(parse_id, raw) if i is not None]


class FundView(AuditedModelView):
    column_list = ["name", "financial_year", "budget_pence", "delegated_limit_pence", "opens_on", "closes_on"]
    column_labels = {
        "budget_pence": "Budget (£)",
        "min_award_pence": "Smallest award (£)",
        "max_award_pence": "Largest award (£)",
        "delegated_limit_pence": "Delegated limit (£)",
        "over_allocation_pct": "Over-allocation allowance (%)",
        "financial_year": "Financial year (starting April)",
        "return_due_days": "Monitoring returns due (days after each quarter)",
        "single_payment_below_pence": "Paid in one instalment below (£)",
    }
    column_formatters = {name: pence_formatter for name in PENCE_COLUMNS} | {
        "opens_on": date_formatter,
        "closes_on": date_formatter,
    }
    form_columns = [
        "name",
        "slug",
        "description",
        "who_can_apply",
        "financial_year",
        "strategy_period",
        "budget_pence",
        "min_award_pence",
        "max_award_pence",
        "over_allocation_pct",
        "delegated_limit_pence",
        "opens_on",
        "closes_on",
        "offer_valid_days",
        "return_due_days",
        "single_payment_below_pence",
        "priorities",
        "budget_categories",
    ]
    form_overrides = {name: PenceField for name in PENCE_COLUMNS}
    form_args = {
        "single_payment_below_pence": {
            "default": DEFAULT_SINGLE_PAYMENT_BELOW_PENCE,
            "description": "Smaller awards are paid in full on acceptance; larger ones half on acceptance and "
            "half after the first accepted monitoring return. Left empty: £1,000",
        },
        "return_due_days": {
            "validators": [
                NumberRange(1, 180, "Returns must be due between 1 and 180 days after the quarter")
            ]
        },
    }
    form_widget_args = {"strategy_period": PLAIN, "priorities": PLAIN, "budget_categories": PLAIN}
    column_searchable_list = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(Fund, db, *args, **kwargs)

    def validate_form(self, form) -> bool:
        """The form's own field checks, then how the settings fit together (services.fund_settings),
        each problem shown against its field; nothing is saved while any remain."""
        if not super().validate_form(form):
            return False
        fund_id = parse_id(request.args.get("id"))
        fund = db.session.get(Fund, fund_id) if fund_id is not None else None
        problems = fund_settings.fund_problems(
            db.session, fund, {name: field.data for name, field in form._fields.items()}
        )
        for name, message in problems.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
            else:
                flash(message, "error")
        return not problems

    def on_model_change(self, form, model, is_created):
        if model.single_payment_below_pence is None:
            model.single_payment_below_pence = DEFAULT_SINGLE_PAYMENT_BELOW_PENCE
        super().on_model_change(form, model, is_created)
        if is_created:
            reference_data.add_default_criteria(db.session, staff_user(), model)


class StrategyPeriodView(AuditedModelView):
    column_list = ["name", "starts_on", "ends_on"]
    form_columns = ["name", "starts_on", "ends_on"]
    column_formatters = {"starts_on": date_formatter, "ends_on": date_formatter}

    def __init__(self, *args, **kwargs):
        super().__init__(StrategyPeriod, db, *args, **kwargs)


class PriorityView(AuditedModelView):
    column_list = ["strategy_period", "number", "short_name", "title"]
    form_columns = ["strategy_period", "number", "short_name", "title", "description"]
    form_widget_args = {"strategy_period": PLAIN}
    column_default_sort = "number"

    def __init__(self, *args, **kwargs):
        super().__init__(Priority, db, *args, **kwargs)


class AgencyView(AuditedModelView):
    column_list = ["name", "short_name", "kind", "is_statutory_partner"]
    form_columns = ["name", "short_name", "kind", "is_statutory_partner"]

    def __init__(self, *args, **kwargs):
        super().__init__(PartnerAgency, db, *args, **kwargs)


class CriterionView(AuditedModelView):
    column_list = ["fund", "position", "name", "max_score", "weight"]
    form_columns = ["fund", "name", "guidance", "max_score", "weight", "position"]
    form_widget_args = {"fund": PLAIN}

    def __init__(self, *args, **kwargs):
        super().__init__(ScoringCriterion, db, *args, **kwargs)


class CategoryView(AuditedModelView):
    column_list = ["name", "is_capital"]
    form_columns = ["name", "description", "is_capital"]

    def __init__(self, *args, **kwargs):
        super().__init__(BudgetCategory, db, *args, **kwargs)


class WardView(AuditedModelView):
    form_columns = ["name"]

    def __init__(self, *args, **kwargs):
        super().__init__(Ward, db, *args, **kwargs)


class PartnershipView(AuditedModelView):
    can_create = False
    can_delete = False
    form_columns = [
        "name",
        "short_name",
        "reference_prefix",
        "area_name",
        "address",
        "contact_email",
        "contact_phone",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(Partnership, db, *args, **kwargs)


class UserView(AuditedModelView):
    can_delete = False  # people leave; deactivate them so the audit trail keeps its names
    column_list = ["full_name", "email", "agency", "roles", "is_active", "locked_until", "last_login_at"]
    column_labels = {"is_active": "Active", "locked_until": "Locked until", "last_login_at": "Last sign-in"}
    column_formatters = {
        "roles": lambda v, c, m, n: ", ".join(sorted(r.label for r in m.roles)),
        "locked_until": date_formatter,
        "last_login_at": date_formatter,
    }
    column_details_list = ["full_name", "email", "phone", "agency", "job_title", "roles", "is_active"]
    column_details_list += ["failed_login_count", "locked_until", "last_login_at", "created_at"]
    column_searchable_list = ["full_name", "email"]
    column_filters = ["is_active"]
    form_columns = [
        "email",
        "full_name",
        "phone",
        "agency",
        "job_title",
        "is_active",
        "role_names",
        "new_password",
    ]
    form_widget_args = {"agency": PLAIN}
    form_extra_fields = {
        "role_names": SelectMultipleField("Roles", choices=[(r.value, r.label) for r in Role]),
        "new_password": PasswordField(
            "New password (staff; at least 12 characters)", validators=[Optional()]
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(User, db, *args, **kwargs)

    def on_form_prefill(self, form, id):
        user = self.get_one(id)
        form.role_names.data = sorted(r.value for r in user.roles)

    def on_model_change(self, form, model, is_created):
        actor = staff_user()
        model.email = (model.email or "").strip().lower()
        before = model.roles
        wanted = {Role(v) for v in form.role_names.data or []}
        model.role_grants = [g for g in model.role_grants if g.role in wanted] + [
            UserRole(role=r) for r in wanted - model.roles
        ]
        extra: dict = {}
        if before != wanted:
            extra["roles"] = {"from": sorted(r.label for r in before), "to": sorted(r.label for r in wanted)}
        if form.new_password.data:
            model.password_hash = hash_password(form.new_password.data)  # ValueError -> shown to the admin
            extra["password"] = {"from": "(hidden)", "to": "(changed)"}
        active_changed = inspect(model).attrs.is_active.history.has_changes()
        # role_names and new_password are described above, in words; the rest are the model's own fields.
        fields = [f for f in edited_fields(form) if f not in ("role_names", "new_password")]
        reference_data.record_edit(db.session, actor, model, created=is_created, extra=extra, fields=fields)
        if not is_created and (active_changed or "roles" in extra or "password" in extra):
            # Whatever this person had open was granted under the old roles or password: it ends.
            generation = end_all_sessions(db.session, model)
            if model.id == actor.id and model.is_active:
                sessions.keep_this_session(generation)

    @action("unlock", "Unlock sign-in", "Unlock the selected accounts?")
    def action_unlock(self, ids):
        for user in db.session.execute(select(User).where(User.id.in_(_ids(ids)))).scalars():
            staff_auth.unlock(db.session, staff_user(), user)
        commit(db.session)
        flash("Accounts unlocked", "success")

    @action(
        "reset_two_factor",
        "Reset two-factor",
        "They will set up two-factor again at their next sign-in. Continue?",
    )
    def action_reset_two_factor(self, ids):
        for user in db.session.execute(select(User).where(User.id.in_(_ids(ids)))).scalars():
            user.totp_secret = None
            reference_data.record_edit(db.session, staff_user(), user, created=False, fields=["totp_secret"])
            end_all_sessions(db.session, user)
        commit(db.session)
        flash("Two-factor reset", "success")
