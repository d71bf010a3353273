"""The benchmark core (scoring/benchmark.py) on hand-built cohorts: size classes, quantiles and
percentile ranks computed by hand, and the privacy rule — no cohort under k = 5 firms, and no two
shown cohorts (nested or merely overlapping) whose members differ by 1 to 4 firms."""

from __future__ import annotations

import math
import re
from itertools import combinations, product
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.benchmark import (
    MIN_COHORT,
    BenchmarkError,
    Cohort,
    FirmPoint,
    Lattice,
    Metric,
    Population,
    Reason,
    compute,
    distribution,
    figures_table,
    percentile_rank,
    quadrant,
    quantile,
    size_class,
)
from standards import bundled_library
from standards.classifications import ClassificationLibrary


def _classifications() -> ClassificationLibrary:
    found = bundled_library().classifications
    assert found is not None
    return found


LATTICE = Lattice.of(_classifications())
RULE = _classifications().size_rule("industry")
FACTORS = bundled_library().factors
assert FACTORS is not None
EFFICIENCY = FACTORS.carbon_efficiency


def firm(
    key: int,
    industry: str = "3670",
    region: str = "330206",
    size: str = "medium",
    metric: float | None = 50.0,
    *,
    self_assessed: bool = False,
    domains: dict[str, float | None] | None = None,
    big_l: float | None = None,
    tco2: float | None = None,
    value_added: float | None = None,
    synthetic: bool = False,
    tier_rank: int | None = 1,
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "firm": key,
        "industry": industry,
        "region": region,
        "size": size,
        "metric": metric,
        "self_assessed": self_assessed,
        "synthetic": synthetic,
        "tier_rank": tier_rank,
        "domains": domains or {},
    }
    if big_l is not None:
        va = value_added if value_added is not None else 1000.0
        row |= {"L": big_l, "tco2": tco2 if tco2 is not None else big_l * va, "value_added": va}
    return row


def population(rows: list[dict[str, Any]], domain_ids: tuple[str, ...] = ()) -> Population:
    return Population.of(LATTICE, rows, domain_ids)


def run(rows: list[dict[str, Any]], cohort: Cohort, **kw: Any) -> Any:
    ids = tuple(sorted({d for r in rows for d in r["domains"]}))
    return compute(
        lattice=LATTICE,
        population=population(rows, ids),
        cohort=cohort,
        standard="std",
        edition="1",
        year=2025,
        metric=Metric.PERCENT,
        **kw,
    )


# --- size classes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employees", "revenue", "expected"),
    [
        (1000, 40000, "large"),
        (5000, 400000, "large"),
        (1000, 39999.9, "medium"),  # one bound of 大型 only: falls to the class below
        (999, 90000, "medium"),
        (300, 2000, "medium"),
        (300, 1999, "small"),
        (20, 300, "small"),
        (2000, 299, "micro"),  # 营业收入 < 300 万元 makes a firm 微型 whatever its staff
        (19, 1e6, "micro"),
        (0, 0, "micro"),
    ],
)
def test_size_class_follows_the_statistical_rule(
    employees: int, revenue: float, expected: str
) -> None:
    assert size_class(employees, revenue, RULE) == expected


def test_size_thresholds_come_from_the_classifications_document() -> None:
    bounds = [(c.key, c.min_employees, c.min_revenue) for c in RULE.classes]
    assert bounds == [
        ("large", 1000, 40000),
        ("medium", 300, 2000),
        ("small", 20, 300),
        ("micro", None, None),
    ]
    assert RULE.provenance.label.value == "THIRD-PARTY"
    assert LATTICE.sizes == ("large", "medium", "small", "micro")


# --- codes -----------------------------------------------------------------------------------


def test_codes_nest_by_the_declared_levels() -> None:
    assert LATTICE.region.chain("330206") == [None, "330000", "330200", "330206"]
    assert LATTICE.region.chain("330200") == [None, "330000", "330200"]
    assert LATTICE.region.chain("330000") == [None, "330000"]
    assert LATTICE.industry.chain("367") == [None, "36", "367"]
    assert LATTICE.region.key("330200") == "city"
    assert LATTICE.industry.key("36") == "division"


@pytest.mark.parametrize(
    ("cohort", "message"),
    [
        (Cohort(industry="3670"), "use a division (2 digits) or group (3 digits) code"),
        (Cohort(industry="3"), "names no cohort level"),
        (Cohort(region="3302"), "gbt2260 code '3302' names no cohort level"),
        (Cohort(size="huge"), "size class 'huge' is not one of large, medium, small, micro"),
    ],
)
def test_a_filter_outside_the_lattice_is_refused(cohort: Cohort, message: str) -> None:
    with pytest.raises(BenchmarkError, match=re.escape(message)):
        LATTICE.check(cohort)


# --- statistics by hand ----------------------------------------------------------------------


def test_quantiles_interpolate_linearly_between_order_statistics() -> None:
    data = np.array([1.0, 2.0, 3.0, 4.0])
    # h = (n - 1) p: 0.75 → 1 + 0.75 × (2 − 1); 1.5 → 2.5; 2.25 → 3.25
    assert quantile(data, 0.25) == 1.75
    assert quantile(data, 0.5) == 2.5
    assert quantile(data, 0.75) == 3.25
    assert quantile(data, 0.0) == 1.0
    assert quantile(data, 1.0) == 4.0
    assert quantile(np.array([7.0]), 0.25) == 7.0
    d = distribution([10.0, 40.0, 20.0, math.nan, 30.0, 50.0])
    assert d is not None
    assert (d.n, d.min, d.p25, d.median, d.p75, d.max, d.iqr) == (5, 10, 20, 30, 40, 50, 20)


def test_quantiles_agree_with_numpys_linear_method() -> None:
    rng = np.random.default_rng(3)
    for n in (1, 2, 5, 17, 100):
        data = np.sort(rng.normal(50, 20, n))
        for p in (0.25, 0.5, 0.75):
            assert quantile(data, p) == pytest.approx(float(np.quantile(data, p)))


def test_percentile_rank_counts_half_the_ties() -> None:
    data = np.array([1.0, 2.0, 2.0, 3.0])
    assert percentile_rank(data, 2.0) == 50.0  # (1 below + ½ × 2 equal) / 4
    assert percentile_rank(data, 1.0) == 12.5
    assert percentile_rank(data, 3.0) == 87.5
    assert percentile_rank(data, 0.0) == 0.0
    assert percentile_rank(data, 9.0) == 100.0
    assert percentile_rank(data, 2.5) == 75.0


# --- a cohort of eight, by hand --------------------------------------------------------------

EIGHT = [
    firm(i, metric=m, domains={"D1": d1, "D2": d2}, big_l=big_l)
    for i, (m, d1, d2, big_l) in enumerate(
        [
            (20.0, 10.0, 30.0, 2.0),
            (30.0, 20.0, 40.0, 1.8),
            (40.0, 30.0, 50.0, 1.6),
            (50.0, 40.0, 60.0, 1.4),
            (60.0, 50.0, 70.0, 1.2),
            (70.0, 60.0, 80.0, 1.0),
            (80.0, 70.0, 90.0, 0.8),
            (90.0, 80.0, 100.0, 0.6),
        ]
    )
]


def test_the_firms_position_and_the_cohorts_spread() -> None:
    result = run(EIGHT, Cohort(industry="36"), firm=5, efficiency=EFFICIENCY)
    assert not result.suppressed
    assert result.cohort_size == 8
    assert result.firm_in_cohort
    # metric 20 … 90: h = 7 × 0.25 = 1.75 → 30 + 0.75 × 10
    assert result.total.distribution.quartiles() == {"p25": 37.5, "median": 55.0, "p75": 72.5}
    assert result.total.distribution.spread() == {"iqr": 35.0, "min": 20.0, "max": 90.0}
    assert result.total.firm == 70.0
    assert result.total.percentile == 100 * (5 + 0.5) / 8
    d1, d2 = result.domains
    assert (d1.id, d1.firm, d1.percentile, d1.distribution.median) == ("D1", 60.0, 68.75, 45.0)
    assert d2.distribution.p75 == 82.5
    # carbon: lower is better; the firm has the third-lowest L
    assert result.carbon.firm == 1.0
    assert result.carbon.percentile == 100 * (2 + 0.5) / 8
    assert not result.carbon.higher_is_better
    assert result.carbon.distribution.median == pytest.approx(1.3)
    # quadrants split at the medians 55 and 1.3: firm 5 (70, 1.0) is digital and low-carbon
    assert result.quadrants.firm == "leading"
    assert result.quadrants.counts == {
        "leading": 4,
        "digital_carbon_heavy": 0,
        "low_carbon_less_digital": 0,
        "lagging": 4,
    }
    assert len(result.quadrants.peers) == 8
    # sector average = Σ tCO2 / Σ value added = mean L here (equal value added): 1.3
    grade = result.carbon_grade
    assert grade.sector == "36"
    assert grade.sector_average_L == pytest.approx(1.3)
    big_k = grade.K
    assert big_k == pytest.approx(1.0 / 1.3)
    assert grade.grade == 2  # K ≤ 0.8 → 碳效较高 (bands from carbon-factors.yaml)
    assert grade.grade_name.zh == "碳效较高"


def test_figures_are_plain_json_with_the_documented_methods() -> None:
    data = run(EIGHT, Cohort(industry="36"), firm=5).to_dict()
    assert data["cohort_size"] == 8
    assert data["suppressed"] is False
    assert data["percentile"] == 68.75
    assert data["quartiles"] == {"p25": 37.5, "median": 55.0, "p75": 72.5}
    assert [d["id"] for d in data["domains"]] == ["D1", "D2"]
    assert data["methods"]["quantile"].startswith("Hyndman-Fan type 7")
    assert data["histogram"][2] == {"from": 20.0, "to": 30.0, "count": 1}
    assert sum(b["count"] for b in data["histogram"]) == 8


def test_the_csv_rows_hold_aggregates_and_the_firms_own_values_only() -> None:
    rows = figures_table(run(EIGHT, Cohort(industry="36"), firm=5), "en")
    assert [r["figure"] for r in rows] == ["total", "D1", "D2", "L"]
    assert rows[0] | {"name": ""} == {
        "figure": "total",
        "name": "",
        "n": 8,
        "suppressed": False,
        "reason": "",
        "firm": 70.0,
        "percentile": 68.75,
        "min": 20.0,
        "p25": 37.5,
        "median": 55.0,
        "p75": 72.5,
        "max": 90.0,
        "iqr": 35.0,
    }


def test_quadrant_ties_count_as_digital_and_low_carbon() -> None:
    assert quadrant(55, 1.3, 55, 1.3) == "leading"
    assert quadrant(54.9, 1.31, 55, 1.3) == "lagging"
    assert quadrant(60, 1.5, 55, 1.3) == "digital_carbon_heavy"
    assert quadrant(40, 1.0, 55, 1.3) == "low_carbon_less_digital"


def test_year_over_year_movement() -> None:
    history = [
        FirmPoint(2025, 62.0, 1.1, "sf"),
        FirmPoint(2023, 50.0, 1.5, "dws"),
        FirmPoint(2024, 55.0, None, "dws"),
    ]
    moves = run(EIGHT, Cohort(), firm=5, history=history).trajectory
    assert [(m.year, m.metric_change, m.L_change) for m in moves] == [
        (2023, None, None),
        (2024, 5.0, None),
        (2025, 7.0, None),
    ]
    assert moves[-1].tier == "sf"


def test_a_domain_only_some_members_are_scored_on_is_compared_among_those() -> None:
    """Domains outside a firm's target profile have no score: such a domain is compared among
    the members scored on it, and that group obeys the same k = 5 rule on its own."""
    rows = [dict(r, domains={**r["domains"]}) for r in EIGHT]
    rows[0]["domains"]["D2"] = None
    d1, d2 = run(rows, Cohort(), firm=5).domains
    assert d1.distribution.n == 8
    assert d2.distribution.n == 7
    assert d2.distribution.min == 40.0
    assert d2.percentile == 100 * (4 + 0.5) / 7
    for r in rows[:4]:
        r["domains"]["D2"] = None
    d1, d2 = run(rows, Cohort(), firm=5).domains
    assert d1.distribution.n == 8
    assert d2.distribution is None
    assert d2.suppression.reason is Reason.TOO_SMALL
    assert "scored on this" in d2.suppression.message.en


# --- small cohorts ---------------------------------------------------------------------------


def test_a_cohort_under_five_firms_shows_nothing_and_suggests_a_wider_one() -> None:
    rows = [firm(i, region="330206") for i in range(4)] + [
        firm(10 + i, region="330212") for i in range(6)
    ]
    result = run(rows, Cohort(industry="36", region="330206", size="medium"), firm=0)
    assert result.suppressed
    assert result.suppression.reason is Reason.TOO_SMALL
    assert result.cohort_size is None
    assert result.total.distribution is None
    assert result.domains == []
    assert result.quadrants.peers == []
    assert result.to_dict()["quartiles"] is None
    assert "fewer than 5 firms" in result.suppression.message.en
    # the nearest wider cohort that is shown: the city (one step), industry kept
    assert result.suppression.suggestion == Cohort(industry="36", region="330200", size="medium")
    assert not run(rows, result.suppression.suggestion).suppressed


def test_five_firms_are_enough() -> None:
    rows = [firm(i) for i in range(5)]
    assert not run(rows, Cohort(industry="367", region="330206", size="medium")).suppressed
    assert run(rows[:4], Cohort()).suppressed


def test_carbon_is_compared_only_with_five_firms_with_carbon_data() -> None:
    rows = [firm(i, big_l=1.0 + i / 10) for i in range(4)] + [firm(i + 4) for i in range(6)]
    result = run(rows, Cohort(), firm=0, efficiency=EFFICIENCY)
    assert not result.suppressed
    assert result.carbon.suppression.reason is Reason.TOO_SMALL
    assert "carbon data" in result.carbon.suppression.message.en
    assert result.carbon.distribution is None
    assert result.quadrants.peers == []
    assert result.carbon_grade.sector_average_L is None
    assert result.carbon_grade.suppression.suppressed


# --- differencing ----------------------------------------------------------------------------


def test_narrowing_to_a_city_that_leaves_out_two_firms_is_suppressed() -> None:
    rows = [firm(i, region="330206") for i in range(6)] + [
        firm(10 + i, region="330102") for i in range(2)
    ]
    wide = run(rows, Cohort(industry="36"))
    narrow = run(rows, Cohort(industry="36", region="330200"))
    assert not wide.suppressed
    assert narrow.suppressed
    assert narrow.suppression.reason is Reason.DIFFERENCING
    assert narrow.suppression.against in (Cohort(industry="36"), Cohort(region="330000"), Cohort())
    assert narrow.cohort_size is None
    # the county (same six firms as the city) is suppressed too: it also differs by two
    assert run(rows, Cohort(industry="36", region="330206")).suppressed


def test_overlapping_cohorts_that_differ_by_two_firms_are_not_both_shown() -> None:
    """Division 36 sits wholly in Ningbo, where two firms of division 38 also are: the Ningbo
    cohort minus the division-36 cohort would be those two firms, though neither filter
    contains the other."""
    rows = (
        [firm(i, industry="3670", region="330206") for i in range(6)]
        + [firm(10 + i, industry="3811", region="330212") for i in range(2)]
        + [firm(20 + i, industry="3811", region="330102") for i in range(9)]
    )
    division = run(rows, Cohort(industry="36"))
    ningbo = run(rows, Cohort(region="330200"))
    assert division.suppressed != ningbo.suppressed
    assert division.suppressed  # the smaller of the pair
    assert division.suppression.against == Cohort(region="330200")


def test_self_assessments_that_add_fewer_than_five_firms_are_not_shown() -> None:
    rows = [firm(i) for i in range(6)] + [firm(10 + i, self_assessed=True) for i in range(2)]
    approved = run(rows, Cohort())
    with_self = run(rows, Cohort(include_self=True))
    assert not approved.suppressed
    assert approved.cohort_size == 6
    assert with_self.suppressed
    assert with_self.suppression.reason is Reason.DIFFERENCING
    assert with_self.suppression.against == Cohort()
    more = rows + [firm(20 + i, self_assessed=True) for i in range(3)]
    marked = run(more, Cohort(include_self=True), firm=20)
    assert not marked.suppressed
    assert (marked.cohort_size, marked.self_assessed) == (11, 5)
    assert marked.firm_in_cohort
    assert any("Self-assessments included" in n.en for n in marked.notes)
    assert not run(more, Cohort(), firm=20).firm_in_cohort


def test_synthetic_members_are_labelled() -> None:
    rows = [firm(i, synthetic=i < 3) for i in range(6)]
    result = run(rows, Cohort())
    assert result.synthetic == 3
    assert "3 synthetic demo firms" in result.notes[0].en


# --- the rule over the whole lattice (property) ----------------------------------------------

INDUSTRIES = ("3611", "3612", "3621", "3811")
REGIONS = ("330206", "330212", "330102", "330203")
SIZES = ("medium", "small")

member = st.fixed_dictionaries(
    {
        "industry": st.sampled_from(INDUSTRIES),
        "region": st.sampled_from(REGIONS),
        "size": st.sampled_from(SIZES),
        "self_assessed": st.booleans(),
        "L": st.one_of(st.none(), st.floats(0.1, 3.0)),
    }
)


def every_cohort() -> list[Cohort]:
    industries = sorted(
        {c for code in INDUSTRIES for c in LATTICE.industry.chain(code[:3])}, key=str
    )
    regions = sorted({c for code in REGIONS for c in LATTICE.region.chain(code)}, key=str)
    sizes: list[str | None] = [None, *SIZES]
    return [
        Cohort(*combo)
        for combo in product(
            [None, *[i for i in industries if i]],
            [None, *[r for r in regions if r]],
            sizes,
            (False, True),
        )
    ]


ALL = every_cohort()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(member, min_size=0, max_size=40))
def test_no_shown_cohort_is_small_and_no_two_shown_cohorts_differ_by_one_to_four(
    members: list[dict[str, Any]],
) -> None:
    rows = [
        {**m, "firm": i, "metric": 50.0, "tco2": m["L"], "value_added": 1.0}
        for i, m in enumerate(members)
    ]
    pop = population(rows)
    has_l = ~np.isnan(pop.L)
    for within in (None, has_l):
        sets = {c: LATTICE.members(pop, c, within) for c in ALL}
        shown = {}
        for cohort in ALL:
            verdict = LATTICE.decide(pop, cohort, within)
            if not verdict.suppressed:
                shown[cohort] = sets[cohort]
            elif verdict.suggestion is not None:
                suggestion = verdict.suggestion
                assert LATTICE.is_within(cohort, suggestion)
                assert suggestion.include_self == cohort.include_self
                assert not LATTICE.decide(pop, suggestion, within).suppressed
        for cohort, rows_in in shown.items():
            assert rows_in.sum() >= MIN_COHORT, cohort
        for (a, in_a), (b, in_b) in combinations(shown.items(), 2):
            differ = int((in_a ^ in_b).sum())
            assert differ == 0 or differ >= MIN_COHORT, (a, b, differ)
