"""Structure of the future-factory (Zhejiang 2025 trial) and CMMM (GB/T 39116-2020) files and of the
FF → CMMM crosswalk, checked against shared/reference (future-factory.md §3–§5, cmmm.md §3–§5).

Counts are by question: the discrete / process variants of one question (`variant_of`) count once,
since a firm answers only one of them. Values the reference marks NOT FOUND must stay null with a
flagged default: these tests guard against a silently invented number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from standards import Item, Label, Sourced, Standard, bundled_library
from standards.checks import item_max_points
from standards.models import (
    Applicability,
    ChoiceRule,
    Crosswalk,
    GateKind,
    IndustryType,
    MultiRule,
    NodeLevel,
    SatisfactionRule,
    TierRuleKind,
)

FF = "zj-future-factory"
CMMM = "gbt39116-2020"


def _std(standard_id: str) -> Standard:
    return bundled_library().standard(standard_id)


def _crosswalk() -> Crosswalk:
    return bundled_library().crosswalks["ff-to-cmmm"]


def _questions(std: Standard) -> dict[str, list[Item]]:
    """Question id → its items (one, or the discrete and process variants)."""
    groups: dict[str, list[Item]] = {}
    for item in std.items:
        groups.setdefault(item.variant_of or item.id, []).append(item)
    return groups


def _sourced(value: object) -> Iterator[Sourced]:
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


def _node_counts(std: Standard) -> dict[str, int]:
    return dict(Counter(n.level.value for n in std.nodes))


# --- future factory: structure ----------------------------------------------------------------


def test_ff_files_and_edition() -> None:
    std = _std(FF)
    assert bundled_library().files[FF].name == "zj-future-factory-2025.yaml"
    assert std.edition == "2025-trial-r2"
    assert [t.id for t in sorted(std.tiers, key=lambda t: t.rank)] == ["dws", "sf", "ff"]
    assert {p.id: p.tier for p in std.profiles} == {"dws": "dws", "sf": "sf", "ff": "ff"}


def test_ff_has_3_elements_14_domains_44_subdomains() -> None:
    assert _node_counts(_std(FF)) == {"element": 3, "domain": 14, "subdomain": 44}


def test_ff_has_105_items_and_100_questions() -> None:
    std = _std(FF)
    assert len(std.items) == 105
    questions = _questions(std)
    assert len(questions) == 100
    pairs = {q: its for q, its in questions.items() if len(its) > 1}
    assert sorted(pairs) == ["FF-004", "FF-005", "FF-030", "FF-038", "FF-039"]
    for question, variants in pairs.items():
        assert [v.industry for v in variants] == [IndustryType.DISCRETE, IndustryType.PROCESS], (
            question
        )
        assert len({v.node for v in variants}) == 1, f"variants of {question} sit in one sub-domain"
        assert len({item_max_points(v.rule) for v in variants}) == 1, question


def test_ff_every_subdomain_has_items_and_items_hang_from_subdomains() -> None:
    std = _std(FF)
    levels = {n.id: n.level for n in std.nodes}
    used = {i.node for i in std.items}
    assert all(levels[n] is NodeLevel.SUBDOMAIN for n in used)
    assert used == {n.id for n in std.nodes if n.level is NodeLevel.SUBDOMAIN}


def test_ff_question_numbers_run_1_to_100() -> None:
    numbers = sorted(int(q.split("-")[1]) for q in _questions(_std(FF)))
    assert numbers == list(range(1, 101))


@pytest.mark.parametrize(
    ("profile", "mandatory", "optional"),
    [("dws", 58, 0), ("sf", 69, 8), ("ff", 77, 23)],
)
def test_ff_profile_applicability_counts(profile: str, mandatory: int, optional: int) -> None:
    std = _std(FF)
    counts: Counter[Applicability] = Counter()
    for question, variants in _questions(std).items():
        seen = {v.applicability.get(profile, std.default_applicability) for v in variants}
        assert len(seen) == 1, f"variants of {question} disagree for {profile}: {seen}"
        counts[seen.pop()] += 1
    assert counts[Applicability.MANDATORY] == mandatory
    assert counts[Applicability.OPTIONAL] == optional
    assert counts[Applicability.NOT_APPLICABLE] == 100 - mandatory - optional


def test_ff_applicability_only_widens_up_the_tiers() -> None:
    """A question that applies to a lower tier applies to every higher one (△ / ○ prefixes)."""
    std = _std(FF)
    rank = {
        Applicability.NOT_APPLICABLE: 0,
        Applicability.OPTIONAL: 1,
        Applicability.MANDATORY: 2,
    }
    for item in std.items:
        ranks = [
            rank[item.applicability.get(p, std.default_applicability)] for p in ("dws", "sf", "ff")
        ]
        assert ranks == sorted(ranks), f"{item.id}: {item.applicability}"


# --- future factory: rules and points ---------------------------------------------------------


def test_ff_multi_select_items_are_96_97_99_with_cap_5() -> None:
    std = _std(FF)
    multi = {i.number: i for i in std.items if isinstance(i.rule, MultiRule)}
    assert sorted(multi) == ["96", "97", "99"]
    for item in multi.values():
        assert isinstance(item.rule, MultiRule)
        assert item.rule.cap == 5
        assert sum(o.points for o in item.rule.options) == pytest.approx(5)
    rule_99 = multi["99"].rule
    assert isinstance(rule_99, MultiRule)
    assert rule_99.exclusive == ["A"]
    assert rule_99.options[0].points == 0


def test_ff_single_choice_ladders_step_evenly_from_0_to_5() -> None:
    """Future-factory.md §5: n options score 5·i/(n−1), stored rounded to two decimals."""
    for item in _std(FF).items:
        if isinstance(item.rule, MultiRule):
            continue
        assert isinstance(item.rule, ChoiceRule), item.id
        n = len(item.rule.options)
        assert 3 <= n <= 6, item.id
        assert [o.key for o in item.rule.options] == list("ABCDEF"[:n]), item.id
        expected = [5 * i / (n - 1) for i in range(n)]
        assert [o.points for o in item.rule.options] == pytest.approx(expected, abs=0.005), item.id


def test_ff_max_total_is_500() -> None:
    std = _std(FF)
    assert std.scoring.method == "points"
    assert std.scoring.max_total == 500
    per_question = [item_max_points(vs[0].rule) for vs in _questions(std).values()]
    assert per_question == [5] * 100
    assert sum(per_question) == 500


def test_ff_every_option_has_chinese_and_english_text() -> None:
    for item in _std(FF).items:
        assert item.title.zh.strip(), item.id
        assert item.title.en.strip(), item.id
        assert isinstance(item.rule, ChoiceRule | MultiRule)
        for option in item.rule.options:
            assert option.text.zh.strip(), f"{item.id} {option.key}: no Chinese text"
            assert option.text.en.strip(), f"{item.id} {option.key}: no English text"
            assert option.text.zh != option.text.en, f"{item.id} {option.key}: not translated"


def test_ff_choice_option_a_is_zero_points_and_usually_no_tier() -> None:
    std = _std(FF)
    tagged_a = []
    for item in std.items:
        if not isinstance(item.rule, ChoiceRule):
            continue  # in a multi-select question, A is one service to tick like the others
        first = item.rule.options[0]
        assert (first.key, first.points) == ("A", 0), item.id
        if first.tier is not None:
            tagged_a.append(item.number)
    # future-factory.md §5: only the process variants 30.2 and 38.2 count option A as DWS.
    assert sorted(tagged_a) == ["30.2", "38.2"]


def test_ff_dependency_rules() -> None:
    deps = {
        (d.when.item, tuple(d.when.options), d.then.item, tuple(d.then.options))
        for d in _std(FF).dependencies
    }
    assert deps == {
        ("FF-032", ("A",), "FF-033", ("A",)),
        ("FF-034", ("A",), "FF-035", ("A",)),
        ("FF-044", ("A",), "FF-045", ("A",)),
        ("FF-049", ("A",), "FF-050", ("A",)),
    }
    for dep in _std(FF).dependencies:
        assert dep.provenance.label is Label.THIRD_PARTY


# --- future factory: provenance of the rules --------------------------------------------------


def test_ff_items_are_third_party_and_flagged() -> None:
    std = _std(FF)
    assert std.item_provenance is not None
    assert std.item_provenance.label is Label.THIRD_PARTY
    assert std.item_provenance.label.is_flagged
    assert all(i.provenance is None for i in std.items), "items inherit item_provenance"


def test_ff_tier_rule_is_not_found_with_an_inferred_default() -> None:
    rule = _std(FF).scoring.tier_rule
    assert rule is not None
    assert rule.kind is TierRuleKind.ITEM_SHARE
    assert rule.provenance.label is Label.NOT_FOUND
    share = rule.mandatory_share
    assert share is not None
    assert share.value is None
    assert share.provenance.label is Label.NOT_FOUND
    assert share.default is not None
    assert share.default.provenance.label is Label.INFERRED
    assert share.effective == 1.0
    assert share.flagged
    # The consultancy tool's 80/60/40 % stages are a heuristic: not encoded as a threshold.
    assert rule.min_percent is not None
    assert rule.min_percent.value is None
    assert rule.min_percent.default is None
    assert rule.min_percent.provenance.label is Label.NOT_FOUND


def test_ff_not_applicable_policy_is_not_found_with_a_flagged_default() -> None:
    policy = _std(FF).scoring.not_applicable
    assert policy.value is None
    assert policy.provenance.label is Label.NOT_FOUND
    assert policy.effective == "forbidden"
    assert policy.flagged


# --- future factory: 2025 gates ---------------------------------------------------------------


def test_ff_2025_gates() -> None:
    gates = {g.id: g for g in _std(FF).gates}
    assert set(gates) == {
        "legal-form",
        "compliance",
        "credit-rating",
        "digitalisation-level",
        "timing",
        "investment",
        "pilot-route",
    }
    for gate in gates.values():
        assert "浙经信产数〔2025〕174号" in gate.clause
        assert gate.provenance.label is Label.OFFICIAL
        assert gate.veto
    assert gates["timing"].profiles == ["dws", "sf"]
    assert gates["pilot-route"].profiles == ["ff"]


def test_ff_investment_gate_with_mountain_island_variant() -> None:
    gate = next(g for g in _std(FF).gates if g.id == "investment")
    assert gate.kind is GateKind.MIN_VALUE
    assert gate.unit == "万元"
    assert set(gate.variants) == {"mountain_island"}
    assert gate.variants["mountain_island"].zh == "山区海岛县"
    values = {
        profile: {variant: threshold.value for variant, threshold in by_variant.items()}
        for profile, by_variant in gate.thresholds.items()
    }
    assert values == {
        "dws": {"default": 2000, "mountain_island": 1500},
        "sf": {"default": 4000, "mountain_island": 3000},
        "ff": {"default": None, "mountain_island": None},
    }
    for profile in ("dws", "sf"):
        for threshold in gate.thresholds[profile].values():
            assert threshold.provenance.label is Label.OFFICIAL
            assert threshold.unit == "万元"
    for ff in gate.thresholds["ff"].values():
        assert ff.provenance.label is Label.NOT_FOUND
        assert ff.default is None, "no future-factory investment floor may be invented"
        # the pending value is explained in plain words: why, the 2022 floors (NEWS), who sets it
        assert ff.explanation is not None
        for fact in ("待定", "8000万元", "6000万元", "2022", "管理员"):
            assert fact in ff.explanation.zh


def test_ff_digitalisation_gate_thresholds() -> None:
    gate = next(g for g in _std(FF).gates if g.id == "digitalisation-level")
    values = {p: {v: t.value for v, t in by.items()} for p, by in gate.thresholds.items()}
    assert values == {"dws": {"default": 2.0}, "sf": {"default": 2.0}, "ff": {"default": 3.0}}


@pytest.mark.parametrize("standard_id", [FF, CMMM])
def test_not_found_values_are_null_and_null_values_are_not_found(standard_id: str) -> None:
    for value in _sourced(_std(standard_id)):
        if value.provenance.label is Label.NOT_FOUND:
            assert value.value is None, value
        if value.value is None:
            assert value.provenance.label is Label.NOT_FOUND, value
        if value.default is not None:
            assert value.default.provenance.label not in (Label.OFFICIAL, Label.NEWS), value


# --- CMMM (GB/T 39116-2020) -------------------------------------------------------------------


def test_cmmm_has_4_elements_12_domains_20_subdomains() -> None:
    std = _std(CMMM)
    assert bundled_library().files[CMMM].name == "gbt39116-2020.yaml"
    assert _node_counts(std) == {"element": 4, "domain": 12, "subdomain": 20}
    elements = [n.name.zh for n in std.nodes if n.level is NodeLevel.ELEMENT]
    assert elements == ["人员", "技术", "资源", "制造"]


def test_cmmm_has_five_levels() -> None:
    std = _std(CMMM)
    tiers = sorted(std.tiers, key=lambda t: t.rank)
    assert [(t.id, t.rank) for t in tiers] == [
        ("L1", 1),
        ("L2", 2),
        ("L3", 3),
        ("L4", 4),
        ("L5", 5),
    ]
    assert [t.name.zh.split()[-1] for t in tiers] == [
        "规划级",
        "规范级",
        "集成级",
        "优化级",
        "引领级",
    ]
    assert [p.tier for p in std.profiles] == ["L1", "L2", "L3", "L4", "L5"]


def test_cmmm_has_200_requirements_each_with_a_level() -> None:
    std = _std(CMMM)
    assert std.scoring.method == "maturity"
    assert len(std.items) == 200
    assert all(i.level in (1, 2, 3, 4, 5) for i in std.items)
    assert Counter(i.level for i in std.items) == dict.fromkeys(range(1, 6), 40)
    subdomains = {n.id for n in std.nodes if n.level is NodeLevel.SUBDOMAIN}
    assert {i.node for i in std.items} == subdomains
    scales = {s.id for s in bundled_library().scales.scales} if bundled_library().scales else set()
    for item in std.items:
        assert isinstance(item.rule, SatisfactionRule), item.id
        assert item.rule.scale in scales


def test_cmmm_requirements_are_marked_inferred() -> None:
    std = _std(CMMM)
    assert std.item_provenance is not None
    assert std.item_provenance.label is Label.INFERRED


def test_cmmm_pass_threshold_is_0_8_unverified() -> None:
    rule = _std(CMMM).scoring.tier_rule
    assert rule is not None
    assert rule.kind is TierRuleKind.MATURITY
    assert rule.pass_threshold is not None
    assert rule.pass_threshold.value == 0.8
    assert rule.pass_threshold.provenance.label is Label.UNVERIFIED
    assert rule.pass_threshold.flagged


def test_cmmm_node_weights_not_found_with_equal_default() -> None:
    weights = _std(CMMM).scoring.node_weights
    assert weights is not None
    assert weights.value is None
    assert weights.provenance.label is Label.NOT_FOUND
    assert weights.default is not None
    assert weights.default.value == "equal"
    assert weights.default.provenance.label is Label.INFERRED
    assert weights.effective == "equal"
    assert weights.flagged
    assert all(n.weight is None for n in _std(CMMM).nodes), "no node weight may be invented"


# --- crosswalk ff-to-cmmm ---------------------------------------------------------------------


def test_crosswalk_links_only_existing_ids() -> None:
    cw = _crosswalk()
    assert (cw.source, cw.target) == (FF, CMMM)
    source, target = _std(FF), _std(CMMM)
    source_ids = {i.id for i in source.items} | set(_questions(source))
    target_ids = {n.id for n in target.nodes} | {i.id for i in target.items}
    for link in cw.links:
        assert link.source_item in source_ids, link
        assert link.target in target_ids, link


def test_crosswalk_maps_questions_to_cmmm_subdomains_once() -> None:
    cw = _crosswalk()
    subdomains = {n.id for n in _std(CMMM).nodes if n.level is NodeLevel.SUBDOMAIN}
    assert {link.target for link in cw.links} <= subdomains
    sources = [link.source_item for link in cw.links]
    assert len(sources) == len(set(sources)), "each question is linked once"
    assert cw.provenance.label is Label.INFERRED, "no official mapping exists"


def test_miit_ai_shares_and_scene_coverage_are_gates_with_their_labels() -> None:
    """future-factory.md §9: AI-scenario shares (NEWS) and scene coverage per tier (THIRD-PARTY)."""
    miit = _std("miit-smart-factory")
    gates = {g.id: g for g in miit.gates}
    share = gates["ai-scenario-share"]
    assert share.kind is GateKind.MIN_VALUE
    assert {p: by["default"].value for p, by in share.thresholds.items()} == {
        "excellent": 20,
        "leading": 60,
    }
    assert {by["default"].provenance.label for by in share.thresholds.values()} == {Label.NEWS}
    scenes = {g.id: g for g in miit.gates if g.id.startswith("scenes-")}
    assert {g.profiles[0]: g.veto for g in scenes.values()} == {
        "basic": True, "advanced": True, "excellent": False, "leading": True,
    }  # fmt: skip
    assert {g.provenance.label for g in scenes.values()} == {Label.THIRD_PARTY}
    assert "五个环节" in scenes["scenes-leading"].title.zh
    advanced = next(t for t in miit.tiers if t.id == "advanced")
    assert advanced.description is not None
    assert "来源不一致" in advanced.description.zh  # who recognises 先进级 is disputed
