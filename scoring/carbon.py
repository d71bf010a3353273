"""Carbon accounting and 碳效码 grading from a year of a firm's energy data. Pure: no I/O.

`parse_activity(data)` checks the shape of raw activity data (a mapping read from YAML/JSON by the
shell); `account(activity, factors)` checks what needs the factor library (keys, units, region,
exports against what the firm has, the range of every figure) and computes comprehensive energy
consumption (GB/T 2589), scope 1, scope 2 (location- and market-based), intensities and the
Zhejiang 碳效码 figures L / K; `check_activity(data, factors)` is both in one, the check every way
in uses; and `green_figures(result)` gives the GB/T 36132-2025 quantitative figures that follow.

Every factor comes from the factor library (standards/library/carbon-factors.yaml) and is reported
with its year, region, series, label and source. Only unit conversions (powers of 1000) are
written here. Figures are plain floats, never rounded: rounding is for display.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationError
from pydantic_core import PydanticCustomError

from standards.factors import Band, Energy, FactorLibrary, GridRegion, GridSeries
from standards.models import Label, Sourced, Strict, Text
from standards.problems import Problem, ProblemsError

Path = tuple[str | int, ...]

# Activity keys that are not energies of the library: certified green power (绿电/绿证), a part of
# purchased grid electricity, and process CO2 (e.g. carbonate decomposition), scope 1.
GREEN_KEY = "green_electricity"
PROCESS_KEY = "process_emissions"
LAG_PARAMETER = "factor_lag_years"
NATIONAL = "national"
BOUND_TOLERANCE = 1e-9  # relative; a value this close to a band bound is on the bound

# Unit conversions: unit id -> (dimension, size in the dimension's smallest unit). Electricity and
# heat are kept apart on purpose (heat is entered in GJ/MJ, electricity in kWh/MWh).
_UNITS: dict[str, tuple[str, float]] = {
    "kWh": ("electricity", 1.0),
    "MWh": ("electricity", 1000.0),
    "MJ": ("heat", 1.0),
    "GJ": ("heat", 1000.0),
    "kg": ("mass", 1.0),
    "t": ("mass", 1000.0),
    "m3": ("volume", 1.0),
    "kgce": ("coal equivalent", 1.0),
    "tce": ("coal equivalent", 1000.0),
    "kgCO2": ("CO2", 1.0),
    "tCO2": ("CO2", 1000.0),
}


class CarbonInputError(ProblemsError, ValueError):
    """Bad activity data or run options; `problems` places each at its data path (`loc`)."""


# --- activity data ---------------------------------------------------------------------------


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("not_a_number", "expected a number", {"given": value})
    if not math.isfinite(value):
        raise PydanticCustomError("not_finite", "expected a finite number", {"given": value})
    return value


def _region_code(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Number = Annotated[float, BeforeValidator(_number)]


class ProductOutput(Strict):
    quantity: Number = Field(gt=0, description="Product output in the year.")
    unit: str = Field(min_length=1, max_length=32, description="Product unit, e.g. 't' or '件'.")


class Activity(Strict):
    """A year of a firm's activity data. Quantity keys in `energy` name their unit."""

    year: int = Field(strict=True, ge=1990, le=2100, description="Reporting (data) year.")
    name: str | None = Field(default=None, max_length=200, description="Plant or firm name.")
    region: Annotated[str | None, BeforeValidator(_region_code)] = Field(
        default=None,
        pattern=r"^[1-9]\d{5}$",
        description="GB/T 2260 code (6 digits); null for the national average.",
    )
    output_value_10k_yuan: Number = Field(gt=0, description="Output value (工业总产值), 万元.")
    value_added_10k_yuan: Number = Field(
        gt=0, description="Value added by the income method (收入法), 万元."
    )
    product_output: ProductOutput | None = None
    sector_average_L: Number | None = Field(
        default=None, gt=0, description="Sector average L for K = L / sector average."
    )
    energy: dict[str, Number] = Field(
        min_length=1, description="Quantities, e.g. electricity_kwh, natural_gas_m3, diesel_t."
    )
    grid_factor: Literal["grid_region", "province", "national"] = Field(
        default="grid_region",
        exclude_if=lambda value: value == "grid_region",
        description="Location-based grid factor: the grid region's (default), the province's "
        "where the library has one (Zhejiang 2021–2023, THIRD-PARTY), or the national average.",
    )


# pydantic's error types the activity model can raise, each with its own `carbon.<type>` entry;
# any other type reads as `carbon.invalid` with pydantic's sentence (tests/test_problems.py).
PYDANTIC_KINDS = frozenset({
    "missing", "extra_forbidden", "greater_than", "greater_than_equal", "less_than_equal",
    "not_a_number", "not_finite", "int_type", "int_parsing", "int_from_float", "string_type",
    "string_too_short", "string_too_long", "string_pattern_mismatch", "literal_error",
    "too_short", "model_type", "dict_type",
})  # fmt: skip
_HINTS = {  # why a key must be above 0: a catalogue sentence added to the problem
    "value_added_10k_yuan": "carbon.hint.value_added",
    "output_value_10k_yuan": "carbon.hint.output_value",
}


def parse_activity(data: object) -> Activity:
    """Check raw activity data; raise CarbonInputError naming each bad key."""
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        raise CarbonInputError([Problem((), "carbon.not_a_mapping", {"found": kind})])
    try:
        return Activity.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        for detail in exc.errors(include_url=False):
            loc: Path = tuple(detail["loc"])
            kind = detail["type"]
            field = str(loc[0]) if loc else ""
            params: dict[str, Any] = {"given": detail.get("input"), "hint": _HINTS.get(field)}
            if kind in ("not_a_number", "not_finite"):
                params["given"] = detail["ctx"]["given"]
            else:
                params.update(detail.get("ctx") or {})
                # pydantic's own sentence: the English text, and a reader of the code
                params["detail"] = detail["msg"].removeprefix("Value error, ")
            code = f"carbon.{kind}" if kind in PYDANTIC_KINDS else "carbon.invalid"
            problems.append(Problem(loc, code, params))
        raise CarbonInputError(problems) from None


def convert(
    quantity: float, unit: str, coefficient: float, coefficient_unit: str, to: str
) -> float:
    """`quantity` (in `unit`) × `coefficient` (in 'A/B'), expressed in `to`.

    E.g. 2 t × 0.7143 kgce/kg → 1.4286 tce. Raises ValueError when the units do not fit.
    """
    top, _, bottom = coefficient_unit.partition("/")
    try:
        (q_dim, q_size), (b_dim, b_size) = _UNITS[unit], _UNITS[bottom]
        (t_dim, t_size), (to_dim, to_size) = _UNITS[top], _UNITS[to]
    except KeyError as exc:
        raise ValueError(f"no conversion for unit {exc.args[0]!r}") from None
    if q_dim != b_dim or t_dim != to_dim:
        raise ValueError(f"cannot apply {coefficient_unit} to {unit} to get {to}")
    return quantity * coefficient * (q_size * t_size) / (b_size * to_size)


def _to_unit(quantity: float, unit: str, to: str) -> float:
    (dim, size), (to_dim, to_size) = _UNITS[unit], _UNITS[to]
    if dim != to_dim:
        raise ValueError(f"cannot express {unit} in {to}")
    return quantity * size / to_size


def units_for(unit: str) -> list[str]:
    """Units accepted in a key for a quantity measured in `unit` (same dimension)."""
    dim = _UNITS[unit][0]
    return [u for u, (d, _) in _UNITS.items() if d == dim]


# --- factor selection ------------------------------------------------------------------------


def _numeric(value: Sourced) -> float | None:
    number = value.effective
    if isinstance(number, bool) or not isinstance(number, int | float):
        return None
    return float(number)


def grid_region_of(factors: FactorLibrary, region: str | None) -> GridRegion | None:
    """The grid region of a GB/T 2260 code (a city or county code maps through its province)."""
    if region is None:
        return None
    province = region[:2] + "0000"
    for grid_region in factors.grid_regions:
        if region in grid_region.provinces or province in grid_region.provinces:
            return grid_region
    return None


@dataclass(frozen=True)
class GridFactor:
    """A grid factor chosen by the selection rule, with the reasons for the choice."""

    series: GridSeries
    year: int
    value: float
    sourced: Sourced
    target_year: int
    notes: tuple[str, ...]


def lag_years(factors: FactorLibrary) -> int:
    parameter = factors.parameters.get(LAG_PARAMETER)
    number = _numeric(parameter) if parameter is not None else None
    if parameter is None or number is None or number != int(number):
        raise ValueError(f"the factor library has no whole-number parameter {LAG_PARAMETER!r}")
    return int(number)


def select_grid_factor(
    factors: FactorLibrary,
    method: Literal["location", "market"],
    reporting_year: int,
    grid_region: GridRegion | None,
    factor_year: int | None = None,
    province: str | None = None,
) -> GridFactor:
    """The declared selection rule.

    Series: the province's series when `province` is given (a firm's explicit choice), else the
    grid region's series for `method`, else the national one. Data year: exactly
    `factor_year` when given (a per-run override), else the latest year at most reporting year −
    `factor_lag_years`. A series without such a year falls back to the national series. Raises
    CarbonInputError (at `year`) when no factor qualifies.
    """
    target = factor_year if factor_year is not None else reporting_year - lag_years(factors)
    wanted = [province] if province is not None else []
    wanted += [grid_region.id] if grid_region is not None else []
    wanted.append(NATIONAL)
    notes: list[str] = []
    for region_id in wanted:
        series = next(
            (s for s in factors.grid_series if s.method == method and s.region == region_id),
            None,
        )
        if series is None:
            if region_id == province:
                fallback = "grid-region" if grid_region is not None else "national"
                notes.append(f"no {method}-based series for province {region_id}; {fallback} used")
            else:
                notes.append(f"no {method}-based series for grid region {region_id}; national used")
            continue
        numbers = {y: n for y, v in series.values.items() if (n := _numeric(v)) is not None}
        if factor_year is not None:
            chosen = factor_year if factor_year in numbers else None
        else:
            chosen = max((y for y in numbers if y <= target), default=None)
        if chosen is None:
            notes.append(
                f"series {series.id} has no factor for data year {_wanted(target, factor_year)}"
                + ("; national used" if region_id != NATIONAL else "")
            )
            continue
        if chosen != target:
            notes.append(f"no factor for data year {target} yet; {series.id} {chosen} used")
        value, sourced = numbers[chosen], series.values[chosen]
        return GridFactor(series, chosen, value, sourced, target, tuple(notes))
    available = sorted({y for s in factors.grid_series if s.method == method for y in s.values})
    how = (
        f"--factor-year {factor_year} was asked for"
        if factor_year is not None
        else f"reporting year {reporting_year} − lag {reporting_year - target} = {target}"
    )
    raise CarbonInputError(
        [
            Problem(
                ("year",), "carbon.no_grid_factor",
                {
                    "method": method, "wanted": _wanted(target, factor_year), "how": how,
                    "available": ", ".join(map(str, available)) or "none",
                },
            )
        ]
    )  # fmt: skip


def _wanted(target: int, factor_year: int | None) -> str:
    return str(target) if factor_year is not None else f"≤ {target}"


# --- results ---------------------------------------------------------------------------------


class FactorUsed(Strict):
    """A factor or parameter that entered the result, with where it comes from."""

    name: str = Field(description="What the factor is, e.g. 'grid electricity (location-based)'.")
    key: str = Field(description="Energy id or parameter name.")
    kind: Literal["grid", "emission_factor", "coal_coefficient", "parameter"]
    value: float
    unit: str | None
    year: int | None = None
    region: str | None = Field(default=None, description="'national' or a grid region id.")
    series: str | None = None
    label: Label
    source: str
    url: str | None = None
    note: str | None = None
    flagged: bool = Field(description="True when the value is not OFFICIAL or NEWS.")


class EnergyLine(Strict):
    key: str = Field(description="Activity key as given, e.g. 'natural_gas_m3'.")
    energy: str = Field(description="Energy id (or 'process_emissions').")
    role: Literal["consumed", "exported", "green", "process"]
    quantity: float
    unit: str
    tce: float = Field(description="Contribution to comprehensive energy consumption (signed).")
    scope: Literal["scope1", "scope2", "none"]
    tco2_location: float = Field(description="CO2 with location-based scope 2 (signed).")
    tco2_market: float = Field(description="CO2 with market-based scope 2 (signed).")


class Electricity(Strict):
    purchased_kwh: float
    green_kwh: float
    self_generated_kwh: float
    exported_kwh: float


class PerProduct(Strict):
    unit: str
    quantity: float
    tco2_per_unit: float
    tce_per_unit: float


class Intensity(Strict):
    tco2_per_10k_yuan_output: float
    tco2_per_10k_yuan_value_added: float
    tce_per_10k_yuan_output: float
    tce_per_10k_yuan_value_added: float
    per_product: PerProduct | None = None


class CarbonEfficiency(Strict):
    """Zhejiang 碳效码: L, its level band and, with a sector average, K and the grade."""

    gross_tco2: float = Field(
        description="Energy CO2 counting self-generated power at the grid factor."
    )
    self_generation_deduction_tco2: float = Field(
        description="Zero-carbon self-generation deducted."
    )
    tco2: float = Field(description="Energy CO2 after the deduction (numerator of L).")
    L: float = Field(description="tCO2 per 10k yuan value added.")
    band: str
    band_name: Text
    sector_average_L: float | None = None
    K: float | None = None
    grade: int | None = None
    grade_name: Text | None = None
    label: Label
    source: str


class CarbonResult(Strict):
    year: int
    name: str | None
    region: str | None
    grid_region: str | None
    grid_region_name: Text | None
    output_value_10k_yuan: float
    value_added_10k_yuan: float
    lines: list[EnergyLine]
    electricity: Electricity
    energy_tce: float = Field(description="Comprehensive energy consumption, exports netted off.")
    scope1_tco2: float
    scope1_combustion_tco2: float
    process_tco2: float
    scope2_location_tco2: float
    scope2_market_tco2: float
    exported_tco2: float = Field(description="CO2 of exported electricity and heat, netted off.")
    total_tco2: float = Field(
        description="Scope 1 + location-based scope 2 − exports (GB/T 32150)."
    )
    total_market_tco2: float = Field(description="Scope 1 + market-based scope 2 − exports.")
    intensity: Intensity
    carbon_efficiency: CarbonEfficiency
    factors: list[FactorUsed]
    notes: list[str]
    unofficial_labels: list[str] = Field(
        description="Labels of factors that are not OFFICIAL/NEWS."
    )


# --- accounting ------------------------------------------------------------------------------

Role = Literal["consumed", "exported", "green", "process"]


@dataclass(frozen=True)
class _Key:
    key: str
    activity_id: str
    energy: Energy | None  # None for process emissions
    role: Role
    unit: str
    quantity: float


def _activity_ids(factors: FactorLibrary) -> dict[str, tuple[Energy | None, Role, str]]:
    """Activity id -> (energy, role, default unit)."""
    ids: dict[str, tuple[Energy | None, Role, str]] = {}
    for energy in factors.energies:
        ids[energy.id] = (energy, "consumed", energy.quantity_unit)
        if energy.export_key:
            ids[energy.export_key] = (energy, "exported", energy.quantity_unit)
        if energy.grid:
            ids[GREEN_KEY] = (energy, "green", energy.quantity_unit)
    ids[PROCESS_KEY] = (None, "process", "tCO2")
    return ids


def known_keys(factors: FactorLibrary) -> list[str]:
    """The activity keys in their default units, e.g. 'electricity_kwh'."""
    return [f"{i}_{unit.lower()}" for i, (_, _, unit) in _activity_ids(factors).items()]


# GB/T 2260 provinces that belong to no mainland grid region (Taiwan, Hong Kong, Macao); every other
# province is in a grid region of the factor library, which is where the region check looks.
_PROVINCES_OUTSIDE_THE_GRID = frozenset({"710000", "810000", "820000"})


def _region_problems(region: str | None, factors: FactorLibrary) -> list[Problem]:
    """A six-digit code is not yet a region: its first two digits must name a province."""
    if region is None:
        return []
    province = region[:2] + "0000"
    known = {p for grid_region in factors.grid_regions for p in grid_region.provinces}
    if province in known | _PROVINCES_OUTSIDE_THE_GRID:
        return []
    return [Problem(("region",), "carbon.unknown_region", {"region": region, "province": province})]


def _read_keys(activity: Activity, factors: FactorLibrary) -> list[_Key]:
    ids = _activity_ids(factors)
    problems: list[Problem] = _region_problems(activity.region, factors)
    keys: list[_Key] = []
    seen: dict[str, str] = {}
    for key, quantity in activity.energy.items():
        where: Path = ("energy", key)
        match = max((i for i in ids if key.startswith(i + "_")), key=len, default=None)
        if match is None:
            known = ", ".join(known_keys(factors))
            problems.append(
                Problem(where, "carbon.unknown_energy_key", {"key": key, "known": known})
            )
            continue
        energy, role, default_unit = ids[match]
        suffix = key[len(match) + 1 :]
        accepted = units_for(default_unit)
        unit = next((u for u in accepted if u.lower() == suffix.lower()), None)
        if unit is None:
            choices = " or ".join(f"{match}_{u.lower()}" for u in accepted)
            problems.append(
                Problem(
                    where, "carbon.unknown_unit",
                    {"unit": suffix, "energy": match, "choices": choices},
                )
            )  # fmt: skip
            continue
        if match in seen:
            problems.append(
                Problem(where, "carbon.given_twice", {"energy": match, "key": seen[match]})
            )
            continue
        seen[match] = key
        if quantity < 0:
            problems.append(Problem(where, "carbon.negative", {"quantity": quantity}))
            continue
        keys.append(_Key(key, match, energy, role, unit, quantity))
    bought = {k.energy.id: k for k in keys if k.role == "consumed" and k.energy is not None}
    for green in keys:
        if green.role != "green" or green.energy is None:
            continue
        purchased = bought.get(green.energy.id)
        total = _to_unit(purchased.quantity, purchased.unit, green.unit) if purchased else 0.0
        if green.quantity > total:
            name = purchased.key if purchased else f"{green.energy.id}_{green.unit.lower()}"
            problems.append(
                Problem(
                    ("energy", green.key), "carbon.green_above_purchased",
                    {"green": green.quantity, "unit": green.unit, "key": name, "total": total},
                )
            )  # fmt: skip
    problems.extend(_export_problems(keys))
    if problems:
        raise CarbonInputError(problems)
    return keys


def _tce(key: _Key) -> float:
    """The key's quantity in tce at its standard-coal coefficient (0 while that is NOT FOUND,
    which is reported where the key is accounted)."""
    if key.energy is None:
        return 0.0
    coefficient = _numeric(key.energy.coal_coefficient)
    if coefficient is None:
        return 0.0
    return convert(
        key.quantity, key.unit, coefficient, key.energy.coal_coefficient.unit or "", "tce"
    )


def _export_problems(keys: Sequence[_Key]) -> list[Problem]:
    """What leaves the site must have entered it or been made on it.

    Electricity: a firm exports only power it generated itself, so exported electricity is at most
    the self-generated (zero-carbon) electricity. Heat: a firm exports heat it bought, or made from
    fuels or electricity used on site, so exported heat (in tce) is at most the energy consumed on
    site, less the electricity exported. Both keep comprehensive energy consumption at or above 0.
    """
    problems: list[Problem] = []
    generated = sum(
        _to_unit(k.quantity, k.unit, "kWh")
        for k in keys
        if k.role == "consumed" and k.energy is not None and k.energy.zero_carbon_self_generation
    )
    names = [
        f"{k.activity_id}_{k.unit.lower()}"
        for k in keys
        if k.role == "consumed" and k.energy is not None and k.energy.zero_carbon_self_generation
    ]
    exported_power = [
        k for k in keys if k.role == "exported" and k.energy is not None and k.energy.grid
    ]
    for export in exported_power:
        kwh = _to_unit(export.quantity, export.unit, "kWh")
        if _above(kwh, generated):
            source = ", ".join(names) if names else "no self_generated_renewable_kwh"
            problems.append(
                Problem(
                    ("energy", export.key), "carbon.export_above_generated",
                    {"kwh": kwh, "generated": generated, "source": source},
                )
            )  # fmt: skip
    used = sum(_tce(k) for k in keys if k.role == "consumed")
    kept = used - sum(_tce(k) for k in exported_power)
    for export in keys:
        if export.role != "exported" or export in exported_power:
            continue
        heat = _tce(export)
        if _above(heat, kept):
            problems.append(
                Problem(
                    ("energy", export.key), "carbon.heat_export_above_use",
                    {
                        "quantity": export.quantity, "unit": export.unit, "tce": heat,
                        "kept": max(kept, 0.0),
                    },
                )
            )  # fmt: skip
    return problems


def _above(value: float, limit: float) -> bool:
    return value > limit and not math.isclose(value, limit, rel_tol=BOUND_TOLERANCE, abs_tol=0.0)


def _factor_entry(
    name: str,
    key: str,
    kind: Literal["grid", "emission_factor", "coal_coefficient", "parameter"],
    sourced: Sourced,
    value: float,
    unit: str | None,
    *,
    year: int | None = None,
    region: str | None = None,
    series: str | None = None,
) -> FactorUsed:
    provenance = sourced.effective_provenance
    return FactorUsed(
        name=name,
        key=key,
        kind=kind,
        value=value,
        unit=unit,
        label=provenance.label,
        source=provenance.source,
        url=provenance.url,
        note=provenance.note,
        flagged=sourced.flagged,
        year=year,
        region=region,
        series=series,
    )


def _too_large(key: _Key) -> Problem:
    return Problem(
        ("energy", key.key), "carbon.too_large", {"quantity": key.quantity, "unit": key.unit}
    )


def classify(value: float, bands: Sequence[Band]) -> Band:
    """The first band whose inclusive upper bound holds `value` (float noise tolerated)."""
    for band in bands:
        if band.upper is None or value <= band.upper:
            return band
        if math.isclose(value, band.upper, rel_tol=BOUND_TOLERANCE, abs_tol=0.0):
            return band
    return bands[-1]


def account(
    activity: Activity,
    factors: FactorLibrary,
    *,
    factor_year: int | None = None,
    sector_average_L: float | None = None,
) -> CarbonResult:
    """Account a year of activity data. Raises CarbonInputError naming the bad key or option.

    `factor_year` overrides the grid-factor data year; `sector_average_L` overrides the file's.
    """
    if sector_average_L is not None and not (
        math.isfinite(sector_average_L) and sector_average_L > 0
    ):
        raise CarbonInputError(
            [
                Problem(
                    ("sector_average_L",), "carbon.sector_average_not_positive",
                    {"given": sector_average_L},
                )
            ]
        )  # fmt: skip
    keys = _read_keys(activity, factors)
    notes: list[str] = []
    used: dict[tuple[str, str], FactorUsed] = {}
    labels: set[Label] = set()

    grid_region = grid_region_of(factors, activity.region)
    if activity.region is not None and grid_region is None:
        notes.append(
            f"region {activity.region} is in no grid region of the factor library; "
            "national factors used"
        )
    if grid_region is not None:
        labels.add(grid_region.provenance.label)
        notes.append(
            f"region {activity.region} → grid region {grid_region.name.zh} {grid_region.name.en} "
            f"(membership {grid_region.provenance.label.value})"
        )

    grid_kwh = {"consumed": 0.0, "exported": 0.0, "green": 0.0, "self": 0.0}
    for k in keys:
        if k.energy is not None and k.energy.grid:
            grid_kwh[k.role] += _to_unit(k.quantity, k.unit, "kWh")
        elif k.energy is not None and k.energy.zero_carbon_self_generation:
            grid_kwh["self"] += _to_unit(k.quantity, k.unit, "kWh")

    location: GridFactor | None = None
    market: GridFactor | None = None
    if any(v > 0 for v in grid_kwh.values()):
        # The firm's choice of location-based factor: its grid region (the default), its
        # province (a THIRD-PARTY series where one exists) or the national average.
        region_for = None if activity.grid_factor == "national" else grid_region
        province = (
            activity.region[:2] + "0000"
            if activity.grid_factor == "province" and activity.region is not None
            else None
        )
        if activity.grid_factor == "province" and province is None:
            notes.append("grid_factor province needs a region; grid-region factor used")
        location = select_grid_factor(
            factors, "location", activity.year, region_for, factor_year, province
        )
        market = select_grid_factor(factors, "market", activity.year, region_for, factor_year)
        for method, chosen in (("location", location), ("market", market)):
            notes.extend(chosen.notes)
            used[("grid", method)] = _factor_entry(
                f"grid electricity CO2 factor ({method}-based)",
                chosen.series.id,
                "grid",
                chosen.sourced,
                chosen.value,
                chosen.series.unit,
                year=chosen.year,
                region=chosen.series.region,
                series=chosen.series.id,
            )
        if factor_year is None:
            lag = factors.parameters[LAG_PARAMETER]
            used[("parameter", LAG_PARAMETER)] = _factor_entry(
                "grid factor data lag (data year ≤ reporting year − lag)",
                LAG_PARAMETER,
                "parameter",
                lag,
                float(lag_years(factors)),
                lag.unit,
            )
        else:
            notes.append(f"grid factor data year {factor_year} set for this run (override)")

    problems: list[Problem] = []
    lines: list[EnergyLine] = []
    green_share = {k.energy.id: k for k in keys if k.role == "green" and k.energy is not None}
    for k in keys:
        energy = k.energy
        if energy is None:  # process emissions
            tco2 = _to_unit(k.quantity, k.unit, "tCO2")
            if not math.isfinite(tco2):
                problems.append(_too_large(k))
                continue
            lines.append(
                EnergyLine(
                    key=k.key,
                    energy=k.activity_id,
                    role=k.role,
                    quantity=k.quantity,
                    unit=k.unit,
                    tce=0.0,
                    scope="scope1",
                    tco2_location=tco2,
                    tco2_market=tco2,
                )
            )
            continue
        sign = -1.0 if k.role == "exported" else 1.0
        tce = 0.0
        if k.role != "green":
            coefficient = _numeric(energy.coal_coefficient)
            if coefficient is None:
                problems.append(
                    Problem(("energy", k.key), "carbon.no_coal_coefficient", {"energy": energy.id})
                )
                continue
            unit = energy.coal_coefficient.unit or ""
            tce = sign * convert(k.quantity, k.unit, coefficient, unit, "tce")
            if k.quantity > 0:
                used[("coal_coefficient", energy.id)] = _factor_entry(
                    f"{energy.name.en} standard-coal coefficient",
                    energy.id,
                    "coal_coefficient",
                    energy.coal_coefficient,
                    coefficient,
                    unit,
                )
        loc = mkt = 0.0
        if energy.grid and location is not None and market is not None:
            unit = location.series.unit
            if k.role == "consumed":
                green = green_share.get(energy.id)
                green_q = _to_unit(green.quantity, green.unit, k.unit) if green else 0.0
                loc = convert(k.quantity, k.unit, location.value, unit, "tCO2")
                mkt = convert(
                    k.quantity - green_q, k.unit, market.value, market.series.unit, "tCO2"
                )
            elif k.role == "exported":
                # Exported power is credited at the location-based factor in both methods.
                loc = mkt = -convert(k.quantity, k.unit, location.value, unit, "tCO2")
        elif energy.scope != "none" and not energy.grid and k.quantity > 0:
            ef = energy.emission_factor
            factor = _numeric(ef) if ef is not None else None
            if ef is None or factor is None:
                problems.append(
                    Problem(("energy", k.key), "carbon.no_emission_factor", {"energy": energy.id})
                )
                continue
            loc = mkt = sign * convert(k.quantity, k.unit, factor, ef.unit or "", "tCO2")
            used[("emission_factor", energy.id)] = _factor_entry(
                f"{energy.name.en} emission factor",
                energy.id,
                "emission_factor",
                ef,
                factor,
                ef.unit,
            )
        if not all(math.isfinite(v) for v in (tce, loc, mkt)):
            problems.append(_too_large(k))
            continue
        lines.append(
            EnergyLine(
                key=k.key,
                energy=energy.id,
                role=k.role,
                quantity=k.quantity,
                unit=k.unit,
                tce=tce,
                scope=energy.scope,
                tco2_location=loc,
                tco2_market=mkt,
            )
        )
    if problems:
        raise CarbonInputError(problems)

    consumed = [line for line in lines if line.role == "consumed"]
    scope1_combustion = sum(line.tco2_location for line in consumed if line.scope == "scope1")
    process = sum(line.tco2_location for line in lines if line.role == "process")
    scope1 = scope1_combustion + process
    scope2_location = sum(line.tco2_location for line in consumed if line.scope == "scope2")
    scope2_market = sum(line.tco2_market for line in consumed if line.scope == "scope2")
    exported = 0.0 - sum(line.tco2_location for line in lines if line.role == "exported")
    netted = scope1 + scope2_location - exported
    netted_market = scope1 + scope2_market - exported
    # 碳效码: energy CO2 only (process CO2 is not energy use).
    netted_energy = netted - process
    # Exports credited at the grid or heat factor can outweigh what a firm emits (a plant that
    # sells most of its solar power); its emissions are then none, not fewer than none.
    total, total_market, energy_tco2 = (max(0.0, v) for v in (netted, netted_market, netted_energy))
    below = [
        name
        for name, value in (
            ("total", netted),
            ("market-based total", netted_market),
            ("碳效码 energy CO2", netted_energy),
        )
        if value < 0
    ]
    if below:
        listed = " and the ".join([", the ".join(below[:-1]), below[-1]] if below[:-1] else below)
        notes.append(
            f"exports ({exported:g} tCO2) are more than the emissions they are netted off "
            f"against: the {listed} {'are' if len(below) > 1 else 'is'} counted as 0, never below"
        )
    energy_tce = max(0.0, sum(line.tce for line in lines))

    output = activity.output_value_10k_yuan
    value_added = activity.value_added_10k_yuan
    # Self-generated zero-carbon power enters L at zero, which is the deduction the method asks
    # for, shown here explicitly.
    deduction = 0.0
    if location is not None and grid_kwh["self"] > 0:
        deduction = convert(grid_kwh["self"], "kWh", location.value, location.series.unit, "tCO2")
    big_l = energy_tco2 / value_added
    average = sector_average_L if sector_average_L is not None else activity.sector_average_L
    big_k = big_l / average if average is not None else None
    product = activity.product_output
    figures: list[tuple[str, float | None, Path]] = [
        ("figure.energy_tce", energy_tce, ("energy",)),
        ("figure.scope1", scope1, ("energy",)),
        ("figure.scope2_location", scope2_location, ("energy",)),
        ("figure.scope2_market", scope2_market, ("energy",)),
        ("figure.exported", exported, ("energy",)),
        ("figure.total", total, ("energy",)),
        ("figure.total_market", total_market, ("energy",)),
        ("figure.deduction", deduction, ("energy",)),
        ("figure.energy_before_deduction", energy_tco2 + deduction, ("energy",)),
        ("figure.co2_per_output", total / output, ("output_value_10k_yuan",)),
        ("figure.tce_per_output", energy_tce / output, ("output_value_10k_yuan",)),
        ("figure.co2_per_value_added", total / value_added, ("value_added_10k_yuan",)),
        ("figure.tce_per_value_added", energy_tce / value_added, ("value_added_10k_yuan",)),
        ("figure.L", big_l, ("value_added_10k_yuan",)),
        ("figure.K", big_k, ("sector_average_L",)),
    ]
    if product is not None:
        figures += [
            ("figure.co2_per_product", total / product.quantity, ("product_output", "quantity")),
            (
                "figure.tce_per_product",
                energy_tce / product.quantity,
                ("product_output", "quantity"),
            ),
        ]
    out_of_range = _figure_problems(figures)
    if out_of_range:
        raise CarbonInputError(out_of_range)

    per_product = None
    if product is not None:
        per_product = PerProduct(
            unit=product.unit,
            quantity=product.quantity,
            tco2_per_unit=total / product.quantity,
            tce_per_unit=energy_tce / product.quantity,
        )
    intensity = Intensity(
        tco2_per_10k_yuan_output=total / output,
        tco2_per_10k_yuan_value_added=total / value_added,
        tce_per_10k_yuan_output=energy_tce / output,
        tce_per_10k_yuan_value_added=energy_tce / value_added,
        per_product=per_product,
    )

    efficiency = factors.carbon_efficiency
    labels.add(efficiency.provenance.label)
    band = classify(big_l, efficiency.level_bands)
    grade = grade_name = None
    if big_k is not None:
        grade_band = classify(big_k, efficiency.grade_bands)
        grade, grade_name = int(grade_band.key), grade_band.name
    carbon_efficiency = CarbonEfficiency(
        gross_tco2=energy_tco2 + deduction,
        self_generation_deduction_tco2=deduction,
        tco2=energy_tco2,
        L=big_l,
        band=band.key,
        band_name=band.name,
        sector_average_L=average,
        K=big_k,
        grade=grade,
        grade_name=grade_name,
        label=efficiency.provenance.label,
        source=efficiency.provenance.source,
    )

    factors_used = list(used.values())
    labels.update(f.label for f in factors_used)
    order = list(Label)
    result = CarbonResult(
        year=activity.year,
        name=activity.name,
        region=activity.region,
        grid_region=grid_region.id if grid_region else None,
        grid_region_name=grid_region.name if grid_region else None,
        output_value_10k_yuan=output,
        value_added_10k_yuan=value_added,
        lines=lines,
        electricity=Electricity(
            purchased_kwh=grid_kwh["consumed"],
            green_kwh=grid_kwh["green"],
            self_generated_kwh=grid_kwh["self"],
            exported_kwh=grid_kwh["exported"],
        ),
        energy_tce=energy_tce,
        scope1_tco2=scope1,
        scope1_combustion_tco2=scope1_combustion,
        process_tco2=process,
        scope2_location_tco2=scope2_location,
        scope2_market_tco2=scope2_market,
        exported_tco2=exported,
        total_tco2=total,
        total_market_tco2=total_market,
        intensity=intensity,
        carbon_efficiency=carbon_efficiency,
        factors=factors_used,
        notes=notes,
        unofficial_labels=[
            label.value for label in sorted(labels, key=order.index) if label.is_flagged
        ],
    )
    green_factory = green_figures(result)
    out_of_range = _figure_problems(
        [(f"figure.green.{n}", v, ("energy",)) for n, v in green_factory.items()],
        upper={"figure.green.renewable_share": 100.0},
    )
    if out_of_range:
        raise CarbonInputError(out_of_range)
    return result


def _figure_problems(
    figures: Sequence[tuple[str, float | None, Path]], upper: Mapping[str, float] | None = None
) -> list[Problem]:
    """Figures that follow from the data keep to their physical range: a finite number, not below
    0 (and a share not above 100). One problem per input they point back to; a figure is named by
    its key (`figure.energy_tce`), which the catalogue names in each language."""
    problems: dict[Path, Problem] = {}
    for name, value, path in figures:
        if value is None or path in problems:
            continue
        limit = (upper or {}).get(name)
        if not math.isfinite(value):
            problems[path] = Problem(path, "carbon.figure_not_finite", {"figure": name})
        elif value < 0:
            problems[path] = Problem(
                path, "carbon.figure_negative", {"figure": name, "value": value}
            )
        elif limit is not None and value > limit:
            problems[path] = Problem(
                path, "carbon.figure_above", {"figure": name, "value": value, "limit": limit}
            )
    return list(problems.values())


def check_activity(
    data: object,
    factors: FactorLibrary,
    *,
    factor_year: int | None = None,
    sector_average_L: float | None = None,
) -> CarbonResult:
    """The one check of a year of activity data, whichever way it comes in (`zhizao carbon`, the
    activity service, a workbook): its shape, its keys and units, the region, that nothing leaves
    the site that did not enter it, and that every figure that follows keeps to its physical
    range. Returns the accounting; raises CarbonInputError naming every problem it finds."""
    activity = parse_activity(data)
    return account(activity, factors, factor_year=factor_year, sector_average_L=sector_average_L)


# --- green factory ---------------------------------------------------------------------------


def green_figures(result: CarbonResult) -> dict[str, float]:
    """GB/T 36132-2025 quantitative figures that follow from the accounting.

    - `carbon_intensity_output`: kgCO2 per 10k yuan of output value (total, location-based);
    - `energy_intensity_output`: kgce per 10k yuan of output value;
    - `renewable_share`: % of electricity consumed that is green: (certified green purchased +
      self-generated renewable) / (purchased + self-generated) × 100. This reading of
      可再生能源利用率 is INFERRED (the official definition is NOT FOUND). Left out when the firm
      uses no electricity.
    """
    output = result.output_value_10k_yuan
    figures = {
        "carbon_intensity_output": _to_unit(result.total_tco2, "tCO2", "kgCO2") / output,
        "energy_intensity_output": _to_unit(result.energy_tce, "tce", "kgce") / output,
    }
    power = result.electricity
    consumed = power.purchased_kwh + power.self_generated_kwh
    if consumed > 0:
        figures["renewable_share"] = 100.0 * (power.green_kwh + power.self_generated_kwh) / consumed
    return figures
