"""The steps the demo stories are made of: people, meetings, and one application's way through the
lifecycle, each through the same services and fire() the screens use, with the clock pinned to the
day it happened so the audit history reads like a real year."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.dates import LONDON, london_moment, to_london
from grants_app.lifecycle import PaymentTag, has_tag
from grants_app.models import (
    Application,
    ApplicationPriority,
    BudgetLine,
    DocumentKind,
    Meeting,
    MonitoringReturn,
    Organisation,
    OrganisationMember,
    OrganisationType,
    Role,
    User,
    VoteChoice,
)
from grants_app.passwords import hash_password
from grants_app.seed.demo import money
from grants_app.seed.demo import returns as demo_returns
from grants_app.seed.demo.people import DEMO_APPLICANT, DEMO_PASSWORD, DEMO_STAFF, ORGANISATIONS, SECRETARIES
from grants_app.seed.demo.projects import Project
from grants_app.seed.reference import ReferenceData
from grants_app.services import decisions, declarations, quorum, scoring, votes
from grants_app.services import meetings as meeting_service
from grants_app.services.applications import start_application
from grants_app.services.documents import minimal_pdf, store_document
from grants_app.workflow import fire

# A scorer's reason for each score the demo gives (the fund's scale is 1 to 5).
SCORE_REASONS = {
    3: "adequate; the plan is clear but says little about how success will be measured.",
    4: "good; a sound plan with local evidence of need, though the partners' roles could be firmer.",
    5: "strong; a clear plan, named partners and local evidence of need.",
}
# Who signs for a group: its declarations and offer acceptances.
SIGNATORY_ROLES = ("Secretary", "Chair", "Treasurer")
# What happens to the latest due return of each grant in delivery, in turn (see file_returns).
RETURN_STAGES = ("filed", "to_review", "with_question", "late")


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """That day (Europe/London) at that time, as UTC."""
    return london_moment(day, time(hour, minute))


class DemoBuilder:
    """The steps of a grant's year, each run with the clock pinned to the day it happened."""

    def __init__(self, session: Session, upload_folder: Path, today: date) -> None:
        self.session = session
        self.upload_folder = upload_folder
        self.today = today
        self.users: dict[str, User] = {}
        self.orgs: list[Organisation] = []
        self.ref: ReferenceData | None = None
        self.meetings: list[Meeting] = []
        # Grants in delivery so far, and the returns they hold back for returns.tell (see file_returns).
        self.grants_reporting = 0
        self.open_returns: list[tuple[Application, MonitoringReturn, str, int]] = []

    # -- helpers --------------------------------------------------------------------------------
    def on(self, day: date, step: Callable[[], object], hour: int = 10):
        return self.at(_at(day, hour), step)

    def at(self, moment: datetime, step: Callable[[], object]):
        with clock.pinned(moment):
            result = step()
            self.session.flush()
            return result

    def day(self, days_ago: int) -> date:
        return max(self.today - timedelta(days=days_ago), self.ref.fund.opens_on + timedelta(days=1))

    def user(self, email: str) -> User:
        return self.users[email]

    @property
    def officer(self) -> User:
        return self.users["officer@sosafe.example"]

    @property
    def jag(self) -> list[User]:
        return [u for u in self.users.values() if u.has_role(Role.JAG_MEMBER)]

    # -- people and places ---------------------------------------------------------------------
    def create_people(self) -> None:
        for email, name, roles, agency, title in DEMO_STAFF:
            user = User(
                email=email,
                full_name=name,
                agency=self.ref.agencies[agency],
                job_title=title,
                password_hash=hash_password(DEMO_PASSWORD),
            )
            for role in roles:
                user.grant(role)
            self.session.add(user)
            self.users[email] = user
        for i, (name, org_type, charity, company, address, postcode) in enumerate(ORGANISATIONS):
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            org = Organisation(
                name=name,
                org_type=org_type,
                charity_number=charity,
                company_number=company,
                address_line_1=address,
                town="Stevenage",
                postcode=postcode,
                contact_name=DEMO_APPLICANT[1] if i == 0 else SECRETARIES[i - 1],
                contact_email=DEMO_APPLICANT[0] if i == 0 else f"secretary@{slug}.example",
                contact_phone="01438 000" + f"{i:03d}",
            )
            self.session.add(org)
            self.orgs.append(org)
            email, full_name = DEMO_APPLICANT if i == 0 else (f"secretary@{slug}.example", SECRETARIES[i - 1])
            member = User(email=email, full_name=full_name)
            member.grant(Role.APPLICANT)
            self.session.add(member)
            self.users[email] = member
            self.session.add(OrganisationMember(organisation=org, user=member))
        # The demo applicant is also the treasurer of a second group, so choosing which organisation is
        # applying and the applications page grouped by organisation can be tried.
        self.session.add(OrganisationMember(organisation=self.orgs[2], user=self.users[DEMO_APPLICANT[0]]))
        self.session.flush()

    def create_meetings(self) -> None:
        """JAG meets every four weeks. The demo's current meeting is under way today (it started this
        morning, or yesterday afternoon when the demo is loaded early), so members can vote at it and the
        officer can record its decisions; the earlier ones are held and minuted, and the next one is four
        weeks on."""
        now = clock.now()
        morning = _at(self.today, 9, 30)
        current = (
            morning if morning <= now - timedelta(minutes=45) else _at(self.today - timedelta(days=1), 14)
        )
        self.current_meeting_starts_at = current
        # Every four weeks at the same time of day in London, across the clock changes.
        local = current.astimezone(LONDON)

        def weeks_on(k: int) -> datetime:
            return london_moment(local.date() + timedelta(days=28 * k), local.time())

        held = [weeks_on(-k) for k in range(6, 0, -1)]
        held = [d for d in held if d.date() > self.ref.fund.opens_on + timedelta(days=20)]
        for when in [*held, current, weeks_on(1)]:
            day = when.astimezone(LONDON).date()
            meeting = self.on(
                min(day, self.today) - timedelta(days=21),
                lambda when=when, day=day: meeting_service.create_meeting(
                    self.session,
                    self.officer,
                    title=f"JAG meeting {day.day} {day:%B %Y}",
                    starts_at=when,
                    location="Daneshill House, Committee Room 2",
                ),
            )
            self.meetings.append(meeting)
        self.current_meeting, self.next_meeting = self.meetings[-2], self.meetings[-1]

    # -- one application ------------------------------------------------------------------------
    def member_of(self, org: Organisation) -> User:
        return next(m.user for m in org.members)

    @staticmethod
    def role_in(org: Organisation) -> str:
        """The position the group's member (member_of) holds in it, the same on its declaration and
        when they accept an offer: secretary, chair or treasurer, by group."""
        return SIGNATORY_ROLES[org.id % len(SIGNATORY_ROLES)]

    def build(self, project: Project, created: date) -> Application:
        org = self.orgs[project.org]
        applicant = self.member_of(org)
        fund = self.ref.fund

        def create() -> Application:
            app = start_application(self.session, applicant, fund, org)
            app.title = project.title
            app.summary = project.summary
            app.description = (
                project.summary
                + " We have run community activities in Stevenage for several years and work closely "
                "with the neighbourhood policing team and the council's community safety team. The "
                "project will be delivered by trained staff and volunteers with DBS checks, and we "
                "will record attendance and outcomes so that we can report back to the partnership."
            )
            start = max(created + timedelta(days=45), fund.year_starts_on + timedelta(days=30))
            app.start_date = min(start, fund.year_ends_on - timedelta(days=60))
            app.end_date = project.options.get("end_date") or fund.year_ends_on - timedelta(days=14)
            app.beneficiaries_description = "Local residents taking part in the project"
            app.beneficiaries_count = project.beneficiaries
            app.wards = [self.ref.wards[w] for w in project.wards]
            app.eligibility_answers = {
                "organisation_type": org.org_type.value,
                "works_in_stevenage": True,
                "bank_account": True,
                "works_with_children_or_adults_at_risk": any(n == 1 for n, _ in project.priorities),
                "public_liability_insurance": True,
            }
            if project.options.get("partial"):
                return app
            priorities = {p.number: p for p in self.ref.priorities}
            app.priority_splits = [
                ApplicationPriority(
                    priority=priorities[number],
                    percentage=pct,
                    how_it_helps=f"The project contributes directly to priority {number}.",
                )
                for number, pct in project.priorities
            ]
            app.budget_lines = [
                BudgetLine(
                    category=self.ref.categories[cat], description=desc, amount_pence=pounds * 100, position=i
                )
                for i, (cat, desc, pounds) in enumerate(project.lines)
            ]
            kinds = [DocumentKind.CONSTITUTION, DocumentKind.ACCOUNTS, DocumentKind.INSURANCE]
            if app.eligibility_answers["works_with_children_or_adults_at_risk"]:
                kinds.append(DocumentKind.SAFEGUARDING_POLICY)
            self.session.flush()
            for kind in kinds:
                store_document(
                    self.session,
                    applicant,
                    self.upload_folder,
                    organisation=org,
                    application=app,
                    kind=kind,
                    filename=f"{kind.value.replace('_', '-')}.pdf",
                    content=minimal_pdf(f"{org.name}: {kind.label}"),
                )
            app.declaration_name = applicant.full_name
            app.declaration_position = self.role_in(org)
            app.declared_at = clock.now()
            return app

        app = self.on(created, create)
        self.session.refresh(app)
        return app

    def submit(self, app: Application, day: date) -> None:
        self.on(day, lambda: fire(self.session, app, "submit", self.member_of(app.organisation)))

    def screen(self, app: Application, day: date) -> None:
        self.on(
            day,
            lambda: fire(
                self.session,
                app,
                "pass_screening",
                self.officer,
                notes="Constitution, accounts and insurance checked. Eligible.",
            ),
        )

    def score_and_declare(
        self, app: Application, day: date, meeting: Meeting | None = None, scorers=None
    ) -> None:
        criteria = app.fund.scoring_criteria
        for n, member in enumerate(scorers if scorers is not None else self.jag):
            interest = (
                member.email == "jag.county@sosafe.example"
                and app.organisation.org_type == OrganisationType.SCHOOL
            )

            def step(member=member, n=n, interest=interest):
                declarations.declare_interest(
                    self.session,
                    member,
                    app,
                    has_interest=interest,
                    meeting=meeting,
                    nature="My child attends this school" if interest else "",
                )
                if interest:
                    return
                for c in criteria:
                    scoring.record_score(
                        self.session,
                        member,
                        app,
                        c,
                        score=3 + (n + c.position + app.id) % 3,  # 3 to 5, as SCORE_REASONS
                        justification=f"{c.name}: {SCORE_REASONS[3 + (n + c.position + app.id) % 3]}",
                    )

            self.on(day, step, hour=9 + n)

    def decide(self, app: Application, meeting: Meeting, outcome: str, **kwargs) -> None:
        def step():
            item = quorum.open_agenda_item(self.session, meeting.id, app.id)
            present = {a.user_id for a in meeting.attendances if a.present and a.is_voting}
            for member in [m for m in self.jag if m.id in present]:
                declaration = declarations.declaration_for(self.session, app.id, member.id)
                if declaration is None:
                    declarations.declare_interest(
                        self.session, member, app, has_interest=False, meeting=meeting
                    )
                elif declaration.has_interest:
                    continue
                choice = VoteChoice.AGAINST if outcome == "decline" else VoteChoice.FOR
                votes.cast_vote(self.session, self.officer, item, member, choice)
            decisions.record_decision(self.session, self.officer, app, meeting, outcome=outcome, **kwargs)

        starts = to_london(meeting.starts_at)
        self.at(max(_at(starts.date(), 15), starts + timedelta(minutes=30)), step)

    def hold(self, meeting: Meeting) -> None:
        def step():
            for member in self.jag[:4]:
                meeting_service.record_attendance(self.session, self.officer, meeting, member)

        # Attendance is taken as the meeting opens (whatever the hour and the season it meets in).
        self.at(to_london(meeting.starts_at) + timedelta(minutes=5), step)

    def to_meeting(self, app: Application, meeting: Meeting, submitted: date, scored: bool = True) -> None:
        self.submit(app, submitted)
        self.screen(app, submitted + timedelta(days=5))
        self.on(
            submitted + timedelta(days=7),
            lambda: fire(self.session, app, "add_to_agenda", self.officer, meeting_id=meeting.id),
        )
        if scored:
            self.score_and_declare(app, submitted + timedelta(days=9), meeting)

    def deliver(self, app: Application, meeting: Meeting) -> date:
        """The offer prepared, issued and accepted after the meeting, delivery started and the first
        instalment requested, authorised and paid (see money.py). Returns the meeting's date."""
        met = meeting.starts_at.astimezone(LONDON).date()
        money.deliver(self, app, met)
        return met

    def file_returns(self, app: Application, *, spend_fraction: float = 1.0, final: bool = False) -> None:
        """The group's returns so far, each filled in, sent and accepted as the portal and the review page
        do (see returns.py): the interim returns already due, and the final one if `final`.

        Without `final` (a grant still in delivery), the grants take turns through RETURN_STAGES: after
        the first, each holds back its latest due return for returns.tell to leave waiting for review,
        queried, or overdue. Spending adds up to `spend_fraction` of what has been paid."""
        self.session.flush()
        self.session.expire(app, ["monitoring_returns", "payments"])
        returns = sorted(app.monitoring_returns, key=lambda r: r.due_on)
        paid = sum(p.amount_pence for p in app.payments if has_tag(p, PaymentTag.PAID_OUT))
        chosen = [r for r in returns if not r.is_final and r.due_on <= self.today]
        held = None
        if final:
            chosen += [r for r in returns if r.is_final]
        else:
            stage = RETURN_STAGES[self.grants_reporting % len(RETURN_STAGES)]
            self.grants_reporting += 1
            if stage != "filed" and returns:
                # The latest return already due (the final one too, for a project past its end), or
                # else the first, sent early.
                held = ([r for r in returns if r.due_on <= self.today] or returns[:1])[-1]
                chosen = [r for r in chosen if r is not held]
        count = len(chosen) + (held is not None)
        if not count:
            return
        total = int(paid * spend_fraction)
        shares = [total // count] * count
        shares[-1] += total - sum(shares)
        if held is not None:
            self.open_returns.append((app, held, stage, shares.pop()))
        for ret, share in zip(chosen, shares, strict=True):
            demo_returns.file_and_accept(self, app, ret, share)
