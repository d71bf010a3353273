"""The exact standard a submission is scored against: stored once per SHA-256 (with its scales),
read back and checked against its hash, and the answers in the `zhizao score` format."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.errors import InvalidInput, NotFound
from assessment.storage.tables import (
    Answer,
    StandardSnapshot,
    Submission,
)
from scoring import AnswerError, Result, parse_answers, score
from standards import Library, Standard
from standards.models import SatisfactionRule, Scale
from standards.problems import Problem

_STANDARDS: dict[str, tuple[Standard, dict[str, Scale]]] = {}


_STANDARDS_LOCK = threading.Lock()


def scales_for(standard: Standard, library: Library) -> dict[str, Scale]:
    wanted = {i.rule.scale for i in standard.items if isinstance(i.rule, SatisfactionRule)}
    known = {s.id: s for s in library.scales.scales} if library.scales else {}
    return {sid: known[sid] for sid in sorted(wanted) if sid in known}


def ensure_snapshot(session: Session, standard: Standard, library: Library, now: datetime) -> str:
    """Store the standard (and its scales) by SHA-256 once; return the hash."""
    digest = standard.sha256
    if session.get(StandardSnapshot, digest) is None:
        scales = scales_for(standard, library)
        session.add(
            StandardSnapshot(
                sha256=digest,
                standard_id=standard.id,
                edition=standard.edition,
                body=standard.model_dump(mode="json", by_alias=True),
                scales={k: v.model_dump(mode="json", by_alias=True) for k, v in scales.items()},
                created_at=now,
            )
        )
        session.flush()
    return digest


def snapshot_standard(session: Session, digest: str) -> tuple[Standard, dict[str, Scale]]:
    """The exact standard a submission was created against (cached per process)."""
    with _STANDARDS_LOCK:
        cached = _STANDARDS.get(digest)
    if cached is not None:
        return cached
    snap = session.get(StandardSnapshot, digest)
    if snap is None:
        raise NotFound(Problem((), "submission.snapshot_missing", {"digest": digest[:12]}))
    standard = Standard.model_validate(snap.body)
    if standard.sha256 != digest:
        raise RuntimeError(f"standard snapshot {digest[:12]}… does not match its SHA-256")
    scales = {k: Scale.model_validate(v) for k, v in snap.scales.items()}
    with _STANDARDS_LOCK:
        _STANDARDS[digest] = (standard, scales)
    return standard, scales


def answer_document(
    sub: Submission, answers: Mapping[str, Any], gates: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers in the `zhizao score` file format."""
    doc: dict[str, Any] = {
        "standard": sub.standard_id,
        "edition": sub.edition,
        "profile": sub.profile,
        "answers": dict(sorted(answers.items())),
        "gates": dict(sorted(gates.items())),
    }
    if sub.industry_type is not None:
        doc["industry_type"] = sub.industry_type
    return doc


def score_document(session: Session, sub: Submission, doc: Mapping[str, Any]) -> Result:
    standard, scales = snapshot_standard(session, sub.standard_sha256)
    try:
        answers = parse_answers(doc, standard, scales)
    except AnswerError as exc:
        raise InvalidInput(exc.problems) from None
    return score(standard, answers, scales)


def live_answers(session: Session, sub_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = session.scalars(select(Answer).where(Answer.submission_id == sub_id))
    answers: dict[str, Any] = {}
    gates: dict[str, Any] = {}
    for row in rows:
        (answers if row.kind == "item" else gates)[row.key] = row.value
    return answers, gates
