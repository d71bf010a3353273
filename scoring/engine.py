"""score(standard, answers) -> Result: the scoring rules. Pure, deterministic, explains itself.

No files, no clock, no randomness, no state: the same standard and answers give the same result
byte for byte. The rules, each in one function (docs/scoring.md says what each does):

* item points — `_outcome` (choice, multi-select, yes/no, quantity, satisfaction; not-applicable
  answers under the standard's policy), with applicability from `scoring.applicability`;
* dependency rules — `_enforce_dependencies`;
* tiers by item share — `_tier_status` / `_tier_reached`; tiers by gates only — `_gates_only_tier`;
* maturity levels — `_maturity`;
* gates and eligibility — `_gate_outcome`, `_eligibility`;
* totals, nodes, gaps, flags and the receipt — `_score` (a full result) and `score_summary` (a
  batch row: the same figures without traces, gaps or a priced path).

The path to the next tier is `scoring.path`; the engine checks it by re-scoring. The standard is
read through its compiled plan (`scoring.plan`, the only cache of the core).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from scoring.answers import AnswerSet, AnswerValue, Measure, NotApplicable, answer_json
from scoring.applicability import gate_applies
from scoring.path import maturity_path, share_path, share_upgrades
from scoring.plan import NO_TIER, ItemPlan, Plan, as_number, compile_standard
from scoring.result import (
    ENGINE_VERSION,
    Flag,
    Gap,
    GateOutcome,
    ItemTrace,
    LevelScore,
    NextTier,
    NodeScore,
    Receipt,
    Result,
    Violation,
    rounded,
)
from standards.models import (
    Applicability,
    ChoiceRule,
    Gate,
    GateKind,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    Standard,
    TierRuleKind,
    YesNoRule,
)

__all__ = ["Outcome", "compile_standard", "score", "score_summary"]


class Outcome(NamedTuple):
    """One item's outcome for one firm."""

    plan: ItemPlan  # the item, compiled
    status: str  # scored | missing | skipped | not_applicable | na
    applicability: Applicability
    answer: AnswerValue | float | None
    points: float
    counts_in_max: bool
    rank: int  # the rank of the tier the answer meets (NO_TIER: none)
    note: str | None


# --- the public functions -----------------------------------------------------------------------


def score(
    standard: Standard,
    answers: AnswerSet,
    scales: Mapping[str, Scale] | None = None,
    *,
    derived: Mapping[str, float] | None = None,
) -> Result:
    """Score one answer set. `derived` supplies figures computed from carbon accounting."""
    plan = compile_standard(standard)
    return _score(plan, answers, scales or {}, derived or {})


def score_summary(
    standard: Standard,
    answers: AnswerSet,
    scales: Mapping[str, Scale] | None = None,
    *,
    derived: Mapping[str, float] | None = None,
    nodes: bool = False,
) -> dict[str, object]:
    """One firm's batch row: the figures of `score(...)` that a row shows, computed without item
    traces, gaps, pricing the path or re-checking it (the row shows the next tier and the number
    of upgrades; both equal the full result's, as a property test checks).

    `nodes=True` adds `tier_rank` and `nodes` (element and domain scores, as in `Result.nodes`).
    """
    plan = compile_standard(standard)
    core = _core(plan, answers, scales or {}, derived or {}, detail=False)
    row: dict[str, object] = {
        "standard": plan.standard.id,
        "edition": plan.standard.edition,
        "profile": answers.profile,
        "total": core.total,
        "max_total": core.max_total,
        "percent": _percent(core),
        "tier": core.tier,
        "level": core.level,
        "maturity_score": core.maturity,
        "complete": not core.missing,
        "missing": len(core.missing),
        "eligible": core.eligible,
        "next_tier": core.next_tier_id,
        "upgrades_needed": core.upgrades_needed,
        "answers_sha256": answers.sha256(),
    }
    if nodes:
        points, maxima = _node_totals(plan, core.outcomes)
        row["tier_rank"] = core.tier_rank
        row["nodes"] = [
            {
                "id": node,
                "level": plan.node_level[node],
                "points": rounded(points[node]),
                "max_points": rounded(maxima[node]),
                "percent": rounded(100.0 * points[node] / maxima[node])
                if maxima[node] > 0
                else None,
            }
            for node in plan.node_order
            if plan.node_level[node] in ("element", "domain")
        ]
    return row


# --- items --------------------------------------------------------------------------------------


def _outcomes(
    plan: Plan, answers: AnswerSet, scales: Mapping[str, Scale], derived: Mapping[str, float]
) -> tuple[list[Outcome], Mapping[str, AnswerValue], list[Violation]]:
    """Every item's outcome, in the standard's order, after the dependency rules."""
    effective, violations = _enforce_dependencies(plan, answers.answers)
    view = plan.view(answers.profile, answers.industry_type)
    outcomes = [
        _outcome(
            item_plan,
            applicability,
            effective.get(item_plan.item.id),
            scales,
            plan.na_policy,
            derived,
            answers.profile,
        )
        for item_plan, applicability in zip(plan.items, view.applicability, strict=True)
    ]
    return outcomes, effective, violations


def _outcome(
    item_plan: ItemPlan,
    applicability: Applicability,
    answer: AnswerValue | None,
    scales: Mapping[str, Scale],
    na_policy: str,
    derived: Mapping[str, float],
    profile: str,
) -> Outcome:
    """One item's outcome: its points, status and the tier its answer meets."""
    if applicability is Applicability.NOT_APPLICABLE:
        note = (
            None if answer is None else f"answered but not applicable to profile {profile}; ignored"
        )
        return Outcome(
            item_plan, "not_applicable", applicability, answer, 0.0, False, NO_TIER, note
        )
    rule = item_plan.item.rule
    note = None
    if isinstance(rule, QuantityRule) and rule.derived_from and rule.derived_from in derived:
        answer, note = _derived_answer(answer, derived[rule.derived_from])
    if answer is None:
        mandatory = applicability is Applicability.MANDATORY
        status = "missing" if mandatory else "skipped"
        return Outcome(item_plan, status, applicability, None, 0.0, mandatory, NO_TIER, note)
    if isinstance(answer, NotApplicable):
        counts = na_policy == "zero"
        return Outcome(item_plan, "na", applicability, answer, 0.0, counts, NO_TIER, answer.reason)
    points = 0.0
    rank = NO_TIER
    if isinstance(rule, ChoiceRule) and isinstance(answer, str):
        points = item_plan.option_points[answer]
        rank = item_plan.option_rank[answer]
    elif isinstance(rule, MultiRule) and isinstance(answer, tuple):
        keys = [k for k in answer if isinstance(k, str)]
        points = min(rule.cap, sum(item_plan.option_points[k] for k in keys))
        rank = max(
            (item_plan.option_rank[k] for k in keys if item_plan.option_points[k] > 0),
            default=NO_TIER,
        )
    elif isinstance(rule, YesNoRule) and isinstance(answer, bool):
        points = rule.points if answer else 0.0
        rank = item_plan.yes_rank if answer else NO_TIER
    elif isinstance(rule, QuantityRule) and isinstance(answer, tuple):
        measures = tuple(m for m in answer if isinstance(m, Measure))
        points, problem = _quantity_points(rule, measures)
        if any(m.value is None for m in measures):
            return Outcome(item_plan, "missing", applicability, answer, 0.0, True, NO_TIER, problem)
        note = problem or note
    elif isinstance(rule, SatisfactionRule) and isinstance(answer, str):
        scale = scales.get(rule.scale)
        points = {g.key: g.value for g in scale.grades}.get(answer, 0.0) if scale else 0.0
    return Outcome(item_plan, "scored", applicability, answer, points, True, rank, note)


def _derived_answer(answer: AnswerValue | None, value: float) -> tuple[AnswerValue, str]:
    """A quantity computed from carbon accounting: the value replaces a typed one, and the
    typed sector values (baseline, leading) are kept."""
    typed = (
        answer if isinstance(answer, tuple) and answer and isinstance(answer[0], Measure) else None
    )
    first = typed[0] if typed and isinstance(typed[0], Measure) else None
    measure = Measure(value, first.baseline if first else None, first.leading if first else None)
    if (
        first is not None
        and first.value is not None
        and not math.isclose(first.value, value, rel_tol=1e-9)
    ):
        note = f"computed from carbon accounting ({value:g}); the typed value {first.value:g} was replaced"
    else:
        note = "computed from carbon accounting"
    return (measure,), note


def _quantity_points(rule: QuantityRule, measures: tuple[Measure, ...]) -> tuple[float, str | None]:
    """P × clamp((x − B) / (L − B), 0, 1); several products: the weighted mean of the ratios."""
    ratios: list[tuple[float, float]] = []
    for measure in measures:
        if measure.value is None:
            return 0.0, "no value: enter the firm's energy data (computed from carbon accounting)"
        base = (
            measure.baseline
            if measure.baseline is not None
            else as_number(rule.baseline.effective if rule.baseline else None)
        )
        lead = (
            measure.leading
            if measure.leading is not None
            else as_number(rule.leading.effective if rule.leading else None)
        )
        if base is None or lead is None or base == lead:
            return 0.0, "baseline and leading values are needed (sector values); none given"
        ratio = (measure.value - base) / (lead - base)
        ratios.append((min(1.0, max(0.0, ratio)), measure.weight or 1.0))
    weight_sum = sum(w for _, w in ratios)
    share = sum(r * w for r, w in ratios) / weight_sum
    return rule.points * share, None


# --- dependencies -------------------------------------------------------------------------------


def _enforce_dependencies(
    plan: Plan, answers: Mapping[str, AnswerValue]
) -> tuple[Mapping[str, AnswerValue], list[Violation]]:
    """Answers that contradict a dependency rule are scored at the best option the rule allows."""
    effective: Mapping[str, AnswerValue] = answers
    violations: list[Violation] = []
    for dep in plan.standard.dependencies:
        premise = effective.get(dep.when.item)
        if not isinstance(premise, str) or premise not in dep.when.options:
            continue
        current = effective.get(dep.then.item)
        if not isinstance(current, str) or current in dep.then.options:
            continue
        then_plan = plan.by_id[dep.then.item]
        allowed = [k for k in then_plan.option_order if k in dep.then.options]
        forced = max(allowed, key=lambda k: then_plan.option_points[k]) if allowed else current
        effective = {**effective, dep.then.item: forced}
        violations.append(
            Violation(
                dep.id,
                dep.then.item,
                f"{dep.when.item} = {premise} requires {dep.then.item} in {dep.then.options}; "
                f"answered {current}, scored as {forced}",
            )
        )
    return effective, violations


# --- points, tier or level, next tier, gates ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Core:
    """Everything both a full result and a batch row need."""

    outcomes: list[Outcome]
    violations: list[Violation]
    total: float
    max_total: float
    missing: list[str]
    tier: str | None
    tier_rank: int | None
    level: int | None
    maturity: float | None
    levels: list[LevelScore]
    next_tier: NextTier | None  # only with detail; the two fields below always
    next_tier_id: str | None
    upgrades_needed: int | None
    gates: list[GateOutcome]
    eligible: bool | None


def _core(
    plan: Plan,
    answers: AnswerSet,
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
    *,
    detail: bool,
) -> _Core:
    """Points, tier or level, next tier and gates. Without `detail` (a batch row), the path to
    the next tier is chosen and counted but not priced or checked by re-scoring."""
    std = plan.standard
    outcomes, effective, violations = _outcomes(plan, answers, scales, derived)
    total = 0.0
    max_total = 0.0
    for entry in outcomes:
        if entry.counts_in_max:
            total += entry.points
            max_total += entry.plan.max_points
    missing = [e.plan.item.id for e in outcomes if e.status == "missing"]

    tier_rank: int | None = None
    level: int | None = None
    maturity: float | None = None
    levels: list[LevelScore] = []
    next_tier: NextTier | None = None
    next_tier_id: str | None = None
    upgrades_needed: int | None = None
    rule = std.scoring.tier_rule
    if std.scoring.method == "maturity" and rule is not None:
        threshold = rule.pass_threshold.effective if rule.pass_threshold else None
        levels, level, maturity = _maturity(plan, outcomes, threshold)
        tier_rank = level
        next_tier = maturity_path(plan, outcomes, levels, level, as_number(threshold))
        if next_tier is not None:
            next_tier_id, upgrades_needed = next_tier.tier, len(next_tier.upgrades)
    elif rule is not None and rule.kind is TierRuleKind.ITEM_SHARE:
        tier_rank, failing = _tier_reached(plan, outcomes, answers)
        target = tier_rank + 1
        if failing is not None and target in plan.tier_by_rank:
            _, below, needed = failing
            chosen, blocked = share_upgrades(
                plan, target, [e.plan for e in below], needed, effective
            )
            next_tier_id, upgrades_needed = plan.tier_by_rank[target], len(chosen)
            if detail:

                def reaches(upgraded: AnswerSet) -> bool:
                    check = _rescore_changed(
                        plan, upgraded, outcomes, effective, set(chosen), scales, derived
                    )
                    return _tier_reached(plan, check, upgraded)[0] >= target

                next_tier = share_path(plan, answers, target, chosen, blocked, effective, reaches)
    elif rule is not None and rule.kind is TierRuleKind.GATES_ONLY:
        tier_rank = _gates_only_tier(plan, answers)

    gates = _evaluate_gates(plan, answers)
    return _Core(
        outcomes=outcomes,
        violations=violations,
        total=rounded(total),
        max_total=rounded(max_total),
        missing=missing,
        tier=plan.tier_by_rank.get(tier_rank) if tier_rank else None,
        tier_rank=tier_rank,
        level=level,
        maturity=maturity,
        levels=levels,
        next_tier=next_tier,
        next_tier_id=next_tier_id,
        upgrades_needed=upgrades_needed,
        gates=gates,
        eligible=_eligibility(gates),
    )


def _rescore_changed(
    plan: Plan,
    answers: AnswerSet,
    outcomes: list[Outcome],
    effective: Mapping[str, AnswerValue],
    changed: set[str],
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
) -> list[Outcome]:
    """The outcomes of `answers`, which differ from those of `outcomes` in the `changed` items:
    only those, and the items dependency rules may move, are scored again (exact, since the
    dependency rules are applied again first)."""
    new_effective, _ = _enforce_dependencies(plan, answers.answers)
    touched = changed | {d.then.item for d in plan.standard.dependencies}
    result = list(outcomes)
    for item_id in touched:
        answer = new_effective.get(item_id)
        if answer == effective.get(item_id):
            continue
        item_plan = plan.by_id[item_id]
        old = outcomes[item_plan.index]
        if old.applicability is Applicability.NOT_APPLICABLE:
            continue
        result[item_plan.index] = _outcome(
            item_plan, old.applicability, answer, scales, plan.na_policy, derived, answers.profile
        )
    return result


def _percent(core: _Core) -> float | None:
    return rounded(100.0 * core.total / core.max_total) if core.max_total > 0 else None


def _node_totals(plan: Plan, outcomes: list[Outcome]) -> tuple[dict[str, float], dict[str, float]]:
    """Points and maximum of every node, from the items that count."""
    node_points: dict[str, float] = dict.fromkeys(plan.node_order, 0.0)
    node_max: dict[str, float] = dict.fromkeys(plan.node_order, 0.0)
    for entry in outcomes:
        if not entry.counts_in_max:
            continue
        for node in entry.plan.ancestors:
            if node in node_points:
                node_points[node] += entry.points
                node_max[node] += entry.plan.max_points
    return node_points, node_max


# --- the full result ----------------------------------------------------------------------------


def _score(
    plan: Plan,
    answers: AnswerSet,
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
) -> Result:
    std = plan.standard
    core = _core(plan, answers, scales, derived, detail=True)
    outcomes = core.outcomes
    node_points, node_max = _node_totals(plan, outcomes)
    gaps = sorted(
        (
            Gap(
                e.plan.item.id,
                rounded(e.plan.max_points - e.points),
                answer_json(e.answer),
                _best_option(e.plan),
            )
            for e in outcomes
            if e.counts_in_max and e.plan.max_points - e.points > 1e-9
        ),
        key=lambda g: (-g.points_lost, g.item),
    )
    flags = list(plan.static_flags)
    if any((e.note or "").startswith("computed from carbon accounting") for e in outcomes):
        flags.append(
            Flag(
                "derived values",
                "INFERRED",
                "some quantities were computed from the firm's energy data",
            )
        )
    receipt = Receipt(std.id, std.edition, plan.sha256, answers.sha256(), ENGINE_VERSION)
    return Result(
        standard_id=std.id,
        edition=std.edition,
        standard_sha256=plan.sha256,
        profile=answers.profile,
        industry_type=answers.industry_type.value if answers.industry_type else None,
        method=std.scoring.method,
        total=core.total,
        max_total=core.max_total,
        percent=_percent(core),
        complete=not core.missing,
        missing=core.missing,
        tier=core.tier,
        tier_rank=core.tier_rank,
        level=core.level,
        maturity_score=core.maturity,
        levels=core.levels,
        eligible=core.eligible,
        gates=core.gates,
        nodes=[
            NodeScore(
                node,
                plan.node_level[node],
                rounded(node_points[node]),
                rounded(node_max[node]),
                rounded(100.0 * node_points[node] / node_max[node]) if node_max[node] > 0 else None,
            )
            for node in plan.node_order
        ],
        items=[
            ItemTrace(
                id=e.plan.item.id,
                node=e.plan.item.node,
                status=e.status,
                answer=answer_json(e.answer),
                points=rounded(e.points),
                max_points=e.plan.max_points,
                rule=e.plan.rule_text,
                meets_tier=plan.tier_by_rank.get(e.rank) if e.rank else None,
                applicability=e.applicability.value,
                note=e.note,
            )
            for e in outcomes
        ],
        violations=core.violations,
        gaps=gaps,
        next_tier=core.next_tier,
        flags=flags,
        receipt=receipt,
    )


def _best_option(item_plan: ItemPlan) -> str | None:
    if not item_plan.option_order or isinstance(item_plan.item.rule, MultiRule):
        return None
    return item_plan.option_order[-1]


# --- tiers by item share (future factory) -------------------------------------------------------

_TierStatus = tuple[bool, list[Outcome], int]


def _tier_status(plan: Plan, outcomes: list[Outcome], answers: AnswerSet, rank: int) -> _TierStatus:
    """Whether tier `rank` is met, the mandatory items below it, and how many more must reach it.

    A tier is met when at least `mandatory_share` of the items mandatory for its profile that
    can meet a tier are answered at an option of that tier or higher (and, if configured, the
    profile's score rate on them reaches `min_percent`)."""
    profile = plan.tier_profile[rank]
    if profile is None:
        return False, [], 0
    mandatory = plan.view(profile, answers.industry_type).mandatory_tiered
    below = [entry for i in mandatory if (entry := outcomes[i]).rank < rank]
    needed = math.ceil(plan.mandatory_share * len(mandatory) - 1e-9) - (len(mandatory) - len(below))
    ok = needed <= 0
    if ok and plan.min_percent is not None:
        points = sum(outcomes[i].points for i in mandatory)
        maximum = sum(outcomes[i].plan.max_points for i in mandatory)
        ok = maximum > 0 and 100.0 * points / maximum >= plan.min_percent
    return ok, below, max(0, needed)


def _tier_reached(
    plan: Plan, outcomes: list[Outcome], answers: AnswerSet
) -> tuple[int, _TierStatus | None]:
    """The highest tier whose lower tiers all hold, and the status of the first one that fails."""
    reached = 0
    for rank in plan.tier_ranks:
        status = _tier_status(plan, outcomes, answers, rank)
        if not status[0]:
            return reached, status
        reached = rank
    return reached, None


# --- maturity levels (CMMM) ---------------------------------------------------------------------


def _maturity(
    plan: Plan, outcomes: list[Outcome], threshold_raw: object
) -> tuple[list[LevelScore], int, float]:
    """Per level: each sub-domain scores the mean of its requirements there, the level the
    weighted mean of its sub-domains; a level passes at the threshold when every lower level
    passes. The maturity score is the level reached plus the next level's score."""
    threshold = as_number(threshold_raw)
    threshold = 0.8 if threshold is None else threshold
    weights = plan.node_weights
    grouped: dict[int, dict[str, list[float]]] = {}
    for entry in outcomes:
        level = entry.plan.item.level
        if level is None or not entry.counts_in_max:
            continue
        grouped.setdefault(level, {}).setdefault(entry.plan.item.node, []).append(entry.points)
    levels: list[LevelScore] = []
    reached = 0
    still_passing = True
    for level in sorted(plan.tier_by_rank):
        subdomains = {node: sum(v) / len(v) for node, v in sorted(grouped.get(level, {}).items())}
        if subdomains:
            weight_sum = sum(weights.get(n, 1.0) for n in subdomains)
            value: float | None = (
                sum(s * weights.get(n, 1.0) for n, s in subdomains.items()) / weight_sum
            )
        else:
            value = None
        passed = still_passing and value is not None and value >= threshold - 1e-9
        still_passing = passed
        if passed:
            reached = level
        levels.append(
            LevelScore(
                level,
                rounded(value) if value is not None else None,
                passed,
                {k: rounded(v) for k, v in subdomains.items()},
            )
        )
    next_score = next((ls.score for ls in levels if ls.level == reached + 1), None)
    final_rule = plan.standard.scoring.tier_rule
    use_next = (
        final_rule is None
        or final_rule.final_score is None
        or final_rule.final_score.effective == "level_plus_next"
    )
    maturity = reached + ((next_score or 0.0) if use_next else 0.0)
    return levels, reached, rounded(maturity)


# --- gates --------------------------------------------------------------------------------------


def _evaluate_gates(plan: Plan, answers: AnswerSet) -> list[GateOutcome]:
    return [
        _gate_outcome(gate, answers.profile, answers)
        for gate in plan.standard.gates
        if gate_applies(gate, answers.profile)
    ]


def _gate_outcome(gate: Gate, profile: str, answers: AnswerSet) -> GateOutcome:
    """A gate's outcome, citing its clause; `passed` None when it cannot be evaluated."""
    label = gate.provenance.label.value
    given = answers.gates.get(gate.id)

    def outcome(passed: bool | None, message: str) -> GateOutcome:
        return GateOutcome(gate.id, passed, gate.clause, message, gate.veto, label)

    if gate.kind is GateKind.DECLARATION:
        if given is None:
            return outcome(None, f"not answered: {gate.title.en}")
        return outcome(
            bool(given.value),
            "declared met" if given.value else f"declared not met: {gate.title.en}",
        )
    if gate.kind is GateKind.MIN_VALUE:
        by_variant = gate.thresholds.get(profile)
        if by_variant is None:
            return outcome(None, f"no threshold for profile {profile}")
        variant = given.variant if given else "default"
        threshold = by_variant.get(variant) or by_variant.get("default")
        if threshold is None:
            return outcome(None, f"no threshold for variant {variant}")
        limit = as_number(threshold.effective)
        if limit is None:
            return outcome(
                None,
                f"threshold for {profile} is {threshold.provenance.label.value}; not evaluated",
            )
        if given is None:
            return outcome(
                None,
                f"not answered: {gate.title.en} (needs ≥ {limit:g} {gate.unit or ''})".rstrip(),
            )
        value = float(given.value)
        passed = value >= limit
        unit = f" {gate.unit}" if gate.unit else ""
        relation = "≥" if passed else "<"
        return outcome(passed, f"{value:g}{unit} {relation} {limit:g}{unit} ({variant})")
    metric = gate.metric or "level"
    minimum = as_number(gate.minimum.effective) if gate.minimum else None
    related = answers.related.get(gate.standard or "", {})
    if minimum is None:
        return outcome(None, "minimum NOT FOUND; not evaluated")
    if metric not in related:
        return outcome(None, f"needs the {metric} of {gate.standard} (not given)")
    value = related[metric]
    passed = value >= minimum
    return outcome(
        passed, f"{gate.standard} {metric} {value:g} {'≥' if passed else '<'} {minimum:g}"
    )


def _eligibility(gates: list[GateOutcome]) -> bool | None:
    """False when a veto gate fails; True when there are veto gates and all pass; else open."""
    passed = [g.passed for g in gates if g.veto]
    if False in passed:
        return False
    return True if passed and None not in passed else None


def _gates_only_tier(plan: Plan, answers: AnswerSet) -> int:
    """Gates only (MIIT): the highest tier whose veto gates all pass, every lower tier too."""
    reached = 0
    for rank in plan.tier_ranks:
        profile = plan.tier_profile[rank]
        if profile is None:
            break
        outcomes = [
            _gate_outcome(g, profile, answers)
            for g in plan.standard.gates
            if gate_applies(g, profile) and g.veto
        ]
        if not outcomes or not all(o.passed is True for o in outcomes):
            break
        reached = rank
    return reached
