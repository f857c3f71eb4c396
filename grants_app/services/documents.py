"""Storing uploaded documents outside the web root, under random names, with their type checked."""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
import zlib
from pathlib import Path

import filetype

from grants_app.models import Application, Document, DocumentKind, Organisation, User
from grants_app.refusals import Refusal

MAX_BYTES = 10 * 1024 * 1024
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = {
    "application/pdf": ".pdf",
    DOCX_MIME: ".docx",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}


EXTENSIONS = {
    ".pdf": "application/pdf",
    ".docx": DOCX_MIME,
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


# A Word file is a zip. Whoever opens it later (Word, a preview, a virus scanner) unpacks it, so a
# small upload that unpacks to gigabytes (a "zip bomb") is refused before it is stored.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100  # ordinary documents are below 20: text XML packs about 10 to 1
MAX_ZIP_ENTRIES = 2000
# Small files may pack tightly (a page of repeated text); the ratio matters once there is bulk.
RATIO_CHECKED_ABOVE = 10 * 1024 * 1024
TOO_BIG_UNPACKED = (
    "The selected file is too large when opened. Save it again as a smaller Word document, or as a PDF"
)


def _check_unpacked_size(archive: zipfile.ZipFile, packed_bytes: int) -> None:
    """Refuse an archive that unpacks past the limits; a Refusal (field "file") says so.

    The sizes an archive declares can be false, so every member is also read (in chunks, never all
    in memory): zipfile stops at the declared size and fails on the checksum when more would follow.
    """
    members = archive.infolist()
    if len(members) > MAX_ZIP_ENTRIES:
        raise Refusal(TOO_BIG_UNPACKED, field="file")
    declared = sum(m.file_size for m in members)
    if declared > MAX_UNPACKED_BYTES or (
        declared > RATIO_CHECKED_ABOVE and declared > packed_bytes * MAX_COMPRESSION_RATIO
    ):
        raise Refusal(TOO_BIG_UNPACKED, field="file")
    unpacked = 0
    for member in members:
        with archive.open(member) as stream:
            while chunk := stream.read(1024 * 1024):
                unpacked += len(chunk)
                if unpacked > declared:
                    raise Refusal(TOO_BIG_UNPACKED, field="file")


def _is_docx(content: bytes) -> bool:
    """A real Word document: a zip with word/document.xml and no macros (.docm renamed is refused),
    that unpacks to no more than MAX_UNPACKED_BYTES (else a Refusal)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                return False
            if "word/vbaProject.bin" in names:
                return False
            _check_unpacked_size(archive, len(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError):
        # Damaged, encrypted ("password required") or in a compression Word does not use.
        return False
    except (ValueError, OSError, EOFError):
        return False
    return True


def sniff_content_type(content: bytes) -> str | None:
    """The type the bytes really are, whatever the name or the browser says."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"PK\x03\x04"):
        # Other zips (.xlsx, .pptx, archives) are not accepted.
        return DOCX_MIME if _is_docx(content) else None
    kind = filetype.guess(content)
    if kind is None:
        return None
    return kind.mime if kind.mime in ("image/jpeg", "image/png") else None


def check_upload(filename: str, content: bytes) -> str:
    """The file's content type if it may be stored: a PDF, DOCX, JPG or PNG whose content
    matches its name, not empty and not over 10MB. Refusal (field 'file') otherwise."""
    if not content:
        raise Refusal("The selected file is empty", field="file")
    if len(content) > MAX_BYTES:
        raise Refusal("The selected file must be smaller than 10MB", field="file")
    content_type = sniff_content_type(content)
    if content_type not in ALLOWED:
        raise Refusal("The selected file must be a PDF, DOCX, JPG or PNG", field="file")
    suffix = Path(filename or "").suffix.lower()
    if suffix and EXTENSIONS.get(suffix) != content_type:
        # A file whose name claims one type but whose content is another is refused as disguised.
        raise Refusal(
            "The selected file's name does not match what is in it. Save it again as a PDF, DOCX, JPG or PNG",
            field="file",
        )
    return content_type


def store_document(
    session,
    actor: User,
    upload_folder: Path,
    *,
    organisation: Organisation,
    application: Application | None,
    kind: DocumentKind,
    filename: str,
    content: bytes,
) -> Document:
    """Check and store an uploaded file under a random name outside the web root, and record
    it (size, SHA-256, who uploaded it). Refusal (field 'file') if the file is refused."""
    content_type = check_upload(filename, content)
    stored_name = secrets.token_hex(16) + ALLOWED[content_type]
    document = Document(
        organisation_id=organisation.id,
        application_id=application.id if application else None,
        kind=kind,
        original_filename=display_filename(filename),
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    # Written only once the row is accepted, so a refused upload leaves no file behind.
    upload_folder.mkdir(parents=True, exist_ok=True)
    (upload_folder / stored_name).write_bytes(content)
    return document


def display_filename(filename: str | None) -> str:
    """The uploaded file's name as people will see it: the last part of any path, without control
    characters (a NUL cannot be stored by PostgreSQL), at most 255 characters; "document" if empty."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255] or "document"


def minimal_pdf(title: str) -> bytes:
    """A small valid one-page PDF, used for demo documents."""
    text = title.replace("\\", "").replace("(", "").replace(")", "")[:80]
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
