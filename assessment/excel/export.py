"""Exporting answers and results to Excel for evaluators.

The export is the questionnaire with the firm's answers filled in, result columns beside them
(self-assessed and evaluated points, status, the evaluator's answer, decision and reason) and a
Summary sheet in front (totals, tier or level, gates, flags, receipts). It carries the same hidden
metadata as a template, so it can be imported again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.excel import layout as L
from assessment.excel.template import resolve
from assessment.excel.writer import Filled, _Writer, build_workbook
from scoring import parse_answers, score
from scoring.carbon import account, green_figures, parse_activity
from standards import Library, Standard, bundled_library
from standards.models import Node, NodeLevel, Scale

_RESULT_ROWS = (
    ("total", "总分", "Total"),
    ("max_total", "满分", "Maximum"),
    ("percent", "得分率 %", "Score rate %"),
    ("complete", "完整", "Complete"),
    ("missing", "未答必答题", "Mandatory items unanswered"),
    ("tier", "达到等级", "Tier reached"),
    ("level", "成熟度等级", "Maturity level"),
    ("maturity_score", "成熟度得分", "Maturity score"),
    ("eligible", "符合申报条件", "Eligible"),
)


def _scales(library: Library) -> dict[str, Scale]:
    return {s.id: s for s in library.scales.scales} if library.scales else {}


def _shown(key: str, result: Mapping[str, Any] | None, standard: Standard) -> Any:
    if result is None:
        return None
    value = result.get(key)
    if key == "missing":
        items = list(value or [])
        return (
            f"{len(items)}: {', '.join(items[:30])}{' …' if len(items) > 30 else ''}"
            if items
            else 0
        )
    if key == "tier":
        tier = next((t for t in standard.tiers if t.id == value), None)
        return (
            f"{tier.name.zh} {tier.name.en} ({tier.id})"
            if tier
            else ("未达到 none" if standard.tiers else None)
        )
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if key == "eligible" and value is None and result.get("gates"):
        return "待定 open"
    return value


def _node_text(node: Mapping[str, Any] | None) -> str | None:
    if node is None:
        return None
    percent = node.get("percent")
    rate = f" ({percent:.1f}%)" if isinstance(percent, int | float) else ""
    return f"{node.get('points'):g} / {node.get('max_points'):g}{rate}"


def write_summary(writer: _Writer, standard: Standard, filled: Filled) -> None:
    """The Summary sheet: who and what, the result side by side, nodes, gates, flags, receipts."""
    sheet = writer.new_sheet(L.SUMMARY)
    widths = (34, 46, 46)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    title = f"结果汇总 Summary · {standard.title.zh} {standard.title.en}"
    L.put(sheet, 1, 1, title).font = L.TITLE
    sheet.row_dimensions[1].height = 24
    own, final = filled.self_result, filled.final_result
    row = 3

    def heading(
        zh: str, en: str, columns: tuple[str, str] = ("自评 Self-assessed", "评审 Evaluated")
    ) -> None:
        nonlocal row
        for index, text in enumerate((f"{zh} {en}", *columns), start=1):
            L.style_header(L.put(sheet, row, index, text))
        row += 1

    def line(label: str, *values: Any, number_format: str = "General") -> None:
        nonlocal row
        for index, value in enumerate((label, *values), start=1):
            cell = L.put(sheet, row, index, value)
            L.style_body(cell)
            if index == 1:
                cell.font = L.BOLD
            elif isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = number_format
                cell.alignment = L.LEFT_TOP
        L.fit_row(
            sheet, row, [(str(v or ""), w) for v, w in zip((label, *values), widths, strict=False)]
        )
        row += 1

    heading("评估", "Assessment", ("", ""))
    info = [
        *filled.summary,
        ("标准", "Standard", f"{standard.id} · {standard.title.zh}"),
        ("版本", "Edition", standard.edition),
        (
            "标准 SHA-256",
            "Standard SHA-256",
            (own or final or {}).get("standard", {}).get("sha256"),
        ),
        ("评估目标", "Target (profile)", filled.document.get("profile")),
        ("行业类型", "Industry type", filled.document.get("industry_type")),
    ]
    for zh, en, value in info:
        if value is not None:
            line(f"{zh} {en}", value)
    row += 1
    heading("结果", "Result")
    for key, zh, en in _RESULT_ROWS:
        shown = (_shown(key, own, standard), _shown(key, final, standard))
        if shown == (None, None):
            continue
        line(f"{zh} {en}", *shown, number_format="0.0" if key == "percent" else "0.##")
    row += 1
    nodes_own = {n["id"]: n for n in (own or {}).get("nodes") or []}
    nodes_final = {n["id"]: n for n in (final or {}).get("nodes") or []}
    if nodes_own or nodes_final:
        heading("各部分得分", "Points by element and domain")
        for node in _tree_order(standard):
            if node.id not in nodes_own and node.id not in nodes_final:
                continue
            indent = "" if node.level.value == "element" else "　"
            number = f"{node.number} " if node.number else ""
            line(
                f"{indent}{number}{node.name.zh} {node.name.en}",
                _node_text(nodes_own.get(node.id)),
                _node_text(nodes_final.get(node.id)),
            )
        row += 1
    gates_own = {g["id"]: g for g in (own or {}).get("gates") or []}
    gates_final = {g["id"]: g for g in (final or {}).get("gates") or []}
    if gates_own or gates_final:
        heading("准入条件", "Gates")
        for gate in standard.gates:
            if gate.id in gates_own or gate.id in gates_final:
                line(
                    f"{gate.title.zh} ({gate.id})",
                    _gate_text(gates_own.get(gate.id)),
                    _gate_text(gates_final.get(gate.id)),
                )
        row += 1
    flags = (final or own or {}).get("flags") or []
    if flags:
        heading("非官方编码", "Unofficial encodings used", ("标注 Label", "说明 Note"))
        for flag in flags:
            line(str(flag.get("what")), flag.get("label"), flag.get("note"))
        row += 1
    heading("回执", "Receipt")
    for key, zh, en in (
        ("answers_sha256", "答案 SHA-256", "Answers SHA-256"),
        ("standard_sha256", "标准 SHA-256", "Standard SHA-256"),
        ("engine_version", "计分引擎版本", "Engine version"),
    ):
        line(
            f"{zh} {en}",
            ((own or {}).get("receipt") or {}).get(key),
            ((final or {}).get("receipt") or {}).get(key),
        )
    sheet.freeze_panes = "A3"


def _tree_order(standard: Standard) -> list[Node]:
    """Elements, each followed by its domains (sub-domains are left to the item sheets)."""
    ordered: list[Node] = []
    for element in (n for n in standard.nodes if n.level is NodeLevel.ELEMENT):
        ordered.append(element)
        ordered += [
            n for n in standard.nodes if n.level is NodeLevel.DOMAIN and n.parent == element.id
        ]
    return ordered


def _gate_text(gate: Mapping[str, Any] | None) -> str | None:
    if gate is None:
        return None
    state = {True: "通过 pass", False: "未通过 FAIL", None: "待定 open"}[gate.get("passed")]
    return f"{state}: {gate.get('message', '')}"


def export_workbook(
    standard: Standard,
    filled: Filled,
    *,
    library: Library | None = None,
    lang: str = "zh",
) -> bytes:
    """A workbook of `filled` (answers, results, decisions) for `standard`."""
    library = library or bundled_library()
    doc = filled.document
    kinds = [t.value for t in standard.industry_types]
    industry = doc.get("industry_type") if doc.get("industry_type") in kinds else None
    std, profile, industry = resolve(standard, doc.get("profile"), industry, library)
    return build_workbook(
        std,
        library,
        profile=profile,
        industry=industry,
        lang=lang,
        filled=filled,
        summary_writer=lambda writer: write_summary(writer, std, filled),
    )


def decisions_between(
    document: Mapping[str, Any], evaluated: Mapping[str, Any]
) -> dict[tuple[str, str], tuple[str, str | None]]:
    """Accept where the evaluated answer equals the firm's, adjust where it differs."""
    decisions: dict[tuple[str, str], tuple[str, str | None]] = {}
    for kind, section in (("item", "answers"), ("gate", "gates")):
        own = document.get(section) or {}
        theirs = evaluated.get(section) or {}
        for key in sorted(set(own) | set(theirs)):
            if key in theirs:
                decisions[(kind, str(key))] = (
                    "accept" if own.get(key) == theirs[key] else "adjust",
                    None,
                )
    return decisions


def export_answers(
    document: Mapping[str, Any],
    *,
    evaluated: Mapping[str, Any] | None = None,
    activity: Mapping[str, Any] | None = None,
    notes: Mapping[str, str] | None = None,
    library: Library | None = None,
    lang: str = "zh",
) -> bytes:
    """Score answers files (the firm's and, if given, the evaluator's) and export them.

    Raises AnswerError (from parse_answers) or CarbonInputError for bad input, naming each item.
    """
    library = library or bundled_library()
    std = library.standard(str(document.get("standard")))
    scales = _scales(library)
    derived: dict[str, float] = {}
    if activity is not None and library.factors is not None:
        derived = green_figures(account(parse_activity(dict(activity)), library.factors))
    own = score(std, parse_answers(document, std, scales), scales, derived=derived).to_dict()
    final = None
    if evaluated is not None:
        final = score(std, parse_answers(evaluated, std, scales), scales, derived=derived).to_dict()
    summary: list[tuple[str, str, Any]] = []
    if document.get("firm"):
        summary.append(("企业", "Firm", document["firm"]))
    filled = Filled(
        document=document,
        evaluated=evaluated,
        self_result=own,
        final_result=final,
        decisions=decisions_between(document, evaluated) if evaluated is not None else {},
        activity=activity,
        notes=notes or {},
        summary=summary,
    )
    return export_workbook(std, filled, library=library, lang=lang)
