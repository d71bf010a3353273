"""Invariants of the engine over random future-factory answer sets (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring import parse_answers, score, score_summary
from scoring.plan import clear_plans
from standards import bundled_library
from standards.canonical import sha256_of
from standards.models import Applicability, ChoiceRule, GateKind, MultiRule

FF = bundled_library().standard("zj-future-factory")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    profile = draw(st.sampled_from(["dws", "sf", "ff"]))
    industry = draw(st.sampled_from(["discrete", "process"]))
    answers: dict[str, Any] = {}
    for item in FF.items:
        if item.industry is not None and item.industry.value != industry:
            continue
        applicability = item.applicability.get(profile, Applicability.MANDATORY)
        if applicability is Applicability.NOT_APPLICABLE:
            continue
        # Mandatory items are mostly answered (sometimes not, to exercise `complete`).
        skip_chance = 0.05 if applicability is Applicability.MANDATORY else 0.5
        if draw(st.floats(0, 1)) < skip_chance:
            continue
        rule = item.rule
        if isinstance(rule, MultiRule):
            keys = [o.key for o in rule.options if o.key not in rule.exclusive]
            answers[item.id] = draw(st.lists(st.sampled_from(keys), unique=True))
        elif isinstance(rule, ChoiceRule):
            answers[item.id] = draw(st.sampled_from([o.key for o in rule.options]))
    return {"profile": profile, "industry_type": industry, "answers": answers}


def scored(data: dict[str, Any]):
    return score(FF, parse_answers(data, FF))


def raise_one(data: dict[str, Any], item_id: str) -> dict[str, Any] | None:
    item = next(i for i in FF.items if i.id == item_id)
    current = data["answers"].get(item_id)
    rule = item.rule
    if isinstance(rule, ChoiceRule):
        # Only a given answer can get better: answering an unanswered premise with its lowest
        # option may rightly pull a dependent answer down (e.g. FF-032 = A forces FF-033 = A).
        keys = [o.key for o in rule.options]
        if current not in keys or keys.index(current) + 1 >= len(keys):
            return None
        position = keys.index(current)
        better: Any = keys[position + 1]
    elif isinstance(rule, MultiRule):
        ticked = set(current or [])
        free = [o.key for o in rule.options if o.key not in ticked and o.key not in rule.exclusive]
        if not free:
            return None
        better = sorted(ticked | {free[0]})
    else:
        return None
    return {**data, "answers": {**data["answers"], item_id: better}}


@SETTINGS
@given(answer_sets(), st.data())
def test_a_better_option_never_lowers_any_score(data: dict[str, Any], draw: st.DataObject) -> None:
    before = scored(data)
    candidates = [t.id for t in before.items if t.status in ("scored", "missing", "skipped")]
    item_id = draw.draw(st.sampled_from(candidates))
    improved = raise_one(data, item_id)
    if improved is None:
        return
    after = scored(improved)
    if before.items[[t.id for t in before.items].index(item_id)].status == "skipped":
        # Answering an optional item adds it to max_total, so only points must not drop.
        assert after.total >= before.total
        return
    assert after.total >= before.total - 1e-9
    assert (after.percent or 0) >= (before.percent or 0) - 1e-9
    assert (after.tier_rank or 0) >= (before.tier_rank or 0)
    node_before = {n.id: n.points for n in before.nodes}
    for node in after.nodes:
        assert node.points >= node_before[node.id] - 1e-9, node.id


@SETTINGS
@given(answer_sets())
def test_totals_stay_within_bounds(data: dict[str, Any]) -> None:
    result = scored(data)
    assert 0 <= result.total <= result.max_total <= 500
    for node in result.nodes:
        assert 0 <= node.points <= node.max_points
    for trace in result.items:
        assert 0 <= trace.points <= trace.max_points
    assert result.complete == (not result.missing)


@SETTINGS
@given(answer_sets())
def test_results_are_deterministic(data: dict[str, Any]) -> None:
    first = json.dumps(scored(data).to_dict(), ensure_ascii=False, sort_keys=True)
    clear_plans()  # a freshly compiled plan must give the same bytes
    second = json.dumps(scored(data).to_dict(), ensure_ascii=False, sort_keys=True)
    assert first == second


@SETTINGS
@given(answer_sets())
def test_the_path_to_the_next_tier_really_reaches_it(data: dict[str, Any]) -> None:
    result = scored(data)
    path = result.next_tier
    if path is None or not path.reachable:
        return
    upgraded = dict(data["answers"])
    for up in path.upgrades:
        item = next(i for i in FF.items if i.id == up.item)
        if isinstance(item.rule, MultiRule):
            upgraded[up.item] = sorted(set(upgraded.get(up.item) or []) | {up.to})
        else:
            upgraded[up.item] = up.to
    after = scored({**data, "answers": upgraded})
    target = next(t.rank for t in FF.tiers if t.id == path.tier)
    assert (after.tier_rank or 0) >= target


@st.composite
def gate_answers(draw: st.DrawFn) -> dict[str, Any]:
    """Entry-gate answers: some left out, declarations either way, levels and sums of money."""
    gates: dict[str, Any] = {}
    for gate in FF.gates:
        if draw(st.booleans()):
            continue
        if gate.kind is GateKind.DECLARATION:
            gates[gate.id] = draw(st.booleans())
        elif gate.kind is GateKind.MIN_VALUE:
            value = draw(st.integers(0, 6) | st.floats(0, 5000, allow_nan=False))
            variant = draw(st.sampled_from(["default", *gate.variants]))
            gates[gate.id] = {"value": value, "variant": variant}
    return gates


@SETTINGS
@given(answer_sets(), gate_answers())
def test_the_batch_row_agrees_with_the_full_result(
    data: dict[str, Any], gates: dict[str, Any]
) -> None:
    # The plan is cached between firms, and the batch row takes short cuts (the path is chosen,
    # not re-checked). Scored after many other firms, a row and a result must say exactly what a
    # freshly compiled plan says.
    answers = parse_answers({**data, "gates": gates}, FF)
    warm_row = score_summary(FF, answers)
    warm_result = score(FF, answers).to_dict()
    clear_plans()
    full = score(FF, answers)
    assert warm_result == full.to_dict()
    path = full.next_tier
    assert warm_row == {
        "standard": full.standard_id,
        "edition": full.edition,
        "profile": full.profile,
        "total": full.total,
        "max_total": full.max_total,
        "percent": full.percent,
        "tier": full.tier,
        "level": full.level,
        "maturity_score": full.maturity_score,
        "complete": full.complete,
        "missing": len(full.missing),
        "eligible": full.eligible,
        "next_tier": path.tier if path else None,
        "upgrades_needed": len(path.upgrades) if path else None,
        "answers_sha256": full.receipt.answers_sha256,
    }
    assert full.receipt.answers_sha256 == sha256_of(answers.canonical())


def test_the_assembled_answers_json_is_the_canonical_json_for_every_kind_of_answer() -> None:
    # 1, 1.0 and True are equal in Python but written differently: each keeps its own text.
    from scoring.answers import AnswerSet, GateAnswer, Measure, NotApplicable  # noqa: PLC0415
    from standards.canonical import canonical_json  # noqa: PLC0415

    def answer_set(level: float | bool, related: dict[str, dict[str, float]]) -> AnswerSet:
        return AnswerSet(
            standard="s",
            edition=None,
            profile="p",
            industry_type=None,
            answers={
                "b": ("Y", "X"),
                "a": "C",
                "c": True,
                "d": (Measure(1.5, 1.0, 2.0), Measure(None, weight=2)),
                "e": NotApplicable("no boiler"),
            },
            gates={"level": GateAnswer(level), "money": GateAnswer(4600.0, "mountain_island")},
            related=related,
        )

    for level in (1, 1.0, True, 3.5, 1, True):
        for related in ({}, {"cmmm": {"level": 3.0, "score": 2.5}}, {}):
            answers = answer_set(level, related)
            assert answers.canonical_json() == canonical_json(answers.canonical())
