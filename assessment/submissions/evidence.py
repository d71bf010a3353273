"""Evidence files: checked from their bytes, stored once per SHA-256.

Accepted: PDF, PNG / JPEG / GIF / WebP images, Office Open XML documents (.docx/.xlsx/.pptx: a zip
with [Content_Types].xml) and legacy Office documents (.doc/.xls/.ppt: an OLE compound file). The
type is decided from the content, never from the name; a name whose extension claims another type
is rejected as well, so what an evaluator downloads is what its name says. Macro-enabled Office
files (a VBA project or a macro content type, whatever the name says) are refused. File names and
notes are checked text: no control characters, capped lengths.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath

from sqlalchemy import select

from assessment.accounts import audit
from assessment.accounts.access import load_submission, submission_filter
from assessment.accounts.principal import Clock, Principal
from assessment.errors import (
    EvidenceRejected,
    InvalidInput,
    NotFound,
)
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import EvidenceBlob, EvidenceFile, Submission
from assessment.submissions.snapshots import snapshot_standard
from assessment.submissions.states import guard, touch
from assessment.text import clean_text
from standards.problems import Problem

MAX_BYTES = int(os.environ.get("ZHIZAO_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
MAX_NAME = 200
MAX_PATH = 1_000  # a client may send its full path; only the last part is kept
MAX_NOTE = 2_000  # what the file shows and where (a page, a table), not a document of its own


@dataclass(frozen=True)
class Kind:
    media_type: str
    label: str
    extensions: tuple[str, ...]


PDF = Kind("application/pdf", "PDF document", (".pdf",))
PNG = Kind("image/png", "PNG image", (".png",))
JPEG = Kind("image/jpeg", "JPEG image", (".jpg", ".jpeg"))
GIF = Kind("image/gif", "GIF image", (".gif",))
WEBP = Kind("image/webp", "WebP image", (".webp",))
DOCX = Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "Word document (.docx)",
    (".docx",),
)
XLSX = Kind(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "Excel workbook (.xlsx)",
    (".xlsx",),
)
PPTX = Kind(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "PowerPoint presentation (.pptx)",
    (".pptx",),
)
OLE = Kind("application/x-ole-storage", "legacy Office document", (".doc", ".xls", ".ppt"))

ACCEPTED = "PDF, PNG, JPEG, GIF, WebP, Word/Excel/PowerPoint (.docx .xlsx .pptx .doc .xls .ppt)"
KINDS = (PDF, PNG, JPEG, GIF, WEBP, DOCX, XLSX, PPTX, OLE)
# The file types an upload may offer (without the dot, as Streamlit's uploader takes them): the
# one list the app's uploaders read, so they never offer what the service refuses or the reverse.
ACCEPTED_EXTENSIONS = tuple(e.removeprefix(".") for kind in KINDS for e in kind.extensions)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_LOOKS_LIKE = (
    (b"MZ", "a Windows program (.exe/.dll)"),
    (b"\x7fELF", "a Linux program"),
    (b"#!", "a script"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


def _reject(filename: str, why: Problem) -> EvidenceRejected:
    return EvidenceRejected(Problem((), "evidence.rejected", {"name": filename, "why": why}))


def _ooxml(data: bytes, filename: str) -> Kind:
    # The package checks live with the workbook reader, which refuses macros too; imported here
    # only when a zip arrives, so that evidence of other kinds does not pay for openpyxl.
    from assessment.excel.package import PackageRefused, macro_content  # noqa: PLC0415

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names:
                raise _reject(filename, Problem((), "evidence.plain_zip", {"accepted": ACCEPTED}))
            macros = macro_content(archive)
    except zipfile.BadZipFile:
        raise _reject(filename, Problem((), "evidence.broken_zip")) from None
    except PackageRefused as exc:
        raise _reject(filename, exc.problem) from None
    if macros is not None:
        raise _reject(filename, Problem((), "evidence.macros", {"macros": str(macros)}))
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    if any(n.startswith("ppt/") for n in names):
        return PPTX
    raise _reject(filename, Problem((), "evidence.other_office_package"))


def sniff(data: bytes, filename: str, max_bytes: int | None = None) -> Kind:
    """The kind of an evidence file from its content; EvidenceRejected saying why not."""
    limit = MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > limit:
        raise _reject(
            filename,
            Problem(
                (), "evidence.too_large",
                {"size": len(data), "limit": limit, "mib": limit / 1024 / 1024},
            ),
        )  # fmt: skip
    if not data:
        raise _reject(filename, Problem((), "evidence.empty"))
    kind: Kind | None = None
    if data.startswith(b"%PDF-"):
        kind = PDF
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = PNG
    elif data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
    elif data.startswith((b"GIF87a", b"GIF89a")):
        kind = GIF
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        kind = WEBP
    elif data.startswith(b"PK\x03\x04"):
        kind = _ooxml(data, filename)
    elif data.startswith(_OLE_MAGIC):
        kind = OLE
    if kind is None:
        seen = next((what for magic, what in _LOOKS_LIKE if data.startswith(magic)), None)
        if seen is None:
            head = data[:512].lstrip().lower()
            seen = (
                "an HTML page"
                if head.startswith((b"<!doctype html", b"<html"))
                else "text or an unknown format"
            )
        raise _reject(
            filename, Problem((), "evidence.not_accepted", {"seen": seen, "accepted": ACCEPTED})
        )
    suffix = PurePath(filename).suffix.lower()
    if suffix not in kind.extensions:
        raise _reject(
            filename,
            Problem(
                (), "evidence.disguised" if suffix else "evidence.no_extension",
                {"suffix": suffix, "kind": kind.label, "rename": kind.extensions[0]},
            ),
        )  # fmt: skip
    return kind


@dataclass(frozen=True)
class EvidenceView:
    id: int
    submission_id: int
    item_id: str | None
    filename: str
    media_type: str
    size: int
    sha256: str
    note: str | None
    uploaded_by: int | None
    uploaded_at: datetime


def _view(row: EvidenceFile) -> EvidenceView:
    return EvidenceView(
        row.id,
        row.submission_id,
        row.item_id,
        row.filename,
        row.media_type,
        row.size,
        row.blob_sha256,
        row.note,
        row.uploaded_by,
        row.uploaded_at,
    )


def add_evidence(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    filename: str,
    data: bytes,
    item_id: str | None = None,
    note: str | None = None,
    max_bytes: int | None = None,
    clock: Clock = utcnow,
) -> EvidenceView:
    """Attach a file to a draft or returned submission (members of the firm)."""
    given = clean_text(filename, "evidence file name", max_length=MAX_PATH)
    name = PurePath(given.replace("\\", "/")).name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(Problem((), "evidence.name_length", {"name": filename, "max": MAX_NAME}))
    if note is not None:
        note = clean_text(note, "evidence note", max_length=MAX_NOTE, multiline=True)
    kind = sniff(data, name, max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        action = guard(actor, sub, "add_evidence")
        if item_id is not None:
            standard, _ = snapshot_standard(session, sub.standard_sha256)
            if item_id not in {i.id for i in standard.items}:
                raise InvalidInput(
                    Problem(
                        ("evidence",), "submission.unknown_item",
                        {"item": item_id, "id": standard.id},
                    )
                )  # fmt: skip
        # The state again, in the same statement that touches the submission row, so a file can
        # never slip in after the submission left the firm's hands.
        touch(session, sub, action, now)
        if session.get(EvidenceBlob, digest) is None:
            session.add(
                EvidenceBlob(
                    sha256=digest, size=len(data), media_type=kind.media_type, data=data,
                    created_at=now,
                )
            )  # fmt: skip
            session.flush()
        row = EvidenceFile(
            submission_id=sub.id,
            item_id=item_id,
            blob_sha256=digest,
            filename=name,
            media_type=kind.media_type,
            size=len(data),
            note=note or None,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session, actor, "evidence.add", "evidence", row.id, at=now, submission_id=sub.id,
            after={"filename": name, "sha256": digest, "size": len(data),
                   "media_type": kind.media_type, "item_id": item_id},
        )  # fmt: skip
        return _view(row)


def list_evidence(actor: Principal, db: Database, submission_id: int) -> list[EvidenceView]:
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        rows = session.scalars(
            select(EvidenceFile)
            .where(EvidenceFile.submission_id == sub.id)
            .order_by(EvidenceFile.id)
        )
        return [_view(r) for r in rows]


def read_evidence(actor: Principal, db: Database, evidence_id: int) -> tuple[EvidenceView, bytes]:
    """The file's metadata and bytes, for those who may see its submission."""
    with db.read() as session:
        found = session.execute(
            select(EvidenceFile, EvidenceBlob.data)
            .join(Submission, Submission.id == EvidenceFile.submission_id)
            .join(EvidenceBlob, EvidenceBlob.sha256 == EvidenceFile.blob_sha256)
            .where(EvidenceFile.id == evidence_id, submission_filter(actor))
        ).first()
        if found is None:
            raise NotFound(Problem((), "evidence.not_found", {"id": evidence_id}))
        row, data = found
        if hashlib.sha256(data).hexdigest() != row.blob_sha256:
            raise RuntimeError(f"evidence file {evidence_id}: stored bytes do not match SHA-256")
        return _view(row), bytes(data)
