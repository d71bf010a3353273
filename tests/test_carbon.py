"""Carbon accounting and 碳效码 grading (scoring/carbon.py, `zhizao carbon`).

Every expected figure is computed by hand in the test from the factors of
shared/reference/carbon.md, so a changed factor or a changed formula shows up here.
Units: kWh × tCO2/MWh / 1000 = tCO2; t × kgCO2/kg = tCO2; m3 × kgCO2/m3 / 1000 = tCO2;
t × kgce/kg = tce; GJ × kgce/MJ = tce (1 GJ = 1000 MJ, 1 tce = 1000 kgce).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from assessment.cli.main import main
from scoring import carbon
from scoring.carbon import (
    Activity,
    CarbonInputError,
    CarbonResult,
    account,
    classify,
    convert,
    green_figures,
    grid_region_of,
    parse_activity,
    select_grid_factor,
)
from standards import bundled_library, load_library
from standards.factors import FactorLibrary, check_factors
from standards.models import Label
from standards.yamlsafe import parse_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FACTORS_FILE = ROOT / "standards" / "library" / "carbon-factors.yaml"
REL = 1e-12


@pytest.fixture(scope="module")
def factors() -> FactorLibrary:
    library = bundled_library().factors
    assert library is not None
    return library


def make(
    energy: dict[str, float],
    *,
    year: int = 2025,
    region: str | None = None,
    output: float = 1000.0,
    value_added: float = 100.0,
    **extra: Any,
) -> Activity:
    return parse_activity(
        {
            "year": year,
            "region": region,
            "output_value_10k_yuan": output,
            "value_added_10k_yuan": value_added,
            "energy": energy,
            **extra,
        }
    )


def run(factors: FactorLibrary, energy: dict[str, float], **kwargs: Any) -> CarbonResult:
    options = {k: kwargs.pop(k) for k in ("factor_year", "sector_average_L") if k in kwargs}
    return account(make(energy, **kwargs), factors, **options)


def problems_of(
    excinfo: pytest.ExceptionInfo[CarbonInputError],
) -> list[tuple[tuple[Any, ...], str]]:
    return [(p.loc, p.message()) for p in excinfo.value.problems]


# --- the factor table is carbon.md -------------------------------------------------------------


GRID = {
    # series id: {data year: value}, all NEWS (carbon.md §3)
    "national-location": {2021: 0.5568, 2022: 0.5366, 2023: 0.5306},
    "national-market": {2021: 0.5942, 2022: 0.5856, 2023: 0.6096},
    "north-location": {2022: 0.6776, 2023: 0.6361},
    "northeast-location": {2022: 0.5564, 2023: 0.5122},
    "east-location": {2022: 0.5617, 2023: 0.5500},
    "central-location": {2022: 0.5395, 2023: 0.5271},
    "northwest-location": {2022: 0.5857, 2023: 0.5543},
    "south-location": {2022: 0.3869, 2023: 0.4042},
    "southwest-location": {2022: 0.2268, 2023: 0.2472},
    # THIRD-PARTY (carbon.md §3a): chosen only with grid_factor: province
    "zhejiang-location": {2021: 0.5422, 2022: 0.5153, 2023: 0.4974},
}

# energy id: (kgce coefficient, its unit, emission factor or None when NOT FOUND, its unit)
ENERGIES = {
    "electricity": (0.1229, "kgce/kWh", None, None),
    "self_generated_renewable": (0.1229, "kgce/kWh", None, None),
    "natural_gas": (1.2143, "kgce/m3", 2.1622, "kgCO2/m3"),
    "oilfield_gas": (1.3300, "kgce/m3", 2.1622, "kgCO2/m3"),
    "raw_coal": (0.7143, "kgce/kg", 1.9003, "kgCO2/kg"),
    "washed_coal": (0.9000, "kgce/kg", None, "kgCO2/kg"),
    "coke": (0.9714, "kgce/kg", 2.8604, "kgCO2/kg"),
    "coke_oven_gas": (0.6143, "kgce/m3", None, "kgCO2/m3"),
    "crude_oil": (1.4286, "kgce/kg", 3.0202, "kgCO2/kg"),
    "fuel_oil": (1.4286, "kgce/kg", 3.1705, "kgCO2/kg"),
    "gasoline": (1.4714, "kgce/kg", 2.9251, "kgCO2/kg"),
    "kerosene": (1.4714, "kgce/kg", 3.0179, "kgCO2/kg"),
    "diesel": (1.4571, "kgce/kg", 3.0959, "kgCO2/kg"),
    "lpg": (1.7143, "kgce/kg", 3.1013, "kgCO2/kg"),
    "refinery_gas": (1.5714, "kgce/kg", 3.0119, "kgCO2/kg"),
    "purchased_heat": (0.03412, "kgce/MJ", 0.11, "tCO2/GJ"),
}


def test_grid_series_are_the_reference_values(factors: FactorLibrary) -> None:
    found = {s.id: {year: v.value for year, v in s.values.items()} for s in factors.grid_series}
    assert found == GRID
    for series in factors.grid_series:
        assert series.unit == "tCO2/MWh"
        expected = Label.THIRD_PARTY if series.is_provincial else Label.NEWS
        assert {v.provenance.label for v in series.values.values()} == {expected}
    assert {s.id: s.method for s in factors.grid_series}["national-market"] == "market"


def test_energy_factors_are_the_reference_values(factors: FactorLibrary) -> None:
    found = {}
    for energy in factors.energies:
        ef = energy.emission_factor
        found[energy.id] = (
            energy.coal_coefficient.value,
            energy.coal_coefficient.unit,
            ef.value if ef else None,
            ef.unit if ef else None,
        )
    assert found == ENERGIES
    by_id = {e.id: e for e in factors.energies}
    heat_ef = by_id["purchased_heat"].emission_factor
    assert heat_ef is not None
    assert heat_ef.provenance.label is Label.UNVERIFIED
    for not_found in ("washed_coal", "coke_oven_gas"):
        ef = by_id[not_found].emission_factor
        assert ef is not None
        assert ef.provenance.label is Label.NOT_FOUND
    assert by_id["self_generated_renewable"].coal_coefficient.provenance.label is Label.INFERRED
    assert by_id["electricity"].coal_coefficient.provenance.label is Label.THIRD_PARTY


def test_bands_lag_and_grid_regions_are_data(factors: FactorLibrary) -> None:
    eff = factors.carbon_efficiency
    assert [(b.key, b.upper) for b in eff.level_bands] == [
        ("low", 0.6),
        ("medium", 2.0),
        ("high", None),
    ]
    assert [(b.key, b.upper) for b in eff.grade_bands] == [
        ("1", 0.6),
        ("2", 0.8),
        ("3", 1.2),
        ("4", 2.0),
        ("5", None),
    ]
    lag = factors.parameters["factor_lag_years"]
    assert (lag.value, lag.provenance.label) == (2, Label.NEWS)
    east = grid_region_of(factors, "330000")
    assert east is not None
    assert east.id == "east"
    assert east.provenance.label is Label.UNVERIFIED
    for city in ("330100", "330206", "331002", "330782"):  # Hangzhou, Beilun, Jiaojiang, Yiwu
        region = grid_region_of(factors, city)
        assert region is not None
        assert region.id == "east"
    provinces = [p for r in factors.grid_regions for p in r.provinces]
    assert len(provinces) == len(set(provinces)) == 31  # mainland provinces, each once


def test_factor_checks_reject_invented_and_misplaced_values(factors: FactorLibrary) -> None:
    data = factors.model_dump(mode="python")
    data["energies"][5]["emission_factor"]["value"] = 2.5  # washed coal: NOT FOUND, yet a value
    data["energies"][0]["emission_factor"] = data["energies"][2]["emission_factor"]  # grid + EF
    data["grid_series"][0]["values"][2021]["value"] = -0.5
    data["carbon_efficiency"]["grade_bands"][0]["key"] = "one"
    broken = FactorLibrary.model_validate(data)
    messages = {p.loc: p.message() for p in check_factors(broken, None)}
    assert messages[("energies", 5, "emission_factor", "value")] == (
        "a NOT FOUND value must be null (never invent it)"
    )
    assert "remove emission_factor" in messages[("energies", 0, "emission_factor")]
    assert messages[("grid_series", 0, "values", 2021, "value")].startswith(
        "expected a positive number"
    )
    assert messages[("carbon_efficiency", "grade_bands", 0, "key")] == "a grade key is a number"
    assert check_factors(factors, None) == []


def test_the_factor_file_validates_with_the_loader() -> None:
    library = load_library([FACTORS_FILE])
    assert library.factors is not None
    assert library.factors.id == "carbon-factors"


# --- each energy type, by hand -----------------------------------------------------------------

# key, quantity, expected tce, expected tCO2 (scope 1 unless said otherwise)
FUELS = [
    ("natural_gas_m3", 100_000, 100_000 * 1.2143 / 1000, 100_000 * 2.1622 / 1000),
    ("oilfield_gas_m3", 100_000, 100_000 * 1.3300 / 1000, 100_000 * 2.1622 / 1000),
    ("raw_coal_t", 1000, 1000 * 0.7143, 1000 * 1.9003),
    ("coke_t", 200, 200 * 0.9714, 200 * 2.8604),
    ("crude_oil_t", 50, 50 * 1.4286, 50 * 3.0202),
    ("fuel_oil_t", 50, 50 * 1.4286, 50 * 3.1705),
    ("diesel_t", 35, 35 * 1.4571, 35 * 3.0959),
    ("gasoline_t", 12, 12 * 1.4714, 12 * 2.9251),
    ("kerosene_t", 3, 3 * 1.4714, 3 * 3.0179),
    ("lpg_t", 8, 8 * 1.7143, 8 * 3.1013),
    ("refinery_gas_t", 40, 40 * 1.5714, 40 * 3.0119),
]


@pytest.mark.parametrize(("key", "quantity", "tce", "tco2"), FUELS)
def test_each_fuel_is_scope_1(
    factors: FactorLibrary, key: str, quantity: float, tce: float, tco2: float
) -> None:
    result = run(factors, {key: quantity})
    assert result.energy_tce == pytest.approx(tce, rel=REL)
    assert result.scope1_tco2 == pytest.approx(tco2, rel=REL)
    assert result.scope1_combustion_tco2 == pytest.approx(tco2, rel=REL)
    assert result.scope2_location_tco2 == 0
    assert result.scope2_market_tco2 == 0
    assert result.total_tco2 == pytest.approx(tco2, rel=REL)
    assert result.total_market_tco2 == pytest.approx(tco2, rel=REL)
    fuel = key.rsplit("_", 1)[0]
    used = {(f.kind, f.key): f for f in result.factors}
    assert used[("emission_factor", fuel)].label is Label.THIRD_PARTY
    assert used[("coal_coefficient", fuel)].value == ENERGIES[fuel][0]
    assert ("grid", "national-location") not in used  # no electricity, no grid factor


def test_purchased_heat_is_scope_2_in_both_methods(factors: FactorLibrary) -> None:
    result = run(factors, {"purchased_heat_gj": 185_000})
    # 185 000 GJ = 185 000 000 MJ × 0.03412 kgce/MJ = 6 312 200 kgce = 6 312.2 tce
    assert result.energy_tce == pytest.approx(185_000 * 1000 * 0.03412 / 1000, rel=REL)
    # 185 000 GJ × 0.11 tCO2/GJ (UNVERIFIED) = 20 350 tCO2
    assert result.scope2_location_tco2 == pytest.approx(185_000 * 0.11, rel=REL)
    assert result.scope2_market_tco2 == pytest.approx(185_000 * 0.11, rel=REL)
    assert result.scope1_tco2 == 0
    assert "UNVERIFIED" in result.unofficial_labels


def test_electricity_location_and_market_based(factors: FactorLibrary) -> None:
    result = run(factors, {"electricity_kwh": 1_000_000, "green_electricity_kwh": 400_000})
    # reporting year 2025, no region: national series, data year 2025 − 2 = 2023
    assert result.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5306 / 1000, rel=REL)
    # market-based: only grid power not covered by green power, at the 'excluding traded
    # non-fossil' factor: (1 000 000 − 400 000) kWh × 0.6096 / 1000 = 365.76 tCO2
    assert result.scope2_market_tco2 == pytest.approx(600_000 * 0.6096 / 1000, rel=REL)
    assert result.total_tco2 == pytest.approx(530.6, rel=REL)
    assert result.total_market_tco2 == pytest.approx(365.76, rel=REL)
    # green power is still consumed energy: 1 000 000 kWh × 0.1229 kgce/kWh = 122.9 tce
    assert result.energy_tce == pytest.approx(1_000_000 * 0.1229 / 1000, rel=REL)
    assert result.electricity.purchased_kwh == 1_000_000
    assert result.electricity.green_kwh == 400_000


def test_units_in_keys_convert(factors: FactorLibrary) -> None:
    base = run(factors, {"electricity_kwh": 2_000_000, "raw_coal_t": 3, "purchased_heat_gj": 5})
    same = run(factors, {"electricity_mwh": 2000, "raw_coal_kg": 3000, "purchased_heat_mj": 5000})
    assert same.energy_tce == pytest.approx(base.energy_tce, rel=REL)
    assert same.total_tco2 == pytest.approx(base.total_tco2, rel=REL)
    assert run(factors, {"Electricity_KWH".lower(): 1}).total_tco2 > 0
    assert run(factors, {"diesel_T": 1}).total_tco2 == pytest.approx(3.0959, rel=REL)


def test_convert_refuses_mismatched_units() -> None:
    assert convert(2, "t", 0.7143, "kgce/kg", "tce") == pytest.approx(1.4286, rel=REL)
    with pytest.raises(ValueError, match="cannot apply"):
        convert(2, "m3", 0.7143, "kgce/kg", "tce")


def test_self_generated_renewable_power(factors: FactorLibrary) -> None:
    result = run(
        factors,
        {"electricity_kwh": 900_000, "self_generated_renewable_kwh": 100_000},
        region="330000",
    )
    # Zhejiang → 华东, data year 2023: 0.5500 tCO2/MWh
    assert result.scope2_location_tco2 == pytest.approx(900_000 * 0.5500 / 1000, rel=REL)
    # self-generated power: no emissions, but energy consumed at 0.1229 kgce/kWh
    assert result.energy_tce == pytest.approx((900_000 + 100_000) * 0.1229 / 1000, rel=REL)
    eff = result.carbon_efficiency
    # 碳效码: gross counts it at the grid factor, then deducts it: 100 000 × 0.55 / 1000 = 55
    assert eff.self_generation_deduction_tco2 == pytest.approx(100_000 * 0.5500 / 1000, rel=REL)
    assert eff.gross_tco2 == pytest.approx(1_000_000 * 0.5500 / 1000, rel=REL)
    assert eff.tco2 == pytest.approx(495.0, rel=REL)
    big_l = eff.L
    assert big_l == pytest.approx(495.0 / 100, rel=REL)
    labels = {(f.kind, f.key): f.label for f in result.factors}
    assert labels[("coal_coefficient", "self_generated_renewable")] is Label.INFERRED


def test_exports_are_netted_off(factors: FactorLibrary) -> None:
    # Only power generated on site can be exported (issue 14): 50 000 kWh of it, 20 000 sold.
    result = run(
        factors,
        {
            "electricity_kwh": 500_000,
            "self_generated_renewable_kwh": 50_000,
            "exported_electricity_kwh": 20_000,
            "purchased_heat_gj": 1000,
            "exported_heat_gj": 100,
        },
    )
    # credit: 20 000 kWh × 0.5306 / 1000 + 100 GJ × 0.11 = 10.612 + 11 = 21.612 tCO2
    assert result.exported_tco2 == pytest.approx(20_000 * 0.5306 / 1000 + 100 * 0.11, rel=REL)
    scope2 = 500_000 * 0.5306 / 1000 + 1000 * 0.11
    assert result.scope2_location_tco2 == pytest.approx(scope2, rel=REL)
    assert result.total_tco2 == pytest.approx(scope2 - 21.612, rel=REL)
    # the market total takes the same export credit (location-based factor)
    market = 500_000 * 0.6096 / 1000 + 1000 * 0.11
    assert result.total_market_tco2 == pytest.approx(market - 21.612, rel=REL)
    # energy: (500 000 + 50 000 − 20 000) kWh × 0.1229 + (1000 − 100) GJ × 0.03412 tce/GJ
    tce = 530_000 * 0.1229 / 1000 + 900 * 0.03412
    assert result.energy_tce == pytest.approx(tce, rel=REL)


def test_process_emissions_count_in_scope_1_but_not_in_L(factors: FactorLibrary) -> None:
    result = run(factors, {"process_emissions_tco2": 3400, "natural_gas_m3": 10_000})
    gas = 10_000 * 2.1622 / 1000  # 21.622 tCO2
    assert result.process_tco2 == 3400
    assert result.scope1_tco2 == pytest.approx(3400 + gas, rel=REL)
    assert result.total_tco2 == pytest.approx(3400 + gas, rel=REL)
    assert result.energy_tce == pytest.approx(10_000 * 1.2143 / 1000, rel=REL)
    # L = CO2 from energy use ÷ value added (carbon.md §6), process CO2 left out
    big_l = result.carbon_efficiency.L
    assert big_l == pytest.approx(gas / 100, rel=REL)


def test_intensities_and_per_product(factors: FactorLibrary) -> None:
    result = run(
        factors,
        {"raw_coal_t": 1000},
        output=5000,
        value_added=800,
        product_output={"quantity": 250, "unit": "t"},
    )
    tco2, tce = 1000 * 1.9003, 1000 * 0.7143
    i = result.intensity
    assert i.tco2_per_10k_yuan_output == pytest.approx(tco2 / 5000, rel=REL)
    assert i.tco2_per_10k_yuan_value_added == pytest.approx(tco2 / 800, rel=REL)
    assert i.tce_per_10k_yuan_output == pytest.approx(tce / 5000, rel=REL)
    assert i.tce_per_10k_yuan_value_added == pytest.approx(tce / 800, rel=REL)
    assert i.per_product is not None
    assert i.per_product.tco2_per_unit == pytest.approx(tco2 / 250, rel=REL)
    assert i.per_product.tce_per_unit == pytest.approx(tce / 250, rel=REL)
    assert run(factors, {"raw_coal_t": 1}).intensity.per_product is None


def test_discrete_example_by_hand(factors: FactorLibrary) -> None:
    data = parse_file(EXAMPLES / "activity-discrete-2025.yaml").data
    result = account(parse_activity(data), factors)
    tce = (
        18_500_000 * 0.1229 / 1000  # purchased electricity
        + 1_200_000 * 0.1229 / 1000  # rooftop PV
        - 150_000 * 0.1229 / 1000  # exported
        + 420_000 * 1.2143 / 1000  # natural gas
        + 35 * 1.4571  # diesel
        + 12 * 1.4714  # gasoline
    )
    scope1 = 420_000 * 2.1622 / 1000 + 35 * 3.0959 + 12 * 2.9251
    location = 18_500_000 * 0.5500 / 1000  # 华东 2023
    market = (18_500_000 - 3_000_000) * 0.6096 / 1000  # national market 2023
    export = 150_000 * 0.5500 / 1000
    assert result.energy_tce == pytest.approx(tce, rel=REL)
    assert result.scope1_tco2 == pytest.approx(scope1, rel=REL)
    assert result.scope2_location_tco2 == pytest.approx(location, rel=REL)
    assert result.scope2_market_tco2 == pytest.approx(market, rel=REL)
    assert result.total_tco2 == pytest.approx(scope1 + location - export, rel=REL)
    big_l = result.carbon_efficiency.L
    assert big_l == pytest.approx((scope1 + location - export) / 11800, rel=REL)
    assert result.carbon_efficiency.band == "medium"  # 0.944…
    assert result.grid_region == "east"


def test_result_is_deterministic(factors: FactorLibrary) -> None:
    energy = {"electricity_kwh": 123_456.7, "natural_gas_m3": 8910.1, "diesel_t": 2.5}
    first = run(factors, energy, region="330106", sector_average_L=0.7)
    second = run(
        factors, dict(reversed(list(energy.items()))), region="330106", sector_average_L=0.7
    )
    assert first.total_tco2 == second.total_tco2
    assert first.energy_tce == second.energy_tce
    assert (
        first.model_dump()
        == run(factors, energy, region="330106", sector_average_L=0.7).model_dump()
    )


# --- the grid-factor selection rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "data_year", "value"),
    [(2025, 2023, 0.5306), (2024, 2022, 0.5366), (2023, 2021, 0.5568)],
)
def test_data_year_is_reporting_year_minus_two(
    factors: FactorLibrary, year: int, data_year: int, value: float
) -> None:
    chosen = select_grid_factor(factors, "location", year, None)
    assert (chosen.year, chosen.value, chosen.series.id) == (data_year, value, "national-location")
    result = run(factors, {"electricity_kwh": 1000}, year=year)
    grid = next(f for f in result.factors if f.kind == "grid" and f.series == "national-location")
    assert (grid.year, grid.value, grid.region, grid.label) == (
        data_year,
        value,
        "national",
        Label.NEWS,
    )
    assert grid.source.startswith("MEE/NBS")
    assert result.scope2_location_tco2 == pytest.approx(1000 * value / 1000, rel=REL)


def test_latest_year_at_most_y_minus_two_when_newer_is_missing(factors: FactorLibrary) -> None:
    chosen = select_grid_factor(factors, "location", 2027, None)  # wants ≤ 2025; has 2023
    assert (chosen.year, chosen.value, chosen.target_year) == (2023, 0.5306, 2025)
    assert any("no factor for data year 2025 yet" in note for note in chosen.notes)


@pytest.mark.parametrize("region", ["330000", "330100", "330206", "310000", "350200"])
def test_zhejiang_and_east_china_use_the_east_series(factors: FactorLibrary, region: str) -> None:
    result = run(factors, {"electricity_kwh": 1_000_000}, region=region)
    assert result.grid_region == "east"
    assert result.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5500 / 1000, rel=REL)
    # no regional market-based series exists: the national one is used, and said so
    assert result.scope2_market_tco2 == pytest.approx(1_000_000 * 0.6096 / 1000, rel=REL)
    assert any(
        "no market-based series for grid region east; national used" in n for n in result.notes
    )
    loc = next(
        f for f in result.factors if f.kind == "grid" and f.name.endswith("(location-based)")
    )
    assert (loc.series, loc.year, loc.region) == ("east-location", 2023, "east")
    assert (
        run(factors, {"electricity_kwh": 1000}, region=region, year=2024).factors[0].value == 0.5617
    )


def test_other_regions(factors: FactorLibrary) -> None:
    south = select_grid_factor(factors, "location", 2025, grid_region_of(factors, "440300"))
    assert (south.series.id, south.value) == ("south-location", 0.4042)
    southwest = select_grid_factor(factors, "location", 2024, grid_region_of(factors, "510100"))
    assert (southwest.series.id, southwest.value) == ("southwest-location", 0.2268)


def test_region_falls_back_to_national(factors: FactorLibrary) -> None:
    # 华东 has no 2021 factor: reporting year 2023 falls back to the national 2021 factor
    result = run(factors, {"electricity_kwh": 1_000_000}, region="330000", year=2023)
    assert result.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5568 / 1000, rel=REL)
    assert any(
        "east-location has no factor for data year ≤ 2021; national used" in n for n in result.notes
    )
    # a code in no grid region (Hong Kong) uses the national series
    hk = run(factors, {"electricity_kwh": 1_000_000}, region="810000")
    assert hk.grid_region is None
    assert hk.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5306 / 1000, rel=REL)
    assert any("810000 is in no grid region" in n for n in hk.notes)
    # no region at all: national
    assert run(factors, {"electricity_kwh": 1000}).grid_region is None


def test_factor_year_override(factors: FactorLibrary) -> None:
    result = run(factors, {"electricity_kwh": 1_000_000}, region="330000", factor_year=2022)
    assert result.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5617 / 1000, rel=REL)
    assert result.scope2_market_tco2 == pytest.approx(1_000_000 * 0.5856 / 1000, rel=REL)
    assert any("override" in n for n in result.notes)
    assert all(f.kind != "parameter" for f in result.factors)  # the lag rule was not used
    # override to a year 华东 lacks: the national factor of exactly that year
    national = run(factors, {"electricity_kwh": 1_000_000}, region="330000", factor_year=2021)
    assert national.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5568 / 1000, rel=REL)
    # an override is exact, never "at most"
    with pytest.raises(CarbonInputError) as excinfo:
        run(factors, {"electricity_kwh": 1}, factor_year=2019)
    ((path, message),) = problems_of(excinfo)
    assert path == ("year",)
    assert "data year 2019 (--factor-year 2019 was asked for)" in message
    assert "2021, 2022, 2023" in message


def test_lag_is_read_from_the_yaml(factors: FactorLibrary) -> None:
    data = factors.model_dump(mode="python")
    data["parameters"]["factor_lag_years"]["value"] = 1
    lag_one = FactorLibrary.model_validate(data)
    assert select_grid_factor(lag_one, "location", 2024, None).year == 2023
    assert select_grid_factor(factors, "location", 2024, None).year == 2022


def test_year_without_factor_and_without_override(factors: FactorLibrary) -> None:
    with pytest.raises(CarbonInputError) as excinfo:
        run(factors, {"electricity_kwh": 1000}, year=2020)
    ((path, message),) = problems_of(excinfo)
    assert path == ("year",)
    assert "no location-based grid electricity factor for data year ≤ 2018" in message
    assert "reporting year 2020 − lag 2 = 2018" in message
    assert "--factor-year" in message
    # with an override the same year works
    assert run(factors, {"electricity_kwh": 1000}, year=2020, factor_year=2021).total_tco2 > 0
    # a firm with no electricity needs no grid factor
    assert run(factors, {"diesel_t": 1}, year=2020).total_tco2 == pytest.approx(3.0959, rel=REL)


# --- 碳效码 bands and grades -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0.0, "low"),
        (0.6, "low"),
        (0.6000000000000001, "low"),  # float noise on the bound stays on the bound
        (0.6001, "medium"),
        (2.0, "medium"),
        (2.0001, "high"),
        (35.0, "high"),
    ],
)
def test_level_band_bounds_are_inclusive(factors: FactorLibrary, value: float, band: str) -> None:
    assert classify(value, factors.carbon_efficiency.level_bands).key == band


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        (0.5, "1"),
        (0.6, "1"),
        (0.6001, "2"),
        (0.8, "2"),
        (0.8001, "3"),
        (1.2, "3"),
        (1.2001, "4"),
        (2.0, "4"),
        (2.0001, "5"),
    ],
)
def test_grade_bounds_are_inclusive(factors: FactorLibrary, value: float, grade: str) -> None:
    assert classify(value, factors.carbon_efficiency.grade_bands).key == grade


def heat_for_L(factors: FactorLibrary, L: float, **kwargs: Any) -> CarbonResult:
    """A firm whose only energy is purchased heat: CO2 = GJ × 0.11, so L = GJ × 0.11 / 110."""
    return run(factors, {"purchased_heat_gj": L * 1000}, value_added=110.0, **kwargs)


@pytest.mark.parametrize(
    ("L", "band"), [(0.6, "low"), (0.61, "medium"), (2.0, "medium"), (2.01, "high")]
)
def test_L_band_end_to_end(factors: FactorLibrary, L: float, band: str) -> None:
    result = heat_for_L(factors, L)
    # L = (L × 1000 GJ × 0.11 tCO2/GJ) / 110 万元
    big_l = result.carbon_efficiency.L
    assert big_l == pytest.approx(L * 1000 * 0.11 / 110, rel=REL)
    assert result.carbon_efficiency.band == band
    assert result.carbon_efficiency.K is None
    assert result.carbon_efficiency.grade is None


@pytest.mark.parametrize(
    ("average", "K", "grade"),
    [
        (1.0, 0.6, 1),  # K = 0.6 / 1.0
        (0.75, 0.8, 2),  # K = 0.6 / 0.75
        (0.7, 0.6 / 0.7, 3),
        (0.5, 1.2, 3),  # K = 0.6 / 0.5
        (0.4, 1.5, 4),
        (0.3, 2.0, 4),  # K = 0.6 / 0.3
        (0.25, 2.4, 5),
    ],
)
def test_K_grade_end_to_end(factors: FactorLibrary, average: float, K: float, grade: int) -> None:
    result = heat_for_L(factors, 0.6, sector_average_L=average)
    eff = result.carbon_efficiency
    assert eff.sector_average_L == average
    big_k = eff.K
    assert big_k == pytest.approx(K, rel=1e-9)
    assert eff.grade == grade
    assert eff.grade_name is not None
    assert eff.label is Label.THIRD_PARTY


def test_sector_average_from_the_file_and_its_override(factors: FactorLibrary) -> None:
    activity = make({"diesel_t": 10}, sector_average_L=0.1)
    assert account(activity, factors).carbon_efficiency.sector_average_L == 0.1
    overridden = account(activity, factors, sector_average_L=0.5)
    assert overridden.carbon_efficiency.sector_average_L == 0.5
    # L = 10 × 3.0959 / 100 = 0.30959; K = 0.30959 / 0.5
    big_k = overridden.carbon_efficiency.K
    assert big_k == pytest.approx(10 * 3.0959 / 100 / 0.5, rel=REL)


# --- green-factory figures ---------------------------------------------------------------------


def test_green_figures(factors: FactorLibrary) -> None:
    result = run(
        factors,
        {
            "electricity_kwh": 800_000,
            "green_electricity_kwh": 200_000,
            "self_generated_renewable_kwh": 200_000,
            "natural_gas_m3": 50_000,
        },
        output=2000,
    )
    figures = green_figures(result)
    assert set(figures) == {"carbon_intensity_output", "energy_intensity_output", "renewable_share"}
    tco2 = 800_000 * 0.5306 / 1000 + 50_000 * 2.1622 / 1000
    tce = (800_000 + 200_000) * 0.1229 / 1000 + 50_000 * 1.2143 / 1000
    assert figures["carbon_intensity_output"] == pytest.approx(tco2 * 1000 / 2000, rel=REL)
    assert figures["energy_intensity_output"] == pytest.approx(tce * 1000 / 2000, rel=REL)
    # (200 000 green + 200 000 self-generated) / (800 000 + 200 000) = 40 %
    assert figures["renewable_share"] == pytest.approx(40.0, rel=REL)


def test_green_figures_without_electricity(factors: FactorLibrary) -> None:
    figures = green_figures(run(factors, {"diesel_t": 1}, output=10))
    assert figures["carbon_intensity_output"] == pytest.approx(3.0959 * 1000 / 10, rel=REL)
    assert "renewable_share" not in figures  # undefined: no electricity used


def test_green_figure_names_match_the_green_factory_yaml() -> None:
    names = {"carbon_intensity_output", "energy_intensity_output", "renewable_share"}
    derived = set()
    for standard in bundled_library().standards.values():
        for item in standard.items:
            name = getattr(item.rule, "derived_from", None)
            if name is not None:
                derived.add(name)
    assert derived <= names, (
        f"the library asks for figures carbon.py does not give: {derived - names}"
    )


# --- bad input ---------------------------------------------------------------------------------


def bad(
    factors: FactorLibrary, data: dict[str, Any], **options: Any
) -> list[tuple[tuple[Any, ...], str]]:
    full = {
        "year": 2025,
        "region": None,
        "output_value_10k_yuan": 100,
        "value_added_10k_yuan": 50,
        "energy": {"electricity_kwh": 1000},
    }
    full.update(data)
    with pytest.raises(CarbonInputError) as excinfo:
        account(parse_activity(full), factors, **options)
    return problems_of(excinfo)


def test_negative_quantity(factors: FactorLibrary) -> None:
    problems = bad(factors, {"energy": {"electricity_kwh": 1000, "diesel_t": -3}})
    assert problems == [(("energy", "diesel_t"), "must not be negative (got -3)")]


def test_green_power_larger_than_purchased(factors: FactorLibrary) -> None:
    problems = bad(factors, {"energy": {"electricity_kwh": 1000, "green_electricity_kwh": 1500}})
    assert problems == [
        (
            ("energy", "green_electricity_kwh"),
            "green power (1500 kWh) is larger than purchased electricity electricity_kwh "
            "(1000 kWh); green power is a part of it",
        )
    ]
    # in other units, and without any purchased power
    assert bad(factors, {"energy": {"electricity_mwh": 1, "green_electricity_kwh": 1001}})
    (only,) = bad(factors, {"energy": {"green_electricity_kwh": 1}})
    assert "purchased electricity electricity_kwh (0 kWh)" in only[1]


def test_unknown_energy_key(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {"energy": {"electricity_kwh": 1, "steam_t": 5}})
    assert path == ("energy", "steam_t")
    assert message.startswith("unknown energy key 'steam_t'; known keys: electricity_kwh, ")
    assert "purchased_heat_gj" in message
    assert "process_emissions_tco2" in message


def test_unknown_unit(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {"energy": {"natural_gas_nm3": 5}})
    assert path == ("energy", "natural_gas_nm3")
    assert message == "unknown unit 'nm3' for natural_gas; write natural_gas_m3"
    ((_, message),) = bad(factors, {"energy": {"purchased_heat_kwh": 5}})
    assert (
        message
        == "unknown unit 'kwh' for purchased_heat; write purchased_heat_mj or purchased_heat_gj"
    )
    ((_, message),) = bad(factors, {"energy": {"raw_coal": 5}})
    assert message.startswith("unknown energy key 'raw_coal'")


def test_same_energy_twice(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {"energy": {"raw_coal_t": 1, "raw_coal_kg": 5}})
    assert path == ("energy", "raw_coal_kg")
    assert message == "raw_coal is already given as 'raw_coal_t'"


def test_not_found_emission_factor(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {"energy": {"washed_coal_t": 10}})
    assert path == ("energy", "washed_coal_t")
    assert "emission factor of washed_coal is NOT FOUND" in message
    assert run(factors, {"washed_coal_t": 0}).total_tco2 == 0  # nothing to account


def test_zero_value_added_and_output(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {"value_added_10k_yuan": 0})
    assert path == ("value_added_10k_yuan",)
    assert message == (
        "must be greater than 0 (got 0); L and the intensities divide by value added"
    )
    ((path, message),) = bad(factors, {"output_value_10k_yuan": -5})
    assert path == ("output_value_10k_yuan",)
    assert "greater than 0 (got -5)" in message


def test_malformed_activity(factors: FactorLibrary) -> None:
    problems = dict(
        bad(
            factors,
            {
                "year": "2025",
                "region": "33",
                "energy": {"diesel_t": "ten", "coke_t": True},
                "plant": "x",
            },
        )
    )
    assert problems[("year",)].startswith("Input should be a valid integer")
    assert "should match pattern" in problems[("region",)]
    assert problems[("energy", "diesel_t")] == "expected a number, got 'ten'"
    assert problems[("energy", "coke_t")] == "expected a number, got True"
    assert problems[("plant",)] == "unknown key (check its spelling and indentation)"
    with pytest.raises(CarbonInputError) as excinfo:
        parse_activity({"year": 2025})
    missing = {path for path, _ in problems_of(excinfo)}
    assert missing == {("output_value_10k_yuan",), ("value_added_10k_yuan",), ("energy",)}
    with pytest.raises(CarbonInputError, match="expected a mapping of activity data, found list"):
        parse_activity([1, 2])


def test_bad_sector_average(factors: FactorLibrary) -> None:
    ((path, message),) = bad(factors, {}, sector_average_L=0.0)
    assert path == ("sector_average_L",)
    assert message == "the sector average L must be greater than 0 (got 0)"
    ((path, _),) = bad(factors, {"sector_average_L": -1})
    assert path == ("sector_average_L",)


def test_every_problem_is_reported_at_once(factors: FactorLibrary) -> None:
    problems = bad(factors, {"energy": {"diesel_t": -1, "foo_t": 1, "coke_kwh": 2}})
    assert [p for p, _ in problems] == [
        ("energy", "diesel_t"),
        ("energy", "foo_t"),
        ("energy", "coke_kwh"),
    ]


def test_scoring_carbon_does_no_io() -> None:
    tree = ast.parse(Path(carbon.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import)
        for alias in n.names
    }
    imported |= {
        n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module
    }
    assert imported <= {
        "__future__",
        "math",
        "collections",
        "dataclasses",
        "typing",
        "pydantic",
        "pydantic_core",  # pydantic's own core: PydanticCustomError for a coded problem
        "standards",
    }
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert not called & {"open", "print", "input", "exec", "eval"}


# --- the command line --------------------------------------------------------------------------


def test_cli_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["carbon", str(EXAMPLES / "activity-discrete-2025.yaml"), "--sector-average", "0.9"])
        == 0
    )
    out = capsys.readouterr().out
    assert "华东 East China grid" in out
    assert "综合能耗 Energy consumption" in out
    assert "2,981.36 tce" in out  # by hand in test_discrete_example_by_hand
    assert "→ 中碳 medium carbon" in out
    assert "→ 3级 grade 3" in out
    assert "grid electricity CO2 factor (location-based): 0.55 tCO2/MWh 2023 east [NEWS]" in out
    assert "renewable_share" in out
    assert "Unofficial values used: THIRD-PARTY, UNVERIFIED, INFERRED" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["carbon", str(EXAMPLES / "activity-process-2025.yaml"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    for key in (
        "energy_tce",
        "scope1_tco2",
        "scope2_location_tco2",
        "scope2_market_tco2",
        "total_tco2",
        "intensity",
        "carbon_efficiency",
        "factors",
        "green_figures",
    ):
        assert key in doc, key
    tce = 42_000_000 * 0.1229 / 1000 + 8200 * 0.7143 + 2_600_000 * 1.2143 / 1000
    tce += 185_000 * 0.03412 + 60 * 1.4571
    assert doc["energy_tce"] == pytest.approx(tce, rel=REL)
    scope1 = 8200 * 1.9003 + 2_600_000 * 2.1622 / 1000 + 60 * 3.0959 + 3400
    assert doc["scope1_tco2"] == pytest.approx(scope1, rel=REL)
    assert doc["scope2_location_tco2"] == pytest.approx(
        42_000_000 * 0.5306 / 1000 + 185_000 * 0.11, rel=REL
    )
    assert doc["scope2_market_tco2"] == pytest.approx(
        42_000_000 * 0.6096 / 1000 + 185_000 * 0.11, rel=REL
    )
    assert set(doc["intensity"]) >= {"tco2_per_10k_yuan_output", "tco2_per_10k_yuan_value_added"}
    eff = doc["carbon_efficiency"]
    assert eff["band"] == "high"
    assert eff["K"] is None
    assert eff["grade"] is None
    grid = [f for f in doc["factors"] if f["kind"] == "grid"]
    assert {(f["series"], f["year"], f["region"], f["label"]) for f in grid} == {
        ("national-location", 2023, "national", "NEWS"),
        ("national-market", 2023, "national", "NEWS"),
    }
    for entry in doc["factors"]:
        assert {"name", "value", "unit", "year", "region", "source", "label"} <= set(entry)
    assert doc["green_figures"]["renewable_share"] == 0.0


def test_cli_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["carbon", str(EXAMPLES / "activity-discrete-2025.yaml"), "--json"]
    assert main([*args, "--factor-year", "2022", "--sector-average", "2.0"]) == 0
    doc = json.loads(capsys.readouterr().out)
    grid = {f["series"]: f["value"] for f in doc["factors"] if f["kind"] == "grid"}
    assert grid == {"east-location": 0.5617, "national-market": 0.5856}
    assert doc["carbon_efficiency"]["sector_average_L"] == 2.0
    assert doc["carbon_efficiency"]["grade"] == 1  # L ≈ 0.96, K ≈ 0.48


def write(tmp_path: Path, text: str, name: str = "activity.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
year: 2025
region: "330100"
output_value_10k_yuan: 1000
value_added_10k_yuan: 200
energy:
  electricity_kwh: 100000
"""


@pytest.mark.parametrize(
    ("replace", "by", "line", "message"),
    [
        (
            "  electricity_kwh: 100000",
            "  electricity_kwh: -1",
            6,
            "energy.electricity_kwh: must not be negative (got -1)",
        ),
        (
            "  electricity_kwh: 100000",
            "  electricity_kwh: 100000\n  green_electricity_kwh: 200000",
            7,
            "energy.green_electricity_kwh: green power (200000 kWh) is larger than purchased",
        ),
        (
            "  electricity_kwh: 100000",
            "  electricity_kwh: 1\n  coal_t: 1",
            7,
            "energy.coal_t: unknown energy key 'coal_t'",
        ),
        (
            "  electricity_kwh: 100000",
            "  electricity_gwh: 1",
            6,
            "energy.electricity_gwh: unknown unit 'gwh' for electricity",
        ),
        (
            "year: 2025",
            "year: 2019",
            1,
            "year: no location-based grid electricity factor for data year ≤ 2017",
        ),
        (
            "value_added_10k_yuan: 200",
            "value_added_10k_yuan: 0",
            4,
            "value_added_10k_yuan: must be greater than 0 (got 0); L and the",
        ),
    ],
)
def test_cli_bad_input_names_key_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    replace: str,
    by: str,
    line: int,
    message: str,
) -> None:
    assert replace in GOOD
    path = write(tmp_path, GOOD.replace(replace, by))
    assert main(["carbon", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{path}:{line}:" in captured.err
    assert message in captured.err


def test_cli_good_file_and_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["carbon", str(write(tmp_path, GOOD)), "--json"]) == 0
    from_yaml = json.loads(capsys.readouterr().out)
    assert from_yaml["scope2_location_tco2"] == pytest.approx(100_000 * 0.5500 / 1000, rel=REL)
    as_json = json.dumps(
        {
            "year": 2025,
            "region": "330100",
            "output_value_10k_yuan": 1000,
            "value_added_10k_yuan": 200,
            "energy": {"electricity_kwh": 100000},
        }
    )
    assert main(["carbon", str(write(tmp_path, as_json, "activity.json")), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == from_yaml


def test_cli_factor_year_override_rescues_an_old_year(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace("year: 2025", "year: 2019"))
    assert main(["carbon", str(path), "--factor-year", "2021", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    # 华东 has no 2021 factor: national 2021 = 0.5568
    assert doc["scope2_location_tco2"] == pytest.approx(100_000 * 0.5568 / 1000, rel=REL)


def test_cli_bad_sector_average_and_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["carbon", str(write(tmp_path, GOOD)), "--sector-average", "0"]) == 1
    assert (
        "sector_average_L: the sector average L must be greater than 0" in capsys.readouterr().err
    )
    assert main(["carbon", str(tmp_path / "nope.yaml")]) == 1
    assert "cannot read file" in capsys.readouterr().err
    assert main(["carbon", str(write(tmp_path, "year: [1, 2", "broken.yaml"))]) == 1
    assert "not valid YAML" in capsys.readouterr().err


def test_cli_reports_every_energy_problem_in_line_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD + "  green_electricity_kwh: 200000\n  natural_gas_nm3: 5\n  diesel_t: -2\n"
    path = write(tmp_path, text)
    assert main(["carbon", str(path)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ", 1)[0].removeprefix(f"{path}:") for line in lines] == [
        "7:26",
        "8:20",
        "9:13",
    ]
    assert "energy.green_electricity_kwh: green power" in lines[0]
    assert "energy.natural_gas_nm3: unknown unit 'nm3'" in lines[1]
    assert "energy.diesel_t: must not be negative (got -2)" in lines[2]


def test_zhejiang_firms_may_choose_the_provincial_factor(factors: FactorLibrary) -> None:
    """carbon.md §3a: the Zhejiang series (THIRD-PARTY) is a choice beside 华东 and national."""
    kwh = {"electricity_kwh": 1_000_000}
    default = run(factors, kwh, region="330206")
    chosen = run(factors, kwh, region="330206", grid_factor="province")
    national = run(factors, kwh, region="330206", grid_factor="national")
    assert default.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5500 / 1000, rel=REL)
    assert chosen.scope2_location_tco2 == pytest.approx(1_000_000 * 0.4974 / 1000, rel=REL)
    assert national.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5306 / 1000, rel=REL)
    loc = next(f for f in chosen.factors if f.kind == "grid" and "location" in f.name)
    assert (loc.series, loc.year, loc.region, loc.label) == (
        "zhejiang-location",
        2023,
        "330000",
        Label.THIRD_PARTY,
    )
    assert "THIRD-PARTY" in chosen.unofficial_labels
    # market-based stays national: there is no provincial residual mix
    assert chosen.scope2_market_tco2 == default.scope2_market_tco2
    # the 2022 and 2021 data years of the provincial series
    assert run(factors, kwh, region="330000", grid_factor="province", year=2024).factors[
        0
    ].value == pytest.approx(0.5153)
    # a province without a series of its own falls back to its grid region, and says so
    jiangsu = run(factors, kwh, region="320100", grid_factor="province")
    assert jiangsu.scope2_location_tco2 == pytest.approx(1_000_000 * 0.5500 / 1000, rel=REL)
    assert any("no location-based series for province 320000" in n for n in jiangsu.notes)


def test_the_footprint_series_is_never_a_scope2_factor(factors: FactorLibrary) -> None:
    """The 电力碳足迹因子 (carbon.md §3a) is kept apart: not a grid series, never chosen."""
    footprint = {s.id: s for s in factors.footprint_series}["electricity-footprint"]
    assert {y: v.value for y, v in footprint.values.items()} == {2023: 0.6205, 2024: 0.5777}
    assert footprint.unit == "kgCO2e/kWh"
    assert footprint.id not in {s.id for s in factors.grid_series}
    for year in (2025, 2026):
        for choice in ("grid_region", "province", "national"):
            result = run(factors, {"electricity_kwh": 1000}, region="330000", year=year,
                         grid_factor=choice)  # fmt: skip
            assert all(f.series != footprint.id for f in result.factors)
            assert all(f.value not in (0.6205, 0.5777) for f in result.factors)
