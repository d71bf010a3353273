"""A firm's answers: parsed and checked against a standard before anything is scored.

Owns the answer values (`AnswerSet`, `Measure`, `NotApplicable`, `GateAnswer`), `parse_answers`
with its `AnswerError`, the canonical form of an answer set (hashed, plainly, into the receipt:
`sha256(canonical_json(answers.canonical()))`) and the JSON form of one answer in a trace.
Every problem names the item (or gate) and what was expected, and all problems are reported
together. Nothing here reads files or keeps state: callers pass plain data (parsed YAML/JSON).
Imports only standards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from standards.canonical import canonical_json, sha256_of
from standards.models import (
    ChoiceRule,
    Direction,
    GateKind,
    IndustryType,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    Standard,
    YesNoRule,
)
from standards.problems import Loc, Problem, ProblemsError


class AnswerError(ProblemsError, ValueError):
    """Answers that do not fit the standard; `problems` names each item and what was expected."""


@dataclass(frozen=True)
class Measure:
    value: float | None  # None: to be computed from carbon accounting (`derived_from`)
    baseline: float | None = None
    leading: float | None = None
    weight: float | None = None


@dataclass(frozen=True)
class NotApplicable:
    reason: str


AnswerValue = str | tuple[str, ...] | bool | tuple[Measure, ...] | NotApplicable


@dataclass(frozen=True)
class GateAnswer:
    value: bool | float
    variant: str = "default"


@dataclass(frozen=True)
class AnswerSet:
    """Validated answers. `answers` maps item id → normalised value."""

    standard: str
    edition: str | None
    profile: str
    industry_type: IndustryType | None
    answers: Mapping[str, AnswerValue]
    gates: Mapping[str, GateAnswer] = field(default_factory=dict)
    related: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def canonical(self) -> dict[str, Any]:
        """A JSON-ready, order-independent form (hashed into the receipt)."""
        return {
            "answers": {k: _canonical_value(v) for k, v in sorted(self.answers.items())},
            "edition": self.edition,
            "gates": {k: _canonical_gate(g) for k, g in sorted(self.gates.items())},
            "industry_type": self.industry_type.value if self.industry_type else None,
            "profile": self.profile,
            "related": {k: dict(sorted(v.items())) for k, v in sorted(self.related.items())},
            "standard": self.standard,
        }

    def canonical_json(self) -> str:
        """`canonical_json(self.canonical())`: sorted keys, no whitespace, UTF-8."""
        return canonical_json(self.canonical())

    def sha256(self) -> str:
        """SHA-256 of the canonical JSON: the answers' fingerprint in every receipt."""
        return sha256_of(self.canonical())


def _canonical_gate(gate: GateAnswer) -> dict[str, Any]:
    return {"value": gate.value, "variant": gate.variant}


def _canonical_value(value: AnswerValue) -> Any:
    if type(value) is str or type(value) is bool:
        return value
    if isinstance(value, NotApplicable):
        return {"na": True, "reason": value.reason}
    if isinstance(value, tuple) and value and isinstance(value[0], Measure):
        return [
            {k: v for k, v in vars(m).items() if v is not None}
            for m in value
            if isinstance(m, Measure)
        ]
    if isinstance(value, tuple):
        return sorted(str(v) for v in value)
    return value


def answer_json(answer: AnswerValue | float | None) -> object:
    """An answer as a result shows it (item traces, gaps, upgrades)."""
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


TOP_LEVEL_KEYS = (
    "firm",
    "standard",
    "edition",
    "profile",
    "industry_type",
    "answers",
    "gates",
    "related_results",
)


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    number = float(raw)
    return number if math.isfinite(number) else None


def parse_answers(
    data: Mapping[str, Any],
    standard: Standard,
    scales: Mapping[str, Scale] | None = None,
    *,
    profile: str | None = None,
) -> AnswerSet:
    """Check raw answers (from YAML/JSON) against `standard`; raise AnswerError listing every problem."""
    problems: list[Problem] = []
    unknown = sorted(str(k) for k in data if k not in TOP_LEVEL_KEYS)
    if unknown:
        problems.append(
            Problem((), "answers.unknown_fields", {"fields": unknown, "expected": TOP_LEVEL_KEYS})
        )
    std_id = data.get("standard")
    if std_id is not None and std_id != standard.id:
        problems.append(
            Problem(("standard",), "answers.other_standard", {"given": std_id, "id": standard.id})
        )
    edition = data.get("edition")
    if edition is not None and str(edition) != standard.edition:
        problems.append(
            Problem(
                ("edition",), "answers.other_edition",
                {"given": edition, "edition": standard.edition},
            )
        )  # fmt: skip
    profiles = {p.id for p in standard.profiles}
    chosen = (
        profile or data.get("profile") or (standard.profiles[0].id if len(profiles) == 1 else None)
    )
    if chosen is None:
        problems.append(Problem(("profile",), "answers.no_profile", {"expected": sorted(profiles)}))
    elif chosen not in profiles:
        problems.append(
            Problem(
                ("profile",), "answers.unknown_profile",
                {"given": chosen, "expected": sorted(profiles)},
            )
        )  # fmt: skip
    industry: IndustryType | None = None
    raw_industry = data.get("industry_type")
    if raw_industry is not None:
        try:
            industry = IndustryType(raw_industry)
        except ValueError:
            problems.append(
                Problem(
                    ("industry_type",), "answers.unknown_industry_type", {"given": raw_industry}
                )
            )
    elif any(i.industry for i in standard.items):
        problems.append(Problem(("industry_type",), "answers.no_industry_type"))

    raw_answers = data.get("answers", {})
    if raw_answers is None:
        raw_answers = {}
    if not isinstance(raw_answers, Mapping):
        problems.append(Problem(("answers",), "answers.not_a_mapping"))
        raw_answers = {}
    items = {i.id: i for i in standard.items}
    na_policy = str(standard.scoring.not_applicable.effective or "renormalise")
    answers: dict[str, AnswerValue] = {}
    for key, raw in raw_answers.items():
        item = items.get(str(key))
        if item is None:
            near = _suggest(str(key), items)
            problems.append(
                Problem(("answers", str(key)), "answers.unknown_item", {"near": near})
                if near
                else Problem(("answers", str(key)), "answers.unknown_item_no_hint")
            )
            continue
        if industry is not None and item.industry is not None and item.industry != industry:
            problems.append(
                Problem(
                    ("answers", str(key)), "answers.other_industry",
                    {"item_industry": item.industry.value, "firm_industry": industry.value},
                )
            )  # fmt: skip
            continue
        value = _parse_value(item, raw, scales or {}, na_policy, problems)
        if value is not None:
            answers[item.id] = value

    gates = _parse_gates(data.get("gates") or {}, standard, problems)
    related = _parse_related(data.get("related_results") or {}, problems)
    if problems or chosen is None:
        raise AnswerError(
            problems or [Problem(("profile",), "answers.no_profile", {"expected": []})]
        )
    return AnswerSet(
        standard=standard.id,
        edition=standard.edition,
        profile=chosen,
        industry_type=industry,
        answers=answers,
        gates=gates,
        related=related,
    )


def _suggest(key: str, items: Mapping[str, Item]) -> list[str]:
    """Item ids with the same number, for a key that is not an item (`FF-1` → FF-001)."""
    digits = "".join(c for c in key if c.isdigit())
    return [i for i in items if digits and i.rstrip("-DP").endswith(digits.zfill(3))]


def _parse_value(
    item: Item, raw: Any, scales: Mapping[str, Scale], na_policy: str, problems: list[Problem]
) -> AnswerValue | None:
    where: Loc = ("answers", item.id)
    if isinstance(raw, Mapping) and raw.get("na") is True:
        if na_policy == "forbidden":
            problems.append(Problem(where, "answers.na_forbidden"))
            return None
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            problems.append(Problem(where, "answers.na_without_reason"))
            return None
        return NotApplicable(reason.strip())
    rule = item.rule
    if isinstance(rule, ChoiceRule):
        keys = [o.key for o in rule.options]
        if not isinstance(raw, str) or raw not in keys:
            problems.append(Problem(where, "answers.not_an_option", {"given": raw, "keys": keys}))
            return None
        return raw
    if isinstance(rule, MultiRule):
        keys = [o.key for o in rule.options]
        ticked = [raw] if isinstance(raw, str) else raw
        if not isinstance(ticked, list) or not all(isinstance(k, str) for k in ticked):
            problems.append(Problem(where, "answers.not_a_key_list", {"keys": keys}))
            return None
        unknown = [k for k in ticked if k not in keys]
        if unknown:
            problems.append(Problem(where, "answers.not_options", {"given": unknown, "keys": keys}))
            return None
        if len(set(ticked)) != len(ticked):
            problems.append(Problem(where, "answers.ticked_twice"))
            return None
        exclusive = [k for k in ticked if k in rule.exclusive]
        if exclusive and len(ticked) > 1:
            problems.append(Problem(where, "answers.exclusive_with_others", {"key": exclusive[0]}))
            return None
        return tuple(sorted(ticked))
    if isinstance(rule, YesNoRule):
        if not isinstance(raw, bool):
            problems.append(Problem(where, "answers.not_yes_no", {"given": raw}))
            return None
        return raw
    if isinstance(rule, SatisfactionRule):
        scale = scales.get(rule.scale)
        grades = [g.key for g in scale.grades] if scale else []
        if not isinstance(raw, str) or (scale is not None and raw not in grades):
            problems.append(
                Problem(
                    where, "answers.not_a_grade",
                    {"given": raw, "scale": rule.scale, "grades": grades},
                )
            )  # fmt: skip
            return None
        return raw
    return _parse_measures(item, rule, raw, where, problems)


def _parse_measures(
    item: Item, rule: QuantityRule, raw: Any, where: Loc, problems: list[Problem]
) -> tuple[Measure, ...] | None:
    entries: list[Any]
    if isinstance(raw, Mapping) and "products" in raw:
        if not rule.weighted:
            problems.append(Problem(where, "answers.one_value_only"))
            return None
        entries = list(raw["products"]) if isinstance(raw["products"], list) else []
        if not entries:
            problems.append(Problem(where, "answers.no_products"))
            return None
    else:
        entries = [raw]
    measures: list[Measure] = []
    for position, entry in enumerate(entries):
        here: Loc = where if len(entries) == 1 else (*where, "products", position)
        if isinstance(entry, Mapping):
            unknown = sorted(set(entry) - {"value", "baseline", "leading", "weight", "name"})
            if unknown:
                problems.append(
                    Problem(here, "answers.unknown_measure_fields", {"fields": unknown})
                )
                return None
            value = _number(entry.get("value"))
            fields = {k: _number(entry.get(k)) for k in ("baseline", "leading", "weight")}
            for name in ("baseline", "leading", "weight"):
                if entry.get(name) is not None and fields[name] is None:
                    problems.append(
                        Problem((*here, name), "answers.not_a_number", {"given": entry.get(name)})
                    )
                    return None
        else:
            value = _number(entry)
            fields = {"baseline": None, "leading": None, "weight": None}
        if value is None and not (
            rule.derived_from and isinstance(entry, Mapping) and entry.get("value") is None
        ):
            problems.append(
                Problem(here, "answers.not_a_quantity", {"unit": rule.unit, "given": entry})
            )
            return None
        if value is not None and rule.minimum is not None and value < rule.minimum:
            problems.append(
                Problem(
                    here, "answers.below_minimum",
                    {"value": value, "unit": rule.unit, "minimum": rule.minimum},
                )
            )  # fmt: skip
            return None
        if value is not None and rule.maximum is not None and value > rule.maximum:
            problems.append(
                Problem(
                    here, "answers.above_maximum",
                    {"value": value, "unit": rule.unit, "maximum": rule.maximum},
                )
            )  # fmt: skip
            return None
        if len(entries) > 1 and (fields["weight"] is None or fields["weight"] <= 0):
            problems.append(Problem((*here, "weight"), "answers.no_weight"))
            return None
        sector = _sector_problem(rule, here, fields["baseline"], fields["leading"])
        if sector is not None:
            problems.append(sector)
            return None
        measures.append(Measure(value, fields["baseline"], fields["leading"], fields["weight"]))
    return tuple(measures)


def _standard_value(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _sector_problem(
    rule: QuantityRule, here: Loc, baseline: float | None, leading: float | None
) -> Problem | None:
    """Sector values that could not score honestly: outside the physical range, equal (no line
    to score along) or the wrong way round for the direction (a value worse than the baseline
    would earn points)."""
    unit = rule.unit
    for name, given in (("baseline", baseline), ("leading", leading)):
        if given is not None and rule.minimum is not None and given < rule.minimum:
            return Problem(
                here, f"answers.{name}_below_minimum",
                {"given": given, "unit": unit, "minimum": rule.minimum},
            )  # fmt: skip
        if given is not None and rule.maximum is not None and given > rule.maximum:
            return Problem(
                here, f"answers.{name}_above_maximum",
                {"given": given, "unit": unit, "maximum": rule.maximum},
            )  # fmt: skip
    base = (
        baseline
        if baseline is not None
        else _standard_value(rule.baseline.effective if rule.baseline else None)
    )
    lead = (
        leading
        if leading is not None
        else _standard_value(rule.leading.effective if rule.leading else None)
    )
    if base is None or lead is None:
        return None  # scored 0 with a note asking for the sector values
    values = {"baseline": base, "leading": lead, "unit": unit}
    if base == lead:
        return Problem(here, "answers.sector_values_equal", values)
    if not math.isfinite(lead - base):
        return Problem(here, "answers.sector_values_too_far_apart", values)
    if rule.direction is Direction.NEGATIVE and lead > base:
        return Problem(here, "answers.leading_not_below_baseline", values)
    if rule.direction is Direction.POSITIVE and lead < base:
        return Problem(here, "answers.leading_not_above_baseline", values)
    return None


def _parse_gates(raw: Any, standard: Standard, problems: list[Problem]) -> dict[str, GateAnswer]:
    if not isinstance(raw, Mapping):
        problems.append(Problem(("gates",), "answers.gates_not_a_mapping"))
        return {}
    gates = {g.id: g for g in standard.gates}
    parsed: dict[str, GateAnswer] = {}
    for key, value in raw.items():
        gate = gates.get(str(key))
        if gate is None:
            problems.append(
                Problem(("gates", str(key)), "answers.unknown_gate", {"expected": sorted(gates)})
            )
            continue
        where: Loc = ("gates", gate.id)
        if gate.kind is GateKind.DECLARATION:
            if not isinstance(value, bool):
                problems.append(Problem(where, "answers.not_yes_no", {"given": value}))
                continue
            parsed[gate.id] = GateAnswer(value)
        elif gate.kind is GateKind.MIN_VALUE:
            variant = "default"
            number = _number(value)
            if isinstance(value, Mapping):
                number = _number(value.get("value"))
                variant = str(value.get("variant") or "default")
            if number is None:
                problems.append(
                    Problem(where, "answers.gate_not_a_number", {"unit": gate.unit, "given": value})
                    if gate.unit
                    else Problem(where, "answers.gate_not_a_number_no_unit", {"given": value})
                )
                continue
            if variant != "default" and variant not in gate.variants:
                problems.append(
                    Problem(
                        (*where, "variant"), "answers.unknown_variant",
                        {"given": variant, "expected": ["default", *gate.variants]},
                    )
                )  # fmt: skip
                continue
            if number < 0:
                # Every min_value gate measures an amount (万元, %, a level): none is below 0.
                unit = f" {gate.unit}" if gate.unit else ""
                problems.append(
                    Problem(where, "answers.gate_negative", {"value": number, "unit": unit})
                )
                continue
            parsed[gate.id] = GateAnswer(number, variant)
        else:
            problems.append(Problem(where, "answers.gate_computed"))
    return parsed


def _parse_related(raw: Any, problems: list[Problem]) -> dict[str, dict[str, float]]:
    if not isinstance(raw, Mapping):
        problems.append(Problem(("related_results",), "answers.related_not_a_mapping"))
        return {}
    related: dict[str, dict[str, float]] = {}
    for std_id, metrics in raw.items():
        if not isinstance(metrics, Mapping):
            problems.append(
                Problem(("related_results", str(std_id)), "answers.related_metrics_not_a_mapping")
            )
            continue
        values: dict[str, float] = {}
        for metric, value in metrics.items():
            number = _number(value)
            if number is None:
                problems.append(
                    Problem(
                        ("related_results", str(std_id), str(metric)), "answers.not_a_number",
                        {"given": value},
                    )
                )  # fmt: skip
                continue
            values[str(metric)] = number
        related[str(std_id)] = values
    return related
