"""Reading certificates (tenant-filtered); the audit trail is read in accounts/audit.py.

Peers' results are read only through the benchmark (assessment/benchmark/service.py), as aggregates of
cohorts that pass the k = 5 and differencing rule — never as rows, however anonymous: most
combinations of industry, county and size class hold fewer than five firms, so a row with them
names its firm.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessment.accounts.access import submission_filter
from assessment.accounts.principal import Principal
from assessment.errors import NotFound
from assessment.storage.db import Database
from assessment.storage.tables import Certificate, Submission
from standards.problems import Problem


@dataclass(frozen=True)
class CertificateView:
    id: int
    number: str
    submission_id: int
    issued_at: datetime
    expires_at: datetime | None
    status: str
    revoked_at: datetime | None
    revoked_reason: str | None
    record: dict[str, Any]
    signature: str | None


def _cert_view(c: Certificate) -> CertificateView:
    return CertificateView(
        c.id,
        c.number,
        c.submission_id,
        c.issued_at,
        c.expires_at,
        c.status,
        c.revoked_at,
        c.revoked_reason,
        c.record,
        c.signature,
    )


def list_certificates(actor: Principal, db: Database) -> list[CertificateView]:
    with db.read() as session:
        rows = session.scalars(
            select(Certificate)
            .join(Submission, Submission.id == Certificate.submission_id)
            .where(submission_filter(actor))
            .order_by(Certificate.id)
        )
        return [_cert_view(c) for c in rows]


def get_certificate(actor: Principal, db: Database, number: str) -> CertificateView:
    with db.read() as session:
        cert = session.scalars(
            select(Certificate)
            .join(Submission, Submission.id == Certificate.submission_id)
            .where(Certificate.number == number, submission_filter(actor))
        ).first()
        if cert is None:
            raise NotFound(Problem((), "certificates.not_found", {"number": number}))
        return _cert_view(cert)


# The audit actions of an evaluator's decisions on items and gates (submissions.decide_item and
# accept_remaining), each with its review round in `after`.
