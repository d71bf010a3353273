"""The states of a submission and the ONE table of who may do what in which state.

States::

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved ──revoke──▶ revoked
      ▲                  ▲                          │  │
      │                  └────────submit────────────┼──┘ (via returned)
      │                                             ├──return_to_firm──▶ returned ──submit──▶ submitted
      │                                             └──reject──▶ rejected

Every guarded action of assessment/ — the transitions, and everything that changes a submission
without moving it (answers, evidence, activity data, decisions, assignment, comments, a move to a
new edition) — is a row of `ACTIONS`: the states it is possible in, the state it leads to, and the
party who may do it. `guard` checks a row against an actor and a submission; `compare_and_set`
and `touch` write under the same row in one statement, so a change based on a stale version or a
state that moved meanwhile writes nothing. Nothing outside this module decides who may act.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assessment.accounts import audit
from assessment.accounts.access import is_assigned, is_member
from assessment.accounts.principal import Principal
from assessment.benchmark import store as benchmark_store
from assessment.errors import Conflict, InvalidTransition, PermissionDenied
from assessment.storage.tables import Review, Status, Submission
from assessment.submissions import inbox
from standards.problems import Problem

DRAFT, SUBMITTED, IN_REVIEW, RETURNED = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.IN_REVIEW,
    Status.RETURNED,
)
APPROVED, REJECTED, REVOKED = Status.APPROVED, Status.REJECTED, Status.REVOKED
EDITABLE_STATES = frozenset({DRAFT, RETURNED})
ASSIGNABLE_STATES = frozenset({SUBMITTED, IN_REVIEW, RETURNED})
ANY_STATE = frozenset(Status)


class NextStep(StrEnum):
    """What the firm does (or waits for) next, by the state of its submission; the value is the
    key of its sentence (`home.todo.<value>`)."""

    COMPLETE_AND_SUBMIT = "complete_and_submit"
    REVISE_AND_RESUBMIT = "revise_and_resubmit"
    WAIT_FOR_ASSIGNMENT = "wait_for_assignment"  # submitted, in the pool: an administrator acts
    WAIT_FOR_EVALUATOR = "wait_for_evaluator"  # submitted, assigned: the named evaluator starts
    EVALUATOR_REVIEWING = "evaluator_reviewing"  # in review by the named evaluator
    WAIT_FOR_REVIEW = "wait_for_review"  # submitted, who acts next not said
    WAIT_FOR_DECISION = "wait_for_decision"  # in review, the evaluator not named
    SEE_RESULT = "see_result"
    SEE_REASON = "see_reason"
    RESULT_WITHDRAWN = "result_withdrawn"


NEXT_STEP = {
    Status.DRAFT: NextStep.COMPLETE_AND_SUBMIT,
    Status.RETURNED: NextStep.REVISE_AND_RESUBMIT,
    Status.SUBMITTED: NextStep.WAIT_FOR_REVIEW,
    Status.IN_REVIEW: NextStep.WAIT_FOR_DECISION,
    Status.APPROVED: NextStep.SEE_RESULT,
    Status.REJECTED: NextStep.SEE_REASON,
    Status.REVOKED: NextStep.RESULT_WITHDRAWN,
}


@dataclass(frozen=True)
class Unassigned:
    """No evaluator holds the submission (it waits in the administrators' pool)."""


UNASSIGNED = Unassigned()


@dataclass(frozen=True)
class Step:
    """The firm's next step and the values its sentence names (`evaluator`: a display name)."""

    kind: NextStep
    params: dict[str, str] = field(default_factory=dict)

    @property
    def value(self) -> str:
        """The sentence's key under `home.todo.` (as `NextStep.value` was)."""
        return self.kind.value


def next_step(status: str, evaluator: str | Unassigned | None = None) -> Step:
    """The firm's next step for a submission in this state, naming who it waits on (the one place
    that says it).

    `evaluator`: the display name of the assigned evaluator, `UNASSIGNED` when nobody holds the
    submission, or None when the caller does not say (then the step names nobody).
    `submissions.waiting_on` reads both for a stored submission."""
    status = Status(status)
    if isinstance(evaluator, str) and status in (SUBMITTED, IN_REVIEW):
        kind = NextStep.WAIT_FOR_EVALUATOR if status is SUBMITTED else NextStep.EVALUATOR_REVIEWING
        return Step(kind, {"evaluator": evaluator})
    if evaluator is UNASSIGNED and status is SUBMITTED:
        return Step(NextStep.WAIT_FOR_ASSIGNMENT)
    return Step(NEXT_STEP[status])


class Party(StrEnum):
    """Who may take an action (in words, for messages)."""

    FIRM = "a member of the firm"
    FIRM_OR_ADMIN = "a member of the firm or an administrator"
    EVALUATOR = "the assigned evaluator"
    ADMIN = "an administrator"
    PARTICIPANT = "a member of the firm, the assigned evaluator or an administrator"
    REVIEWER = "the assigned evaluator or an administrator"


@dataclass(frozen=True)
class Action:
    name: str
    doing: str  # in words, for messages: "edit answers"
    sources: frozenset[Status]
    party: Party
    target: Status | None = None  # None: the submission stays in its state


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        # the firm's side
        Action("save_answers", "edit answers", EDITABLE_STATES, Party.FIRM),
        Action("add_evidence", "add evidence", EDITABLE_STATES, Party.FIRM),
        Action("save_activity", "enter carbon data", EDITABLE_STATES, Party.FIRM),
        Action("move_to_edition", "move to the current edition", EDITABLE_STATES,
               Party.FIRM_OR_ADMIN),
        Action("submit", "submit", EDITABLE_STATES, Party.FIRM, SUBMITTED),
        # the evaluator's side
        Action("start_review", "start the review", frozenset({SUBMITTED}), Party.EVALUATOR,
               IN_REVIEW),
        Action("decide_item", "decide on an item", frozenset({IN_REVIEW}), Party.EVALUATOR),
        Action("accept_remaining", "accept items", frozenset({IN_REVIEW}), Party.EVALUATOR),
        Action("return_to_firm", "return to the firm", frozenset({IN_REVIEW}), Party.EVALUATOR,
               RETURNED),
        Action("approve", "approve", frozenset({IN_REVIEW}), Party.EVALUATOR, APPROVED),
        Action("reject", "reject", frozenset({IN_REVIEW}), Party.EVALUATOR, REJECTED),
        # administration
        Action("assign_evaluator", "assign an evaluator", ASSIGNABLE_STATES, Party.ADMIN),
        Action("revoke", "revoke", frozenset({APPROVED}), Party.ADMIN, REVOKED),
        # comments, in every state
        Action("add_comment", "comment", ANY_STATE, Party.PARTICIPANT),
        Action("add_internal_comment", "write an internal note", ANY_STATE, Party.REVIEWER),
    )
}  # fmt: skip


def may(actor: Principal, sub: Submission, action: Action) -> bool:
    """Whether the actor is of the party the action needs (the state aside)."""
    firm, evaluator, admin = is_member(actor, sub), is_assigned(actor, sub), actor.is_admin
    return {
        Party.FIRM: firm,
        Party.FIRM_OR_ADMIN: firm or admin,
        Party.EVALUATOR: evaluator,
        Party.ADMIN: admin,
        Party.PARTICIPANT: firm or evaluator or admin,
        Party.REVIEWER: evaluator or admin,
    }[action.party]


def require_party(actor: Principal, name: str) -> Action:
    """For an action only an administrator may take: refuse anyone else before anything is
    loaded (they learn nothing about the submission)."""
    action = ACTIONS[name]
    if action.party is Party.ADMIN and not actor.is_admin:
        raise PermissionDenied(
            Problem((action.doing,), "submission.wrong_party", {"party": action.party.name})
        )
    return action


def _not_now(action: Action, sub: Submission, *, now: bool = False) -> InvalidTransition:
    """The action is not possible in the submission's state (`now`: it changed meanwhile)."""
    return InvalidTransition(
        Problem(
            (action.doing,), "submission.not_now" if now else "submission.not_in_state",
            {"id": sub.id, "status": str(sub.status), "states": sorted(map(str, action.sources))},
        )
    )  # fmt: skip


def check_version(sub: Submission, expected: int) -> None:
    if sub.version != expected:
        raise Conflict(
            Problem(
                (), "submission.changed_meanwhile",
                {"id": sub.id, "expected": expected, "version": sub.version},
            )
        )  # fmt: skip


def guard(
    actor: Principal, sub: Submission, name: str, expected_version: int | None = None
) -> Action:
    """The action's row, once the actor, the state and (if given) the version allow it."""
    action = ACTIONS[name]
    if not may(actor, sub, action):
        raise PermissionDenied(
            Problem(
                (action.doing,), "submission.wrong_party_for",
                {"party": action.party.name, "id": sub.id},
            )
        )  # fmt: skip
    if sub.status not in action.sources:
        raise _not_now(action, sub)
    if expected_version is not None:
        check_version(sub, expected_version)
    return action


def compare_and_set(
    session: Session,
    sub: Submission,
    action: Action,
    expected: int,
    now: datetime,
    **values: Any,
) -> None:
    """UPDATE … WHERE version = :expected AND status IN (the action's states), raising the version
    (and moving to the action's target); Conflict or InvalidTransition when no row matched."""
    if action.target is not None:
        values.setdefault("status", action.target.value)
    result = session.execute(
        update(Submission)
        .where(
            Submission.id == sub.id,
            Submission.version == expected,
            Submission.status.in_(sorted(action.sources)),
        )
        .values(version=Submission.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(sub)
        check_version(sub, expected)
        raise _not_now(action, sub, now=True)
    session.refresh(sub)
    benchmark_store.refresh(session, [sub])  # the benchmark's row moves with the submission


def touch(session: Session, sub: Submission, action: Action, now: datetime) -> None:
    """For changes beside the answers (evidence, activity data): the state is checked in the same
    UPDATE that marks the submission changed, without raising its version."""
    result = session.execute(
        update(Submission)
        .where(Submission.id == sub.id, Submission.status.in_(sorted(action.sources)))
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(sub)
        raise _not_now(action, sub)


def transition_audit(
    session: Session, actor: Principal, sub: Submission, action: str, before: str, now: datetime,
    **extra: Any,
) -> None:  # fmt: skip
    """The audit entry of a transition — and the inbox notices it sends (`inbox.on_transition`):
    every transition passes here, in its own transaction."""
    audit.record(
        session, actor, f"submission.{action}", "submission", sub.id, at=now, submission_id=sub.id,
        before={"status": before, "version": sub.version - 1},
        after={"status": sub.status, "version": sub.version, **extra},
    )  # fmt: skip
    inbox.on_transition(session, actor, sub, action, before, now, extra)


def current_review(session: Session, sub: Submission) -> Review:
    review = session.scalars(
        select(Review)
        .where(Review.submission_id == sub.id, Review.finished_at.is_(None))
        .order_by(Review.round.desc())
    ).first()
    if review is None:
        raise InvalidTransition(Problem((), "submission.no_open_review", {"id": sub.id}))
    return review
