"""Property: whatever a person types or uploads into any portal form, the answer is never a 500.

The test app propagates exceptions, so any crash fails the test with its traceback.
"""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants_app.services.application_form import ORGANISATION_FIELDS
from grants_app.workflow import fire
from tests.web.conftest import sign_in

NASTY = st.sampled_from(
    [
        "",
        " ",
        "<script>alert(1)</script>",
        "\x00",
        "\u202e\ufeff",
        "9" * 40,
        "-1",
        "0",
        "1e309",
        "NaN",
        "£1,000,000,000,000.999",
        "31",
        "2026",
        "999999999999999999999",
        "'; DROP TABLE applications; --",
        "²",
        "٣٤",
        "１２",
        "a@b.c",
        "x" * 6000,
        "word " * 600,
    ]
)
TEXT = st.one_of(st.text(max_size=200), NASTY)
VALUE = st.one_of(TEXT, st.lists(TEXT, max_size=4))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def form_data(names: list[str]):
    return st.fixed_dictionaries({}, optional={name: VALUE for name in names})


ORG_FIELDS = list(ORGANISATION_FIELDS)
PROJECT_FIELDS = [
    "title",
    "summary",
    "description",
    "start_date",
    "end_date",
    "ward_ids",
    "beneficiaries_description",
    "beneficiaries_count",
    "works_with_children",
]


def _ok(response) -> None:
    assert response.status_code < 500, response.status_code


@FAST
@given(data=st.data())
def test_public_forms_never_fail(client, ref, data):
    _ok(client.post("/sign-in", data=data.draw(form_data(["email"]))))
    slug = data.draw(st.sampled_from(["organisation-type", "stevenage", "safeguarding-policy", "x"]))
    _ok(client.post(f"/eligibility/{slug}", data=data.draw(form_data(["answer"]))))
    _ok(client.get(f"/sign-in/{data.draw(st.text(alphabet='abcXYZ019-_<>%', max_size=300))}"))
    _ok(client.post(f"/sign-in/{data.draw(st.text(alphabet='abcXYZ019-_', min_size=1, max_size=300))}"))
    # A leading "//" would make the test client read a host name, so paths start with one slash.
    _ok(client.get("/" + data.draw(st.text(alphabet="abc/.-_%0123SOS", max_size=80)).lstrip("/")))


@FAST
@given(data=st.data())
def test_section_forms_never_fail(applicant_client, ref, data):
    client, application = applicant_client
    base = f"/applications/{application.reference}"
    _ok(client.post(f"{base}/organisation", data=data.draw(form_data(ORG_FIELDS))))
    _ok(client.post(f"{base}/project", data=data.draw(form_data(PROJECT_FIELDS))))
    ids = [str(p.id) for p in ref.priorities]
    names = ["priorities"] + [f"percentage_{i}" for i in ids] + [f"how_{i}" for i in ids]
    priorities = data.draw(form_data(names))
    priorities["priorities"] = data.draw(st.lists(st.one_of(st.sampled_from(ids), TEXT), max_size=6))
    _ok(client.post(f"{base}/priorities", data=priorities))
    budget = data.draw(
        form_data(
            [
                "line-description",
                "line-category_id",
                "line-amount",
                "match-match_amount",
                "match-match_source",
            ]
        )
    )
    budget["action"] = data.draw(st.sampled_from(["add", "match", "other", ""]))
    _ok(client.post(f"{base}/budget", data=budget))
    _ok(client.post(f"{base}/declaration", data=data.draw(form_data(["name", "position", "confirm"]))))
    _ok(client.post(f"{base}/budget/{data.draw(st.integers(0, 2**40))}/remove"))


@FAST
@given(
    kind=TEXT,
    filename=st.one_of(
        st.text(max_size=300), st.sampled_from(["a.pdf", "../../etc/passwd", "x.docx", ".png", ""])
    ),
    content=st.one_of(
        st.binary(max_size=2000),
        st.sampled_from([b"%PDF-", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]).flatmap(
            lambda head: st.binary(max_size=500).map(lambda tail: head + tail)
        ),
    ),
)
def test_uploads_never_fail(applicant_client, kind, filename, content):
    client, application = applicant_client
    response = client.post(
        f"/applications/{application.reference}/documents",
        data={"kind": kind, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    _ok(response)


@FAST
@given(data=st.data())
def test_other_forms_never_fail(applicant_client, data):
    client, application = applicant_client
    base = f"/applications/{application.reference}"
    _ok(client.post(f"{base}/answer", data=data.draw(form_data(["answer"]))))
    _ok(client.post(f"{base}/offer", data=data.draw(form_data(["decision", "name", "reason"]))))
    _ok(client.post("/organisation/invite", data=data.draw(form_data(["name", "email"]))))
    _ok(client.post("/applications/new", data=data.draw(form_data(ORG_FIELDS))))
    reference = data.draw(
        st.one_of(st.just(application.reference), TEXT.filter(lambda t: "/" not in t and "\x00" not in t))
    )
    _ok(client.get(f"/applications/{reference}"))
    # Withdrawal last: a valid reason ends the application's draft.
    _ok(client.post(f"{base}/withdraw", data=data.draw(form_data(["reason"]))))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_answer_and_offer_forms_never_fail(client, mailer, make, session, data):
    # Fresh applications each time, so every example meets the forms in the state that shows them.
    asked = make.submitted()
    officer = make.officer()
    fire(session, asked, "request_information", officer, reason="Who runs it?")
    offered, _meeting, officer2 = make.approved(
        organisation=asked.organisation, applicant=make.applicant_of(asked)
    )
    fire(session, offered, "issue_offer", officer2)
    session.commit()
    sign_in(client, mailer, make.applicant_of(asked).email)
    _ok(client.post(f"/applications/{asked.reference}/answer", data=data.draw(form_data(["answer"]))))
    _ok(
        client.post(
            f"/applications/{offered.reference}/offer",
            data=data.draw(form_data(["decision", "name", "reason"])),
        )
    )
    client.post("/sign-out")
