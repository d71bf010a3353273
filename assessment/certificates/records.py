"""Reading certificates and the audit trail (tenant-filtered).

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

from assessment.accounts.access import load_submission, submission_filter
from assessment.accounts.principal import Principal, Role
from assessment.errors import NotFound, PermissionDenied
from assessment.storage.db import Database
from assessment.storage.tables import AuditEntry, Certificate, Review, Submission
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
REVIEW_DECISION = "review."


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
    submission they may see — firms without internal comments and without the decisions of a
    review round that is still open (they see them once the round is finished, as
    `submissions.list_decisions` shows them)."""
    with db.read() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if submission_id is None:
            if actor.role is not Role.ADMINISTRATOR:
                raise PermissionDenied(Problem((), "accounts.audit_log_admin_only"))
            return [_audit_view(e) for e in session.scalars(query.limit(limit))]
        sub = load_submission(session, actor, submission_id)
        query = query.where(AuditEntry.submission_id == sub.id)
        if actor.role is not Role.ENTERPRISE:
            return [_audit_view(e) for e in session.scalars(query.limit(limit))]
        query = query.where(AuditEntry.action != "comment.internal")
        open_rounds = set(
            session.scalars(
                select(Review.round).where(
                    Review.submission_id == sub.id, Review.finished_at.is_(None)
                )
            )
        )
        if not open_rounds:
            return [_audit_view(e) for e in session.scalars(query.limit(limit))]
        # The round number is in each decision's entry; filtering here, not in SQL, keeps the
        # query free of JSON functions that SQLite and PostgreSQL spell differently.
        shown = [e for e in session.scalars(query) if not _of_open_round(e, open_rounds)]
        return [_audit_view(e) for e in shown[:limit]]


def _of_open_round(entry: AuditEntry, open_rounds: set[int]) -> bool:
    """A decision (accept, adjust, accept the rest) made in a review round not finished yet."""
    if not entry.action.startswith(REVIEW_DECISION):
        return False
    after = entry.after if isinstance(entry.after, dict) else {}
    round_ = after.get("round")
    # an entry that does not say its round is hidden while any round is open
    return round_ in open_rounds or not isinstance(round_, int)
