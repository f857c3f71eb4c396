"""The demo's people: one staff user per role (sharing a published password) and the groups that apply."""

from __future__ import annotations

from grants_app.models import OrganisationType, Role

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

# The volunteer secretaries of the demo groups (the groups' contacts and portal users).
SECRETARIES = [
    "Aisha Rahman",
    "Joe Brannigan",
    "Gwen Prosser",
    "Ravi Chandran",
    "Bernadette Doyle",
    "Marek Nowak",
    "Sian Hughes",
    "Femi Adeyemi",
    "Claire Whitlock",
    "Yusuf Demir",
    "Hannah Price",
    "Dylan Mercer",
    "Grace Obi",
    "Lena Fischer",
    "Owen Kavanagh",
    "Priya Nair",
]

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
