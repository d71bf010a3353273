"""Structure of the green-factory, digital-workshop and MIIT smart-factory library files.

Each count is checked against shared/reference (green-factory.md, future-factory.md §7–§8), and
every value that the reference marks NOT FOUND must stay null: these tests are the guard against a
silently invented number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from standards import Label, Sourced, Standard, bundled_library
from standards.checks import item_max_points
from standards.models import GateKind, QuantityRule, TierRuleKind, YesNoRule

FILES = {
    "gbt36132-2025": "gbt36132-2025.yaml",
    "gbt36132-2018": "gbt36132-2018.yaml",
    "gbt37393-2019": "gbt37393-2019.yaml",
    "miit-smart-factory": "miit-smart-factory-2025.yaml",
}


def _std(standard_id: str) -> Standard:
    return bundled_library().standard(standard_id)


def _sourced(value: object) -> Iterator[Sourced]:
    """Every Sourced value anywhere inside a model."""
    if isinstance(value, Sourced):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _sourced(getattr(value, name))
    elif isinstance(value, list | tuple):
        for element in value:
            yield from _sourced(element)
    elif isinstance(value, dict):
        for element in value.values():
            yield from _sourced(element)


# --- every file --------------------------------------------------------------------------------


@pytest.mark.parametrize(("standard_id", "file_name"), FILES.items())
def test_file_is_bundled_under_its_name(standard_id: str, file_name: str) -> None:
    library = bundled_library()
    assert standard_id in library.standards
    assert library.files[standard_id].name == file_name


@pytest.mark.parametrize("standard_id", FILES)
def test_not_found_values_are_null_and_null_values_are_not_found(standard_id: str) -> None:
    values = list(_sourced(_std(standard_id)))
    assert values, "every file records at least one sourced value"
    for value in values:
        if value.provenance.label is Label.NOT_FOUND:
            assert value.value is None, value.provenance.source
        if value.value is None:
            assert value.provenance.label is Label.NOT_FOUND, value.provenance.source
        if value.default is not None:
            assert value.default.provenance.label.is_flagged, value.provenance.source


@pytest.mark.parametrize("standard_id", FILES)
def test_every_item_and_gate_has_provenance(standard_id: str) -> None:
    std = _std(standard_id)
    for item in std.items:
        provenance = item.provenance or std.item_provenance
        assert provenance is not None, item.id
        assert provenance.source
    for gate in std.gates:
        assert gate.provenance.source, gate.id
        assert gate.clause, gate.id


def test_first_lines_point_editors_at_the_schema() -> None:
    library = bundled_library()
    for standard_id in FILES:
        first = library.files[standard_id].read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/standard.schema.json"


# --- GB/T 36132-2025 -----------------------------------------------------------------------------

GREEN_2025_ITEMS = {
    "energy-intensity": "energy-low-carbon",
    "carbon-intensity": "energy-low-carbon",
    "renewable-share": "energy-low-carbon",
    "energy-carbon-platform": "energy-low-carbon",
    "material-saving": "resource-efficiency",
    "water-intensity": "resource-efficiency",
    "water-reuse": "resource-efficiency",
    "solid-waste-use": "resource-efficiency",
    "advanced-equipment": "clean-production",
    "green-retrofit": "clean-production",
    "pollutant-concentration": "clean-production",
    "green-design": "green-product",
    "product-carbon-footprint": "green-product",
    "land-output": "land-intensive",
}
GREEN_2025_POINTS = {
    "energy-low-carbon": 30,
    "resource-efficiency": 30,
    "clean-production": 16,
    "green-product": 16,
    "land-intensive": 8,
}


def test_green_2025_has_five_first_level_nodes_and_fourteen_items() -> None:
    std = _std("gbt36132-2025")
    assert [n.id for n in std.nodes] == list(GREEN_2025_POINTS)
    assert all(n.level.value == "element" and n.parent is None for n in std.nodes)
    assert {i.id: i.node for i in std.items} == GREEN_2025_ITEMS
    assert std.parameters["second_level_indicator_count"].value == len(std.items) == 14


def test_green_2025_quantitative_count_differs_from_the_news_count_by_one_known_item() -> None:
    std = _std("gbt36132-2025")
    kinds = Counter(i.rule.kind for i in std.items)
    assert kinds == {"quantity": 12, "yes_no": 2}
    assert {i.id for i in std.items if isinstance(i.rule, YesNoRule)} == {
        "material-saving",
        "green-design",
    }
    # NEWS says 11 of 14 are quantitative; mock A types 生产工艺设备先进性 as quantitative too.
    official = std.parameters["quantitative_indicator_count"]
    assert official.value == 11
    assert official.provenance.label is Label.NEWS
    assert kinds["quantity"] == official.value + 1


def test_green_2025_points_are_mock_a_and_match_node_weights() -> None:
    std = _std("gbt36132-2025")
    assert std.scoring.max_total == 100
    by_node: dict[str, float] = {}
    for item in std.items:
        by_node[item.node] = by_node.get(item.node, 0.0) + item_max_points(item.rule)
        assert item.provenance is not None
        assert item.provenance.label is Label.THIRD_PARTY
        assert item.provenance.label.is_flagged
    assert by_node == GREEN_2025_POINTS
    for node in std.nodes:
        assert node.weight is not None
        assert node.weight.value == GREEN_2025_POINTS[node.id]
    labels = {n.id: n.weight.provenance.label for n in std.nodes if n.weight}
    assert labels.pop("energy-low-carbon") is Label.NEWS
    assert set(labels.values()) == {Label.THIRD_PARTY}


def test_green_2025_reference_values_are_sector_supplied_except_the_platform() -> None:
    std = _std("gbt36132-2025")
    for item in std.items:
        rule = item.rule
        if not isinstance(rule, QuantityRule):
            continue
        assert rule.baseline is not None
        assert rule.leading is not None
        if item.id == "energy-carbon-platform":
            assert (rule.baseline.value, rule.leading.value) == (0, 6)
            assert rule.baseline.provenance.label is Label.THIRD_PARTY
            assert rule.leading.provenance.label is Label.THIRD_PARTY
        else:
            for value in (rule.baseline, rule.leading):
                assert value.value is None, item.id
                assert value.provenance.label is Label.NOT_FOUND, item.id


def test_green_2025_energy_items_are_derived_from_energy_data() -> None:
    std = _std("gbt36132-2025")
    derived = {
        i.id: (i.rule.derived_from, i.rule.unit)
        for i in std.items
        if isinstance(i.rule, QuantityRule) and i.rule.derived_from
    }
    assert derived == {
        "energy-intensity": ("energy_intensity_output", "kgce/万元"),
        "carbon-intensity": ("carbon_intensity_output", "kgCO2/万元"),
        "renewable-share": ("renewable_share", "%"),
    }
    weighted = [i.id for i in std.items if isinstance(i.rule, QuantityRule) and i.rule.weighted]
    assert weighted == ["energy-intensity"]


def test_green_2025_every_item_names_its_evidence() -> None:
    for item in _std("gbt36132-2025").items:
        assert item.evidence, item.id


def test_green_2025_open_questions_stay_open() -> None:
    std = _std("gbt36132-2025")
    policy = std.scoring.not_applicable
    assert policy.value is None
    assert policy.provenance.label is Label.NOT_FOUND
    assert policy.default is not None
    assert policy.default.value == "renormalise"
    assert policy.default.provenance.label is Label.INFERRED
    pass_mark = std.parameters["pass_mark"]
    assert pass_mark.value is None
    assert pass_mark.provenance.label is Label.NOT_FOUND
    assert [p.id for p in std.profiles] == ["self-evaluation"]
    assert not std.tiers
    assert std.scoring.tier_rule is None


def test_green_2025_basic_requirements_are_third_party_vetoes() -> None:
    gates = _std("gbt36132-2025").gates
    assert len(gates) == 8
    for gate in gates:
        assert gate.kind is GateKind.DECLARATION
        assert gate.veto
        assert gate.provenance.label is Label.THIRD_PARTY


# --- GB/T 36132-2018 -----------------------------------------------------------------------------

GREEN_2018_AREAS = {
    "infrastructure": (20, 3),
    "management-systems": (15, 5),
    "energy-resource-input": (15, 3),
    "products": (10, 4),
    "environmental-emissions": (10, 5),
    "performance": (30, 5),
}


def test_green_2018_has_six_weighted_areas_and_twenty_five_items() -> None:
    std = _std("gbt36132-2018")
    assert [n.id for n in std.nodes] == list(GREEN_2018_AREAS)
    for node in std.nodes:
        assert node.weight is not None
        assert node.weight.value == GREEN_2018_AREAS[node.id][0]
        assert node.weight.provenance.label is Label.UNVERIFIED
    assert len(std.items) == 25
    assert std.parameters["scored_second_level_indicator_count"].value == 25
    assert Counter(i.node for i in std.items) == {k: v[1] for k, v in GREEN_2018_AREAS.items()}


def test_green_2018_item_points_are_equal_shares_of_the_area_weight() -> None:
    std = _std("gbt36132-2018")
    assert std.scoring.max_total == 100
    total = 0.0
    for item in std.items:
        assert isinstance(item.rule, YesNoRule), item.id
        weight, count = GREEN_2018_AREAS[item.node]
        assert item.rule.points == pytest.approx(weight / count)
        total += item.rule.points
    assert total == pytest.approx(100)


def test_green_2018_does_not_invent_mandatory_or_optional_items() -> None:
    std = _std("gbt36132-2018")
    assert all(not item.applicability for item in std.items)
    split = std.parameters["mandatory_optional_split"]
    assert split.value is None
    assert split.provenance.label is Label.NOT_FOUND
    assert std.parameters["pass_mark"].value is None
    assert std.item_provenance is not None
    assert std.item_provenance.label is Label.UNVERIFIED


def test_green_2018_basic_requirements_are_vetoes() -> None:
    gates = _std("gbt36132-2018").gates
    assert len(gates) == 4
    assert all(g.kind is GateKind.DECLARATION and g.veto for g in gates)
    assert all(g.provenance.label.is_flagged for g in gates)


# --- GB/T 37393-2019 -----------------------------------------------------------------------------


def test_digital_workshop_numeric_requirements_are_official_gates() -> None:
    std = _std("gbt37393-2019")
    gates = {g.id: g for g in std.gates}
    assert set(gates) == {"digital-equipment-share", "automatic-data-collection"}
    for gate_id, expected in (("digital-equipment-share", 70), ("automatic-data-collection", 90)):
        gate = gates[gate_id]
        assert gate.kind is GateKind.MIN_VALUE
        threshold = gate.thresholds["digital-workshop"]["default"]
        assert threshold.value == expected
        assert threshold.unit == "%"
        assert threshold.provenance.label is Label.OFFICIAL


def test_digital_workshop_requirements_are_yes_no_items_with_inferred_points() -> None:
    std = _std("gbt37393-2019")
    assert len(std.items) == 7
    assert all(isinstance(i.rule, YesNoRule) for i in std.items)
    clauses = Counter(i.provenance.clause for i in std.items if i.provenance)
    assert clauses == {"6.1": 3, "6.2": 1, "6.3": 1, "6.4": 1, "6.5": 1}
    assert std.scoring.max_total == sum(item_max_points(i.rule) for i in std.items)
    assert all(i.provenance and i.provenance.label is Label.INFERRED for i in std.items)
    method = std.parameters["evaluation_method"]
    assert method.value is None
    assert method.provenance.label is Label.NOT_FOUND


# --- MIIT 智能工厂梯度培育 ---------------------------------------------------------------------------

MIIT_TIERS = {"basic": 1, "advanced": 2, "excellent": 3, "leading": 4}
MIIT_CMMM = {
    "basic": (2, Label.THIRD_PARTY),
    "advanced": (2, Label.THIRD_PARTY),
    "excellent": (3, Label.OFFICIAL),
    "leading": (4, Label.THIRD_PARTY),
}


def test_miit_has_four_ranked_tiers_one_profile_each_and_no_items() -> None:
    std = _std("miit-smart-factory")
    assert {t.id: t.rank for t in std.tiers} == MIIT_TIERS
    assert {p.id: p.tier for p in std.profiles} == {t: t for t in MIIT_TIERS}
    assert std.items == []
    assert std.scoring.method == "points"
    assert std.scoring.tier_rule is not None
    assert std.scoring.tier_rule.kind is TierRuleKind.GATES_ONLY


def test_miit_cmmm_gates_keep_their_own_labels() -> None:
    std = _std("miit-smart-factory")
    found: dict[str, tuple[object, Label]] = {}
    for gate in std.gates:
        if gate.kind is not GateKind.RESULT_MIN:
            continue
        assert gate.standard == "gbt39116-2020"
        assert gate.standard in bundled_library().standards
        assert gate.metric == "level"
        assert gate.minimum is not None
        (profile,) = gate.profiles
        found[profile] = (gate.minimum.value, gate.minimum.provenance.label)
    assert found == MIIT_CMMM


def test_miit_general_conditions_apply_to_every_tier() -> None:
    std = _std("miit-smart-factory")
    general = [g for g in std.gates if g.kind is GateKind.DECLARATION and not g.profiles]
    assert {g.id for g in general} == {
        "above-designated-size",
        "sound-operations",
        "secure-controllable",
        "organisation",
    }
    assert all(g.provenance.label is Label.THIRD_PARTY for g in general)
