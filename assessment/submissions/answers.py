"""The firm's answers to items and gates, saved while the submission is editable; each save is
checked whole against the submission's standard and compare-and-sets its version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from assessment.accounts import audit
from assessment.accounts.access import (
    load_submission,
)
from assessment.accounts.principal import Clock, Principal
from assessment.errors import InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    Answer,
)
from assessment.submissions.snapshots import (
    answer_document,
    snapshot_standard,
)
from assessment.submissions.states import (
    compare_and_set,
    guard,
)
from assessment.submissions.views import SubmissionView, view
from scoring import AnswerError, parse_answers


def save_answers(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    answers: Mapping[str, Any] | None = None,
    gates: Mapping[str, Any] | None = None,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Set (or with None, clear) answers to items and gates of a draft or returned submission.

    The merged answers are checked against the standard first; any problem (an unknown item, an
    option not on the ladder …) rejects the whole save with every problem named.
    """
    changes = {("item", str(k)): v for k, v in (answers or {}).items()}
    changes.update({("gate", str(k)): v for k, v in (gates or {}).items()})
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "save_answers", expected_version)
        if not changes:
            return view(session, sub)
        rows = {
            (r.kind, r.key): r
            for r in session.scalars(select(Answer).where(Answer.submission_id == sub.id))
        }
        merged = {key: row.value for key, row in rows.items()}
        for slot, value in changes.items():
            if value is None:
                merged.pop(slot, None)
            else:
                merged[slot] = value
        doc = answer_document(
            sub,
            {k: v for (kind, k), v in merged.items() if kind == "item"},
            {k: v for (kind, k), v in merged.items() if kind == "gate"},
        )
        standard, scales = snapshot_standard(session, sub.standard_sha256)
        try:
            parse_answers(doc, standard, scales)
        except AnswerError as exc:
            raise InvalidInput(exc.problems) from None
        compare_and_set(session, sub, t, expected_version, now)
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for (kind, key), value in sorted(changes.items()):
            row = rows.get((kind, key))
            label = key if kind == "item" else f"gate:{key}"
            old = row.value if row else None
            if old == value:
                continue
            before[label], after[label] = old, value
            if value is None and row is not None:
                session.delete(row)
            elif row is not None:
                row.value, row.updated_at, row.updated_by = value, now, actor.user_id
            elif value is not None:
                session.add(
                    Answer(
                        submission_id=sub.id,
                        kind=kind,
                        key=key,
                        value=value,
                        updated_at=now,
                        updated_by=actor.user_id,
                    )
                )
        audit.record(
            session, actor, "answers.save", "submission", sub.id, at=now, submission_id=sub.id,
            before={"version": expected_version, "answers": before},
            after={"version": sub.version, "answers": after},
        )  # fmt: skip
        session.flush()
        return view(session, sub)
