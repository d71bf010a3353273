"""The synthetic peer cohort of the demo: firms across Zhejiang's cities, GB/T 4754 groups and size
classes, each with approved results in several years and a year of energy data per result.

Nothing here is a real firm or a statistic. The mixes below (industries, cities, sizes, carbon
intensity by division) are illustrative choices made so the benchmark has plausible spreads to
show, not data: every firm is named "合成企业 NNNNNN (synthetic)" and every row is marked
`synthetic = true`. Answers come from `demo.plausible_answers` and are scored by the real engine
(its summary with element and domain scores; the full result can be recomputed from the answers);
energy data is drawn so that the firm's 碳效码 L lands near an intended value, and is then
accounted by scoring/carbon.py like any firm's data.

Each firm draws from its own random stream (seed and number), so the same seed and count always
give the same firms, in bulk inserts.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from assessment.benchmark.store import bump, decision_year, fact_row
from assessment.storage.db import CHINA
from assessment.storage.tables import BenchmarkFact, Organisation, Submission, SubmissionActivity
from scoring import parse_answers, score_summary
from scoring.benchmark import size_class
from scoring.carbon import account, parse_activity
from standards import Standard
from standards.classifications import SizeRule
from standards.factors import FactorLibrary
from standards.models import Scale

# Illustrative weights (not statistics): a manufacturing mix that looks like Zhejiang's.
DIVISION_WEIGHTS: dict[str, float] = {
    "38": 12, "34": 11, "17": 8, "39": 7, "36": 7, "33": 7, "26": 6, "35": 6, "29": 6,
    "18": 4, "28": 3, "27": 3, "30": 3, "32": 2, "21": 2, "24": 2, "19": 2, "40": 2,
    "31": 1.5, "22": 1.5, "37": 1.5, "13": 1, "14": 1, "15": 1, "20": 1, "23": 1, "41": 1,
    "25": 0.5, "42": 0.5, "43": 0.5,
}  # fmt: skip
CITY_WEIGHTS: dict[str, float] = {
    "330100": 14, "330200": 17, "330300": 12, "330400": 11, "330500": 7, "330600": 11,
    "330700": 10, "330800": 3, "330900": 2, "331000": 10, "331100": 3,
}  # fmt: skip
SIZE_SHARES = {"large": 0.06, "medium": 0.24, "small": 0.55, "micro": 0.15}
# employees, revenue (万元) ranges that fall in each class of the statistical rule
SIZE_RANGES = {
    "large": ((1000, 8000), (40000, 600000)),
    "medium": ((300, 999), (2000, 39999)),
    "small": ((20, 299), (300, 1999)),
    "micro": ((5, 19), (80, 1500)),
}
MATURITY_BY_SIZE = {"large": 0.62, "medium": 0.52, "small": 0.42, "micro": 0.32}
# Illustrative energy tCO2 per 10k yuan of value added by division (heavier for process industry).
CARBON_BASE: dict[str, float] = {
    "25": 3.5, "31": 3.0, "30": 2.4, "26": 1.8, "22": 1.5, "32": 1.5, "28": 1.4, "17": 1.2,
    "42": 1.0, "29": 0.65, "33": 0.6, "13": 0.6, "14": 0.55, "15": 0.5, "20": 0.6, "27": 0.5,
    "19": 0.35, "21": 0.4, "23": 0.4, "36": 0.4, "37": 0.4, "34": 0.35, "35": 0.35, "18": 0.3,
    "24": 0.3, "38": 0.3, "41": 0.35, "43": 0.3, "39": 0.25, "40": 0.2,
}  # fmt: skip
COAL_USERS = frozenset({"25", "26", "30", "31", "22", "28", "17"})
DIGITAL_LEANING = frozenset({"39", "40", "36", "38", "35", "27"})
TRADITIONAL_LEANING = frozenset({"17", "18", "19", "21", "24", "20", "13"})
PROFILE_BY_MATURITY = (("dws", 0.0), ("sf", 0.45), ("ff", 0.7))
SYNTHETIC_NAME = "合成企业 {number:06d} (synthetic)"


@dataclass(frozen=True)
class FirmYear:
    year: int
    at: datetime
    profile: str
    answers: dict[str, Any]
    result: dict[str, Any]
    activity: dict[str, Any]


@dataclass(frozen=True)
class SyntheticFirm:
    number: int
    credit_code: str
    industry_code: str
    industry_type: str
    region_code: str
    size_class: str
    employees: int
    revenue_wan: float
    years: list[FirmYear]


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def decision_times(years: Sequence[int], now: datetime) -> dict[int, tuple[datetime, datetime]]:
    """For each year, the span decisions may fall in (China time): a past year from March to
    November, the current year from mid-January up to now."""
    spans: dict[int, tuple[datetime, datetime]] = {}
    for year in years:
        start = datetime(year, 3, 1, tzinfo=CHINA)
        end = datetime(year, 11, 30, tzinfo=CHINA)
        if end > now:
            start = min(start, datetime(year, 1, 15, tzinfo=CHINA))
            end = now - timedelta(hours=1)
            start = min(start, end)
        spans[year] = (start, end)
    return spans


class Generator:
    """Draws synthetic firms; pure apart from the standard and factor tables it is given."""

    def __init__(
        self,
        standard: Standard,
        scales: Mapping[str, Scale],
        factors: FactorLibrary,
        size_rule: SizeRule,
        counties: Mapping[str, list[str]],
        division_types: Mapping[str, str],
        plausible: Callable[..., dict[str, Any]],
        credit_code: Callable[[random.Random, str], str],
    ) -> None:
        self.standard = standard
        self.scales = dict(scales)
        self.factors = factors
        self.size_rule = size_rule
        self.counties = counties
        self.division_types = division_types
        self.plausible = plausible
        self.credit_code = credit_code
        self._unit: dict[tuple[int, str], float] = {}

    def profile(self, level: float) -> str:
        """The target a firm of this maturity aims at: the future-factory tiers by maturity, else
        the standard's profiles in order (e.g. CMMM target levels)."""
        ids = [p.id for p in self.standard.profiles]
        if {p for p, _ in PROFILE_BY_MATURITY} <= set(ids):
            return [p for p, floor in PROFILE_BY_MATURITY if level >= floor][-1]
        return ids[min(len(ids) - 1, int(level * len(ids)))]

    def unit_tco2(self, year: int, key: str) -> float:
        """Energy tCO2 of one unit of an activity key in a data year (from the factor tables)."""
        if (year, key) not in self._unit:
            quantity = 1_000_000.0 if key.endswith("_kwh") else 1000.0
            activity = parse_activity(
                {
                    "year": year,
                    "region": "330000",
                    "output_value_10k_yuan": 1.0,
                    "value_added_10k_yuan": 1.0,
                    "energy": {key: quantity},
                }
            )
            tco2 = account(activity, self.factors).carbon_efficiency.tco2
            self._unit[(year, key)] = tco2 / quantity
        return self._unit[(year, key)]

    def firm(
        self,
        seed: int,
        number: int,
        years: Sequence[int],
        spans: Mapping[int, tuple[datetime, datetime]],
        taken: set[str],
    ) -> SyntheticFirm:
        rng = random.Random(f"{seed}:{number}")  # noqa: S311 - reproducible synthetic data
        division = _pick(rng, DIVISION_WEIGHTS)
        industry = division + str(rng.choices(range(1, 6), (4, 3, 2, 1, 1))[0])
        kind = self.division_types.get(division, "discrete")
        city = _pick(rng, CITY_WEIGHTS)
        county = rng.choice(self.counties[city])
        wanted = _pick(rng, SIZE_SHARES)
        (lo_e, hi_e), (lo_r, hi_r) = SIZE_RANGES[wanted]
        employees = rng.randint(lo_e, hi_e)
        revenue = round(math.exp(rng.uniform(math.log(lo_r), math.log(hi_r))), 1)
        size = size_class(employees, revenue, self.size_rule)
        code = self.credit_code(rng, county)
        while code in taken:
            code = self.credit_code(rng, county)
        taken.add(code)

        maturity = MATURITY_BY_SIZE.get(size, 0.4) + rng.gauss(0.0, 0.15)
        maturity += 0.05 if division in DIGITAL_LEANING else 0.0
        maturity -= 0.05 if division in TRADITIONAL_LEANING else 0.0
        intensity = CARBON_BASE.get(division, 0.5) * math.exp(rng.gauss(0.0, 0.35))
        va_ratio = rng.uniform(0.18, 0.35)
        solar = rng.random() < 0.35
        # most firms started assessing in the first year shown, some joined later
        later = [0.4 / (len(years) - 1)] * (len(years) - 1) if len(years) > 1 else []
        first = rng.choices(range(len(years)), [0.6, *later] if later else [1.0])[0]
        firm_years: list[FirmYear] = []
        for index, year in enumerate(years):
            if index < first:
                continue
            if index > first and rng.random() < 0.15:
                maturity += rng.gauss(0.03, 0.02)  # a year without an assessment
                continue
            if index > first:
                maturity += rng.gauss(0.04, 0.03)
            level = min(0.98, max(0.02, maturity))
            profile = self.profile(level)
            doc = self.plausible(self.standard, self.scales, profile, kind, rng, level)
            answers = parse_answers(doc, self.standard, self.scales)
            result = {
                "summary": True,
                **score_summary(self.standard, answers, self.scales, nodes=True),
            }
            start, end = spans[year]
            at = start + (end - start) * rng.random()
            growth = (1.0 + rng.gauss(0.04, 0.05)) ** (index - first)
            # more digital firms run a little more efficiently: L falls with maturity and time
            big_l = intensity * (1.2 - 0.5 * level) * (0.97 ** (index - first))
            firm_years.append(
                FirmYear(
                    decision_year(at),
                    at,
                    profile,
                    doc,
                    result,
                    self._activity(
                        rng,
                        year - 1,
                        kind,
                        division,
                        revenue * growth,
                        va_ratio,
                        big_l,
                        solar and level > 0.5,
                    ),
                )
            )
        return SyntheticFirm(
            number, code, industry, kind, county, size, employees, revenue, firm_years
        )

    def _activity(
        self,
        rng: random.Random,
        year: int,
        kind: str,
        division: str,
        revenue: float,
        va_ratio: float,
        big_l: float,
        solar: bool,
    ) -> dict[str, Any]:
        value_added = round(revenue * va_ratio, 1)
        tco2 = big_l * value_added
        if kind == "process":
            shares = {"electricity_kwh": 0.5, "natural_gas_m3": 0.35}
            if division in COAL_USERS:
                shares = {"electricity_kwh": 0.45, "natural_gas_m3": 0.25, "raw_coal_t": 0.3}
        else:
            shares = {"electricity_kwh": 0.8, "natural_gas_m3": 0.15, "diesel_t": 0.05}
        energy: dict[str, float] = {}
        for key, share in shares.items():
            part = share * tco2 * rng.uniform(0.85, 1.15)
            quantity = part / self.unit_tco2(year, key)
            energy[key] = round(quantity, 1 if key.endswith("_t") else 0)
        if solar:
            energy["self_generated_renewable_kwh"] = round(
                energy["electricity_kwh"] * rng.uniform(0.05, 0.2)
            )
        return {
            "year": year,
            "name": "synthetic demo firm (合成示例)",
            "region": "330000",
            "output_value_10k_yuan": round(revenue, 1),
            "value_added_10k_yuan": value_added,
            "energy": energy,
        }


def insert_firms(
    session: Session,
    firms: Sequence[SyntheticFirm],
    *,
    standard: Standard,
    digest: str,
    now: datetime,
) -> int:
    """Insert firms, their approved submissions, energy data and benchmark rows in bulk.
    Returns the number of submissions."""
    if not firms:
        return 0
    org_ids = session.scalars(
        insert(Organisation).returning(Organisation.id, sort_by_parameter_order=True),
        [
            {
                "name": SYNTHETIC_NAME.format(number=f.number),
                "credit_code": f.credit_code,
                "credit_code_valid": True,
                "credit_code_override_reason": None,
                "industry_code": f.industry_code,
                "industry_type": f.industry_type,
                "region_code": f.region_code,
                "size_class": f.size_class,
                "employees": f.employees,
                "revenue_wan": f.revenue_wan,
                "synthetic": True,
                "created_at": now,
            }
            for f in firms
        ],
    ).all()
    pairs = [(org_id, f, y) for org_id, f in zip(org_ids, firms, strict=True) for y in f.years]
    if not pairs:
        return 0
    sub_ids = session.scalars(
        insert(Submission).returning(Submission.id, sort_by_parameter_order=True),
        [
            {
                "organisation_id": org_id, "standard_id": standard.id,
                "edition": standard.edition, "standard_sha256": digest, "profile": y.profile,
                "industry_type": f.industry_type, "status": "approved", "version": 1,
                "assigned_evaluator_id": None, "created_by": None,
                "created_at": y.at - timedelta(days=30), "updated_at": y.at,
                "submitted_at": y.at - timedelta(days=20), "decided_at": y.at,
                "self_answers": None, "self_result": None, "final_answers": y.answers,
                "final_result": y.result, "synthetic": True,
            }
            for org_id, f, y in pairs
        ],
    ).all()  # fmt: skip
    session.execute(
        insert(SubmissionActivity),
        [
            {
                "submission_id": sub_id,
                "year": y.activity["year"],
                "data": y.activity,
                "updated_at": y.at,
                "updated_by": None,
            }
            for sub_id, (_org, _f, y) in zip(sub_ids, pairs, strict=True)
        ],
    )
    session.execute(
        insert(BenchmarkFact),
        [
            fact_row(
                submission_id=sub_id, organisation_id=org_id, standard_id=standard.id,
                edition=standard.edition, basis="approved", source_version=1, at=y.at,
                industry_code=f.industry_code, region_code=f.region_code,
                size_class=f.size_class, synthetic=True, result=y.result, activity=y.activity,
                counted=True,
            )
            for sub_id, (org_id, f, y) in zip(sub_ids, pairs, strict=True)
        ],
    )  # fmt: skip
    bump(session)
    return len(pairs)
