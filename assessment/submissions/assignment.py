"""Who reviews a submission: the pool of unassigned work, the rules that assign it on submit, and
who the firm is waiting on.

- **The pool**: submitted submissions nobody holds (`pool`, `pool_count`), for administrators.
- **Rules**: a rule sends submissions of firms in a region (a GB/T 2260 code prefix: 2 digits a
  province, 4 a city, 6 a county; "" any) and an industry (a GB/T 4754 division; "" any) to an
  evaluator. While automatic assignment is on (the setting `assignment.auto`, off until an
  administrator turns it on) `lifecycle.submit` asks `pick` and assigns in the same statement that
  submits. `pick` takes the most specific scope that matches the firm and has an active evaluator —
  the longer region prefix first, then a named industry over any — and among that scope's
  evaluators the one with the fewest open reviews (submissions assigned to them that are
  submitted, in review or returned), then the lowest account id.
- **Waiting on**: `waiting_on` gives `states.next_step` the assigned evaluator's name, so the
  firm's next step says who acts.

Every change (the setting, a rule) is audited in its transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessment.accounts import audit
from assessment.accounts.access import load_submission, require_admin
from assessment.accounts.classifications import divisions, regions
from assessment.accounts.principal import Clock, Principal, Role
from assessment.errors import InvalidInput, NotFound
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import AssignmentRule, Organisation, Setting, Submission, User
from assessment.submissions.states import (
    ASSIGNABLE_STATES,
    SUBMITTED,
    UNASSIGNED,
    Step,
    next_step,
)
from standards.problems import Problem

AUTO = "assignment.auto"
OPEN_STATES = tuple(sorted(str(s) for s in ASSIGNABLE_STATES))


@dataclass(frozen=True)
class PoolRow:
    id: int
    organisation_name: str
    region_code: str
    industry_code: str
    standard_id: str
    profile: str
    version: int
    submitted_at: datetime | None


@dataclass(frozen=True)
class RuleView:
    id: int
    region_prefix: str
    industry_division: str
    evaluator_id: int
    evaluator_name: str
    evaluator_active: bool
    created_at: datetime


@dataclass(frozen=True)
class Workload:
    evaluator_id: int
    name: str
    email: str
    open_reviews: int


# --- the pool --------------------------------------------------------------------------------------


def _pool_query() -> Any:
    return (
        select(Submission, Organisation)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .where(
            Submission.status == SUBMITTED.value,
            Submission.assigned_evaluator_id.is_(None),
            Submission.synthetic.is_(False),
        )
    )


def pool(actor: Principal, db: Database) -> list[PoolRow]:
    """Submitted submissions nobody holds, the longest waiting first (administrators)."""
    require_admin(actor, "see the unassigned submissions")
    with db.read() as session:
        rows = session.execute(_pool_query().order_by(Submission.submitted_at, Submission.id))
        return [
            PoolRow(
                sub.id, org.name, org.region_code, org.industry_code, sub.standard_id,
                sub.profile, sub.version, sub.submitted_at,
            )
            for sub, org in rows
        ]  # fmt: skip


def pool_count(actor: Principal, db: Database) -> int:
    require_admin(actor, "see the unassigned submissions")
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(_pool_query().subquery())) or 0)


# --- the setting ------------------------------------------------------------------------------------


def _auto(session: Session) -> bool:
    row = session.get(Setting, AUTO)
    return bool(row is not None and row.value)


def auto_enabled(db: Database) -> bool:
    """Whether submissions are assigned by the rules on submit (off unless turned on)."""
    with db.read() as session:
        return _auto(session)


def set_auto(actor: Principal, db: Database, on: bool, *, clock: Clock = utcnow) -> bool:
    """Turn automatic assignment on or off (administrators); the value now in force."""
    require_admin(actor, "change automatic assignment")
    now = clock()
    with db.write() as session:
        before = _auto(session)
        row = session.get(Setting, AUTO)
        if row is None:
            session.add(Setting(key=AUTO, value=bool(on), set_by=actor.user_id, set_at=now))
        else:
            row.value, row.set_by, row.set_at = bool(on), actor.user_id, now
        audit.record(
            session, actor, "assignment.auto", "setting", AUTO, at=now,
            before={"on": before}, after={"on": bool(on)},
        )  # fmt: skip
        return bool(on)


# --- rules -----------------------------------------------------------------------------------------


def region_scope(code: str) -> str:
    """The prefix a region code stands for: '330000' → '33', '330200' → '3302', '330206' kept;
    a prefix given as such ('33', '3302') stays; '' is any region."""
    code = code.strip()
    if len(code) == 6:
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
    return code


def _rule_problems(region_prefix: str, industry_division: str) -> list[Problem]:
    problems = []
    if region_prefix and (
        not re.fullmatch(r"\d{2}|\d{4}|\d{6}", region_prefix)
        or f"{region_prefix[:2]}0000" not in regions()
    ):
        problems.append(
            Problem(("region_prefix",), "assignment.region_prefix", {"given": region_prefix})
        )
    if industry_division and industry_division not in divisions():
        problems.append(
            Problem(
                ("industry_division",), "assignment.industry_division", {"given": industry_division}
            )
        )
    return problems


def _rule_view(rule: AssignmentRule, user: User) -> RuleView:
    return RuleView(
        rule.id, rule.region_prefix, rule.industry_division, rule.evaluator_id,
        user.display_name, user.active, rule.created_at,
    )  # fmt: skip


def list_rules(actor: Principal, db: Database) -> list[RuleView]:
    """Every rule, the most specific scope first."""
    require_admin(actor, "see the assignment rules")
    with db.read() as session:
        rows = session.execute(
            select(AssignmentRule, User).join(User, User.id == AssignmentRule.evaluator_id)
        ).all()
        views = [_rule_view(rule, user) for rule, user in rows]
    return sorted(views, key=lambda r: (-len(r.region_prefix), not r.industry_division, r.id))


def add_rule(
    actor: Principal,
    db: Database,
    *,
    region_prefix: str = "",
    industry_division: str = "",
    evaluator_id: int,
    clock: Clock = utcnow,
) -> RuleView:
    """Send submissions of this scope to this evaluator (administrators; audited)."""
    require_admin(actor, "change the assignment rules")
    region_prefix, industry_division = region_scope(region_prefix), industry_division.strip()
    problems = _rule_problems(region_prefix, industry_division)
    now = clock()
    with db.write() as session:
        user = session.get(User, evaluator_id)
        if user is None or user.role != Role.EVALUATOR.value or not user.active:
            problems.append(
                Problem(("evaluator",), "submission.not_an_evaluator", {"id": evaluator_id})
            )
        if problems or user is None:
            raise InvalidInput(problems)
        duplicate = session.scalars(
            select(AssignmentRule.id).where(
                AssignmentRule.region_prefix == region_prefix,
                AssignmentRule.industry_division == industry_division,
                AssignmentRule.evaluator_id == evaluator_id,
            )
        ).first()
        if duplicate is not None:
            raise InvalidInput(Problem((), "assignment.duplicate_rule", {"id": duplicate}))
        rule = AssignmentRule(
            region_prefix=region_prefix, industry_division=industry_division,
            evaluator_id=evaluator_id, created_by=actor.user_id, created_at=now,
        )  # fmt: skip
        session.add(rule)
        session.flush()
        audit.record(
            session, actor, "assignment.rule_add", "assignment_rule", rule.id, at=now,
            after={"region_prefix": region_prefix, "industry_division": industry_division,
                   "evaluator_id": evaluator_id},
        )  # fmt: skip
        return _rule_view(rule, user)


def remove_rule(actor: Principal, db: Database, rule_id: int, *, clock: Clock = utcnow) -> None:
    require_admin(actor, "change the assignment rules")
    now = clock()
    with db.write() as session:
        rule = session.get(AssignmentRule, rule_id)
        if rule is None:
            raise NotFound(Problem((), "assignment.rule_not_found", {"id": rule_id}))
        audit.record(
            session, actor, "assignment.rule_remove", "assignment_rule", rule.id, at=now,
            before={"region_prefix": rule.region_prefix,
                    "industry_division": rule.industry_division,
                    "evaluator_id": rule.evaluator_id},
        )  # fmt: skip
        session.delete(rule)


# --- choosing ---------------------------------------------------------------------------------------


def _specificity(region_prefix: str, industry_division: str) -> tuple[int, bool]:
    return len(region_prefix), bool(industry_division)


def open_reviews(session: Session) -> dict[int, int]:
    """Evaluator id → submissions assigned to them that are not decided yet."""
    rows = session.execute(
        select(Submission.assigned_evaluator_id, func.count())
        .where(
            Submission.assigned_evaluator_id.is_not(None),
            Submission.status.in_(OPEN_STATES),
            Submission.synthetic.is_(False),
        )
        .group_by(Submission.assigned_evaluator_id)
    )
    return {int(evaluator): int(n) for evaluator, n in rows}


def pick(session: Session, org: Organisation) -> tuple[int, int] | None:
    """(evaluator id, rule id) the rules give a submission of this firm, or None (see the module
    notes for the order)."""
    rows = session.execute(
        select(AssignmentRule)
        .join(User, User.id == AssignmentRule.evaluator_id)
        .where(User.active.is_(True), User.role == Role.EVALUATOR.value)
    ).scalars()
    matching = [
        r
        for r in rows
        if org.region_code.startswith(r.region_prefix)
        and (not r.industry_division or org.industry_code[:2] == r.industry_division)
    ]
    if not matching:
        return None
    best = max(_specificity(r.region_prefix, r.industry_division) for r in matching)
    scope = [r for r in matching if _specificity(r.region_prefix, r.industry_division) == best]
    load = open_reviews(session)
    chosen = min(scope, key=lambda r: (load.get(r.evaluator_id, 0), r.evaluator_id))
    return chosen.evaluator_id, chosen.id


def auto_pick(session: Session, sub: Submission) -> tuple[int, int] | None:
    """The rules' evaluator for a submission about to be submitted, while assignment is automatic
    and nobody holds it yet (a resubmission keeps its evaluator)."""
    if sub.assigned_evaluator_id is not None or sub.synthetic or not _auto(session):
        return None
    org = session.get(Organisation, sub.organisation_id)
    return pick(session, org) if org is not None else None


def suggestion(actor: Principal, db: Database, submission_id: int) -> int | None:
    """The evaluator the rules would choose for a submission now (whether or not assignment is
    automatic): the assignment page preselects it."""
    require_admin(actor, "assign an evaluator")
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        org = session.get(Organisation, sub.organisation_id)
        found = pick(session, org) if org is not None else None
        return found[0] if found else None


def workload(actor: Principal, db: Database) -> list[Workload]:
    """Every active evaluator and their open reviews, the least loaded first."""
    require_admin(actor, "see the evaluators' workload")
    with db.read() as session:
        load = open_reviews(session)
        users = session.scalars(
            select(User).where(User.role == Role.EVALUATOR.value, User.active.is_(True))
        )
        rows = [Workload(u.id, u.display_name, u.email, load.get(u.id, 0)) for u in users]
    return sorted(rows, key=lambda w: (w.open_reviews, w.evaluator_id))


# --- who the firm waits on ------------------------------------------------------------------------


def waiting_on(actor: Principal, db: Database, submission_id: int) -> Step:
    """The firm's next step for a stored submission, naming the evaluator who holds it (or saying
    that an administrator assigns one): `states.next_step` with what it needs to say so."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        if sub.assigned_evaluator_id is None:
            return next_step(sub.status, UNASSIGNED)
        user = session.get(User, sub.assigned_evaluator_id)
        return next_step(sub.status, user.display_name if user is not None else None)
