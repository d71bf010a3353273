"""Classification rules for firms: the industrial size classes and the code levels cohorts use.

The size-class thresholds are numbers from an official rule (统计上大中小微型企业划分办法（2017）),
so they live in YAML (standards/library/classifications.yaml) with their provenance, never in
Python. The code levels say how GB/T 4754 industry codes and GB/T 2260 region codes nest (a 3-digit
industry group lies inside its 2-digit division; a county's 6-digit code starts with its city's 4).
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field

from standards.models import Identifier, Provenance, Strict, Text
from standards.problems import Loc, Problem


class SizeClass(Strict):
    """One size class: a firm belongs to it when it meets every lower bound given."""

    key: Identifier = Field(description="Stable key stored with a firm, e.g. 'medium'.")
    name: Text
    min_employees: int | None = Field(
        default=None, ge=0, description="从业人员 lower bound (inclusive); null for the last class."
    )
    min_revenue: float | None = Field(
        default=None,
        ge=0,
        description="营业收入 lower bound (inclusive) in `revenue_unit`; null for the last class.",
    )


class SizeRule(Strict):
    """Size classes of one sector, largest first. A firm is in the first class whose bounds it
    meets (all of them); a firm meeting only one bound of a class falls to a class below; the last
    class (no bounds) takes every other firm."""

    sector: Identifier = Field(description="Sector row of the official rule, e.g. 'industry'.")
    name: Text
    revenue_unit: str = Field(description="Unit of `min_revenue`, from the units registry.")
    combine: Literal["all"] = Field(
        default="all", description="all: every lower bound of a class must be met."
    )
    classes: list[SizeClass] = Field(min_length=2)
    provenance: Provenance


class CodeLevel(Strict):
    """A level of a hierarchical code: codes of this level are `digits` long (a prefix of deeper
    codes)."""

    key: Identifier = Field(description="e.g. 'division', 'group', 'province', 'city', 'county'.")
    name: Text
    digits: int = Field(ge=1, le=12)
    pad_to: int | None = Field(
        default=None,
        description="Codes of this level are written padded with zeros to this length "
        "(GB/T 2260: a city 3302 is written 330200).",
    )


class CodeScheme(Strict):
    """How one classification code nests, coarsest level first."""

    id: Identifier
    name: Text
    levels: list[CodeLevel] = Field(min_length=1)
    provenance: Provenance


class ClassificationLibrary(Strict):
    schema_version: Literal[1]
    document: Literal["classifications"]
    id: Identifier
    title: Text
    size_rules: list[SizeRule] = Field(min_length=1)
    industry_codes: CodeScheme = Field(description="GB/T 4754 levels a cohort may use.")
    region_codes: CodeScheme = Field(description="GB/T 2260 levels a cohort may use.")

    def size_rule(self, sector: str = "industry") -> SizeRule:
        for rule in self.size_rules:
            if rule.sector == sector:
                return rule
        raise KeyError(f"no size rule for sector {sector!r}")


def check_classifications(library: ClassificationLibrary, units: set[str] | None) -> list[Problem]:
    """Every problem of a classification library, each at its data path
    (`standards/problems/classifications.yaml`)."""
    problems: list[Problem] = []
    sectors = Counter(r.sector for r in library.size_rules)
    for index, rule in enumerate(library.size_rules):
        path: Loc = ("size_rules", index)
        if sectors[rule.sector] > 1:
            problems.append(
                Problem(
                    (*path, "sector"), "classifications.second_size_rule", {"sector": rule.sector}
                )
            )
        if units is not None and rule.revenue_unit not in units:
            problems.append(
                Problem(
                    (*path, "revenue_unit"), "classifications.unknown_unit",
                    {"unit": rule.revenue_unit},
                )
            )  # fmt: skip
        keys = Counter(c.key for c in rule.classes)
        for number, cls in enumerate(rule.classes):
            where = (*path, "classes", number)
            if keys[cls.key] > 1:
                problems.append(
                    Problem((*where, "key"), "classifications.duplicate_class", {"key": cls.key})
                )
            last = number == len(rule.classes) - 1
            bounded = cls.min_employees is not None or cls.min_revenue is not None
            if last and bounded:
                problems.append(Problem(where, "classifications.last_class_bounded"))
            if not last and (cls.min_employees is None or cls.min_revenue is None):
                problems.append(Problem(where, "classifications.class_without_bounds"))
        bounds = [(c.min_employees, c.min_revenue) for c in rule.classes[:-1]]
        for number in range(1, len(bounds)):
            (e0, r0), (e1, r1) = bounds[number - 1], bounds[number]
            if e0 is None or r0 is None or e1 is None or r1 is None:
                continue
            if not (e1 < e0 and r1 < r0):
                problems.append(
                    Problem((*path, "classes", number), "classifications.bounds_not_decreasing")
                )
    for name in ("industry_codes", "region_codes"):
        scheme: CodeScheme = getattr(library, name)
        digits = [level.digits for level in scheme.levels]
        if digits != sorted(set(digits)):
            problems.append(Problem((name, "levels"), "classifications.digits_not_growing"))
        keys = Counter(level.key for level in scheme.levels)
        for number, level in enumerate(scheme.levels):
            if keys[level.key] > 1:
                problems.append(
                    Problem(
                        (name, "levels", number, "key"), "classifications.duplicate_level",
                        {"key": level.key},
                    )
                )  # fmt: skip
            if level.pad_to is not None and level.pad_to < level.digits:
                problems.append(
                    Problem((name, "levels", number, "pad_to"), "classifications.pad_to_too_short")
                )
    return problems
