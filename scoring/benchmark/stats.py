"""Benchmark statistics: quantiles, percentile ranks, distributions and histograms. Pure.

- quantiles: Hyndman–Fan type 7 (linear interpolation between order statistics, as Excel
  PERCENTILE.INC and numpy's default): h = (n − 1)·p, Q(p) = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]);
- percentile rank (mid-rank): PR(x) = 100 · (#{values < x} + ½·#{values = x}) / n over the
  cohort's values (which hold the firm's own value when the firm is a member).

Imports numpy only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

QUANTILE_METHOD = "Hyndman-Fan type 7: linear interpolation between order statistics"
PERCENTILE_RANK_METHOD = "mid-rank: 100 x (values below + 1/2 x values equal) / n"

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


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
