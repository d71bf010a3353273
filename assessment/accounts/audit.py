"""The append-only audit log: who did what, when, with the state before and after.

Entries are written by the services in the same transaction as the change they describe, so a
change without its entry (or the reverse) cannot be committed. The ORM refuses to update or delete
an entry (below); the database refuses too (triggers created by the initial migration).
`audit_trail` reads it back through the tenant filters: administrators the whole log, others the
history of a submission they may see, firms without internal notes or an open review round.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session

from assessment.accounts.access import load_submission
from assessment.accounts.principal import Principal, Role
from assessment.errors import PermissionDenied
from assessment.storage.db import Database
from assessment.storage.tables import AuditEntry, Review
from standards.problems import Problem

APPEND_ONLY = "audit_log is append-only: entries are never updated or deleted"


class AuditTampering(RuntimeError):
    """Raised when code tries to change or remove an audit entry."""


def jsonable(value: Any) -> Any:
    """Plain JSON for before/after snapshots (datetimes as ISO 8601 text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def record(
    session: Session,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: object,
    *,
    at: datetime,
    submission_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=at,
        actor_id=actor.user_id,
        actor=actor.name,
        actor_role=actor.role.value,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        submission_id=submission_id,
        before=jsonable(before),
        after=jsonable(after),
    )
    session.add(entry)
    return entry


@event.listens_for(Session, "before_flush")
def _refuse_changed_entries(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTampering(APPEND_ONLY)


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditTampering(APPEND_ONLY)


# --- reading the trail ----------------------------------------------------------------------

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
