"""Tenant isolation: which rows an actor may see. Every service loads through these functions.

- enterprise member: their own organisation, its submissions, evidence and certificates;
- evaluator: the submissions assigned to them (and the organisations that own those);
- administrator: everything.

Something an actor may not see is reported as not found, so ids of other tenants leak nothing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, select, true
from sqlalchemy.orm import Session

from assessment.accounts.principal import Principal, Role
from assessment.errors import NotFound, PermissionDenied
from assessment.storage.tables import Organisation, Submission
from standards.problems import Problem


def submission_filter(actor: Principal) -> ColumnElement[bool]:
    if actor.role is Role.ADMINISTRATOR:
        return true()
    if actor.role is Role.ENTERPRISE:
        if actor.org_id is None:
            return false()
        return Submission.organisation_id == actor.org_id
    if actor.user_id is None:
        return false()
    return Submission.assigned_evaluator_id == actor.user_id


def organisation_filter(actor: Principal) -> ColumnElement[bool]:
    if actor.role is Role.ADMINISTRATOR:
        return true()
    if actor.role is Role.ENTERPRISE:
        return Organisation.id == actor.org_id if actor.org_id is not None else false()
    if actor.user_id is None:
        # Compared with NULL, the assignment test would pick the unassigned submissions.
        return false()
    return exists(
        select(Submission.id).where(
            Submission.organisation_id == Organisation.id,
            Submission.assigned_evaluator_id == actor.user_id,
        )
    )


def load_submission(session: Session, actor: Principal, submission_id: int) -> Submission:
    sub = session.scalars(
        select(Submission).where(Submission.id == submission_id, submission_filter(actor))
    ).first()
    if sub is None:
        raise NotFound(Problem((), "accounts.submission_not_found", {"id": submission_id}))
    return sub


def load_organisation(session: Session, actor: Principal, org_id: int) -> Organisation:
    org = session.scalars(
        select(Organisation).where(Organisation.id == org_id, organisation_filter(actor))
    ).first()
    if org is None:
        raise NotFound(Problem((), "accounts.organisation_not_found", {"id": org_id}))
    return org


def require_role(actor: Principal, what: str, *roles: Role) -> None:
    """PermissionDenied placed at `what` (the action, e.g. "issue a certificate", which the
    catalogue names in Chinese as `field.<what>`) unless the actor has one of `roles`."""
    if actor.role not in roles:
        raise PermissionDenied(
            Problem(
                (what,), "accounts.role_required",
                {"roles": [r.value for r in roles], "role": actor.role.value},
            )
        )  # fmt: skip


def require_admin(actor: Principal, what: str) -> None:
    require_role(actor, what, Role.ADMINISTRATOR)


def is_member(actor: Principal, sub: Submission) -> bool:
    return actor.role is Role.ENTERPRISE and actor.org_id == sub.organisation_id


def is_assigned(actor: Principal, sub: Submission) -> bool:
    return (
        actor.role is Role.EVALUATOR
        and actor.user_id is not None
        and actor.user_id == sub.assigned_evaluator_id
    )
