"""HTML and script typed into any field are shown as text on every portal page that displays them."""

from __future__ import annotations

from tests.web.conftest import pdf, upload
from tests.web.test_portal_journey import project_data

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_typed_markup_is_always_escaped(applicant_client, ref):
    client, application = applicant_client
    base = f"/applications/{application.reference}"
    org = {
        "name": PAYLOAD[:200],
        "org_type": "constituted_group",
        "address_line_1": PAYLOAD,
        "town": PAYLOAD,
        "postcode": "SG1 1AA",
        "contact_name": PAYLOAD,
        "contact_email": "a@b.example",
    }
    assert client.post(f"{base}/organisation", data=org).status_code == 302
    data = project_data(
        ref, title=PAYLOAD, summary=PAYLOAD, description=PAYLOAD, beneficiaries_description=PAYLOAD
    )
    assert client.post(f"{base}/project", data=data).status_code == 302
    p = ref.priorities[0]
    assert (
        client.post(
            f"{base}/priorities", data={"priorities": [str(p.id)], f"how_{p.id}": PAYLOAD}
        ).status_code
        == 302
    )
    client.post(
        f"{base}/budget",
        data={
            "action": "add",
            "line-description": PAYLOAD,
            "line-category_id": str(ref.categories[0].id),
            "line-amount": "500",
        },
    )
    client.post(
        f"{base}/budget", data={"action": "match", "match-match_amount": "1", "match-match_source": PAYLOAD}
    )
    upload(client, application.reference, "constitution", PAYLOAD + ".pdf", pdf())
    client.post(f"{base}/declaration", data={"name": PAYLOAD, "position": PAYLOAD, "confirm": "y"})
    for url in (
        "/applications",
        base,
        f"{base}/check-your-answers",
        f"{base}/organisation",
        f"{base}/project",
        f"{base}/priorities",
        f"{base}/budget",
        f"{base}/documents",
        f"{base}/declaration",
    ):
        page = client.get(url).text
        assert "<script>alert" not in page and "<img src=x" not in page, url
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in client.get(f"{base}/check-your-answers").text
