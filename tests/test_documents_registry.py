"""Verification against the issuer's registry: the `certificates` table (SQLite here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from documents_support import (
    CREDIT_CODE,
    ISSUED,
    NUMBER,
    TEST_KEY,
    identity_for_tests,
    make_record,
    signed_certificate,
    verify,
)
from sqlalchemy import select

from assessment.certificates import verify as v
from assessment.certificates.keys import public_pem
from assessment.certificates.registry import database_registry, record_sha256
from assessment.cli.main import main
from assessment.storage.db import Database, open_database
from assessment.storage.tables import Certificate, Organisation, StandardSnapshot, Submission

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database holding one valid certificate for the test record."""
    database = open_database(f"sqlite:///{tmp_path / 'z.sqlite'}")
    record = make_record()
    with database.write() as session:
        session.add(
            StandardSnapshot(
                sha256=record.receipt.standard_sha256,
                standard_id=record.standard_id,
                edition=record.standard_edition,
                body={},
                scales={},
                created_at=NOW,
            )
        )
        org = Organisation(
            name=record.firm_name,
            credit_code=CREDIT_CODE,
            credit_code_valid=True,
            industry_code="3670",
            region_code="330200",
            synthetic=True,
            created_at=NOW,
        )
        session.add(org)
        session.flush()
        sub = Submission(
            organisation_id=org.id,
            standard_id=record.standard_id,
            edition=record.standard_edition,
            standard_sha256=record.receipt.standard_sha256,
            profile=record.profile,
            status="approved",
            version=1,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(sub)
        session.flush()
        session.add(
            Certificate(
                number=NUMBER,
                submission_id=sub.id,
                issued_at=NOW,
                expires_at=None,
                status="valid",
                revoked_at=None,
                revoked_reason=None,
                record=record.to_dict(),
                signature=None,
            )
        )
    yield database
    database.dispose()


@pytest.fixture
def pdf() -> bytes:
    return signed_certificate()


def test_registry_entry_matches_the_signed_bytes(db: Database) -> None:
    entry = database_registry(db)(NUMBER)
    assert entry is not None
    assert not entry.revoked
    assert entry.record_sha256 == record_sha256(make_record().to_dict())
    assert database_registry(db)("ZZ-0000-0000-0000") is None


def test_valid_then_revoked(db: Database, pdf: bytes) -> None:
    registry = database_registry(db)
    assert verify(pdf, [TEST_KEY.public], on=ISSUED, registry=registry).ok
    with db.write() as session:
        cert = session.scalars(select(Certificate).where(Certificate.number == NUMBER)).one()
        cert.status, cert.revoked_at, cert.revoked_reason = "revoked", NOW, "evidence withdrawn"
    verdict = verify(pdf, [TEST_KEY.public], on=ISSUED, registry=registry)
    assert verdict.reason == v.REVOKED
    assert "2026-11-27" in verdict.message
    assert "evidence withdrawn" in verdict.message


def test_registry_holding_another_record_fails(db: Database) -> None:
    other = signed_certificate(make_record(firm_name="另一家公司"))
    verdict = verify(other, [TEST_KEY.public], on=ISSUED, registry=database_registry(db))
    assert verdict.reason == v.MISMATCH


def test_cli_verify_with_db(
    db: Database,
    pdf: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", str(db.engine.url))
    (tmp_path / "cert.pdf").write_bytes(pdf)
    (tmp_path / "issuer.pub.pem").write_bytes(public_pem(TEST_KEY.public))
    args = ["cert", "verify", str(tmp_path / "cert.pdf"), "--public-key"]
    (tmp_path / "issuer.cert.pem").write_bytes(
        identity_for_tests().certificate.public_bytes(serialization.Encoding.PEM)
    )
    args += [str(tmp_path / "issuer.pub.pem"), "--on", "2027-01-01", "--db"]
    args += ["--certificate", str(tmp_path / "issuer.cert.pem")]
    assert main(args) == 0, capsys.readouterr().err
    assert "registry checked" in capsys.readouterr().out
