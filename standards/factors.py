"""Factor tables for carbon accounting: grid electricity series, fuels, heat, 碳效码 bands.

Every factor is a sourced value (see `Sourced`): the carbon code reports the factor it used with its
year, region, series and source, so a figure can always be traced back.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import Field

from standards.models import Identifier, Label, Provenance, Sourced, Strict, Text, is_unset
from standards.problems import Loc, Problem


class GridSeries(Strict):
    """One series of grid CO2 factors, e.g. the MEE national average (location-based)."""

    id: Identifier
    method: Literal["location", "market"] = Field(
        description="location: grid average; "
        "market: factor for grid power not covered by green power."
    )
    region: Identifier = Field(
        description="'national', a grid region id from `grid_regions`, or a GB/T 2260 province "
        "code (e.g. '330000') for a provincial series — a province is a choice a firm makes "
        "(`grid_factor: province`), never the default."
    )
    name: Text
    unit: str
    values: dict[int, Sourced] = Field(min_length=1, description="Data year → factor.")

    @property
    def is_provincial(self) -> bool:
        return is_province_code(self.region)


def is_province_code(code: str) -> bool:
    return len(code) == 6 and code.isdigit() and code.endswith("0000") and code[0] != "0"


class FootprintSeries(Strict):
    """A factor series kept for reference that carbon accounting never uses for scope 2 (e.g. the
    电力碳足迹因子 for product carbon footprints, a different quantity from the grid CO2 factor)."""

    id: Identifier
    name: Text
    use: Text = Field(description="What the series is for, and what it must not be used for.")
    unit: str
    values: dict[int, Sourced] = Field(min_length=1, description="Data year → factor.")


class GridRegion(Strict):
    id: Identifier
    name: Text
    provinces: list[str] = Field(
        description="GB/T 2260 province codes (6 digits) in this grid region."
    )
    provenance: Provenance


class Energy(Strict):
    """An energy carrier: unit of its quantity key, standard-coal coefficient, CO2 factor."""

    id: Identifier
    name: Text
    quantity_unit: str = Field(description="Unit of activity data, also the suffix of its key.")
    scope: Literal["scope1", "scope2", "none"] = Field(
        description="scope1: combustion on site; scope2: purchased electricity/heat; "
        "none: not emitting."
    )
    coal_coefficient: Sourced = Field(description="Standard-coal coefficient (GB/T 2589).")
    emission_factor: Sourced | None = Field(default=None, description="CO2 per unit of quantity.")
    grid: bool = Field(
        default=False,
        description="Electricity bought from the grid: its CO2 factor comes from `grid_series` "
        "(location- and market-based) instead of `emission_factor`; green power is part of it.",
    )
    zero_carbon_self_generation: bool = Field(
        default=False,
        description="Zero-carbon electricity generated on site (PV, wind, hydro): no emissions, "
        "counted as green power and deducted in the 碳效码 L.",
    )
    export_key: Identifier | None = Field(
        default=None,
        description="Activity key (without unit) of the exported amount of this energy, which is "
        "netted off (e.g. 'exported_electricity').",
    )


class Band(Strict):
    key: Identifier
    upper: float | None = Field(description="Upper bound (inclusive); null for the last band.")
    name: Text


class CarbonEfficiency(Strict):
    """Zhejiang 碳效码: L level bands (all industry) and K grades (within a sector)."""

    level_bands: list[Band] = Field(min_length=2)
    grade_bands: list[Band] = Field(min_length=2)
    provenance: Provenance


class FactorLibrary(Strict):
    schema_version: Literal[1]
    document: Literal["factors"]
    id: Identifier
    title: Text
    grid_regions: list[GridRegion] = Field(default_factory=list)
    grid_series: list[GridSeries] = Field(min_length=1)
    footprint_series: list[FootprintSeries] = Field(
        default_factory=list,
        exclude_if=is_unset,
        description="Reference series that are not scope-2 grid factors (never used in accounting).",
    )
    energies: list[Energy] = Field(min_length=1)
    parameters: dict[str, Sourced] = Field(
        default_factory=dict,
        description="Selection rules and other settings (e.g. factor_lag_years).",
    )
    carbon_efficiency: CarbonEfficiency


def check_factors(library: FactorLibrary, units: set[str] | None) -> list[Problem]:
    """Every problem of a factor library, each at its data path (`standards/problems/factors.yaml`)."""
    problems: list[Problem] = []
    regions = {r.id for r in library.grid_regions} | {"national"}
    for section, ids in (
        ("grid_regions", [r.id for r in library.grid_regions]),
        ("grid_series", [s.id for s in library.grid_series]),
        ("energies", [e.id for e in library.energies]),
    ):
        counts = Counter(ids)
        for index, key in enumerate(ids):
            if counts[key] > 1:
                problems.append(
                    Problem((section, index, "id"), "factors.duplicate_id", {"id": key})
                )
    provinces = {code for r in library.grid_regions for code in r.provinces}
    for index, series in enumerate(library.grid_series):
        if series.is_provincial:
            if series.region not in provinces:
                problems.append(
                    Problem(
                        ("grid_series", index, "region"), "factors.province_in_no_region",
                        {"province": series.region},
                    )
                )  # fmt: skip
            if series.method != "location":
                problems.append(
                    Problem(("grid_series", index, "method"), "factors.provincial_not_location")
                )
        elif series.region not in regions:
            problems.append(
                Problem(
                    ("grid_series", index, "region"), "factors.unknown_region",
                    {"region": series.region},
                )
            )  # fmt: skip
        if units is not None and series.unit not in units:
            problems.append(
                Problem(
                    ("grid_series", index, "unit"), "factors.unknown_unit", {"unit": series.unit}
                )
            )
        for year, value in series.values.items():
            problems.extend(_sourced_number_problems(value, ("grid_series", index, "values", year)))
    for index, energy in enumerate(library.energies):
        if units is not None and energy.quantity_unit not in units:
            problems.append(
                Problem(
                    ("energies", index, "quantity_unit"), "factors.unknown_unit",
                    {"unit": energy.quantity_unit},
                )
            )  # fmt: skip
        if energy.grid:
            if energy.scope != "scope2":
                problems.append(Problem(("energies", index, "scope"), "factors.grid_not_scope2"))
            if energy.emission_factor is not None:
                problems.append(
                    Problem(("energies", index, "emission_factor"), "factors.grid_with_factor")
                )
        elif energy.scope != "none" and energy.emission_factor is None:
            problems.append(
                Problem(("energies", index, "emission_factor"), "factors.no_emission_factor")
            )
        if energy.zero_carbon_self_generation and energy.scope != "none":
            problems.append(
                Problem(("energies", index, "scope"), "factors.self_generation_with_scope")
            )
        for name in ("coal_coefficient", "emission_factor"):
            value = getattr(energy, name)
            if value is None:
                continue
            if units is not None and value.unit and value.unit not in units:
                problems.append(
                    Problem(
                        ("energies", index, name, "unit"), "factors.unknown_unit",
                        {"unit": value.unit},
                    )
                )  # fmt: skip
            problems.extend(_sourced_number_problems(value, ("energies", index, name)))
    for flag in ("grid", "zero_carbon_self_generation"):
        flagged = [e.id for e in library.energies if getattr(e, flag)]
        if len(flagged) > 1:
            problems.append(
                Problem(
                    ("energies",), "factors.flag_set_twice", {"flag": flag, "energies": flagged}
                )
            )
    keys = [e.id for e in library.energies] + [
        e.export_key for e in library.energies if e.export_key
    ]
    for key, count in Counter(keys).items():
        if count > 1:
            problems.append(Problem(("energies",), "factors.key_defined_twice", {"key": key}))
    for name, value in library.parameters.items():
        if units is not None and value.unit and value.unit not in units:
            problems.append(
                Problem(("parameters", name, "unit"), "factors.unknown_unit", {"unit": value.unit})
            )
        problems.extend(_sourced_number_problems(value, ("parameters", name)))
    series_ids = {s.id for s in library.grid_series}
    for index, footprint in enumerate(library.footprint_series):
        if footprint.id in series_ids:
            problems.append(
                Problem(
                    ("footprint_series", index, "id"), "factors.id_is_grid_series",
                    {"id": footprint.id},
                )
            )  # fmt: skip
        if units is not None and footprint.unit not in units:
            problems.append(
                Problem(
                    ("footprint_series", index, "unit"), "factors.unknown_unit",
                    {"unit": footprint.unit},
                )
            )  # fmt: skip
        for year, value in footprint.values.items():
            problems.extend(
                _sourced_number_problems(value, ("footprint_series", index, "values", year))
            )
    pairs = Counter((s.method, s.region) for s in library.grid_series)
    for index, series in enumerate(library.grid_series):
        if pairs[(series.method, series.region)] > 1:
            problems.append(
                Problem(
                    ("grid_series", index, "region"), "factors.second_series",
                    {"method": series.method, "region": series.region},
                )
            )  # fmt: skip
    for index, band in enumerate(library.carbon_efficiency.grade_bands):
        if not band.key.isdigit():
            problems.append(
                Problem(
                    ("carbon_efficiency", "grade_bands", index, "key"),
                    "factors.grade_key_not_number",
                )
            )
    for name in ("level_bands", "grade_bands"):
        bands = getattr(library.carbon_efficiency, name)
        uppers = [b.upper for b in bands]
        if uppers[-1] is not None or any(u is None for u in uppers[:-1]):
            problems.append(Problem(("carbon_efficiency", name), "factors.open_band"))
        bounded = [u for u in uppers if u is not None]
        if bounded != sorted(bounded) or len(set(bounded)) != len(bounded):
            problems.append(Problem(("carbon_efficiency", name), "factors.bounds_not_increasing"))
    return problems


def _sourced_number_problems(value: Sourced, path: Loc) -> list[Problem]:
    """A factor is a positive number, or null with label NOT FOUND (never invented)."""
    problems: list[Problem] = []
    label = value.provenance.label
    if label is Label.NOT_FOUND and value.value is not None:
        problems.append(Problem((*path, "value"), "factors.not_found_with_value"))
    if value.value is None and label is not Label.NOT_FOUND:
        problems.append(
            Problem((*path, "value"), "factors.null_not_labelled", {"label": label.value})
        )
    if value.value is not None and not _positive(value.value):
        problems.append(Problem((*path, "value"), "factors.not_positive", {"value": value.value}))
    if value.default is not None and not _positive(value.default.value):
        problems.append(
            Problem(
                (*path, "default", "value"), "factors.not_positive", {"value": value.default.value}
            )
        )
    return problems


def _positive(number: object) -> bool:
    return not isinstance(number, bool) and isinstance(number, int | float) and number > 0
