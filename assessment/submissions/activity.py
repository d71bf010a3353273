"""Carbon activity data stored with a submission, and what carbon accounting makes of it.

A firm enters a year of energy data (the `zhizao carbon FILE` format, see docs/carbon.md); it is kept
in `submission_activities`, one row per submission and reporting year. `carbon_for` accounts it
with the bundled factor library; `green_answers` turns the figures into answers for the
GB/T 36132-2025 items computed from carbon accounting (`derived_from`), keeping the sector
baseline / leading values the firm gave, so they reach the score through the versioned
`submissions.save_answers` like any other answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessment.accounts import audit
from assessment.accounts.access import load_submission
from assessment.accounts.principal import Clock, Principal
from assessment.benchmark import store as benchmark_store
from assessment.errors import InvalidInput
from assessment.storage.db import Database, utcnow
from assessment.storage.tables import SubmissionActivity
from assessment.submissions.states import guard, touch
from scoring.carbon import CarbonInputError, CarbonResult, check_activity, green_figures
from standards import Standard, bundled_library
from standards.models import QuantityRule
from standards.problems import Problem


@dataclass(frozen=True)
class ActivityView:
    submission_id: int
    year: int
    data: dict[str, Any]
    updated_at: datetime
    updated_by: int | None


def account_data(
    data: Mapping[str, Any], sector_average: float | None = None
) -> tuple[CarbonResult | None, list[Problem]]:
    """Check and account activity data with the bundled factors: (result, []) or (None, problems).

    The check is `scoring.carbon.check_activity`, the one `zhizao carbon` and the workbook import
    use: the shape, the keys, the region, the exports against what the firm has and the range of
    every figure that follows.
    """
    factors = bundled_library().factors
    if factors is None:
        return None, [Problem((), "carbon.no_factor_library")]
    try:
        return check_activity(dict(data), factors, sector_average_L=sector_average), []
    except CarbonInputError as exc:
        return None, exc.problems
    except ValueError as exc:  # a broken factor library, e.g. no factor_lag_years
        return None, [Problem((), "carbon.broken_factor_library", {"detail": str(exc)})]


def save_activity(
    actor: Principal,
    db: Database,
    submission_id: int,
    data: Mapping[str, Any],
    *,
    clock: Clock = utcnow,
) -> ActivityView:
    """Store (or replace) a year of activity data; the data is checked first, whole, exactly as
    `zhizao carbon` checks it, and nothing is stored when any of it is wrong."""
    result, problems = account_data(data)
    if result is None:
        raise InvalidInput(problems)
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        action = guard(actor, sub, "save_activity")
        # The state again, in the statement that touches the submission row, not only on the row
        # read above: a save that took long can never land after the submission was handed in.
        touch(session, sub, action, now)
        row = session.scalars(
            select(SubmissionActivity).where(
                SubmissionActivity.submission_id == sub.id,
                SubmissionActivity.year == result.year,
            )
        ).first()
        before = dict(row.data) if row is not None else None
        stored = dict(data)
        if row is None:
            row = SubmissionActivity(
                submission_id=sub.id,
                year=result.year,
                data=stored,
                updated_at=now,
                updated_by=actor.user_id,
            )
            session.add(row)
        else:
            row.data, row.updated_at, row.updated_by = stored, now, actor.user_id
        session.flush()
        benchmark_store.refresh(session, [sub])  # the row's carbon figures follow the new data
        audit.record(
            session, actor, "activity.save", "submission", sub.id, at=now, submission_id=sub.id,
            before=before, after={"year": result.year, "data": stored},
        )  # fmt: skip
        return ActivityView(sub.id, row.year, dict(row.data), row.updated_at, row.updated_by)


def list_activity(actor: Principal, db: Database, submission_id: int) -> list[ActivityView]:
    """Every stored year of a submission's activity data, newest year first."""
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        rows = session.scalars(
            select(SubmissionActivity)
            .where(SubmissionActivity.submission_id == sub.id)
            .order_by(SubmissionActivity.year.desc())
        )
        return [
            ActivityView(r.submission_id, r.year, dict(r.data), r.updated_at, r.updated_by)
            for r in rows
        ]


def latest_activity(actor: Principal, db: Database, submission_id: int) -> ActivityView | None:
    found = list_activity(actor, db, submission_id)
    return found[0] if found else None


def carbon_for(
    actor: Principal, db: Database, submission_id: int
) -> tuple[CarbonResult | None, list[Problem]]:
    """The accounting of the submission's newest stored year (None, [] when there is none)."""
    view = latest_activity(actor, db, submission_id)
    if view is None:
        return None, []
    return account_data(view.data)


def derived_items(standard: Standard) -> dict[str, str]:
    """Item id → the carbon figure (`green_figures` key) it is computed from."""
    return {
        item.id: item.rule.derived_from
        for item in standard.items
        if isinstance(item.rule, QuantityRule) and item.rule.derived_from
    }


def green_answers(
    standard: Standard, carbon: CarbonResult, answers: Mapping[str, Any]
) -> dict[str, Any]:
    """Answers for the items computed from carbon accounting: the figure as `value`, keeping the
    sector baseline / leading values already given (a standard without its own needs them)."""
    figures = green_figures(carbon)
    out: dict[str, Any] = {}
    for item_id, figure in derived_items(standard).items():
        if figure not in figures:
            continue
        given = answers.get(item_id)
        kept = (
            {k: given[k] for k in ("baseline", "leading") if given.get(k) is not None}
            if isinstance(given, Mapping)
            else {}
        )
        out[item_id] = {"value": round(figures[figure], 4), **kept}
    return out
