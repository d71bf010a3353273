"""The scoring result: plain frozen records that turn into deterministic JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

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
