"""The append-only audit log: who did what, when, with the state before and after.

Entries are written by the services in the same transaction as the change they describe, so a
change without its entry (or the reverse) cannot be committed. The ORM refuses to update or delete
an entry (below); the database refuses too (triggers created by the initial migration).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from assessment.accounts.principal import Principal
from assessment.storage.tables import AuditEntry

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
