"""Benchmark cohorts: where a firm stands among its peers, in intelligence and in carbon. Pure.

The *population* is every firm's result in one standard edition and one year (one row per firm:
its approved result, or — only when asked — its self-assessment). A *cohort* is a node of a fixed
lattice of filter combinations over it: industry (all / GB/T 4754 division / group), region (all /
GB/T 2260 province / city / county), size class (all / one class) and basis (approved results only,
or with self-assessments). How codes nest comes from the `classifications` document.

Privacy (docs/benchmark.md). k = 5 (`MIN_COHORT`), a declared parameter:
- a cohort with fewer than k firms is never shown;
- differencing: two cohorts whose member sets differ by 1 to k − 1 firms (the symmetric
  difference, so nested and merely overlapping cohorts alike) are never both shown. Of such a pair
  the self-inclusive one is suppressed (self-assessments are the optional view); on the same basis
  the smaller one (the narrower filter keeps nothing the wider one does not say); at equal size
  the one whose filters sort later. The pair is found from either side (`Lattice._close`), so the
  rule holds between any two cohorts anyone asks for, whoever asks and in whatever order;
- a suppressed cohort says why and suggests the nearest wider cohort that is shown.
The same rule guards every sub-population shown on its own (firms with carbon data).

Statistics:
- quantiles: Hyndman–Fan type 7 (linear interpolation between order statistics, as Excel
  PERCENTILE.INC and numpy's default): h = (n − 1)·p, Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]);
- percentile rank (mid-rank): PR(x) = 100 · (#{values < x} + ½·#{values = x}) / n over the
  cohort's values (which hold the firm's own value when the firm is a member).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from itertools import product
from typing import Any

import numpy as np
from numpy.typing import NDArray

from scoring.carbon import classify
from standards.classifications import ClassificationLibrary, CodeScheme, SizeRule
from standards.factors import CarbonEfficiency
from standards.models import Text

MIN_COHORT = 5
PEER_POINTS = 2000  # at most this many anonymous points in the intelligence × carbon scatter
QUANTILE_METHOD = "Hyndman-Fan type 7: linear interpolation between order statistics"
PERCENTILE_RANK_METHOD = "mid-rank: 100 x (values below + 1/2 x values equal) / n"
SECTOR_AVERAGE_METHOD = (
    "sum of energy tCO2 / sum of value added (10k yuan) over the approved firms of the GB/T 4754 "
    "division with carbon data in the year (INFERRED: the official sector averages are NOT FOUND)"
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


# --- size classes --------------------------------------------------------------------------------


def size_class(employees: int, revenue: float, rule: SizeRule) -> str:
    """The size class key of a firm: the first class (largest first) whose every lower bound the
    firm meets; the last class (no bounds) otherwise."""
    for cls in rule.classes:
        if cls.min_employees is None and cls.min_revenue is None:
            return cls.key
        if (cls.min_employees is None or employees >= cls.min_employees) and (
            cls.min_revenue is None or revenue >= cls.min_revenue
        ):
            return cls.key
    return rule.classes[-1].key


# --- cohorts and codes ---------------------------------------------------------------------------


class BenchmarkError(ValueError):
    """A cohort that is not a node of the lattice (e.g. a 4-digit industry code)."""


@dataclass(frozen=True)
class CodeLevels:
    """Levels of one hierarchical code, coarsest first: (key, digits, written length or None)."""

    name: str
    levels: tuple[tuple[str, int, int | None], ...]

    @classmethod
    def of(cls, scheme: CodeScheme) -> CodeLevels:
        return cls(scheme.id, tuple((lv.key, lv.digits, lv.pad_to) for lv in scheme.levels))

    def written(self, prefix: str, index: int) -> str:
        """How a code of level `index` is written (a GB/T 2260 city 3302 is written 330200)."""
        pad = self.levels[index][2]
        return prefix.ljust(pad, "0") if pad else prefix

    def level_of(self, code: str) -> int:
        """Index of the level a written code names; BenchmarkError if it names none. A padded code
        names the coarsest level it is written as (330000 is the province, 330200 the city)."""
        for index, (_key, digits, pad) in enumerate(self.levels):
            if len(code) < digits or not code.isdigit():
                continue
            if (pad is None and len(code) == digits) or (
                pad is not None and code == self.written(code[:digits], index)
            ):
                return index
        shown = " or ".join(f"{key} ({pad or digits} digits)" for key, digits, pad in self.levels)
        raise BenchmarkError(f"{self.name} code {code!r} names no cohort level; use a {shown} code")

    def key(self, code: str) -> str:
        return self.levels[self.level_of(code)][0]

    def value(self, code: str) -> tuple[int, int]:
        """(level index, the code's prefix as an integer) of a written code."""
        index = self.level_of(code)
        return index, int(code[: self.levels[index][1]])

    def prefixes(self, code: str) -> list[int]:
        """A member's code as one integer prefix per level (-1 where the code is too short)."""
        return [
            int(code[:digits]) if len(code) >= digits and code[:digits].isdigit() else -1
            for _key, digits, _pad in self.levels
        ]

    def code(self, index: int, value: int) -> str:
        return self.written(str(value).zfill(self.levels[index][1]), index)

    def chain(self, code: str | None) -> list[str | None]:
        """The code and every coarser code, up to None (= all), coarsest first."""
        if code is None:
            return [None]
        index = self.level_of(code)
        coarser = [self.written(code[:d], i) for i, (_k, d, _p) in enumerate(self.levels)]
        return [None, *coarser[: index + 1]]


@dataclass(frozen=True, order=True)
class Cohort:
    """One node of the lattice. `None` means "all" on that dimension."""

    industry: str | None = None
    region: str | None = None
    size: str | None = None
    include_self: bool = False

    def label(self) -> str:
        return " · ".join(
            [
                f"industry {self.industry or 'all'}",
                f"region {self.region or 'all'}",
                f"size {self.size or 'all'}",
                "approved + self-assessed" if self.include_self else "approved",
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "industry": self.industry,
            "region": self.region,
            "size": self.size,
            "basis": "approved+self" if self.include_self else "approved",
        }

    def sort_key(self) -> tuple[str, str, str, bool]:
        return (self.industry or "", self.region or "", self.size or "", self.include_self)


# --- the population ------------------------------------------------------------------------------


def _floats(values: Sequence[object]) -> FloatArray:
    return np.array(
        [
            float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan
            for v in values
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class Population:
    """Every firm's row in one standard edition and year, as columns (NaN = no value).

    `firm` is an opaque key used only to find the asking firm's row; it never leaves this module.
    `industry` / `region` hold one integer code prefix per level of the lattice's code levels.
    """

    firm: IntArray
    industry: IntArray
    region: IntArray
    size: IntArray
    self_assessed: BoolArray
    synthetic: BoolArray
    metric: FloatArray
    tier_rank: FloatArray
    domains: FloatArray
    domain_ids: tuple[str, ...]
    L: FloatArray
    tco2: FloatArray
    value_added: FloatArray

    @property
    def n(self) -> int:
        return len(self.firm)

    @classmethod
    def of(
        cls, lattice: Lattice, rows: Sequence[Mapping[str, Any]], domain_ids: Sequence[str] = ()
    ) -> Population:
        """From plain rows: {firm, industry, region, size, self_assessed, synthetic, metric,
        tier_rank, domains: {id: value}, L, tco2, value_added} (missing keys = no value)."""
        ids = tuple(domain_ids)
        n = len(rows)
        return cls(
            firm=np.array([int(r.get("firm", i)) for i, r in enumerate(rows)], dtype=np.int64),
            industry=np.array(
                [lattice.industry.prefixes(str(r["industry"])) for r in rows], dtype=np.int64
            ).reshape(n, len(lattice.industry.levels)),
            region=np.array(
                [lattice.region.prefixes(str(r["region"])) for r in rows], dtype=np.int64
            ).reshape(n, len(lattice.region.levels)),
            size=np.array([lattice.size_index(r.get("size")) for r in rows], dtype=np.int64),
            self_assessed=np.array([bool(r.get("self_assessed")) for r in rows], dtype=np.bool_),
            synthetic=np.array([bool(r.get("synthetic")) for r in rows], dtype=np.bool_),
            metric=_floats([r.get("metric") for r in rows]),
            tier_rank=_floats([r.get("tier_rank") for r in rows]),
            domains=np.array(
                [_floats([(r.get("domains") or {}).get(d) for d in ids]) for r in rows],
                dtype=np.float64,
            ).reshape(n, len(ids)),
            domain_ids=ids,
            L=_floats([r.get("L") for r in rows]),
            tco2=_floats([r.get("tco2") for r in rows]),
            value_added=_floats([r.get("value_added") for r in rows]),
        )

    def firm_row(self, firm: int) -> int | None:
        found = np.flatnonzero(self.firm == firm)
        return int(found[0]) if len(found) else None


# --- the lattice and its suppression rule --------------------------------------------------------


class Reason(StrEnum):
    TOO_SMALL = "too_small"
    DIFFERENCING = "differencing"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Suppression:
    suppressed: bool
    reason: Reason | None = None
    message: Text | None = None
    against: Cohort | None = None
    suggestion: Cohort | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "suppressed": self.suppressed,
            "reason": self.reason.value if self.reason else None,
            "message": self.message.model_dump() if self.message else None,
            "against": self.against.to_dict() if self.against else None,
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
        }


SHOWN = Suppression(False)


Parts = dict[tuple[str, object], BoolArray]


class _Masks:
    """Membership of a population, cached per filter value (`parts` may be shared by several
    decisions on one population; the basis, which depends on `within`, is cached here)."""

    def __init__(
        self, lattice: Lattice, pop: Population, within: BoolArray | None, parts: Parts | None
    ) -> None:
        self.lattice = lattice
        self.pop = pop
        self.base = np.ones(pop.n, dtype=np.bool_) if within is None else within
        self.cache: Parts = {} if parts is None else parts
        self.bases: Parts = {}

    def _part(self, dim: str, value: object) -> BoolArray:
        if dim == "basis":
            found = self.bases.get((dim, value))
            if found is None:
                found = self.base if value else self.base & ~self.pop.self_assessed
                self.bases[(dim, value)] = found
            return found
        key = (dim, value)
        found = self.cache.get(key)
        if found is None:
            pop, lat = self.pop, self.lattice
            if dim == "industry":
                index, number = lat.industry.value(str(value))
                found = pop.industry[:, index] == number
            elif dim == "region":
                index, number = lat.region.value(str(value))
                found = pop.region[:, index] == number
            else:
                found = pop.size == lat.size_index(str(value))
            self.cache[key] = found
        return found

    def of(self, cohort: Cohort) -> BoolArray:
        mask = self._part("basis", cohort.include_self)
        if cohort.industry is not None:
            mask = mask & self._part("industry", cohort.industry)
        if cohort.region is not None:
            mask = mask & self._part("region", cohort.region)
        if cohort.size is not None:
            mask = mask & self._part("size", cohort.size)
        return mask


@dataclass(frozen=True)
class Lattice:
    """The fixed lattice of cohorts and the suppression rule."""

    industry: CodeLevels
    region: CodeLevels
    sizes: tuple[str, ...]
    k: int = MIN_COHORT

    @classmethod
    def of(
        cls, classifications: ClassificationLibrary, k: int = MIN_COHORT, sector: str = "industry"
    ) -> Lattice:
        rule = classifications.size_rule(sector)
        return cls(
            CodeLevels.of(classifications.industry_codes),
            CodeLevels.of(classifications.region_codes),
            tuple(c.key for c in rule.classes),
            k,
        )

    def size_index(self, size: object) -> int:
        return self.sizes.index(str(size)) if size in self.sizes else -1

    def check(self, cohort: Cohort) -> Cohort:
        """The cohort itself if it is a lattice node; BenchmarkError naming the bad filter."""
        if cohort.industry is not None:
            self.industry.level_of(cohort.industry)
        if cohort.region is not None:
            self.region.level_of(cohort.region)
        if cohort.size is not None and cohort.size not in self.sizes:
            raise BenchmarkError(
                f"size class {cohort.size!r} is not one of {', '.join(self.sizes)}"
            )
        return cohort

    def supersets(self, cohort: Cohort) -> list[Cohort]:
        """Every lattice node on the same basis whose filters contain `cohort`'s, itself included."""
        self.check(cohort)
        sizes: list[str | None] = [None] if cohort.size is None else [None, cohort.size]
        return [
            Cohort(i, r, s, cohort.include_self)
            for i, r, s in product(
                self.industry.chain(cohort.industry), self.region.chain(cohort.region), sizes
            )
        ]

    def is_within(self, narrower: Cohort, wider: Cohort) -> bool:
        """True when `wider`'s filters contain `narrower`'s (whatever the data)."""
        return (
            (wider.include_self or not narrower.include_self)
            and wider.industry in self.industry.chain(narrower.industry)
            and wider.region in self.region.chain(narrower.region)
            and (wider.size is None or wider.size == narrower.size)
        )

    def steps(self, wider: Cohort, narrower: Cohort) -> int:
        """How many single coarsenings of filters lead from `narrower` to `wider`."""
        ind = len(self.industry.chain(narrower.industry)) - len(self.industry.chain(wider.industry))
        reg = len(self.region.chain(narrower.region)) - len(self.region.chain(wider.region))
        return ind + reg + int(narrower.size is not None and wider.size is None)

    def members(
        self,
        pop: Population,
        cohort: Cohort,
        within: BoolArray | None = None,
        parts: Parts | None = None,
    ) -> BoolArray:
        """Which rows of the population belong to the cohort (and to `within`, if given)."""
        self.check(cohort)
        return _Masks(self, pop, within, parts).of(cohort)

    def decide(
        self,
        pop: Population,
        cohort: Cohort,
        within: BoolArray | None = None,
        parts: Parts | None = None,
    ) -> Suppression:
        """Shown, or suppressed with the reason and the nearest shown wider cohort.

        `within` restricts the population to the rows a figure is computed over (firms with
        carbon data, firms scored on a domain), which the rule then guards on its own. `parts`
        shares cached filter masks between decisions on one population."""
        self.check(cohort)
        masks = _Masks(self, pop, within, parts)
        verdict = self._verdict(masks, cohort)
        if verdict.suppressed:
            verdict = replace(verdict, suggestion=self._suggest(masks, cohort))
        return verdict

    def _verdict(self, masks: _Masks, cohort: Cohort) -> Suppression:
        k = self.k
        inside = masks.of(cohort)
        n = int(inside.sum())
        if n < k:
            return Suppression(
                True,
                Reason.TOO_SMALL,
                Text(
                    zh=f"该对标群体不足 {k} 家企业，不予显示。",
                    en=f"This cohort has fewer than {k} firms and is not shown.",
                ),
            )
        for other, other_n in self._close(masks, cohort, inside, n):
            if self._loses(cohort, n, other, other_n):
                if other.include_self != cohort.include_self:
                    message = Text(
                        zh=f"纳入自评只改变了不足 {k} 家企业；与仅含已认定结果的群体相比可推知"
                        "这些自评企业的数据，故不予显示。",
                        en=f"Including self-assessments changes fewer than {k} firms; compared "
                        "with the approved-only cohort it would reveal them, so it is not shown.",
                    )
                else:
                    message = Text(
                        zh=f"该对标群体与另一群体（{other.label()}）仅相差不足 {k} 家企业，"
                        "两者对比可推知这几家企业的数据，故不予显示。",
                        en=f"This cohort differs from another one ({other.label()}) by fewer "
                        f"than {k} firms; comparing the two would reveal those firms, so it is "
                        "not shown.",
                    )
                return Suppression(True, Reason.DIFFERENCING, message, against=other)
        return SHOWN

    def _close(
        self, masks: _Masks, cohort: Cohort, inside: BoolArray, n: int
    ) -> list[tuple[Cohort, int]]:
        """Every cohort whose members differ from `cohort`'s by 1 to k − 1 firms.

        Complete: such a cohort's filter on each dimension is either one of `cohort`'s coarser
        codes (or its own), or a finer code that at least n − (k − 1) members share — any other
        code leaves out k or more members, or none of them (then all n ≥ k differ)."""
        k = self.k
        floor = n - (k - 1)
        pop = masks.pop

        def finer(levels: CodeLevels, column: IntArray, code: str | None) -> list[str | None]:
            start = levels.level_of(code) + 1 if code is not None else 0
            found: list[str | None] = []
            for index in range(start, len(levels.levels)):
                values, counts = np.unique(column[inside, index], return_counts=True)
                found += [
                    levels.code(index, int(v))
                    for v, c in zip(values.tolist(), counts.tolist(), strict=True)
                    if c >= floor and v >= 0
                ]
            return found

        industries = self.industry.chain(cohort.industry) + finer(
            self.industry, pop.industry, cohort.industry
        )
        regions = self.region.chain(cohort.region) + finer(self.region, pop.region, cohort.region)
        sizes: list[str | None] = [None]
        if cohort.size is not None:
            sizes.append(cohort.size)
        else:
            values, counts = np.unique(pop.size[inside], return_counts=True)
            sizes += [
                self.sizes[int(v)]
                for v, c in zip(values.tolist(), counts.tolist(), strict=True)
                if c >= floor and v >= 0
            ]
        close: list[tuple[Cohort, int]] = []
        for i, r, s, b in product(industries, regions, sizes, (False, True)):
            other = Cohort(i, r, s, b)
            if other == cohort:
                continue
            theirs = masks.of(other)
            other_n = int(theirs.sum())
            both = int((inside & theirs).sum())
            if 0 < n + other_n - 2 * both < k:
                close.append((other, other_n))
        return close

    @staticmethod
    def _loses(cohort: Cohort, n: int, other: Cohort, other_n: int) -> bool:
        """Of a close pair, which is suppressed: the self-inclusive one, else the smaller one, else
        the one whose filters sort later. Exactly one of any pair loses."""
        if cohort.include_self != other.include_self:
            return cohort.include_self
        if n != other_n:
            return n < other_n
        return cohort.sort_key() > other.sort_key()

    def _suggest(self, masks: _Masks, cohort: Cohort) -> Cohort | None:
        """The nearest shown wider cohort on the same basis: fewest coarsenings, then the one that
        keeps the industry filter longest, then the smallest."""
        options = []
        for wider in self.supersets(cohort):
            if wider == cohort:
                continue
            industry_kept = len(self.industry.chain(wider.industry))
            size = int(masks.of(wider).sum())
            options.append(
                (self.steps(wider, cohort), -industry_kept, size, wider.sort_key(), wider)
            )
        for *_order, wider in sorted(options):
            if not self._verdict(masks, wider).suppressed:
                return wider
        return None


# --- statistics ----------------------------------------------------------------------------------


def quantile(sorted_values: FloatArray, p: float) -> float:
    """Hyndman–Fan type 7 quantile of ascending values (at least one)."""
    n = len(sorted_values)
    h = (n - 1) * p
    low = math.floor(h)
    high = min(low + 1, n - 1)
    return float(sorted_values[low] + (h - low) * (sorted_values[high] - sorted_values[low]))


def percentile_rank(sorted_values: FloatArray, x: float) -> float:
    """Mid-rank percentile rank of x among ascending values, in 0–100."""
    below = int(np.searchsorted(sorted_values, x, side="left"))
    at_or_below = int(np.searchsorted(sorted_values, x, side="right"))
    return 100.0 * (below + 0.5 * (at_or_below - below)) / len(sorted_values)


@dataclass(frozen=True)
class Distribution:
    n: int
    min: float
    p25: float
    median: float
    p75: float
    max: float
    iqr: float

    def quartiles(self) -> dict[str, float]:
        return {"p25": self.p25, "median": self.median, "p75": self.p75}

    def spread(self) -> dict[str, float]:
        return {"iqr": self.iqr, "min": self.min, "max": self.max}


def distribution(values: FloatArray | Sequence[float]) -> Distribution | None:
    """Quartiles and spread of the values (NaN ignored); None without values."""
    data = np.sort(np.asarray(values, dtype=np.float64))
    data = data[~np.isnan(data)]
    if len(data) == 0:
        return None
    p25, median, p75 = (quantile(data, p) for p in (0.25, 0.5, 0.75))
    return Distribution(len(data), float(data[0]), p25, median, p75, float(data[-1]), p75 - p25)


def histogram(values: FloatArray, edges: Sequence[float]) -> list[dict[str, float]]:
    """Counts per bin [edge_i, edge_i+1) (the last bin closed); values outside are clamped."""
    data = values[~np.isnan(values)]
    clamped = np.clip(data, edges[0], edges[-1])
    counts, _ = np.histogram(clamped, bins=np.asarray(edges, dtype=np.float64))
    return [
        {"from": float(edges[i]), "to": float(edges[i + 1]), "count": int(counts[i])}
        for i in range(len(edges) - 1)
    ]


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
