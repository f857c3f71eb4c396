"""Portal fixtures: signing an applicant in through the real email-link flow, and sample uploads."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from grants_app.extensions import db
from grants_app.outbox_sender import send_all_due
from grants_app.services.documents import minimal_pdf

LINK = re.compile(r"/sign-in/([A-Za-z0-9_-]{20,})")


def last_link(mailer, to: str) -> str:
    for address, _subject, body in reversed(mailer.sent):
        if address == to:
            match = LINK.search(body)
            if match:
                return match.group(1)
    raise AssertionError(f"no sign-in email to {to}")


INVITATION = re.compile(r"https?://[^/\s]+(/invitations/[A-Za-z0-9_-]{20,})")


def invitation_link(mailer, to: str) -> str:
    """The path of the latest invitation link emailed to `to`."""
    for address, _subject, body in reversed(mailer.sent):
        if address == to and (match := INVITATION.search(body)):
            return match.group(1)
    raise AssertionError(f"no invitation email to {to}")


def sign_in(client, mailer, email: str) -> None:
    response = client.post("/sign-in", data={"email": email})
    assert response.status_code == 302, response.text
    # A request sends at most a batch of the due emails after its commit; emails the test's factories
    # queued may be ahead of the sign-in link, so send everything due (as `flask outbox send` would).
    send_all_due(db.session, mailer)
    token = last_link(mailer, email)
    response = client.post(f"/sign-in/{token}")
    assert response.status_code == 302, response.text


@pytest.fixture
def signed_in(client, mailer, ref):
    """A new applicant (no account yet), signed in."""
    sign_in(client, mailer, "new.person@group.example")
    return client


@pytest.fixture
def applicant_client(client, mailer, make):
    """A signed-in applicant with a draft application for their organisation, and that application."""
    user = make.user("applicant", email="pat@bedwell.example", name="Pat Bedwell")
    application = make.application(applicant=user, complete=False)
    make.session.commit()
    sign_in(client, mailer, user.email)
    return client, application


def pdf() -> bytes:
    return minimal_pdf("Constitution")


def png() -> bytes:
    return (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )


def docx(macro: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"macro")
    return buffer.getvalue()


def upload(client, reference: str, kind: str, filename: str, content: bytes):
    return client.post(
        f"/applications/{reference}/documents",
        data={"kind": kind, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
