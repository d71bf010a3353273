"""The compiled plan of a standard, and the only cache in the scoring core.

A `Plan` is what the engine reads instead of walking the standard's models for every firm: per
item its maximum, ancestors, option points and tier ranks, effort and rule text; per profile and
industry type the applicability of every item (from `scoring.applicability`); the tier and node
tables; the flags every result carries. It is made once, by `compile_standard`, and never changes
afterwards: every table is a tuple or a read-only mapping, and nothing is added while scoring.

The cache, the only state the core keeps between calls:

* **plans by content**: at most `PLAN_LIMIT` plans, keyed by the SHA-256 of the standard's
  canonical JSON (the `standard_sha256` of every receipt), least recently used dropped first. Two
  standard objects with the same content (a library file and a stored snapshot of it) share one
  plan.
* **fingerprints by object**: that SHA-256 takes about 10 ms to compute for the future-factory
  standard, twice the time budget of scoring one firm, so the digest of each standard object is
  remembered (a `Standard` is a frozen model: its content cannot change). At most
  `FINGERPRINT_LIMIT` entries; each holds a weak reference, so the memo never keeps a standard
  alive, and a new object at a recycled address is never taken for the old one.

`cached_plans()` lists the cached digests and `clear_plans()` empties both tables (a freshly
compiled plan gives the same results byte for byte; the property tests check it). Imports only
standards, `scoring.applicability` and `scoring.result`.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from scoring.applicability import item_applicability
from scoring.result import Flag
from standards.checks import item_max_points
from standards.models import (
    Applicability,
    ChoiceRule,
    IndustryType,
    Item,
    MultiRule,
    QuantityRule,
    Standard,
    YesNoRule,
)

NO_TIER = 0  # the rank of "meets no tier"
PLAN_LIMIT = 16
FINGERPRINT_LIMIT = 256


def as_number(value: object) -> float | None:
    """A configured value as a float; None when it is not a number (NOT FOUND, a word, a bool)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """One item, compiled."""

    item: Item
    index: int  # position in the standard (and in every list of outcomes)
    max_points: float
    ancestors: tuple[str, ...]  # its node and every node above it
    option_points: Mapping[str, float]  # choice and multi-select items
    option_rank: Mapping[str, int]  # the rank of the tier each option meets (NO_TIER: none)
    option_order: tuple[str, ...]
    option_index: Mapping[str, int]
    effort: int
    rule_text: str
    tiered: bool  # whether an answer can meet a tier (options or yes carry tier tags)
    yes_rank: int  # yes/no items: the rank of the tier "yes" meets


@dataclass(frozen=True, slots=True)
class View:
    """The items as a firm of one profile and industry type sees them."""

    applicability: tuple[Applicability, ...]  # per item; NOT_APPLICABLE for the other industry
    mandatory_tiered: tuple[int, ...]  # indices of the mandatory items that can meet a tier


@dataclass(frozen=True, slots=True)
class Plan:
    """A standard, compiled. Immutable: built whole by `compile_standard`, never changed."""

    standard: Standard
    sha256: str
    items: tuple[ItemPlan, ...]
    by_id: Mapping[str, ItemPlan]
    views: Mapping[tuple[str, IndustryType | None], View]
    tier_rank: Mapping[str, int]
    tier_by_rank: Mapping[int, str]
    tier_ranks: tuple[int, ...]  # ascending
    tier_profile: Mapping[int, str | None]  # the profile that aims at each tier
    node_level: Mapping[str, str]
    node_order: tuple[str, ...]
    node_weights: Mapping[str, float]  # declared weights, when the standard uses them
    static_flags: tuple[Flag, ...]
    na_policy: str
    mandatory_share: float
    min_percent: float | None

    def view(self, profile: str, industry: IndustryType | None) -> View:
        return self.views[profile, industry]


# --- the cache ------------------------------------------------------------------------------------

_lock = threading.Lock()
_plans: OrderedDict[str, Plan] = OrderedDict()
_fingerprints: OrderedDict[int, tuple[weakref.ref[Standard], str]] = OrderedDict()


def fingerprint(standard: Standard) -> str:
    """The SHA-256 of the standard's canonical JSON, computed once per standard object."""
    key = id(standard)
    with _lock:
        known = _fingerprints.get(key)
        if known is not None and known[0]() is standard:
            return known[1]
    digest = standard.sha256
    with _lock:
        _fingerprints[key] = (weakref.ref(standard), digest)
        _fingerprints.move_to_end(key)
        while len(_fingerprints) > FINGERPRINT_LIMIT:
            _fingerprints.popitem(last=False)
    return digest


def compile_standard(standard: Standard) -> Plan:
    """The plan of `standard`: from the cache when a standard of the same content was compiled."""
    digest = fingerprint(standard)
    with _lock:
        plan = _plans.get(digest)
        if plan is not None:
            _plans.move_to_end(digest)
            return plan
    built = _build(standard, digest)  # outside the lock: two threads may both build; equal plans
    with _lock:
        plan = _plans.setdefault(digest, built)
        _plans.move_to_end(digest)
        while len(_plans) > PLAN_LIMIT:
            _plans.popitem(last=False)
    return plan


def cached_plans() -> tuple[str, ...]:
    """The SHA-256 of every cached plan's standard, least recently used first."""
    with _lock:
        return tuple(_plans)


def clear_plans() -> None:
    """Forget every plan and fingerprint: the next call compiles afresh."""
    with _lock:
        _plans.clear()
        _fingerprints.clear()


# --- compiling ------------------------------------------------------------------------------------


def _build(std: Standard, digest: str) -> Plan:
    parents = {n.id: n.parent for n in std.nodes}
    tier_rank = {t.id: t.rank for t in std.tiers}
    items = tuple(
        _item_plan(std, index, item, parents, tier_rank) for index, item in enumerate(std.items)
    )
    industries: tuple[IndustryType | None, ...] = (None, *IndustryType)
    views = {
        (profile.id, industry): _view(std, items, profile.id, industry)
        for profile in std.profiles
        for industry in industries
    }
    rule = std.scoring.tier_rule
    share = as_number(rule.mandatory_share.effective) if rule and rule.mandatory_share else None
    min_percent = as_number(rule.min_percent.effective) if rule and rule.min_percent else None
    return Plan(
        standard=std,
        sha256=digest,
        items=items,
        by_id=MappingProxyType({p.item.id: p for p in items}),
        views=MappingProxyType(views),
        tier_rank=MappingProxyType(tier_rank),
        tier_by_rank=MappingProxyType({t.rank: t.id for t in std.tiers}),
        tier_ranks=tuple(sorted(t.rank for t in std.tiers)),
        tier_profile=MappingProxyType(
            {t.rank: next((p.id for p in std.profiles if p.tier == t.id), None) for t in std.tiers}
        ),
        node_level=MappingProxyType({n.id: n.level.value for n in std.nodes}),
        node_order=tuple(n.id for n in std.nodes),
        node_weights=MappingProxyType(_node_weights(std)),
        static_flags=tuple(_static_flags(std)),
        na_policy=str(std.scoring.not_applicable.effective or "renormalise"),
        mandatory_share=1.0 if share is None else share,
        min_percent=min_percent,
    )


def _item_plan(
    std: Standard,
    index: int,
    item: Item,
    parents: Mapping[str, str | None],
    tier_rank: Mapping[str, int],
) -> ItemPlan:
    chain: list[str] = []
    node: str | None = item.node
    while node is not None and node not in chain:
        chain.append(node)
        node = parents.get(node)
    rule = item.rule
    points: dict[str, float] = {}
    rank: dict[str, int] = {}
    order: tuple[str, ...] = ()
    if isinstance(rule, ChoiceRule | MultiRule):
        points = {o.key: o.points for o in rule.options}
        rank = {o.key: tier_rank.get(o.tier, NO_TIER) if o.tier else NO_TIER for o in rule.options}
        order = tuple(o.key for o in rule.options)
    yes_rank = NO_TIER
    if isinstance(rule, YesNoRule) and rule.tier:
        yes_rank = tier_rank.get(rule.tier, NO_TIER)
    return ItemPlan(
        item=item,
        index=index,
        max_points=item_max_points(rule),
        ancestors=tuple(chain),
        option_points=MappingProxyType(points),
        option_rank=MappingProxyType(rank),
        option_order=order,
        option_index=MappingProxyType({key: position for position, key in enumerate(order)}),
        effort=item.effort or 1,
        rule_text=_rule_text(item),
        tiered=any(rank.values()) or (isinstance(rule, YesNoRule) and rule.tier is not None),
        yes_rank=yes_rank,
    )


def _view(
    std: Standard, items: tuple[ItemPlan, ...], profile: str, industry: IndustryType | None
) -> View:
    applicability = tuple(
        item_applicability(std, p.item, profile, industry) or Applicability.NOT_APPLICABLE
        for p in items
    )
    mandatory = tuple(
        p.index for p in items if p.tiered and applicability[p.index] is Applicability.MANDATORY
    )
    return View(applicability, mandatory)


def _node_weights(std: Standard) -> dict[str, float]:
    setting = std.scoring.node_weights
    if setting is None or setting.effective != "declared":
        return {}
    return {
        n.id: float(w)
        for n in std.nodes
        if n.weight and isinstance((w := n.weight.effective), int | float)
    }


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
    """The unofficial encodings every result against this standard rests on."""
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
