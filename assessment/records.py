"""Reading certificates, the audit trail and the anonymous peer cohort (tenant-filtered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessment.access import load_submission, submission_filter
from assessment.db import Database
from assessment.errors import NotFound, PermissionDenied
from assessment.identity import Principal, Role
from assessment.tables import AuditEntry, Certificate, Organisation, Submission


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
            raise NotFound(f"certificate {number} not found")
        return _cert_view(cert)


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    actor_role: str
    action: str
    entity: str
    entity_id: str | None
    submission_id: int | None
    before: Any
    after: Any


def _audit_view(e: AuditEntry) -> AuditView:
    return AuditView(
        e.id,
        e.at,
        e.actor_id,
        e.actor,
        e.actor_role,
        e.action,
        e.entity,
        e.entity_id,
        e.submission_id,
        e.before,
        e.after,
    )


def audit_trail(
    actor: Principal, db: Database, *, submission_id: int | None = None, limit: int = 1000
) -> list[AuditView]:
    """Administrators: the whole log (or one submission's). Evaluators and firms: the history of a
    submission they may see — firms without internal comments."""
    with db.read() as session:
        query = select(AuditEntry).order_by(AuditEntry.id).limit(limit)
        if submission_id is not None:
            sub = load_submission(session, actor, submission_id)
            query = query.where(AuditEntry.submission_id == sub.id)
            if actor.role is Role.ENTERPRISE:
                query = query.where(AuditEntry.action != "comment.internal")
        elif actor.role is not Role.ADMINISTRATOR:
            raise PermissionDenied("the whole audit log is for administrators; name a submission")
        return [_audit_view(e) for e in session.scalars(query)]


@dataclass(frozen=True)
class CohortRow:
    """One approved result, without anything that names the firm."""

    standard_id: str
    profile: str
    industry_type: str | None
    industry_code: str
    region_code: str
    size_class: str | None
    synthetic: bool
    total: float
    max_total: float
    percent: float | None
    tier: str | None
    level: int | None


def cohort(_actor: Principal, db: Database, standard_id: str) -> list[CohortRow]:
    """Approved results of one standard for benchmarking (every role; anonymous by construction)."""
    with db.read() as session:
        rows = session.execute(
            select(Submission, Organisation)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .where(Submission.standard_id == standard_id, Submission.status == "approved")
            .order_by(Submission.id)
        )
        found = []
        for sub, org in rows:
            result = sub.final_result or {}
            found.append(
                CohortRow(
                    sub.standard_id,
                    sub.profile,
                    sub.industry_type,
                    org.industry_code,
                    org.region_code,
                    org.size_class,
                    sub.synthetic,
                    float(result.get("total", 0.0)),
                    float(result.get("max_total", 0.0)),
                    result.get("percent"),
                    result.get("tier"),
                    result.get("level"),
                )
            )
        return found
