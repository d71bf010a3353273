"""Benchmark cohorts: the population, the fixed lattice of cohorts and its suppression rule. Pure.

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

Imports numpy, standards and `scoring.benchmark.stats`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import product
from typing import Any

import numpy as np

from scoring.benchmark.stats import BoolArray, FloatArray, IntArray
from standards.classifications import ClassificationLibrary, CodeScheme, SizeRule
from standards.models import Text
from standards.problems import Problem, ProblemError

MIN_COHORT = 5


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


class BenchmarkError(ProblemError, ValueError):
    """A cohort that is not a node of the lattice (e.g. a 4-digit industry code); `problem`."""


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
        levels = [{"level": key, "digits": pad or digits} for key, digits, pad in self.levels]
        shown = " or ".join(f"{level['level']} ({level['digits']} digits)" for level in levels)
        raise BenchmarkError(
            Problem(
                (), "benchmark.no_cohort_level",
                {"scheme": self.name, "code": code, "levels": shown},
            )
        )  # fmt: skip

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
                Problem(
                    (), "benchmark.unknown_size_class",
                    {"given": cohort.size, "sizes": list(self.sizes)},
                )
            )  # fmt: skip
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
