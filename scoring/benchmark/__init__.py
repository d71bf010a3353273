"""Benchmark: where a firm stands among its peers, in intelligence and in carbon. Pure.

Three rooms, bottom up:

* `stats` — quantiles (Hyndman–Fan type 7), mid-rank percentile ranks, distributions, histograms;
* `lattice` — size classes, the population as columns, the fixed lattice of cohorts and its
  suppression rule (no cohort under k = 5 firms; no two shown cohorts that differ by 1 to k − 1);
* `figures` — `compute`: every figure of one cohort with the firm's place in it, and its K grade.

Every name is also importable from `scoring.benchmark` itself. Imports numpy, standards and
`scoring.carbon`; nothing here reads a database or a clock (docs/benchmark.md).
"""

from scoring.benchmark.figures import (
    L_NAME,
    METRIC_EDGES,
    METRIC_NAMES,
    PEER_POINTS,
    QUADRANTS,
    SECTOR_AVERAGE_METHOD,
    Benchmark,
    CarbonGrade,
    Figure,
    FirmPoint,
    Metric,
    Movement,
    Quadrants,
    compute,
    default_metric,
    figures_table,
    quadrant,
    sector_grade,
)
from scoring.benchmark.lattice import (
    MIN_COHORT,
    SHOWN,
    BenchmarkError,
    CodeLevels,
    Cohort,
    Lattice,
    Parts,
    Population,
    Reason,
    Suppression,
    size_class,
)
from scoring.benchmark.stats import (
    PERCENTILE_RANK_METHOD,
    QUANTILE_METHOD,
    BoolArray,
    Distribution,
    FloatArray,
    IntArray,
    distribution,
    histogram,
    percentile_rank,
    quantile,
)

__all__ = [
    "L_NAME",
    "METRIC_EDGES",
    "METRIC_NAMES",
    "MIN_COHORT",
    "PEER_POINTS",
    "PERCENTILE_RANK_METHOD",
    "QUADRANTS",
    "QUANTILE_METHOD",
    "SECTOR_AVERAGE_METHOD",
    "SHOWN",
    "Benchmark",
    "BenchmarkError",
    "BoolArray",
    "CarbonGrade",
    "CodeLevels",
    "Cohort",
    "Distribution",
    "Figure",
    "FirmPoint",
    "FloatArray",
    "IntArray",
    "Lattice",
    "Metric",
    "Movement",
    "Parts",
    "Population",
    "Quadrants",
    "Reason",
    "Suppression",
    "compute",
    "default_metric",
    "distribution",
    "figures_table",
    "histogram",
    "percentile_rank",
    "quadrant",
    "quantile",
    "sector_grade",
    "size_class",
]
