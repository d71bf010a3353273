"""The evaluator's review: rounds, per-item decisions (accept, or adjust with a reason), and the
three ends of a round — return to the firm, approve (the evaluated answers re-scored into the
final result), reject. The firm sees the decisions of finished rounds only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import audit
from assessment.accounts.access import (
    load_submission,
)
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    Comment,
    ItemDecision,
    Review,
    Submission,
)
from assessment.submissions.appdata import question_groups
from assessment.submissions.comments import MAX_COMMENT, require_text
from assessment.submissions.snapshots import (
    score_document,
    snapshot_standard,
)
from assessment.submissions.states import (
    compare_and_set,
    current_review,
    guard,
    transition_audit,
)
from assessment.submissions.views import SubmissionView, view
from assessment.text import clean_text
from scoring import AnswerError, parse_answers
from standards.problems import Problem

KINDS = ("item", "gate")


@dataclass(frozen=True)
class DecisionView:
    review_round: int
    kind: str
    key: str
    decision: str
    original: Any
    value: Any
    reason: str | None
    decided_by: int
    decided_at: datetime


def start_review(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "start_review", expected_version)
        before = sub.status
        compare_and_set(session, sub, t, expected_version, now)
        last = session.scalars(
            select(Review.round).where(Review.submission_id == sub.id).order_by(Review.round.desc())
        ).first()
        review = Review(
            submission_id=sub.id,
            round=(last or 0) + 1,
            evaluator_id=actor.user_id,
            started_at=now,
        )
        session.add(review)
        session.flush()
        transition_audit(session, actor, sub, "start_review", before, now, round=review.round)
        return view(session, sub)


def _evaluated(sub: Submission, decisions: list[ItemDecision]) -> dict[str, Any]:
    """The submitted answers with the evaluator's adjustments applied."""
    doc = dict(sub.self_answers or {})
    answers = dict(doc.get("answers") or {})
    gates = dict(doc.get("gates") or {})
    for d in decisions:
        if d.decision == "adjust":
            (answers if d.kind == "item" else gates)[d.key] = d.value
    doc["answers"] = dict(sorted(answers.items()))
    doc["gates"] = dict(sorted(gates.items()))
    return doc


def _answered_keys(sub: Submission) -> set[tuple[str, str]]:
    doc = sub.self_answers or {}
    return {("item", k) for k in doc.get("answers") or {}} | {
        ("gate", k) for k in doc.get("gates") or {}
    }


def decide_item(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    key: str,
    decision: str,
    expected_version: int,
    value: Any = None,
    reason: str | None = None,
    kind: str = "item",
    clock: Clock = utcnow,
) -> SubmissionView:
    """Accept the firm's answer to an item (or gate), or adjust it to `value` with a reason."""
    now = clock()
    if kind not in KINDS:
        raise InvalidInput(Problem(("kind",), "review.unknown_kind", {"given": kind}))
    if decision not in ("accept", "adjust"):
        raise InvalidInput(Problem(("decision",), "review.unknown_decision", {"given": decision}))
    where = ("answers" if kind == "item" else "gates", key)
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "decide_item", expected_version)
        if (kind, key) not in _answered_keys(sub):
            raise InvalidInput(Problem(where, "review.not_answered"))
        review = current_review(session, sub)
        decisions = {
            (d.kind, d.key): d
            for d in session.scalars(
                select(ItemDecision).where(ItemDecision.review_id == review.id)
            )
        }
        original = (sub.self_answers or {}).get("answers" if kind == "item" else "gates", {})[key]
        text = clean_text(reason or "", (*where, "reason"), max_length=MAX_COMMENT,
                          multiline=True) or None  # fmt: skip
        if decision == "adjust":
            if value is None:
                raise InvalidInput(Problem(where, "review.adjust_without_value"))
            if text is None:
                raise InvalidInput(Problem(where, "review.adjust_without_reason"))
            trial = [d for k, d in decisions.items() if k != (kind, key)]
            trial.append(ItemDecision(kind=kind, key=key, decision="adjust", value=value))
            standard, scales = snapshot_standard(session, sub.standard_sha256)
            try:
                parse_answers(_evaluated(sub, trial), standard, scales)
            except AnswerError as exc:
                raise InvalidInput(exc.problems) from None
        else:
            value = None
        compare_and_set(session, sub, t, expected_version, now)
        existing = decisions.get((kind, key))
        before = (
            {"decision": existing.decision, "value": existing.value, "reason": existing.reason}
            if existing
            else None
        )
        if existing is None:
            session.add(
                ItemDecision(
                    review_id=review.id, kind=kind, key=key, decision=decision, original=original,
                    value=value, reason=text, decided_by=actor.user_id, decided_at=now,
                )
            )  # fmt: skip
        else:
            existing.decision, existing.value, existing.reason = decision, value, text
            existing.decided_by, existing.decided_at = actor.user_id or 0, now
        audit.record(
            session, actor, f"review.{decision}", kind, key, at=now, submission_id=sub.id,
            before=before,
            after={"decision": decision, "original": original, "value": value, "reason": text,
                   "round": review.round, "version": sub.version},
        )  # fmt: skip
        session.flush()
        return view(session, sub)


def accept_remaining(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    domain: str | None = None,
    clock: Clock = utcnow,
) -> int:
    """Accept every answered item and gate not decided yet in this round; return how many.

    With `domain` (a group id of `appdata.question_groups`, the domain the review page shows),
    only the undecided answered items of that domain: the batch an evaluator takes after
    checking the adjusted ones by hand. Gates belong to no domain, so they are left alone."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "accept_remaining", expected_version)
        review = current_review(session, sub)
        decided = {
            (d.kind, d.key)
            for d in session.scalars(
                select(ItemDecision).where(ItemDecision.review_id == review.id)
            )
        }
        todo = sorted(_answered_keys(sub) - decided)
        if domain is not None:
            standard, _ = snapshot_standard(session, sub.standard_sha256)
            groups = {g.id: g for g in question_groups(standard, sub.profile, sub.industry_type)}
            if domain not in groups:
                raise InvalidInput(Problem(("domain",), "review.unknown_domain", {"given": domain}))
            members = {item.id for item in groups[domain].items}
            todo = [(kind, key) for kind, key in todo if kind == "item" and key in members]
        compare_and_set(session, sub, t, expected_version, now)
        doc = sub.self_answers or {}
        for kind, key in todo:
            original = doc["answers" if kind == "item" else "gates"][key]
            session.add(
                ItemDecision(
                    review_id=review.id, kind=kind, key=key, decision="accept", original=original,
                    value=None, reason=None, decided_by=actor.user_id, decided_at=now,
                )
            )  # fmt: skip
        after: dict[str, Any] = {
            "accepted": [f"{k}:{key}" for k, key in todo], "round": review.round,
            "version": sub.version,
        }  # fmt: skip
        if domain is not None:
            after["domain"] = domain
        audit.record(
            session, actor, "review.accept_remaining", "submission", sub.id, at=now,
            submission_id=sub.id, after=after,
        )  # fmt: skip
        return len(todo)


def _finish_review(
    session: Session, sub: Submission, outcome: str, now: datetime
) -> tuple[Review, list[ItemDecision]]:
    review = current_review(session, sub)
    review.finished_at, review.outcome = now, outcome
    decisions = list(
        session.scalars(select(ItemDecision).where(ItemDecision.review_id == review.id))
    )
    return review, decisions


def return_to_firm(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    comment: str,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Send the submission back for changes, with a comment the firm can read."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "return_to_firm", expected_version)
        text = require_text(comment, ("return to the firm", "comment"))
        before = sub.status
        compare_and_set(session, sub, t, expected_version, now)
        review, _ = _finish_review(session, sub, "returned", now)
        session.add(
            Comment(submission_id=sub.id, author_id=actor.user_id, visibility="public",
                    body=text, created_at=now)
        )  # fmt: skip
        transition_audit(
            session, actor, sub, "return_to_firm", before, now, round=review.round, comment=text
        )
        session.flush()
        return view(session, sub)


def approve(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Approve: every answered item needs a decision; the engine re-scores the evaluated answers
    into the final result. Issuing the certificate is the certificates room's
    (`certificates.issue.approve` approves and then issues where an issuer key is configured)."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "approve", expected_version)
        review = current_review(session, sub)
        decisions = list(
            session.scalars(select(ItemDecision).where(ItemDecision.review_id == review.id))
        )
        undecided = sorted(_answered_keys(sub) - {(d.kind, d.key) for d in decisions})
        if undecided:
            raise InvalidInput(
                Problem(
                    ("approve",), "review.undecided",
                    {
                        "count": len(undecided), "items": [key for _, key in undecided[:15]],
                        "more": " …" if len(undecided) > 15 else "",
                    },
                )
            )  # fmt: skip
        doc = _evaluated(sub, decisions)
        result = score_document(session, sub, doc)
        before = sub.status
        compare_and_set(
            session, sub, t, expected_version, now, decided_at=now, final_answers=doc, final_result=result.to_dict(),
        )  # fmt: skip
        _finish_review(session, sub, "approved", now)
        adjusted = sum(1 for d in decisions if d.decision == "adjust")
        transition_audit(
            session, actor, sub, "approve", before, now, round=review.round,
            total=result.total, tier=result.tier, level=result.level, adjusted=adjusted,
            answers_sha256=result.receipt.answers_sha256,
        )  # fmt: skip
        session.flush()
        return view(session, sub)


def reject(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    reason: str,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "reject", expected_version)
        text = require_text(reason, ("reject", "reason"))
        before = sub.status
        compare_and_set(session, sub, t, expected_version, now, decided_at=now)
        review, _ = _finish_review(session, sub, "rejected", now)
        session.add(
            Comment(submission_id=sub.id, author_id=actor.user_id, visibility="public",
                    body=f"不予通过 Rejected: {text}", created_at=now)
        )  # fmt: skip
        transition_audit(
            session, actor, sub, "reject", before, now, round=review.round, reason=text
        )
        session.flush()
        return view(session, sub)


def list_decisions(actor: Principal, db: Database, submission_id: int) -> list[DecisionView]:
    """Evaluators and administrators see every round; the firm sees finished rounds only."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        query = (
            select(ItemDecision, Review.round)
            .join(Review, Review.id == ItemDecision.review_id)
            .where(Review.submission_id == sub.id)
            .order_by(Review.round, ItemDecision.kind, ItemDecision.key)
        )
        if actor.role is Role.ENTERPRISE:
            query = query.where(Review.finished_at.is_not(None))
        return [
            DecisionView(
                rnd,
                d.kind,
                d.key,
                d.decision,
                d.original,
                d.value,
                d.reason,
                d.decided_by,
                d.decided_at,
            )
            for d, rnd in session.execute(query)
        ]
