"""Semantic checks that span a whole document: each returns Problems whose `loc` is a data path.

pydantic checks each value on its own; these check what only the whole document can tell: ids are
unique, references resolve, points add up, ladders are monotone, tier tags and units are known and
every number carries provenance. All problems are returned, not just the first. The catalogue is
`standards/problems/standard.yaml` (and `crosswalk.yaml`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from standards.models import (
    Applicability,
    ChoiceRule,
    Crosswalk,
    EditionChanges,
    Gate,
    GateKind,
    Item,
    Label,
    MultiRule,
    NodeLevel,
    QuantityRule,
    Rule,
    SatisfactionRule,
    Sourced,
    Standard,
    ThresholdOp,
    TierRule,
    TierRuleKind,
    YesNoRule,
)
from standards.problems import Loc, Problem

Path = Loc

_PARENT_LEVEL = {
    NodeLevel.ELEMENT: None,
    NodeLevel.DOMAIN: NodeLevel.ELEMENT,
    NodeLevel.SUBDOMAIN: NodeLevel.DOMAIN,
}
_POINTS_TOLERANCE = 1e-6
_DUPLICATE_ID = {
    "tiers": "standard.duplicate_tier_id",
    "profiles": "standard.duplicate_profile_id",
    "gates": "standard.duplicate_gate_id",
    "dependencies": "standard.duplicate_dependency_id",
    "documents": "standard.duplicate_document_id",
}


def item_max_points(rule: Rule) -> float:
    """Largest number of points an answer to this rule can earn."""
    if isinstance(rule, ChoiceRule):
        return max(o.points for o in rule.options)
    if isinstance(rule, MultiRule):
        return min(rule.cap, sum(o.points for o in rule.options))
    if isinstance(rule, YesNoRule | QuantityRule):
        return rule.points
    return 1.0  # a satisfaction grade is a fraction of one requirement


def _duplicates(ids: Iterable[str]) -> set[str]:
    return {key for key, count in Counter(ids).items() if count > 1}


def _sourced_problems(
    value: Sourced | None, path: Path, units: set[str] | None
) -> Iterator[Problem]:
    if value is None:
        return
    label = value.provenance.label
    if label is Label.NOT_FOUND and value.value is not None:
        yield Problem((*path, "value"), "standard.not_found_with_value")
    if value.value is None and label is not Label.NOT_FOUND:
        yield Problem((*path, "value"), "standard.null_not_labelled", {"label": label.value})
    if value.default is not None and value.default.provenance.label in (Label.OFFICIAL, Label.NEWS):
        yield Problem((*path, "default", "provenance", "label"), "standard.default_is_official")
    if units is not None and value.unit is not None and value.unit not in units:
        yield Problem((*path, "unit"), "standard.unknown_unit", {"unit": value.unit})


def check_standard(
    std: Standard, units: set[str] | None = None, scales: set[str] | None = None
) -> list[Problem]:
    """Every semantic problem of a standard. `units`/`scales` are the ids the library knows."""
    problems: list[Problem] = []
    add = problems.append

    node_ids = [n.id for n in std.nodes]
    item_ids = [i.id for i in std.items]
    for index, node in enumerate(std.nodes):
        if node.id in _duplicates(node_ids):
            add(Problem(("nodes", index, "id"), "standard.duplicate_node_id", {"id": node.id}))
    for index, item in enumerate(std.items):
        if item.id in _duplicates(item_ids):
            add(Problem(("items", index, "id"), "standard.duplicate_item_id", {"id": item.id}))
        if item.id in set(node_ids):
            add(Problem(("items", index, "id"), "standard.item_id_is_node_id", {"id": item.id}))
    for section, ids in (
        ("tiers", [t.id for t in std.tiers]),
        ("profiles", [p.id for p in std.profiles]),
        ("gates", [g.id for g in std.gates]),
        ("dependencies", [d.id for d in std.dependencies]),
        ("documents", [d.id for d in std.documents]),
    ):
        for index, key in enumerate(ids):
            if key in _duplicates(ids):
                add(Problem((section, index, "id"), _DUPLICATE_ID[section], {"id": key}))

    tiers = {t.id: t for t in std.tiers}
    profiles = {p.id for p in std.profiles}
    nodes = {n.id: n for n in std.nodes}
    parents = {n.parent for n in std.nodes if n.parent}

    for index, profile in enumerate(std.profiles):
        if profile.tier is not None and profile.tier not in tiers:
            add(
                Problem(
                    ("profiles", index, "tier"), "standard.unknown_tier",
                    {"tier": profile.tier, "known": sorted(tiers)},
                )
            )  # fmt: skip

    for index, node in enumerate(std.nodes):
        expected = _PARENT_LEVEL[node.level]
        if node.parent is None:
            if expected is not None:
                add(
                    Problem(
                        ("nodes", index, "parent"), "standard.parent_missing",
                        {"level": node.level.value, "expected": expected.value},
                    )
                )  # fmt: skip
        elif node.parent not in nodes:
            add(Problem(("nodes", index, "parent"), "standard.unknown_parent", {"id": node.parent}))
        elif nodes[node.parent].level != expected:
            where = ("nodes", index, "parent")
            found = {"id": node.parent, "found": nodes[node.parent].level.value}
            add(
                Problem(
                    where, "standard.parent_wrong_level",
                    {**found, "level": node.level.value, "expected": expected.value},
                )
                if expected is not None
                else Problem(where, "standard.parent_not_allowed", {**found, "level": node.level.value})
            )  # fmt: skip
        problems.extend(_sourced_problems(node.weight, ("nodes", index, "weight"), units))

    items_by_id = {i.id: i for i in std.items}
    for index, item in enumerate(std.items):
        problems.extend(
            _item_problems(
                std, item, ("items", index), nodes, parents, tiers, profiles, units, scales
            )
        )
        if item.variant_of is not None and item.industry is None:
            add(Problem(("items", index, "industry"), "standard.variant_without_industry"))

    if std.changes is not None:
        problems.extend(_changes_problems(std.changes, items_by_id))
    problems.extend(_points_problems(std))
    problems.extend(_dependency_problems(std, items_by_id))
    for index, gate in enumerate(std.gates):
        problems.extend(_gate_problems(gate, ("gates", index), profiles, units))
    problems.extend(_tier_rule_problems(std, tiers, units))
    if std.scoring.tier_rule is not None:
        problems.extend(_score_band_problems(std.scoring.tier_rule))
    for key, value in std.parameters.items():
        problems.extend(_sourced_problems(value, ("parameters", key), units))
    problems.extend(
        _sourced_problems(std.scoring.not_applicable, ("scoring", "not_applicable"), units)
    )
    return problems


def _item_problems(
    std: Standard,
    item: Item,
    path: Path,
    nodes: Mapping[str, object],
    parents: set[str],
    tiers: Mapping[str, object],
    profiles: set[str],
    units: set[str] | None,
    scales: set[str] | None,
) -> Iterator[Problem]:
    if item.node not in nodes:
        yield Problem((*path, "node"), "standard.unknown_node", {"id": item.node})
    elif item.node in parents:
        yield Problem((*path, "node"), "standard.node_has_children", {"id": item.node})
    for profile in item.applicability:
        if profile not in profiles:
            yield Problem(
                (*path, "applicability", profile), "standard.unknown_profile",
                {"profile": profile, "known": sorted(profiles)},
            )  # fmt: skip
    applicable = [item.applicability.get(p, std.default_applicability) for p in profiles]
    if profiles and all(a is Applicability.NOT_APPLICABLE for a in applicable):
        yield Problem((*path, "applicability"), "standard.applies_to_no_profile")
    if item.provenance is None and std.item_provenance is None:
        yield Problem((*path,), "standard.item_without_provenance")
    if std.scoring.method == "maturity" and item.level is None:
        yield Problem((*path,), "standard.item_without_level")

    rule = item.rule
    rule_path = (*path, "rule")
    if isinstance(rule, ChoiceRule | MultiRule):
        keys = [o.key for o in rule.options]
        for index, option in enumerate(rule.options):
            if option.key in _duplicates(keys):
                yield Problem(
                    (*rule_path, "options", index, "key"), "standard.duplicate_option_key",
                    {"key": option.key},
                )  # fmt: skip
            if option.tier is not None and option.tier not in tiers:
                yield Problem(
                    (*rule_path, "options", index, "tier"), "standard.unknown_tier_tag",
                    {"tier": option.tier, "known": sorted(tiers)},
                )  # fmt: skip
    if isinstance(rule, ChoiceRule | MultiRule):
        yield from _option_problems(std, rule, rule_path)
    if isinstance(rule, ChoiceRule):
        for index in range(1, len(rule.options)):
            before, option = rule.options[index - 1], rule.options[index]
            if option.points < before.points:
                yield Problem(
                    (*rule_path, "options", index, "points"), "standard.points_decrease",
                    {
                        "key": option.key, "points": option.points,
                        "before": before.key, "before_points": before.points,
                    },
                )  # fmt: skip
            rank_before = _tier_rank(before.tier, tiers)
            rank = _tier_rank(option.tier, tiers)
            if rank_before is not None and (rank is None or rank < rank_before):
                down = {"key": option.key, "before": before.key, "before_tier": before.tier}
                yield (
                    Problem(
                        (*rule_path, "options", index, "tier"), "standard.tier_goes_down",
                        {**down, "tier": option.tier},
                    )
                    if option.tier
                    else Problem((*rule_path, "options", index, "tier"), "standard.tier_dropped", down)
                )  # fmt: skip
    if isinstance(rule, MultiRule):
        known = {o.key for o in rule.options}
        total = sum(o.points for o in rule.options)
        if rule.cap > total + _POINTS_TOLERANCE:
            yield Problem(
                (*rule_path, "cap"), "standard.cap_above_total", {"cap": rule.cap, "total": total}
            )
        for index, key in enumerate(rule.exclusive):
            if key not in known:
                yield Problem(
                    (*rule_path, "exclusive", index), "standard.unknown_option", {"key": key}
                )
    if isinstance(rule, YesNoRule) and rule.tier is not None and rule.tier not in tiers:
        yield Problem(
            (*rule_path, "tier"), "standard.unknown_tier_tag_no_hint", {"tier": rule.tier}
        )
    if isinstance(rule, QuantityRule):
        if units is not None and rule.unit not in units:
            yield Problem((*rule_path, "unit"), "standard.unknown_unit", {"unit": rule.unit})
        yield from _sourced_problems(rule.baseline, (*rule_path, "baseline"), units)
        yield from _sourced_problems(rule.leading, (*rule_path, "leading"), units)
        base = rule.baseline.effective if rule.baseline else None
        lead = rule.leading.effective if rule.leading else None
        outside = list(_range_problems(rule, rule_path))
        yield from outside
        # Values outside the physical range are wrong already; their order would say nothing.
        if not outside and isinstance(base, int | float) and isinstance(lead, int | float):
            if not math.isfinite(lead - base):
                yield Problem(
                    (*rule_path, "leading"), "standard.too_far_apart",
                    {"baseline": base, "leading": lead},
                )  # fmt: skip
            elif base == lead:
                yield Problem((*rule_path, "leading"), "standard.leading_equals_baseline")
            elif rule.direction.value == "positive" and lead < base:
                yield Problem((*rule_path, "leading"), "standard.positive_leading_below")
            elif rule.direction.value == "negative" and lead > base:
                yield Problem((*rule_path, "leading"), "standard.negative_leading_above")
        if rule.minimum is not None and rule.maximum is not None and rule.minimum >= rule.maximum:
            yield Problem((*rule_path, "maximum"), "standard.maximum_not_above_minimum")
    if isinstance(rule, SatisfactionRule) and scales is not None and rule.scale not in scales:
        yield Problem(
            (*rule_path, "scale"), "standard.unknown_scale",
            {"scale": rule.scale, "known": sorted(scales)},
        )  # fmt: skip


def _effective_path(value: Sourced, path: Path) -> Path:
    """Where a Sourced number is written: its `value`, or its `default` while that stands in."""
    return (*path, "value") if value.value is not None else (*path, "default", "value")


def _number(value: Sourced | None) -> float | None:
    number = value.effective if value is not None else None
    if isinstance(number, bool) or not isinstance(number, int | float):
        return None
    return float(number)


def _range_problems(rule: QuantityRule, rule_path: Path) -> Iterator[Problem]:
    """A baseline or leading value outside the item's physical range could never be met."""
    for field, below, above in (
        ("baseline", "standard.baseline_below_minimum", "standard.baseline_above_maximum"),
        ("leading", "standard.leading_below_minimum", "standard.leading_above_maximum"),
    ):
        sourced: Sourced | None = getattr(rule, field)
        number = _number(sourced)
        if sourced is None or number is None:
            continue
        where = _effective_path(sourced, (*rule_path, field))
        if rule.minimum is not None and number < rule.minimum:
            yield Problem(
                where, below, {"number": number, "unit": rule.unit, "minimum": rule.minimum}
            )
        elif rule.maximum is not None and number > rule.maximum:
            yield Problem(
                where, above, {"number": number, "unit": rule.unit, "maximum": rule.maximum}
            )


def _option_problems(
    std: Standard, rule: ChoiceRule | MultiRule, rule_path: Path
) -> Iterator[Problem]:
    """builds_on links, thresholds and industry texts of each option."""
    position = {o.key: i for i, o in enumerate(rule.options)}
    for index, option in enumerate(rule.options):
        path = (*rule_path, "options", index)
        if option.builds_on is not None:
            below = position.get(option.builds_on)
            on = (*path, "builds_on")
            if isinstance(rule, MultiRule):
                yield Problem(on, "standard.builds_on_in_multi")
            elif below is None:
                yield Problem(on, "standard.unknown_option", {"key": option.builds_on})
            elif below >= index:
                # Pointing at itself or upwards would make the ladder circular.
                yield Problem(
                    on, "standard.builds_on_not_below",
                    {"key": option.key, "builds_on": option.builds_on},
                )  # fmt: skip
            elif below != index - 1 and not option.note:
                yield Problem(
                    on, "standard.builds_on_skips",
                    {
                        "key": option.key, "builds_on": option.builds_on,
                        "below": rule.options[index - 1].key,
                    },
                )  # fmt: skip
        for t_index, threshold in enumerate(option.thresholds):
            t_path = (*path, "thresholds", t_index)
            if not math.isfinite(threshold.value):
                yield Problem((*t_path, "value"), "standard.threshold_not_finite")
            if (threshold.op is ThresholdOp.BETWEEN) != (threshold.upper is not None):
                yield Problem((*t_path, "upper"), "standard.upper_only_for_between")
            elif threshold.upper is not None and not threshold.upper > threshold.value:
                yield Problem((*t_path, "upper"), "standard.upper_not_above_value")
            if threshold.op in (ThresholdOp.TOP, ThresholdOp.WITHIN_LAST) and not (
                threshold.value >= 1 and float(threshold.value).is_integer()
            ):
                yield Problem(
                    (*t_path, "value"), "standard.needs_whole_number", {"op": threshold.op.value}
                )
        for industry in option.text_by_industry:
            if std.industry_types and industry not in std.industry_types:
                yield Problem(
                    (*path, "text_by_industry", industry.value), "standard.other_industry_type",
                    {"industry": industry.value, "known": [i.value for i in std.industry_types]},
                )  # fmt: skip


def _changes_problems(changes: EditionChanges, items: Mapping[str, Item]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, changed in enumerate(changes.meaning_changed):
        path: Path = ("changes", "meaning_changed", index)
        item = items.get(changed.item)
        if item is None:
            yield Problem((*path, "item"), "standard.unknown_item", {"id": changed.item})
            continue
        if changed.item in seen:
            yield Problem((*path, "item"), "standard.listed_twice", {"id": changed.item})
        seen.add(changed.item)
        keys = (
            {o.key for o in item.rule.options}
            if isinstance(item.rule, ChoiceRule | MultiRule)
            else set()
        )
        for o_index, key in enumerate(changed.options):
            if key not in keys:
                yield Problem(
                    (*path, "options", o_index), "standard.no_such_option",
                    {"id": changed.item, "key": key},
                )  # fmt: skip


def _score_band_problems(rule: TierRule) -> Iterator[Problem]:
    path: Path = ("scoring", "tier_rule", "score_bands")
    if not rule.score_bands:
        return
    if rule.kind is not TierRuleKind.MATURITY:
        yield Problem(path, "standard.score_bands_not_maturity")
    if rule.score_bands_provenance is None:
        yield Problem(path, "standard.score_bands_without_provenance")
    for index, band in enumerate(rule.score_bands):
        if not band.low < band.high:
            yield Problem((*path, index, "high"), "standard.band_high_not_above_low")
        if index and band.level != rule.score_bands[index - 1].level + 1:
            yield Problem((*path, index, "level"), "standard.band_levels_out_of_order")
        if index and band.low != rule.score_bands[index - 1].high:
            yield Problem((*path, index, "low"), "standard.bands_do_not_meet")


def _tier_rank(tier: str | None, tiers: Mapping[str, object]) -> int | None:
    found = tiers.get(tier) if tier else None
    return getattr(found, "rank", None)


def _points_problems(std: Standard) -> Iterator[Problem]:
    if std.scoring.method != "points" or std.scoring.max_total is None:
        return
    # Variants of one question count once: a firm answers only one of them.
    seen_groups: set[str] = set()
    total = 0.0
    for item in std.items:
        group = item.variant_of or item.id
        if group in seen_groups:
            continue
        seen_groups.add(group)
        total += item_max_points(item.rule)
    if abs(total - std.scoring.max_total) > 1e-3:
        yield Problem(
            ("scoring", "max_total"), "standard.max_total_mismatch",
            {"total": total, "max_total": std.scoring.max_total},
        )  # fmt: skip
    variants: dict[str, list[float]] = {}
    for item in std.items:
        if item.variant_of:
            variants.setdefault(item.variant_of, []).append(item_max_points(item.rule))
    for group, maxima in sorted(variants.items()):
        if len(set(maxima)) > 1:
            yield Problem(
                ("items",), "standard.variant_points_differ", {"group": group, "maxima": maxima}
            )


def _dependency_problems(std: Standard, items: dict[str, Item]) -> Iterator[Problem]:
    for index, dep in enumerate(std.dependencies):
        for side in ("when", "then"):
            condition = getattr(dep, side)
            item = items.get(condition.item)
            if item is None:
                yield Problem(
                    ("dependencies", index, side, "item"), "standard.unknown_item",
                    {"id": condition.item},
                )  # fmt: skip
                continue
            rule = item.rule
            keys = (
                {o.key for o in rule.options} if isinstance(rule, ChoiceRule | MultiRule) else set()
            )
            for position, key in enumerate(condition.options):
                if key not in keys:
                    yield Problem(
                        ("dependencies", index, side, "in", position),
                        "standard.dependency_no_such_option",
                        {"id": condition.item, "key": key, "options": sorted(keys)},
                    )


def _gate_problems(
    gate: Gate, path: Path, profiles: set[str], units: set[str] | None
) -> Iterator[Problem]:
    for index, profile in enumerate(gate.profiles):
        if profile not in profiles:
            yield Problem(
                (*path, "profiles", index), "standard.unknown_profile_no_hint", {"profile": profile}
            )
    if units is not None and gate.unit is not None and gate.unit not in units:
        yield Problem((*path, "unit"), "standard.unknown_unit_no_hint", {"unit": gate.unit})
    if gate.kind is GateKind.MIN_VALUE:
        if not gate.thresholds:
            yield Problem((*path, "thresholds"), "standard.min_value_without_thresholds")
        for profile, by_variant in gate.thresholds.items():
            if profile not in profiles:
                yield Problem(
                    (*path, "thresholds", profile), "standard.unknown_profile_no_hint",
                    {"profile": profile},
                )  # fmt: skip
            if "default" not in by_variant:
                yield Problem((*path, "thresholds", profile), "standard.thresholds_without_default")
            for variant, value in by_variant.items():
                if variant != "default" and variant not in gate.variants:
                    yield Problem(
                        (*path, "thresholds", profile, variant), "standard.undeclared_variant",
                        {"variant": variant},
                    )  # fmt: skip
                yield from _sourced_problems(value, (*path, "thresholds", profile, variant), units)
                yield from _negative_threshold(value, (*path, "thresholds", profile, variant), gate)
    if gate.kind is GateKind.RESULT_MIN:
        if gate.standard is None or gate.metric is None or gate.minimum is None:
            yield Problem(path, "standard.result_min_incomplete")
        yield from _sourced_problems(gate.minimum, (*path, "minimum"), units)
        if gate.minimum is not None:
            yield from _negative_threshold(gate.minimum, (*path, "minimum"), gate)


def _negative_threshold(value: Sourced, path: Path, gate: Gate) -> Iterator[Problem]:
    # What a gate compares is an amount (万元, %, a level, a score): a threshold below 0 passes
    # every firm, so it is a typing error, not a requirement.
    number = _number(value)
    if number is not None and number < 0:
        where = _effective_path(value, path)
        yield (
            Problem(
                where, "standard.negative_threshold",
                {"number": number, "unit": gate.unit, "kind": gate.kind.value},
            )
            if gate.unit
            else Problem(
                where, "standard.negative_threshold_no_unit",
                {"number": number, "kind": gate.kind.value},
            )
        )  # fmt: skip


def _tier_rule_problems(
    std: Standard, tiers: Mapping[str, object], units: set[str] | None
) -> Iterator[Problem]:
    rule = std.scoring.tier_rule
    if rule is None:
        return
    path: Path = ("scoring", "tier_rule")
    for name in ("mandatory_share", "min_percent", "pass_threshold", "final_score"):
        yield from _sourced_problems(getattr(rule, name), (*path, name), units)
    if rule.kind is TierRuleKind.ITEM_SHARE and rule.mandatory_share is None:
        yield Problem((*path, "mandatory_share"), "standard.item_share_without_share")
    if rule.kind is TierRuleKind.MATURITY and rule.pass_threshold is None:
        yield Problem((*path, "pass_threshold"), "standard.maturity_without_threshold")
    for index, band in enumerate(rule.bands):
        if band.tier not in tiers:
            yield Problem(
                (*path, "bands", index, "tier"),
                "standard.unknown_tier_no_hint",
                {"tier": band.tier},
            )
    if rule.kind in (TierRuleKind.ITEM_SHARE, TierRuleKind.MATURITY) and not std.tiers:
        yield Problem((*path,), "standard.tier_rule_without_tiers")


def check_crosswalk(cw: Crosswalk, standards: dict[str, Standard]) -> list[Problem]:
    problems: list[Problem] = []
    source = standards.get(cw.source)
    target = standards.get(cw.target)
    if source is None:
        problems.append(
            Problem(
                ("source",), "crosswalk.unknown_standard",
                {"id": cw.source, "known": sorted(standards)},
            )
        )  # fmt: skip
    if target is None:
        problems.append(
            Problem(
                ("target",), "crosswalk.unknown_standard",
                {"id": cw.target, "known": sorted(standards)},
            )
        )  # fmt: skip
    if source is None or target is None:
        return problems
    source_ids = {i.id for i in source.items} | {i.variant_of for i in source.items if i.variant_of}
    target_ids = {n.id for n in target.nodes} | {i.id for i in target.items}
    for index, link in enumerate(cw.links):
        if link.source_item not in source_ids:
            problems.append(
                Problem(
                    ("links", index, "source_item"), "crosswalk.no_such_item",
                    {"standard": cw.source, "item": link.source_item},
                )
            )  # fmt: skip
        if link.target not in target_ids:
            problems.append(
                Problem(
                    ("links", index, "target"), "crosswalk.no_such_target",
                    {"standard": cw.target, "target": link.target},
                )
            )  # fmt: skip
    return problems
