"""Reading submissions: the view a page or command gets, one submission or a list, and the live
score of a draft. Every read goes through the tenant filters of accounts.access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts.access import (
    load_submission,
    submission_filter,
)
from assessment.accounts.principal import Principal
from assessment.storage.db import Database
from assessment.storage.tables import (
    Organisation,
    Submission,
)
from assessment.submissions.snapshots import (
    answer_document,
    live_answers,
    score_document,
)
from scoring import Result


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


def view(session: Session, sub: Submission) -> SubmissionView:
    org = session.get(Organisation, sub.organisation_id)
    answers, gates = live_answers(session, sub.id)
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
        return view(session, load_submission(session, actor, submission_id))


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
        answers, gates = live_answers(session, sub.id)
        return score_document(session, sub, answer_document(sub, answers, gates))
