"""Comments on a submission: public ones (the firm and its evaluator read them) and internal notes
(evaluators and administrators), and the check of every reason and comment text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from assessment.accounts import audit
from assessment.accounts.access import (
    load_submission,
)
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    Comment,
)
from assessment.submissions.snapshots import (
    snapshot_standard,
)
from assessment.submissions.states import (
    guard,
)
from assessment.text import clean_text
from standards.problems import Loc, Problem

MAX_COMMENT = 10_000


@dataclass(frozen=True)
class CommentView:
    id: int
    author_id: int | None
    visibility: str
    item_id: str | None
    body: str
    created_at: datetime


def require_text(value: str | None, what: str | Loc) -> str:
    """A required multi-line text (reason, comment): not blank, no control characters, capped."""
    text = clean_text(value or "", what, max_length=MAX_COMMENT, multiline=True)
    if not text:
        raise InvalidInput(Problem((what,) if isinstance(what, str) else what, "text.blank"))
    return text


def add_comment(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    body: str,
    visibility: str = "public",
    item_id: str | None = None,
    clock: Clock = utcnow,
) -> CommentView:
    """A public comment (the firm and evaluators read it) or an internal one (evaluators only)."""
    if visibility not in ("public", "internal"):
        raise InvalidInput(
            Problem(("visibility",), "comment.unknown_visibility", {"given": visibility})
        )
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        guard(actor, sub, "add_internal_comment" if visibility == "internal" else "add_comment")
        text = require_text(body, "comment")
        if item_id is not None:
            standard, _ = snapshot_standard(session, sub.standard_sha256)
            if item_id not in {i.id for i in standard.items}:
                raise InvalidInput(
                    Problem(
                        ("comment",),
                        "submission.unknown_item",
                        {"item": item_id, "id": standard.id},
                    )
                )
        comment = Comment(
            submission_id=sub.id,
            author_id=actor.user_id,
            visibility=visibility,
            item_id=item_id,
            body=text,
            created_at=now,
        )
        session.add(comment)
        session.flush()
        audit.record(
            session, actor, f"comment.{visibility}", "comment", comment.id, at=now,
            submission_id=sub.id, after={"item_id": item_id, "body": text},
        )  # fmt: skip
        return CommentView(comment.id, actor.user_id, visibility, item_id, text, now)


def list_comments(actor: Principal, db: Database, submission_id: int) -> list[CommentView]:
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        query = select(Comment).where(Comment.submission_id == sub.id).order_by(Comment.id)
        if actor.role is Role.ENTERPRISE:
            query = query.where(Comment.visibility == "public")
        return [
            CommentView(c.id, c.author_id, c.visibility, c.item_id, c.body, c.created_at)
            for c in session.scalars(query)
        ]
