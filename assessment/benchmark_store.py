"""The benchmark's read model: `benchmark_facts`, one denormalised row per submission that counts.

A submission counts when it is approved (its evaluated result) or — for views that ask for them —
submitted, in review or returned (its self-assessed result). Its row copies the firm's
classification, the result's total, score rate, maturity score, tier, the score of each domain
and the 碳效码 L of its newest year of activity data, so that a whole population (one standard
edition, one year) is read with one indexed query and no JSON.

- `record(session, sub)` keeps the row of a submission in step; workflow calls it in the same
  transaction as every change of a submission, so a benchmark never sees half a transition.
- `rebuild(db)` / `ensure(db)` rewrite every row from the submissions (after an import, or for a
  database written before the table existed).
- `load_population` reads a population as the numpy columns scoring/benchmark.py works on.

The year of a row is the calendar year (China Standard Time) of the decision — approval for an
approved result, submission for a self-assessment.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from sqlalchemy import Float, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from assessment.db import Database
from assessment.tables import BenchmarkFact, Organisation, Submission, SubmissionActivity
from scoring.benchmark import FirmPoint, Lattice, Metric, Population
from scoring.carbon import CarbonInputError, account, parse_activity
from standards import bundled_library

CHINA = timezone(timedelta(hours=8))
APPROVED = "approved"
SELF_STATES = ("submitted", "in_review", "returned")
COUNTED_STATES = (APPROVED, *SELF_STATES)
_MISSING = -1.0e300  # stands for NULL in numeric columns read in bulk (no score is this low)


def decision_year(at: datetime) -> int:
    return at.astimezone(CHINA).year


# --- what a row holds --------------------------------------------------------------------------


def domain_scores(result: Mapping[str, Any]) -> dict[str, float | None]:
    """Score rate of each domain (or of each element, for standards without domains)."""
    nodes = [n for n in result.get("nodes") or [] if isinstance(n, Mapping)]
    level = "domain" if any(n.get("level") == "domain" for n in nodes) else "element"
    scores: dict[str, float | None] = {}
    for node in nodes:
        if node.get("level") == level:
            value = node.get("percent")
            scores[str(node["id"])] = float(value) if isinstance(value, int | float) else None
    return scores


def pack(scores: Mapping[str, float | None]) -> tuple[str, bytes]:
    values = np.array([math.nan if v is None else float(v) for v in scores.values()], dtype="<f8")
    return ",".join(scores), values.tobytes()


def carbon_figures(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Year, L, its numerator (energy tCO2) and value added of a year of activity data."""
    empty: dict[str, Any] = {
        "carbon_year": None,
        "carbon_l": None,
        "tco2": None,
        "value_added": None,
    }
    factors = bundled_library().factors
    if not data or factors is None:
        return empty
    try:
        result = account(parse_activity(dict(data)), factors)
    except (CarbonInputError, ValueError):
        return empty
    efficiency = result.carbon_efficiency
    return {
        "carbon_year": result.year,
        "carbon_l": efficiency.L,
        "tco2": efficiency.tco2,
        "value_added": result.value_added_10k_yuan,
    }


def _tier_rank(standard_id: str, result: Mapping[str, Any]) -> int | None:
    rank = result.get("tier_rank")
    if isinstance(rank, int):
        return rank
    standard = bundled_library().standards.get(standard_id)
    if standard is None or not standard.tiers:
        return None
    tier = result.get("tier")
    return next((t.rank for t in standard.tiers if t.id == tier), 0)


def fact_row(
    *,
    submission_id: int,
    organisation_id: int,
    standard_id: str,
    edition: str,
    basis: str,
    source_version: int,
    at: datetime,
    industry_code: str,
    region_code: str,
    size_class: str | None,
    synthetic: bool,
    result: Mapping[str, Any],
    activity: Mapping[str, Any] | None = None,
    counted: bool = True,
) -> dict[str, Any]:
    """The row of one submission, as a plain dict (for inserts in bulk too)."""
    ids, values = pack(domain_scores(result))

    def num(key: str) -> float | None:
        value = result.get(key)
        return float(value) if isinstance(value, int | float) else None

    return {
        "submission_id": submission_id,
        "organisation_id": organisation_id,
        "standard_id": standard_id,
        "edition": edition,
        "year": decision_year(at),
        "basis": basis,
        "counted": counted,
        "source_version": source_version,
        "at": at,
        "industry_code": industry_code,
        "region_code": region_code,
        "size_class": size_class,
        "synthetic": synthetic,
        "total": num("total") or 0.0,
        "percent": num("percent"),
        "maturity_score": num("maturity_score"),
        "tier_rank": _tier_rank(standard_id, result),
        "tier": result.get("tier") if isinstance(result.get("tier"), str) else None,
        "domain_ids": ids,
        "domain_values": values,
        **carbon_figures(activity),
    }


# --- keeping rows in step ----------------------------------------------------------------------


def _basis(sub: Submission) -> tuple[str, Mapping[str, Any], datetime] | None:
    if sub.status == APPROVED and sub.final_result and sub.decided_at is not None:
        return APPROVED, sub.final_result, sub.decided_at
    if sub.status in SELF_STATES and sub.self_result and sub.submitted_at is not None:
        return "self", sub.self_result, sub.submitted_at
    return None


def _newest_activity(session: Session, submission_id: int) -> Mapping[str, Any] | None:
    return session.scalars(
        select(SubmissionActivity.data)
        .where(SubmissionActivity.submission_id == submission_id)
        .order_by(SubmissionActivity.year.desc())
        .limit(1)
    ).first()


def record(session: Session, sub: Submission) -> None:
    """Write (or remove) the row of a submission after a change, in the caller's transaction."""
    old = session.get(BenchmarkFact, sub.id)
    groups: set[tuple[int, str, str, int]] = set()
    if old is not None:
        groups.add((old.organisation_id, old.standard_id, old.edition, old.year))
        session.delete(old)
        session.flush()
    found = _basis(sub)
    if found is not None:
        basis, result, at = found
        org = session.get(Organisation, sub.organisation_id)
        if org is not None:
            row = fact_row(
                submission_id=sub.id,
                organisation_id=org.id,
                standard_id=sub.standard_id,
                edition=sub.edition,
                basis=basis,
                source_version=sub.version,
                at=at,
                industry_code=org.industry_code,
                region_code=org.region_code,
                size_class=org.size_class,
                synthetic=sub.synthetic,
                result=result,
                activity=_newest_activity(session, sub.id),
                counted=False,
            )
            session.execute(insert(BenchmarkFact), [row])
            groups.add((org.id, sub.standard_id, sub.edition, row["year"]))
    for group in groups:
        recount(session, *group)


def recount(session: Session, org_id: int, standard_id: str, edition: str, year: int) -> None:
    """Mark the one row a firm is counted with in a standard edition and year: its approved
    result if it has one (the newest), else its newest self-assessment."""
    rows = session.execute(
        select(BenchmarkFact.submission_id, BenchmarkFact.basis, BenchmarkFact.at).where(
            BenchmarkFact.organisation_id == org_id,
            BenchmarkFact.standard_id == standard_id,
            BenchmarkFact.edition == edition,
            BenchmarkFact.year == year,
        )
    ).all()
    if not rows:
        return
    best = max(rows, key=lambda r: (r.basis == APPROVED, r.at, r.submission_id)).submission_id
    ids = [r.submission_id for r in rows]
    session.execute(
        update(BenchmarkFact)
        .where(BenchmarkFact.submission_id.in_(ids))
        .values(counted=BenchmarkFact.submission_id == best)
        .execution_options(synchronize_session=False)
    )


def _fingerprint(session: Session) -> tuple[tuple[int, int], tuple[int, int]]:
    subs = session.execute(
        select(func.count(), func.coalesce(func.sum(Submission.version), 0)).where(
            Submission.status.in_(COUNTED_STATES)
        )
    ).one()
    facts = session.execute(
        select(func.count(), func.coalesce(func.sum(BenchmarkFact.source_version), 0))
    ).one()
    return (int(subs[0]), int(subs[1])), (int(facts[0]), int(facts[1]))


def stale(db: Database) -> bool:
    """True when the rows do not match the submissions (count and versions differ)."""
    with db.read() as session:
        subs, facts = _fingerprint(session)
    return subs != facts


def rebuild(db: Database, batch: int = 2000) -> int:
    """Rewrite every row from the submissions; returns the number of rows."""
    written = 0
    with db.write() as session:
        session.execute(delete(BenchmarkFact))
        ids = list(
            session.scalars(
                select(Submission.id)
                .where(Submission.status.in_(COUNTED_STATES))
                .order_by(Submission.id)
            )
        )
        orgs = {o.id: o for o in session.scalars(select(Organisation))}
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            subs = session.scalars(select(Submission).where(Submission.id.in_(chunk))).all()
            activities: dict[int, Mapping[str, Any]] = {}
            for sub_id, data in session.execute(
                select(SubmissionActivity.submission_id, SubmissionActivity.data)
                .where(SubmissionActivity.submission_id.in_(chunk))
                .order_by(SubmissionActivity.year)
            ):
                activities[sub_id] = data  # the newest year wins
            rows = []
            for sub in subs:
                found = _basis(sub)
                org = orgs.get(sub.organisation_id)
                if found is None or org is None:
                    continue
                basis, result, at = found
                rows.append(
                    fact_row(
                        submission_id=sub.id, organisation_id=org.id,
                        standard_id=sub.standard_id, edition=sub.edition, basis=basis,
                        source_version=sub.version, at=at, industry_code=org.industry_code,
                        region_code=org.region_code, size_class=org.size_class,
                        synthetic=sub.synthetic, result=result,
                        activity=activities.get(sub.id), counted=False,
                    )
                )  # fmt: skip
            if rows:
                session.execute(insert(BenchmarkFact), rows)
            written += len(rows)
            session.expunge_all()
        mark_counted(session)
    return written


def mark_counted(session: Session) -> None:
    """Set `counted` on every row at once (after inserts in bulk)."""
    rows = session.execute(
        select(
            BenchmarkFact.submission_id,
            BenchmarkFact.organisation_id,
            BenchmarkFact.standard_id,
            BenchmarkFact.edition,
            BenchmarkFact.year,
            BenchmarkFact.basis,
            BenchmarkFact.at,
        )
    ).all()
    best: dict[tuple[int, str, str, int], tuple[bool, datetime, int]] = {}
    for r in rows:
        key = (r.organisation_id, r.standard_id, r.edition, r.year)
        rank = (r.basis == APPROVED, r.at, r.submission_id)
        if key not in best or rank > best[key]:
            best[key] = rank
    winners = sorted(rank[2] for rank in best.values())
    session.execute(update(BenchmarkFact).values(counted=False))
    for start in range(0, len(winners), 5000):
        session.execute(
            update(BenchmarkFact)
            .where(BenchmarkFact.submission_id.in_(winners[start : start + 5000]))
            .values(counted=True)
        )


def ensure(db: Database) -> int | None:
    """Rebuild the rows if they are out of step with the submissions; the row count if rebuilt."""
    return rebuild(db) if stale(db) else None


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edition:
    standard_id: str
    edition: str
    years: list[int]


def editions(session: Session) -> list[Edition]:
    """Every standard edition with counted rows, and its years (newest first)."""
    found: dict[tuple[str, str], list[int]] = {}
    for standard_id, edition, year in session.execute(
        select(BenchmarkFact.standard_id, BenchmarkFact.edition, BenchmarkFact.year)
        .where(BenchmarkFact.counted.is_(True))
        .distinct()
    ):
        found.setdefault((standard_id, edition), []).append(year)
    return [Edition(s, e, sorted(y, reverse=True)) for (s, e), y in sorted(found.items())]


def _level_columns(column: str, levels: Sequence[tuple[str, int, int | None]]) -> list[str]:
    return [
        f"CASE WHEN length({column}) >= {digits} "
        f"THEN CAST(substr({column}, 1, {digits}) AS INTEGER) ELSE -1 END"
        for _key, digits, _pad in levels
    ]


METRIC_COLUMNS = {
    Metric.PERCENT: "percent",
    Metric.MATURITY_SCORE: "maturity_score",
    Metric.TIER_RANK: "tier_rank",
}


def load_population(
    session: Session,
    lattice: Lattice,
    standard_id: str,
    edition: str,
    year: int,
    metric: Metric,
) -> Population:
    """Every counted row of a standard edition and year, as columns (one query, no JSON)."""
    industry = _level_columns("industry_code", lattice.industry.levels)
    region = _level_columns("region_code", lattice.region.levels)
    # size keys are YAML identifiers (letters, digits, '.', '_', '-'): safe inside quotes
    sizes = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(lattice.sizes))
    numbers = [
        "organisation_id",
        *industry,
        *region,
        f"CASE size_class {sizes} ELSE -1 END",
        "CASE WHEN basis = 'self' THEN 1 ELSE 0 END",
        "CASE WHEN synthetic THEN 1 ELSE 0 END",
        *(
            f"COALESCE(CAST({c} AS FLOAT), {_MISSING})"
            for c in (METRIC_COLUMNS[metric], "tier_rank", "carbon_l", "tco2", "value_added")
        ),
    ]
    sql = (
        f"SELECT {', '.join(numbers)}, domain_ids, domain_values FROM benchmark_facts "  # noqa: S608 - built from our column names and declared code levels
        "WHERE standard_id = :standard AND edition = :edition AND year = :year AND counted "
        "ORDER BY submission_id"
    )
    rows = session.execute(
        text(sql), {"standard": standard_id, "edition": edition, "year": year}
    ).all()
    n = len(rows)
    width = len(numbers)
    columns = list(zip(*rows, strict=True)) if rows else [()] * (width + 2)
    table = (
        np.array(columns[:width], dtype=np.float64) if n else np.zeros((width, 0), dtype=np.float64)
    )
    table[table == _MISSING] = math.nan
    li, lr = len(industry), len(region)
    at = 1 + li + lr
    domain_ids, domains = _domains(columns[width], columns[width + 1], n)
    metric_col, tier_col, l_col, tco2_col, va_col = table[at + 3 : at + 8]
    return Population(
        firm=table[0].astype(np.int64),
        industry=table[1 : 1 + li].T.astype(np.int64).reshape(n, li),
        region=table[1 + li : at].T.astype(np.int64).reshape(n, lr),
        size=table[at].astype(np.int64),
        self_assessed=table[at + 1] == 1,
        synthetic=table[at + 2] == 1,
        metric=metric_col,
        tier_rank=tier_col,
        domains=domains,
        domain_ids=domain_ids,
        L=l_col,
        tco2=tco2_col,
        value_added=va_col,
    )


def _domains(
    ids: Sequence[str], blobs: Sequence[bytes], n: int
) -> tuple[tuple[str, ...], np.ndarray[Any, np.dtype[np.float64]]]:
    """The domain columns: the id list most rows share; other rows get NaN."""
    if n == 0:
        return (), np.zeros((0, 0), dtype=np.float64)
    common = Counter(ids).most_common(1)[0][0]
    names = tuple(common.split(",")) if common else ()
    width = len(names)
    if all(i == common for i in ids):
        flat = np.frombuffer(b"".join(bytes(b) for b in blobs), dtype="<f8")
        return names, flat.reshape(n, width).astype(np.float64)
    out = np.full((n, width), math.nan, dtype=np.float64)
    for index, (row_ids, blob) in enumerate(zip(ids, blobs, strict=True)):
        if row_ids == common and width:
            out[index] = np.frombuffer(bytes(blob), dtype="<f8")
    return names, out


def firm_history(
    session: Session, org_id: int, standard_id: str, edition: str, metric: Metric
) -> list[FirmPoint]:
    """The firm's counted rows in every year of a standard edition."""
    column = getattr(BenchmarkFact, METRIC_COLUMNS[metric])
    rows = session.execute(
        select(
            BenchmarkFact.year,
            column.cast(Float),
            BenchmarkFact.carbon_l,
            BenchmarkFact.tier,
            BenchmarkFact.basis,
        )
        .where(
            BenchmarkFact.organisation_id == org_id,
            BenchmarkFact.standard_id == standard_id,
            BenchmarkFact.edition == edition,
            BenchmarkFact.counted.is_(True),
        )
        .order_by(BenchmarkFact.year)
    ).all()
    return [
        FirmPoint(year, value, big_l, tier, basis != APPROVED)
        for year, value, big_l, tier, basis in rows
    ]
