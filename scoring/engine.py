"""score(standard, answers) -> Result: pure, deterministic, explains itself.

No files, no clock, no randomness. A standard is compiled once into a `Plan` (lookup tables keyed by
the standard's content hash), so scoring many firms against one standard stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from scoring.answers import AnswerSet, AnswerValue, GateAnswer, Measure, NotApplicable
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
    Upgrade,
    Violation,
    rounded,
)
from standards.canonical import sha256_of
from standards.checks import item_max_points
from standards.models import (
    Applicability,
    ChoiceRule,
    Gate,
    GateKind,
    IndustryType,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    Standard,
    TierRuleKind,
    YesNoRule,
)

_NO_TIER = 0
_GATE_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class _ItemPlan:
    item: Item
    index: int
    max_points: float
    ancestors: tuple[str, ...]
    option_points: Mapping[str, float]
    option_rank: Mapping[str, int]
    option_order: tuple[str, ...]
    effort: int
    rule_text: str
    applicability: Mapping[str, Applicability]
    tiered: bool  # whether the answer can meet a tier (options or yes carry tier tags)
    yes_rank: int
    option_index: Mapping[str, int]
    is_choice: bool


@dataclass(frozen=True)
class Plan:
    standard: Standard
    sha256: str
    items: tuple[_ItemPlan, ...]
    by_id: Mapping[str, _ItemPlan]
    tier_rank: Mapping[str, int]
    tier_by_rank: Mapping[int, str]
    tier_ranks: tuple[int, ...]  # ascending
    tier_profile: Mapping[int, str | None]  # the profile that aims at each tier
    node_level: Mapping[str, str]
    node_order: tuple[str, ...]
    static_flags: tuple[Flag, ...]
    mandatory_cache: dict[tuple[str, IndustryType | None], tuple[int, ...]]
    views: dict[tuple[str, str | None], tuple[_ViewEntry, ...]]
    upgrade_cache: dict[tuple[int, int, str | None], tuple[str | None, int]]
    gate_cache: dict[tuple[str, str, GateAnswer | None], GateOutcome]
    na_policy: str
    tier_requirements: tuple[float, float | None]  # (mandatory share, minimum percent)


_PLANS: dict[int, tuple[Standard, Plan]] = {}


def compile_standard(standard: Standard) -> Plan:
    """The lookup tables for one standard (memoised per standard object)."""
    cached = _PLANS.get(id(standard))
    if cached is not None and cached[0] is standard:
        return cached[1]
    plan = _build_plan(standard)
    _PLANS[id(standard)] = (standard, plan)
    return plan


def _build_plan(std: Standard) -> Plan:
    parents = {n.id: n.parent for n in std.nodes}
    tier_rank = {t.id: t.rank for t in std.tiers}
    items = []
    for index, item in enumerate(std.items):
        chain: list[str] = []
        node: str | None = item.node
        while node is not None and node not in chain:
            chain.append(node)
            node = parents.get(node)
        rule = item.rule
        option_points: dict[str, float] = {}
        option_rank: dict[str, int] = {}
        order: tuple[str, ...] = ()
        if isinstance(rule, ChoiceRule | MultiRule):
            option_points = {o.key: o.points for o in rule.options}
            option_rank = {
                o.key: tier_rank.get(o.tier, _NO_TIER) if o.tier else _NO_TIER for o in rule.options
            }
            order = tuple(o.key for o in rule.options)
        items.append(
            _ItemPlan(
                item=item,
                index=index,
                max_points=item_max_points(rule),
                ancestors=tuple(chain),
                option_points=option_points,
                option_rank=option_rank,
                option_order=order,
                effort=item.effort or 1,
                rule_text=_rule_text(item),
                option_index={key: position for position, key in enumerate(order)},
                is_choice=isinstance(rule, ChoiceRule),
                tiered=any(option_rank.values())
                or (isinstance(rule, YesNoRule) and rule.tier is not None),
                yes_rank=tier_rank.get(rule.tier, _NO_TIER)
                if isinstance(rule, YesNoRule) and rule.tier
                else _NO_TIER,
                applicability={
                    p.id: item.applicability.get(p.id, std.default_applicability)
                    for p in std.profiles
                },
            )
        )
    return Plan(
        standard=std,
        sha256=sha256_of(std),
        items=tuple(items),
        by_id={p.item.id: p for p in items},
        tier_rank=tier_rank,
        tier_by_rank={t.rank: t.id for t in std.tiers},
        tier_ranks=tuple(sorted(t.rank for t in std.tiers)),
        tier_profile={
            t.rank: next((p.id for p in std.profiles if p.tier == t.id), None) for t in std.tiers
        },
        node_level={n.id: n.level.value for n in std.nodes},
        node_order=tuple(n.id for n in std.nodes),
        static_flags=tuple(_static_flags(std)),
        mandatory_cache={},
        views={},
        upgrade_cache={},
        gate_cache={},
        na_policy=str(std.scoring.not_applicable.effective or "renormalise"),
        tier_requirements=_tier_requirements(std),
    )


def _rule_text(item: Item) -> str:
    rule = item.rule
    if isinstance(rule, ChoiceRule):
        return "choice " + " ".join(f"{o.key}={o.points:g}" for o in rule.options)
    if isinstance(rule, MultiRule):
        return f"multi (sum, cap {rule.cap:g}) " + " ".join(
            f"{o.key}={o.points:g}" for o in rule.options
        )
    if isinstance(rule, YesNoRule):
        return f"yes/no yes={rule.points:g}"
    if isinstance(rule, QuantityRule):
        return f"quantity {rule.direction.value} {rule.unit}, {rule.points:g} pts baseline→leading linear, clamped"
    return f"satisfaction ({rule.scale})"


def _static_flags(std: Standard) -> list[Flag]:
    flags: list[Flag] = []
    if std.provenance.label.is_flagged:
        flags.append(Flag("standard", std.provenance.label.value, std.provenance.source))
    if std.item_provenance and std.item_provenance.label.is_flagged:
        flags.append(
            Flag(
                "items",
                std.item_provenance.label.value,
                std.item_provenance.note or std.item_provenance.source,
            )
        )
    own = sorted(
        {
            i.provenance.label.value
            for i in std.items
            if i.provenance and i.provenance.label.is_flagged
        }
    )
    for label in own:
        count = sum(1 for i in std.items if i.provenance and i.provenance.label.value == label)
        flags.append(
            Flag("item provenance", label, f"{count} item(s) carry their own {label} provenance")
        )
    rule_provenance = std.scoring.tier_rule.provenance if std.scoring.tier_rule else None
    if rule_provenance is not None and rule_provenance.label.is_flagged:
        flags.append(Flag("tier_rule", rule_provenance.label.value, rule_provenance.source))
    scoring = std.scoring
    candidates = [
        ("scoring.not_applicable", scoring.not_applicable),
        ("scoring.node_weights", scoring.node_weights),
    ]
    if scoring.tier_rule is not None:
        rule = scoring.tier_rule
        candidates += [
            ("tier_rule.mandatory_share", rule.mandatory_share),
            ("tier_rule.min_percent", rule.min_percent),
            ("tier_rule.pass_threshold", rule.pass_threshold),
            ("tier_rule.final_score", rule.final_score),
        ]
    for what, value in candidates:
        if value is None or not value.flagged:
            continue
        used = value.effective
        prov = value.effective_provenance
        if value.value is None and used is None:
            note = f"{value.provenance.label.value}; not applied"
        elif value.value is None:
            note = f"official value {value.provenance.label.value}; configured {used!r} ({prov.label.value}) used"
        else:
            note = f"{used!r} is {prov.label.value}"
        flags.append(Flag(what, prov.label.value, note + (f" — {prov.note}" if prov.note else "")))
    return flags


# --- per-item scoring ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scored:
    """One item's outcome. Shared between firms (see `_view`), so never changed once made."""

    plan: _ItemPlan
    status: str
    applicability: Applicability
    answer: AnswerValue | float | None
    points: float
    counts_in_max: bool
    rank: int
    note: str | None


# An item as one (profile, industry type) sees it: its plan, its applicability there, and the
# outcomes of the answers that score the same for every firm (no answer; a ladder option).
_ViewEntry = tuple[str, _ItemPlan, Applicability, Mapping[AnswerValue | None, _Scored]]


def _applicability(plan: _ItemPlan, profile: str, answers: AnswerSet) -> Applicability:
    industry = plan.item.industry
    if (
        industry is not None
        and answers.industry_type is not None
        and industry != answers.industry_type
    ):
        return Applicability.NOT_APPLICABLE
    return plan.applicability[profile]


def _quantity_points(rule: QuantityRule, measures: tuple[Measure, ...]) -> tuple[float, str | None]:
    ratios: list[tuple[float, float]] = []
    for measure in measures:
        if measure.value is None:
            return 0.0, "no value: enter the firm's energy data (computed from carbon accounting)"

        base = (
            measure.baseline
            if measure.baseline is not None
            else _num(rule.baseline.effective if rule.baseline else None)
        )
        lead = (
            measure.leading
            if measure.leading is not None
            else _num(rule.leading.effective if rule.leading else None)
        )
        if base is None or lead is None or base == lead:
            return 0.0, "baseline and leading values are needed (sector values); none given"
        ratio = (measure.value - base) / (lead - base)
        ratios.append((min(1.0, max(0.0, ratio)), measure.weight or 1.0))
    weight_sum = sum(w for _, w in ratios)
    share = sum(r * w for r, w in ratios) / weight_sum
    return rule.points * share, None


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _score_item(
    plan: _ItemPlan,
    applicability: Applicability,
    answer: AnswerValue | None,
    scales: Mapping[str, Scale],
    na_policy: str,
    derived: Mapping[str, float],
) -> _Scored:
    rule = plan.item.rule
    note = None
    if isinstance(rule, QuantityRule) and rule.derived_from and rule.derived_from in derived:
        value = derived[rule.derived_from]
        typed = (
            answer
            if isinstance(answer, tuple) and answer and isinstance(answer[0], Measure)
            else None
        )
        first = typed[0] if typed and isinstance(typed[0], Measure) else None
        base = Measure(value, first.baseline if first else None, first.leading if first else None)
        if (
            first is not None
            and first.value is not None
            and not math.isclose(first.value, value, rel_tol=1e-9)
        ):
            note = f"computed from carbon accounting ({value:g}); the typed value {first.value:g} was replaced"
        else:
            note = "computed from carbon accounting"
        answer = (base,)
    if answer is None:
        mandatory = applicability is Applicability.MANDATORY
        return _Scored(
            plan,
            "missing" if mandatory else "skipped",
            applicability,
            None,
            0.0,
            mandatory,
            _NO_TIER,
            note,
        )
    if isinstance(answer, NotApplicable):
        counts = na_policy == "zero"
        return _Scored(plan, "na", applicability, answer, 0.0, counts, _NO_TIER, answer.reason)
    points = 0.0
    rank = _NO_TIER
    if isinstance(rule, ChoiceRule) and isinstance(answer, str):
        points = plan.option_points[answer]
        rank = plan.option_rank[answer]
    elif isinstance(rule, MultiRule) and isinstance(answer, tuple):
        keys = [k for k in answer if isinstance(k, str)]
        points = min(rule.cap, sum(plan.option_points[k] for k in keys))
        rank = max(
            (plan.option_rank[k] for k in keys if plan.option_points[k] > 0), default=_NO_TIER
        )
    elif isinstance(rule, YesNoRule) and isinstance(answer, bool):
        points = rule.points if answer else 0.0
        rank = plan.yes_rank if answer else _NO_TIER
    elif isinstance(rule, QuantityRule) and isinstance(answer, tuple):
        measures = tuple(m for m in answer if isinstance(m, Measure))
        points, problem = _quantity_points(rule, measures)
        if any(m.value is None for m in measures):
            return _Scored(plan, "missing", applicability, answer, 0.0, True, _NO_TIER, problem)
        note = problem or note
    elif isinstance(rule, SatisfactionRule) and isinstance(answer, str):
        scale = scales.get(rule.scale)
        grade = {g.key: g.value for g in scale.grades}.get(answer, 0.0) if scale else 0.0
        points = grade
    return _Scored(plan, "scored", applicability, answer, points, True, rank, note)


def _answer_json(answer: AnswerValue | float | None) -> object:
    if answer is None:
        return None
    if isinstance(answer, NotApplicable):
        return {"na": True, "reason": answer.reason}
    if isinstance(answer, tuple):
        if answer and isinstance(answer[0], Measure):
            return [
                {k: v for k, v in vars(m).items() if v is not None}
                for m in answer
                if isinstance(m, Measure)
            ]
        return list(answer)
    return answer


# --- the public function ------------------------------------------------------------------------


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


def _evaluate(
    plan: Plan, answers: AnswerSet, scales: Mapping[str, Scale], derived: Mapping[str, float]
) -> tuple[list[_Scored], Mapping[str, AnswerValue], list[Violation]]:
    effective, violations = _enforce_dependencies(plan, answers.answers)
    profile = answers.profile
    get = effective.get
    # Every answer value is hashable; those that are not among the shared outcomes (no answer,
    # a ladder option) are scored on the spot.
    scored = [
        known.get(get(item_id))
        or _score_answer(
            item_plan, applicability, get(item_id), scales, plan.na_policy, derived, profile
        )
        for item_id, item_plan, applicability, known in _view(plan, profile, answers.industry_type)
    ]
    return scored, effective, violations


def _score_answer(
    item_plan: _ItemPlan,
    applicability: Applicability,
    answer: AnswerValue | None,
    scales: Mapping[str, Scale],
    na_policy: str,
    derived: Mapping[str, float],
    profile: str,
) -> _Scored:
    if applicability is Applicability.NOT_APPLICABLE:
        note = (
            None if answer is None else f"answered but not applicable to profile {profile}; ignored"
        )
        return _Scored(
            item_plan, "not_applicable", applicability, answer, 0.0, False, _NO_TIER, note
        )
    return _score_item(item_plan, applicability, answer, scales, na_policy, derived)


def _view(plan: Plan, profile: str, industry: IndustryType | None) -> tuple[_ViewEntry, ...]:
    """The items as this profile and industry type see them, built once per pair.

    Most answers are a ladder option, and an option scores the same for every firm of the same
    profile and industry type: those outcomes are made here, once, by the same `_score_answer`
    that scores everything else, and shared.
    """
    key = (profile, industry.value if industry else None)
    view = plan.views.get(key)
    if view is not None:
        return view
    entries = []
    for item_plan in plan.items:
        item = item_plan.item
        if item.industry is not None and industry is not None and item.industry != industry:
            applicability = Applicability.NOT_APPLICABLE
        else:
            applicability = item_plan.applicability[profile]
        rule = item.rule
        known: dict[AnswerValue | None, _Scored] = {}
        if not (isinstance(rule, QuantityRule) and rule.derived_from):
            # With no answer, only a quantity computed from carbon accounting depends on more.
            known[None] = _score_answer(
                item_plan, applicability, None, {}, plan.na_policy, {}, profile
            )
        if applicability is not Applicability.NOT_APPLICABLE and item_plan.is_choice:
            for option in item_plan.option_order:
                known[option] = _score_answer(
                    item_plan, applicability, option, {}, plan.na_policy, {}, profile
                )
        entries.append((item.id, item_plan, applicability, known))
    view = plan.views[key] = tuple(entries)
    return view


@dataclass(slots=True)
class _Core:
    """Everything both a full result and a batch summary need (made once, never changed)."""

    scored: list[_Scored]
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
    scored, effective, violations = _evaluate(plan, answers, scales, derived)
    total = 0.0
    max_total = 0.0
    for entry in scored:
        if entry.counts_in_max:
            total += entry.points
            max_total += entry.plan.max_points
    missing = [e.plan.item.id for e in scored if e.status == "missing"]

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
        levels, level, maturity = _maturity(plan, scored, threshold)
        tier_rank = level
        next_tier = _maturity_path(plan, scored, levels, level, _num(threshold))
        if next_tier is not None:
            next_tier_id, upgrades_needed = next_tier.tier, len(next_tier.upgrades)
    elif rule is not None and rule.kind is TierRuleKind.ITEM_SHARE:
        tier_rank, failing = _tier_reached(plan, scored, answers)
        target = tier_rank + 1
        if failing is not None and target in plan.tier_by_rank:
            chosen, blocked = _share_upgrades(plan, target, failing, effective)
            next_tier_id, upgrades_needed = plan.tier_by_rank[target], len(chosen)
            if detail:
                next_tier = _share_path(
                    plan, scored, answers, target, chosen, blocked, scales, derived, effective
                )
    elif rule is not None and rule.kind is TierRuleKind.GATES_ONLY:
        tier_rank = _gates_only_tier(std, answers, plan)

    gates = _evaluate_gates(std, answers.profile, answers, plan)
    eligible = _eligibility(gates)
    return _Core(
        scored=scored,
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
        eligible=eligible,
    )


def _eligibility(gates: list[GateOutcome]) -> bool | None:
    """False when a veto gate fails; True when there are veto gates and all pass; else open."""
    passed = [g.passed for g in gates if g.veto]
    if False in passed:
        return False
    return True if passed and None not in passed else None


def _percent(core: _Core) -> float | None:
    return rounded(100.0 * core.total / core.max_total) if core.max_total > 0 else None


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
    row = _summary_row(plan, answers, core)
    if nodes:
        points, maxima = _node_totals(plan, core.scored)
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


def _node_totals(plan: Plan, scored: list[_Scored]) -> tuple[dict[str, float], dict[str, float]]:
    """Points and maximum of every node, from the items that count."""
    node_points: dict[str, float] = dict.fromkeys(plan.node_order, 0.0)
    node_max: dict[str, float] = dict.fromkeys(plan.node_order, 0.0)
    for entry in scored:
        if not entry.counts_in_max:
            continue
        for node in entry.plan.ancestors:
            if node in node_points:
                node_points[node] += entry.points
                node_max[node] += entry.plan.max_points
    return node_points, node_max


def _summary_row(plan: Plan, answers: AnswerSet, core: _Core) -> dict[str, object]:
    return {
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


def _score(
    plan: Plan,
    answers: AnswerSet,
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
) -> Result:
    std = plan.standard
    core = _core(plan, answers, scales, derived, detail=True)
    scored = core.scored
    node_points, node_max = _node_totals(plan, scored)
    gaps = sorted(
        (
            Gap(
                e.plan.item.id,
                rounded(e.plan.max_points - e.points),
                _answer_json(e.answer),
                _best_option(e.plan),
            )
            for e in scored
            if e.counts_in_max and e.plan.max_points - e.points > 1e-9
        ),
        key=lambda g: (-g.points_lost, g.item),
    )
    flags = list(plan.static_flags)
    if any((e.note or "").startswith("computed from carbon accounting") for e in scored):
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
                answer=_answer_json(e.answer),
                points=rounded(e.points),
                max_points=e.plan.max_points,
                rule=e.plan.rule_text,
                meets_tier=plan.tier_by_rank.get(e.rank) if e.rank else None,
                applicability=e.applicability.value,
                note=e.note,
            )
            for e in scored
        ],
        violations=core.violations,
        gaps=gaps,
        next_tier=core.next_tier,
        flags=flags,
        receipt=receipt,
    )


def _best_option(plan: _ItemPlan) -> str | None:
    if not plan.option_order:
        return None
    if isinstance(plan.item.rule, MultiRule):
        return None
    return plan.option_order[-1]


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


# --- tiers by item share (future factory) -------------------------------------------------------


def _tier_requirements(std: Standard) -> tuple[float, float | None]:
    rule = std.scoring.tier_rule
    share = _num(rule.mandatory_share.effective) if rule and rule.mandatory_share else None
    min_percent = _num(rule.min_percent.effective) if rule and rule.min_percent else None
    return (1.0 if share is None else share), min_percent


def _tier_status(
    plan: Plan, scored: list[_Scored], answers: AnswerSet, rank: int
) -> tuple[bool, list[_Scored], int]:
    """Whether tier `rank` is met, the mandatory items below it, and how many more must reach it."""
    profile = plan.tier_profile[rank]
    if profile is None:
        return False, [], 0
    share, min_percent = plan.tier_requirements
    mandatory = _mandatory_indices(plan, profile, answers)
    below = [entry for i in mandatory if (entry := scored[i]).rank < rank]
    needed = math.ceil(share * len(mandatory) - 1e-9) - (len(mandatory) - len(below))
    ok = needed <= 0
    if ok and min_percent is not None:
        points = sum(scored[i].points for i in mandatory)
        maximum = sum(scored[i].plan.max_points for i in mandatory)
        ok = maximum > 0 and 100.0 * points / maximum >= min_percent
    return ok, below, max(0, needed)


def _mandatory_indices(plan: Plan, profile: str, answers: AnswerSet) -> tuple[int, ...]:
    key = (profile, answers.industry_type)
    cached = plan.mandatory_cache.get(key)
    if cached is None:
        cached = tuple(
            p.index
            for p in plan.items
            if p.tiered and _applicability(p, profile, answers) is Applicability.MANDATORY
        )
        plan.mandatory_cache[key] = cached
    return cached


_TierStatus = tuple[bool, list[_Scored], int]


def _tier_reached(
    plan: Plan, scored: list[_Scored], answers: AnswerSet
) -> tuple[int, _TierStatus | None]:
    """The highest tier whose lower tiers all hold, and the status of the first one that fails."""
    reached = 0
    for rank in plan.tier_ranks:
        status = _tier_status(plan, scored, answers, rank)
        if not status[0]:
            return reached, status
        reached = rank
    return reached, None


def _option_meeting(item_plan: _ItemPlan, rank: int, current: AnswerValue | None) -> str | None:
    """The answer an item needs to meet tier `rank` (None when no option can)."""
    rule = item_plan.item.rule
    if isinstance(rule, YesNoRule):
        return "yes" if item_plan.yes_rank >= rank else None
    if isinstance(rule, MultiRule):
        return next(
            (
                k
                for k in item_plan.option_order
                if item_plan.option_rank[k] >= rank and item_plan.option_points[k] > 0
            ),
            None,
        )
    return _upgrade_option(item_plan, rank, current)


def _upgrade_option(item_plan: _ItemPlan, rank: int, current: AnswerValue | None) -> str | None:
    """The lowest option that meets tier `rank` and is not worse than the current answer."""
    current_points = item_plan.option_points.get(current, 0.0) if isinstance(current, str) else 0.0
    for key in item_plan.option_order:
        if item_plan.option_rank[key] >= rank and item_plan.option_points[key] >= current_points:
            return key
    return None


def _share_upgrades(
    plan: Plan, target: int, failing: _TierStatus, effective: Mapping[str, AnswerValue]
) -> tuple[dict[str, str], list[str]]:
    """The cheapest item upgrades (item → option) that close tier `target`'s shortfall.

    Every tier below the target holds already (that is what reaching the tier before it means),
    and upgrades never lower an answer, so only the target tier's shortfall needs closing. Items
    no option of which meets the target are returned apart: they make the tier unreachable.
    """
    _, below, needed = failing
    candidates = []
    blocked: list[str] = []
    remembered = plan.upgrade_cache
    for entry in below:
        item_plan = entry.plan
        item_id = item_plan.item.id
        current = effective.get(item_id)
        # Only a current ladder option matters to the upgrade; anything else is the bottom rung.
        key = (item_plan.index, target, current if isinstance(current, str) else None)
        option, steps = remembered.get(key) or _upgrade_to(plan, item_plan, target, current)
        if option is None:
            blocked.append(item_id)
            continue
        candidates.append((item_plan.effort * steps, item_plan.index, item_id, option))
    candidates.sort()
    chosen = {item_id: option for _, _, item_id, option in candidates[:needed]}
    _close_dependencies(plan, chosen, effective)
    return chosen, blocked


def _upgrade_to(
    plan: Plan, item_plan: _ItemPlan, target: int, current: AnswerValue | None
) -> tuple[str | None, int]:
    """The answer an item needs to meet tier `target`, and how many ladder steps away it is.

    Remembered in the plan (see `_share_upgrades`, which looks there first)."""
    option = _option_meeting(item_plan, target, current)
    steps = 0 if option is None else _steps(item_plan, current, option)
    found = (option, steps)
    plan.upgrade_cache[item_plan.index, target, current if isinstance(current, str) else None] = (
        found
    )
    return found


def _share_path(
    plan: Plan,
    scored: list[_Scored],
    answers: AnswerSet,
    target: int,
    chosen: dict[str, str],
    blocked: list[str],
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
    effective: Mapping[str, AnswerValue],
) -> NextTier:
    """The upgrades of `_share_upgrades`, with their gains, checked by scoring them."""
    tier_id = plan.tier_by_rank[target]
    upgrades = []
    for item_id in sorted(chosen, key=lambda i: plan.by_id[i].index):
        item_plan = plan.by_id[item_id]
        current = effective.get(item_id)
        before = item_plan.option_points.get(current, 0.0) if isinstance(current, str) else 0.0
        option = chosen[item_id]
        rule = item_plan.item.rule
        if isinstance(rule, YesNoRule):
            gain = rule.points
        elif isinstance(rule, MultiRule):
            gain = item_plan.option_points[option]
        else:
            gain = item_plan.option_points[option] - before
        upgrades.append(
            Upgrade(item_id, _answer_json(current), option, rounded(gain), item_plan.effort)
        )

    # Check the path by scoring the upgraded answers: the promise must hold.
    upgraded: dict[str, AnswerValue] = dict(answers.answers)
    for up in upgrades:
        item = plan.by_id[up.item].item
        if isinstance(item.rule, YesNoRule):
            upgraded[up.item] = True
        elif isinstance(item.rule, MultiRule):
            base = upgraded.get(up.item)
            ticked = {k for k in base if isinstance(k, str)} if isinstance(base, tuple) else set()
            ticked -= set(item.rule.exclusive)
            upgraded[up.item] = tuple(sorted(ticked | {up.to}))
        else:
            upgraded[up.item] = up.to
    upgraded_answers = replace(answers, answers=upgraded)
    check = _rescore_changed(
        plan, upgraded_answers, scored, effective, set(chosen), scales, derived
    )
    reachable = _tier_reached(plan, check, upgraded_answers)[0] >= target and not blocked
    effort = sum(
        u.effort * _steps(plan.by_id[u.item], effective.get(u.item), u.to) for u in upgrades
    )
    if blocked:
        message = f"not reachable: no option of {', '.join(sorted(set(blocked)))} meets {tier_id}"
    elif reachable:
        message = f"{len(upgrades)} item upgrade(s) reach {tier_id}"
    else:
        message = f"the listed upgrades are not enough for {tier_id} under the configured tier rule"
    return NextTier(tier_id, reachable, upgrades, effort, message)


def _rescore_changed(
    plan: Plan,
    answers: AnswerSet,
    scored: list[_Scored],
    effective: Mapping[str, AnswerValue],
    changed: set[str],
    scales: Mapping[str, Scale],
    derived: Mapping[str, float],
) -> list[_Scored]:
    """Score the changed answers only; exact, because dependency rules are re-applied first."""
    new_effective, _ = _enforce_dependencies(plan, answers.answers)
    touched = changed | {d.then.item for d in plan.standard.dependencies}
    result = list(scored)
    for item_id in touched:
        answer = new_effective.get(item_id)
        if answer == effective.get(item_id):
            continue
        item_plan = plan.by_id[item_id]
        old = scored[item_plan.index]
        if old.applicability is Applicability.NOT_APPLICABLE:
            continue
        result[item_plan.index] = _score_item(
            item_plan, old.applicability, answer, scales, plan.na_policy, derived
        )
    return result


def _steps(item_plan: _ItemPlan, current: AnswerValue | None, option: str) -> int:
    index = item_plan.option_index
    if isinstance(item_plan.item.rule, MultiRule) or option not in index:
        return 1
    start = index.get(current, 0) if isinstance(current, str) else 0
    return max(1, index[option] - start)


def _close_dependencies(
    plan: Plan, chosen: dict[str, str], effective: Mapping[str, AnswerValue]
) -> None:
    """Upgrading an item that a dependency forces down also needs the premise lifted."""
    changed = True
    while changed:
        changed = False
        for dep in plan.standard.dependencies:
            target = chosen.get(dep.then.item)
            if target is None or target in dep.then.options:
                continue
            premise = chosen.get(dep.when.item, effective.get(dep.when.item))
            if isinstance(premise, str) and premise in dep.when.options:
                premise_plan = plan.by_id[dep.when.item]
                lift = next(
                    (k for k in premise_plan.option_order if k not in dep.when.options), None
                )
                if lift is not None:
                    chosen[dep.when.item] = lift
                    changed = True


# --- maturity levels (CMMM) ---------------------------------------------------------------------


def _maturity(
    plan: Plan, scored: list[_Scored], threshold_raw: object
) -> tuple[list[LevelScore], int, float]:
    threshold = _num(threshold_raw)
    threshold = 0.8 if threshold is None else threshold
    weights = _node_weights(plan)
    grouped: dict[int, dict[str, list[float]]] = {}
    for entry in scored:
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


def _node_weights(plan: Plan) -> dict[str, float]:
    setting = plan.standard.scoring.node_weights
    if setting is None or setting.effective != "declared":
        return {}
    return {
        n.id: float(w)
        for n in plan.standard.nodes
        if n.weight and isinstance((w := n.weight.effective), int | float)
    }


def _maturity_path(
    plan: Plan,
    scored: list[_Scored],
    levels: list[LevelScore],
    reached: int,
    threshold: float | None,
) -> NextTier | None:
    target = reached + 1
    if target not in plan.tier_by_rank:
        return None
    threshold = 0.8 if threshold is None else threshold
    at_level = [
        e
        for e in scored
        if e.plan.item.level == target
        and e.applicability is not Applicability.NOT_APPLICABLE
        and e.status != "na"
    ]
    if not at_level:
        return NextTier(
            plan.tier_by_rank[target],
            False,
            [],
            0,
            f"no requirements of level {target} apply to this profile",
        )
    weights = _node_weights(plan)
    per_node: dict[str, list[_Scored]] = {}
    for entry in at_level:
        per_node.setdefault(entry.plan.item.node, []).append(entry)
    weight_sum = sum(weights.get(n, 1.0) for n in per_node)
    current = (
        sum(
            weights.get(n, 1.0) * sum(e.points for e in entries) / len(entries)
            for n, entries in per_node.items()
        )
        / weight_sum
    )
    gains = []
    for node, entries in per_node.items():
        factor = weights.get(node, 1.0) / weight_sum / len(entries)
        for entry in entries:
            gain = (entry.plan.max_points - entry.points) * factor
            if gain > 1e-12:
                gains.append((-gain, entry.plan.effort, entry.plan.index, entry, gain))
    gains.sort(key=lambda g: (g[0], g[1], g[2]))
    upgrades: list[Upgrade] = []
    for _, _, _, entry, gain in gains:
        if current >= threshold - 1e-9:
            break
        best = _best_grade(entry.plan)
        upgrades.append(
            Upgrade(
                entry.plan.item.id,
                _answer_json(entry.answer),
                best,
                rounded(gain),
                entry.plan.effort,
            )
        )
        current += gain
    lower_ok = all(ls.passed for ls in levels if ls.level < target)
    reachable = lower_ok and current >= threshold - 1e-9
    tier_id = plan.tier_by_rank[target]
    message = (
        f"{len(upgrades)} requirement(s) fully satisfied reach level {target}"
        if reachable
        else f"level {target} needs the lower levels first"
        if not lower_ok
        else f"level {target} cannot reach {threshold:g}"
    )
    return NextTier(tier_id, reachable, upgrades, sum(u.effort for u in upgrades), message)


def _best_grade(item_plan: _ItemPlan) -> str:
    rule = item_plan.item.rule
    return (
        "full"
        if isinstance(rule, SatisfactionRule)
        else (item_plan.option_order[-1] if item_plan.option_order else "yes")
    )


# --- gates --------------------------------------------------------------------------------------


def _gate_applies(gate: Gate, profile: str) -> bool:
    return not gate.profiles or profile in gate.profiles


def _evaluate_gates(
    std: Standard, profile: str, answers: AnswerSet, plan: Plan
) -> list[GateOutcome]:
    outcomes = []
    cache = plan.gate_cache
    for gate in std.gates:
        if not _gate_applies(gate, profile):
            continue
        if gate.kind is GateKind.RESULT_MIN:  # depends on other results, not on the answer alone
            outcomes.append(_gate_outcome(gate, profile, answers))
            continue
        # Firms give the same few answers to a gate (true, false, a level): reuse the outcome.
        key = (gate.id, profile, answers.gates.get(gate.id))
        outcome = cache.get(key)
        if outcome is None:
            outcome = _gate_outcome(gate, profile, answers)
            if len(cache) < _GATE_CACHE_LIMIT:  # numbers can be any value: keep memory bounded
                cache[key] = outcome
        outcomes.append(outcome)
    return outcomes


def _gate_outcome(gate: Gate, profile: str, answers: AnswerSet) -> GateOutcome:
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
        limit = _num(threshold.effective)
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
    minimum = _num(gate.minimum.effective) if gate.minimum else None
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


def _gates_only_tier(std: Standard, answers: AnswerSet, plan: Plan) -> int:
    reached = 0
    for rank in plan.tier_ranks:
        profile = plan.tier_profile[rank]
        if profile is None:
            break
        outcomes = [
            _gate_outcome(g, profile, answers)
            for g in std.gates
            if _gate_applies(g, profile) and g.veto
        ]
        if not outcomes or not all(o.passed is True for o in outcomes):
            break
        reached = rank
    return reached
