"""Demo data: the SoSafe partnership with a year of applications in every state.

Everything goes through the same services and fire() the screens use, with the clock pinned to the
day each step happened, so the audit history reads like a real year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from grants_app import clock
from grants_app.dates import LONDON
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
from grants_app.seed.reference import ReferenceData, load_reference_data
from grants_app.services import meetings as meeting_service
from grants_app.services import monitoring as monitoring_service
from grants_app.services import payments as payment_service
from grants_app.services import quorum
from grants_app.services.applications import start_application
from grants_app.services.documents import minimal_pdf, store_document
from grants_app.workflow import SYSTEM, fire

DEMO_PASSWORD = "sosafe-demo-2026"  # noqa: S105 - documented demo credential, development only

# email, name, roles, agency, job title
DEMO_STAFF = [
    ("officer@sosafe.example", "Priya Shah", [Role.OFFICER], "SBC", "Community Safety Grants Officer"),
    ("finance@sosafe.example", "Tom Okafor", [Role.FINANCE], "SBC", "Finance Officer"),
    ("finance2@sosafe.example", "Helen Marsh", [Role.FINANCE], "SBC", "Senior Finance Officer"),
    ("jag.police@sosafe.example", "Sgt Dan Whitfield", [Role.JAG_MEMBER], "Police", "Neighbourhood Sergeant"),
    ("jag.council@sosafe.example", "Amira Hussain", [Role.JAG_MEMBER], "SBC", "Community Safety Manager"),
    ("jag.fire@sosafe.example", "Gareth Lloyd", [Role.JAG_MEMBER], "HFRS", "Station Commander"),
    ("jag.nhs@sosafe.example", "Dr Ruth Adeyemi", [Role.JAG_MEMBER], "ENHT", "Safeguarding Lead"),
    ("jag.county@sosafe.example", "Mark Benson", [Role.JAG_MEMBER], "HCC", "Youth Services Manager"),
    ("rag@sosafe.example", "Cllr Joan Pearce", [Role.RAG_VIEWER], "SBC", "RAG Chair"),
    ("admin@sosafe.example", "Sam Carter", [Role.ADMIN], "SBC", "Systems Administrator"),
]
DEMO_APPLICANT = ("applicant@community.example", "Kelly Morgan")

ORGANISATIONS = [
    (
        "Bedwell Youth Boxing Club",
        OrganisationType.CONSTITUTED_GROUP,
        "",
        "",
        "Bedwell Community Centre, Bedwell Crescent",
        "SG1 1NJ",
    ),
    (
        "Haven Women's Aid Stevenage",
        OrganisationType.REGISTERED_CHARITY,
        "1087654",
        "",
        "PO Box 412",
        "SG1 2ZX",
    ),
    (
        "Pin Green Residents' Association",
        OrganisationType.TENANTS_ASSOCIATION,
        "",
        "",
        "12 Lonsdale Road",
        "SG1 5DN",
    ),
    (
        "Stevenage Street Pastors",
        OrganisationType.FAITH_GROUP,
        "1143210",
        "",
        "St Andrew's Church, Church Lane",
        "SG1 3QN",
    ),
    (
        "Shephall Community Kitchen CIC",
        OrganisationType.CIC,
        "",
        "13579246",
        "Shephall Centre, Shephall Green",
        "SG2 9XS",
    ),
    ("Old Town Neighbourhood Watch", OrganisationType.CONSTITUTED_GROUP, "", "", "3 Middle Row", "SG1 3AW"),
    ("Chells Park Primary School", OrganisationType.SCHOOL, "", "", "Chells Way", "SG2 0LR"),
    (
        "Stevenage Unity Forum",
        OrganisationType.CONSTITUTED_GROUP,
        "",
        "",
        "Stevenage Central Library, Southgate",
        "SG1 1HD",
    ),
    (
        "Recovery Together Herts",
        OrganisationType.REGISTERED_CHARITY,
        "1176543",
        "",
        "Unit 4, Boulton Road",
        "SG1 4QX",
    ),
    (
        "St Nicholas Youth Theatre",
        OrganisationType.CIO,
        "1190876",
        "",
        "St Nicholas Hall, Rectory Lane",
        "SG1 4DA",
    ),
    (
        "Symonds Green Detached Youth Project",
        OrganisationType.REGISTERED_CHARITY,
        "1102345",
        "",
        "Filey Close Hub",
        "SG1 2JW",
    ),
    (
        "Longmeadow Men's Shed",
        OrganisationType.CONSTITUTED_GROUP,
        "",
        "",
        "Longmeadow Pavilion, Oaks Cross",
        "SG2 8LT",
    ),
    (
        "Roebuck Parents Network",
        OrganisationType.CONSTITUTED_GROUP,
        "",
        "",
        "Roebuck Community Room, Broadwater Crescent",
        "SG2 8EF",
    ),
    (
        "Stevenage Pride Collective CIC",
        OrganisationType.CIC,
        "",
        "14253647",
        "The Junction, Danestrete",
        "SG1 1XB",
    ),
    (
        "Herts Modern Slavery Support Network",
        OrganisationType.CIO,
        "1201987",
        "",
        "Suite 2, Swingate House",
        "SG1 1RZ",
    ),
    (
        "Martins Wood Scouts",
        OrganisationType.REGISTERED_CHARITY,
        "1034567",
        "",
        "Scout Hut, Mobbsbury Way",
        "SG2 7HX",
    ),
]


@dataclass
class Project:
    org: int
    title: str
    summary: str
    priorities: list[tuple[int, int]]  # (priority number, percentage)
    wards: list[str]
    lines: list[tuple[str, str, int]]  # (category, description, pounds)
    target: str
    beneficiaries: int = 40
    options: dict = field(default_factory=dict)


PROJECTS = [
    Project(
        0,
        "Friday night boxing for 11 to 16 year olds",
        "Free supervised boxing sessions on Friday evenings for young people at risk of antisocial behaviour in Bedwell.",
        [(1, 100)],
        ["Bedwell"],
        [
            ("Staff and sessional workers", "Two qualified coaches, 40 sessions", 2400),
            ("Equipment", "Gloves, pads and headguards", 600),
        ],
        "in_delivery",
        35,
    ),
    Project(
        0,
        "Summer holiday boxing and mentoring camp",
        "A two-week summer camp combining boxing training with mentoring by former offenders.",
        [(1, 70), (5, 30)],
        ["Bedwell", "St Nicholas"],
        [
            ("Staff and sessional workers", "Coaches and mentors", 1800),
            ("Venue hire", "Sports hall, 10 days", 700),
        ],
        "offer_issued",
        30,
    ),
    Project(
        0,
        "Coaching qualifications for young volunteers",
        "Level 1 coaching courses for six young volunteers so they can lead sessions.",
        [(1, 100)],
        ["Bedwell"],
        [("Training", "England Boxing Level 1 course x6", 900)],
        "draft",
        6,
        {"partial": True},
    ),
    Project(
        0,
        "Bedwell parents' safety evenings",
        "Evenings for parents on spotting exploitation and county lines.",
        [(1, 60), (4, 40)],
        ["Bedwell"],
        [
            ("Venue hire", "Six evenings", 300),
            ("Publicity", "Leaflets", 150),
            ("Materials and activities", "Refreshments and resources", 250),
        ],
        "information_requested",
        60,
    ),
    Project(
        1,
        "Domestic abuse drop-in at the Forum",
        "A weekly confidential drop-in in the town centre with an independent domestic violence adviser.",
        [(2, 100)],
        ["St Nicholas", "Bedwell", "Old Town"],
        [
            ("Staff and sessional workers", "IDVA, 3 hours a week for 40 weeks", 4200),
            ("Publicity", "Posters in GP surgeries", 300),
        ],
        "in_delivery",
        120,
    ),
    Project(
        1,
        "Safety planning packs for survivors",
        "Safety packs with alarms and information for survivors leaving abusive homes.",
        [(2, 100)],
        ["Shephall", "Pin Green", "Chells"],
        [("Equipment", "Personal alarms and door wedges", 1200), ("Publicity", "Information cards", 200)],
        "closed",
        80,
    ),
    Project(
        2,
        "Pin Green estate lighting survey and walkabouts",
        "Residents and police walk the estate at night to map poorly lit paths and report them.",
        [(5, 100)],
        ["Pin Green"],
        [("Volunteer expenses", "Torches and hi-vis", 250), ("Publicity", "Survey leaflets", 200)],
        "approved",
        150,
        {"delegated": True},
    ),
    Project(
        2,
        "Pin Green community clean-up days",
        "Monthly clean-up days to tackle fly-tipping hot spots.",
        [(5, 100)],
        ["Pin Green"],
        [("Materials and activities", "Skips and tools", 1400)],
        "declined",
        90,
    ),
    Project(
        3,
        "Street Pastors night-time economy patrols",
        "Volunteer patrols in the town centre on Friday and Saturday nights helping vulnerable people.",
        [(4, 60), (5, 40)],
        ["St Nicholas"],
        [
            ("Volunteer expenses", "Training and travel", 1100),
            ("Equipment", "Radios and first aid kits", 900),
        ],
        "in_delivery",
        500,
    ),
    Project(
        3,
        "Flip-flops and water for the night-time economy",
        "Supplies for Street Pastors to help people get home safely.",
        [(4, 100)],
        ["St Nicholas"],
        [("Materials and activities", "Flip-flops, water, foil blankets", 400)],
        "withdrawn",
        300,
    ),
    Project(
        4,
        "Cooking skills for young people on the edge of exclusion",
        "Weekly cooking sessions giving young people a safe space, a hot meal and a trusted adult.",
        [(1, 80), (4, 20)],
        ["Shephall"],
        [
            ("Staff and sessional workers", "Youth worker and chef", 2600),
            ("Materials and activities", "Ingredients", 800),
        ],
        "on_agenda",
        24,
    ),
    Project(
        4,
        "Community meal for isolated older residents",
        "Monthly lunches so older residents feel safer and know how to report scams.",
        [(5, 100)],
        ["Shephall"],
        [("Materials and activities", "Food", 900), ("Publicity", "Scam awareness leaflets", 100)],
        "ineligible",
        50,
    ),
    Project(
        5,
        "Old Town doorbell cameras for vulnerable residents",
        "Video doorbells for older and vulnerable residents targeted by doorstep crime.",
        [(5, 100)],
        ["Old Town"],
        [("Equipment", "20 video doorbells installed", 2000)],
        "final_return_accepted",
        20,
    ),
    Project(
        5,
        "Neighbourhood Watch membership drive",
        "Recruiting street coordinators in the Old Town.",
        [(5, 100)],
        ["Old Town"],
        [("Publicity", "Leaflets and banners", 600)],
        "submitted",
        200,
    ),
    Project(
        6,
        "Online safety workshops for Year 6 pupils",
        "Workshops on staying safe online, grooming and reporting, with parents' sessions.",
        [(1, 50), (3, 50)],
        ["Chells"],
        [
            ("Staff and sessional workers", "Workshop provider", 1200),
            ("Materials and activities", "Workbooks", 300),
        ],
        "offer_accepted",
        90,
    ),
    Project(
        6,
        "Playground buddies anti-bullying scheme",
        "Training pupils as playground buddies to report bullying and prejudice.",
        [(3, 100)],
        ["Chells"],
        [("Training", "Buddy training", 500)],
        "eligible",
        60,
    ),
    Project(
        7,
        "Hate crime third-party reporting centre",
        "Training volunteers at the library to take hate crime reports and pass them to the police.",
        [(3, 100)],
        ["St Nicholas", "Bedwell", "Woodfield"],
        [
            ("Training", "Volunteer training", 800),
            ("Publicity", "Multi-language posters", 700),
            ("Staff and sessional workers", "Coordinator", 1500),
        ],
        "on_agenda",
        150,
    ),
    Project(
        7,
        "Celebrating Stevenage cultures festival",
        "A festival to build community cohesion and promote reporting of hate crime.",
        [(3, 100)],
        ["Old Town"],
        [("Materials and activities", "Stalls and performers", 4800)],
        "offer_declined",
        1000,
    ),
    Project(
        8,
        "Peer recovery mentors",
        "Trained peer mentors supporting people leaving drug and alcohol treatment.",
        [(4, 100)],
        ["Bedwell", "Shephall", "Symonds Green"],
        [
            ("Training", "Peer mentor training", 1600),
            ("Volunteer expenses", "Travel", 900),
            ("Staff and sessional workers", "Supervisor", 2000),
        ],
        "repayment_due",
        25,
    ),
    Project(
        8,
        "Naloxone training for families",
        "Training families of people who use opioids to carry and use naloxone.",
        [(4, 100)],
        ["Bedwell"],
        [("Training", "Naloxone training sessions", 700)],
        "submitted",
        40,
    ),
    Project(
        8,
        "Alcohol awareness in the night-time economy",
        "Working with pubs and clubs on refusals and safe drinking.",
        [(4, 100)],
        ["St Nicholas"],
        [("Publicity", "Campaign materials", 1200)],
        "on_agenda",
        400,
        {"unscored": True},  # JAG members still have this one to declare on and score
    ),
    Project(
        9,
        "Knife crime awareness drama tour",
        "A play about knife crime performed in secondary schools with a workshop afterwards.",
        [(1, 100)],
        ["St Nicholas", "Chells", "Shephall", "Bedwell"],
        [
            ("Staff and sessional workers", "Actors and facilitator", 3200),
            ("Venue hire", "Rehearsal space", 400),
        ],
        "approved",
        1200,
    ),
    Project(
        9,
        "Youth theatre summer school",
        "A summer school for young people in St Nicholas.",
        [(1, 100)],
        ["St Nicholas"],
        [("Staff and sessional workers", "Tutors", 2000)],
        "offer_lapsed",
        30,
    ),
    Project(
        10,
        "Detached youth work in Symonds Green",
        "Youth workers meeting young people where they gather, in parks and shopping parades, on weekday evenings.",
        [(1, 100)],
        ["Symonds Green"],
        [("Staff and sessional workers", "Two youth workers, 2 evenings a week", 4500)],
        "suspended",
        80,
    ),
    Project(
        10,
        "Youth-led ASB mapping",
        "Young people map where they feel unsafe and present to the JAG.",
        [(1, 50), (5, 50)],
        ["Symonds Green"],
        [("Materials and activities", "Mapping workshops", 500)],
        "eligible",
        20,
    ),
    Project(
        11,
        "Men's Shed mental health and alcohol peer support",
        "Peer support for men struggling with alcohol, through practical projects.",
        [(4, 100)],
        ["Longmeadow"],
        [("Equipment", "Tools", 800), ("Venue hire", "Workshop space", 600)],
        "declined",
        25,
    ),
    Project(
        11,
        "Bike marking and security event",
        "Free bike marking with the police to reduce cycle theft.",
        [(5, 100)],
        ["Longmeadow", "Shephall"],
        [("Equipment", "Marking kits and locks", 450)],
        "closed",
        150,
    ),
    Project(
        12,
        "Walking school bus for safer journeys",
        "Parents walk children to school along safer routes.",
        [(5, 100)],
        ["Roebuck"],
        [("Equipment", "Hi-vis and signs", 300)],
        "draft",
        50,
    ),
    Project(
        12,
        "Parents against county lines",
        "Awareness sessions for parents on county lines and exploitation.",
        [(1, 100)],
        ["Roebuck"],
        [("Venue hire", "Sessions", 400), ("Staff and sessional workers", "Speaker fees", 600)],
        "information_requested",
        80,
    ),
    Project(
        13,
        "LGBTQ+ safe spaces and reporting",
        "Monthly safe-space evenings with support to report hate incidents.",
        [(3, 100)],
        ["St Nicholas"],
        [("Venue hire", "12 evenings", 900), ("Staff and sessional workers", "Facilitator", 1300)],
        "in_delivery",
        70,
    ),
    Project(
        14,
        "Modern slavery awareness for car wash and nail bar customers",
        "Training and leaflets helping the public recognise and report modern slavery.",
        [(2, 100)],
        ["Bedwell", "Pin Green", "Manor"],
        [("Training", "Awareness training", 1000), ("Publicity", "Leaflets in six languages", 800)],
        "on_agenda",
        500,
    ),
    Project(
        14,
        "Survivor peer support group",
        "A peer support group for survivors of modern slavery.",
        [(2, 100)],
        ["Bedwell"],
        [("Staff and sessional workers", "Facilitator", 2200)],
        "submitted",
        15,
    ),
    Project(
        15,
        "Scouts first aid and fire safety badges",
        "First aid and fire safety training with the fire service.",
        [(1, 100)],
        ["Martins Wood"],
        [("Training", "First aid course", 600)],
        "draft",
        40,
    ),
    Project(
        15,
        "Scout hut security improvements",
        "CCTV and lighting after repeated break-ins.",
        [(5, 100)],
        ["Martins Wood"],
        [("Equipment", "CCTV and lighting", 2800)],
        "ineligible",
        100,
    ),
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON).astimezone(UTC)


class DemoBuilder:
    def __init__(self, session: Session, upload_folder: Path, today: date) -> None:
        self.session = session
        self.upload_folder = upload_folder
        self.today = today
        self.users: dict[str, User] = {}
        self.orgs: list[Organisation] = []
        self.ref: ReferenceData | None = None
        self.meetings: list[Meeting] = []

    # -- helpers --------------------------------------------------------------------------------
    def on(self, day: date, step: Callable[[], object], hour: int = 10):
        with clock.pinned(_at(day, hour)):
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
                contact_name=DEMO_APPLICANT[1] if i == 0 else f"Secretary, {name}",
                contact_email=DEMO_APPLICANT[0] if i == 0 else f"secretary@{slug}.example",
                contact_phone="01438 000" + f"{i:03d}",
            )
            self.session.add(org)
            self.orgs.append(org)
            email, full_name = (
                DEMO_APPLICANT if i == 0 else (f"secretary@{slug}.example", f"Secretary of {name}")
            )
            member = User(email=email, full_name=full_name)
            member.grant(Role.APPLICANT)
            self.session.add(member)
            self.users[email] = member
            self.session.add(OrganisationMember(organisation=org, user=member))
        self.session.flush()

    def create_meetings(self) -> None:
        # JAG meets every four weeks on a Wednesday; the next meeting is one to two weeks away.
        next_meeting = self.today + timedelta(days=(2 - self.today.weekday()) % 7 + 7)
        dates = [next_meeting - timedelta(days=28 * k) for k in range(6, -1, -1)]
        dates = [d for d in dates if d > self.ref.fund.opens_on + timedelta(days=20)] or [next_meeting]
        for when in dates:
            meeting = self.on(
                min(when, self.today) - timedelta(days=21),
                lambda when=when: meeting_service.create_meeting(
                    self.session,
                    self.officer,
                    title=f"JAG meeting {when.day} {when:%B %Y}",
                    starts_at=_at(when, 14),
                    location="Daneshill House, Committee Room 2",
                ),
            )
            self.meetings.append(meeting)

    # -- one application ------------------------------------------------------------------------
    def member_of(self, org: Organisation) -> User:
        return next(m.user for m in org.members)

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
            app.declaration_position = "Secretary"
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
                meeting_service.declare_interest(
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
                    meeting_service.record_score(
                        self.session,
                        member,
                        app,
                        c,
                        score=3 + (n + c.position + app.id) % 3,
                        justification=f"{c.name}: clear plan and evidence of local need.",
                    )

            self.on(day, step, hour=9 + n)

    def decide(self, app: Application, meeting: Meeting, outcome: str, **kwargs) -> None:
        def step():
            item = quorum.open_agenda_item(self.session, meeting.id, app.id)
            present = {a.user_id for a in meeting.attendances if a.present and a.is_voting}
            for member in [m for m in self.jag if m.id in present]:
                declaration = meeting_service.declaration_for(self.session, app.id, member.id)
                if declaration is None:
                    meeting_service.declare_interest(
                        self.session, member, app, has_interest=False, meeting=meeting
                    )
                elif declaration.has_interest:
                    continue
                choice = VoteChoice.AGAINST if outcome == "decline" else VoteChoice.FOR
                meeting_service.cast_vote(self.session, self.officer, item, member, choice)
            meeting_service.record_decision(
                self.session, self.officer, app, meeting, outcome=outcome, **kwargs
            )

        self.on(meeting.starts_at.astimezone(LONDON).date(), step, hour=15)

    def hold(self, meeting: Meeting) -> None:
        day = meeting.starts_at.astimezone(LONDON).date()

        def step():
            for member in self.jag[:4]:
                meeting_service.record_attendance(self.session, self.officer, meeting, member)

        self.on(day, step, hour=14)

    def to_meeting(self, app: Application, meeting: Meeting, submitted: date, scored: bool = True) -> None:
        self.submit(app, submitted)
        self.screen(app, submitted + timedelta(days=5))
        self.on(
            submitted + timedelta(days=7),
            lambda: fire(self.session, app, "add_to_agenda", self.officer, meeting_id=meeting.id),
        )
        if scored:
            self.score_and_declare(app, submitted + timedelta(days=9), meeting)

    def deliver(self, app: Application, meeting: Meeting, *, paid_fraction: float = 1.0) -> date:
        met = meeting.starts_at.astimezone(LONDON).date()
        applicant = self.member_of(app.organisation)
        self.on(met + timedelta(days=2), lambda: fire(self.session, app, "issue_offer", self.officer))
        self.on(
            met + timedelta(days=6),
            lambda: fire(self.session, app, "accept_offer", applicant, accepted_by_name=applicant.full_name),
        )
        self.on(met + timedelta(days=8), lambda: fire(self.session, app, "start_delivery", self.officer))
        finance, finance2 = self.user("finance@sosafe.example"), self.user("finance2@sosafe.example")
        amount = int(app.award.amount_pence * paid_fraction)
        payment = self.on(
            met + timedelta(days=9),
            lambda: payment_service.request_payment(
                self.session, finance, app, amount_pence=amount, description="Grant payment"
            ),
        )
        self.on(met + timedelta(days=10), lambda: fire(self.session, payment, "authorise", finance2))
        self.on(
            met + timedelta(days=12),
            lambda: fire(
                self.session,
                payment,
                "pay",
                finance,
                paid_on=met + timedelta(days=12),
                payment_reference=f"BACS-{app.id:05d}",
            ),
        )
        return met

    def file_returns(self, app: Application, *, spend_fraction: float = 1.0, final: bool = False) -> None:
        applicant = self.member_of(app.organisation)
        self.session.flush()
        self.session.expire(app, ["monitoring_returns", "payments"])
        returns = sorted(app.monitoring_returns, key=lambda r: r.due_on)
        paid = sum(p.amount_pence for p in app.payments if p.state == "paid")
        interim = [r for r in returns if not r.is_final and r.due_on <= self.today]
        chosen = interim + ([r for r in returns if r.is_final] if final else [])
        total_spend = int(paid * spend_fraction)
        for n, ret in enumerate(chosen):
            share = (
                total_spend // len(chosen)
                if n < len(chosen) - 1
                else total_spend - (total_spend // len(chosen)) * (len(chosen) - 1)
            )
            day = min(ret.due_on - timedelta(days=3), self.today - timedelta(days=2))
            lines = []
            splits = app.priority_splits
            remaining = share
            for k, split in enumerate(splits):
                part = remaining if k == len(splits) - 1 else share * split.percentage // 100
                remaining -= part
                if part > 0:
                    lines.append(
                        monitoring_service.SpendLineInput(
                            priority_id=split.priority_id,
                            category_id=app.budget_lines[0].category_id,
                            description=app.budget_lines[0].description,
                            amount_pence=part,
                            spent_on=day,
                        )
                    )

            def submit(ret=ret, lines=lines):
                monitoring_service.save_return(
                    self.session,
                    applicant,
                    ret,
                    progress_narrative="Sessions ran as planned with good attendance.",
                    outcomes="Participants reported feeling safer and more confident to report concerns.",
                    beneficiaries_reached=app.beneficiaries_count,
                    spend_lines=lines,
                )
                fire(self.session, ret, "submit", applicant)

            self.on(day, submit)
            self.on(day + timedelta(days=1), lambda ret=ret: fire(self.session, ret, "accept", self.officer))

    # -- the scenarios --------------------------------------------------------------------------
    def run(self) -> int:
        past = [m for m in self.meetings if m.starts_at.astimezone(LONDON).date() < self.today]
        upcoming = self.meetings[-1]
        for meeting in past:
            self.hold(meeting)

        def meeting_back(k: int) -> Meeting:
            return past[max(len(past) - k, 0)]

        count = 0
        for index, project in enumerate(PROJECTS):
            target = project.target
            count += 1
            if target in {"final_return_accepted", "repayment_due", "closed"}:
                meeting = meeting_back(6)
                met = meeting.starts_at.astimezone(LONDON).date()
                project.options["end_date"] = self.today - timedelta(days=35 + index % 7)
                app = self.build(project, met - timedelta(days=40))
                app.start_date = max(met + timedelta(days=14), app.fund.year_starts_on)
                self.to_meeting(app, meeting, met - timedelta(days=30))
                self.decide(app, meeting, "approve", amount_pence=app.amount_requested_pence, conditions="")
                self.deliver(app, meeting)
                underspend = target == "repayment_due" or index % 2 == 1
                self.file_returns(app, spend_fraction=0.9 if underspend else 1.0, final=True)
                self.on(
                    self.today - timedelta(days=3),
                    lambda app=app: fire(self.session, app, "accept_final_return", self.officer),
                )
                if target == "repayment_due" or (target == "closed" and underspend):
                    owed = app.award.amount_pence - int(app.award.amount_pence * 0.9)
                    self.on(
                        self.today - timedelta(days=2),
                        lambda app=app, owed=owed: fire(
                            self.session,
                            app,
                            "demand_repayment",
                            self.user("finance@sosafe.example"),
                            amount_pence=owed,
                            reason="Underspend shown in the final return",
                        ),
                    )
                    if target == "closed":
                        self.on(
                            self.today - timedelta(days=1),
                            lambda app=app, owed=owed: payment_service.record_repayment(
                                self.session,
                                self.user("finance@sosafe.example"),
                                app,
                                amount_pence=owed,
                                received_on=self.today - timedelta(days=1),
                                reference="Returned underspend",
                            ),
                        )
                if target == "closed":
                    self.on(
                        self.today - timedelta(days=1),
                        lambda app=app: fire(self.session, app, "close", self.officer),
                        hour=16,
                    )
                continue

            if target == "draft":
                self.build(project, self.day(10 + index))
                continue
            if target in {"submitted", "information_requested", "ineligible", "withdrawn", "eligible"}:
                app = self.build(project, self.day(30 + index))
                self.submit(app, self.day(20 + index % 5))
                if target == "information_requested":
                    self.on(
                        self.day(12),
                        lambda app=app: fire(
                            self.session,
                            app,
                            "request_information",
                            self.officer,
                            reason="Please send a breakdown of the venue costs and confirm who will run the sessions.",
                        ),
                    )
                elif target == "ineligible":
                    self.on(
                        self.day(15),
                        lambda app=app: fire(
                            self.session,
                            app,
                            "fail_screening",
                            self.officer,
                            reason="The fund cannot pay for capital works to buildings or for activities outside community safety.",
                        ),
                    )
                elif target == "withdrawn":
                    self.on(
                        self.day(14),
                        lambda app=app: fire(
                            self.session,
                            app,
                            "withdraw",
                            self.member_of(app.organisation),
                            reason="Our church has agreed to fund this instead.",
                        ),
                    )
                elif target == "eligible":
                    self.screen(app, self.day(15))
                    self.score_and_declare(app, self.day(8), scorers=self.jag[:2])
                continue
            if target == "on_agenda":
                app = self.build(project, self.day(40 + index % 5))
                self.to_meeting(
                    app, upcoming, self.day(25 + index % 5), scored=not project.options.get("unscored")
                )
                continue
            if target == "approved" and project.options.get("delegated"):
                app = self.build(project, self.day(30))
                self.submit(app, self.day(25))
                self.screen(app, self.day(20))
                self.on(
                    self.day(10),
                    lambda app=app: fire(
                        self.session,
                        app,
                        "approve_delegated",
                        self.officer,
                        amount_pence=app.amount_requested_pence,
                        reason="Small award under delegated authority; reported to the next JAG.",
                    ),
                )
                continue

            back = {
                "approved": 1,
                "declined": 2,
                "offer_issued": 1,
                "offer_declined": 3,
                "offer_lapsed": 3,
                "offer_accepted": 1,
                "in_delivery": 4,
                "suspended": 5,
            }[target]
            meeting = meeting_back(back)
            met = meeting.starts_at.astimezone(LONDON).date()
            app = self.build(project, met - timedelta(days=40))
            self.to_meeting(app, meeting, met - timedelta(days=30))
            if target == "declined":
                self.decide(
                    app, meeting, "decline", reason="The JAG felt the project duplicates existing provision."
                )
                continue
            amount = app.amount_requested_pence if index % 3 else app.amount_requested_pence * 9 // 10
            self.decide(
                app,
                meeting,
                "approve",
                amount_pence=amount,
                conditions="Send photographs and attendance figures with each monitoring return.",
            )
            if target == "approved":
                continue
            applicant = self.member_of(app.organisation)
            self.on(
                met + timedelta(days=2), lambda app=app: fire(self.session, app, "issue_offer", self.officer)
            )
            if target == "offer_issued":
                continue
            if target == "offer_declined":
                self.on(
                    met + timedelta(days=9),
                    lambda app=app, a=applicant: fire(
                        self.session, app, "decline_offer", a, reason="We could not find a venue in time."
                    ),
                )
                continue
            if target == "offer_lapsed":
                self.on(
                    met + timedelta(days=2 + app.fund.offer_valid_days + 1),
                    lambda app=app: fire(self.session, app, "lapse_offer", SYSTEM),
                )
                continue
            self.on(
                met + timedelta(days=6),
                lambda app=app, a=applicant: fire(
                    self.session, app, "accept_offer", a, accepted_by_name=a.full_name
                ),
            )
            if target == "offer_accepted":
                continue
            self.on(
                met + timedelta(days=8),
                lambda app=app: fire(self.session, app, "start_delivery", self.officer),
            )
            finance, finance2 = self.user("finance@sosafe.example"), self.user("finance2@sosafe.example")
            half = app.award.amount_pence // 2
            p1 = self.on(
                met + timedelta(days=9),
                lambda app=app: payment_service.request_payment(
                    self.session, finance, app, amount_pence=half, description="First instalment"
                ),
            )
            self.on(met + timedelta(days=10), lambda p1=p1: fire(self.session, p1, "authorise", finance2))
            self.on(
                met + timedelta(days=12),
                lambda p1=p1, app=app: fire(
                    self.session,
                    p1,
                    "pay",
                    finance,
                    paid_on=met + timedelta(days=12),
                    payment_reference=f"BACS-{app.id:05d}-1",
                ),
            )
            if target != "suspended":  # the suspended project stopped sending returns: they are overdue
                self.file_returns(app, spend_fraction=0.8)
            if index % 2 == 0:
                self.on(
                    self.today - timedelta(days=4),
                    lambda app=app: payment_service.request_payment(
                        self.session,
                        finance,
                        app,
                        amount_pence=app.award.amount_pence - half,
                        description="Second instalment",
                    ),
                )
            if target == "suspended":
                self.on(
                    self.today - timedelta(days=6),
                    lambda app=app: fire(
                        self.session,
                        app,
                        "suspend",
                        self.officer,
                        reason="Sessions have not run since the lead youth worker left; we are reviewing the grant.",
                    ),
                )
        # A delegated approval is reported to the next meeting for noting.
        return count


@dataclass
class DemoResult:
    staff: list[tuple[str, str, str]]
    applicant: tuple[str, str]
    applications: int


def seed_demo(session: Session, upload_folder: Path, today: date) -> DemoResult:
    builder = DemoBuilder(session, upload_folder, today)
    with clock.pinned(_at(today - timedelta(days=240))):
        builder.ref = load_reference_data(session, today)
    builder.on(builder.ref.fund.opens_on - timedelta(days=14), builder.create_people)
    builder.create_meetings()
    count = builder.run()
    # Emails queued while seeding describe the past; mark them sent so nobody is mailed today.
    from grants_app.models import OutboxEmail

    for email in session.query(OutboxEmail).filter(OutboxEmail.sent_at.is_(None)):
        email.sent_at = email.created_at
        email.last_error = "demo data: not sent"
    session.flush()
    return DemoResult(
        staff=[
            (email, ", ".join(r.label for r in roles), agency) for email, _n, roles, agency, _t in DEMO_STAFF
        ],
        applicant=DEMO_APPLICANT,
        applications=count,
    )


__all__ = ["DEMO_PASSWORD", "DemoResult", "MonitoringReturn", "seed_demo"]
