"""Certificates from the database, on SQLite and PostgreSQL: approval issues a signed certificate,
the exported PDF verifies (text, QR code, registry), revocation and unknown numbers fail, tenants
see their own, issuing twice or without a key changes nothing; reports from stored results."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, require_tool
from cryptography.hazmat.primitives import serialization
from documents_support import (
    OTHER_KEY,
    TEST_KEY,
    identity_for_tests,
    pdftotext,
    signed_certificate,
)
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import COMPLETE, GATES, PROFILE, STANDARD, World, snapshot
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from assessment import submissions
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.envelope import sign_record
from assessment.certificates.issue import IssuerUnavailable, NotCertifiable
from assessment.certificates.issuer import (
    DEMO_ISSUER,
    configured_issuer,
    ensure_demo_issuer,
)
from assessment.certificates.keys import KeyProblem, init_keys, load_private_key, public_pem
from assessment.certificates.lookup import verify_number
from assessment.certificates.pdf_identity import load_identity
from assessment.certificates.record import DEMO_FLAG, CertificateRecord
from assessment.certificates.revocations import (
    RevocationListError,
    Revoked,
    build_revocation_list,
    read_revocation_list,
)
from assessment.cli.main import main
from assessment.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from assessment.storage.db import open_database
from assessment.storage.tables import AuditEntry, Organisation
from standards import sha256_of

BASE = "https://zhizao.example.cn"
CERTIFIABLE = {**COMPLETE, "network-interconnection": True}  # reaches the tier
FIRM_A = "甲 测试制造有限公司"
ON = "2026-06-01"  # within the validity of certificates issued by the test clock (2026-03-02)
ON_DT = dt.datetime(2026, 6, 1, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def issuer_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An issuer key in the key folder: approvals issue certificates."""
    folder = tmp_path / "keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", BASE)
    init_keys(folder)
    return folder


@pytest.fixture
def no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty key folder of this test's own: approvals issue nothing."""
    folder = tmp_path / "no-keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_DATA_DIR", str(tmp_path / "data"))
    return folder


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the command line at the test database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    return db_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def approved(w: World, *, org: str = "a", answers: dict[str, Any] | None = None) -> int:
    """A submission of org A (or B) that an evaluator approved with a tier reached."""
    firm, org_id = (w.ent_a, w.org_a) if org == "a" else (w.ent_b, w.org_b)
    sub = submissions.create_submission(
        firm, w.db, org_id=org_id, standard_id=STANDARD, profile=PROFILE, clock=w.clock
    )
    sid = sub.id
    submissions.save_answers(
        firm, w.db, sid, expected_version=sub.version, answers=answers or CERTIFIABLE,
        gates=GATES, clock=w.clock,
    )  # fmt: skip
    submissions.submit(firm, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    submissions.assign_evaluator(
        w.admin, w.db, sid, w.eval_1.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    submissions.start_review(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    submissions.accept_remaining(
        w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock
    )
    certificates.approve(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    return sid


def only_certificate(w: World, sid: int) -> records.CertificateView:
    (cert,) = [c for c in records.list_certificates(w.admin, w.db) if c.submission_id == sid]
    return cert


def decode_qr(pdf: Path, tmp_path: Path) -> str:
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    zbarimg = require_tool("zbarimg", "zbar-tools")
    subprocess.run([pdftoppm, "-png", "-r", "150", str(pdf), str(tmp_path / "qr")], check=True)
    (image,) = sorted(tmp_path.glob("qr*.png"))
    done = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(image)], check=True, capture_output=True, text=True
    )
    return done.stdout.strip()


# --- issue, export, verify ---------------------------------------------------------------------


def test_approval_issues_a_certificate_whose_pdf_verifies(
    world: World,
    issuer_dir: Path,
    cli_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = world
    sid = approved(w)
    cert = only_certificate(w, sid)
    record = CertificateRecord.from_dict(cert.record)
    key = load_private_key(issuer_dir)
    sub = submissions.get_submission(w.admin, w.db, sid)
    assert sub.status == "approved"
    assert sub.final_result is not None
    # What the record says, from the organisation, the standard, the review and the stored result.
    assert (record.firm_name, record.credit_code) == (FIRM_A, sub_code(w))
    assert (record.standard_id, record.profile) == (STANDARD, PROFILE)
    assert record.tier == sub.final_result["tier"]
    assert record.score == sub.final_result["total"]
    assert record.reviewed_by == "eval1"
    assert record.evaluator_reviewed
    assert record.issued_on == dt.date(2026, 3, 2)
    assert record.expires_on == dt.date(2029, 3, 1)  # platform default: 3 years, unofficial
    assert not record.validity_official
    assert record.receipt.result_sha256 == sha256_of(sub.final_result)
    assert record.issuer_key_fingerprint == key.fingerprint
    assert record.verify_url == f"{BASE}/?verify={cert.number}"
    assert cert.expires_at is not None
    assert cert.expires_at.date() == record.expires_on
    with w.db.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "certificate.issue")
        ).one()
    assert (entry.actor, entry.submission_id) == ("system:issuer", sid)
    assert entry.after["on_approval_by"] == w.eval_1.name
    assert entry.after["number"] == cert.number

    pdf = tmp_path / "certificate.pdf"
    code, out, err = run(capsys, "cert", "export", cert.number, "--out", str(pdf))
    assert code == 0, err
    assert f"certificate {cert.number} (submission {sid})" in out
    assert FIRM_A in pdftotext(pdf)
    assert decode_qr(pdf, tmp_path) == f"{BASE}/?verify={cert.number}"
    code, out, err = run(capsys, "cert", "verify", str(pdf), "--on", ON)
    assert code == 0, err
    assert out.startswith(f"VALID (valid): certificate {cert.number} is valid")
    assert "registry checked" in out
    # The same stored record and signature give the same bytes.
    assert certificates.certificate_pdf(w.ent_a, w.db, cert.number)[1] == pdf.read_bytes()

    check = verify_number(w.db, cert.number.lower(), ON_DT)
    assert (check.status, check.signature, check.ok) == ("valid", "valid", True)
    assert check.key_fingerprint == key.fingerprint
    assert check.record is not None
    assert check.record["firm_name"] == FIRM_A
    assert verify_number(w.db, cert.number, dt.date(2029, 3, 2)).status == "expired"

    code, out, _ = run(capsys, "cert", "list", "--json")
    assert code == 0
    assert [(c["number"], c["status"], c["firm_name"]) for c in json_list(out)] == [
        (cert.number, "valid", FIRM_A)
    ]


def sub_code(w: World) -> str:
    from assessment.accounts import organisations  # noqa: PLC0415

    return organisations.get_organisation(w.admin, w.db, w.org_a).credit_code


def json_list(text: str) -> list[dict[str, Any]]:
    import json  # noqa: PLC0415

    data = json.loads(text)
    assert isinstance(data, list)
    return data


def test_revoked_and_unknown_certificates_fail_verification(
    world: World,
    issuer_dir: Path,
    cli_db: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    pdf = tmp_path / "certificate.pdf"
    assert run(capsys, "cert", "export", number, "--out", str(pdf))[0] == 0

    # A PDF signed with the issuer's key for a number the registry never issued.
    stored = CertificateRecord.from_dict(only_certificate(w, sid).record)
    forged = dataclasses.replace(stored, number="ZZ-0000-0000-0000")
    unknown = tmp_path / "unknown.pdf"
    unknown.write_bytes(
        certificates.signed_file(
            sign_record(forged, load_private_key(issuer_dir)),
            load_identity(issuer_dir),
            forged.issuer,
        )
    )
    code, _, err = run(capsys, "cert", "verify", str(unknown), "--on", ON)
    assert code == 1
    assert err.startswith("INVALID (unknown_certificate): the issuer's registry has no certificate")
    assert verify_number(w.db, "ZZ-0000-0000-0000", ON_DT).status == "unknown"

    # Revocation by an administrator takes effect at once.
    before = snapshot(w.db)
    with pytest.raises(PermissionDenied, match="only an administrator"):
        certificates.revoke_certificate(w.eval_1, w.db, number, "x")
    with pytest.raises(NotFound):
        certificates.revoke_certificate(w.ent_b, w.db, number, "x")
    with pytest.raises(Exception, match="reason"):
        certificates.revoke_certificate(w.admin, w.db, number, "  ")
    assert snapshot(w.db) == before
    code, out, err = run(capsys, "cert", "revoke", number, "--reason", "firm name misprinted")
    assert code == 0, err
    assert f"revoked certificate {number} (submission {sid})" in out
    code, _, err = run(capsys, "cert", "verify", str(pdf), "--on", ON)
    assert code == 1
    assert err.startswith(f"INVALID (revoked): certificate {number} was revoked on ")
    assert "firm name misprinted" in err
    check = verify_number(w.db, number, ON_DT)
    assert (check.status, check.revoked_reason) == ("revoked", "firm name misprinted")
    with pytest.raises(InvalidTransition, match="revoked already"):
        certificates.revoke_certificate(w.admin, w.db, number, "again")
    with pytest.raises(InvalidTransition, match="not exported"):
        certificates.certificate_pdf(w.admin, w.db, number)

    # The result stays approved; issuing again gives a new number.
    assert submissions.get_submission(w.admin, w.db, sid).status == "approved"
    code, out, err = run(capsys, "cert", "issue", str(sid))
    assert code == 0, err
    assert f"for submission {sid}" in out
    numbers = {c.number: c.status for c in records.list_certificates(w.admin, w.db)}
    assert numbers[number] == "revoked"
    assert sorted(numbers.values()) == ["revoked", "valid"]
    assert "certificate.revoke" in actions(w, sid)


def actions(w: World, sid: int) -> list[str]:
    with w.db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.submission_id == sid)
                .order_by(AuditEntry.id)
            )
        )


def test_revoking_the_submission_revokes_its_certificate(
    world: World, issuer_dir: Path, cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    pdf = tmp_path / "certificate.pdf"
    assert run(capsys, "cert", "export", number, "--out", str(pdf))[0] == 0
    submissions.revoke(
        w.admin, w.db, sid, reason="audit found false data",
        expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    assert verify_number(w.db, number, ON_DT).status == "revoked"
    code, _, err = run(capsys, "cert", "verify", str(pdf), "--on", ON)
    assert code == 1
    assert "INVALID (revoked)" in err
    assert "audit found false data" in err
    with pytest.raises(InvalidTransition, match="is revoked; only an approved"):
        certificates.issue_certificate(w.admin, w.db, sid)


def test_one_changed_byte_in_the_embedded_record_fails(
    world: World, issuer_dir: Path, cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    number = only_certificate(w, approved(w)).number
    pdf = tmp_path / "certificate.pdf"
    assert run(capsys, "cert", "export", number, "--out", str(pdf))[0] == 0
    data = pdf.read_bytes()
    at = data.index(b"2029-03-01", data.index(b"record_json")) + 2  # 2029 → 2039
    pdf.write_bytes(data[:at] + b"3" + data[at + 1 :])
    code, _, err = run(capsys, "cert", "verify", str(pdf), "--on", ON)
    assert code == 1
    assert err.startswith("INVALID (bad_signature)")


# --- tenants and roles -------------------------------------------------------------------------


def test_another_firm_can_neither_list_nor_export(
    world: World, issuer_dir: Path, cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    assert [c.number for c in records.list_certificates(w.ent_a, w.db)] == [number]
    assert records.list_certificates(w.ent_b, w.db) == []
    assert records.list_certificates(w.eval_2, w.db) == []
    for outsider in (w.ent_b, w.eval_2):
        with pytest.raises(NotFound, match=f"certificate {number} not found"):
            certificates.certificate_pdf(outsider, w.db, number)
        with pytest.raises(NotFound):
            certificates.report_pdf(outsider, w.db, sid)
    own = tmp_path / "own.pdf"
    code, _, err = run(capsys, "cert", "export", number, "--out", str(own), "--as", w.ent_a.name)
    assert code == 0, err
    code, out, _ = run(capsys, "cert", "list", "--as", w.ent_b.name)
    assert (code, out.strip()) == (0, "no certificates")
    other = tmp_path / "other.pdf"
    code, _, err = run(capsys, "cert", "export", number, "--out", str(other), "--as", w.ent_b.name)
    assert code == 1
    assert f"certificate {number} not found" in err
    assert not other.exists()
    code, _, err = run(
        capsys, "report", "export", str(sid), "--out", str(other), "--as", w.ent_b.name
    )
    assert code == 1
    assert f"submission {sid} not found" in err
    # The public check by number shows what the certificate states, nothing else.
    check = verify_number(w.db, number, ON_DT)
    assert check.record == only_certificate(w, sid).record


def test_who_may_issue_and_when(world: World, issuer_dir: Path) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    in_review = w.submission("in_review")
    before = snapshot(w.db)
    for actor, error, message in (
        (w.ent_a, PermissionDenied, "only an administrator"),
        (w.eval_1, PermissionDenied, "only an administrator"),
        (w.ent_b, NotFound, "not found"),
        (w.eval_2, NotFound, "not found"),
    ):
        with pytest.raises(error, match=message):
            certificates.issue_certificate(actor, w.db, sid)
    with pytest.raises(InvalidTransition, match="is in_review; only an approved submission"):
        certificates.issue_certificate(w.admin, w.db, in_review)
    # At most one valid certificate per submission.
    with pytest.raises(InvalidTransition, match=f"already has the valid certificate {number}"):
        certificates.issue_certificate(w.admin, w.db, sid)
    assert snapshot(w.db) == before


def test_issuing_twice_from_the_command_line_is_refused(
    world: World, issuer_dir: Path, cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    before = snapshot(w.db)
    code, _, err = run(capsys, "cert", "issue", str(sid))
    assert code == 1
    assert f"submission {sid} already has the valid certificate {number}" in err
    assert "nothing was changed" in err
    assert snapshot(w.db) == before


# --- failures leave nothing behind ---------------------------------------------------------------


def test_without_a_key_approval_stands_and_issuing_changes_nothing(
    world: World,
    no_key: Path,
    cli_db: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = world
    sid = approved(w)  # no issuer key: approved, no certificate
    assert submissions.get_submission(w.admin, w.db, sid).status == "approved"
    assert records.list_certificates(w.admin, w.db) == []
    before = snapshot(w.db)
    with pytest.raises(IssuerUnavailable, match="zhizao keys init"):
        certificates.issue_certificate(w.admin, w.db, sid)
    code, _, err = run(capsys, "cert", "issue", str(sid))
    assert code == 1
    assert "no issuer key" in err
    # A key others may read is refused, and changes nothing either.
    folder = no_key
    init_keys(folder)
    (folder / "issuer-ed25519.pem").chmod(0o644)
    with pytest.raises(IssuerUnavailable, match="chmod 600"):
        certificates.issue_certificate(w.admin, w.db, sid)
    assert snapshot(w.db) == before
    # A real key without the installation's public address would print a QR code that leads
    # nowhere: refused, naming the setting, and nothing changes.
    (folder / "issuer-ed25519.pem").chmod(0o600)
    monkeypatch.delenv("ZHIZAO_PUBLIC_URL", raising=False)
    monkeypatch.delenv("ZHIZAO_BASE_URL", raising=False)
    with pytest.raises(IssuerUnavailable, match="set ZHIZAO_PUBLIC_URL") as refused:
        certificates.issue_certificate(w.admin, w.db, sid)
    assert "ZHIZAO_PUBLIC_URL" in refused.value.text("zh")
    assert snapshot(w.db) == before
    # Once the key is usable and the address set, an administrator issues later.
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "https://zhizao.example.cn")
    issued = certificates.issue_certificate(w.admin, w.db, sid, clock=w.clock)
    assert issued.record.verify_url == f"https://zhizao.example.cn/?verify={issued.record.number}"
    assert issued.pdf.startswith(b"%PDF-")
    assert not issued.demo
    assert only_certificate(w, sid).number == issued.record.number


def test_a_result_that_cannot_be_certified_or_printed_changes_nothing(
    world: World, issuer_dir: Path
) -> None:
    w = world
    no_tier = approved(w, answers=COMPLETE)  # one item short of the tier
    assert records.list_certificates(w.admin, w.db) == []  # approval stood, nothing issued
    rename_firm_a(w, "𠮷野家（宁波）测试有限公司")  # a character the font lacks
    unprintable = approved(w)
    assert records.list_certificates(w.admin, w.db) == []
    before = snapshot(w.db)
    with pytest.raises(NotCertifiable, match="no tier reached"):
        certificates.issue_certificate(w.admin, w.db, no_tier)
    with pytest.raises(Exception, match="cannot be printed"):
        certificates.issue_certificate(w.admin, w.db, unprintable)
    assert snapshot(w.db) == before


def rename_firm_a(w: World, name: str) -> None:
    from assessment.storage.tables import Organisation  # noqa: PLC0415

    with w.db.write() as session:
        org = session.get(Organisation, w.org_a)
        assert org is not None
        org.name = name


def test_concurrent_issuers_make_one_certificate(world: World, issuer_dir: Path) -> None:
    w = world
    sid = approved(w)
    certificates.revoke_certificate(w.admin, w.db, only_certificate(w, sid).number, "reissue")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def issue() -> None:
        barrier.wait()
        try:
            certificates.issue_certificate(w.admin, w.db, sid)
            outcomes.append("issued")
        except InvalidTransition:
            outcomes.append("refused")

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["issued", "refused"]
    statuses = [c.status for c in records.list_certificates(w.admin, w.db)]
    assert sorted(statuses) == ["revoked", "valid"]


# --- reports -----------------------------------------------------------------------------------


def test_reports_from_stored_results(
    world: World, issuer_dir: Path, cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    w = world
    sid = approved(w)
    number = only_certificate(w, sid).number
    out_pdf = tmp_path / "report.pdf"
    code, out, err = run(capsys, "report", "export", str(sid), "--out", str(out_pdf), "--as",
                         w.ent_a.name)  # fmt: skip
    assert code == 0, err
    assert f"submission {sid} (approved, certificate {number}): evaluated report" in out
    text = pdftotext(out_pdf)
    assert number in text
    assert FIRM_A in text
    assert "自评结果，仅供参考" not in text
    made = certificates.report_pdf(w.ent_a, w.db, sid)
    cert = CertificateRecord.from_dict(only_certificate(w, sid).record)
    assert cert.receipt.result_sha256 in {r.result_sha256 for r in made.data.receipts}

    for state in ("in_review", "draft"):
        other = w.submission(state)
        path = tmp_path / f"{state}.pdf"
        code, out, err = run(capsys, "report", "export", str(other), "--out", str(path))
        assert code == 0, err
        assert f"submission {other} ({state}): self-assessment (自评结果，仅供参考" in out
        text = pdftotext(path)
        assert "自评结果，仅供参考" in text
        assert "ZZ-" not in text
    code, _, err = run(capsys, "report", "export", str(sid), "--out", str(out_pdf), "--evaluated",
                       "x.yaml")  # fmt: skip
    assert code == 1
    assert "--evaluated: not with a submission id" in err


# --- the command line's registry and the demo issuer ---------------------------------------------


def test_verify_uses_the_embedded_database_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(signed_certificate())
    public = tmp_path / "issuer.pub.pem"
    public.write_bytes(public_pem(TEST_KEY.public))
    cert = tmp_path / "issuer.cert.pem"
    cert.write_bytes(identity_for_tests().certificate.public_bytes(serialization.Encoding.PEM))
    base = ["cert", "verify", str(pdf), "--public-key", str(public), "--on", "2027-01-01"]
    base += ["--certificate", str(cert)]
    data = tmp_path / "data"
    monkeypatch.setenv("ZHIZAO_DATA_DIR", str(data))
    code, out, _ = run(capsys, *base)  # no database here: offline checks only
    assert code == 0
    assert "revocation not checked" in out
    assert not (data / "zhizao.sqlite").exists()  # not created by verifying
    code, _, err = run(capsys, *base, "--db")
    assert code == 1
    assert "no database at" in err
    open_database(f"sqlite:///{data / 'zhizao.sqlite'}").dispose()
    code, _, err = run(capsys, *base)
    assert code == 1
    assert err.startswith("INVALID (unknown_certificate)")
    assert "registry:  sqlite:///" in err
    code, out, _ = run(capsys, *base, "--offline")
    assert code == 0
    assert "revocation not checked" in out


def test_demo_issuer_key(world: World, no_key: Path, tmp_path: Path) -> None:
    w = world
    made = ensure_demo_issuer()
    assert made is not None
    assert made[0] == tmp_path / "data" / "demo-issuer-key"
    assert oct((made[0] / "issuer-ed25519.pem").stat().st_mode & 0o777) == "0o600"
    assert ensure_demo_issuer() is None  # once
    issuer = configured_issuer()
    assert issuer is not None
    assert issuer.demo
    assert issuer.name == DEMO_ISSUER
    # The demo key signs demo data only: firm B is a real firm, its approval issues nothing.
    real_firm = approved(w, org="b")
    assert records.list_certificates(w.admin, w.db) == []
    with pytest.raises(IssuerUnavailable, match="demo issuer key signs only the demo firms"):
        certificates.issue_certificate(w.admin, w.db, real_firm, base_url=BASE)
    with w.db.write() as session:
        org = session.get(Organisation, w.org_a)
        assert org is not None
        org.demo = True
    sid = approved(w)
    cert = only_certificate(w, sid)
    assert cert.record["issuer"] == DEMO_ISSUER
    assert DEMO_FLAG in cert.record["unofficial"]
    assert verify_number(w.db, cert.number, ON_DT).signature == "valid"
    pdf = certificates.certificate_pdf(w.admin, w.db, cert.number)[1]
    assert "示例证书 · 演示密钥签发" in pdf_text(pdf)
    assert "示例证书 DEMO" in pdf_reason(pdf)
    # A real key takes precedence, no demo key is made beside it, and it never signs demo data.
    init_keys(no_key)
    real = configured_issuer()
    assert real is not None
    assert not real.demo
    certificates.revoke_certificate(w.admin, w.db, cert.number, "test: reissue with the real key")
    with pytest.raises(InvalidInput, match="real issuer key never signs demo data"):
        certificates.issue_certificate(w.admin, w.db, sid, base_url=BASE)


def pdf_text(pdf: bytes) -> str:
    tool = require_tool("pdftotext", "poppler-utils")
    done = subprocess.run(
        [tool, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def pdf_reason(pdf: bytes) -> str:
    """The PDF signature's reason, as pyHanko reads it."""
    reader = PdfFileReader(io.BytesIO(pdf))
    return str(reader.embedded_signatures[0].sig_object["/Reason"])


def test_demo_key_only_in_a_folder_git_ignores(tmp_path: Path) -> None:
    require_tool("git", "git")
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".gitignore").write_text("data/\n", encoding="utf-8")
    init_keys(repo / "data" / "demo-issuer-key", allow_git_ignored=True)
    with pytest.raises(KeyProblem, match="inside the git work tree"):
        init_keys(repo / "keys", allow_git_ignored=True)
    with pytest.raises(KeyProblem, match="inside the git work tree"):
        init_keys(repo / "data" / "other")  # ignored, but not asked for
    assert (ROOT / ".git").exists()


# --- the signed revocation list ------------------------------------------------------------------


def test_a_revoked_certificate_fails_offline_against_the_signed_list(
    world: World,
    cli_db: str,
    issuer_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    w = world
    number = only_certificate(w, approved(w)).number
    pdf, listing = tmp_path / "certificate.pdf", tmp_path / "revocations.json"
    assert run(capsys, "cert", "export", number, "--out", str(pdf))[0] == 0
    certificates.revoke_certificate(w.admin, w.db, number, "抽查发现申报数据失实")
    code, out, err = run(capsys, "cert", "revocations", "--out", str(listing))
    assert code == 0, err
    assert "1 revoked" in out
    # another machine: no database, no key folder, only the published files
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ZHIZAO_PUBLIC_URL")}
    env |= {"ZHIZAO_KEY_DIR": str(elsewhere / "keys"), "ZHIZAO_DATA_DIR": str(elsewhere / "data")}
    command = [
        str(ROOT / ".venv" / "bin" / "zhizao") if (ROOT / ".venv").is_dir() else "zhizao",
        "cert", "verify", str(pdf), "--on", ON,
        "--public-key", str(issuer_dir / "issuer-ed25519.pub.pem"),
        "--certificate", str(issuer_dir / "issuer-pdf.cert.pem"),
    ]  # fmt: skip
    done = subprocess.run(
        [*command, "--revocations", str(listing)],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith(f"INVALID (revoked): certificate {number} was revoked")
    assert "抽查发现申报数据失实" in done.stderr
    assert "signed list of" in done.stderr
    assert not (elsewhere / "data").exists()  # nothing was looked up, nothing created
    # without the list the same machine can only say revocation was not checked
    unchecked = subprocess.run(
        command, cwd=elsewhere, env=env, capture_output=True, text=True, check=False
    )
    assert unchecked.returncode == 0, unchecked.stderr
    assert "revocation not checked" in unchecked.stdout
    # a list changed after signing, or past its next update, is refused outright
    envelope = json.loads(listing.read_text(encoding="utf-8"))
    envelope["list_json"] = envelope["list_json"].replace(number, "ZZ-0000-0000-0000")
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(envelope, ensure_ascii=False), encoding="utf-8")
    refused = subprocess.run(
        [*command, "--revocations", str(forged)],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert refused.returncode == 1
    assert "changed after signing" in refused.stderr


def test_a_stale_or_foreign_list_is_refused(tmp_path: Path) -> None:
    key = TEST_KEY
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    body = build_revocation_list(
        [Revoked("ZZ-7K3Q-M9XA-4TPW", dt.date(2026, 11, 30), "test")],
        key, issuer="智造评估 zhizao", now=now, hours=24,
    )  # fmt: skip
    fresh = read_revocation_list(body, [key.public], now=now, source="list.json")
    assert fresh.registry()("ZZ-7K3Q-M9XA-4TPW").revoked
    assert not fresh.registry()("ZZ-0000-0000-0000").revoked  # a list revokes, never vouches
    with pytest.raises(RevocationListError, match="due to be replaced on 2026-12-02T00:00:00Z"):
        read_revocation_list(body, [key.public], now=now + dt.timedelta(hours=25), source="l")
    with pytest.raises(RevocationListError, match="not a trusted issuer key"):
        read_revocation_list(body, [OTHER_KEY.public], now=now, source="l")
    with pytest.raises(RevocationListError, match="not a zhizao revocation list"):
        read_revocation_list(b"{}", [key.public], now=now, source="l")
