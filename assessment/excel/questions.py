"""Which items, gates and activity rows a workbook holds, and how each is worded and answered.

Shared by the template writer, the exporter and the importer, so that what is written is exactly
what is read back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessment.excel.layout import APPLICABILITY_NAMES, NO, YES
from scoring.applicability import gate_applies, item_applicability
from scoring.carbon import GREEN_KEY, PROCESS_KEY, units_for
from standards.factors import FactorLibrary
from standards.models import (
    Applicability,
    ChoiceRule,
    Gate,
    GateKind,
    Item,
    MultiRule,
    Node,
    NodeLevel,
    QuantityRule,
    SatisfactionRule,
    Scale,
    Standard,
    YesNoRule,
)

LANGS = ("zh", "en")


def applicability(standard: Standard, item: Item, profile: str) -> Applicability:
    """The item's applicability for the profile (the industry type aside)."""
    found = item_applicability(standard, item, profile, None)
    return Applicability.NOT_APPLICABLE if found is None else found


def included_items(
    standard: Standard,
    profile: str | None,
    industry: str | None,
    always: frozenset[str] = frozenset(),
) -> list[Item]:
    """The items a firm of `industry` answers for `profile` (all when not given), plus `always`."""
    chosen = []
    for item in standard.items:
        if item.id in always:
            chosen.append(item)
            continue
        found = item_applicability(standard, item, profile or "", industry or None)
        if found is None or (profile and found is Applicability.NOT_APPLICABLE):
            continue
        chosen.append(item)
    return chosen


def element_of(standard: Standard, node_id: str) -> Node | None:
    nodes = {n.id: n for n in standard.nodes}
    node = nodes.get(node_id)
    while node is not None and node.parent is not None and node.level is not NodeLevel.ELEMENT:
        node = nodes.get(node.parent)
    return node


def node_path(standard: Standard, node_id: str, lang: str) -> str:
    """The item's node and its parents below the element, e.g. "技术支撑 › 新一代信息技术"."""
    nodes = {n.id: n for n in standard.nodes}
    names: list[str] = []
    node = nodes.get(node_id)
    while node is not None and node.level is not NodeLevel.ELEMENT:
        names.append(node.name.get(lang))
        node = nodes.get(node.parent) if node.parent else None
    return " › ".join(reversed(names))


def title_of(item: Item, industry: str | None, lang: str) -> str:
    for kind, text in item.text_by_industry.items():
        if kind.value == industry:
            return text.get(lang)
    return item.title.get(lang)


def number_of(item: Item) -> str:
    if item.number:
        return item.number
    return f"L{item.level}" if item.level else ""


def na_allowed(standard: Standard) -> bool:
    return str(standard.scoring.not_applicable.effective or "renormalise") != "forbidden"


def yes_no_labels(lang: str) -> tuple[str, str]:
    index = 1 if lang == "en" else 0
    return YES[index], NO[index]


def grade_label(scale: Scale, key: str, lang: str) -> str:
    for grade in scale.grades:
        if grade.key == key:
            return grade.text.get(lang)
    return key


def options_text(
    item: Item, scales: Mapping[str, Scale], lang: str, industry: str | None = None
) -> str:
    """The descriptors: option key → what must be true (or the guidance for other rules).

    A descriptor is the one for the firm's industry type; an option's numeric criteria follow it
    as a checklist (☐ …), so a printed workbook can be ticked off against evidence.
    """
    rule = item.rule
    if isinstance(rule, ChoiceRule | MultiRule):
        lines = []
        for o in rule.options:
            lines.append(f"{o.key}　{o.text_for(industry).get(lang)}")
            lines += [f"　　☐ {t.describe(lang)}" for t in o.thresholds]
        if isinstance(rule, MultiRule) and rule.exclusive:
            alone = ", ".join(rule.exclusive)
            lines.append(
                f"（{alone} 不可与其他选项同时选择）"
                if lang == "zh"
                else f"({alone} cannot be ticked with other options)"
            )
        return "\n".join(lines)
    if isinstance(rule, SatisfactionRule):
        scale = scales.get(rule.scale)
        if scale is None:
            return ""
        return "\n".join(f"{g.text.get(lang)}（{g.key}）" for g in scale.grades)
    help_text = item.help.get(lang) if item.help else ""
    if isinstance(rule, QuantityRule):
        extra = []
        if rule.derived_from:
            extra.append(
                "可由“碳排放活动数据”工作表计算：填写该表时本题数值可留空。"
                if lang == "zh"
                else "Computed from the activity-data sheet: with energy data there, the value "
                "may be left blank."
            )
        if rule.weighted:
            extra.append(
                "多个产品：在“多产品”工作表逐个填写数值与权重，本行留空。"
                if lang == "zh"
                else "Several products: give each with its weight on the Products sheet and "
                "leave this row blank."
            )
        return "\n".join(t for t in (help_text, *extra) if t)
    return help_text


def _key_range(keys: list[str]) -> str:
    return f"{keys[0]}–{keys[-1]}" if len(keys) > 2 else " / ".join(keys)


def how_text(item: Item, scales: Mapping[str, Scale]) -> str:
    """How to answer, Chinese first and English on the next line."""
    rule = item.rule
    if isinstance(rule, ChoiceRule):
        keys = _key_range([o.key for o in rule.options])
        return f"单选：{keys} 中选一项\nOne of {keys}"
    if isinstance(rule, MultiRule):
        return "多选：用 | 或 , 分隔，如 A|C\nSeveral keys separated by | or , e.g. A|C"
    if isinstance(rule, YesNoRule):
        return "下拉选择 是 / 否\nYes or No"
    if isinstance(rule, SatisfactionRule):
        return "下拉选择满足程度\nPick a grade from the list"
    bounds = ""
    if rule.minimum is not None and rule.maximum is not None:
        bounds = f"（{rule.minimum:g}–{rule.maximum:g}）"
    elif rule.minimum is not None:
        bounds = f"（≥ {rule.minimum:g}）"
    elif rule.maximum is not None:
        bounds = f"（≤ {rule.maximum:g}）"
    direction = "越小越好" if rule.direction.value == "negative" else "越大越好"
    direction_en = "smaller is better" if rule.direction.value == "negative" else "larger is better"
    return f"数值，单位 {rule.unit}{bounds}；{direction}\nA number in {rule.unit}; {direction_en}"


def applicability_text(standard: Standard, item: Item, profile: str | None) -> str:
    if profile:
        zh, en = APPLICABILITY_NAMES[applicability(standard, item, profile).value]
        return f"{zh} {en}"
    parts = []
    for p in standard.profiles:
        zh, _ = APPLICABILITY_NAMES[applicability(standard, item, p.id).value]
        parts.append(f"{p.id}: {zh}")
    return "\n".join(parts)


def sourced_number(value: Any) -> float | None:
    if value is None:
        return None
    number = value.effective
    if isinstance(number, bool) or not isinstance(number, int | float):
        return None
    return float(number)


# --- gates ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GateRow:
    """A row of the gates sheet: a gate the firm answers, or another standard's result."""

    id: str
    kind: str  # declaration | min_value | related
    gate: Gate | None
    related: tuple[str, str] | None = None  # (standard id, metric)


def related_id(standard_id: str, metric: str) -> str:
    return f"{standard_id}:{metric}"


def gate_rows(standard: Standard, profile: str | None) -> list[GateRow]:
    rows: list[GateRow] = []
    related: list[tuple[str, str]] = []
    for gate in standard.gates:
        if profile and not gate_applies(gate, profile):
            continue
        if gate.kind is GateKind.RESULT_MIN:
            if gate.standard and gate.metric and (gate.standard, gate.metric) not in related:
                related.append((gate.standard, gate.metric))
            continue
        rows.append(GateRow(gate.id, gate.kind.value, gate))
    rows.extend(GateRow(related_id(s, m), "related", None, (s, m)) for s, m in related)
    return rows


def gate_how(row: GateRow, profile: str | None) -> str:
    if row.kind == "declaration":
        return "下拉选择 是 / 否\nYes or No"
    if row.kind == "related":
        assert row.related is not None  # noqa: S101 - a related row always names its source
        std, metric = row.related
        return f"{std} 的评估结果（{metric}），数值\nThe {metric} of an assessment against {std}"
    gate = row.gate
    assert gate is not None  # noqa: S101
    parts = []
    for profile_id, variants in gate.thresholds.items():
        if profile and profile_id != profile:
            continue
        for variant, threshold in variants.items():
            number = sourced_number(threshold)
            shown = f"{number:g}" if number is not None else "未公布 not found"
            name = gate.variants[variant].zh if variant in gate.variants else ""
            where = f" {name}" if name else ""
            parts.append(f"{profile_id}{where} ≥ {shown}")
    thresholds = "；".join(parts)
    text = f"数值，单位 {gate.unit or ''}\nA number in {gate.unit or 'its unit'}"
    return f"{text}\n门槛 Threshold: {thresholds}" if thresholds else text


def variant_keys(gate: Gate | None) -> list[str]:
    return ["default", *gate.variants] if gate is not None and gate.variants else []


# --- activity data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityRow:
    key: str  # "year", "product_output.quantity", or an activity id such as "natural_gas"
    zh: str
    en: str
    kind: str  # int | text | number | energy
    unit: str | None = None  # fixed unit, or the default unit of an energy
    units: tuple[str, ...] = ()  # units a user may choose for an energy
    note: str = ""


GENERAL_ACTIVITY = (
    ActivityRow("year", "报告年度", "Reporting year", "int", note="数据所属年份 data year"),
    ActivityRow("name", "企业或工厂名称", "Plant or firm name", "text"),
    ActivityRow(
        "region",
        "行政区划代码（GB/T 2260，6 位）",
        "Region code (GB/T 2260, 6 digits)",
        "text",
        note="决定电网排放因子所属区域 decides the grid region, e.g. 330206",
    ),
    ActivityRow("output_value_10k_yuan", "工业总产值", "Output value", "number", "万元"),
    ActivityRow(
        "value_added_10k_yuan",
        "工业增加值（收入法）",
        "Value added (income method)",
        "number",
        "万元",
    ),
    ActivityRow("product_output.quantity", "产品产量", "Product output", "number"),
    ActivityRow(
        "product_output.unit", "产品产量单位", "Unit of product output", "text", note="如 t、件"
    ),
    ActivityRow(
        "sector_average_L",
        "行业平均碳排放强度 L",
        "Sector average L",
        "number",
        "tCO2/万元",
        note="用于碳效等级 K = L / 行业平均；可留空 optional",
    ),
)

_SPECIAL_NAMES = {
    GREEN_KEY: ("其中：绿色电力（绿电交易、绿证）", "of which certified green electricity"),
    PROCESS_KEY: (
        "工业生产过程排放（如碳酸盐分解）",
        "Process CO2 emissions (e.g. carbonate decomposition)",
    ),
}


def activity_rows(factors: FactorLibrary | None) -> list[ActivityRow]:
    """The general rows, then one row per activity key of the factor library, in its order."""
    rows = list(GENERAL_ACTIVITY)
    if factors is None:
        return rows
    energy_rows: list[ActivityRow] = []
    for energy in factors.energies:
        unit = energy.quantity_unit
        units = tuple(units_for(unit))
        note = f"可选单位 units: {' / '.join(units)}" if len(units) > 1 else ""
        energy_rows.append(
            ActivityRow(energy.id, energy.name.zh, energy.name.en, "energy", unit, units, note)
        )
        if energy.grid:
            zh, en = _SPECIAL_NAMES[GREEN_KEY]
            energy_rows.append(ActivityRow(GREEN_KEY, zh, en, "energy", unit, units, note))
        if energy.export_key:
            energy_rows.append(
                ActivityRow(
                    energy.export_key,
                    f"外供（上网）{energy.name.zh}",
                    f"{energy.name.en}, delivered to others",
                    "energy",
                    unit,
                    units,
                    note,
                )
            )
    zh, en = _SPECIAL_NAMES[PROCESS_KEY]
    units = tuple(units_for("tCO2"))
    note = f"可选单位 units: {' / '.join(units)}；自行核算 calculated by the firm"
    energy_rows.append(ActivityRow(PROCESS_KEY, zh, en, "energy", "tCO2", units, note))
    return rows + energy_rows


def activity_key(row: ActivityRow, unit: str) -> str:
    return f"{row.key}_{unit.lower()}"


def split_activity_key(key: str, rows: list[ActivityRow]) -> tuple[ActivityRow, str] | None:
    """'natural_gas_m3' → (the natural gas row, 'm3'); None for a key of no row."""
    for row in sorted((r for r in rows if r.kind == "energy"), key=lambda r: -len(r.key)):
        if key.startswith(row.key + "_"):
            suffix = key[len(row.key) + 1 :]
            unit = next((u for u in row.units if u.lower() == suffix.lower()), None)
            if unit is not None:
                return row, unit
    return None
