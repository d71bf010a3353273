"""Read models for the Streamlit app: results with their derived views, questionnaire groups and
progress, the evaluator's queue and the self-assessed vs evaluated comparison.

Nothing here changes data; every read goes through the tenant filters in accounts/access.py, and every
score is the engine's (`scoring.score`) on the stored answers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from assessment.accounts.access import load_submission, submission_filter
from assessment.accounts.principal import Principal, Role
from assessment.errors import NotFound
from assessment.reports.data import AdjustmentRow, adjustment_rows, final_adjustments
from assessment.storage.db import Database
from assessment.storage.tables import Answer, ItemDecision, Organisation, Review, Submission, User
from assessment.submissions.progress import score_document
from assessment.submissions.snapshots import answer_document, snapshot_standard
from scoring import Result
from scoring.applicability import applicable_items
from standards import Standard, Text
from standards.models import Applicability, Item, NodeLevel, Scale
from standards.problems import Problem

Which = Literal["live", "self", "final", "evaluated"]


# --- results ---------------------------------------------------------------------------------------


def _score(session: Session, sub: Submission, doc: Mapping[str, Any]) -> Result:
    standard, scales = snapshot_standard(session, sub.standard_sha256)
    return score_document(standard, scales, doc)


def _live(session: Session, sub: Submission) -> tuple[dict[str, Any], dict[str, Any]]:
    answers: dict[str, Any] = {}
    gates: dict[str, Any] = {}
    for row in session.scalars(select(Answer).where(Answer.submission_id == sub.id)):
        (answers if row.kind == "item" else gates)[row.key] = row.value
    return answers, gates


def _open_review(session: Session, sub: Submission) -> Review | None:
    return session.scalars(
        select(Review)
        .where(Review.submission_id == sub.id, Review.finished_at.is_(None))
        .order_by(Review.round.desc())
    ).first()


def _open_decisions(session: Session, sub: Submission) -> list[ItemDecision]:
    review = _open_review(session, sub)
    if review is None:
        return []
    return list(session.scalars(select(ItemDecision).where(ItemDecision.review_id == review.id)))


def result_for(actor: Principal, db: Database, submission_id: int, which: Which) -> Result | None:
    """A submission's result, with the crosswalk's derived views:

    - `live`: the current answers (a draft's live score);
    - `self`: what the firm submitted (None before the first submission);
    - `evaluated`: the submitted answers with the open review's adjustments applied — for the
      evaluator and administrators; a firm's members get None while a round is open (the round's
      decisions are the evaluator's until it is finished, as in `submissions.list_decisions`);
    - `final`: the evaluated answers an evaluator approved (None before approval).
    """
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        if which == "evaluated" and actor.role is Role.ENTERPRISE and _open_review(session, sub):
            return None
        if which == "live":
            answers, gates = _live(session, sub)
            return _score(session, sub, answer_document(sub, answers, gates))
        if which == "self":
            return _score(session, sub, sub.self_answers) if sub.self_answers else None
        if which == "final":
            return _score(session, sub, sub.final_answers) if sub.final_answers else None
        if not sub.self_answers:
            return None
        doc = dict(sub.self_answers)
        answers = dict(doc.get("answers") or {})
        gates = dict(doc.get("gates") or {})
        for d in _open_decisions(session, sub):
            if d.decision == "adjust":
                (answers if d.kind == "item" else gates)[d.key] = d.value
        doc["answers"], doc["gates"] = answers, gates
        return _score(session, sub, doc)


def live_result(actor: Principal, db: Database, submission_id: int) -> Result:
    """The score of the current answers (a draft's live score), with derived views."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        answers, gates = _live(session, sub)
        return _score(session, sub, answer_document(sub, answers, gates))


def submitted_answers(actor: Principal, db: Database, submission_id: int) -> dict[str, Any]:
    """The answers document the firm submitted (empty before the first submission)."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        return dict(sub.self_answers or {})


def submission_scales(actor: Principal, db: Database, submission_id: int) -> dict[str, Scale]:
    """The answer scales stored with the submission's snapshot (what its grades mean)."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        _, scales = snapshot_standard(session, sub.standard_sha256)
        return scales


def submission_standard(actor: Principal, db: Database, submission_id: int) -> Standard:
    """The exact standard edition a submission is scored against (its stored snapshot)."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        standard, _ = snapshot_standard(session, sub.standard_sha256)
        return standard


# --- questionnaire ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """The items under one domain (or top-level node), in the standard's order."""

    id: str
    number: str | None
    name: Text
    parent_name: Text | None
    items: tuple[Item, ...]


def question_groups(standard: Standard, profile: str, industry_type: str | None) -> list[Group]:
    """Applicable items grouped by domain (the node of level `domain` above them, else the top)."""
    nodes = {n.id: n for n in standard.nodes}

    def group_of(node_id: str) -> str:
        current = nodes.get(node_id)
        while current is not None:
            if current.level is NodeLevel.DOMAIN or current.parent is None:
                return current.id
            current = nodes.get(current.parent)
        return node_id

    order: list[str] = []
    members: dict[str, list[Item]] = {}
    for item, _ in applicable_items(standard, profile, industry_type):
        key = group_of(item.node) if nodes else "all"
        if key not in members:
            order.append(key)
            members[key] = []
        members[key].append(item)
    groups = []
    for key in order:
        node = nodes.get(key)
        parent = nodes.get(node.parent) if node is not None and node.parent else None
        groups.append(
            Group(
                id=key,
                number=node.number if node is not None else None,
                name=node.name if node is not None else standard.title,
                parent_name=parent.name if parent is not None else None,
                items=tuple(members[key]),
            )
        )
    return groups


@dataclass(frozen=True)
class Progress:
    items: int
    answered: int
    mandatory_remaining: int


def progress(result: Result, item_ids: Iterable[str]) -> Progress:
    traces = {t.id: t for t in result.items if t.status != "not_applicable"}
    ids = [i for i in item_ids if i in traces]
    answered = sum(1 for i in ids if traces[i].status in ("scored", "na"))
    missing = sum(1 for i in ids if traces[i].status == "missing")
    return Progress(len(ids), answered, missing)


def below_target(standard: Standard, result: Result) -> set[str]:
    """Mandatory items whose answer does not (yet) reach the tier the profile aims at."""
    profile = next((p for p in standard.profiles if p.id == result.profile), None)
    if profile is None or profile.tier is None or not standard.tiers:
        return set()
    ranks = {t.id: t.rank for t in standard.tiers}
    target = ranks.get(profile.tier)
    if target is None:
        return set()
    return {
        t.id
        for t in result.items
        if t.applicability == Applicability.MANDATORY.value
        and t.status in ("scored", "missing")
        and ranks.get(t.meets_tier or "", -1) < target
    }


# --- review ---------------------------------------------------------------------------------------


def review_order(groups: Iterable[Group], answered: Collection[str]) -> list[tuple[str, str]]:
    """The answered items as (group id, item id), in the order the review page shows them: the
    only items an evaluator decides (an unanswered one is for the firm, after a return)."""
    return [(g.id, i.id) for g in groups for i in g.items if i.id in answered]


def next_undecided(
    groups: Iterable[Group],
    answered: Collection[str],
    decided: Collection[str],
    after: str | None = None,
) -> tuple[str, str] | None:
    """The next answered item without a decision in this round, after the item `after` (from
    the start when None or not in the list), wrapping round to the start; None when every
    answered item has its decision."""
    order = review_order(groups, answered)
    ids = [item for _, item in order]
    start = ids.index(after) + 1 if after in ids else 0
    for group_id, item_id in order[start:] + order[:start]:
        if item_id not in decided:
            return group_id, item_id
    return None


@dataclass(frozen=True)
class DomainRow:
    node: str
    number: str | None
    name: Text
    self_points: float
    other_points: float
    max_points: float

    @property
    def difference(self) -> float:
        return round(self.other_points - self.self_points, 4)


def domain_comparison(standard: Standard, first: Result, second: Result) -> list[DomainRow]:
    """Points per domain (or top-level node) in two results, e.g. self-assessed vs evaluated."""
    levels = {n.level for n in standard.nodes}
    level = NodeLevel.DOMAIN if NodeLevel.DOMAIN in levels else NodeLevel.ELEMENT
    nodes = [n for n in standard.nodes if n.level is level]
    a = {n.id: n for n in first.nodes}
    b = {n.id: n for n in second.nodes}
    rows = []
    for node in nodes:
        if node.id not in a and node.id not in b:
            continue
        left, right = a.get(node.id), b.get(node.id)
        rows.append(
            DomainRow(
                node.id,
                node.number,
                node.name,
                left.points if left else 0.0,
                right.points if right else 0.0,
                (left or right).max_points if (left or right) else 0.0,  # type: ignore[union-attr]
            )
        )
    return rows


_NUMBER = re.compile(r"#?\s*(\d{1,9})")


def queue_search(text: str | None) -> ColumnElement[bool] | None:
    """What an evaluator types into the queue's search box, as a condition: part of the firm's
    name (any case), part of its unified social credit code (any case), or the submission's
    number (`12` or `#12`). None when there is nothing to search for.

    LIKE wildcards in the text are matched literally, so `%` finds a firm with % in its name
    and never every row."""
    words = (text or "").strip()
    if not words:
        return None
    conditions: list[ColumnElement[bool]] = [
        func.lower(Organisation.name).contains(words.lower(), autoescape=True),
        func.upper(Organisation.credit_code).contains(words.upper(), autoescape=True),
    ]
    number = _NUMBER.fullmatch(words)
    if number:
        conditions.append(Submission.id == int(number.group(1)))
    return or_(*conditions)


@dataclass(frozen=True)
class QueueRow:
    id: int
    organisation_name: str
    region_code: str
    industry_code: str
    industry_type: str | None
    standard_id: str
    edition: str
    profile: str
    status: str
    version: int
    evaluator_id: int | None
    evaluator: str | None
    submitted_at: datetime | None
    updated_at: datetime
    self_total: float | None
    final_total: float | None
    credit_code: str


def review_queue(
    actor: Principal,
    db: Database,
    *,
    statuses: Iterable[str] | None = None,
    standard_id: str | None = None,
    region_prefix: str | None = None,
    industry_code: str | None = None,
    search: str | None = None,
) -> list[QueueRow]:
    """Submissions the actor may review (an evaluator: those assigned to them; an administrator:
    all), filtered by status, standard, region (a GB/T 2260 prefix), industry (GB/T 4754) and
    `search` (see `queue_search`); the tenant filter applies before any of them."""
    with db.read() as session:
        query = (
            select(Submission, Organisation, User.email)
            .join(Organisation, Organisation.id == Submission.organisation_id)
            .outerjoin(User, User.id == Submission.assigned_evaluator_id)
            .where(submission_filter(actor), Submission.synthetic.is_(False))
            .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        )
        wanted = list(statuses or [])
        if wanted:
            query = query.where(Submission.status.in_(wanted))
        if standard_id:
            query = query.where(Submission.standard_id == standard_id)
        if region_prefix:
            query = query.where(Organisation.region_code.startswith(region_prefix))
        if industry_code:
            query = query.where(Organisation.industry_code.startswith(industry_code))
        found = queue_search(search)
        if found is not None:
            query = query.where(found)
        rows = []
        for sub, org, email in session.execute(query):
            rows.append(
                QueueRow(
                    sub.id, org.name, org.region_code, org.industry_code, sub.industry_type,
                    sub.standard_id, sub.edition, sub.profile, sub.status, sub.version,
                    sub.assigned_evaluator_id, email, sub.submitted_at, sub.updated_at,
                    sub.self_result["total"] if sub.self_result else None,
                    sub.final_result["total"] if sub.final_result else None,
                    org.credit_code,
                )
            )  # fmt: skip
        return rows


def evaluator_name(db: Database, user_id: int | None) -> str | None:
    """The display name of an account (for 'reviewed by'); None when unknown."""
    if user_id is None:
        return None
    with db.read() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(Problem((), "submission.account_not_found", {"id": user_id}))
        return user.display_name


def adjustments(actor: Principal, db: Database, submission_id: int) -> list[AdjustmentRow]:
    """The answers the evaluator changed in the last finished round, with their reasons, for the
    firm's results page (an open round stays the evaluator's, as everywhere)."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        standard, _ = snapshot_standard(session, sub.standard_sha256)
        return adjustment_rows(standard, final_adjustments(session, sub.id))
