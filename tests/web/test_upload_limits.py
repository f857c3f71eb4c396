"""Uploads that would hurt whoever opens them are refused before anything is stored: Word files that
unpack to far more than they weigh (zip bombs), and file names with characters that cannot be stored."""

from __future__ import annotations

import io
import struct
import zipfile
from functools import cache

import pytest
from sqlalchemy import select

from grants_app.models import Document
from grants_app.services.documents import MAX_UNPACKED_BYTES
from tests.web.conftest import docx, pdf, upload

MIB = 1024 * 1024


@cache
def zip_bomb(unpacked_mib: int = 1024) -> bytes:
    """About 1MB of .docx whose word/document.xml unpacks to `unpacked_mib` MiB (1 GiB by default)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * MIB
            for _ in range(unpacked_mib):
                member.write(chunk)
    return buffer.getvalue()


def lying_zip(real_mib: int = 150, declared: int = 1000) -> bytes:
    """A .docx whose document.xml claims to be `declared` bytes but unpacks to `real_mib` MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (real_mib * MIB))
    data = bytearray(buffer.getvalue())
    name = b"word/document.xml"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(name.decode()).header_offset
    struct.pack_into("<I", data, local + 22, declared)  # local file header: uncompressed size
    entry = data.index(b"PK\x01\x02")
    while True:  # the central directory entry for the same file
        name_length, extra_length, comment_length = struct.unpack_from("<HHH", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length] == name:
            break
        entry += 46 + name_length + extra_length + comment_length
    struct.pack_into("<I", data, entry + 24, declared)
    return bytes(data)


def stored_files(folder) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.mark.parametrize(
    "content",
    [zip_bomb, lambda: zip_bomb(MAX_UNPACKED_BYTES // MIB + 1), lambda: zip_bomb(30), lying_zip],
    ids=["1 GiB from 1 MB", "just over the limit", "30 MiB of nothing: ratio", "sizes that lie"],
)
def test_a_zip_bomb_is_refused_and_nothing_is_stored(applicant_client, session, upload_folder, content):
    client, application = applicant_client
    before = stored_files(upload_folder)
    response = upload(client, application.reference, "constitution", "constitution.docx", content())
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "too large when opened" in page or "must be a PDF, DOCX, JPG or PNG" in page
    assert session.execute(select(Document)).scalars().all() == [
        d for d in application.documents if d.kind.value != "constitution"
    ]
    assert stored_files(upload_folder) == before


def test_an_ordinary_word_document_is_still_accepted(applicant_client, session):
    client, application = applicant_client
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml", "<w:document>" + "Our constitution. " * 50_000 + "</w:document>"
        )
        archive.writestr("word/media/image1.png", bytes(range(256)) * 4000)
    response = upload(client, application.reference, "constitution", "constitution.docx", buffer.getvalue())
    assert response.status_code == 302
    assert upload(client, application.reference, "insurance", "cover.docx", docx()).status_code == 302


@pytest.mark.parametrize(
    "filename", ["constitution\x00.pdf", "con\x00stitution.pdf", "\x07\x1b[31mconstitution.pdf", "\x00"]
)
def test_a_file_name_with_control_characters_is_cleaned_not_a_crash(
    applicant_client, session, upload_folder, filename
):
    client, application = applicant_client
    before = stored_files(upload_folder)
    response = upload(client, application.reference, "constitution", filename, pdf())
    assert response.status_code in (200, 302), response.status_code
    documents = session.execute(select(Document).where(Document.deleted_at.is_(None))).scalars().all()
    for document in documents:
        assert document.original_filename.isprintable()
        assert (upload_folder / document.stored_name).exists()
    # Whatever was refused left no file behind: every new file belongs to a document.
    names = {d.stored_name for d in session.execute(select(Document)).scalars()}
    assert stored_files(upload_folder) - before <= names
