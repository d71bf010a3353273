"""The life of a submission: answers, state transitions, reviews, decisions and comments.

States::

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved ──revoke──▶ revoked
      ▲                  ▲                          │  │
      │                  └────────submit────────────┼──┘ (via returned)
      │                                             ├──return_to_firm──▶ returned ──submit──▶ submitted
      │                                             └──reject──▶ rejected

Who may do what in which state is decided here (TRANSITIONS and the edit guards), never in the UI.
Every service takes the acting Principal first, loads only what that actor may see (access.py),
runs in one transaction, writes its audit entries in that same transaction, and — for anything that
changes a submission — compare-and-sets `submissions.version`: a change based on a stale version
raises Conflict and writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assessment.accounts import audit
from assessment.accounts.access import (
    is_assigned,
    is_member,
    load_organisation,
    load_submission,
    require_admin,
    submission_filter,
)
from assessment.accounts.identity import Clock, Principal, Role
from assessment.benchmark import store as benchmark_store
from assessment.errors import Conflict, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from assessment.library import configured
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    Answer,
    Certificate,
    Comment,
    ItemDecision,
    Organisation,
    Review,
    StandardSnapshot,
    Submission,
    User,
)
from assessment.text import clean_text
from scoring import AnswerError, Result, parse_answers, score
from standards import Library, Standard, Text, bundled_library, sha256_of
from standards.editions import items_to_reread
from standards.models import SatisfactionRule, Scale

DRAFT, SUBMITTED, IN_REVIEW, RETURNED = "draft", "submitted", "in_review", "returned"
APPROVED, REJECTED, REVOKED = "approved", "rejected", "revoked"
EDITABLE_STATES = frozenset({DRAFT, RETURNED})
KINDS = ("item", "gate")
MAX_COMMENT = 10_000


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    role: Role
    who: str  # in words, for messages


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("submit", EDITABLE_STATES, SUBMITTED, Role.ENTERPRISE, "a member of the firm"),
        Transition(
            "start_review", frozenset({SUBMITTED}), IN_REVIEW, Role.EVALUATOR, "the assigned evaluator"
        ),
        Transition(
            "return_to_firm", frozenset({IN_REVIEW}), RETURNED, Role.EVALUATOR, "the assigned evaluator"
        ),
        Transition("approve", frozenset({IN_REVIEW}), APPROVED, Role.EVALUATOR, "the assigned evaluator"),
        Transition("reject", frozenset({IN_REVIEW}), REJECTED, Role.EVALUATOR, "the assigned evaluator"),
        Transition("revoke", frozenset({APPROVED}), REVOKED, Role.ADMINISTRATOR, "an administrator"),
    )
}  # fmt: skip

ASSIGNABLE_STATES = frozenset({SUBMITTED, IN_REVIEW, RETURNED})


# --- views ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionView:
    id: int
    organisation_id: int
    organisation_name: str
    standard_id: str
    edition: str
    standard_sha256: str
    profile: str
    industry_type: str | None
    status: str
    version: int
    assigned_evaluator_id: int | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    answers: dict[str, Any]
    gates: dict[str, Any]
    self_result: dict[str, Any] | None
    final_result: dict[str, Any] | None
    synthetic: bool
    reread_items: tuple[str, ...] = ()  # meaning changed when the draft moved edition


@dataclass(frozen=True)
class SubmissionSummary:
    id: int
    organisation_id: int
    organisation_name: str
    standard_id: str
    profile: str
    status: str
    version: int
    assigned_evaluator_id: int | None
    updated_at: datetime
    self_total: float | None
    final_total: float | None


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


@dataclass(frozen=True)
class CommentView:
    id: int
    author_id: int | None
    visibility: str
    item_id: str | None
    body: str
    created_at: datetime


# --- standards: snapshot and scoring --------------------------------------------------------------

_STANDARDS: dict[str, tuple[Standard, dict[str, Scale]]] = {}
_STANDARDS_LOCK = threading.Lock()


def _scales_for(standard: Standard, library: Library) -> dict[str, Scale]:
    wanted = {i.rule.scale for i in standard.items if isinstance(i.rule, SatisfactionRule)}
    known = {s.id: s for s in library.scales.scales} if library.scales else {}
    return {sid: known[sid] for sid in sorted(wanted) if sid in known}


def ensure_snapshot(session: Session, standard: Standard, library: Library, now: datetime) -> str:
    """Store the standard (and its scales) by SHA-256 once; return the hash."""
    digest = sha256_of(standard)
    if session.get(StandardSnapshot, digest) is None:
        scales = _scales_for(standard, library)
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
        raise NotFound(f"standard snapshot {digest[:12]}… missing")
    standard = Standard.model_validate(snap.body)
    if sha256_of(standard) != digest:
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


def _live_answers(session: Session, sub_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = session.scalars(select(Answer).where(Answer.submission_id == sub_id))
    answers: dict[str, Any] = {}
    gates: dict[str, Any] = {}
    for row in rows:
        (answers if row.kind == "item" else gates)[row.key] = row.value
    return answers, gates


# --- guards ---------------------------------------------------------------------------------------


def _check_version(sub: Submission, expected: int) -> None:
    if sub.version != expected:
        raise Conflict(
            f"submission {sub.id} was changed by someone else since you loaded it (you had "
            f"version {expected}, it is now version {sub.version}); nothing was saved — reload it "
            "and apply your change again"
        )


def _compare_and_set(
    session: Session,
    sub: Submission,
    expected: int,
    states: frozenset[str],
    now: datetime,
    **values: Any,
) -> None:
    """UPDATE … WHERE version = :expected AND status IN (:states); Conflict when no row matched."""
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == sub.id,
            Submission.version == expected,
            Submission.status.in_(sorted(states)),
        )
        .values(version=Submission.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(sub)
        _check_version(sub, expected)
        raise InvalidTransition(
            f"submission {sub.id} is {sub.status} now; the change needs it to be "
            f"{' or '.join(sorted(states))}"
        )
    session.refresh(sub)
    benchmark_store.record(session, sub)  # the benchmark's row moves with the submission


def _guard_transition(actor: Principal, sub: Submission, action: str, expected: int) -> Transition:
    t = TRANSITIONS[action]
    allowed_actor = (
        is_member(actor, sub)
        if t.role is Role.ENTERPRISE
        else is_assigned(actor, sub)
        if t.role is Role.EVALUATOR
        else actor.role is Role.ADMINISTRATOR
    )
    if not allowed_actor:
        raise PermissionDenied(
            f"{action.replace('_', ' ')}: only {t.who} may do this to submission {sub.id}"
        )
    if sub.status not in t.sources:
        raise InvalidTransition(
            f"{action.replace('_', ' ')}: submission {sub.id} is {sub.status}; this is possible only "
            f"when it is {' or '.join(sorted(t.sources))}"
        )
    _check_version(sub, expected)
    return t


def _transition_audit(
    session: Session, actor: Principal, sub: Submission, action: str, before: str, now: datetime,
    **extra: Any,
) -> None:  # fmt: skip
    audit.record(
        session, actor, f"submission.{action}", "submission", sub.id, at=now, submission_id=sub.id,
        before={"status": before, "version": sub.version - 1},
        after={"status": sub.status, "version": sub.version, **extra},
    )  # fmt: skip


def _current_review(session: Session, sub: Submission) -> Review:
    review = session.scalars(
        select(Review)
        .where(Review.submission_id == sub.id, Review.finished_at.is_(None))
        .order_by(Review.round.desc())
    ).first()
    if review is None:
        raise InvalidTransition(f"submission {sub.id} has no open review")
    return review


def _require_text(value: str | None, what: str) -> str:
    """A required multi-line text (reason, comment): not blank, no control characters, capped."""
    text = clean_text(value or "", what, max_length=MAX_COMMENT, multiline=True)
    if not text:
        raise InvalidInput(f"{what}: required, and may not be blank")
    return text


# --- reading -----------------------------------------------------------------------------------------


def _view(session: Session, sub: Submission) -> SubmissionView:
    org = session.get(Organisation, sub.organisation_id)
    answers, gates = _live_answers(session, sub.id)
    return SubmissionView(
        id=sub.id,
        organisation_id=sub.organisation_id,
        organisation_name=org.name if org else "",
        standard_id=sub.standard_id,
        edition=sub.edition,
        standard_sha256=sub.standard_sha256,
        profile=sub.profile,
        industry_type=sub.industry_type,
        status=sub.status,
        version=sub.version,
        assigned_evaluator_id=sub.assigned_evaluator_id,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
        submitted_at=sub.submitted_at,
        decided_at=sub.decided_at,
        answers=answers,
        gates=gates,
        self_result=sub.self_result,
        final_result=sub.final_result,
        synthetic=sub.synthetic,
        reread_items=tuple(sub.reread_items or ()),
    )


def get_submission(actor: Principal, db: Database, submission_id: int) -> SubmissionView:
    with db.read() as session:
        return _view(session, load_submission(session, actor, submission_id))


def list_submissions(
    actor: Principal,
    db: Database,
    *,
    status: str | None = None,
    include_synthetic: bool = False,
) -> list[SubmissionSummary]:
    with db.read() as session:
        query = (
            select(Submission, Organisation.name)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .where(submission_filter(actor))
            .order_by(Submission.id)
        )
        if status is not None:
            query = query.where(Submission.status == status)
        if not include_synthetic:
            query = query.where(Submission.synthetic.is_(False))
        return [
            SubmissionSummary(
                sub.id,
                sub.organisation_id,
                name,
                sub.standard_id,
                sub.profile,
                sub.status,
                sub.version,
                sub.assigned_evaluator_id,
                sub.updated_at,
                sub.self_result["total"] if sub.self_result else None,
                sub.final_result["total"] if sub.final_result else None,
            )
            for sub, name in session.execute(query)
        ]


def preview(actor: Principal, db: Database, submission_id: int) -> Result:
    """Score the current answers without storing anything (a draft's live score)."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        answers, gates = _live_answers(session, sub.id)
        return score_document(session, sub, answer_document(sub, answers, gates))


# --- the firm's side -----------------------------------------------------------------------------


def create_submission(
    actor: Principal,
    db: Database,
    *,
    org_id: int,
    standard_id: str,
    profile: str,
    industry_type: str | None = None,
    library: Library | None = None,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Start a draft for an organisation (its members, or an administrator on its behalf)."""
    library = library or bundled_library()
    now = clock()
    with db.write() as session:
        org = load_organisation(session, actor, org_id)
        if not (actor.is_admin or (actor.role is Role.ENTERPRISE and actor.org_id == org.id)):
            raise PermissionDenied(
                "start an assessment: only the firm's members or an administrator may do this"
            )
        # The library's edition with the values administrators set for its NOT FOUND parameters.
        standard = configured.current_standard(session, standard_id, library)
        profiles = [p.id for p in standard.profiles]
        problems = []
        if profile not in profiles:
            problems.append(f"profile {profile!r}: expected one of {profiles}")
        kind = industry_type or org.industry_type
        if kind is not None and kind not in ("discrete", "process"):
            problems.append(f"industry type {kind!r}: expected discrete or process")
        if any(i.industry for i in standard.items) and kind is None:
            problems.append(
                f"industry type: {standard.id} has discrete/process items; say which the firm is"
            )
        if problems:
            raise InvalidInput(problems)
        digest = ensure_snapshot(session, standard, library, now)
        sub = Submission(
            organisation_id=org.id,
            standard_id=standard.id,
            edition=standard.edition,
            standard_sha256=digest,
            profile=profile,
            industry_type=kind,
            status=DRAFT,
            version=1,
            created_by=actor.user_id,
            created_at=now,
            updated_at=now,
            synthetic=org.synthetic,
        )
        session.add(sub)
        session.flush()
        audit.record(
            session, actor, "submission.create", "submission", sub.id, at=now, submission_id=sub.id,
            after={"organisation_id": org.id, "standard": standard.id, "edition": standard.edition,
                   "standard_sha256": digest, "profile": profile, "industry_type": kind,
                   "status": DRAFT, "version": 1},
        )  # fmt: skip
        return _view(session, sub)


@dataclass(frozen=True)
class EditionStatus:
    """Whether a submission's snapshot is the library's current edition (with configured values)."""

    current: bool
    edition: str
    current_edition: str
    summary: Text | None  # what the current edition changes, where it says
    reread: dict[str, list[str]]  # item → options whose meaning changed, if the draft moved now


def edition_status(
    actor: Principal, db: Database, submission_id: int, library: Library | None = None
) -> EditionStatus:
    """Compare a submission's snapshot with what a new submission would be created against."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        old, _ = snapshot_standard(session, sub.standard_sha256)
        new = configured.current_standard(session, sub.standard_id, library)
    if sha256_of(new) == sub.standard_sha256:
        return EditionStatus(True, old.edition, new.edition, None, {})
    summary = new.changes.summary if new.changes and new.changes.since == old.edition else None
    return EditionStatus(False, old.edition, new.edition, summary, items_to_reread(old, new))


def move_to_edition(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    library: Library | None = None,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Move an editable submission to the current edition of its standard, answers kept.

    The items whose options changed meaning are stored with the submission (`reread_items`) so the
    firm re-reads exactly those. Answers that the new edition would not accept refuse the move
    (nothing changes); a submitted or decided submission keeps its snapshot for good.
    """
    library = library or bundled_library()
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        if not (actor.is_admin or is_member(actor, sub)):
            raise PermissionDenied(
                f"move to the current edition: only the firm's members or an administrator may "
                f"do this to submission {sub.id}"
            )
        if sub.status not in EDITABLE_STATES:
            raise InvalidTransition(
                f"move to the current edition: submission {sub.id} is {sub.status}; only a draft "
                "or a returned submission can move"
            )
        _check_version(sub, expected_version)
        old, _ = snapshot_standard(session, sub.standard_sha256)
        new = configured.current_standard(session, sub.standard_id, library)
        if sha256_of(new) == sub.standard_sha256:
            raise InvalidInput(f"submission {sub.id} is already on the current edition")
        answers, gates = _live_answers(session, sub.id)
        doc = {**answer_document(sub, answers, gates), "edition": new.edition}
        try:
            parse_answers(doc, new, _scales_for(new, library))
        except AnswerError as exc:
            raise InvalidInput(
                [f"the answers do not fit edition {new.edition}: {p}" for p in exc.problems]
            ) from None
        digest = ensure_snapshot(session, new, library, now)
        reread = sorted(items_to_reread(old, new))
        before = {"edition": sub.edition, "standard_sha256": sub.standard_sha256}
        _compare_and_set(
            session, sub, expected_version, EDITABLE_STATES, now,
            edition=new.edition, standard_sha256=digest, reread_items=reread,
        )  # fmt: skip
        audit.record(
            session, actor, "submission.move_edition", "submission", sub.id, at=now,
            submission_id=sub.id, before=before,
            after={"edition": new.edition, "standard_sha256": digest, "reread_items": reread,
                   "version": sub.version},
        )  # fmt: skip
        return _view(session, sub)


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
        if not is_member(actor, sub):
            raise PermissionDenied(
                f"edit answers: only a member of the firm may change submission {sub.id}'s answers"
            )
        if sub.status not in EDITABLE_STATES:
            raise InvalidTransition(
                f"edit answers: submission {sub.id} is {sub.status}; answers can be changed only "
                "while it is a draft or returned to the firm"
            )
        _check_version(sub, expected_version)
        if not changes:
            return _view(session, sub)
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
        _compare_and_set(session, sub, expected_version, EDITABLE_STATES, now)
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
        return _view(session, sub)


def submit(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Hand a complete self-assessment to the evaluators; its self-assessed result is stored."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = _guard_transition(actor, sub, "submit", expected_version)
        answers, gates = _live_answers(session, sub.id)
        doc = answer_document(sub, answers, gates)
        result = score_document(session, sub, doc)
        if not result.complete:
            shown = ", ".join(result.missing[:20])
            more = f" and {len(result.missing) - 20} more" if len(result.missing) > 20 else ""
            raise InvalidInput(
                f"submit: {len(result.missing)} mandatory item(s) unanswered: {shown}{more}"
            )
        before = sub.status
        _compare_and_set(
            session, sub, expected_version, t.sources, now,
            status=t.target, submitted_at=now, self_answers=doc, self_result=result.to_dict(),
        )  # fmt: skip
        _transition_audit(
            session, actor, sub, "submit", before, now,
            total=result.total, answers_sha256=result.receipt.answers_sha256,
        )  # fmt: skip
        return _view(session, sub)


# --- administration ----------------------------------------------------------------------------


def assign_evaluator(
    actor: Principal,
    db: Database,
    submission_id: int,
    evaluator_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    require_admin(actor, "assign an evaluator")
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        if sub.status not in ASSIGNABLE_STATES:
            raise InvalidTransition(
                f"assign an evaluator: submission {sub.id} is {sub.status}; evaluators are "
                f"assigned while it is {' or '.join(sorted(ASSIGNABLE_STATES))}"
            )
        _check_version(sub, expected_version)
        evaluator = session.get(User, evaluator_id)
        if evaluator is None or evaluator.role != Role.EVALUATOR.value or not evaluator.active:
            raise InvalidInput(f"account {evaluator_id} is not an active evaluator")
        before = sub.assigned_evaluator_id
        _compare_and_set(
            session, sub, expected_version, ASSIGNABLE_STATES, now,
            assigned_evaluator_id=evaluator.id,
        )  # fmt: skip
        if sub.status == IN_REVIEW:
            _current_review(session, sub).evaluator_id = evaluator.id
        audit.record(
            session, actor, "submission.assign", "submission", sub.id, at=now, submission_id=sub.id,
            before={"assigned_evaluator_id": before, "version": expected_version},
            after={"assigned_evaluator_id": evaluator.id, "version": sub.version},
        )  # fmt: skip
        session.flush()
        return _view(session, sub)


def revoke(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    reason: str,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Withdraw an approved result; its certificates become revoked too."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = _guard_transition(actor, sub, "revoke", expected_version)
        text = _require_text(reason, "revoke: reason")
        before = sub.status
        _compare_and_set(session, sub, expected_version, t.sources, now, status=t.target)
        session.add(
            Comment(submission_id=sub.id, author_id=actor.user_id, visibility="public",
                    body=f"撤销 Revoked: {text}", created_at=now)
        )  # fmt: skip
        for cert in session.scalars(
            select(Certificate).where(
                Certificate.submission_id == sub.id, Certificate.status == "valid"
            )
        ):
            cert.status, cert.revoked_at, cert.revoked_reason = "revoked", now, text
            audit.record(
                session, actor, "certificate.revoke", "certificate", cert.id, at=now,
                submission_id=sub.id, before={"status": "valid"},
                after={"status": "revoked", "reason": text},
            )  # fmt: skip
        _transition_audit(session, actor, sub, "revoke", before, now, reason=text)
        session.flush()
        return _view(session, sub)


# --- the evaluator's side ---------------------------------------------------------------------------


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
        t = _guard_transition(actor, sub, "start_review", expected_version)
        before = sub.status
        _compare_and_set(session, sub, expected_version, t.sources, now, status=t.target)
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
        _transition_audit(session, actor, sub, "start_review", before, now, round=review.round)
        return _view(session, sub)


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
        raise InvalidInput(f"kind {kind!r}: expected item or gate")
    if decision not in ("accept", "adjust"):
        raise InvalidInput(f"decision {decision!r}: expected accept or adjust")
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        if not is_assigned(actor, sub):
            raise PermissionDenied(
                f"decide on an item: only the evaluator assigned to submission {sub.id} may do this"
            )
        if sub.status != IN_REVIEW:
            raise InvalidTransition(
                f"decide on an item: submission {sub.id} is {sub.status}; decisions are made while "
                "it is in_review"
            )
        _check_version(sub, expected_version)
        if (kind, key) not in _answered_keys(sub):
            raise InvalidInput(
                f"{kind} {key}: the firm did not answer it; return the submission to ask for it"
            )
        review = _current_review(session, sub)
        decisions = {
            (d.kind, d.key): d
            for d in session.scalars(
                select(ItemDecision).where(ItemDecision.review_id == review.id)
            )
        }
        original = (sub.self_answers or {}).get("answers" if kind == "item" else "gates", {})[key]
        text = clean_text(reason or "", f"{kind} {key}: reason", max_length=MAX_COMMENT,
                          multiline=True) or None  # fmt: skip
        if decision == "adjust":
            if value is None:
                raise InvalidInput(f"{kind} {key}: an adjustment needs the corrected answer")
            if text is None:
                raise InvalidInput(f"{kind} {key}: an adjustment needs a reason")
            trial = [d for k, d in decisions.items() if k != (kind, key)]
            trial.append(ItemDecision(kind=kind, key=key, decision="adjust", value=value))
            standard, scales = snapshot_standard(session, sub.standard_sha256)
            try:
                parse_answers(_evaluated(sub, trial), standard, scales)
            except AnswerError as exc:
                raise InvalidInput(exc.problems) from None
        else:
            value = None
        _compare_and_set(session, sub, expected_version, frozenset({IN_REVIEW}), now)
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
        return _view(session, sub)


def accept_remaining(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> int:
    """Accept every answered item and gate not decided yet in this round; return how many."""
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        if not is_assigned(actor, sub):
            raise PermissionDenied(
                f"accept items: only the evaluator assigned to submission {sub.id} may do this"
            )
        if sub.status != IN_REVIEW:
            raise InvalidTransition(
                f"accept items: submission {sub.id} is {sub.status}; decisions are made while it "
                "is in_review"
            )
        _check_version(sub, expected_version)
        review = _current_review(session, sub)
        decided = {
            (d.kind, d.key)
            for d in session.scalars(
                select(ItemDecision).where(ItemDecision.review_id == review.id)
            )
        }
        todo = sorted(_answered_keys(sub) - decided)
        _compare_and_set(session, sub, expected_version, frozenset({IN_REVIEW}), now)
        doc = sub.self_answers or {}
        for kind, key in todo:
            original = doc["answers" if kind == "item" else "gates"][key]
            session.add(
                ItemDecision(
                    review_id=review.id, kind=kind, key=key, decision="accept", original=original,
                    value=None, reason=None, decided_by=actor.user_id, decided_at=now,
                )
            )  # fmt: skip
        audit.record(
            session, actor, "review.accept_remaining", "submission", sub.id, at=now,
            submission_id=sub.id,
            after={"accepted": [f"{k}:{key}" for k, key in todo], "round": review.round,
                   "version": sub.version},
        )  # fmt: skip
        return len(todo)


def _finish_review(
    session: Session, sub: Submission, outcome: str, now: datetime
) -> tuple[Review, list[ItemDecision]]:
    review = _current_review(session, sub)
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
        t = _guard_transition(actor, sub, "return_to_firm", expected_version)
        text = _require_text(comment, "return to firm: a comment for the firm")
        before = sub.status
        _compare_and_set(session, sub, expected_version, t.sources, now, status=t.target)
        review, _ = _finish_review(session, sub, "returned", now)
        session.add(
            Comment(submission_id=sub.id, author_id=actor.user_id, visibility="public",
                    body=text, created_at=now)
        )  # fmt: skip
        _transition_audit(
            session, actor, sub, "return_to_firm", before, now, round=review.round, comment=text
        )
        session.flush()
        return _view(session, sub)


def approve(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """Approve: every answered item needs a decision; the engine re-scores the evaluated answers.

    When an issuer key is configured, the certificate is issued right after the approval commits
    (`assessment.certificates.issue_on_approval`); without one, or if that fails, the approval
    stands and an administrator issues later."""
    view = _approve(actor, db, submission_id, expected_version=expected_version, clock=clock)
    from assessment.certificates.issue import issue_on_approval  # noqa: PLC0415 - it imports workflow

    issue_on_approval(db, view.id, approved_by=actor.name, clock=clock)
    return view


def _approve(
    actor: Principal, db: Database, submission_id: int, *, expected_version: int, clock: Clock
) -> SubmissionView:
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = _guard_transition(actor, sub, "approve", expected_version)
        review = _current_review(session, sub)
        decisions = list(
            session.scalars(select(ItemDecision).where(ItemDecision.review_id == review.id))
        )
        undecided = sorted(_answered_keys(sub) - {(d.kind, d.key) for d in decisions})
        if undecided:
            shown = ", ".join(key for _, key in undecided[:15])
            raise InvalidInput(
                f"approve: {len(undecided)} answered item(s) have no decision yet ({shown}"
                f"{' …' if len(undecided) > 15 else ''}); accept or adjust them first"
            )
        doc = _evaluated(sub, decisions)
        result = score_document(session, sub, doc)
        before = sub.status
        _compare_and_set(
            session, sub, expected_version, t.sources, now,
            status=t.target, decided_at=now, final_answers=doc, final_result=result.to_dict(),
        )  # fmt: skip
        _finish_review(session, sub, "approved", now)
        adjusted = sum(1 for d in decisions if d.decision == "adjust")
        _transition_audit(
            session, actor, sub, "approve", before, now, round=review.round,
            total=result.total, tier=result.tier, level=result.level, adjusted=adjusted,
            answers_sha256=result.receipt.answers_sha256,
        )  # fmt: skip
        session.flush()
        return _view(session, sub)


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
        t = _guard_transition(actor, sub, "reject", expected_version)
        text = _require_text(reason, "reject: reason")
        before = sub.status
        _compare_and_set(
            session, sub, expected_version, t.sources, now, status=t.target, decided_at=now
        )
        review, _ = _finish_review(session, sub, "rejected", now)
        session.add(
            Comment(submission_id=sub.id, author_id=actor.user_id, visibility="public",
                    body=f"不予通过 Rejected: {text}", created_at=now)
        )  # fmt: skip
        _transition_audit(
            session, actor, sub, "reject", before, now, round=review.round, reason=text
        )
        session.flush()
        return _view(session, sub)


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


# --- comments ------------------------------------------------------------------------------------


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
        raise InvalidInput(f"visibility {visibility!r}: expected public or internal")
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        if actor.role is Role.ENTERPRISE and visibility == "internal":
            raise PermissionDenied("internal comments are for evaluators and administrators")
        if actor.role is Role.EVALUATOR and not is_assigned(actor, sub):
            raise PermissionDenied(f"comment: you are not assigned to submission {sub.id}")
        text = _require_text(body, "comment")
        if item_id is not None:
            standard, _ = snapshot_standard(session, sub.standard_sha256)
            if item_id not in {i.id for i in standard.items}:
                raise InvalidInput(f"comment: item {item_id!r} is not in {standard.id}")
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
