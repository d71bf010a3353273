"""Writing zhizao workbooks: the blank questionnaire (template) and a filled one with results (export).

One writer does both, so an exported workbook has exactly the template's sheets and columns — with
the answers filled in and result columns added — and can be imported again.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessment.excel import layout as L
from assessment.excel.layout import Column, SheetRecord, WorkbookMeta
from assessment.excel.questions import (
    GateRow,
    activity_rows,
    applicability_text,
    element_of,
    gate_how,
    gate_rows,
    grade_label,
    how_text,
    included_items,
    na_allowed,
    node_path,
    number_of,
    options_text,
    sourced_number,
    split_activity_key,
    title_of,
    variant_keys,
    yes_no_labels,
)
from scoring.result import ENGINE_VERSION
from standards import Library, Standard
from standards.models import (
    ChoiceRule,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)

SHEET_NAMES = {
    L.INSTRUCTIONS: ("填写说明", "Instructions"),
    L.GENERAL: ("基本信息", "General"),
    L.GATES: ("准入条件", "Gates"),
    L.PRODUCTS: ("多产品", "Products"),
    L.ACTIVITY: ("碳排放数据", "Activity data"),
    L.SUMMARY: ("结果汇总", "Summary"),
}
STATUS_NAMES = {
    "scored": "已计分 scored",
    "missing": "缺答 missing",
    "skipped": "未答（选答）skipped",
    "not_applicable": "不适用 not applicable",
    "na": "申报不适用 declared n/a",
}
DECISION_NAMES = {"accept": "认可 accepted", "adjust": "调整 adjusted"}
GENERATOR = f"zhizao {ENGINE_VERSION}"


@dataclass(frozen=True)
class Filled:
    """What an exported workbook shows besides the questions (all optional)."""

    document: Mapping[str, Any] = field(default_factory=dict)  # the firm's answers file
    evaluated: Mapping[str, Any] | None = None  # the evaluator-reviewed answers
    self_result: Mapping[str, Any] | None = None  # Result.to_dict()
    final_result: Mapping[str, Any] | None = None
    decisions: Mapping[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)
    activity: Mapping[str, Any] | None = None
    notes: Mapping[str, str] = field(default_factory=dict)  # item or gate id → evidence notes
    summary: Sequence[tuple[str, str, Any]] = ()  # (中文, English, value) rows on top of Summary


def _scales_of(library: Library) -> dict[str, Scale]:
    return {s.id: s for s in library.scales.scales} if library.scales else {}


class _Writer:
    def __init__(
        self,
        standard: Standard,
        library: Library,
        profile: str | None,
        industry: str | None,
        lang: str,
        filled: Filled | None,
    ) -> None:
        self.standard = standard
        self.library = library
        self.scales = _scales_of(library)
        self.profile = profile
        self.industry = industry
        self.lang = lang if lang in ("zh", "en") else "zh"
        self.filled = filled
        self.book = Workbook()
        self.taken: set[str] = {L.META_SHEET}
        self.records: list[SheetRecord] = []
        self.validations: dict[tuple[str, str], DataValidation] = {}
        self.widths: dict[str, float] = {}
        answers = (filled.document.get("answers") if filled else None) or {}
        evaluated = ((filled.evaluated or {}).get("answers") if filled else None) or {}
        self.answers: Mapping[str, Any] = answers
        self.evaluated: Mapping[str, Any] = evaluated
        always = frozenset(str(k) for k in (*answers, *evaluated))
        self.items = included_items(standard, profile, industry, always)
        self.self_traces = self._traces(filled.self_result if filled else None)
        self.final_traces = self._traces(filled.final_result if filled else None)

    @staticmethod
    def _traces(result: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
        return {str(t["id"]): t for t in (result or {}).get("items") or []}

    def name(self, role: str) -> str:
        zh, en = SHEET_NAMES[role]
        return L.sheet_title(en if self.lang == "en" else zh, self.taken)

    # --- shared pieces ---------------------------------------------------------------------------

    def new_sheet(self, role: str, title: str | None = None, **record: Any) -> Worksheet:
        name = title if title is not None else self.name(role)
        if not self.records and self.book.active is not None and self.book.active.title == "Sheet":
            sheet = self.book.active
            sheet.title = name
        else:
            sheet = self.book.create_sheet(name)
        self.records.append(SheetRecord(name, role, **record))
        sheet.sheet_view.zoomScale = 100
        # Printing: A4 landscape, as wide as one page, the header rows on every page.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.gridLines = False
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        return sheet

    def headers(self, sheet: Worksheet, columns: Sequence[Column], title: str) -> None:
        L.put(sheet, L.TITLE_ROW, 1, title).font = L.TITLE
        sheet.row_dimensions[L.TITLE_ROW].height = 24
        for index, column in enumerate(columns, start=1):
            cell = L.put(sheet, L.HEADER_ROW, index, column.header)
            L.style_header(cell)
            if column.entry:
                cell.fill = L.ENTRY_FILL
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        tallest = max(L.lines_needed(c.header, c.width) for c in columns)
        sheet.row_dimensions[L.HEADER_ROW].height = L.LINE_POINTS * tallest + 8
        sheet.print_title_rows = f"{L.HEADER_ROW}:{L.HEADER_ROW}"
        sheet.auto_filter.ref = None

    def validation(
        self, sheet: Worksheet, kind: str, formula: str, **options: Any
    ) -> DataValidation:
        key = (sheet.title, f"{kind}|{formula}|{options.get('prompt', '')}")
        found = self.validations.get(key)
        if found is None:
            if kind == "list":
                found = DataValidation(type="list", formula1=formula, allow_blank=True)
            elif kind == "decimal":
                low, _, high = formula.partition("|")
                found = DataValidation(
                    type="decimal",
                    operator="between",
                    formula1=low,
                    formula2=high,
                    allow_blank=True,
                )
            elif kind == "whole":
                low, _, high = formula.partition("|")
                found = DataValidation(
                    type="whole", operator="between", formula1=low, formula2=high, allow_blank=True
                )
            else:  # any value, with an input message
                found = DataValidation(allow_blank=True)
            found.showInputMessage = True
            found.showErrorMessage = kind != "any"
            found.errorStyle = "stop"
            for attribute, value in options.items():
                setattr(found, attribute, value)
            sheet.add_data_validation(found)
            self.validations[key] = found
        return found

    def choose(self, sheet: Worksheet, values: Sequence[str], cell: str, prompt: str) -> None:
        formula = '"' + ",".join(values) + '"'
        self.validation(
            sheet,
            "list",
            formula,
            promptTitle="请选择 Choose",
            prompt=prompt[:250],
            errorTitle="无效选项 Invalid",
            error=f"请从列表中选择：{' / '.join(values)}\nChoose one of: {' / '.join(values)}"[
                :250
            ],
        ).add(cell)

    def number_entry(
        self, sheet: Worksheet, cell: str, unit: str, low: float | None, high: float | None
    ) -> None:
        lo = f"{low:g}" if low is not None else "-1E+15"
        hi = f"{high:g}" if high is not None else "1E+15"
        text = f"数值（{unit}）\nA number in {unit}" if unit else "数值\nA number"
        self.validation(
            sheet,
            "decimal",
            f"{lo}|{hi}",
            promptTitle="数值 Number",
            prompt=text,
            errorTitle="需要数值 Number expected",
            error=f"请输入数值{f'（{lo}–{hi}）' if low is not None or high is not None else ''}。"
            f"\nPlease enter a number.",
        ).add(cell)

    # --- sheets ------------------------------------------------------------------------------------

    def std_title(self) -> str:
        return f"{self.standard.title.zh} {self.standard.title.en}"

    def context(self) -> str:
        parts = [f"{self.standard.id} {self.standard.edition}"]
        if self.profile:
            prof = next(p for p in self.standard.profiles if p.id == self.profile)
            parts.append(f"{prof.name.zh} {prof.name.en} ({prof.id})")
        if self.industry:
            zh, en = L.INDUSTRY_NAMES[self.industry]
            parts.append(f"{zh} {en}")
        return " · ".join(parts)

    def instructions(self) -> None:
        sheet = self.new_sheet(L.INSTRUCTIONS)
        sheet.column_dimensions["A"].width = 62
        sheet.column_dimensions["B"].width = 70
        L.put(sheet, 1, 1, f"{self.standard.title.zh} — 填写说明").font = L.TITLE
        L.put(sheet, 1, 2, f"{self.standard.title.en} — Instructions").font = L.TITLE
        sheet.row_dimensions[1].height = 24
        flagged = self.standard.provenance.label.is_flagged or (
            self.standard.item_provenance is not None
            and self.standard.item_provenance.label.is_flagged
        )
        paragraphs: list[tuple[str, str]] = [
            (
                f"标准：{self.standard.title.zh}（{self.standard.id}，版本 {self.standard.edition}）。"
                f"本工作簿：{self.context()}。",
                f"Standard: {self.standard.title.en} ({self.standard.id}, edition "
                f"{self.standard.edition}). This workbook: {self.context()}.",
            ),
            (
                "黄色单元格由企业填写，其余单元格为题目与说明，请勿修改。每个“要素”一张工作表，每题一行。",
                "Fill in the yellow cells; the other cells hold the questions and guidance — "
                "leave them as they are. One sheet per element, one row per item.",
            ),
            (
                "单选题：在“答案”列下拉选择选项字母，各选项的含义见“选项说明”列。",
                "Single choice: pick the option letter in the Answer column; the Options column "
                "says what each option means.",
            ),
            (
                "多选题：填写所有符合的选项字母，用 | 或 , 分隔，例如 A|C。",
                "Multiple choice: type every option that applies, separated by | or , — e.g. A|C.",
            ),
            (
                "是否题：下拉选择“是”或“否”。满足程度题：下拉选择满足程度。",
                "Yes/no: pick Yes or No. Satisfaction grades: pick the grade from the list.",
            ),
            (
                "数值题：在“答案”列填写数值，单位见“单位”列；标准未给出基准值和引领值的，请填写所属行业的"
                "基准值和引领值（灰色单元格为标准给定值）。",
                "Numbers: type the number in the unit shown. Where the standard sets no baseline "
                "or leading value, give your sector's values (grey cells are set by the standard).",
            ),
        ]
        if na_allowed(self.standard):
            paragraphs.append(
                (
                    "确不适用的题目：答案留空，在“不适用理由”列写明理由。",
                    "An item that does not apply: leave the answer blank and write the reason in "
                    "the 'Reason if not applicable' column.",
                )
            )
        else:
            paragraphs.append(
                (
                    "本标准不接受“不适用”，未开展的工作请选择最低选项。",
                    "This standard accepts no 'not applicable' answers: choose the lowest option "
                    "for work not done.",
                )
            )
        paragraphs += [
            (
                "“证据说明”列可写明证明材料名称与存放位置，导入时作为该题的备注保存。",
                "Use 'Evidence notes' to name the supporting documents; they are kept as notes "
                "on the item when imported.",
            ),
            (
                "“基本信息”表填写企业名称、评估目标与行业类型；“准入条件”表填写申报条件；"
                "“碳排放数据”表填写一年的能源消耗（可选，绿色工厂的能耗与碳排放指标由此计算）。",
                "The General sheet holds the firm's name, target and industry type; the Gates "
                "sheet the eligibility conditions; the Activity data sheet a year of energy use "
                "(optional; green-factory energy and carbon figures are computed from it).",
            ),
            (
                "多部门协作：可将本工作簿分发给各部门分别填写各自负责的题目，逐个导入；空白单元格不会覆盖已导入的答案。",
                "Several departments: each may fill its own rows in a copy; import the copies one "
                "after another — blank cells never overwrite answers imported before.",
            ),
            (
                "请勿重命名或删除工作表、列，勿修改“编号”列；可以调整列宽、行高和排序。"
                "隐藏的 _zhizao 工作表记录了本模板对应的标准版本，导入时据此核对。",
                "Do not rename or delete sheets or columns, and do not change the ID column; "
                "widths, heights and sorting are fine. The hidden _zhizao sheet records which "
                "edition of the standard this template was made from; the import checks it.",
            ),
            (
                "导入：在系统中上传本文件，或运行 zhizao import 文件.xlsx。所有问题会按工作表、行号和题目编号一次列出；"
                "有错误时不会保存任何内容（可选择仅导入无误的行）。",
                "Import: upload the file in the app, or run zhizao import FILE.xlsx. Every problem "
                "is listed at once by sheet, row and item; nothing is saved while there are errors "
                "(unless you choose to import the valid rows only).",
            ),
        ]
        if flagged:
            paragraphs.append(
                (
                    "注意：本标准的部分编码取值并非来自官方文本（见标准文件的来源标注），评估结果仅供参考。",
                    "Note: parts of this standard's encoding do not come from an official text "
                    "(see the provenance labels); results are indicative.",
                )
            )
        for row, (zh, en) in enumerate(paragraphs, start=3):
            for column, text in ((1, zh), (2, en)):
                cell = L.put(sheet, row, column, text)
                cell.font = L.BODY
                cell.alignment = L.WRAP_TOP
            L.fit_row(sheet, row, [(zh, 62), (en, 70)])
        sheet.freeze_panes = "A3"

    def general(self) -> None:
        sheet = self.new_sheet(L.GENERAL)
        columns = list(L.GENERAL_COLUMNS.values())
        self.headers(sheet, columns, f"基本信息 General · {self.std_title()}")
        doc = self.filled.document if self.filled else {}
        profiles = self.standard.profiles
        industries = [t.value for t in self.standard.industry_types]
        rows: list[tuple[str, str, str, Any, str, bool]] = [
            ("standard", "标准", "Standard", self.standard.id, self.standard.title.zh, False),
            ("edition", "版本", "Edition", self.standard.edition, "", False),
            ("firm", "企业名称", "Firm", doc.get("firm"), "", True),
            (
                "profile",
                "评估目标",
                "Target (profile)",
                doc.get("profile")
                or self.profile
                or (profiles[0].id if len(profiles) == 1 else None),
                "\n".join(f"{p.id} = {p.name.zh} {p.name.en}" for p in profiles),
                True,
            ),
        ]
        if industries:
            rows.append(
                (
                    "industry_type",
                    "行业类型",
                    "Industry type",
                    doc.get("industry_type") or self.industry,
                    "discrete = 离散型 discrete manufacturing\nprocess = 流程型 process industry",
                    True,
                )
            )
        for offset, (key, zh, en, value, how, entry) in enumerate(rows):
            row = L.FIRST_ROW + offset
            values = {"key": key, "label_zh": zh, "label_en": en, "value": value, "how": how}
            for index, column in enumerate(columns, start=1):
                cell = L.put(sheet, row, index, values[column.key])
                is_entry = entry and column.key == "value"
                L.style_body(cell, entry=is_entry)
                if column.key == "value" and not entry:
                    cell.fill = L.FIXED_FILL
            L.fit_row(sheet, row, [(how, L.GENERAL_COLUMNS["how"].width)])
            position = f"{get_column_letter(list(L.GENERAL_COLUMNS).index('value') + 1)}{row}"
            if key == "profile":
                self.choose(sheet, [p.id for p in profiles], position, "评估目标 Target")
            elif key == "industry_type":
                self.choose(sheet, industries, position, "行业类型 Industry type")
        sheet.freeze_panes = sheet.cell(row=L.FIRST_ROW, column=2).coordinate

    # --- gates ------------------------------------------------------------------------------------

    def gates(self) -> None:
        rows = gate_rows(self.standard, self.profile)
        if not rows:
            return
        sheet = self.new_sheet(L.GATES, items=tuple(r.id for r in rows))
        has_variants = any(variant_keys(r.gate) for r in rows)
        columns = [c for c in L.GATE_COLUMNS.values() if has_variants or c.key != "variant"]
        if self.filled:
            columns += list(L.GATE_RESULT_COLUMNS.values())
        columns = _fit_ids(columns, (r.id for r in rows))
        widths = {c.key: c.width for c in columns}
        self.headers(sheet, columns, f"准入条件 Eligibility · {self.context()}")
        positions = {c.key: i for i, c in enumerate(columns, start=1)}
        doc = self.filled.document if self.filled else {}
        gates_given = doc.get("gates") or {}
        related_given = doc.get("related_results") or {}
        self_gates = (
            {g["id"]: g for g in (self.filled.self_result or {}).get("gates") or []}
            if self.filled
            else {}
        )
        final_gates = (
            {g["id"]: g for g in (self.filled.final_result or {}).get("gates") or []}
            if self.filled
            else {}
        )
        for offset, gate_row in enumerate(rows):
            row = L.FIRST_ROW + offset
            gate = gate_row.gate
            values: dict[str, Any] = {"id": gate_row.id, "how": gate_how(gate_row, self.profile)}
            if gate is not None:
                question = gate.question or gate.title
                values |= {
                    "question_zh": question.zh,
                    "question_en": question.en,
                    "clause": gate.clause,
                    "unit": gate.unit,
                }
            else:
                assert gate_row.related is not None  # noqa: S101
                std, metric = gate_row.related
                other = self.library.standards.get(std)
                name_zh = other.title.zh if other else std
                name_en = other.title.en if other else std
                values |= {
                    "question_zh": f"其他标准的评估结果：{name_zh}（{metric}）",
                    "question_en": f"Result of another standard: {name_en} ({metric})",
                    "clause": ", ".join(
                        g.clause
                        for g in self.standard.gates
                        if (g.standard, g.metric) == gate_row.related
                    ),
                }
            given = self._gate_value(gate_row, gates_given, related_given)
            values |= given
            if self.filled:
                values["notes"] = self.filled.notes.get(gate_row.id)
                values["self_outcome"] = _outcome(self_gates.get(gate_row.id))
                values["evaluated_outcome"] = _outcome(final_gates.get(gate_row.id))
            for column in columns:
                cell = L.put(sheet, row, positions[column.key], values.get(column.key))
                entry = column.entry and not (column.key == "variant" and not variant_keys(gate))
                L.style_body(cell, entry=entry, center=column.key in ("id", "answer", "unit"))
                if column.key in L.GATE_RESULT_COLUMNS:
                    cell.fill = L.RESULT_FILL
            answer = f"{get_column_letter(positions['answer'])}{row}"
            if gate_row.kind == "declaration":
                self.choose(sheet, yes_no_labels(self.lang), answer, "是 / 否 Yes / No")
            else:
                self.number_entry(sheet, answer, (gate.unit or "") if gate else "", None, None)
            variants = variant_keys(gate)
            if variants:
                self.choose(
                    sheet,
                    variants,
                    f"{get_column_letter(positions['variant'])}{row}",
                    "地区类别 Variant",
                )
            L.fit_row(
                sheet,
                row,
                [
                    (str(values.get(k) or ""), widths[k])
                    for k in (
                        "id",
                        "question_zh",
                        "question_en",
                        "clause",
                        "how",
                        "notes",
                        *L.GATE_RESULT_COLUMNS,
                    )
                    if k in widths
                ],
            )
        sheet.freeze_panes = sheet.cell(row=L.FIRST_ROW, column=3).coordinate

    def _gate_value(
        self, gate_row: GateRow, gates: Mapping[str, Any], related: Mapping[str, Any]
    ) -> dict[str, Any]:
        if gate_row.kind == "related":
            assert gate_row.related is not None  # noqa: S101
            std, metric = gate_row.related
            value = (related.get(std) or {}).get(metric)
            return {"answer": value}
        value = gates.get(gate_row.id)
        if value is None:
            return {}
        if gate_row.kind == "declaration":
            yes, no = yes_no_labels(self.lang)
            return {"answer": yes if value is True else no if value is False else value}
        if isinstance(value, Mapping):
            variant = value.get("variant")
            return {
                "answer": value.get("value"),
                "variant": variant if variant != "default" else None,
            }
        return {"answer": value}

    # --- items ------------------------------------------------------------------------------------

    def item_columns(self) -> list[Column]:
        has_quantity = any(isinstance(i.rule, QuantityRule) for i in self.items)
        skip = set()
        if not has_quantity:
            skip |= {"baseline", "leading", "unit"}
        if not na_allowed(self.standard):
            skip.add("na_reason")
        columns = [c for k, c in L.ITEM_COLUMNS.items() if k not in skip]
        if self.filled:
            columns += list(L.RESULT_COLUMNS.values())
        return columns

    def item_sheets(self) -> None:
        groups: dict[str | None, list[Item]] = {}
        for item in self.items:
            element = element_of(self.standard, item.node)
            groups.setdefault(element.id if element else None, []).append(item)
        nodes = {n.id: n for n in self.standard.nodes}
        columns = _fit_ids(self.item_columns(), (i.id for i in self.items))
        for element_id, items in groups.items():
            element = nodes.get(element_id) if element_id else None
            if element is not None:
                label = element.name.get(self.lang)
                title = f"{element.number} {label}" if element.number else label
            else:
                title = "题目" if self.lang == "zh" else "Items"
            name = L.sheet_title(title, self.taken)
            sheet = self.new_sheet(L.ITEMS, name, node=element_id, items=tuple(i.id for i in items))
            heading = (
                f"{element.name.zh} {element.name.en} · {self.context()}"
                if element
                else self.context()
            )
            here = columns
            if all(isinstance(i.rule, SatisfactionRule) for i in items):
                # the same short grade list on every row: narrow descriptor columns suffice
                here = [
                    replace(c, width=24) if c.key in ("options_zh", "options_en") else c
                    for c in columns
                ]
            self.headers(sheet, here, heading)
            self.write_items(sheet, here, items)
            freeze = next(i for i, c in enumerate(here, start=1) if c.key == "question_en")
            sheet.freeze_panes = sheet.cell(row=L.FIRST_ROW, column=freeze).coordinate

    def write_items(self, sheet: Worksheet, columns: list[Column], items: list[Item]) -> None:
        positions = {c.key: i for i, c in enumerate(columns, start=1)}
        self.widths = {c.key: c.width for c in columns}
        row = L.FIRST_ROW
        last_node: str | None = None
        for item in items:
            if item.node != last_node:
                path_zh = node_path(self.standard, item.node, "zh")
                path_en = node_path(self.standard, item.node, "en")
                if path_zh:
                    for column in columns:
                        cell = sheet.cell(row=row, column=positions[column.key])
                        cell.fill = L.GROUP_FILL
                        cell.border = L.BORDER
                    for key, text in (("question_zh", path_zh), ("question_en", path_en)):
                        cell = L.put(sheet, row, positions[key], text)
                        cell.font = L.BOLD
                        cell.fill = L.GROUP_FILL
                        cell.alignment = L.WRAP_TOP
                    L.fit_row(sheet, row, [(path_zh, 30), (path_en, 30)])
                    row += 1
                last_node = item.node
            self.write_item(sheet, row, positions, item)
            row += 1

    def write_item(self, sheet: Worksheet, row: int, positions: dict[str, int], item: Item) -> None:
        rule = item.rule
        values: dict[str, Any] = {
            "id": item.id,
            "number": number_of(item),
            "question_zh": title_of(item, self.industry, "zh"),
            "question_en": title_of(item, self.industry, "en"),
            "options_zh": options_text(item, self.scales, "zh", self.industry),
            "options_en": options_text(item, self.scales, "en", self.industry),
            "how": how_text(item, self.scales),
            "applicability": applicability_text(self.standard, item, self.profile),
            "domain": node_path(self.standard, item.node, "zh"),
        }
        fixed: set[str] = set()
        if isinstance(rule, QuantityRule):
            values["unit"] = rule.unit
            for key in ("baseline", "leading"):
                number = sourced_number(getattr(rule, key))
                if number is not None:
                    values[key] = number
                    fixed.add(key)
        raw = self.answers.get(item.id)
        if raw is not None:
            values |= answer_cells(item, raw, self.scales, self.lang, fixed)
        if self.filled:
            values["notes"] = self.filled.notes.get(item.id)
            values |= self.result_cells(item)
        for key, index in positions.items():
            cell = L.put(sheet, row, index, values.get(key))
            column = L.ITEM_COLUMNS.get(key) or L.RESULT_COLUMNS[key]
            entry = column.entry
            if key in ("baseline", "leading"):
                entry = isinstance(rule, QuantityRule) and key not in fixed
            L.style_body(cell, entry=entry, center=key in ("id", "number", "answer", "unit"))
            if key in fixed:
                cell.fill = L.FIXED_FILL
                cell.font = L.MUTED
            if key in L.RESULT_COLUMNS:
                cell.fill = L.RESULT_FILL
        self.answer_validation(sheet, row, positions, item, fixed)
        help_parts = []
        if item.help and not isinstance(rule, YesNoRule | QuantityRule):
            help_parts += [item.help.zh, item.help.en]
        if item.evidence:
            help_parts.append(
                "常见证据 Usual evidence:\n"
                + "\n".join(f"· {e.zh} / {e.en}" for e in item.evidence)
            )
        if help_parts:
            comment = Comment("\n\n".join(help_parts), "zhizao")
            comment.width, comment.height = 420, 220
            sheet.cell(row=row, column=positions["question_zh"]).comment = comment
        texts = [
            (str(values.get(k) or ""), self.widths[k])
            for k in (
                "id",
                "question_zh",
                "question_en",
                "options_zh",
                "options_en",
                "how",
                "na_reason",
                "notes",
                "applicability",
                "domain",
                "evaluated_answer",
                "reason",
            )
            if k in positions
        ]
        L.fit_row(sheet, row, texts, minimum=2)

    def answer_validation(
        self, sheet: Worksheet, row: int, positions: dict[str, int], item: Item, fixed: set[str]
    ) -> None:
        rule = item.rule
        cell = f"{get_column_letter(positions['answer'])}{row}"
        if isinstance(rule, ChoiceRule):
            keys = [o.key for o in rule.options]
            self.choose(sheet, keys, cell, "选择一个选项 Pick one option")
        elif isinstance(rule, YesNoRule):
            self.choose(sheet, yes_no_labels(self.lang), cell, "是 / 否 Yes / No")
        elif isinstance(rule, SatisfactionRule):
            scale = self.scales.get(rule.scale)
            if scale is not None:
                labels = [g.text.get(self.lang) for g in scale.grades]
                self.choose(sheet, labels, cell, "满足程度 Satisfaction grade")
        elif isinstance(rule, MultiRule):
            listed = ", ".join(o.key for o in rule.options)
            self.validation(
                sheet,
                "any",
                "",
                promptTitle="多选 Several options",
                prompt=f"用 | 或 , 分隔，如 A|C（可选：{listed}）\nSeparate keys by | or , e.g. A|C",
            ).add(cell)
        else:
            self.number_entry(sheet, cell, rule.unit, rule.minimum, rule.maximum)
            for key in ("baseline", "leading"):
                if key not in fixed and key in positions:
                    where = f"{get_column_letter(positions[key])}{row}"
                    self.number_entry(sheet, where, rule.unit, None, None)

    def result_cells(self, item: Item) -> dict[str, Any]:
        assert self.filled is not None  # noqa: S101
        values: dict[str, Any] = {}
        own = self.self_traces.get(item.id)
        final = self.final_traces.get(item.id)
        if own is not None:
            values["self_points"] = own.get("points")
            values["max_points"] = own.get("max_points")
            values["status"] = STATUS_NAMES.get(str(own.get("status")), own.get("status"))
        if final is not None:
            values["evaluated_points"] = final.get("points")
            values.setdefault("max_points", final.get("max_points"))
        if item.id in self.evaluated:
            values["evaluated_answer"] = answer_text(
                item, self.evaluated[item.id], self.scales, self.lang
            )
        decision = self.filled.decisions.get(("item", item.id))
        if decision is not None:
            values["decision"] = DECISION_NAMES.get(decision[0], decision[0])
            values["reason"] = decision[1]
        return values

    # --- products and activity -----------------------------------------------------------------

    def products(self) -> None:
        weighted = [i for i in self.items if isinstance(i.rule, QuantityRule) and i.rule.weighted]
        if not weighted:
            return
        sheet = self.new_sheet(L.PRODUCTS, items=tuple(i.id for i in weighted))
        columns = list(L.PRODUCT_COLUMNS.values())
        self.headers(sheet, columns, f"多产品 Several products · {self.context()}")
        positions = {c.key: i for i, c in enumerate(columns, start=1)}
        given: list[dict[str, Any]] = []
        for item in weighted:
            raw = self.answers.get(item.id)
            for product in product_entries(raw):
                given.append({"id": item.id, **product})
        ids = [i.id for i in weighted]
        guidance = "\n".join(
            [
                "每行一个产品：选择题目编号，填写该产品的数值、基准值、引领值和权重（如该产品的"
                "综合能耗 tce）；在本表填写的题目，其所在行的答案留空。",
                "One row per product: pick the item, give the product's value, baseline, leading "
                "value and weight (e.g. its tce); leave the item's own row blank.",
                *(
                    f"{i.id}: {i.title.zh} {i.title.en}（{i.rule.unit}）"
                    for i in weighted
                    if isinstance(i.rule, QuantityRule)
                ),
            ]
        )
        for offset in range(max(L.PRODUCT_ROWS, len(given) + 5)):
            row = L.FIRST_ROW + offset
            values = given[offset] if offset < len(given) else {}
            if offset == 0:
                values = {**values, "how": guidance}
            for column in columns:
                cell = L.put(sheet, row, positions[column.key], values.get(column.key))
                L.style_body(cell, entry=column.entry or column.key == "id")
            self.choose(sheet, ids, f"A{row}", "选择题目编号 Item ID")
            for key in ("value", "baseline", "leading", "weight"):
                self.number_entry(
                    sheet, f"{get_column_letter(positions[key])}{row}", "", None, None
                )
        L.fit_row(sheet, L.FIRST_ROW, [(guidance, L.PRODUCT_COLUMNS["how"].width)])
        sheet.freeze_panes = sheet.cell(row=L.FIRST_ROW, column=2).coordinate

    def activity(self) -> None:
        rows = activity_rows(self.library.factors)
        sheet = self.new_sheet(L.ACTIVITY, items=tuple(r.key for r in rows))
        columns = list(L.ACTIVITY_COLUMNS.values())
        self.headers(
            sheet, columns, "碳排放活动数据（一年）Activity data for one year · 可选 optional"
        )
        positions = {c.key: i for i, c in enumerate(columns, start=1)}
        given = self.filled.activity if self.filled and self.filled.activity else {}
        energy_given: dict[str, tuple[str, Any]] = {}
        for key, quantity in (given.get("energy") or {}).items():
            found = split_activity_key(str(key), rows)
            if found is not None:
                energy_given[found[0].key] = (found[1], quantity)
        for offset, spec in enumerate(rows):
            row = L.FIRST_ROW + offset
            values: dict[str, Any] = {
                "key": spec.key,
                "label_zh": spec.zh,
                "label_en": spec.en,
                "unit": spec.unit,
                "how": spec.note,
            }
            if spec.kind == "energy":
                if spec.key in energy_given:
                    values["unit"], values["value"] = energy_given[spec.key]
            elif "." in spec.key:
                outer, inner = spec.key.split(".", 1)
                values["value"] = (given.get(outer) or {}).get(inner)
            else:
                values["value"] = given.get(spec.key)
            for column in columns:
                cell = L.put(sheet, row, positions[column.key], values.get(column.key))
                entry = column.key == "value" or (column.key == "unit" and spec.kind == "energy")
                L.style_body(cell, entry=entry, center=column.key == "unit")
                if column.key == "value" and spec.kind == "text":
                    cell.number_format = "@"
            value_cell = f"{get_column_letter(positions['value'])}{row}"
            if spec.kind == "energy":
                self.number_entry(sheet, value_cell, "", 0, None)
                unit_cell = f"{get_column_letter(positions['unit'])}{row}"
                self.choose(sheet, list(spec.units), unit_cell, "单位 Unit")
            elif spec.kind == "number":
                self.number_entry(sheet, value_cell, spec.unit or "", 0, None)
            elif spec.kind == "int":
                self.validation(
                    sheet,
                    "whole",
                    "1990|2100",
                    promptTitle="年份 Year",
                    prompt="如 2025\ne.g. 2025",
                    errorTitle="年份 Year",
                    error="请输入 1990–2100 之间的年份。\nA year between 1990 and 2100.",
                ).add(value_cell)
            L.fit_row(sheet, row, [(spec.zh, 30), (spec.en, 36), (spec.note, 50)])
        sheet.freeze_panes = sheet.cell(row=L.FIRST_ROW, column=4).coordinate

    # --- assembly ---------------------------------------------------------------------------------

    def meta(self, kind: str) -> WorkbookMeta:
        return WorkbookMeta(
            kind=kind,
            standard_id=self.standard.id,
            edition=self.standard.edition,
            standard_sha256=self.standard.sha256,
            profile=self.profile,
            industry_type=self.industry,
            lang=self.lang,
            sheets=tuple(self.records),
            generator=GENERATOR,
        )

    def finish(self, kind: str) -> bytes:
        L.write_meta(self.book, self.meta(kind))
        props = self.book.properties
        props.title = f"{self.standard.title.zh} {self.standard.edition}"
        props.subject = self.std_title()
        props.creator = GENERATOR
        props.keywords = f"zhizao {self.standard.id} {self.standard.edition}"
        self.book.active = 0
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def _fit_ids(columns: Sequence[Column], ids: Iterable[str]) -> list[Column]:
    """The ID column as wide as the longest ID (item ids such as org-strategy.L1.1 stay whole)."""
    longest = max((len(i) for i in ids), default=0)
    width = min(30.0, max(L.ID.width, longest * 0.95 + 3))
    return [replace(c, width=width) if c.key == "id" else c for c in columns]


def _outcome(gate: Mapping[str, Any] | None) -> str | None:
    if gate is None:
        return None
    state = {True: "通过 pass", False: "未通过 FAIL", None: "待定 open"}[gate.get("passed")]
    return f"{state}: {gate.get('message', '')}"


# --- answers ↔ cells -----------------------------------------------------------------------------------


def product_entries(raw: Any) -> list[dict[str, Any]]:
    """The product rows of a weighted quantity answer ([] when it is a single value)."""
    if isinstance(raw, Mapping) and isinstance(raw.get("products"), list):
        entries = raw["products"]
    elif isinstance(raw, Mapping) and raw.get("weight") is not None:
        entries = [raw]
    else:
        return []
    rows = []
    for entry in entries:
        if isinstance(entry, Mapping):
            rows.append(
                {
                    "product": entry.get("name"),
                    "value": entry.get("value"),
                    "baseline": entry.get("baseline"),
                    "leading": entry.get("leading"),
                    "weight": entry.get("weight"),
                }
            )
    return rows


def answer_cells(
    item: Item,
    raw: Any,
    scales: Mapping[str, Scale],
    lang: str,
    fixed: set[str] = frozenset(),  # type: ignore[assignment]
) -> dict[str, Any]:
    """The cells of an item row that hold `raw` (an answer as in the answers file)."""
    rule = item.rule
    if isinstance(raw, Mapping) and raw.get("na") is True:
        return {"na_reason": raw.get("reason")}
    if isinstance(rule, MultiRule):
        keys = [raw] if isinstance(raw, str) else list(raw or [])
        order = [o.key for o in rule.options]
        keys.sort(key=lambda k: order.index(k) if k in order else len(order))
        return {"answer": "|".join(str(k) for k in keys)}
    if isinstance(rule, YesNoRule):
        yes, no = yes_no_labels(lang)
        return {"answer": yes if raw is True else no if raw is False else raw}
    if isinstance(rule, SatisfactionRule):
        scale = scales.get(rule.scale)
        return {"answer": grade_label(scale, str(raw), lang) if scale else raw}
    if isinstance(rule, QuantityRule):
        if product_entries(raw):
            return {}
        if isinstance(raw, Mapping):
            cells = {"answer": raw.get("value")}
            for key in ("baseline", "leading"):
                if raw.get(key) is not None and key not in fixed:
                    cells[key] = raw.get(key)
            return cells
        return {"answer": raw}
    return {"answer": raw}


def answer_text(item: Item, raw: Any, scales: Mapping[str, Scale], lang: str) -> str:
    """An answer in words, for the evaluated-answer column."""
    if isinstance(raw, Mapping) and raw.get("na") is True:
        return f"不适用 n/a: {raw.get('reason', '')}"
    if isinstance(item.rule, QuantityRule):
        products = product_entries(raw)
        if products:
            return "; ".join(
                f"{p.get('product') or '—'} {p.get('value')} (w {p.get('weight')})"
                for p in products
            )
        if isinstance(raw, Mapping):
            text = "—" if raw.get("value") is None else f"{raw.get('value'):g}"
            if raw.get("baseline") is not None or raw.get("leading") is not None:
                text += f" ({raw.get('baseline')} → {raw.get('leading')})"
            return text
        return f"{raw:g}" if isinstance(raw, int | float) else str(raw)
    cells = answer_cells(item, raw, scales, lang)
    return str(cells.get("answer", ""))


def build_workbook(
    standard: Standard,
    library: Library,
    *,
    profile: str | None,
    industry: str | None,
    lang: str,
    filled: Filled | None = None,
    summary_writer: Any = None,
) -> bytes:
    writer = _Writer(standard, library, profile, industry, lang, filled)
    if summary_writer is not None:
        summary_writer(writer)
    writer.instructions()
    writer.general()
    writer.gates()
    writer.item_sheets()
    writer.products()
    writer.activity()
    return writer.finish("export" if filled is not None else "template")
