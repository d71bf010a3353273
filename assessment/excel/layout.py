"""What a zhizao workbook looks like: sheets, columns, styles and the metadata that travels with it.

The template writer, the importer and the exporter all read their columns from here, so a column is
found by its header (wherever the user moved it) and a header renamed here is renamed everywhere.
Every header is Chinese first, English beside it: "答案 Answer".
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from standards.problems import Problem, ProblemError

FORMAT = "zhizao-workbook"
FORMAT_VERSION = 1
META_SHEET = "_zhizao"
MAX_BYTES = 10 * 1024 * 1024  # the size cap of an uploaded workbook, checked before parsing
MAX_UNPACKED = 200 * 1024 * 1024  # the unzipped parts together (a zip bomb stops here)
MAX_NOTE = 5_000  # an evidence note in a cell; it becomes a comment (with room for its prefix)

# Roles of sheets (kept in the metadata sheet next to each sheet's name).
INSTRUCTIONS, GENERAL, GATES, ITEMS, PRODUCTS, ACTIVITY, SUMMARY = (
    "instructions",
    "general",
    "gates",
    "items",
    "products",
    "activity",
    "summary",
)

TITLE_ROW = 1
HEADER_ROW = 2
FIRST_ROW = 3


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    width: float
    entry: bool = False  # the user types here (yellow); the importer reads it

    @property
    def header(self) -> str:
        return f"{self.zh} {self.en}"


def _columns(*cols: Column) -> dict[str, Column]:
    return {c.key: c for c in cols}


# --- item sheets ----------------------------------------------------------------------------------

ID = Column("id", "编号", "ID", 13)
ITEM_COLUMNS = _columns(
    ID,
    Column("number", "序号", "No.", 7),
    Column("question_zh", "题目", "Question", 30),
    Column("question_en", "题目（英文）", "Question in English", 30),
    Column("options_zh", "选项说明", "Options", 46),
    Column("options_en", "选项说明（英文）", "Options in English", 46),
    Column("answer", "答案", "Answer", 13, entry=True),
    Column("how", "填写方式", "How to answer", 22),
    Column("baseline", "基准值", "Baseline", 11, entry=True),
    Column("leading", "引领值", "Leading value", 11, entry=True),
    Column("unit", "单位", "Unit", 10),
    Column("na_reason", "不适用理由", "Reason if not applicable", 20, entry=True),
    Column("notes", "证据说明", "Evidence notes", 34, entry=True),
    Column("applicability", "适用性", "Applicability", 13),
    Column("domain", "所属领域", "Domain", 22),
)
# Added by the exporter after the questionnaire columns.
RESULT_COLUMNS = _columns(
    Column("self_points", "自评得分", "Self-assessed points", 10),
    Column("max_points", "满分", "Maximum", 8),
    Column("status", "状态", "Status", 12),
    Column("evaluated_answer", "评审答案", "Evaluated answer", 14),
    Column("evaluated_points", "评审得分", "Evaluated points", 10),
    Column("decision", "评审意见", "Decision", 12),
    Column("reason", "评审理由", "Evaluator's reason", 30),
)

GATE_COLUMNS = _columns(
    ID,
    Column("question_zh", "条件", "Condition", 40),
    Column("question_en", "条件（英文）", "Condition in English", 40),
    Column("clause", "依据", "Clause", 24),
    Column("answer", "答案", "Answer", 13, entry=True),
    Column("how", "填写方式", "How to answer", 24),
    Column("unit", "单位", "Unit", 9),
    Column("variant", "地区类别", "Variant", 16, entry=True),
    Column("notes", "证据说明", "Evidence notes", 34, entry=True),
)
GATE_RESULT_COLUMNS = _columns(
    Column("self_outcome", "自评结果", "Self-assessed outcome", 28),
    Column("evaluated_outcome", "评审结果", "Evaluated outcome", 28),
)

PRODUCT_COLUMNS = _columns(
    ID,
    Column("product", "产品", "Product", 24, entry=True),
    Column("value", "数值", "Value", 12, entry=True),
    Column("baseline", "基准值", "Baseline", 12, entry=True),
    Column("leading", "引领值", "Leading value", 12, entry=True),
    Column("weight", "权重（如综合能耗 tce）", "Weight (e.g. tce)", 16, entry=True),
    Column("how", "说明", "Notes", 40),
)
PRODUCT_ROWS = 30  # prepared rows (with drop-downs) on the products sheet

KEY = Column("key", "键", "Key", 30)
ACTIVITY_COLUMNS = _columns(
    KEY,
    Column("label_zh", "项目", "Item", 30),
    Column("label_en", "项目（英文）", "Item in English", 36),
    Column("value", "数值", "Value", 16, entry=True),
    Column("unit", "单位", "Unit", 10, entry=True),
    Column("how", "说明", "Notes", 50),
)

GENERAL_COLUMNS = _columns(
    KEY,
    Column("label_zh", "项目", "Field", 22),
    Column("label_en", "项目（英文）", "Field in English", 26),
    Column("value", "内容", "Value", 34, entry=True),
    Column("how", "说明", "Notes", 60),
)

COLUMNS_BY_ROLE: dict[str, dict[str, Column]] = {
    ITEMS: ITEM_COLUMNS,
    GATES: GATE_COLUMNS,
    PRODUCTS: PRODUCT_COLUMNS,
    ACTIVITY: ACTIVITY_COLUMNS,
    GENERAL: GENERAL_COLUMNS,
}

# --- words shown in cells --------------------------------------------------------------------------

YES = ("是", "Yes")
NO = ("否", "No")
YES_WORDS = frozenset({"是", "yes", "y", "true", "1", "√", "✓", "对"})
NO_WORDS = frozenset({"否", "no", "n", "false", "0", "×", "✗", "不是"})
INDUSTRY_NAMES = {"discrete": ("离散型", "discrete"), "process": ("流程型", "process")}
APPLICABILITY_NAMES = {
    "mandatory": ("必答", "mandatory"),
    "optional": ("选答", "optional"),
    "not_applicable": ("不适用", "not applicable"),
}

# --- styles ---------------------------------------------------------------------------------------

FONT_NAME = (
    "微软雅黑"  # Microsoft YaHei: on every Chinese Windows and in WPS; metric-close fallbacks
)
BODY = Font(name=FONT_NAME, size=10)
BOLD = Font(name=FONT_NAME, size=10, bold=True)
TITLE = Font(name=FONT_NAME, size=13, bold=True, color="1F4E79")
MUTED = Font(name=FONT_NAME, size=9, color="595959")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
ENTRY_FILL = PatternFill("solid", fgColor="FFF2CC")
GROUP_FILL = PatternFill("solid", fgColor="E2EFDA")
FIXED_FILL = PatternFill("solid", fgColor="EDEDED")
RESULT_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LEFT_TOP = Alignment(horizontal="left", vertical="top", wrap_text=True)
CENTER_TOP = Alignment(horizontal="center", vertical="top", wrap_text=True)
HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")

LINE_POINTS = 13.5  # height of one line of 10 pt YaHei
MAX_ROW_POINTS = 409.0  # Excel's limit


def display_width(text: str) -> float:
    """Width of 10 pt YaHei text in Excel column units (measured: a CJK character takes about 1.8
    units, a Latin one about 0.9)."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in text)


def lines_needed(text: str, width: float) -> int:
    usable = max(width - 1.0, 4.0)
    return sum(max(1, math.ceil(display_width(line) / usable)) for line in text.split("\n"))


def fit_row(
    sheet: Worksheet, row: int, texts: Iterable[tuple[str, float]], minimum: int = 1
) -> None:
    """Set the row's height so that each wrapped (text, column width) shows in full."""
    lines = max([minimum, *(lines_needed(t, w) for t, w in texts if t)])
    sheet.row_dimensions[row].height = min(MAX_ROW_POINTS, LINE_POINTS * lines + 4)


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name (≤ 31 characters, none of []:*?/\\)."""
    clean = re.sub(r"[\[\]:*?/\\]", " ", text).strip().strip("'") or "Sheet"
    name = clean[:31]
    counter = 2
    while name.lower() in {t.lower() for t in taken}:
        suffix = f" ({counter})"
        name = clean[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(name)
    return name


# Text that a spreadsheet takes for a formula (or a DDE command such as =cmd|' /C calc'!A0) when it
# starts a cell: "=" at once, "+ - @" as soon as someone edits the cell, tab and CR in CSV exports.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def put(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write `value` into a cell; text always stays text, shown exactly as written.

    Every cell the writers fill goes through here, because much of what they write was typed by
    someone (a firm's evidence notes and name, an evaluator's reasons): openpyxl would store
    "=HYPERLINK(…)" as a live formula and "#N/A" as an error. Text is stored as a string cell, and
    text starting like a formula also gets the quote prefix, so Excel and WPS keep it text when the
    cell is edited. Characters a worksheet cannot hold (C0 controls) are shown as U+FFFD instead of
    failing the whole export.
    """
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def style_header(cell: Cell) -> None:
    cell.font = BOLD
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGN
    cell.border = BORDER


def style_body(cell: Cell, *, entry: bool = False, center: bool = False) -> None:
    cell.font = BODY
    cell.border = BORDER
    cell.alignment = CENTER_TOP if center else WRAP_TOP
    if entry:
        cell.fill = ENTRY_FILL


def normalise_header(text: object) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(text or ""))).strip().lower()


def header_matches(cell_text: object, column: Column) -> bool:
    """A header cell names `column` if it reads "zh en", "zh" or "en" (spacing and case aside)."""
    seen = normalise_header(cell_text)
    if not seen:
        return False
    return seen in {
        normalise_header(column.header),
        normalise_header(column.zh),
        normalise_header(column.en),
        normalise_header(f"{column.zh}\n{column.en}"),
    }


# --- metadata -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetRecord:
    name: str
    role: str
    node: str | None = None  # the element (or domain) an items sheet holds
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkbookMeta:
    kind: str  # template | export
    standard_id: str
    edition: str
    standard_sha256: str
    profile: str | None
    industry_type: str | None
    lang: str
    sheets: tuple[SheetRecord, ...]
    generator: str
    format_version: int = FORMAT_VERSION

    def sheets_with(self, role: str) -> list[SheetRecord]:
        return [s for s in self.sheets if s.role == role]

    def as_rows(self) -> list[tuple[str, str]]:
        sheets = [
            {"name": s.name, "role": s.role, "node": s.node, "items": list(s.items)}
            for s in self.sheets
        ]
        return [
            ("format", FORMAT),
            ("format_version", str(self.format_version)),
            ("kind", self.kind),
            ("standard_id", self.standard_id),
            ("edition", self.edition),
            ("standard_sha256", self.standard_sha256),
            ("profile", self.profile or ""),
            ("industry_type", self.industry_type or ""),
            ("lang", self.lang),
            ("generator", self.generator),
            ("sheets", json.dumps(sheets, ensure_ascii=False, separators=(",", ":"))),
        ]


class MetaError(ProblemError, ValueError):
    """A workbook whose metadata is missing or wrong; `problem` says which (`str()`: English)."""


def write_meta(workbook: Workbook, meta: WorkbookMeta) -> None:
    """A hidden sheet with the metadata, and the main fields as custom document properties."""
    from openpyxl.packaging.custom import StringProperty  # noqa: PLC0415

    sheet = workbook.create_sheet(META_SHEET)
    sheet.sheet_state = "hidden"
    put(sheet, 1, 1, "key")
    put(sheet, 1, 2, "value")
    for row, (key, value) in enumerate(meta.as_rows(), start=2):
        put(sheet, row, 1, key)
        put(sheet, row, 2, value)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80
    sheet.protection.sheet = True  # read-only in Excel/WPS (no password: it only prevents slips)
    for key, value in meta.as_rows():
        if key != "sheets":
            workbook.custom_doc_props.append(StringProperty(name=f"zhizao.{key}", value=value))


def _meta_values(workbook: Workbook) -> dict[str, str] | None:
    if META_SHEET not in workbook.sheetnames:
        return None
    values: dict[str, str] = {}
    for key, value in workbook[META_SHEET].iter_rows(min_row=2, max_col=2, values_only=True):
        if key is not None:
            values[str(key)] = "" if value is None else str(value)
    return values


def read_meta(workbook: Workbook) -> WorkbookMeta:
    """The metadata of a zhizao workbook; MetaError saying what is missing or wrong."""
    values = _meta_values(workbook)
    if values is None:
        props = {p.name: str(p.value) for p in workbook.custom_doc_props.props}
        if props.get("zhizao.format") == FORMAT:
            # The properties name the standard but not the sheets: read with them alone, the
            # workbook would import as "ok — 0 answers".
            raise MetaError(Problem((), "excel.meta_sheet_deleted", {"meta": META_SHEET}))
        raise MetaError(Problem((), "excel.not_made_by_zhizao", {"meta": META_SHEET}))
    if values.get("format") != FORMAT:
        raise MetaError(
            Problem(
                (), "excel.meta_format", {"given": values.get("format"), "format": FORMAT},
                sheet=META_SHEET,
            )
        )  # fmt: skip
    try:
        version = int(values.get("format_version", ""))
    except ValueError:
        raise MetaError(Problem((), "excel.meta_format_version", sheet=META_SHEET)) from None
    if version > FORMAT_VERSION:
        raise MetaError(
            Problem((), "excel.meta_too_new", {"version": version, "supported": FORMAT_VERSION})
        )
    missing = [k for k in ("standard_id", "edition", "standard_sha256") if not values.get(k)]
    if missing:
        raise MetaError(Problem((), "excel.meta_missing", {"keys": missing}, sheet=META_SHEET))
    sheets: list[SheetRecord] = []
    try:
        for entry in json.loads(values.get("sheets") or "[]"):
            sheets.append(
                SheetRecord(
                    str(entry["name"]),
                    str(entry["role"]),
                    entry.get("node"),
                    tuple(str(i) for i in entry.get("items") or ()),
                )
            )
    except (ValueError, KeyError, TypeError):
        raise MetaError(Problem((), "excel.meta_sheets_damaged", sheet=META_SHEET)) from None
    if not sheets:  # nothing would be read: "ok — 0 answers" for any answers it holds
        raise MetaError(Problem((), "excel.meta_no_sheets", sheet=META_SHEET))
    return WorkbookMeta(
        kind=values.get("kind") or "template",
        standard_id=values["standard_id"],
        edition=values["edition"],
        standard_sha256=values["standard_sha256"],
        profile=values.get("profile") or None,
        industry_type=values.get("industry_type") or None,
        lang=values.get("lang") or "zh",
        sheets=tuple(sheets),
        generator=values.get("generator") or "",
        format_version=version,
    )


def column_positions(
    sheet: Worksheet, columns: Mapping[str, Column], search_rows: int = 5
) -> tuple[int, dict[str, int]] | None:
    """(header row, column key → 1-based column index), found by header text; None if no ID/Key."""
    anchor = columns.get("id") or columns.get("key")
    for row in range(1, search_rows + 1):
        cells = [sheet.cell(row=row, column=c).value for c in range(1, sheet.max_column + 1)]
        if anchor is None or not any(header_matches(v, anchor) for v in cells):
            continue
        found: dict[str, int] = {}
        for index, value in enumerate(cells, start=1):
            for key, column in columns.items():
                if key not in found and header_matches(value, column):
                    found[key] = index
                    break
        return row, found
    return None


def cell_text(value: Any) -> str:
    """A cell value as trimmed text (NFKC: full-width letters and digits become ASCII)."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()
