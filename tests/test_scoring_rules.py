"""Hand-computed cases for every rule type, applicability, gates, tiers and levels.

The arithmetic is written next to each assertion so a reader can check it by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest

from scoring import AnswerError, parse_answers, score
from standards import Standard, bundled_library, load_library
from standards.yamlsafe import parse_file

PROV = "{label: INFERRED, source: test}"

MINI = dedent(
    f"""
    schema_version: 1
    document: standard
    id: mini
    edition: "1"
    title: {{zh: 小标准, en: Mini standard}}
    provenance: {PROV}
    item_provenance: {PROV}
    industry_types: [discrete, process]
    tiers:
      - {{id: t1, rank: 1, name: {{zh: 一级, en: Tier one}}}}
      - {{id: t2, rank: 2, name: {{zh: 二级, en: Tier two}}}}
    profiles:
      - {{id: p1, tier: t1, name: {{zh: 一, en: One}}}}
      - {{id: p2, tier: t2, name: {{zh: 二, en: Two}}}}
    scoring:
      method: points
      max_total: 33
      not_applicable: {{value: renormalise, provenance: {PROV}}}
      tier_rule:
        kind: item_share
        provenance: {PROV}
        mandatory_share: {{value: 1.0, provenance: {PROV}}}
    nodes:
      - {{id: E1, level: element, name: {{zh: 甲, en: A}}}}
      - {{id: E2, level: element, name: {{zh: 乙, en: B}}}}
    items:
      - id: C1
        node: E1
        title: {{zh: 选择, en: Choice}}
        rule:
          kind: choice
          options:
            - {{key: A, points: 0, text: {{zh: 无, en: none}}}}
            - {{key: B, points: 2.5, tier: t1, text: {{zh: 有, en: some}}}}
            - {{key: C, points: 5, tier: t2, text: {{zh: 全, en: all}}}}
      - id: C4
        node: E1
        effort: 3
        title: {{zh: 依赖, en: Dependent}}
        rule:
          kind: choice
          options:
            - {{key: A, points: 0, text: {{zh: 无, en: none}}}}
            - {{key: B, points: 2.5, tier: t1, text: {{zh: 有, en: some}}}}
            - {{key: C, points: 5, tier: t2, text: {{zh: 全, en: all}}}}
      - id: M1
        node: E1
        applicability: {{p1: optional, p2: optional}}
        title: {{zh: 多选, en: Multi}}
        rule:
          kind: multi
          cap: 3
          options:
            - {{key: A, points: 1, tier: t2, text: {{zh: 一, en: one}}}}
            - {{key: B, points: 1, tier: t2, text: {{zh: 二, en: two}}}}
            - {{key: C, points: 2, tier: t2, text: {{zh: 三, en: three}}}}
      - id: Y1
        node: E2
        applicability: {{p1: not_applicable, p2: mandatory}}
        title: {{zh: 是否, en: Yes or no}}
        rule: {{kind: yes_no, points: 2}}
      - id: Q1
        node: E2
        title: {{zh: 正向, en: Positive}}
        rule:
          kind: quantity
          direction: positive
          unit: "%"
          points: 8
          minimum: 0
          maximum: 100
          baseline: {{value: 10, provenance: {PROV}}}
          leading: {{value: 30, provenance: {PROV}}}
      - id: Q2
        node: E2
        title: {{zh: 逆向, en: Negative}}
        rule:
          kind: quantity
          direction: negative
          unit: "kgce/万元"
          points: 8
          weighted: true
          minimum: 0
      - id: V-D
        node: E2
        industry: discrete
        variant_of: V
        title: {{zh: 离散, en: Discrete}}
        rule: {{kind: yes_no, points: 2, tier: t1}}
      - id: V-P
        node: E2
        industry: process
        variant_of: V
        title: {{zh: 流程, en: Process}}
        rule: {{kind: yes_no, points: 2, tier: t1}}
    dependencies:
      - id: c1-forces-c4
        when: {{item: C1, in: [A]}}
        then: {{item: C4, in: [A]}}
        provenance: {PROV}
    """
)


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    path = tmp_path_factory.mktemp("std") / "mini.yaml"
    path.write_text(MINI, encoding="utf-8")
    return load_library([path]).standard("mini")


def run(std: Standard, profile: str, answers: dict[str, object], industry: str = "discrete"):
    data = {"standard": std.id, "profile": profile, "industry_type": industry, "answers": answers}
    return score(std, parse_answers(data, std))


def trace(result, item_id: str):
    return next(t for t in result.items if t.id == item_id)


def test_every_rule_type_by_hand(mini: Standard) -> None:
    answers = {
        "C1": "B",  # 2.5
        "C4": "B",  # 2.5
        "M1": ["A", "C"],  # 1 + 2 = 3, cap 3 → 3
        "Y1": True,  # 2
        "Q1": 25,  # 8 × (25 − 10) / (30 − 10) = 8 × 0.75 = 6
        "Q2": {
            "products": [
                # (90 − 100) / (80 − 100) = 0.5, weight 3
                {"value": 90, "baseline": 100, "leading": 80, "weight": 3},
                # (70 − 100) / (80 − 100) = 1.5 → clamped to 1, weight 1
                {"value": 70, "baseline": 100, "leading": 80, "weight": 1},
            ]
        },  # 8 × (0.5 × 3 + 1 × 1) / 4 = 8 × 0.625 = 5
        "V-D": True,  # 2
    }
    result = run(mini, "p2", answers)
    assert [trace(result, i).points for i in ("C1", "C4", "M1", "Y1", "Q1", "Q2", "V-D")] == [
        2.5,
        2.5,
        3.0,
        2.0,
        6.0,
        5.0,
        2.0,
    ]
    # 2.5 + 2.5 + 3 + 2 + 6 + 5 + 2 = 23 of 5 + 5 + 3 + 2 + 8 + 8 + 2 = 33
    assert (result.total, result.max_total) == (23.0, 33.0)
    assert result.percent == round(100 * 23 / 33, 4)
    assert trace(result, "V-P").status == "not_applicable"
    node = {n.id: n for n in result.nodes}
    assert (node["E1"].points, node["E1"].max_points) == (8.0, 13.0)  # 2.5 + 2.5 + 3 of 5 + 5 + 3
    # E2: 2 + 6 + 5 + 2 of 2 + 8 + 8 + 2
    assert (node["E2"].points, node["E2"].max_points) == (15.0, 20.0)


def test_quantity_is_clamped_at_both_ends(mini: Standard) -> None:
    low = run(mini, "p1", {"Q1": 5})  # (5 − 10) / 20 < 0 → 0 points
    high = run(mini, "p1", {"Q1": 45})  # (45 − 10) / 20 > 1 → 8 points
    assert trace(low, "Q1").points == 0.0
    assert trace(high, "Q1").points == 8.0


def test_quantity_needs_sector_values_when_the_standard_has_none(mini: Standard) -> None:
    result = run(mini, "p1", {"Q2": 42})
    assert trace(result, "Q2").points == 0.0
    assert "baseline and leading" in (trace(result, "Q2").note or "")


def test_applicability_profile_and_optional_items(mini: Standard) -> None:
    # p1: Y1 not applicable, M1 optional and unanswered → neither counts in max_total.
    result = run(mini, "p1", {"C1": "C", "C4": "C", "Q1": 30, "Q2": 80, "V-D": True})
    assert trace(result, "Y1").status == "not_applicable"
    assert trace(result, "M1").status == "skipped"
    # max: C1 5 + C4 5 + Q1 8 + Q2 8 + V-D 2 = 28
    assert result.max_total == 28.0
    assert result.complete is True


def test_missing_mandatory_makes_the_result_incomplete_not_zero(mini: Standard) -> None:
    result = run(mini, "p2", {"C1": "C"})
    assert result.complete is False
    assert set(result.missing) == {"C4", "Y1", "Q1", "Q2", "V-D"}
    assert result.total == 5.0


def test_not_applicable_answer_is_renormalised(mini: Standard) -> None:
    with_na = run(mini, "p1", {"C1": "C", "Q1": {"na": True, "reason": "no such process"}})
    assert trace(with_na, "Q1").status == "na"
    # Q1's 8 points leave max_total: C1 5 + C4 5 + Q2 8 + V-D 2 = 20
    assert with_na.max_total == 20.0


def test_dependency_rule_is_enforced_and_reported(mini: Standard) -> None:
    result = run(mini, "p1", {"C1": "A", "C4": "C"})
    assert trace(result, "C4").points == 0.0  # forced to A
    assert [v.id for v in result.violations] == ["c1-forces-c4"]
    assert "scored as A" in result.violations[0].message


def test_tier_by_item_share_and_the_verified_path(mini: Standard) -> None:
    # Tier t1 needs every p1-mandatory item (C1, C4, V-D; quantities carry no tier) at t1 or more.
    answers = {"C1": "B", "C4": "A", "Q1": 30, "Q2": 80, "V-D": True}
    result = run(mini, "p1", answers)
    assert result.tier is None
    assert result.next_tier is not None
    assert result.next_tier.tier == "t1"
    assert [(u.item, u.to) for u in result.next_tier.upgrades] == [("C4", "B")]
    assert result.next_tier.reachable
    upgraded = run(mini, "p1", {**answers, "C4": "B"})
    assert upgraded.tier == "t1"


def test_path_lifts_the_premise_of_a_dependency(mini: Standard) -> None:
    # C1 = A forces C4 to A, so reaching t1 needs both lifted.
    result = run(mini, "p1", {"C1": "A", "C4": "A", "V-D": True})
    assert result.next_tier is not None
    assert sorted((u.item, u.to) for u in result.next_tier.upgrades) == [("C1", "B"), ("C4", "B")]
    assert result.next_tier.reachable


def test_variant_for_the_other_industry_is_rejected(mini: Standard) -> None:
    with pytest.raises(AnswerError) as caught:
        run(mini, "p1", {"V-P": True}, industry="discrete")
    assert "answers.V-P" in str(caught.value)
    assert "process" in str(caught.value)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"C9": "A"}, "answers.C9: unknown item id"),
        (
            {"C1": "Z"},
            "answers.C1: 'Z' is not an option of this item; expected one of ['A', 'B', 'C']",
        ),
        ({"Y1": "yes"}, "answers.Y1: expected true or false, got 'yes'"),
        ({"Q1": "lots"}, "answers.Q1: expected a number in %, got 'lots'"),
        ({"Q1": 140}, "answers.Q1: 140 % is above the physical maximum 100"),
        ({"Q2": -3}, "answers.Q2: -3 kgce/万元 is below the physical minimum 0"),
        ({"M1": ["A", "A"]}, "answers.M1: an option is ticked twice"),
        ({"Q1": {"na": True}}, "answers.Q1: a not-applicable answer needs a `reason`"),
    ],
)
def test_bad_answers_name_the_item_and_the_expectation(
    mini: Standard, answers: dict[str, object], expected: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        run(mini, "p2", answers)
    assert expected in [p.text() for p in caught.value.problems]


def test_all_answer_problems_are_reported_together(mini: Standard) -> None:
    with pytest.raises(AnswerError) as caught:
        run(mini, "p2", {"C1": "Z", "Y1": 3, "nope": 1})
    assert len(caught.value.problems) == 3


def test_multi_select_exclusive_option() -> None:
    ff = bundled_library().standard("zj-future-factory")
    data = {"profile": "ff", "industry_type": "discrete", "answers": {"FF-099": ["A", "B"]}}
    with pytest.raises(AnswerError, match="none of the above"):
        parse_answers(data, ff)


def test_future_factory_multi_select_sums_and_caps() -> None:
    ff = bundled_library().standard("zj-future-factory")
    data = {
        "profile": "ff",
        "industry_type": "discrete",
        # FF-096 options A=1, B=1, C=1, D=2: A + B + D = 4
        # FF-099 options B..E = 1.25 each: all four = 5 (the cap)
        "answers": {"FF-096": ["A", "B", "D"], "FF-099": ["B", "C", "D", "E"]},
    }
    result = score(ff, parse_answers(data, ff))
    assert trace(result, "FF-096").points == 4.0
    assert trace(result, "FF-099").points == 5.0


# --- gates ------------------------------------------------------------------------------------


def ff_gate(profile: str, gates: dict[str, object]) -> dict[str, object]:
    ff = bundled_library().standard("zj-future-factory")
    data = {"profile": profile, "industry_type": "discrete", "answers": {}, "gates": gates}
    result = score(ff, parse_answers(data, ff))
    return {g.id: g for g in result.gates} | {"_eligible": result.eligible}


def test_investment_gate_uses_the_mountain_island_floor() -> None:
    outcome = ff_gate("dws", {"investment": {"value": 1600, "variant": "mountain_island"}})
    assert outcome["investment"].passed is True  # 1600 ≥ 1500 (mountain/island floor)
    assert "1600 万元 ≥ 1500 万元" in outcome["investment"].message
    outcome = ff_gate("dws", {"investment": 1600})
    assert outcome["investment"].passed is False  # 1600 < 2000 (default floor)
    assert outcome["investment"].clause.startswith("浙经信产数〔2025〕174号")
    assert outcome["_eligible"] is False


def test_gate_with_a_not_found_threshold_is_not_evaluated() -> None:
    outcome = ff_gate("ff", {"investment": 99999})
    assert outcome["investment"].passed is None
    assert "NOT FOUND" in outcome["investment"].message


def test_digitalisation_gate_threshold_differs_by_profile() -> None:
    assert ff_gate("sf", {"digitalisation-level": 2.5})["digitalisation-level"].passed is True
    assert ff_gate("ff", {"digitalisation-level": 2.5})["digitalisation-level"].passed is False


def test_gates_only_tiers_from_a_related_cmmm_level() -> None:
    library = bundled_library()
    miit = library.standard("miit-smart-factory")
    declarations = {g.id: True for g in miit.gates if g.kind.value == "declaration"}
    # 卓越级 needs AI in ≥ 20 % of scenarios and 领航级 ≥ 60 % (NEWS, future-factory.md §9)
    for level, share, expected_rank in ((1, 25, 0), (2, 25, 2), (3, 25, 3), (3, 15, 2), (4, 59, 3),
                                        (4, 60, 4)):  # fmt: skip
        data = {
            "answers": {},
            "gates": {**declarations, "ai-scenario-share": share},
            "related_results": {"gbt39116-2020": {"level": level}},
            "profile": miit.profiles[0].id,
        }
        result = score(miit, parse_answers(data, miit))
        assert (result.tier_rank or 0) == expected_rank, (level, share, result.gates)


# --- maturity levels ---------------------------------------------------------------------------

MATURITY = dedent(
    f"""
    schema_version: 1
    document: standard
    id: mat
    edition: "1"
    title: {{zh: 成熟度, en: Maturity}}
    provenance: {PROV}
    item_provenance: {PROV}
    tiers:
      - {{id: L1, rank: 1, name: {{zh: 一级, en: L1}}}}
      - {{id: L2, rank: 2, name: {{zh: 二级, en: L2}}}}
      - {{id: L3, rank: 3, name: {{zh: 三级, en: L3}}}}
    profiles:
      - {{id: all, name: {{zh: 全部, en: All}}}}
    scoring:
      method: maturity
      not_applicable: {{value: renormalise, provenance: {PROV}}}
      tier_rule:
        kind: maturity
        provenance: {PROV}
        pass_threshold: {{value: 0.8, provenance: {PROV}}}
        final_score: {{value: level_plus_next, provenance: {PROV}}}
    nodes:
      - {{id: S1, level: element, name: {{zh: 甲, en: S1}}}}
      - {{id: S2, level: element, name: {{zh: 乙, en: S2}}}}
    items:
    """
) + "".join(
    f"  - {{id: S{s}.L{lv}.{n}, node: S{s}, level: {lv}, title: {{zh: 要求, en: req}}, "
    f"rule: {{kind: satisfaction, scale: cesi-satisfaction}}}}\n"
    for s in (1, 2)
    for lv in (1, 2, 3)
    for n in (1, 2)
)


@pytest.fixture(scope="module")
def maturity(tmp_path_factory: pytest.TempPathFactory) -> Standard:
    path = tmp_path_factory.mktemp("std") / "mat.yaml"
    path.write_text(MATURITY, encoding="utf-8")
    return load_library([path]).standard("mat")


def test_maturity_level_and_decimal_score(maturity: Standard) -> None:
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales}
    answers = {
        # level 1: S1 (1 + 1) / 2 = 1.0, S2 (0.8 + 0.5) / 2 = 0.65 → (1.0 + 0.65) / 2 = 0.825 ≥ 0.8 pass
        "S1.L1.1": "full",
        "S1.L1.2": "full",
        "S2.L1.1": "mostly",
        "S2.L1.2": "partly",
        # level 2: S1 (1 + 0.8) / 2 = 0.9, S2 (0.5 + 0) / 2 = 0.25 → 0.575 < 0.8 fail
        "S1.L2.1": "full",
        "S1.L2.2": "mostly",
        "S2.L2.1": "partly",
        "S2.L2.2": "none",
        # level 3: all full = 1.0, but level 2 failed, so level 3 cannot count
        **{f"S{s}.L3.{n}": "full" for s in (1, 2) for n in (1, 2)},
    }
    result = score(maturity, parse_answers({"answers": answers}, maturity, scales), scales)
    levels = {ls.level: ls for ls in result.levels}
    assert levels[1].score == 0.825
    assert levels[1].passed
    assert levels[2].score == 0.575
    assert not levels[2].passed
    assert not levels[3].passed
    assert result.level == 1
    assert result.maturity_score == 1.575  # 1 + 0.575
    assert result.tier == "L1"
    # The cheapest way to level 2: S2.L2.2 none → full adds (1 − 0) / 2 / 2 = 0.25 → 0.825 ≥ 0.8.
    assert result.next_tier is not None
    assert [u.item for u in result.next_tier.upgrades] == ["S2.L2.2"]
    assert result.next_tier.reachable


def test_satisfaction_grade_must_be_on_the_scale(maturity: Standard) -> None:
    scales = {s.id: s for s in bundled_library().scales.scales}
    with pytest.raises(AnswerError, match="not a grade of scale cesi-satisfaction"):
        parse_answers({"answers": {"S1.L1.1": "half"}}, maturity, scales)


# --- receipts ----------------------------------------------------------------------------------


def test_receipt_and_byte_identical_results() -> None:
    ff = bundled_library().standard("zj-future-factory")
    data = json.loads(json.dumps(load_example("ff-discrete-smart-factory.yaml")))
    first = score(ff, parse_answers(data, ff)).to_dict()
    reordered = {**data, "answers": dict(reversed(list(data["answers"].items())))}
    second = score(ff, parse_answers(reordered, ff)).to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
    receipt = first["receipt"]
    assert receipt["standard_sha256"] == first["standard"]["sha256"]
    assert len(receipt["answers_sha256"]) == 64
    assert receipt["engine_version"]
    changed = {**data, "answers": {**data["answers"], "FF-001": "A"}}
    third = score(ff, parse_answers(changed, ff)).to_dict()
    assert third["receipt"]["answers_sha256"] != receipt["answers_sha256"]


def load_example(name: str) -> dict[str, object]:
    data = parse_file(Path(__file__).resolve().parents[1] / "examples" / name).data
    assert isinstance(data, dict)
    return data
