"""`zhizao carbon FILE`: carbon accounting and 碳效码 grading from a year of energy data."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path
from typing import Any

from assessment.cli.output import print_json
from scoring.carbon import CarbonInputError, CarbonResult, check_activity, green_figures
from standards import DocumentError, bundled_library
from standards.problems import Problem
from standards.yamlsafe import parse_file


def register(sub: Any) -> None:
    cmd = sub.add_parser(
        "carbon",
        help="carbon accounting and 碳效码 grading from a year of energy data",
        description="Comprehensive energy consumption (tce), scope 1 and scope 2 (location- and "
        "market-based) CO2, intensities and the Zhejiang 碳效码 L / K from an activity file "
        "(YAML or JSON). See docs/carbon.md.",
    )
    cmd.add_argument("file", type=Path, metavar="FILE", help="activity file (YAML or JSON)")
    cmd.add_argument("--json", action="store_true", help="print the full result as JSON")
    cmd.add_argument(
        "--factor-year",
        type=int,
        metavar="Y",
        help="use grid factors of data year Y instead of the rule (latest ≤ reporting year − 2)",
    )
    cmd.add_argument(
        "--sector-average",
        type=float,
        metavar="L",
        help="sector average L (tCO2 per 10k yuan value added) for K and the 碳效 grade",
    )
    cmd.add_argument(
        "--grid-factor",
        choices=["grid_region", "province", "national"],
        help="location-based grid factor: the grid region's (default), the province's where the "
        "library has one (Zhejiang 2021–2023, THIRD-PARTY) or the national average; overrides "
        "the file's grid_factor",
    )
    cmd.set_defaults(handler=_run)


def read_carbon(
    path: Path,
    factor_year: int | None = None,
    sector_average: float | None = None,
    grid_factor: str | None = None,
) -> tuple[CarbonResult | None, list[str]]:
    """Account an activity file; on bad input return the problems as `file:line:col: message`."""
    try:
        parsed = parse_file(path)
        factors = bundled_library().factors
    except DocumentError as exc:
        return None, [str(issue) for issue in exc.issues]
    if factors is None:
        return None, ["the factor library has no `factors` document (carbon-factors.yaml)"]
    try:
        data = parsed.data
        if grid_factor is not None and isinstance(data, dict):
            data = {**data, "grid_factor": grid_factor}
        result = check_activity(
            data, factors, factor_year=factor_year, sector_average_L=sector_average
        )
    except CarbonInputError as exc:
        placed = sorted((parsed.place(p) for p in exc.problems), key=Problem.sort_key)
        return None, [str(problem) for problem in placed]
    except ValueError as exc:  # a broken factor library, e.g. no factor_lag_years
        return None, [str(exc)]
    return result, []


def _run(args: argparse.Namespace) -> int:
    result, problems = read_carbon(
        args.file, args.factor_year, args.sector_average, args.grid_factor
    )
    if result is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    if args.json:
        document = result.model_dump(mode="json")
        document["green_figures"] = green_figures(result)
        print_json(document)
    else:
        print_summary(result, str(args.file))
    return 0


def _n(value: float, digits: int = 2) -> str:
    return f"{value + 0.0:,.{digits}f}"  # + 0.0 turns -0.0 into 0.0


def _pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns (CJK characters take two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def print_summary(result: CarbonResult, file: str) -> None:
    """A readable, bilingual summary; every figure is rounded here and only here."""
    out: list[str] = []
    add = out.append
    add(f"碳核算 Carbon accounting — {file}")
    if result.name:
        add(f"  {result.name}")
    grid = (
        f"{result.grid_region_name.zh} {result.grid_region_name.en} grid"
        if result.grid_region_name
        else "全国 national average"
    )
    add(f"  报告年度 year {result.year}   地区 region {result.region or '—'} → {grid}")
    add("")
    rows = [
        ("综合能耗 Energy consumption", result.energy_tce, "tce"),
        ("范围一 Scope 1", result.scope1_tco2, "tCO2"),
        ("  燃料燃烧 combustion", result.scope1_combustion_tco2, "tCO2"),
        ("  过程排放 process", result.process_tco2, "tCO2"),
        ("范围二 Scope 2 location-based 基于位置", result.scope2_location_tco2, "tCO2"),
        ("范围二 Scope 2 market-based 基于市场", result.scope2_market_tco2, "tCO2"),
        ("输出抵扣 Exported energy, netted off", -result.exported_tco2, "tCO2"),
        ("排放总量 Total, location-based", result.total_tco2, "tCO2"),
        ("排放总量 Total, market-based", result.total_market_tco2, "tCO2"),
    ]
    for label, value, unit in rows:
        add(f"  {_pad(label, 44)}{_n(value):>14} {unit}")
    add("")
    i = result.intensity
    add("强度 Intensity")
    intensities = [
        (
            "单位产值 per 10k yuan output",
            i.tco2_per_10k_yuan_output,
            i.tce_per_10k_yuan_output,
            "万元",
        ),
        (
            "单位增加值 per 10k yuan value added",
            i.tco2_per_10k_yuan_value_added,
            i.tce_per_10k_yuan_value_added,
            "万元",
        ),
    ]
    for label, tco2, tce, per in intensities:
        add(f"  {_pad(label, 44)}{_n(tco2, 4):>14} tCO2/{per}   {_n(tce, 4)} tce/{per}")
    if i.per_product is not None:
        p = i.per_product
        add(
            f"  {_pad(f'单位产品 per product ({p.unit})', 44)}"
            f"{_n(p.tco2_per_unit * 1000, 3):>14} kgCO2/{p.unit}   "
            f"{_n(p.tce_per_unit * 1000, 3)} kgce/{p.unit}"
        )
    add("")
    c = result.carbon_efficiency
    add("碳效码 Carbon efficiency (Zhejiang method)")
    add(
        f"  energy CO2 {_n(c.gross_tco2)} − self-generation deduction "
        f"{_n(c.self_generation_deduction_tco2)} = {_n(c.tco2)} tCO2"
    )
    add(
        f"  L = {_n(c.tco2)} / {_n(result.value_added_10k_yuan)} = {_n(c.L, 4)} tCO2/万元增加值"
        f" → {c.band_name.zh} {c.band_name.en}"
    )
    if c.K is not None and c.sector_average_L is not None and c.grade_name is not None:
        add(
            f"  K = {_n(c.L, 4)} / {_n(c.sector_average_L, 4)} = {_n(c.K, 4)}"
            f" → {c.grade}级 grade {c.grade} ({c.grade_name.zh}, {c.grade_name.en})"
        )
    else:
        add("  K, grade: no sector average given (--sector-average L)")
    add(f"  bands: {c.label.value} — {c.source}")
    add("")
    add("绿色工厂 Green-factory figures (GB/T 36132-2025)")
    units = {"carbon_intensity_output": "kgCO2/万元", "energy_intensity_output": "kgce/万元"}
    for key, value in green_figures(result).items():
        add(f"  {_pad(key, 44)}{_n(value):>14} {units.get(key, '%')}")
    add("")
    add("因子 Factors used")
    for f in result.factors:
        when = f" {f.year} {f.region}" if f.year is not None else ""
        mark = " *" if f.flagged else ""
        add(f"  {f.name}: {f.value:g} {f.unit or ''}{when} [{f.label.value}]{mark}")
        add(f"      {f.source}")
    if result.notes:
        add("")
        add("说明 Notes")
        out.extend(f"  - {note}" for note in result.notes)
    if result.unofficial_labels:
        add("")
        add(
            f"* 非官方取值 Unofficial values used: {', '.join(result.unofficial_labels)} "
            "— see docs/carbon.md"
        )
    print("\n".join(out))
