"""The result records: plain frozen dataclasses that turn into deterministic JSON and back.

Owns `Result` and its parts (item traces, node and level scores, gate outcomes, violations, gaps,
the path to the next tier, flags, the receipt, derived views), `ENGINE_VERSION` and `rounded`, the
one rounding of figures for output. `Result.to_dict` / `Result.from_dict` are an exact round trip.
Imports nothing from the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

ENGINE_VERSION = "0.1.0"


def rounded(value: float) -> float:
    """Round for output so float noise (1.67 + 3.33 = 5.000000001) never reaches a receipt."""
    result = round(value, 4)
    return 0.0 if result == 0 else result


@dataclass(frozen=True)
class ItemTrace:
    id: str
    node: str
    status: str  # scored | missing | skipped | not_applicable | na
    answer: Any
    points: float
    max_points: float
    rule: str
    meets_tier: str | None = None
    applicability: str = "mandatory"
    note: str | None = None


@dataclass(frozen=True)
class NodeScore:
    id: str
    level: str
    points: float
    max_points: float
    percent: float | None


@dataclass(frozen=True)
class LevelScore:
    level: int
    score: float | None
    passed: bool
    subdomains: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class GateOutcome:
    id: str
    passed: bool | None
    clause: str
    message: str
    veto: bool
    label: str


@dataclass(frozen=True)
class Violation:
    id: str
    item: str
    message: str


@dataclass(frozen=True)
class Gap:
    item: str
    points_lost: float
    answer: Any
    best: str | None


@dataclass(frozen=True)
class Upgrade:
    item: str
    current: Any
    to: str
    points_gain: float
    effort: int


@dataclass(frozen=True)
class NextTier:
    tier: str
    reachable: bool
    upgrades: list[Upgrade]
    total_effort: int
    message: str


@dataclass(frozen=True)
class Flag:
    what: str
    label: str
    note: str


@dataclass(frozen=True)
class Receipt:
    standard_id: str
    edition: str
    standard_sha256: str
    answers_sha256: str
    engine_version: str


@dataclass(frozen=True)
class DerivedNode:
    id: str
    name_zh: str
    name_en: str
    points: float
    max_points: float
    percent: float | None
    items: list[str]


@dataclass(frozen=True)
class DerivedView:
    standard: str
    crosswalk: str
    label: str
    note: str
    nodes: list[DerivedNode]


@dataclass(frozen=True)
class Result:
    standard_id: str
    edition: str
    standard_sha256: str
    profile: str
    industry_type: str | None
    method: str
    total: float
    max_total: float
    percent: float | None
    complete: bool
    missing: list[str]
    tier: str | None
    tier_rank: int | None
    level: int | None
    maturity_score: float | None
    levels: list[LevelScore]
    eligible: bool | None
    gates: list[GateOutcome]
    nodes: list[NodeScore]
    items: list[ItemTrace]
    violations: list[Violation]
    gaps: list[Gap]
    next_tier: NextTier | None
    flags: list[Flag]
    receipt: Receipt
    derived: list[DerivedView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["standard"] = {
            "id": data.pop("standard_id"),
            "edition": data.pop("edition"),
            "sha256": data.pop("standard_sha256"),
        }
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        """The result `to_dict` gave (e.g. as stored with a submission): an exact round trip, so
        `from_dict(d).to_dict() == d` and receipts computed from either agree.

        Raises ValueError naming the field when `data` is not such a dict (a summary, say)."""
        values = dict(data)
        standard = values.pop("standard", None)
        if not isinstance(standard, Mapping):
            raise ValueError("result: `standard` (id, edition, sha256) is missing")
        values["standard_id"] = standard.get("id")
        values["edition"] = standard.get("edition")
        values["standard_sha256"] = standard.get("sha256")
        nested: dict[str, Any] = {
            "levels": [_build(LevelScore, x, "levels") for x in values.get("levels") or []],
            "gates": [_build(GateOutcome, x, "gates") for x in values.get("gates") or []],
            "nodes": [_build(NodeScore, x, "nodes") for x in values.get("nodes") or []],
            "items": [_build(ItemTrace, x, "items") for x in values.get("items") or []],
            "violations": [
                _build(Violation, x, "violations") for x in values.get("violations") or []
            ],
            "gaps": [_build(Gap, x, "gaps") for x in values.get("gaps") or []],
            "flags": [_build(Flag, x, "flags") for x in values.get("flags") or []],
            "receipt": _build(Receipt, values.get("receipt"), "receipt"),
            "derived": [_derived(x) for x in values.get("derived") or []],
        }
        next_tier = values.get("next_tier")
        if next_tier is not None:
            step = dict(_mapping(next_tier, "next_tier"))
            step["upgrades"] = [
                _build(Upgrade, u, "next_tier.upgrades") for u in step.get("upgrades") or []
            ]
            nested["next_tier"] = _build(NextTier, step, "next_tier")
        values.update(nested)
        return _build(cls, values, "result")


_T = TypeVar("_T")


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _build(kind: type[_T], value: Any, where: str) -> _T:
    data = _mapping(value, where)
    names = {f.name for f in fields(kind)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}")
    try:
        return kind(**data)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _derived(value: Any) -> DerivedView:
    data = dict(_mapping(value, "derived"))
    data["nodes"] = [_build(DerivedNode, n, "derived.nodes") for n in data.get("nodes") or []]
    return _build(DerivedView, data, "derived")
