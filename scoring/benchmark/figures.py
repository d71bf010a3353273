"""Benchmark figures: every figure of one cohort, with the firm's place in it. Pure.

`compute` gives the distribution of the maturity metric and of each domain with the firm's
percentile rank, the carbon intensity L, the intelligence × carbon quadrants, the firm's
year-over-year movement and its 碳效码 K grade against the sector average; every figure obeys
the lattice's suppression rule (`scoring.benchmark.lattice`). `figures_table` flattens a result
for CSV.

Imports numpy, standards, `scoring.carbon` and the other rooms of `scoring.benchmark`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np

from scoring.benchmark.lattice import SHOWN, Cohort, Lattice, Parts, Population, Reason, Suppression
from scoring.benchmark.stats import (
    PERCENTILE_RANK_METHOD,
    QUANTILE_METHOD,
    BoolArray,
    Distribution,
    FloatArray,
    distribution,
    histogram,
    percentile_rank,
    quantile,
)
from scoring.carbon import classify
from standards.factors import CarbonEfficiency
from standards.models import Text

PEER_POINTS = 2000  # at most this many anonymous points in the intelligence × carbon scatter
SECTOR_AVERAGE_METHOD = (
    "sum of energy tCO2 / sum of value added (10k yuan) over the approved firms of the GB/T 4754 "
    "division with carbon data in the year (INFERRED: the official sector averages are NOT FOUND)"
)


# --- metrics ---------------------------------------------------------------------------------


class Metric(StrEnum):
    PERCENT = "percent"  # score rate 0–100 (points standards)
    MATURITY_SCORE = "maturity_score"  # CMMM final score 0–5
    TIER_RANK = "tier_rank"  # rank of the tier reached (0 = none)


METRIC_EDGES: dict[Metric, tuple[float, ...]] = {
    Metric.PERCENT: tuple(float(v) for v in range(0, 101, 10)),
    Metric.MATURITY_SCORE: tuple(v / 2 for v in range(11)),
    Metric.TIER_RANK: tuple(v - 0.5 for v in range(7)),
}
METRIC_NAMES = {
    Metric.PERCENT: Text(zh="得分率 (%)", en="Score rate (%)"),
    Metric.MATURITY_SCORE: Text(zh="成熟度得分", en="Maturity score"),
    Metric.TIER_RANK: Text(zh="等级序号", en="Tier rank"),
}
L_NAME = Text(zh="碳效值 L（吨CO2/万元增加值）", en="Carbon intensity L (tCO2 per 10k yuan VA)")


def default_metric(method: str) -> Metric:
    """The maturity figure a standard is compared on: CMMM-style standards by maturity score."""
    return Metric.MATURITY_SCORE if method == "maturity" else Metric.PERCENT


# --- outputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A distribution with the firm's position in it (or why it is not shown)."""

    id: str
    name: Text
    higher_is_better: bool
    distribution: Distribution | None
    firm: float | None
    percentile: float | None
    suppression: Suppression = SHOWN

    def to_dict(self) -> dict[str, Any]:
        d = self.distribution
        return {
            "id": self.id,
            "name": self.name.model_dump(),
            "higher_is_better": self.higher_is_better,
            "n": d.n if d else None,
            "firm": self.firm,
            "percentile": self.percentile,
            "quartiles": d.quartiles() if d else None,
            "median": d.median if d else None,
            "spread": d.spread() if d else None,
            **self.suppression.to_dict(),
        }


@dataclass(frozen=True)
class CarbonGrade:
    """The firm's 碳效码 K grade against the sector average computed from the population."""

    sector: str
    sector_average_L: float | None
    K: float | None
    grade: int | None
    grade_name: Text | None
    method: str
    label: str
    suppression: Suppression = SHOWN

    def to_dict(self) -> dict[str, Any]:
        return {
            "sector": self.sector,
            "sector_average_L": self.sector_average_L,
            "K": self.K,
            "grade": self.grade,
            "grade_name": self.grade_name.model_dump() if self.grade_name else None,
            "method": self.method,
            "label": self.label,
            **self.suppression.to_dict(),
        }


QUADRANTS = {
    "leading": Text(zh="高智能·低碳", en="digital and low-carbon"),
    "digital_carbon_heavy": Text(zh="高智能·高碳", en="digital, carbon-heavy"),
    "low_carbon_less_digital": Text(zh="低智能·低碳", en="low-carbon, less digital"),
    "lagging": Text(zh="低智能·高碳", en="less digital, carbon-heavy"),
}


def quadrant(metric: float, big_l: float, metric_median: float, l_median: float) -> str:
    """Quadrant of a point; a point on a median counts as high maturity / low carbon."""
    digital = metric >= metric_median
    low_carbon = big_l <= l_median
    if digital:
        return "leading" if low_carbon else "digital_carbon_heavy"
    return "low_carbon_less_digital" if low_carbon else "lagging"


@dataclass(frozen=True)
class Quadrants:
    n: int | None
    metric_median: float | None
    l_median: float | None
    counts: dict[str, int]
    firm: str | None
    peers: list[tuple[float, float, bool]]  # (metric, L, self-assessed): rounded, sorted, sampled
    suppression: Suppression = SHOWN

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "split": {"metric_median": self.metric_median, "L_median": self.l_median},
            "counts": self.counts,
            "firm": self.firm,
            "peers": [{"metric": m, "L": big_l, "self_assessed": s} for m, big_l, s in self.peers],
            **self.suppression.to_dict(),
        }


@dataclass(frozen=True)
class FirmPoint:
    """The firm's own figures in one year."""

    year: int
    metric: float | None
    L: float | None
    tier: str | None = None
    self_assessed: bool = False


@dataclass(frozen=True)
class Movement:
    year: int
    metric: float | None
    L: float | None
    tier: str | None
    self_assessed: bool
    metric_change: float | None
    L_change: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Benchmark:
    standard: str
    edition: str
    year: int
    metric: Metric
    cohort: Cohort
    k: int
    cohort_size: int | None
    self_assessed: int | None
    synthetic: int | None
    suppression: Suppression
    firm_in_cohort: bool
    total: Figure
    domains: list[Figure]
    histogram: list[dict[str, float]]
    tiers: dict[str, int]
    carbon: Figure
    carbon_grade: CarbonGrade | None
    quadrants: Quadrants
    trajectory: list[Movement]
    notes: list[Text] = field(default_factory=list)
    # the refresh point the population was counted at (the service sets it; None: counted now)
    as_of: datetime | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppression.suppressed

    def to_dict(self) -> dict[str, Any]:
        total = self.total.distribution
        return {
            "standard": self.standard,
            "edition": self.edition,
            "year": self.year,
            "metric": self.metric.value,
            "cohort": self.cohort.to_dict(),
            "k": self.k,
            "cohort_size": self.cohort_size,
            "self_assessed": self.self_assessed,
            "synthetic": self.synthetic,
            **self.suppression.to_dict(),
            "firm_in_cohort": self.firm_in_cohort,
            "firm": self.total.firm,
            "percentile": self.total.percentile,
            "quartiles": total.quartiles() if total else None,
            "median": total.median if total else None,
            "spread": total.spread() if total else None,
            "total": self.total.to_dict(),
            "domains": [d.to_dict() for d in self.domains],
            "histogram": self.histogram,
            "tiers": self.tiers,
            "carbon": self.carbon.to_dict(),
            "carbon_grade": self.carbon_grade.to_dict() if self.carbon_grade else None,
            "quadrants": self.quadrants.to_dict(),
            "trajectory": [m.to_dict() for m in self.trajectory],
            "methods": {
                "quantile": QUANTILE_METHOD,
                "percentile_rank": PERCENTILE_RANK_METHOD,
                "sector_average": SECTOR_AVERAGE_METHOD,
            },
            "notes": [n.model_dump() for n in self.notes],
            "as_of": self.as_of.isoformat() if self.as_of is not None else None,
        }


# --- the computation -------------------------------------------------------------------------

_NO_DATA = Suppression(True, Reason.NO_DATA, Text(zh="无数据。", en="No data."))


def _value(array: FloatArray, row: int | None) -> float | None:
    if row is None:
        return None
    value = float(array[row])
    return None if math.isnan(value) else value


def _figure(
    figure_id: str,
    name: Text,
    values: FloatArray,
    firm: float | None,
    *,
    higher_is_better: bool = True,
    suppression: Suppression = SHOWN,
) -> Figure:
    """A figure over the given values (NaN ignored), unless suppressed."""
    present = values[~np.isnan(values)]
    if not suppression.suppressed and len(present) == 0:
        suppression = _NO_DATA
    if suppression.suppressed:
        return Figure(figure_id, name, higher_is_better, None, firm, None, suppression)
    ordered = np.sort(present)
    rank = percentile_rank(ordered, firm) if firm is not None else None
    return Figure(figure_id, name, higher_is_better, distribution(ordered), firm, rank)


def _partial(
    lattice: Lattice,
    pop: Population,
    cohort: Cohort,
    inside: BoolArray,
    values: FloatArray,
    parts: Parts,
) -> tuple[BoolArray, Suppression]:
    """The rows a figure is computed over and its verdict: the cohort's own when every member
    has a value; else the rule applied to the members that have one (a sub-population of its
    own, e.g. domains that only some targets are scored on)."""
    scored = ~np.isnan(values)
    if bool(scored[inside].all()):
        return inside, SHOWN
    verdict = lattice.decide(pop, cohort, within=scored, parts=parts)
    if verdict.reason is Reason.TOO_SMALL:
        verdict = replace(
            verdict,
            message=Text(
                zh=f"群体中有此项得分的企业不足 {lattice.k} 家，不予比较。",
                en=f"Fewer than {lattice.k} firms of the cohort are scored on this; not compared.",
            ),
        )
    return inside & scored, verdict


def sector_grade(
    lattice: Lattice,
    pop: Population,
    division: str,
    firm_l: float | None,
    efficiency: CarbonEfficiency,
) -> CarbonGrade:
    """The firm's 碳效码 K = L / sector average, graded with scoring.carbon's bands.

    The sector average is the ratio of sums over the approved firms of the division with carbon
    data; it is a figure of the cohort (division, all regions, all sizes, approved) on the
    carbon sub-population and obeys the same suppression rule."""
    label = efficiency.provenance.label.value
    sector = Cohort(industry=division)
    has_carbon = _carbon_rows(pop)
    verdict = lattice.decide(pop, sector, within=has_carbon)
    if verdict.suppressed:
        return CarbonGrade(division, None, None, None, None, SECTOR_AVERAGE_METHOD, label, verdict)
    rows = lattice.members(pop, sector, within=has_carbon)
    average = float(pop.tco2[rows].sum() / pop.value_added[rows].sum())
    big_k = grade = grade_name = None
    if firm_l is not None and average > 0:
        big_k = firm_l / average
        band = classify(big_k, efficiency.grade_bands)
        grade, grade_name = int(band.key), band.name
    return CarbonGrade(division, average, big_k, grade, grade_name, SECTOR_AVERAGE_METHOD, label)


def _carbon_rows(pop: Population) -> BoolArray:
    return (
        ~np.isnan(pop.L) & ~np.isnan(pop.tco2) & ~np.isnan(pop.value_added) & (pop.value_added > 0)
    )


def compute(
    *,
    lattice: Lattice,
    population: Population,
    cohort: Cohort,
    standard: str,
    edition: str,
    year: int,
    metric: Metric,
    domain_names: Mapping[str, Text] | None = None,
    tier_names: Mapping[int, str] | None = None,
    firm: int | None = None,
    history: Sequence[FirmPoint] = (),
    efficiency: CarbonEfficiency | None = None,
) -> Benchmark:
    """Every figure of one cohort: the distribution of the maturity metric and of each domain
    with the firm's percentile rank, the carbon intensity L, the intelligence × carbon quadrants,
    the firm's year-over-year movement and its K grade. A suppressed cohort yields no figure."""
    pop = population
    parts: Parts = {}
    verdict = lattice.decide(pop, cohort, parts=parts)
    row = pop.firm_row(firm) if firm is not None else None
    inside = lattice.members(pop, cohort, parts=parts)
    firm_in = row is not None and bool(inside[row])
    firm_metric, firm_l = _value(pop.metric, row), _value(pop.L, row)
    name = METRIC_NAMES[metric]
    trajectory = _trajectory(history)
    grade = None
    if efficiency is not None and row is not None and pop.industry[row, 0] >= 0:
        division = lattice.industry.code(0, int(pop.industry[row, 0]))
        grade = sector_grade(lattice, pop, division, firm_l, efficiency)

    if verdict.suppressed:
        return Benchmark(
            standard, edition, year, metric, cohort, lattice.k, None, None, None, verdict,
            firm_in, Figure("total", name, True, None, firm_metric, None, verdict), [], [], {},
            Figure("L", L_NAME, False, None, firm_l, None, verdict), grade,
            Quadrants(None, None, None, {}, None, [], verdict), trajectory,
        )  # fmt: skip

    n = int(inside.sum())
    synthetic = int(pop.synthetic[inside].sum())
    selfs = int(pop.self_assessed[inside].sum())
    notes: list[Text] = []
    if synthetic:
        notes.append(
            Text(
                zh=f"群体含 {synthetic} 家合成示例企业（synthetic），并非真实企业数据。",
                en=f"The cohort includes {synthetic} synthetic demo firms, not real firms' data.",
            )
        )
    if cohort.include_self:
        notes.append(
            Text(
                zh=f"应要求纳入企业自评结果（{selfs} 家），自评未经评审，仅供参考。",
                en=f"Self-assessments included on request ({selfs} firms): not reviewed by an "
                "evaluator.",
            )
        )
    rows, total_verdict = _partial(lattice, pop, cohort, inside, pop.metric, parts)
    total = _figure("total", name, pop.metric[rows], firm_metric, suppression=total_verdict)
    names = domain_names or {}
    domains = []
    for index, domain_id in enumerate(pop.domain_ids):
        column = pop.domains[:, index]
        rows, domain_verdict = _partial(lattice, pop, cohort, inside, column, parts)
        domains.append(
            _figure(
                domain_id,
                names.get(domain_id, Text(zh=domain_id, en=domain_id)),
                column[rows],
                _value(column, row),
                suppression=domain_verdict,
            )
        )
    shown = not total.suppression.suppressed
    hist = histogram(pop.metric[inside], METRIC_EDGES[metric]) if shown else []
    tiers: dict[str, int] = {}
    if shown:
        ranks = pop.tier_rank[inside]
        ranks = ranks[~np.isnan(ranks)].astype(np.int64)
        for rank in sorted(set(ranks.tolist())):
            key = (tier_names or {}).get(rank, str(rank)) if rank else "none"
            tiers[key] = int((ranks == rank).sum())

    has_carbon = _carbon_rows(pop)
    carbon_verdict = lattice.decide(pop, cohort, within=has_carbon, parts=parts)
    if carbon_verdict.reason is Reason.TOO_SMALL:
        carbon_verdict = replace(
            carbon_verdict,
            message=Text(
                zh=f"群体中有碳数据的企业不足 {lattice.k} 家，不显示碳效对比。",
                en=f"Fewer than {lattice.k} firms of the cohort have carbon data; carbon is not "
                "compared.",
            ),
        )
    with_carbon = inside & has_carbon
    carbon = _figure(
        "L", L_NAME, pop.L[with_carbon], firm_l, higher_is_better=False, suppression=carbon_verdict
    )
    quads = _quadrants(pop, with_carbon, firm_metric, firm_l, carbon_verdict)
    return Benchmark(
        standard=standard,
        edition=edition,
        year=year,
        metric=metric,
        cohort=cohort,
        k=lattice.k,
        cohort_size=n,
        self_assessed=selfs,
        synthetic=synthetic,
        suppression=verdict,
        firm_in_cohort=firm_in,
        total=total,
        domains=domains,
        histogram=hist,
        tiers=tiers,
        carbon=carbon,
        carbon_grade=grade,
        quadrants=quads,
        trajectory=trajectory,
        notes=notes,
    )


def _quadrants(
    pop: Population,
    rows: BoolArray,
    firm_metric: float | None,
    firm_l: float | None,
    verdict: Suppression,
) -> Quadrants:
    if verdict.suppressed:
        return Quadrants(None, None, None, {}, None, [], verdict)
    xs, ys = pop.metric[rows], pop.L[rows]
    keep = ~np.isnan(xs)
    xs, ys, selfs = xs[keep], ys[keep], pop.self_assessed[rows][keep]
    if len(xs) == 0:
        return Quadrants(None, None, None, {}, None, [], _NO_DATA)
    x_median = quantile(np.sort(xs), 0.5)
    y_median = quantile(np.sort(ys), 0.5)
    digital, low_carbon = xs >= x_median, ys <= y_median
    counts = {
        "leading": int((digital & low_carbon).sum()),
        "digital_carbon_heavy": int((digital & ~low_carbon).sum()),
        "low_carbon_less_digital": int((~digital & low_carbon).sum()),
        "lagging": int((~digital & ~low_carbon).sum()),
    }
    own = None
    if firm_metric is not None and firm_l is not None:
        own = quadrant(firm_metric, firm_l, x_median, y_median)
    # anonymous points: rounded, in value order (never in row order), at most PEER_POINTS of them
    # (evenly spaced in that order) so a chart of a large cohort stays light
    rx, ry = np.round(xs, 1), np.round(ys, 2)
    order = np.lexsort((selfs, ry, rx))
    if len(order) > PEER_POINTS:
        order = order[np.linspace(0, len(order) - 1, PEER_POINTS).round().astype(np.int64)]
    peers = list(zip(rx[order].tolist(), ry[order].tolist(), selfs[order].tolist(), strict=True))
    return Quadrants(len(xs), x_median, y_median, counts, own, peers)


def _trajectory(history: Sequence[FirmPoint]) -> list[Movement]:
    moves: list[Movement] = []
    previous: FirmPoint | None = None
    for point in sorted(history, key=lambda p: p.year):
        metric_change = l_change = None
        if previous is not None:
            if point.metric is not None and previous.metric is not None:
                metric_change = point.metric - previous.metric
            if point.L is not None and previous.L is not None:
                l_change = point.L - previous.L
        moves.append(
            Movement(
                point.year,
                point.metric,
                point.L,
                point.tier,
                point.self_assessed,
                metric_change,
                l_change,
            )
        )
        previous = point
    return moves


def figures_table(result: Benchmark, lang: str = "zh") -> list[dict[str, Any]]:
    """The aggregate figures as flat rows (for CSV), one per figure; a suppressed figure keeps
    its row with empty values and the reason. No row holds a peer's own value."""
    rows: list[dict[str, Any]] = []
    for figure in [result.total, *result.domains, result.carbon]:
        d = figure.distribution
        rows.append(
            {
                "figure": figure.id,
                "name": figure.name.get(lang),
                "n": d.n if d else None,
                "suppressed": figure.suppression.suppressed,
                "reason": figure.suppression.reason.value if figure.suppression.reason else "",
                "firm": figure.firm,
                "percentile": figure.percentile,
                "min": d.min if d else None,
                "p25": d.p25 if d else None,
                "median": d.median if d else None,
                "p75": d.p75 if d else None,
                "max": d.max if d else None,
                "iqr": d.iqr if d else None,
            }
        )
    return rows
