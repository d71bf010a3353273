"""The path to the next tier, and the path to the next maturity level.

Item share (future factory): the items below the target tier, each with the lowest option that
meets it and is not worse than the current answer; when the rule needs only a share of them, the
cheapest by `effort × steps`. Lifting an item that a dependency rule holds down also lifts the
premise. `share_path` prices the chosen upgrades and has them checked by the caller's `reaches`
(the engine re-scores the upgraded answers), so `reachable` is a promise that holds.

Maturity (CMMM): the requirements of the next level whose full satisfaction raises the level
score most, fewest first, until the pass threshold.

Pure functions over a compiled plan and the engine's outcomes; imports `scoring.plan`,
`scoring.answers` and `scoring.result`, never the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from scoring.answers import AnswerSet, AnswerValue, answer_json
from scoring.plan import ItemPlan, Plan
from scoring.result import LevelScore, NextTier, Upgrade, rounded
from standards.models import Applicability, MultiRule, SatisfactionRule, YesNoRule


class Outcome(Protocol):
    """What the maturity path reads of an item's outcome (the engine's `Outcome`)."""

    @property
    def plan(self) -> ItemPlan: ...
    @property
    def status(self) -> str: ...
    @property
    def applicability(self) -> Applicability: ...
    @property
    def answer(self) -> AnswerValue | float | None: ...
    @property
    def points(self) -> float: ...


# --- item share ---------------------------------------------------------------------------------


def share_upgrades(
    plan: Plan,
    target: int,
    below: Sequence[ItemPlan],
    needed: int,
    effective: Mapping[str, AnswerValue],
) -> tuple[dict[str, str], list[str]]:
    """The cheapest item upgrades (item → option) that close tier `target`'s shortfall of
    `needed` items among the mandatory items `below` it.

    Every tier below the target holds already (that is what reaching the tier before it means),
    and upgrades never lower an answer, so only the target tier's shortfall needs closing. Items
    no option of which meets the target are returned apart: they make the tier unreachable.
    """
    candidates = []
    blocked: list[str] = []
    for item_plan in below:
        item_id = item_plan.item.id
        current = effective.get(item_id)
        option = option_meeting(item_plan, target, current)
        if option is None:
            blocked.append(item_id)
            continue
        cost = item_plan.effort * steps(item_plan, current, option)
        candidates.append((cost, item_plan.index, item_id, option))
    candidates.sort()
    chosen = {item_id: option for _, _, item_id, option in candidates[:needed]}
    _close_dependencies(plan, chosen, effective)
    return chosen, blocked


def share_path(
    plan: Plan,
    answers: AnswerSet,
    target: int,
    chosen: Mapping[str, str],
    blocked: Sequence[str],
    effective: Mapping[str, AnswerValue],
    reaches: Callable[[AnswerSet], bool],
) -> NextTier:
    """The upgrades of `share_upgrades`, with their gains, and whether `reaches` confirms that
    the upgraded answers reach the tier."""
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
            Upgrade(item_id, answer_json(current), option, rounded(gain), item_plan.effort)
        )
    reachable = not blocked and reaches(_upgraded(plan, answers, upgrades))
    effort = sum(
        u.effort * steps(plan.by_id[u.item], effective.get(u.item), u.to) for u in upgrades
    )
    if blocked:
        message = f"not reachable: no option of {', '.join(sorted(set(blocked)))} meets {tier_id}"
    elif reachable:
        message = f"{len(upgrades)} item upgrade(s) reach {tier_id}"
    else:
        message = f"the listed upgrades are not enough for {tier_id} under the configured tier rule"
    return NextTier(tier_id, reachable, upgrades, effort, message)


def _upgraded(plan: Plan, answers: AnswerSet, upgrades: Sequence[Upgrade]) -> AnswerSet:
    """The answers with every upgrade applied (a multi-select keeps its other ticks)."""
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
    return replace(answers, answers=upgraded)


def option_meeting(item_plan: ItemPlan, rank: int, current: AnswerValue | None) -> str | None:
    """The answer an item needs to meet tier `rank` (None when no option can): for a ladder, the
    lowest option that meets it and is not worse than the current answer."""
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
    current_points = item_plan.option_points.get(current, 0.0) if isinstance(current, str) else 0.0
    for key in item_plan.option_order:
        if item_plan.option_rank[key] >= rank and item_plan.option_points[key] >= current_points:
            return key
    return None


def steps(item_plan: ItemPlan, current: AnswerValue | None, option: str) -> int:
    """How many rungs of the ladder lie between the current answer and `option` (at least 1)."""
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


# --- maturity levels ----------------------------------------------------------------------------


def maturity_path(
    plan: Plan,
    outcomes: Sequence[Outcome],
    levels: Sequence[LevelScore],
    reached: int,
    threshold: float | None,
) -> NextTier | None:
    """The requirements of level `reached + 1` to satisfy fully, largest gain first (then the
    lower effort, then the standard's order), until the level score reaches the threshold."""
    target = reached + 1
    if target not in plan.tier_by_rank:
        return None
    threshold = 0.8 if threshold is None else threshold
    at_level = [
        e
        for e in outcomes
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
    weights = plan.node_weights
    per_node: dict[str, list[Outcome]] = {}
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
        upgrades.append(
            Upgrade(
                entry.plan.item.id,
                answer_json(entry.answer),
                _best_grade(entry.plan),
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


def _best_grade(item_plan: ItemPlan) -> str:
    rule = item_plan.item.rule
    return (
        "full"
        if isinstance(rule, SatisfactionRule)
        else (item_plan.option_order[-1] if item_plan.option_order else "yes")
    )
