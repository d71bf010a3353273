"""Semantic checks that span a whole document: each returns (data path, message) pairs.

pydantic checks each value on its own; these check what only the whole document can tell: ids are
unique, references resolve, points add up, ladders are monotone, tier tags and units are known and
every number carries provenance. All problems are returned, not just the first.
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

Path = tuple[str | int, ...]
Problem = tuple[Path, str]

_PARENT_LEVEL = {
    NodeLevel.ELEMENT: None,
    NodeLevel.DOMAIN: NodeLevel.ELEMENT,
    NodeLevel.SUBDOMAIN: NodeLevel.DOMAIN,
}
_POINTS_TOLERANCE = 1e-6
_SINGULAR = {
    "tiers": "tier",
    "profiles": "profile",
    "gates": "gate",
    "dependencies": "dependency",
    "documents": "document",
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
        yield (
            (*path, "value"),
            "a NOT FOUND value must be null (never invent it); put a configured value in `default`",
        )
    if value.value is None and label is not Label.NOT_FOUND:
        yield (
            (*path, "value"),
            f"value is null but its provenance is {label.value}; use label NOT FOUND",
        )
    if value.default is not None and value.default.provenance.label in (Label.OFFICIAL, Label.NEWS):
        yield (
            (*path, "default", "provenance", "label"),
            "a configured default stands in for a missing official value and cannot be OFFICIAL or NEWS",
        )
    if units is not None and value.unit is not None and value.unit not in units:
        yield (
            (*path, "unit"),
            f"unknown unit {value.unit!r}; add it to units.yaml or use a known one",
        )


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
            add((("nodes", index, "id"), f"duplicate node id {node.id!r}"))
    for index, item in enumerate(std.items):
        if item.id in _duplicates(item_ids):
            add((("items", index, "id"), f"duplicate item id {item.id!r}"))
        if item.id in set(node_ids):
            add((("items", index, "id"), f"item id {item.id!r} is also a node id"))
    for section, ids in (
        ("tiers", [t.id for t in std.tiers]),
        ("profiles", [p.id for p in std.profiles]),
        ("gates", [g.id for g in std.gates]),
        ("dependencies", [d.id for d in std.dependencies]),
        ("documents", [d.id for d in std.documents]),
    ):
        for index, key in enumerate(ids):
            if key in _duplicates(ids):
                add(((section, index, "id"), f"duplicate {_SINGULAR[section]} id {key!r}"))

    tiers = {t.id: t for t in std.tiers}
    profiles = {p.id for p in std.profiles}
    nodes = {n.id: n for n in std.nodes}
    parents = {n.parent for n in std.nodes if n.parent}

    for index, profile in enumerate(std.profiles):
        if profile.tier is not None and profile.tier not in tiers:
            add(
                (
                    ("profiles", index, "tier"),
                    f"unknown tier {profile.tier!r}; known: {sorted(tiers)}",
                )
            )

    for index, node in enumerate(std.nodes):
        expected = _PARENT_LEVEL[node.level]
        if node.parent is None:
            if expected is not None:
                add(
                    (
                        ("nodes", index, "parent"),
                        f"a {node.level.value} needs a parent {expected.value}",
                    )
                )
        elif node.parent not in nodes:
            add((("nodes", index, "parent"), f"unknown parent node {node.parent!r}"))
        elif nodes[node.parent].level != expected:
            add(
                (
                    ("nodes", index, "parent"),
                    f"parent {node.parent!r} is a {nodes[node.parent].level.value}; "
                    f"a {node.level.value} needs a {expected.value if expected else 'no'} parent",
                )
            )
        problems.extend(_sourced_problems(node.weight, ("nodes", index, "weight"), units))

    items_by_id = {i.id: i for i in std.items}
    for index, item in enumerate(std.items):
        problems.extend(
            _item_problems(
                std, item, ("items", index), nodes, parents, tiers, profiles, units, scales
            )
        )
        if item.variant_of is not None and item.industry is None:
            add(
                (
                    ("items", index, "industry"),
                    "an item with `variant_of` must name its industry type",
                )
            )

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
        yield (*path, "node"), f"unknown node {item.node!r}"
    elif item.node in parents:
        yield (
            (*path, "node"),
            f"node {item.node!r} has child nodes; items belong to the lowest nodes",
        )
    for profile in item.applicability:
        if profile not in profiles:
            yield (
                (*path, "applicability", profile),
                f"unknown profile {profile!r}; known: {sorted(profiles)}",
            )
    applicable = [item.applicability.get(p, std.default_applicability) for p in profiles]
    if profiles and all(a is Applicability.NOT_APPLICABLE for a in applicable):
        yield (*path, "applicability"), "the item applies to no profile"
    if item.provenance is None and std.item_provenance is None:
        yield (
            (*path,),
            "the item carries points but has no provenance (and the standard has no item_provenance)",
        )
    if std.scoring.method == "maturity" and item.level is None:
        yield (*path,), "items of a maturity standard need a `level`"

    rule = item.rule
    rule_path = (*path, "rule")
    if isinstance(rule, ChoiceRule | MultiRule):
        keys = [o.key for o in rule.options]
        for index, option in enumerate(rule.options):
            if option.key in _duplicates(keys):
                yield (*rule_path, "options", index, "key"), f"duplicate option key {option.key!r}"
            if option.tier is not None and option.tier not in tiers:
                yield (
                    (*rule_path, "options", index, "tier"),
                    f"unknown tier tag {option.tier!r}; known: {sorted(tiers)}",
                )
    if isinstance(rule, ChoiceRule | MultiRule):
        yield from _option_problems(std, rule, rule_path)
    if isinstance(rule, ChoiceRule):
        for index in range(1, len(rule.options)):
            before, option = rule.options[index - 1], rule.options[index]
            if option.points < before.points:
                yield (
                    (*rule_path, "options", index, "points"),
                    f"option points must not decrease along the ladder: {option.key} = {option.points:g} "
                    f"after {before.key} = {before.points:g}",
                )
            rank_before = _tier_rank(before.tier, tiers)
            rank = _tier_rank(option.tier, tiers)
            if rank_before is not None and (rank is None or rank < rank_before):
                yield (
                    (*rule_path, "options", index, "tier"),
                    f"tier tags must not go down the ladder: {option.key} ({option.tier or 'none'}) "
                    f"after {before.key} ({before.tier})",
                )
    if isinstance(rule, MultiRule):
        known = {o.key for o in rule.options}
        total = sum(o.points for o in rule.options)
        if rule.cap > total + _POINTS_TOLERANCE:
            yield (
                (*rule_path, "cap"),
                f"cap {rule.cap:g} is more than all options together ({total:g})",
            )
        for index, key in enumerate(rule.exclusive):
            if key not in known:
                yield (*rule_path, "exclusive", index), f"unknown option {key!r}"
    if isinstance(rule, YesNoRule) and rule.tier is not None and rule.tier not in tiers:
        yield (*rule_path, "tier"), f"unknown tier tag {rule.tier!r}"
    if isinstance(rule, QuantityRule):
        if units is not None and rule.unit not in units:
            yield (
                (*rule_path, "unit"),
                f"unknown unit {rule.unit!r}; add it to units.yaml or use a known one",
            )
        yield from _sourced_problems(rule.baseline, (*rule_path, "baseline"), units)
        yield from _sourced_problems(rule.leading, (*rule_path, "leading"), units)
        base = rule.baseline.effective if rule.baseline else None
        lead = rule.leading.effective if rule.leading else None
        outside = list(_range_problems(rule, rule_path))
        yield from outside
        # Values outside the physical range are wrong already; their order would say nothing.
        if not outside and isinstance(base, int | float) and isinstance(lead, int | float):
            if not math.isfinite(lead - base):
                yield (
                    (*rule_path, "leading"),
                    f"the baseline ({base:g}) and the leading value ({lead:g}) are too far apart",
                )
            elif base == lead:
                yield (
                    (*rule_path, "leading"),
                    "leading value equals the baseline; the item could not discriminate",
                )
            elif rule.direction.value == "positive" and lead < base:
                yield (*rule_path, "leading"), "a positive indicator needs leading > baseline"
            elif rule.direction.value == "negative" and lead > base:
                yield (*rule_path, "leading"), "a negative indicator needs leading < baseline"
        if rule.minimum is not None and rule.maximum is not None and rule.minimum >= rule.maximum:
            yield (*rule_path, "maximum"), "maximum must be larger than minimum"
    if isinstance(rule, SatisfactionRule) and scales is not None and rule.scale not in scales:
        yield (*rule_path, "scale"), f"unknown scale {rule.scale!r}; known: {sorted(scales)}"


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
    for field, name in (("baseline", "baseline"), ("leading", "leading value")):
        sourced: Sourced | None = getattr(rule, field)
        number = _number(sourced)
        if sourced is None or number is None:
            continue
        where = _effective_path(sourced, (*rule_path, field))
        if rule.minimum is not None and number < rule.minimum:
            yield (
                where,
                f"the {name} {number:g} {rule.unit} is below the item's physical minimum "
                f"{rule.minimum:g}",
            )
        elif rule.maximum is not None and number > rule.maximum:
            yield (
                where,
                f"the {name} {number:g} {rule.unit} is above the item's physical maximum "
                f"{rule.maximum:g}",
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
            if isinstance(rule, MultiRule):
                yield (
                    (*path, "builds_on"),
                    "options of a multi-select item are independent; `builds_on` needs a ladder",
                )
            elif below is None:
                yield (*path, "builds_on"), f"unknown option {option.builds_on!r}"
            elif below >= index:
                # Pointing at itself or upwards would make the ladder circular.
                yield (
                    (*path, "builds_on"),
                    f"option {option.key} can only build on an option below it, not on "
                    f"{option.builds_on}",
                )
            elif below != index - 1 and not option.note:
                yield (
                    (*path, "builds_on"),
                    f"option {option.key} builds on {option.builds_on}, not on the option just "
                    f"below ({rule.options[index - 1].key}); if the source says so, explain it in "
                    "`note`",
                )
        for t_index, threshold in enumerate(option.thresholds):
            t_path = (*path, "thresholds", t_index)
            if not math.isfinite(threshold.value):
                yield (*t_path, "value"), "the value must be a finite number"
            if (threshold.op is ThresholdOp.BETWEEN) != (threshold.upper is not None):
                yield (
                    (*t_path, "upper"),
                    "`upper` is required for `between` and only for `between`",
                )
            elif threshold.upper is not None and not threshold.upper > threshold.value:
                yield (*t_path, "upper"), "`upper` must be larger than `value`"
            if threshold.op in (ThresholdOp.TOP, ThresholdOp.WITHIN_LAST) and not (
                threshold.value >= 1 and float(threshold.value).is_integer()
            ):
                yield (*t_path, "value"), f"`{threshold.op.value}` needs a whole number ≥ 1"
        for industry in option.text_by_industry:
            if std.industry_types and industry not in std.industry_types:
                yield (
                    (*path, "text_by_industry", industry.value),
                    f"industry type {industry.value!r} is not one of the standard's "
                    f"{[i.value for i in std.industry_types]}",
                )


def _changes_problems(changes: EditionChanges, items: Mapping[str, Item]) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, changed in enumerate(changes.meaning_changed):
        path: Path = ("changes", "meaning_changed", index)
        item = items.get(changed.item)
        if item is None:
            yield (*path, "item"), f"unknown item {changed.item!r}"
            continue
        if changed.item in seen:
            yield (*path, "item"), f"{changed.item} is listed twice"
        seen.add(changed.item)
        keys = (
            {o.key for o in item.rule.options}
            if isinstance(item.rule, ChoiceRule | MultiRule)
            else set()
        )
        for o_index, key in enumerate(changed.options):
            if key not in keys:
                yield (*path, "options", o_index), f"{changed.item} has no option {key!r}"


def _score_band_problems(rule: TierRule) -> Iterator[Problem]:
    path: Path = ("scoring", "tier_rule", "score_bands")
    if not rule.score_bands:
        return
    if rule.kind is not TierRuleKind.MATURITY:
        yield path, "score_bands belong to a maturity tier rule"
    if rule.score_bands_provenance is None:
        yield path, "score_bands need score_bands_provenance (where the bands are stated)"
    for index, band in enumerate(rule.score_bands):
        if not band.low < band.high:
            yield (*path, index, "high"), "a band's high must be above its low"
        if index and band.level != rule.score_bands[index - 1].level + 1:
            yield (*path, index, "level"), "bands list the levels in order, one each"
        if index and band.low != rule.score_bands[index - 1].high:
            yield (*path, index, "low"), "bands must meet: each low is the previous band's high"


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
        yield (
            ("scoring", "max_total"),
            f"items add up to {total:g} points but max_total says {std.scoring.max_total:g}",
        )
    variants: dict[str, list[float]] = {}
    for item in std.items:
        if item.variant_of:
            variants.setdefault(item.variant_of, []).append(item_max_points(item.rule))
    for group, maxima in sorted(variants.items()):
        if len(set(maxima)) > 1:
            yield ("items",), f"variants of {group!r} have different maximum points {maxima}"


def _dependency_problems(std: Standard, items: dict[str, Item]) -> Iterator[Problem]:
    for index, dep in enumerate(std.dependencies):
        for side in ("when", "then"):
            condition = getattr(dep, side)
            item = items.get(condition.item)
            if item is None:
                yield ("dependencies", index, side, "item"), f"unknown item {condition.item!r}"
                continue
            rule = item.rule
            keys = (
                {o.key for o in rule.options} if isinstance(rule, ChoiceRule | MultiRule) else set()
            )
            for position, key in enumerate(condition.options):
                if key not in keys:
                    yield (
                        ("dependencies", index, side, "in", position),
                        f"item {condition.item!r} has no option {key!r}; options: {sorted(keys)}",
                    )


def _gate_problems(
    gate: Gate, path: Path, profiles: set[str], units: set[str] | None
) -> Iterator[Problem]:
    for index, profile in enumerate(gate.profiles):
        if profile not in profiles:
            yield (*path, "profiles", index), f"unknown profile {profile!r}"
    if units is not None and gate.unit is not None and gate.unit not in units:
        yield (*path, "unit"), f"unknown unit {gate.unit!r}"
    if gate.kind is GateKind.MIN_VALUE:
        if not gate.thresholds:
            yield (*path, "thresholds"), "a min_value gate needs thresholds per profile"
        for profile, by_variant in gate.thresholds.items():
            if profile not in profiles:
                yield (*path, "thresholds", profile), f"unknown profile {profile!r}"
            if "default" not in by_variant:
                yield (*path, "thresholds", profile), "thresholds need a 'default' variant"
            for variant, value in by_variant.items():
                if variant != "default" and variant not in gate.variants:
                    yield (
                        (*path, "thresholds", profile, variant),
                        f"variant {variant!r} is not declared in `variants`",
                    )
                yield from _sourced_problems(value, (*path, "thresholds", profile, variant), units)
                yield from _negative_threshold(value, (*path, "thresholds", profile, variant), gate)
    if gate.kind is GateKind.RESULT_MIN:
        if gate.standard is None or gate.metric is None or gate.minimum is None:
            yield path, "a result_min gate needs `standard`, `metric` and `minimum`"
        yield from _sourced_problems(gate.minimum, (*path, "minimum"), units)
        if gate.minimum is not None:
            yield from _negative_threshold(gate.minimum, (*path, "minimum"), gate)


def _negative_threshold(value: Sourced, path: Path, gate: Gate) -> Iterator[Problem]:
    # What a gate compares is an amount (万元, %, a level, a score): a threshold below 0 passes
    # every firm, so it is a typing error, not a requirement.
    number = _number(value)
    if number is not None and number < 0:
        unit = f" {gate.unit}" if gate.unit else ""
        yield (
            _effective_path(value, path),
            f"the threshold {number:g}{unit} is negative; a {gate.kind.value} gate compares an "
            "amount of 0 or more",
        )


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
        yield (*path, "mandatory_share"), "an item_share rule needs `mandatory_share`"
    if rule.kind is TierRuleKind.MATURITY and rule.pass_threshold is None:
        yield (*path, "pass_threshold"), "a maturity rule needs `pass_threshold`"
    for index, band in enumerate(rule.bands):
        if band.tier not in tiers:
            yield (*path, "bands", index, "tier"), f"unknown tier {band.tier!r}"
    if rule.kind in (TierRuleKind.ITEM_SHARE, TierRuleKind.MATURITY) and not std.tiers:
        yield (*path,), "a tier rule needs `tiers`"


def check_crosswalk(cw: Crosswalk, standards: dict[str, Standard]) -> list[Problem]:
    problems: list[Problem] = []
    source = standards.get(cw.source)
    target = standards.get(cw.target)
    if source is None:
        problems.append(
            (("source",), f"unknown standard {cw.source!r}; known: {sorted(standards)}")
        )
    if target is None:
        problems.append(
            (("target",), f"unknown standard {cw.target!r}; known: {sorted(standards)}")
        )
    if source is None or target is None:
        return problems
    source_ids = {i.id for i in source.items} | {i.variant_of for i in source.items if i.variant_of}
    target_ids = {n.id for n in target.nodes} | {i.id for i in target.items}
    for index, link in enumerate(cw.links):
        if link.source_item not in source_ids:
            problems.append(
                (("links", index, "source_item"), f"{cw.source} has no item {link.source_item!r}")
            )
        if link.target not in target_ids:
            problems.append(
                (("links", index, "target"), f"{cw.target} has no node or item {link.target!r}")
            )
    return problems
