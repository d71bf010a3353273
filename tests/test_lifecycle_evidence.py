"""Evidence files: judged by their bytes, capped in size, stored once per SHA-256; a rejected file
says why and leaves the database as it was."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import World, counts, snapshot

from assessment.demo.seed import _demo_pdf
from assessment.errors import EvidenceRejected, InvalidInput, InvalidTransition
from assessment.submissions import evidence

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
GIF = b"GIF89a" + bytes(20)
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(20)
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


def ooxml(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/document.xml", "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", "MZ")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("证书.pdf", _demo_pdf(), "application/pdf"),
        ("line.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("pic.webp", WEBP, "image/webp"),
        ("report.docx", ooxml("word"), evidence.DOCX.media_type),
        ("sheet.xlsx", ooxml("xl"), evidence.XLSX.media_type),
        ("slides.pptx", ooxml("ppt"), evidence.PPTX.media_type),
        ("old.xls", OLE, "application/x-ole-storage"),
        ("old.doc", OLE, "application/x-ole-storage"),
    ],
)
def test_accepted_kinds(name: str, data: bytes, media_type: str) -> None:
    assert evidence.sniff(data, name).media_type == media_type


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("invoice.pdf", b"MZ\x90\x00" + bytes(100), "a Windows program"),
        ("scan.pdf", b"\x7fELF" + bytes(60), "a Linux program"),
        ("page.pdf", b"<!DOCTYPE html><html></html>", "an HTML page"),
        ("notes.pdf", b"just some text", "text or an unknown format"),
        ("report.docx", plain_zip(), "is a zip archive, not an Office document"),
        ("photo.pdf", PNG, "the name says .pdf but the content is a PNG image"),
        ("report.xlsx", ooxml("word"), "the content is a Word document"),
        ("noextension", _demo_pdf(), "the name says no extension"),
        ("empty.pdf", b"", "is empty"),
    ],
)
def test_disguised_or_unknown_files_are_rejected_with_a_reason(
    name: str, data: bytes, why: str
) -> None:
    with pytest.raises(EvidenceRejected) as caught:
        evidence.sniff(data, name)
    assert f"evidence file {name!r}" in str(caught.value)
    assert why in str(caught.value)


def test_size_cap() -> None:
    data = _demo_pdf() + bytes(2000)
    assert evidence.sniff(data, "a.pdf", max_bytes=len(data)).media_type == "application/pdf"
    with pytest.raises(EvidenceRejected, match="larger than the limit of 2,000 bytes"):
        evidence.sniff(data, "a.pdf", max_bytes=2000)


def test_rejected_upload_changes_nothing(world: World) -> None:
    w = world
    sid = w.submission("draft")
    before = snapshot(w.db)
    with pytest.raises(EvidenceRejected, match="Windows program"):
        evidence.add_evidence(w.ent_a, w.db, sid, filename="bill.pdf", data=b"MZ" + bytes(64))
    with pytest.raises(EvidenceRejected, match="larger than the limit"):
        evidence.add_evidence(
            w.ent_a, w.db, sid, filename="big.pdf", data=_demo_pdf() + bytes(5000), max_bytes=4096
        )
    with pytest.raises(InvalidInput, match="item 'no-such-item' is not in gbt37393-2019"):
        evidence.add_evidence(
            w.ent_a, w.db, sid, filename="a.pdf", data=_demo_pdf(), item_id="no-such-item"
        )
    assert snapshot(w.db) == before


def test_files_are_stored_once_by_content_and_read_back_exactly(world: World) -> None:
    w = world
    sid = w.submission("draft")
    data = _demo_pdf()
    one = evidence.add_evidence(
        w.ent_a, w.db, sid, filename="C:\\scans\\cert.pdf", data=data, item_id="mes-or-equivalent"
    )
    two = evidence.add_evidence(w.ent_a, w.db, sid, filename="again.pdf", data=data)
    assert one.filename == "cert.pdf"  # a client's path never reaches the database
    assert one.sha256 == two.sha256 == hashlib.sha256(data).hexdigest()
    assert counts(w.db)["evidence_blobs"] == 1
    assert counts(w.db)["evidence_files"] == 2
    meta, content = evidence.read_evidence(w.ent_a, w.db, one.id)
    assert content == data
    assert meta.item_id == "mes-or-equivalent"
    assert [e.filename for e in evidence.list_evidence(w.admin, w.db, sid)] == [
        "cert.pdf",
        "again.pdf",
    ]


@pytest.mark.parametrize("state", ["submitted", "in_review", "approved"])
def test_no_files_once_submitted(world: World, state: str) -> None:
    w = world
    sid = w.submission(state)
    before = snapshot(w.db)
    with pytest.raises(
        InvalidTransition,
        match=r"add evidence: .* this is possible only when it is draft or returned",
    ):
        evidence.add_evidence(w.ent_a, w.db, sid, filename="late.pdf", data=_demo_pdf())
    assert snapshot(w.db) == before
