"""The in-app inbox: who is told of what, written in the transaction of the action.

A notice is a row of `notices`: its recipient, its `kind` (`tables.NOTICE_KINDS`) and the values
its sentence names (`params`: the submission's number, the firm's and evaluator's names, a
certificate number, a reason) — never a sentence, so each reader sees it in their own language
(`ui/i18n/inbox/`, `inbox.kind.<kind>`). Who is told:

| kind | when | told |
|---|---|---|
| pool_submitted | a submission enters the pool (submitted, nobody assigned) | every active administrator |
| assigned | an evaluator is given a submission (by hand or by a rule) | that evaluator |
| resubmitted | the firm sends a returned submission back | its evaluator |
| returned, approved, rejected | the evaluator ends a round | the firm's active members |
| result_revoked | an administrator withdraws an approved result | the firm and its evaluator |
| certificate_issued, certificate_revoked | a certificate is issued / withdrawn on its own | the firm |

Nobody is told of their own action, and synthetic (demo cohort) submissions tell nobody. A pool
notice is settled (marked read for every administrator) once the submission leaves the pool, so the
unread count shows work still waiting. Marking a notice read is the reader's own state, not a
change to a record: it is not audited.

Imports accounts and storage only: `states.transition_audit` calls `on_transition`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from assessment.accounts.access import submission_filter
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import NotFound
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    NOTICE_KINDS,
    Certificate,
    Notice,
    Organisation,
    Submission,
    User,
)
from standards.problems import Problem

MAX_REASON = 300  # a reason or comment is quoted in a notice up to this many characters
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    submission_id: int | None
    params: dict[str, Any]
    created_at: datetime
    read_at: datetime | None
    visible: bool  # whether the reader may still open the submission it tells of

    @property
    def unread(self) -> bool:
        return self.read_at is None


# --- who ---------------------------------------------------------------------------------------


def firm_members(session: Session, org_id: int) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(
                User.organisation_id == org_id,
                User.role == Role.ENTERPRISE.value,
                User.active.is_(True),
            )
        )
    )


def administrators(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(User.id).where(User.role == Role.ADMINISTRATOR.value, User.active.is_(True))
        )
    )


def display_name(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    return user.display_name if user is not None else None


# --- writing -------------------------------------------------------------------------------------


def notify(
    session: Session,
    actor: Principal,
    recipients: Iterable[int | None],
    kind: str,
    sub: Submission,
    now: datetime,
    **params: Any,
) -> int:
    """Add one notice of `kind` about `sub` per recipient (not the actor; once each); how many."""
    if kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    if sub.synthetic:
        return 0
    org = session.get(Organisation, sub.organisation_id)
    values = {"id": sub.id, "firm": org.name if org else "", **params}
    told = 0
    for user_id in dict.fromkeys(recipients):
        if user_id is None or user_id == actor.user_id:
            continue
        session.add(
            Notice(
                user_id=user_id, kind=kind, submission_id=sub.id, params=dict(values),
                created_at=now, read_at=None,
            )
        )  # fmt: skip
        told += 1
    return told


def _quote(text: object) -> str:
    value = str(text or "")
    return value if len(value) <= MAX_REASON else value[: MAX_REASON - 1] + "…"


def settle_pool(session: Session, sub: Submission, now: datetime) -> None:
    """The submission left the pool: its pool notices need nobody any more."""
    session.execute(
        update(Notice)
        .where(
            Notice.submission_id == sub.id,
            Notice.kind == "pool_submitted",
            Notice.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def on_assigned(
    session: Session, actor: Principal, sub: Submission, now: datetime, *, by_rule: bool
) -> None:
    """An evaluator was given the submission (the row already names them)."""
    notify(
        session, actor, [sub.assigned_evaluator_id], "assigned", sub, now,
        by_rule=by_rule,
    )  # fmt: skip
    settle_pool(session, sub, now)


def on_transition(
    session: Session,
    actor: Principal,
    sub: Submission,
    action: str,
    before: str,
    now: datetime,
    extra: Mapping[str, Any],
) -> None:
    """The notices of one transition (called by `states.transition_audit`, which every
    transition passes through, after the submission row moved)."""
    evaluator = display_name(session, sub.assigned_evaluator_id) or ""
    if action == "submit":
        if sub.assigned_evaluator_id is None:
            notify(session, actor, administrators(session), "pool_submitted", sub, now)
        elif before == "returned":
            notify(session, actor, [sub.assigned_evaluator_id], "resubmitted", sub, now)
        else:  # a rule assigned it in the same statement that submitted it
            on_assigned(session, actor, sub, now, by_rule=True)
    elif action == "return_to_firm":
        notify(
            session, actor, firm_members(session, sub.organisation_id), "returned", sub, now,
            evaluator=evaluator, comment=_quote(extra.get("comment")),
        )  # fmt: skip
    elif action in ("approve", "reject"):
        kind = "approved" if action == "approve" else "rejected"
        params = {"evaluator": evaluator}
        if action == "reject":
            params["reason"] = _quote(extra.get("reason"))
        notify(session, actor, firm_members(session, sub.organisation_id), kind, sub, now, **params)
    elif action == "revoke":
        numbers = list(
            session.scalars(
                select(Certificate.number)
                .where(Certificate.submission_id == sub.id, Certificate.revoked_at == now)
                .order_by(Certificate.id)
            )
        )
        notify(
            session, actor, [*firm_members(session, sub.organisation_id), sub.assigned_evaluator_id],
            "result_revoked", sub, now,
            reason=_quote(extra.get("reason")), certificates=", ".join(numbers) or "—",
        )  # fmt: skip
    # start_review tells nobody: the firm's next step names the evaluator reviewing it


def on_certificate(
    session: Session, actor: Principal, sub: Submission, kind: str, number: str, now: datetime,
    reason: str | None = None,
) -> None:  # fmt: skip
    """A certificate was issued or revoked on its own (`certificates.issue`)."""
    params: dict[str, Any] = {"number": number}
    if kind == "certificate_revoked":
        params["reason"] = _quote(reason)
    notify(session, actor, firm_members(session, sub.organisation_id), kind, sub, now, **params)


# --- reading -------------------------------------------------------------------------------------


def _mine(actor: Principal) -> Any:
    # A principal without an account (the local operator) has no inbox: match no row.
    return Notice.user_id == (actor.user_id if actor.user_id is not None else -1)


def list_notices(
    actor: Principal, db: Database, *, unread_only: bool = False, limit: int = DEFAULT_LIMIT
) -> list[NoticeView]:
    """The actor's own notices, newest first."""
    with db.read() as session:
        query = select(Notice).where(_mine(actor))
        if unread_only:
            query = query.where(Notice.read_at.is_(None))
        rows = list(
            session.scalars(query.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))
        )
        ids = {n.submission_id for n in rows if n.submission_id is not None}
        visible = set(
            session.scalars(
                select(Submission.id).where(Submission.id.in_(ids), submission_filter(actor))
            )
        )
        return [
            NoticeView(
                n.id, n.kind, n.submission_id, dict(n.params or {}), n.created_at, n.read_at,
                n.submission_id in visible,
            )
            for n in rows
        ]  # fmt: skip


def unread_count(db: Database, actor: Principal) -> int:
    """How many of the actor's notices are unread (the sidebar badge)."""
    with db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(Notice)
                .where(_mine(actor), Notice.read_at.is_(None))
            )
            or 0
        )


def mark_read(actor: Principal, db: Database, notice_id: int, *, clock: Clock = utcnow) -> None:
    """Mark one of the actor's notices read (another's is not found: ids leak nothing)."""
    now = clock()
    with db.write() as session:
        notice = session.scalars(select(Notice).where(Notice.id == notice_id, _mine(actor))).first()
        if notice is None:
            raise NotFound(Problem((), "inbox.notice_not_found", {"id": notice_id}))
        if notice.read_at is None:
            notice.read_at = now


def mark_all_read(actor: Principal, db: Database, *, clock: Clock = utcnow) -> int:
    """Mark every unread notice of the actor read; how many."""
    now = clock()
    with db.write() as session:
        result = session.execute(
            update(Notice)
            .where(_mine(actor), Notice.read_at.is_(None))
            .values(read_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
