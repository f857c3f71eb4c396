"""Every admin screen, registered in menu order."""

from __future__ import annotations

from flask_admin import Admin

from grants_app.admin.views.applications import ApplicationView
from grants_app.admin.views.meetings import MeetingView
from grants_app.admin.views.money import FundPositionView, OfferView, PaymentView
from grants_app.admin.views.records import AuditTrailView, OutboxView, WorkflowView
from grants_app.admin.views.reference import (
    AgencyView,
    CategoryView,
    CriterionView,
    FundView,
    PartnershipView,
    PriorityView,
    StrategyPeriodView,
    UserView,
    WardView,
)
from grants_app.admin.views.reports import ReportsView
from grants_app.admin.views.returns import ReturnView


def register_views(admin: Admin) -> None:
    """Add every admin screen, in menu order."""
    admin.add_view(ApplicationView(name="Applications", endpoint="application"))
    admin.add_view(MeetingView(name="Meetings", endpoint="meeting"))
    admin.add_view(PaymentView(name="Payments", endpoint="payment"))
    admin.add_view(FundPositionView(name="Fund position", endpoint="fund_position"))
    admin.add_view(OfferView(name="Offer", endpoint="offer"))
    admin.add_view(ReturnView(name="Monitoring returns", endpoint="returns"))
    admin.add_view(ReportsView(name="Reports", endpoint="reports", url="/admin/reports"))
    admin.add_view(AuditTrailView(name="Audit trail", endpoint="audit", category="Records"))
    admin.add_view(OutboxView(name="Emails sent", endpoint="outbox", category="Records"))
    admin.add_view(WorkflowView(name="Workflows", endpoint="workflows", category="Records"))
    reference = "Reference data"
    admin.add_view(FundView(name="Funds", endpoint="funds", category=reference))
    admin.add_view(
        StrategyPeriodView(name="Strategy periods", endpoint="strategy_periods", category=reference)
    )
    admin.add_view(PriorityView(name="Priorities", endpoint="priorities", category=reference))
    admin.add_view(CriterionView(name="Scoring criteria", endpoint="criteria", category=reference))
    admin.add_view(CategoryView(name="Budget categories", endpoint="categories", category=reference))
    admin.add_view(AgencyView(name="Partner agencies", endpoint="agencies", category=reference))
    admin.add_view(WardView(name="Wards", endpoint="wards", category=reference))
    admin.add_view(UserView(name="Users and roles", endpoint="users", category=reference))
    admin.add_view(PartnershipView(name="Partnership", endpoint="partnership", category=reference))
