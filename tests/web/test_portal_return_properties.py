"""Property: whatever a group types or uploads into a monitoring return's forms, the answer is never a
500, and the return never ends up holding a line the rules refuse."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants_app.models import MonitoringReturn
from grants_app.services import return_form
from tests.return_helpers import grant, line
from tests.web.conftest import sign_in
from tests.web.test_portal_properties import VALUE, form_data

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _ok(response) -> None:
    assert response.status_code < 500, response.status_code


def _funded_grant(make, **kwargs):
    """A grant in delivery. Hypothesis runs every example in the same database, so the fund grows by
    each new award; otherwise the 26th example would be refused for the fund's budget."""
    make.ref.fund.budget_pence += 200_000
    return grant(make, **kwargs)


@FAST
@given(data=st.data())
def test_return_forms_never_fail(client, mailer, make, session, data):
    g = _funded_grant(make, priorities=[(1, 50), (2, 50)])
    session.commit()
    sign_in(client, mailer, g.applicant.email)
    try:
        spend = data.draw(
            form_data(["token", "spent_on", "description", "category_id", "priority_id", "amount"])
        )
        _ok(client.post(g.base + "/spending/add", data=spend))
        _ok(client.post(g.base + "/progress", data=data.draw(form_data(["progress_narrative"]))))
        pid = data.draw(
            st.one_of(st.sampled_from([s.priority_id for s in g.app.priority_splits]), st.integers(0, 2**40))
        )
        _ok(
            client.post(
                f"{g.base}/outcomes/{pid}", data=data.draw(form_data(["people_reached", "what_changed"]))
            )
        )
        _ok(client.post(g.base + "/answer", data=data.draw(form_data(["answer"]))))
        _ok(client.post(g.base + "/send", data=data.draw(form_data(["expected_version"]))))
        line_id = data.draw(st.integers(0, 2**40))
        _ok(client.post(f"{g.base}/spending/{line_id}", data=spend))
        _ok(client.post(f"{g.base}/spending/{line_id}/remove"))
        _ok(client.get(f"/applications/{g.app.reference}/returns/{data.draw(st.integers(0, 2**40))}"))
        session.expire_all()
        ret = session.get(MonitoringReturn, g.ret.id)
        for saved in ret.spend_lines:
            assert 0 < saved.amount_pence <= 200_000
            assert g.app.start_date <= saved.spent_on <= g.app.end_date
            assert "<" not in saved.description or ">" not in saved.description
    finally:
        # A failing example must not leave the client signed in as this applicant for the next one.
        client.post("/sign-out")


@FAST
@given(
    filename=st.one_of(st.text(max_size=300), st.sampled_from(["a.pdf", "../../etc/passwd", "r.png", ""])),
    content=st.one_of(
        st.binary(max_size=2000),
        st.sampled_from([b"%PDF-", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]).flatmap(
            lambda head: st.binary(max_size=500).map(lambda tail: head + tail)
        ),
    ),
    extra=VALUE,
)
def test_receipt_uploads_never_fail(client, mailer, make, session, filename, content, extra):
    g = _funded_grant(make)
    added = return_form.add_spend_line(session, g.applicant, g.ret, line(g))
    session.commit()
    sign_in(client, mailer, g.applicant.email)
    response = client.post(
        f"{g.base}/spending/{added.id}/receipt",
        data={"file": (io.BytesIO(content), filename), "other": extra},
        content_type="multipart/form-data",
    )
    _ok(response)
    client.post("/sign-out")
