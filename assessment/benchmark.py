"""Benchmarking services: where a firm stands among its peers, in intelligence and in carbon.

The page (ui/benchmark.py) and `zhizao benchmark` call these; the figures and the privacy rule
are computed by scoring/benchmark.py from the rows of `benchmark_facts` (assessment/benchmark_store).

Who sees what:
- a firm's members compare their firm with cohorts it belongs to (each filter must contain the
  firm's own industry, region and size class);
- an evaluator may look at the firms whose submissions are assigned to them, the same way;
- administrators (provincial staff) see any cohort, with or without a firm;
- nobody sees a single peer: only aggregates of cohorts that pass the k = 5 and differencing
  rule, and anonymous, rounded points in the intelligence × carbon scatter.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from assessment import benchmark_store
from assessment.access import load_organisation, require_admin
from assessment.db import Database
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.identity import Principal, Role
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
    """What the page needs to offer cohorts a firm belongs to."""

    org_id: int
    name: str
    industry_code: str
    region_code: str
    size_class: str | None
    industry_chain: list[str | None]
    region_chain: list[str | None]


def _standard(standard_id: str) -> Standard:
    try:
        return bundled_library().standard(standard_id)
    except KeyError as exc:
        raise InvalidInput(str(exc.args[0])) from None


def _domain_names(standard: Standard) -> dict[str, Text]:
    return {n.id: n.name for n in standard.nodes}


def _tier_names(standard: Standard) -> dict[int, str]:
    return {t.rank: t.id for t in standard.tiers}


def _check(cohort: Cohort) -> Cohort:
    try:
        return lattice().check(cohort)
    except BenchmarkError as exc:
        raise InvalidInput(str(exc)) from None


def firm_facts(actor: Principal, db: Database, org_id: int) -> FirmFacts:
    with db.read() as session:
        org = load_organisation(session, actor, org_id)
        lat = lattice()
        industry = org.industry_code[:3] if len(org.industry_code) >= 3 else org.industry_code
        return FirmFacts(
            org.id,
            org.name,
            org.industry_code,
            org.region_code,
            org.size_class,
            lat.industry.chain(industry),
            lat.region.chain(org.region_code),
        )


def _belongs(facts: FirmFacts, cohort: Cohort) -> bool:
    return (
        (cohort.industry is None or facts.industry_code.startswith(cohort.industry))
        and (cohort.region is None or cohort.region in facts.region_chain)
        and (cohort.size is None or cohort.size == facts.size_class)
    )


def editions(db: Database) -> list[benchmark_store.Edition]:
    """Standard editions and years that have results to compare (anyone signed in)."""
    with db.read() as session:
        return benchmark_store.editions(session)


def firm_benchmark(actor: Principal, db: Database, org_id: int, query: Query) -> Benchmark:
    """The firm's position in a cohort it belongs to (administrators: in any cohort)."""
    cohort = _check(query.cohort)
    facts = firm_facts(actor, db, org_id)  # NotFound for a firm the actor may not see
    if actor.role is not Role.ADMINISTRATOR and not _belongs(facts, cohort):
        raise PermissionDenied(
            "benchmark: a firm is compared only with cohorts it belongs to; choose filters that "
            f"contain its industry {facts.industry_code}, region {facts.region_code} and size "
            f"class {facts.size_class or '—'}"
        )
    with db.read() as session:
        standard_id, edition, year = _which(session, query, org_id)
        return _run(session, standard_id, edition, year, cohort, query.metric, org_id)


def cohort_benchmark(actor: Principal, db: Database, query: Query) -> Benchmark:
    """Provincial view: the aggregates of any cohort, without any firm (administrators)."""
    require_admin(actor, "benchmark a region or industry")
    cohort = _check(query.cohort)
    with db.read() as session:
        standard_id, edition, year = _which(session, query, None)
        return _run(session, standard_id, edition, year, cohort, query.metric, None)


def _which(session: Any, query: Query, org_id: int | None) -> tuple[str, str, int]:
    """Standard, edition and year: as asked, else the firm's newest counted row, else the newest
    population."""
    found = None
    for firm in (org_id, None) if org_id is not None else (None,):
        found = benchmark_store.newest(
            session,
            standard_id=query.standard,
            edition=query.edition,
            year=query.year,
            org_id=firm,
        )
        if found is not None:
            break
    if found is None:
        given = (query.standard, query.edition, query.year)
        wanted = " ".join(str(v) for v in given if v is not None)
        raise NotFound(f"benchmark: no results to compare{' for ' + wanted if wanted else ''}")
    return found


def _run(
    session: Any,
    standard_id: str,
    edition: str,
    year: int,
    cohort: Cohort,
    metric: Metric | None,
    org_id: int | None,
) -> Benchmark:
    standard = _standard(standard_id)
    chosen = metric or default_metric(standard.scoring.method)
    lat = lattice()
    population = benchmark_store.load_population(session, lat, standard_id, edition, year, chosen)
    history = (
        benchmark_store.firm_history(session, org_id, standard_id, edition, chosen)
        if org_id is not None
        else []
    )
    factors = bundled_library().factors
    return compute(
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
