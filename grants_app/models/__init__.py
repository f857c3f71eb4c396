"""All models, imported here so metadata is complete wherever models are used."""

from grants_app.models.application import (
    Application,
    ApplicationPriority,
    BudgetLine,
    Document,
    DocumentKind,
    InformationRequest,
    ReferenceCounter,
    application_wards,
)
from grants_app.models.audit import AuditEvent
from grants_app.models.award import Award, DecisionRoute, Instalment, InstalmentTrigger
from grants_app.models.base import Base, utcnow
from grants_app.models.fund import (
    BudgetCategory,
    Fund,
    ScoringCriterion,
    fund_budget_categories,
    fund_priorities,
)
from grants_app.models.meeting import (
    AgendaItem,
    AgendaOutcome,
    Attendance,
    DeclarationOfInterest,
    Meeting,
    Score,
    Vote,
    VoteChoice,
)
from grants_app.models.monitoring import MonitoringReturn, ReturnOutcome, ReturnQuery, SpendLine
from grants_app.models.organisation import (
    Organisation,
    OrganisationInvitation,
    OrganisationMember,
    OrganisationType,
)
from grants_app.models.outbox import OutboxEmail
from grants_app.models.partnership import AgencyKind, PartnerAgency, Partnership, Ward
from grants_app.models.payment import Payment, Recovery, RecoveryKind, Repayment
from grants_app.models.reminder import ReminderKind, ReminderSent
from grants_app.models.strategy import Priority, StrategyPeriod
from grants_app.models.user import STAFF_ROLES, LoginToken, Role, User, UserRole
from grants_app.models.written_procedure import (
    Recommendation,
    WrittenProcedure,
    WrittenProcedureResponse,
)

__all__ = [
    "AgencyKind",
    "AgendaItem",
    "AgendaOutcome",
    "Application",
    "ApplicationPriority",
    "Attendance",
    "AuditEvent",
    "Award",
    "Base",
    "BudgetCategory",
    "BudgetLine",
    "DecisionRoute",
    "DeclarationOfInterest",
    "Document",
    "DocumentKind",
    "Fund",
    "InformationRequest",
    "Instalment",
    "InstalmentTrigger",
    "LoginToken",
    "Meeting",
    "MonitoringReturn",
    "Organisation",
    "OrganisationInvitation",
    "OrganisationMember",
    "OrganisationType",
    "OutboxEmail",
    "PartnerAgency",
    "Partnership",
    "Payment",
    "Priority",
    "Recommendation",
    "Recovery",
    "RecoveryKind",
    "ReferenceCounter",
    "ReminderKind",
    "ReminderSent",
    "Repayment",
    "ReturnOutcome",
    "ReturnQuery",
    "Role",
    "STAFF_ROLES",
    "Score",
    "ScoringCriterion",
    "SpendLine",
    "StrategyPeriod",
    "User",
    "UserRole",
    "Vote",
    "VoteChoice",
    "Ward",
    "WrittenProcedure",
    "WrittenProcedureResponse",
    "application_wards",
    "fund_budget_categories",
    "fund_priorities",
    "utcnow",
]

# Models whose `state` column is governed by a workflow definition.
WORKFLOW_MODELS = {
    "application": Application,
    "monitoring_return": MonitoringReturn,
    "payment": Payment,
    "written_procedure": WrittenProcedure,
}

# Last: it indexes columns of the models above.
from grants_app.models import scale_indexes  # noqa: E402, F401, I001 - registers the indexes
