"""Builders for domain objects in tests. Lifecycle states are reached only through fire()."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from grants_app.dates import london_today
from grants_app.models import (
    AgencyKind,
    Application,
    ApplicationPriority,
    BudgetCategory,
    BudgetLine,
    DocumentKind,
    Fund,
    Meeting,
    Organisation,
    OrganisationMember,
    OrganisationType,
    PartnerAgency,
    Partnership,
    Priority,
    Role,
    ScoringCriterion,
    StrategyPeriod,
    User,
    VoteChoice,
    Ward,
)
from grants_app.passwords import hash_password
from grants_app.services import declarations, quorum, votes
from grants_app.services import meetings as meeting_service
from grants_app.services.applications import start_application
from grants_app.services.documents import minimal_pdf, store_document
from grants_app.workflow import fire

STAFF_PASSWORD = "correct-horse-battery-staple"


@functools.cache
def _hashed(password: str) -> str:
    # argon2 is slow on purpose (about 0.15s a hash here): one hash per password serves every test user.
    return hash_password(password)


_seq = itertools.count(1)


@dataclass
class Reference:
    partnership: Partnership
    agencies: list[PartnerAgency]
    priorities: list[Priority]
    wards: list[Ward]
    categories: list[BudgetCategory]
    fund: Fund


def make_reference(
    session: Session, *, budget_pence: int = 5_000_000, today: date | None = None
) -> Reference:
    today = today or london_today()
    year = today.year if today.month >= 4 else today.year - 1
    partnership = Partnership(
        name="SoSafe - Stevenage Community Safety Partnership",
        short_name="SoSafe",
        reference_prefix="SOS",
        area_name="Stevenage",
        address="Daneshill House, Danestrete, Stevenage SG1 1HN",
        contact_email="community.safety@sosafe.example",
    )
    agencies = [
        PartnerAgency(name="Stevenage Borough Council", short_name="SBC", kind=AgencyKind.COUNCIL),
        PartnerAgency(name="Hertfordshire Constabulary", short_name="Police", kind=AgencyKind.POLICE),
        PartnerAgency(name="Hertfordshire Fire & Rescue Service", short_name="HFRS", kind=AgencyKind.FIRE),
        PartnerAgency(name="East & North Herts NHS Trust", short_name="ENHT", kind=AgencyKind.HEALTH),
        PartnerAgency(
            name="Police and Crime Commissioner",
            short_name="PCC",
            kind=AgencyKind.FUNDER,
            is_statutory_partner=False,
        ),
    ]
    strategy = StrategyPeriod(
        name="Strategy 2024-2027", starts_on=date(year - 2, 4, 1), ends_on=date(year + 1, 3, 31)
    )
    priorities = [
        Priority(strategy_period=strategy, number=n, short_name=f"Priority {n}", title=f"Priority number {n}")
        for n in range(1, 6)
    ]
    wards = [Ward(name=n) for n in ("Bedwell", "Chells", "Old Town", "Pin Green", "Shephall")]
    categories = [BudgetCategory(name=n) for n in ("Staff", "Equipment", "Venue hire", "Publicity")]
    fund = Fund(
        name="Community Safety Fund",
        slug=f"csf-{year}",
        financial_year=year,
        strategy_period=strategy,
        budget_pence=budget_pence,
        min_award_pence=25_000,
        max_award_pence=min(500_000, budget_pence),
        over_allocation_pct=0,
        delegated_limit_pence=100_000,
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=60),
    )
    fund.priorities = priorities
    fund.budget_categories = categories
    fund.scoring_criteria = [
        ScoringCriterion(name=n, position=i)
        for i, n in enumerate(["Fit with priorities", "Community need", "Value for money", "Deliverability"])
    ]
    session.add_all([partnership, *agencies, strategy, *priorities, *wards, *categories, fund])
    session.flush()
    return Reference(partnership, agencies, priorities, wards, categories, fund)


def end_period_by_today(ret) -> None:
    """A return is sent from the last day of its period (the rule return_period_ended); tests that send
    a return for a period still running end that period today rather than move the clock, so the money
    that follows (payments, settlement) happens today."""
    today = london_today()
    if ret.period_ends_on is not None and ret.period_ends_on > today:
        ret.period_ends_on = today
        ret.period_starts_on = min(ret.period_starts_on or today, today)


class Factory:
    def __init__(self, session: Session, ref: Reference, upload_folder: Path) -> None:
        self.session = session
        self.ref = ref
        self.upload_folder = upload_folder

    # -- people ----------------------------------------------------------------------------------
    def user(
        self,
        *roles: Role | str,
        agency: PartnerAgency | None = None,
        email: str | None = None,
        name: str | None = None,
        password: str | None = STAFF_PASSWORD,
    ) -> User:
        n = next(_seq)
        user = User(email=email or f"user{n}@example.org", full_name=name or f"Test User {n}")
        for role in roles or (Role.APPLICANT,):
            user.grant(Role(role))
        if user.is_staff:
            user.password_hash = _hashed(password)
            user.agency = agency or self.ref.agencies[0]
        self.session.add(user)
        self.session.flush()
        return user

    def officer(self) -> User:
        return self.user(Role.OFFICER)

    def finance(self) -> User:
        return self.user(Role.FINANCE)

    def jag_members(self, count: int = 4) -> list[User]:
        statutory = [a for a in self.ref.agencies if a.is_statutory_partner]
        return [self.user(Role.JAG_MEMBER, agency=statutory[i % len(statutory)]) for i in range(count)]

    def organisation(self, member: User | None = None, name: str | None = None) -> Organisation:
        n = next(_seq)
        org = Organisation(
            name=name or f"Community Group {n}",
            org_type=OrganisationType.CONSTITUTED_GROUP,
            address_line_1="1 High Street",
            town="Stevenage",
            postcode="SG1 1AA",
            contact_name="Pat Secretary",
            contact_email=f"contact{n}@group.example",
        )
        self.session.add(org)
        if member is not None:
            self.session.add(OrganisationMember(organisation=org, user=member))
        self.session.flush()
        self.session.refresh(org)
        return org

    # -- applications ----------------------------------------------------------------------------
    def application(
        self,
        *,
        applicant: User | None = None,
        organisation: Organisation | None = None,
        amount_pence: int = 200_000,
        complete: bool = True,
        title: str = "Youth boxing sessions",
        priorities: list[tuple[int, int]] | None = None,
    ) -> Application:
        applicant = applicant or self.user(Role.APPLICANT)
        organisation = organisation or self.organisation(applicant)
        app = start_application(self.session, applicant, self.ref.fund, organisation)
        if not complete:
            return app
        fund = self.ref.fund
        app.title = title
        app.summary = "Weekly sessions for young people."
        app.description = "A longer description of the project and how it will be run safely."
        app.start_date = max(fund.year_starts_on, london_today())
        app.end_date = fund.year_ends_on
        app.beneficiaries_description = "Young people aged 11 to 16"
        app.beneficiaries_count = 40
        app.wards = [self.ref.wards[0]]
        app.priority_splits = [
            ApplicationPriority(priority=self.ref.priorities[n - 1], percentage=pct, how_it_helps="It helps.")
            for n, pct in (priorities or [(1, 100)])
        ]
        app.budget_lines = [
            BudgetLine(category=self.ref.categories[0], description="Coaches", amount_pence=amount_pence)
        ]
        self.session.flush()
        for kind in (DocumentKind.CONSTITUTION, DocumentKind.ACCOUNTS, DocumentKind.INSURANCE):
            store_document(
                self.session,
                applicant,
                self.upload_folder,
                organisation=organisation,
                application=app,
                kind=kind,
                filename=f"{kind.value}.pdf",
                content=minimal_pdf(kind.value),
            )
        app.declaration_name = applicant.full_name
        app.declared_at = datetime.now(UTC)
        self.session.flush()
        self.session.refresh(app)
        return app

    def applicant_of(self, app: Application) -> User:
        return app.organisation.members[0].user

    def meeting(
        self, officer: User, *, days_ahead: int | None = None, members: list[User] | None = None
    ) -> Meeting:
        """A meeting that started an hour ago (attendance, votes and decisions are taken at a meeting
        that has started), or one `days_ahead` days from now."""
        starts_at = datetime.now(UTC) + (
            timedelta(hours=-1) if days_ahead is None else timedelta(days=days_ahead)
        )
        meeting = meeting_service.create_meeting(
            self.session, officer, title=f"JAG {next(_seq)}", starts_at=starts_at
        )
        for member in members or []:
            meeting_service.record_attendance(self.session, officer, meeting, member)
        return meeting

    def submitted(self, **kwargs) -> Application:
        app = self.application(**kwargs)
        fire(self.session, app, "submit", self.applicant_of(app))
        return app

    def eligible(self, officer: User | None = None, **kwargs) -> Application:
        app = self.submitted(**kwargs)
        fire(self.session, app, "pass_screening", officer or self.officer())
        return app

    def on_agenda(self, meeting: Meeting, officer: User, **kwargs) -> Application:
        app = self.eligible(officer, **kwargs)
        fire(self.session, app, "add_to_agenda", officer, meeting_id=meeting.id)
        return app

    def votes(
        self,
        app: Application,
        meeting: Meeting,
        officer: User,
        members: list[User],
        choice: VoteChoice = VoteChoice.FOR,
    ) -> None:
        item = quorum.open_agenda_item(self.session, meeting.id, app.id)
        for member in members:
            if declarations.declaration_for(self.session, app.id, member.id) is None:
                declarations.declare_interest(self.session, member, app, has_interest=False)
            votes.cast_vote(self.session, officer, item, member, choice)

    def approved(self, award_pence: int | None = None, **kwargs) -> tuple[Application, Meeting, User]:
        officer = self.officer()
        members = self.jag_members(3)
        meeting = self.meeting(officer, members=members)
        app = self.on_agenda(meeting, officer, **kwargs)
        self.votes(app, meeting, officer, members)
        fire(
            self.session,
            app,
            "approve",
            officer,
            meeting_id=meeting.id,
            amount_pence=award_pence or app.amount_requested_pence,
        )
        return app, meeting, officer

    def accept(self, app: Application) -> None:
        """The group accepts its offer (its first member, as Chair)."""
        applicant = self.applicant_of(app)
        fire(
            self.session,
            app,
            "accept_offer",
            applicant,
            accepted_by_name=applicant.full_name,
            accepted_by_role="Chair",
            confirmed=True,
        )

    def in_delivery(self, **kwargs) -> tuple[Application, User]:
        app, _meeting, officer = self.approved(**kwargs)
        fire(self.session, app, "issue_offer", officer)
        self.accept(app)
        fire(self.session, app, "start_delivery", officer)
        return app, officer

    def pay(self, app: Application, position: int = 1, finance: tuple[User, User] | None = None):
        """Request, authorise and pay instalment `position` of the grant's schedule (two finance users)."""
        from grants_app.services import payments as payment_service

        requester, authoriser = finance or (self.finance(), self.finance())
        instalment = next(i for i in app.award.instalments if i.position == position)
        payment = payment_service.request_payment(self.session, requester, instalment)
        fire(self.session, payment, "authorise", authoriser)
        fire(
            self.session,
            payment,
            "pay",
            requester,
            paid_on=london_today(),
            payment_reference=f"BACS-{app.id}-{position}",
        )
        return payment

    def file_return(self, app: Application, ret, spent_pence: int, officer: User | None = None):
        """The group reports `spent_pence` in monitoring return `ret` and the officer accepts it (a final
        return accepted settles the grant)."""
        from grants_app.services.monitoring import SpendLineInput, save_return

        applicant = self.applicant_of(app)
        split = app.priority_splits[0]
        lines = (
            [SpendLineInput(split.priority_id, app.budget_lines[0].category_id, "Coaches", spent_pence)]
            if spent_pence
            else []
        )
        save_return(
            self.session,
            applicant,
            ret,
            progress_narrative="Done",
            outcomes="Good",
            beneficiaries_reached=30,
            spend_lines=lines,
        )
        end_period_by_today(ret)
        fire(self.session, ret, "submit", applicant)
        fire(self.session, ret, "accept", officer or self.officer())
        return ret

    def final_return(self, app: Application, spent_pence: int, officer: User | None = None):
        """The final return, reporting `spent_pence`, accepted by the officer (which settles the grant)."""
        final = next(r for r in app.monitoring_returns if r.is_final)
        return self.file_return(app, final, spent_pence, officer)

    def interim_return(self, app: Application, spent_pence: int, officer: User | None = None):
        """The first interim return, reporting `spent_pence`, accepted by the officer."""
        first = next(r for r in app.monitoring_returns if not r.is_final)
        return self.file_return(app, first, spent_pence, officer)
