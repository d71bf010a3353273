"""The benchmark's read model: `benchmark_facts`, one denormalised row per submission that counts.

A submission counts when it is approved (its evaluated result) or — for views that ask for them —
submitted, in review or returned (its self-assessed result). Its row copies the firm's
classification, the result's total, score rate, maturity score, tier, the score of each domain
and the 碳效码 L of its newest year of activity data, so that a whole population (one standard
edition, one year) is read with one indexed query and no JSON.

- `refresh(session, subs)` keeps the rows in step: every action that changes what a row holds
  (a transition, the firm's classification, activity data) calls it in its own transaction.
- `rebuild(db)` / `ensure(db)` rewrite every row from the submissions (after an import, or for a
  database written before the table existed).
- `load_population` reads a population as the numpy columns scoring/benchmark.py works on.

The year of a row is the calendar year (China Standard Time) of the decision — approval for an
approved result, submission for a self-assessment.

Figures are published as of a refresh point (`refresh_point`: midnight, China time, once a day),
not live: `load_population(..., as_of=R)` gives the population as it stood at R — each firm with
the row it was counted with then — so that two queries on either side of one approval cannot be
subtracted to give that firm's result. What this leaves possible is in docs/benchmark.md.
"""

from __future__ import annotations

import gc
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from assessment.storage.db import CHINA, Database
from assessment.storage.tables import (
    BenchmarkFact,
    BenchmarkGeneration,
    Organisation,
    Status,
    Submission,
    SubmissionActivity,
)
from scoring.benchmark import FirmPoint, Lattice, Metric, Population
from scoring.carbon import CarbonInputError, account, parse_activity
from standards import bundled_library

APPROVED = Status.APPROVED
SELF_STATES = (Status.SUBMITTED, Status.IN_REVIEW, Status.RETURNED)
COUNTED_STATES = (APPROVED, *SELF_STATES)


def decision_year(at: datetime) -> int:
    return at.astimezone(CHINA).year


def refresh_point(now: datetime) -> datetime:
    """The refresh point in force at `now`: the last midnight (China Standard Time) at or before
    it. Benchmark figures read at any time of a day are those of that day's midnight."""
    return now.astimezone(CHINA).replace(hour=0, minute=0, second=0, microsecond=0)


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

    row = {
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
    row["vector"] = vector(row)
    return row


# A row's numbers in one little-endian float64 array (NaN = none), read in bulk: the industry and
# region codes as integers (with the industry code's length), the figures, then the domain scores.
VECTOR = (
    "industry_int", "industry_len", "region_int", "percent", "maturity_score", "tier_rank",
    "carbon_l", "tco2", "value_added",
)  # fmt: skip


def vector(row: Mapping[str, Any]) -> bytes:
    def code(value: object) -> float:
        written = str(value or "")
        return float(int(written)) if written.isdigit() else math.nan

    def num(value: object) -> float:
        return float(value) if isinstance(value, int | float) else math.nan

    head = [
        code(row["industry_code"]),
        float(len(str(row["industry_code"] or ""))),
        code(row["region_code"]),
        *(num(row.get(key)) for key in VECTOR[3:]),
    ]
    domains = np.frombuffer(row["domain_values"], dtype="<f8")
    return np.concatenate([np.array(head, dtype="<f8"), domains]).astype("<f8").tobytes()


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


def refresh(session: Session, subs: Iterable[Submission]) -> None:
    """Bring the rows of these submissions in step with what they hold now — their result, the
    firm's classification, their newest activity data — in the caller's transaction.

    The one way rows change: every transition (`submissions.states.compare_and_set`), a change
    of the firm's classification (`accounts.organisations.update_organisation`) and a save of
    activity data (`submissions.activity.save_activity`) call it, so a benchmark never sees half
    an action and never waits for a rebuild."""
    groups: set[tuple[int, str, str, int]] = set()
    for sub in subs:
        groups |= _rewrite(session, sub)
    for group in groups:
        recount(session, *group)
    if groups:
        bump(session)


def of_organisation(session: Session, org_id: int) -> list[Submission]:
    """The submissions of a firm that may have a row (those in a counted state)."""
    return list(
        session.scalars(
            select(Submission).where(
                Submission.organisation_id == org_id, Submission.status.in_(COUNTED_STATES)
            )
        )
    )


def _rewrite(session: Session, sub: Submission) -> set[tuple[int, str, str, int]]:
    """Replace (or remove) one submission's row; the (firm, standard, edition, year) groups whose
    `counted` mark may have moved."""
    old = session.get(BenchmarkFact, sub.id)
    groups: set[tuple[int, str, str, int]] = set()
    if old is not None:
        groups.add((old.organisation_id, old.standard_id, old.edition, old.year))
        session.delete(old)
        session.flush()
    found = _basis(sub)
    org = session.get(Organisation, sub.organisation_id) if found is not None else None
    if found is not None and org is not None:
        basis, result, at = found
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
    return groups


def bump(session: Session) -> None:
    """Raise the generation counter (in the caller's transaction): cached populations are old."""
    changed = session.execute(
        update(BenchmarkGeneration)
        .where(BenchmarkGeneration.id == 1)
        .values(value=BenchmarkGeneration.value + 1)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(BenchmarkGeneration), [{"id": 1, "value": 1}])


def generation(session: Session) -> int:
    value = session.scalar(select(BenchmarkGeneration.value).where(BenchmarkGeneration.id == 1))
    return int(value or 0)


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
    """True when the rows do not match the submissions (count and versions differ), a row's
    classification is not its firm's, or some were written before rows had a vector. The actions
    keep rows in step (`refresh`); this catches a database changed behind their back."""
    with db.read() as session:
        subs, facts = _fingerprint(session)
        unpacked = session.scalar(
            select(BenchmarkFact.submission_id).where(BenchmarkFact.vector.is_(None)).limit(1)
        )
        moved = session.scalar(
            select(BenchmarkFact.submission_id)
            .join(Organisation, Organisation.id == BenchmarkFact.organisation_id)
            .where(
                (BenchmarkFact.region_code != Organisation.region_code)
                | (BenchmarkFact.industry_code != Organisation.industry_code)
                | ~BenchmarkFact.size_class.is_not_distinct_from(Organisation.size_class)
            )
            .limit(1)
        )
    return subs != facts or unpacked is not None or moved is not None


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
        bump(session)
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


def _published(as_of: datetime | None) -> Any:
    """Rows counted now, or (with a refresh point) rows written by then."""
    return BenchmarkFact.counted.is_(True) if as_of is None else BenchmarkFact.at <= as_of


def editions(session: Session, as_of: datetime | None = None) -> list[Edition]:
    """Every standard edition with counted rows (as of a refresh point: with rows written by
    then), and its years (newest first)."""
    found: dict[tuple[str, str], list[int]] = {}
    for standard_id, edition, year in session.execute(
        select(BenchmarkFact.standard_id, BenchmarkFact.edition, BenchmarkFact.year)
        .where(_published(as_of))
        .distinct()
    ):
        found.setdefault((standard_id, edition), []).append(year)
    return [Edition(s, e, sorted(y, reverse=True)) for (s, e), y in sorted(found.items())]


METRIC_COLUMNS = {
    Metric.PERCENT: "percent",
    Metric.MATURITY_SCORE: "maturity_score",
    Metric.TIER_RANK: "tier_rank",
}


_CACHE: OrderedDict[tuple[Any, ...], Population] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 8


def load_population(
    session: Session,
    lattice: Lattice,
    standard_id: str,
    edition: str,
    year: int,
    metric: Metric,
    as_of: datetime | None = None,
) -> Population:
    """Every counted row of a standard edition and year, as columns — as counted now, or as
    counted at the refresh point `as_of` (see `read_population`).

    A process keeps the last few populations it read, keyed by the database, the refresh point,
    the generation counter and the population's row count: any change to the rows raises the
    counter (and an import changes the count), so a kept population is never out of date."""
    count = session.scalar(
        select(func.count())
        .select_from(BenchmarkFact)
        .where(
            BenchmarkFact.standard_id == standard_id,
            BenchmarkFact.edition == edition,
            BenchmarkFact.year == year,
            BenchmarkFact.counted.is_(True),
        )
    )
    bind = session.get_bind()
    key = (
        str(bind.engine.url), standard_id, edition, year, metric, lattice, as_of,
        generation(session), count,
    )  # fmt: skip
    with _CACHE_LOCK:
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return found
    population = read_population(session, lattice, standard_id, edition, year, metric, as_of)
    for value in vars(population).values():
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # shared by every request of the process
    with _CACHE_LOCK:
        _CACHE[key] = population
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return population


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def read_population(
    session: Session,
    lattice: Lattice,
    standard_id: str,
    edition: str,
    year: int,
    metric: Metric,
    as_of: datetime | None = None,
) -> Population:
    """Every counted row of a standard edition and year, as columns: one query of six columns,
    the numbers unpacked from each row's vector (rows without one — written before it existed —
    read as having no values until `rebuild`).

    With a refresh point `as_of`, the population as it was counted then: the rows written by
    then, each firm with its best one (approved first, then the newest), and the
    self-assessments of that time whose submission has been approved or rejected since (their
    rows have moved on, their self-assessed results are still stored). Everything decided later
    waits for the next refresh point; a revocation takes effect at once."""
    params: dict[str, Any] = {"standard": standard_id, "edition": edition, "year": year}
    if as_of is None:
        sql = (
            "SELECT organisation_id, size_class, basis, synthetic, domain_ids, vector "
            "FROM benchmark_facts WHERE standard_id = :standard AND edition = :edition "
            "AND year = :year AND counted = :yes ORDER BY submission_id"
        )
        params["yes"] = True
    else:
        sql = (
            "SELECT organisation_id, size_class, basis, synthetic, domain_ids, vector, "
            "submission_id, at FROM benchmark_facts WHERE standard_id = :standard "
            "AND edition = :edition AND year = :year AND at <= :as_of"
        )
        params["as_of"] = _stamp(session, as_of)
    # tens of thousands of small tuples: without the cyclic collector in between (nothing here
    # forms cycles), reading them costs a third of the time
    collecting = gc.isenabled()
    gc.disable()
    try:
        rows = _fetch(session, sql, params)
        if as_of is not None:
            then = [
                (
                    r["organisation_id"], r["size_class"], r["basis"], r["synthetic"],
                    r["domain_ids"], r["vector"], r["submission_id"], _stamp(session, r["at"]),
                )
                for r in self_assessed_then(session, standard_id, edition, as_of, year=year)
            ]  # fmt: skip
            rows = [row[:6] for row in _best_per_firm([*rows, *then])]
        n = len(rows)
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if n else [()] * 6
        del rows
    finally:
        if collecting:
            gc.enable()
    firm, size, basis, synthetic, ids, vectors = columns
    domain_ids, table = _vectors(ids, vectors, n)
    head = len(VECTOR)
    at = {key: index for index, key in enumerate(VECTOR)}
    size_index = {key: index for index, key in enumerate(lattice.sizes)}
    chosen = {
        Metric.PERCENT: "percent",
        Metric.MATURITY_SCORE: "maturity_score",
        Metric.TIER_RANK: "tier_rank",
    }[metric]
    return Population(
        firm=np.array(firm, dtype=np.int64),
        industry=_prefixes(
            table[:, at["industry_int"]], table[:, at["industry_len"]], lattice.industry.levels
        ),
        region=_prefixes(table[:, at["region_int"]], np.full(n, 6.0), lattice.region.levels),
        size=np.array([size_index.get(s, -1) for s in size], dtype=np.int64),
        self_assessed=np.array([b == "self" for b in basis], dtype=np.bool_),
        synthetic=np.array(synthetic, dtype=np.bool_),
        metric=table[:, at[chosen]].copy(),
        tier_rank=table[:, at["tier_rank"]].copy(),
        domains=table[:, head:].copy(),
        domain_ids=domain_ids,
        L=table[:, at["carbon_l"]].copy(),
        tco2=table[:, at["tco2"]].copy(),
        value_added=table[:, at["value_added"]].copy(),
    )


def _fetch(session: Session, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """Rows as plain tuples from the driver's own cursor (no per-row objects of SQLAlchemy)."""
    connection = session.connection()
    style = connection.dialect.paramstyle
    names = list(params)
    args: Any
    if style == "qmark":  # sqlite3: ? in the order the names appear (each appears once)
        order = sorted(names, key=lambda k: sql.index(f":{k}"))
        for name in names:
            sql = sql.replace(f":{name}", "?")
        args = [params[name] for name in order]
    else:  # psycopg: %(name)s
        for name in names:
            sql = sql.replace(f":{name}", f"%({name})s")
        args = dict(params)
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, args)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _stamp(session: Session, at: datetime) -> Any:
    """A time as the database stores it, for comparing with `at` as the driver returns it (text
    on SQLite, a timestamp on PostgreSQL)."""
    dialect = session.get_bind().dialect
    column = BenchmarkFact.__table__.c.at.type
    process = column.dialect_impl(dialect).bind_processor(dialect)
    return process(at) if process is not None else at


def _best_per_firm(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Of rows (organisation_id, size_class, basis, …, submission_id, at), the one each firm is
    counted with — its approved result if any, then the newest (as `recount` picks) — in
    submission order."""
    best: dict[Any, tuple[Any, ...]] = {}
    for row in rows:
        rank = (row[2] == APPROVED, row[7], row[6])
        kept = best.get(row[0])
        if kept is None or rank > (kept[2] == APPROVED, kept[7], kept[6]):
            best[row[0]] = row
    return sorted(best.values(), key=lambda r: r[6])


def self_assessed_then(
    session: Session,
    standard_id: str,
    edition: str,
    as_of: datetime,
    *,
    year: int | None = None,
    org_id: int | None = None,
) -> list[dict[str, Any]]:
    """The self-assessment rows of `as_of` that are gone from the table since: submitted by then
    and approved or rejected after it. A revoked result is not among them — a revocation
    withdraws the result at once. Each keeps the classification its row had (the organisation's
    for a rejected one, whose row is gone)."""
    query = (
        select(Submission, Organisation, BenchmarkFact)
        .join(Organisation, Organisation.id == Submission.organisation_id)
        .outerjoin(BenchmarkFact, BenchmarkFact.submission_id == Submission.id)
        .where(
            Submission.standard_id == standard_id,
            Submission.edition == edition,
            Submission.status.in_((APPROVED, "rejected")),
            Submission.submitted_at <= as_of,
            Submission.decided_at > as_of,
            Submission.self_result.is_not(None),
        )
    )
    if year is not None:
        query = query.where(
            Submission.submitted_at >= datetime(year, 1, 1, tzinfo=CHINA),
            Submission.submitted_at < datetime(year + 1, 1, 1, tzinfo=CHINA),
        )
    if org_id is not None:
        query = query.where(Submission.organisation_id == org_id)
    rows = []
    for sub, org, fact in session.execute(query.order_by(Submission.id)):
        if sub.submitted_at is None or sub.self_result is None:  # the query leaves these out
            continue
        where = fact if fact is not None else org
        rows.append(
            fact_row(
                submission_id=sub.id, organisation_id=org.id, standard_id=sub.standard_id,
                edition=sub.edition, basis="self", source_version=sub.version,
                at=sub.submitted_at, industry_code=where.industry_code,
                region_code=where.region_code, size_class=where.size_class,
                synthetic=sub.synthetic, result=sub.self_result,
                activity=_newest_activity(session, sub.id), counted=False,
            )
        )  # fmt: skip
    return rows


def _vectors(
    ids: Sequence[str], vectors: Sequence[bytes | None], n: int
) -> tuple[tuple[str, ...], np.ndarray[Any, np.dtype[np.float64]]]:
    """The rows' vectors as one table; domains are the id list most rows share (others NaN)."""
    head = len(VECTOR)
    if n == 0:
        return (), np.zeros((0, head), dtype=np.float64)
    common = Counter(ids).most_common(1)[0][0]
    names = tuple(common.split(",")) if common else ()
    width = head + len(names)
    if all(i == common for i in ids) and all(v is not None for v in vectors):
        flat = np.frombuffer(b"".join(vectors), dtype="<f8")  # type: ignore[arg-type]
        return names, flat.reshape(n, width).astype(np.float64)
    table = np.full((n, width), math.nan, dtype=np.float64)
    for index, (row_ids, blob) in enumerate(zip(ids, vectors, strict=True)):
        if blob is None:
            continue
        values = np.frombuffer(bytes(blob), dtype="<f8")
        table[index, :head] = values[:head]
        if row_ids == common:
            table[index, head:] = values[head:]
    return names, table


def _prefixes(
    values: np.ndarray[Any, np.dtype[np.float64]],
    lengths: np.ndarray[Any, np.dtype[np.float64]],
    levels: Sequence[tuple[str, int, int | None]],
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """One integer prefix per code level (-1 where a code is too short), on whole columns: a
    code's prefix of d digits is its integer value divided by 10^(length − d)."""
    n = len(values)
    out = np.full((n, len(levels)), -1, dtype=np.int64)
    known = ~np.isnan(values)
    codes = np.where(known, values, -1).astype(np.int64)
    sizes = np.where(known, lengths, 0).astype(np.int64)
    for index, (_key, digits, _pad) in enumerate(levels):
        long_enough = known & (sizes >= digits)
        shift = np.power(10, np.clip(sizes - digits, 0, None))
        out[:, index] = np.where(long_enough, codes // shift, -1)
    return out


_FIRM_COLUMNS = (
    "submission_id", "year", "basis", "at", "counted", "industry_code", "region_code",
    "size_class", "percent", "maturity_score", "tier_rank", "tier", "carbon_l",
)  # fmt: skip


def firm_rows(
    session: Session,
    org_id: int,
    standard_id: str,
    edition: str,
    as_of: datetime | None = None,
) -> dict[int, dict[str, Any]]:
    """The row the firm is counted with in each year of a standard edition (read by the firm's
    index) — now, or at the refresh point `as_of` (as `read_population` counts it)."""
    found: list[dict[str, Any]] = []
    for row in session.scalars(
        select(BenchmarkFact).where(BenchmarkFact.organisation_id == org_id)
    ):
        if row.standard_id != standard_id or row.edition != edition:
            continue
        if (not row.counted) if as_of is None else row.at > as_of:
            continue
        found.append({key: getattr(row, key) for key in _FIRM_COLUMNS})
    if as_of is not None:
        found += self_assessed_then(session, standard_id, edition, as_of, org_id=org_id)
    best: dict[int, dict[str, Any]] = {}
    for row in found:
        rank = (row["basis"] == APPROVED, row["at"], row["submission_id"])
        kept = best.get(row["year"])
        if kept is None or rank > (kept["basis"] == APPROVED, kept["at"], kept["submission_id"]):
            best[row["year"]] = row
    return best


def firm_history(
    session: Session,
    org_id: int,
    standard_id: str,
    edition: str,
    metric: Metric,
    as_of: datetime | None = None,
) -> list[FirmPoint]:
    """The firm's counted rows in every year of a standard edition (now, or at `as_of`)."""
    column = METRIC_COLUMNS[metric]
    points = []
    for year, row in firm_rows(session, org_id, standard_id, edition, as_of).items():
        value = row[column]
        points.append(
            FirmPoint(
                year,
                float(value) if value is not None else None,
                row["carbon_l"],
                row["tier"],
                row["basis"] != APPROVED,
            )
        )
    return sorted(points, key=lambda p: p.year)


def newest(
    session: Session,
    *,
    standard_id: str | None,
    edition: str | None,
    year: int | None,
    org_id: int | None,
    as_of: datetime | None = None,
) -> tuple[str, str, int] | None:
    """(standard, edition, year) of the firm's newest counted row matching what is given (by the
    firm's index), or of the newest population when no firm is given — with a refresh point
    `as_of`, among the rows written by then."""

    def wanted(s: str, e: str, y: int) -> bool:
        return (
            (standard_id is None or s == standard_id)
            and (edition is None or e == edition)
            and (year is None or y == year)
        )

    if org_id is not None:
        rows = session.execute(
            select(
                BenchmarkFact.standard_id, BenchmarkFact.edition, BenchmarkFact.year,
                BenchmarkFact.at, BenchmarkFact.counted,
            ).where(BenchmarkFact.organisation_id == org_id)
        ).all()  # fmt: skip
        mine = [
            r
            for r in rows
            if (r.counted if as_of is None else r.at <= as_of)
            and wanted(r.standard_id, r.edition, r.year)
        ]
        if not mine:
            return None
        best = max(mine, key=lambda r: (r.year, r.at))
        return best.standard_id, best.edition, best.year
    stmt = select(
        BenchmarkFact.standard_id, BenchmarkFact.edition, func.max(BenchmarkFact.year)
    ).where(_published(as_of))
    if standard_id is not None:
        stmt = stmt.where(BenchmarkFact.standard_id == standard_id)
    if edition is not None:
        stmt = stmt.where(BenchmarkFact.edition == edition)
    if year is not None:
        stmt = stmt.where(BenchmarkFact.year == year)
    found = session.execute(stmt.group_by(BenchmarkFact.standard_id, BenchmarkFact.edition)).all()
    if not found:
        return None
    standard, ed, top = max(found, key=lambda r: (r[2], r[0], r[1]))
    return str(standard), str(ed), int(top)
