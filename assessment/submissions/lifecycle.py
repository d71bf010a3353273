"""Starting, submitting, assigning and revoking a submission, and moving a draft to the current
edition of its standard."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assessment.accounts import audit
from assessment.accounts.access import (
    load_organisation,
    load_submission,
)
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import InvalidInput, PermissionDenied
from assessment.library import configured
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import (
    Certificate,
    Comment,
    Submission,
    User,
)
from assessment.submissions import assignment, inbox
from assessment.submissions.comments import require_text
from assessment.submissions.snapshots import (
    answer_document,
    ensure_snapshot,
    live_answers,
    scales_for,
    score_document,
    snapshot_standard,
)
from assessment.submissions.states import (
    DRAFT,
    IN_REVIEW,
    compare_and_set,
    current_review,
    guard,
    require_party,
    transition_audit,
)
from assessment.submissions.views import SubmissionView, view
from scoring import AnswerError, parse_answers
from standards import Library, Text, bundled_library
from standards.editions import items_to_reread
from standards.problems import Problem

# Who the audit log names when a rule assigns a submission on submit.
AUTO_ASSIGNER = Principal.system("assignment-rules")


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
            raise PermissionDenied(Problem(("start an assessment",), "submission.start_not_member"))
        # The library's edition with the values administrators set for its NOT FOUND parameters.
        standard = configured.current_standard(session, standard_id, library)
        profiles = [p.id for p in standard.profiles]
        problems = []
        if profile not in profiles:
            problems.append(
                Problem(
                    ("profile",), "submission.unknown_profile",
                    {"given": profile, "expected": profiles},
                )
            )  # fmt: skip
        kind = industry_type or org.industry_type
        if kind is not None and kind not in ("discrete", "process"):
            problems.append(
                Problem(("industry_type",), "submission.unknown_industry_type", {"given": kind})
            )
        if any(i.industry for i in standard.items) and kind is None:
            problems.append(
                Problem(("industry_type",), "submission.no_industry_type", {"id": standard.id})
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
        return view(session, sub)


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
        t = guard(actor, sub, "submit", expected_version)
        answers, gates = live_answers(session, sub.id)
        doc = answer_document(sub, answers, gates)
        result = score_document(session, sub, doc)
        if not result.complete:
            count, shown = len(result.missing), list(result.missing[:20])
            raise InvalidInput(
                Problem(("submit",), "submission.unanswered", {"count": count, "items": shown})
                if count <= 20
                else Problem(
                    ("submit",), "submission.unanswered_more",
                    {"count": count, "items": shown, "more": count - 20},
                )
            )  # fmt: skip
        before = sub.status
        # Automatic assignment: the rules' evaluator is written by the same statement that
        # submits, so the submission never sits in the pool when a rule covers it.
        picked = assignment.auto_pick(session, sub)
        assigned = {"assigned_evaluator_id": picked[0]} if picked else {}
        compare_and_set(
            session, sub, t, expected_version, now, submitted_at=now, self_answers=doc,
            self_result=result.to_dict(), **assigned,
        )  # fmt: skip
        if picked:
            audit.record(
                session, AUTO_ASSIGNER, "submission.assign", "submission", sub.id, at=now,
                submission_id=sub.id,
                before={"assigned_evaluator_id": None, "version": expected_version},
                after={"assigned_evaluator_id": picked[0], "rule": picked[1],
                       "version": sub.version},
            )  # fmt: skip
        transition_audit(
            session, actor, sub, "submit", before, now,
            total=result.total, answers_sha256=result.receipt.answers_sha256,
        )  # fmt: skip
        return view(session, sub)


def assign_evaluator(
    actor: Principal,
    db: Database,
    submission_id: int,
    evaluator_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    require_party(actor, "assign_evaluator")
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        t = guard(actor, sub, "assign_evaluator", expected_version)
        evaluator = session.get(User, evaluator_id)
        if evaluator is None or evaluator.role != Role.EVALUATOR.value or not evaluator.active:
            raise InvalidInput(Problem((), "submission.not_an_evaluator", {"id": evaluator_id}))
        before = sub.assigned_evaluator_id
        compare_and_set(
            session, sub, t, expected_version, now,
            assigned_evaluator_id=evaluator.id,
        )  # fmt: skip
        if sub.status == IN_REVIEW:
            current_review(session, sub).evaluator_id = evaluator.id
        audit.record(
            session, actor, "submission.assign", "submission", sub.id, at=now, submission_id=sub.id,
            before={"assigned_evaluator_id": before, "version": expected_version},
            after={"assigned_evaluator_id": evaluator.id, "version": sub.version},
        )  # fmt: skip
        if before != evaluator.id:
            inbox.on_assigned(session, actor, sub, now, by_rule=False)
        session.flush()
        return view(session, sub)


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
        t = guard(actor, sub, "revoke", expected_version)
        text = require_text(reason, ("revoke", "reason"))
        before = sub.status
        compare_and_set(session, sub, t, expected_version, now)
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
        transition_audit(session, actor, sub, "revoke", before, now, reason=text)
        session.flush()
        return view(session, sub)


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
    if new.sha256 == sub.standard_sha256:
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
        t = guard(actor, sub, "move_to_edition", expected_version)
        old, _ = snapshot_standard(session, sub.standard_sha256)
        new = configured.current_standard(session, sub.standard_id, library)
        if new.sha256 == sub.standard_sha256:
            raise InvalidInput(Problem((), "submission.already_current", {"id": sub.id}))
        answers, gates = live_answers(session, sub.id)
        doc = {**answer_document(sub, answers, gates), "edition": new.edition}
        try:
            parse_answers(doc, new, scales_for(new, library))
        except AnswerError as exc:
            raise InvalidInput(
                [
                    Problem((), "submission.answers_do_not_fit", {"edition": new.edition}),
                    *exc.problems,
                ]
            ) from None
        digest = ensure_snapshot(session, new, library, now)
        reread = sorted(items_to_reread(old, new))
        before = {"edition": sub.edition, "standard_sha256": sub.standard_sha256}
        compare_and_set(
            session, sub, t, expected_version, now,
            edition=new.edition, standard_sha256=digest, reread_items=reread,
        )  # fmt: skip
        audit.record(
            session, actor, "submission.move_edition", "submission", sub.id, at=now,
            submission_id=sub.id, before=before,
            after={"edition": new.edition, "standard_sha256": digest, "reread_items": reread,
                   "version": sub.version},
        )  # fmt: skip
        return view(session, sub)
