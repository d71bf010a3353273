"""Benchmarking services: where a firm stands among its peers, in intelligence and in carbon.

The page (ui/pages/benchmark.py) and `zhizao benchmark` call these; the figures and the privacy rule
are computed by scoring/benchmark.py from the rows of `benchmark_facts` (assessment/benchmark_store).

Who sees what:
- a firm's members compare their firm with cohorts it belongs to (each filter must contain the
  firm's own industry, region and size class);
- an evaluator may look at the firms whose submissions are assigned to them, the same way;
- administrators (provincial staff) see any cohort, with or without a firm;
- nobody sees a single peer: only aggregates of cohorts that pass the k = 5 and differencing
  rule, and anonymous, rounded points in the intelligence × carbon scatter.

A firm belongs to the cohorts of the classification its benchmark row was written with (what the
population counts it under), not to whatever its organisation says now; and only administrators
change an organisation's classification (assessment/organisations.py).

Figures are those of the last refresh point (midnight, China time; `benchmark_store.
refresh_point`), never live, and say so (`Benchmark.as_of` and a note): two queries on either
side of one approval give the same figures until the next refresh point.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any

from assessment.accounts.access import load_organisation, require_admin
from assessment.accounts.principal import Clock, Principal, Role
from assessment.benchmark import store as benchmark_store
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.storage.db import CHINA, Database, utcnow
from scoring.benchmark import (
    MIN_COHORT,
    Benchmark,
    BenchmarkError,
    Cohort,
    Lattice,
    Metric,
    compute,
    default_metric,
    figures_table,
)
from standards import Standard, Text, bundled_library
from standards.problems import Problem


@cache
def lattice(k: int = MIN_COHORT) -> Lattice:
    classifications = bundled_library().classifications
    if classifications is None:
        raise RuntimeError("the bundled library has no classifications document")
    return Lattice.of(classifications, k)


@dataclass(frozen=True)
class Query:
    """What to compare. Unset standard / edition / year: the firm's newest result (or the newest
    year of the population); unset filters: all."""

    standard: str | None = None
    edition: str | None = None
    year: int | None = None
    industry: str | None = None
    region: str | None = None
    size: str | None = None
    include_self: bool = False
    metric: Metric | None = None

    @property
    def cohort(self) -> Cohort:
        return Cohort(self.industry, self.region, self.size, self.include_self)


@dataclass(frozen=True)
class FirmFacts:
    """What the page needs to offer cohorts a firm belongs to: the classification of the row the
    firm is counted with (the organisation's own when it has none in the population asked for)."""

    org_id: int
    name: str
    industry_code: str
    region_code: str
    size_class: str | None
    industry_chain: list[str | None]
    region_chain: list[str | None]


def _standard(standard_id: str) -> Standard:
    library = bundled_library()
    if (problem := library.unknown_standard(standard_id)) is not None:
        raise InvalidInput(problem)
    return library.standard(standard_id)


def _domain_names(standard: Standard) -> dict[str, Text]:
    return {n.id: n.name for n in standard.nodes}


def _tier_names(standard: Standard) -> dict[int, str]:
    return {t.rank: t.id for t in standard.tiers}


def _check(cohort: Cohort) -> Cohort:
    try:
        return lattice().check(cohort)
    except BenchmarkError as exc:
        raise InvalidInput(_problems(exc)) from None


def _problems(exc: BenchmarkError) -> list[Problem]:
    return [exc.problem]


def firm_facts(
    actor: Principal,
    db: Database,
    org_id: int,
    query: Query | None = None,
    *,
    clock: Clock = utcnow,
) -> FirmFacts:
    """The firm's classification for the population `query` names (standard, edition, year; unset:
    the firm's newest), as its benchmark row holds it at the current refresh point."""
    as_of = benchmark_store.refresh_point(clock())
    with db.read() as session:
        return _facts(session, actor, org_id, query or Query(), as_of)


def _facts(session: Any, actor: Principal, org_id: int, query: Query, as_of: datetime) -> FirmFacts:
    org = load_organisation(session, actor, org_id)  # NotFound for a firm one may not see
    industry, region, size = org.industry_code, org.region_code, org.size_class
    try:
        standard_id, edition, year = _which(session, query, org.id, as_of)
    except NotFound:
        pass  # nothing to compare yet: the organisation's classification
    else:
        row = benchmark_store.firm_rows(session, org.id, standard_id, edition, as_of).get(year)
        if row is not None:
            industry, region, size = row["industry_code"], row["region_code"], row["size_class"]
    lat = lattice()
    group = industry[:3] if len(industry) >= 3 else industry
    return FirmFacts(
        org.id,
        org.name,
        industry,
        region,
        size,
        lat.industry.chain(group),
        lat.region.chain(region),
    )


def _belongs(facts: FirmFacts, cohort: Cohort) -> bool:
    return (
        (cohort.industry is None or facts.industry_code.startswith(cohort.industry))
        and (cohort.region is None or cohort.region in facts.region_chain)
        and (cohort.size is None or cohort.size == facts.size_class)
    )


def editions(db: Database, *, clock: Clock = utcnow) -> list[benchmark_store.Edition]:
    """Standard editions and years that have results to compare at the current refresh point
    (anyone signed in)."""
    with db.read() as session:
        return benchmark_store.editions(session, benchmark_store.refresh_point(clock()))


def firm_benchmark(
    actor: Principal, db: Database, org_id: int, query: Query, *, clock: Clock = utcnow
) -> Benchmark:
    """The firm's position in a cohort it belongs to (administrators: in any cohort), as of the
    current refresh point."""
    cohort = _check(query.cohort)
    as_of = benchmark_store.refresh_point(clock())
    with db.read() as session:
        facts = _facts(session, actor, org_id, query, as_of)
        if actor.role is not Role.ADMINISTRATOR and not _belongs(facts, cohort):
            raise PermissionDenied(
                Problem(
                    ("benchmark",), "benchmark.not_in_cohort",
                    {"industry": facts.industry_code, "region": facts.region_code,
                     "size": facts.size_class or "—"},
                )
            )  # fmt: skip
        standard_id, edition, year = _which(session, query, org_id, as_of)
        return _run(session, standard_id, edition, year, cohort, query.metric, org_id, as_of)


def cohort_benchmark(
    actor: Principal, db: Database, query: Query, *, clock: Clock = utcnow
) -> Benchmark:
    """Provincial view: the aggregates of any cohort, without any firm (administrators), as of the
    current refresh point."""
    require_admin(actor, "benchmark a region or industry")
    cohort = _check(query.cohort)
    as_of = benchmark_store.refresh_point(clock())
    with db.read() as session:
        standard_id, edition, year = _which(session, query, None, as_of)
        return _run(session, standard_id, edition, year, cohort, query.metric, None, as_of)


def _which(session: Any, query: Query, org_id: int | None, as_of: datetime) -> tuple[str, str, int]:
    """Standard, edition and year: as asked, else the firm's newest counted row, else the newest
    population (at the refresh point)."""
    found = None
    for firm in (org_id, None) if org_id is not None else (None,):
        found = benchmark_store.newest(
            session,
            standard_id=query.standard,
            edition=query.edition,
            year=query.year,
            org_id=firm,
            as_of=as_of,
        )
        if found is not None:
            break
    if found is None:
        given = (query.standard, query.edition, query.year)
        wanted = " ".join(str(v) for v in given if v is not None)
        if wanted:
            raise NotFound(Problem(("benchmark",), "benchmark.no_results_for", {"wanted": wanted}))
        raise NotFound(Problem(("benchmark",), "benchmark.no_results"))
    return found


def as_of_note(as_of: datetime) -> Text:
    """The refresh point, as shown with the figures."""
    local = as_of.astimezone(CHINA)
    return Text(
        zh=f"数据截至更新点 {local:%Y-%m-%d %H:%M}（北京时间）。对标数据每日零时更新一次，"
        "此后审定的结果自下一更新点起计入。",
        en=f"Figures as of the refresh point {local:%Y-%m-%d %H:%M} (China time). Cohort figures "
        "are refreshed once a day at midnight; results decided since count from the next "
        "refresh point.",
    )


def _run(
    session: Any,
    standard_id: str,
    edition: str,
    year: int,
    cohort: Cohort,
    metric: Metric | None,
    org_id: int | None,
    as_of: datetime,
) -> Benchmark:
    standard = _standard(standard_id)
    chosen = metric or default_metric(standard.scoring.method)
    lat = lattice()
    population = benchmark_store.load_population(
        session, lat, standard_id, edition, year, chosen, as_of
    )
    history = (
        benchmark_store.firm_history(session, org_id, standard_id, edition, chosen, as_of)
        if org_id is not None
        else []
    )
    factors = bundled_library().factors
    result = compute(
        lattice=lat,
        population=population,
        cohort=cohort,
        standard=standard_id,
        edition=edition,
        year=year,
        metric=chosen,
        domain_names=_domain_names(standard),
        tier_names=_tier_names(standard),
        firm=org_id,
        history=history,
        efficiency=factors.carbon_efficiency if factors else None,
    )
    return replace(result, as_of=as_of, notes=[*result.notes, as_of_note(as_of)])


def with_suggestion(query: Query, result: Benchmark) -> Query | None:
    """The query of the wider cohort a suppressed result suggests."""
    wider = result.suppression.suggestion
    if wider is None:
        return None
    return replace(query, industry=wider.industry, region=wider.region, size=wider.size)


def csv_text(result: Benchmark, lang: str = "zh") -> str:
    """The aggregate figures as CSV (with a header naming the cohort; no peer's own value)."""
    out = io.StringIO()
    cohort = result.cohort.to_dict()
    out.write(
        f"# zhizao benchmark · {result.standard} {result.edition} · {result.year} · "
        f"industry={cohort['industry'] or 'all'} region={cohort['region'] or 'all'} "
        f"size={cohort['size'] or 'all'} basis={cohort['basis']} · k={result.k}"
        f"{' · as of ' + result.as_of.isoformat() if result.as_of else ''}"
        f"{' · synthetic demo data' if result.synthetic else ''}\n"
    )
    rows = [
        {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
        for row in figures_table(result, lang)
    ]
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def report_block(result: Benchmark, lang: str = "zh") -> dict[str, Any]:
    """The benchmark section of an assessment report (assessment/documents/report.py)."""
    cohort = result.cohort.to_dict()
    label = (
        f"{result.standard} {result.edition} · {result.year} · "
        f"行业 {cohort['industry'] or '全部'} · 地区 {cohort['region'] or '全部'} · "
        f"规模 {cohort['size'] or '全部'}"
    )
    if result.suppressed:
        message = result.suppression.message
        return {"cohort": label, "rows": [], "note": message.get(lang) if message else ""}
    rows = [
        ["对标群体企业数 Firms in cohort", str(result.cohort_size)],
        [
            "百分位 Percentile rank",
            f"{result.total.percentile:.1f}" if result.total.percentile is not None else "—",
        ],
    ]
    d = result.total.distribution
    if d is not None:
        rows.append(
            ["四分位 Quartiles (P25 / median / P75)", f"{d.p25:.1f} / {d.median:.1f} / {d.p75:.1f}"]
        )
    return {"cohort": label, "rows": rows, "note": "; ".join(n.get(lang) for n in result.notes)}
