"""Reading a filled workbook back into the canonical answers dict (and a year of activity data).

Every problem is located by sheet, row and item, and all of them are reported together. The bytes
are checked before anything is parsed: the size cap first, then that the content is an Excel
workbook at all (not a CSV, an .xls, a PDF, a renamed zip or a macro-enabled .xlsm), that what
openpyxl would build stays within the limits of `package`, then that it was made by zhizao for
this standard and edition. Nothing here writes anywhere; callers decide what to save.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from assessment.excel import layout as L
from assessment.excel.layout import Column, MetaError, SheetRecord, WorkbookMeta
from assessment.excel.package import PackageRefused, check_workbook, macro_content
from assessment.excel.questions import (
    ActivityRow,
    GateRow,
    activity_key,
    activity_rows,
    gate_rows,
    na_allowed,
    sourced_number,
)
from assessment.text import MAX_LINE, text_problems
from scoring import AnswerError, parse_answers
from scoring.carbon import CarbonInputError, account, parse_activity
from standards import Library, Standard, bundled_library
from standards.models import (
    ChoiceRule,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)
from standards.problems import Loc, Problem

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SEPARATORS = re.compile(r"[|,，、;；/\s]+")
_EXCEL_ERRORS = ("#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


def item_of(problem: Problem) -> str | None:
    """The item, gate or key a workbook problem is about (`FF-001`, `investment`, `std:metric`,
    `energy.natural_gas`), read from its `loc`; None for a problem of the whole workbook."""
    loc = problem.loc
    if len(loc) >= 2 and loc[0] in ("answers", "gates"):
        return str(loc[1])
    if len(loc) >= 3 and loc[0] == "related_results":
        return f"{loc[1]}:{loc[2]}"
    return ".".join(str(p) for p in loc) or None


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A workbook problem as `zhizao import --json` prints it; the message in English."""
    return {
        "sheet": problem.sheet,
        "row": problem.line,
        "item": item_of(problem),
        "column": problem.column,
        "message": problem.message("en"),
    }


@dataclass
class WorkbookImport:
    """What a workbook holds, and what is wrong with it.

    `document` is an answers file as `zhizao score` reads it (None when the workbook could not be
    read at all). With problems it is not to be saved — unless the caller chose `valid_rows_only`
    and the problems are all in rows (`fatal` is False): then `document` holds the valid rows only
    and `skipped` names the items and gates left out.
    """

    meta: WorkbookMeta | None = None
    document: dict[str, Any] | None = None
    activity: dict[str, Any] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    fatal: bool = False
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.problems

    def usable(self, valid_rows_only: bool = False) -> bool:
        """True when `document` may be saved: no problems, or only row problems and the user
        chose to import the valid rows."""
        if self.document is None:
            return False
        return not self.problems or (valid_rows_only and not self.fatal)

    def counts(self) -> dict[str, int]:
        doc = self.document or {}
        related = doc.get("related_results") or {}
        return {
            "answers": len(doc.get("answers") or {}),
            "gates": len(doc.get("gates") or {}) + sum(len(v) for v in related.values()),
            "notes": len(self.notes),
            "energy": len((self.activity or {}).get("energy") or {}),
        }


class _Fatal(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


# --- the file itself ----------------------------------------------------------------------------


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def check_file(data: bytes, max_bytes: int = L.MAX_BYTES) -> Problem | None:
    """Size cap, then "is this an .xlsx workbook at all", then no macros and every limit of
    `package` (parts, shared strings, rows, cells) — before openpyxl parses the content."""
    if len(data) > max_bytes:
        return Problem(
            (), "excel.file_too_large", {"size_mb": _mb(len(data)), "limit_mb": _mb(max_bytes)}
        )
    if not data:
        return Problem((), "excel.file_empty")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Problem((), "excel.file_xls")
    if not data.startswith(b"PK\x03\x04"):
        head = data[:64].lstrip()
        what = (
            "pdf"
            if head.startswith(b"%PDF")
            else "html"
            if head.lower().startswith((b"<!doctype", b"<html"))
            else "text"
            if _looks_like_text(data[:2048])
            else "unknown"
        )
        return Problem((), "excel.file_not_xlsx", {"what": f"excel.kind.{what}"})
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _check_package(archive)
    except zipfile.BadZipFile:
        return Problem((), "excel.file_damaged")
    except PackageRefused as exc:
        return exc.problem


def _check_package(archive: zipfile.ZipFile) -> Problem | None:
    infos = archive.infolist()
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        what = "word" if "word/document.xml" in names else "zip"
        return Problem((), "excel.not_a_workbook", {"what": f"excel.kind.{what}"})
    unpacked = sum(i.file_size for i in infos)
    if unpacked > L.MAX_UNPACKED:
        return Problem(
            (), "excel.unpacked_too_large",
            {"size_mb": _mb(unpacked), "limit_mb": _mb(L.MAX_UNPACKED)},
        )  # fmt: skip
    macros = macro_content(archive)
    if macros is not None:
        return macros.problem()
    check_workbook(archive)  # every limit on what openpyxl would build, before it builds it
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("gb18030")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in head


# --- cell values ----------------------------------------------------------------------------------


class _CellError(ValueError):
    """What is wrong with one cell (a Problem without its place), and which column holds it when
    it is not the one being read."""

    def __init__(self, problem: Problem, column: str | None = None) -> None:
        super().__init__(problem.code)
        self.problem = problem
        self.column = column


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, unit: str | None = None, number_format: str = "General") -> float | int:
    """A number from a cell; _CellError saying what was found instead."""
    if isinstance(value, bool):
        given = "TRUE" if value else "FALSE"
        raise _CellError(
            Problem((), "excel.number_got_boolean", {"unit": unit, "given": given})
            if unit
            else Problem((), "excel.number_got_boolean_no_unit", {"given": given})
        )
    if isinstance(value, int | float):
        number: float | int = value
        if not math.isfinite(number):
            raise _CellError(
                Problem((), "excel.number_not_finite", {"unit": unit})
                if unit
                else Problem((), "excel.number_not_finite_no_unit")
            )
        if unit == "%" and "%" in (number_format or ""):
            # 40% typed into Excel is stored as 0.4 shown as 40%: the item's unit is percent.
            number = float(f"{number * 100:.12g}")
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            return int(number)
        return number
    if isinstance(value, datetime | date | time):
        raise _CellError(
            Problem((), "excel.number_got_date", {"unit": unit, "given": str(value)})
            if unit
            else Problem((), "excel.number_got_date_no_unit", {"given": str(value)})
        )
    text = L.cell_text(value)
    if text in _EXCEL_ERRORS:
        raise _CellError(
            Problem((), "excel.number_got_excel_error", {"unit": unit, "error": text})
            if unit
            else Problem((), "excel.number_got_excel_error_no_unit", {"error": text})
        )
    compact = text.replace(" ", "")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
    if unit == "%" and compact.endswith("%"):
        compact = compact[:-1]
    if _NUMBER.match(compact):
        number = float(compact)
        return int(number) if number.is_integer() and "." not in compact else number
    raise _CellError(
        Problem((), "excel.number_got_text", {"unit": unit, "given": text})
        if unit
        else Problem((), "excel.number_got_text_no_unit", {"given": text})
    )


def _typed_text(value: Any, *, multiline: bool, max_length: int = L.MAX_NOTE) -> str:
    """Text a person typed into a cell, checked as every stored text is (no control characters,
    a capped length); _CellError saying what is wrong."""
    text = str(value).strip()
    problems = text_problems(text, (), max_length=max_length, multiline=multiline)
    if problems:
        raise _CellError(problems[0])
    return text


def _yes_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = L.cell_text(value).lower()
    if text in L.YES_WORDS:
        return True
    if text in L.NO_WORDS:
        return False
    raise _CellError(Problem((), "excel.not_yes_no", {"given": L.cell_text(value)}))


def _key(value: Any, keys: list[str]) -> str | None:
    text = L.cell_text(value)
    if text in keys:
        return text
    folded = [k for k in keys if k.lower() == text.lower()]
    return folded[0] if len(folded) == 1 else None


# --- sheets -----------------------------------------------------------------------------------------


@dataclass
class _Sheet:
    record: SheetRecord
    sheet: Worksheet
    header_row: int
    columns: dict[str, int]
    headers: dict[str, Column]

    def value(self, row: int, key: str) -> Any:
        index = self.columns.get(key)
        return None if index is None else self.sheet.cell(row=row, column=index).value

    def number_format(self, row: int, key: str) -> str:
        index = self.columns.get(key)
        return "General" if index is None else self.sheet.cell(row=row, column=index).number_format

    def rows(self) -> range:
        return range(self.header_row + 1, self.sheet.max_row + 1)


@dataclass
class _Located:
    sheet: str
    row: int


def _row_loc(kind: str, key: str) -> Loc:
    """The `loc` of a row of the questionnaire: an item's in the answers, a gate's in the gates,
    a related standard's result (`std:metric`) in related_results."""
    if kind == "item":
        return ("answers", key)
    if ":" in key:
        std, metric = key.split(":", 1)
        return ("related_results", std, metric)
    return ("gates", key)


def _activity_loc(spec: ActivityRow | None, key: str) -> Loc:
    """The `loc` of a row of the activity sheet: its key as a path (an energy's under `energy`)."""
    if spec is not None and spec.kind == "energy":
        return ("energy", key)
    return tuple(key.split("."))


class _Reader:
    def __init__(
        self,
        book: Workbook,
        meta: WorkbookMeta,
        standard: Standard,
        scales: Mapping[str, Scale],
        library: Library,
        result: WorkbookImport,
    ) -> None:
        self.book = book
        self.meta = meta
        self.standard = standard
        self.scales = scales
        self.library = library
        self.result = result
        self.items = {i.id: i for i in standard.items}
        self.answers: dict[str, Any] = {}
        self.gates: dict[str, Any] = {}
        self.related: dict[str, dict[str, float]] = {}
        self.general: dict[str, Any] = {}
        self.where: dict[tuple[str, str], _Located] = {}  # ("item" | "gate", id) → its row
        self.product_rows: dict[str, list[_Located]] = {}
        self.bad: set[tuple[str, str]] = set()  # rows with a problem, left out
        self.unreadable: set[str] = set()  # sheets that could not be read at all
        self.general_rows: dict[str, _Located] = {}  # General sheet key → its row

    # problems
    def error(
        self,
        problem: Problem,
        *,
        fatal: bool = False,
        loc: Loc = (),
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        """Record `problem` at its place: `loc` is put before its own (a cell's problem has none)."""
        placed = problem.under(*loc).placed(sheet=sheet, line=row, column=column)
        self.result.problems.append(placed)
        if fatal:
            self.result.fatal = True

    def warn(self, problem: Problem, *, sheet: str | None = None) -> None:
        self.result.warnings.append(problem.placed(sheet=sheet))

    # structure
    def open(
        self, record: SheetRecord, columns: Mapping[str, Column], required: list[str]
    ) -> _Sheet | None:
        self.unreadable.add(record.name)
        if record.name not in self.book.sheetnames:
            self.error(
                Problem((), "excel.sheet_missing", {"name": record.name, "items": record.items})
                if record.items
                else Problem((), "excel.sheet_missing_empty", {"name": record.name}),
                fatal=True,
            )
            return None
        sheet = self.book[record.name]
        found = L.column_positions(sheet, columns)
        anchor = columns.get("id") or columns["key"]
        if found is None:
            self.error(
                Problem((), "excel.header_missing", {"header": anchor.header}),
                fatal=True,
                sheet=record.name,
            )
            return None
        header_row, positions = found
        missing = [columns[k].header for k in required if k not in positions]
        if missing:
            for header in missing:
                self.error(
                    Problem((), "excel.column_missing", {"header": header}),
                    fatal=True,
                    sheet=record.name,
                    row=header_row,
                )
            return None
        self.unreadable.discard(record.name)
        return _Sheet(record, sheet, header_row, positions, dict(columns))

    def read(self) -> None:
        roles: dict[str, Callable[[SheetRecord], None]] = {
            L.GENERAL: self.read_general,
            L.GATES: self.read_gates,
            L.ITEMS: self.read_items,
            L.PRODUCTS: self.read_products,
            L.ACTIVITY: self.read_activity,
        }
        for role in (L.GENERAL, L.GATES, L.ITEMS, L.PRODUCTS, L.ACTIVITY):
            for record in self.meta.sheets_with(role):
                roles[role](record)

    # --- general -----------------------------------------------------------------------------------

    def read_general(self, record: SheetRecord) -> None:
        sheet = self.open(record, L.GENERAL_COLUMNS, ["value"])
        if sheet is None:
            return
        profiles = {p.id: p for p in self.standard.profiles}
        for row in sheet.rows():
            key = L.cell_text(sheet.value(row, "key"))
            value = sheet.value(row, "value")
            if key:
                self.general_rows[key] = _Located(record.name, row)
            if not key or _blank(value):
                continue
            where: dict[str, Any] = {
                "sheet": record.name,
                "row": row,
                "loc": (key,),
                "column": _h(L.GENERAL_COLUMNS, "value"),
            }
            text = L.cell_text(value)
            if key == "firm":
                self.general["firm"] = str(value).strip()
            elif key == "profile":
                match = next(
                    (
                        p.id
                        for p in profiles.values()
                        if text.lower() in {p.id.lower(), p.name.zh.lower(), p.name.en.lower()}
                    ),
                    None,
                )
                if match is None:
                    self.error(
                        Problem(
                            (), "excel.not_a_target",
                            {"given": text, "standard": self.standard.id, "expected": list(profiles)},
                        ),
                        fatal=True,
                        **where,
                    )  # fmt: skip
                else:
                    self.general["profile"] = match
            elif key == "industry_type":
                match = next(
                    (
                        kind
                        for kind, (zh, en) in L.INDUSTRY_NAMES.items()
                        if text.lower() in {kind, zh, zh.rstrip("型"), en}
                    ),
                    None,
                )
                if match is None:
                    self.error(
                        Problem((), "excel.not_an_industry_type", {"given": text}),
                        fatal=True,
                        **where,
                    )
                else:
                    self.general["industry_type"] = match

    # --- gates -------------------------------------------------------------------------------------

    def read_gates(self, record: SheetRecord) -> None:
        sheet = self.open(record, L.GATE_COLUMNS, ["answer", "notes"])
        if sheet is None:
            return
        rows = {r.id: r for r in gate_rows(self.standard, None)}
        for row in sheet.rows():
            gate_id = L.cell_text(sheet.value(row, "id"))
            answer = sheet.value(row, "answer")
            variant = sheet.value(row, "variant")
            note = sheet.value(row, "notes")
            if not gate_id:
                if not (_blank(answer) and _blank(variant) and _blank(note)):
                    self.error(Problem((), "excel.gate_row_without_id"), sheet=record.name, row=row)
                continue
            where: dict[str, Any] = {
                "sheet": record.name,
                "row": row,
                "loc": _row_loc("gate", gate_id),
            }
            spec = rows.get(gate_id)
            if spec is None:
                self.error(
                    Problem((), "excel.unknown_gate", {"given": gate_id, "expected": list(rows)}),
                    **where,
                )
                continue
            if not self.first_sighting(("gate", gate_id), record.name, row):
                continue
            if not _blank(note):
                try:
                    self.result.notes[gate_id] = _typed_text(note, multiline=True)
                except _CellError as exc:
                    self.error(exc.problem, column=_h(L.GATE_COLUMNS, "notes"), **where)
                    self.bad.add(("gate", gate_id))
                    continue
            if _blank(answer):
                if not _blank(variant):
                    self.error(
                        Problem((), "excel.variant_without_answer"),
                        column=_h(L.GATE_COLUMNS, "answer"),
                        **where,
                    )
                    self.bad.add(("gate", gate_id))
                continue
            try:
                self.read_gate(spec, answer, variant, sheet, row)
            except _CellError as exc:
                column = _h(L.GATE_COLUMNS, exc.column or "answer")
                self.error(exc.problem, column=column, **where)
                self.bad.add(("gate", gate_id))

    def read_gate(self, spec: GateRow, answer: Any, variant: Any, sheet: _Sheet, row: int) -> None:
        if spec.kind == "declaration":
            self.gates[spec.id] = _yes_no(answer)
            return
        if spec.kind == "related":
            assert spec.related is not None  # noqa: S101
            std, metric = spec.related
            self.related.setdefault(std, {})[metric] = _number(answer)
            return
        gate = spec.gate
        assert gate is not None  # noqa: S101
        number = _number(answer, gate.unit, sheet.number_format(row, "answer"))
        if _blank(variant):
            self.gates[spec.id] = number
            return
        text = L.cell_text(variant)
        names = {"default": "default", "一般地区": "default"}
        for key, name in gate.variants.items():
            names |= {key.lower(): key, name.zh.lower(): key, name.en.lower(): key}
        chosen = names.get(text.lower())
        if chosen is None:
            raise _CellError(
                Problem(
                    (), "excel.unknown_variant",
                    {"given": text, "expected": ["default", *gate.variants]},
                )
            )  # fmt: skip
        self.gates[spec.id] = (
            number if chosen == "default" else {"value": number, "variant": chosen}
        )

    # --- items --------------------------------------------------------------------------------------

    def first_sighting(self, key: tuple[str, str], sheet: str, row: int) -> bool:
        seen = self.where.get(key)
        if seen is not None:
            self.error(
                Problem(
                    (), "excel.appears_twice",
                    {"id": key[1], "other_sheet": seen.sheet, "other_row": seen.row},
                ),
                sheet=sheet,
                row=row,
                loc=_row_loc(*key),
            )  # fmt: skip
            self.bad.add(key)
            return False
        self.where[key] = _Located(sheet, row)
        return True

    def read_items(self, record: SheetRecord) -> None:
        on_sheet = [self.items[i] for i in record.items if i in self.items]
        required = ["answer", "notes"]
        if na_allowed(self.standard):
            required.append("na_reason")
        for key in ("baseline", "leading"):
            if any(
                isinstance(i.rule, QuantityRule) and sourced_number(getattr(i.rule, key)) is None
                for i in on_sheet
            ):
                required.append(key)
        sheet = self.open(record, L.ITEM_COLUMNS, required)
        if sheet is None:
            return
        entries = [k for k, c in L.ITEM_COLUMNS.items() if c.entry]
        for row in sheet.rows():
            item_id = L.cell_text(sheet.value(row, "id"))
            if not item_id:
                if any(not _blank(sheet.value(row, k)) for k in entries):
                    self.error(Problem((), "excel.item_row_without_id"), sheet=record.name, row=row)
                continue
            where: dict[str, Any] = {
                "sheet": record.name,
                "row": row,
                "loc": _row_loc("item", item_id),
            }
            item = self.items.get(item_id)
            if item is None:
                self.error(Problem((), "excel.unknown_item", {"given": item_id}), **where)
                continue
            if not self.first_sighting(("item", item.id), record.name, row):
                continue
            note = sheet.value(row, "notes")
            try:
                if not _blank(note):
                    self.result.notes[item.id] = _typed_text(note, multiline=True)
            except _CellError as exc:
                self.error(exc.problem, column=_h(L.ITEM_COLUMNS, "notes"), **where)
                self.bad.add(("item", item.id))
                continue
            try:
                value = self.read_item(item, sheet, row)
            except _CellError as exc:
                column = _h(L.ITEM_COLUMNS, exc.column or "answer")
                self.error(exc.problem, column=column, **where)
                self.bad.add(("item", item.id))
                continue
            if value is not None:
                self.answers[item.id] = value

    def read_item(self, item: Item, sheet: _Sheet, row: int) -> Any:
        rule = item.rule
        answer = sheet.value(row, "answer")
        reason = sheet.value(row, "na_reason")
        if not _blank(reason):
            if not _blank(answer):
                raise _CellError(Problem((), "excel.answer_and_na_reason"))
            try:
                return {"na": True, "reason": _typed_text(reason, multiline=True)}
            except _CellError as exc:
                exc.column = "na_reason"
                raise
        if isinstance(rule, QuantityRule):
            return self.read_quantity(item, rule, sheet, row)
        if _blank(answer):
            return None
        given = L.cell_text(answer)
        if isinstance(rule, ChoiceRule):
            keys = [o.key for o in rule.options]
            key = _key(answer, keys)
            if key is None:
                parts = [p for p in _SEPARATORS.split(given) if p]
                if len(parts) > 1 and all(_key(p, keys) for p in parts):
                    raise _CellError(
                        Problem((), "excel.one_option_only", {"given": given, "keys": keys})
                    )
                raise _CellError(Problem((), "excel.not_an_option", {"given": given, "keys": keys}))
            return key
        if isinstance(rule, MultiRule):
            keys = [o.key for o in rule.options]
            ticked: list[str] = []
            unknown: list[str] = []
            for part in _SEPARATORS.split(given):
                if not part:
                    continue
                key = _key(part, keys)
                (ticked if key is not None else unknown).append(key or part)
            if unknown:
                raise _CellError(
                    Problem((), "excel.not_an_option_to_tick", {"given": unknown, "keys": keys})
                    if len(unknown) == 1
                    else Problem((), "excel.not_options_to_tick", {"given": unknown, "keys": keys})
                )
            return ticked
        if isinstance(rule, YesNoRule):
            return _yes_no(answer)
        if isinstance(rule, SatisfactionRule):
            scale = self.scales.get(rule.scale)
            if scale is None:
                raise _CellError(Problem((), "excel.no_scale", {"scale": rule.scale}))
            text = given.lower()
            for grade in scale.grades:
                if text in {grade.key, grade.text.zh.lower(), grade.text.en.lower()}:
                    return grade.key
            raise _CellError(
                Problem(
                    (), "excel.not_a_grade",
                    {
                        "given": given,
                        "grades": [g.text.zh for g in scale.grades],
                        "keys": [g.key for g in scale.grades],
                    },
                )
            )  # fmt: skip
        return None

    def read_quantity(self, item: Item, rule: QuantityRule, sheet: _Sheet, row: int) -> Any:
        values: dict[str, Any] = {}
        for key in ("answer", "baseline", "leading"):
            raw = sheet.value(row, key)
            if _blank(raw):
                continue
            try:
                values[key] = _number(raw, rule.unit, sheet.number_format(row, key))
            except _CellError as exc:
                exc.column = key
                raise
        for key in ("baseline", "leading"):
            fixed = sourced_number(getattr(rule, key))
            if fixed is not None and key in values:
                if not math.isclose(float(values[key]), fixed, rel_tol=1e-9, abs_tol=1e-12):
                    raise _CellError(
                        Problem(
                            (), "excel.set_by_the_standard",
                            {"key": f"excel.column.{key}", "fixed": fixed, "unit": rule.unit},
                        ),
                        column=key,
                    )  # fmt: skip
                del values[key]
        if not values:
            return None
        if "answer" not in values and not rule.derived_from:
            raise _CellError(
                Problem((), "excel.value_missing_with_baseline", {"unit": rule.unit})
                if "baseline" in values
                else Problem((), "excel.value_missing_with_leading", {"unit": rule.unit})
            )
        if set(values) == {"answer"}:
            return values["answer"]
        entry: dict[str, Any] = {}
        if "answer" in values:
            entry["value"] = values["answer"]
        for key in ("baseline", "leading"):
            if key in values:
                entry[key] = values[key]
        return entry

    # --- products ------------------------------------------------------------------------------------

    def read_products(self, record: SheetRecord) -> None:
        sheet = self.open(
            record, L.PRODUCT_COLUMNS, ["product", "value", "baseline", "leading", "weight"]
        )
        if sheet is None:
            return
        products: dict[str, list[dict[str, Any]]] = {}
        for row in sheet.rows():
            item_id = L.cell_text(sheet.value(row, "id"))
            cells = {
                k: sheet.value(row, k)
                for k in ("product", "value", "baseline", "leading", "weight")
            }
            if not item_id:
                if any(not _blank(v) for v in cells.values()):
                    self.error(Problem((), "excel.product_without_id"), sheet=record.name, row=row)
                continue
            where: dict[str, Any] = {
                "sheet": record.name,
                "row": row,
                "loc": _row_loc("item", item_id),
            }
            item = self.items.get(item_id)
            if item is None or not isinstance(item.rule, QuantityRule) or not item.rule.weighted:
                weighted = [
                    i.id
                    for i in self.standard.items
                    if isinstance(i.rule, QuantityRule) and i.rule.weighted
                ]
                self.error(
                    Problem(
                        (), "excel.not_a_product_item", {"given": item_id, "expected": weighted}
                    ),
                    **where,
                )
                continue
            if all(_blank(v) for v in cells.values()):
                continue
            entry: dict[str, Any] = {}
            failed = False
            if not _blank(cells["product"]):
                try:
                    entry["name"] = _typed_text(
                        cells["product"], multiline=False, max_length=MAX_LINE
                    )
                except _CellError as exc:
                    self.error(exc.problem, column=_h(L.PRODUCT_COLUMNS, "product"), **where)
                    failed = True
            for key in ("value", "baseline", "leading", "weight"):
                if _blank(cells[key]):
                    continue
                unit = item.rule.unit if key != "weight" else None
                try:
                    entry[key] = _number(cells[key], unit, sheet.number_format(row, key))
                except _CellError as exc:
                    self.error(exc.problem, column=_h(L.PRODUCT_COLUMNS, key), **where)
                    failed = True
            if failed:
                self.bad.add(("item", item.id))
                continue
            products.setdefault(item.id, []).append(entry)
            self.product_rows.setdefault(item.id, []).append(_Located(record.name, row))
        for item_id, entries in products.items():
            if item_id in self.answers:
                seen = self.where[("item", item_id)]
                first = self.product_rows[item_id][0]
                self.error(
                    Problem(
                        (), "excel.answered_twice",
                        {"other_sheet": seen.sheet, "other_row": seen.row},
                    ),
                    sheet=first.sheet,
                    row=first.row,
                    loc=_row_loc("item", item_id),
                )  # fmt: skip
                self.bad.add(("item", item_id))
                continue
            self.answers[item_id] = {"products": entries}
            self.where.setdefault(("item", item_id), self.product_rows[item_id][0])

    # --- activity -------------------------------------------------------------------------------------

    def read_activity(self, record: SheetRecord) -> None:
        sheet = self.open(record, L.ACTIVITY_COLUMNS, ["value", "unit"])
        if sheet is None:
            return
        specs = {r.key: r for r in activity_rows(self.library.factors)}
        data: dict[str, Any] = {}
        energy: dict[str, Any] = {}
        rows: dict[Loc, int] = {}
        problems = False
        for row in sheet.rows():
            key = L.cell_text(sheet.value(row, "key"))
            value = sheet.value(row, "value")
            if not key:
                if not _blank(value):
                    self.error(Problem((), "excel.value_without_key"), sheet=record.name, row=row)
                    problems = True
                continue
            spec = specs.get(key)
            where: dict[str, Any] = {
                "sheet": record.name,
                "row": row,
                "loc": _activity_loc(spec, key),
            }
            if spec is None:
                self.error(Problem((), "excel.unknown_activity_key", {"given": key}), **where)
                problems = True
                continue
            if _blank(value):
                continue
            try:
                parsed = self.activity_value(spec, value, sheet.value(row, "unit"))
            except _CellError as exc:
                column = _h(L.ACTIVITY_COLUMNS, exc.column or "value")
                self.error(exc.problem, column=column, **where)
                problems = True
                continue
            if spec.kind == "energy":
                name, number = parsed
                energy[name] = number
                rows[("energy", name)] = row
            elif "." in key:
                outer, inner = key.split(".", 1)
                data.setdefault(outer, {})[inner] = parsed
                rows[(outer, inner)] = row
                rows.setdefault((outer,), row)
            else:
                data[key] = parsed
                rows[(key,)] = row
        if energy:
            data["energy"] = energy
        if not data and not problems:
            return
        if problems:
            self.result.fatal = True
            return
        self.check_activity(record.name, data, rows)

    def activity_value(self, spec: ActivityRow, value: Any, unit_cell: Any) -> Any:
        if spec.kind == "text":
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip()
        if spec.kind == "int":
            number = _number(value)
            if not isinstance(number, int):
                raise _CellError(Problem((), "excel.not_a_year", {"given": value}))
            return number
        number = _number(value, spec.unit if spec.kind != "energy" else None)
        if spec.kind != "energy":
            return number
        unit = L.cell_text(unit_cell) or (spec.unit or "")
        chosen = next((u for u in spec.units if u.lower() == unit.lower()), None)
        if chosen is None:
            raise _CellError(
                Problem((), "excel.unknown_unit", {"given": unit, "units": list(spec.units)}),
                column="unit",
            )
        return activity_key(spec, chosen), number

    def check_activity(self, sheet: str, data: dict[str, Any], rows: Mapping[Loc, int]) -> None:
        factors = self.library.factors
        try:
            activity = parse_activity(data)
            if factors is not None:
                account(activity, factors)
        except CarbonInputError as exc:
            value = _h(L.ACTIVITY_COLUMNS, "value")
            for problem in exc.problems:
                row = rows.get(problem.loc) or rows.get(problem.loc[:1])
                column = value if row is not None else None
                self.result.problems.append(problem.placed(sheet=sheet, line=row, column=column))
            self.result.fatal = True
            return
        except ValueError as exc:
            self.error(
                Problem((), "excel.activity_not_accounted", {"detail": str(exc)}), sheet=sheet
            )
            self.result.fatal = True
            return
        self.result.activity = data

    # --- the answers as a whole ---------------------------------------------------------------------

    def document(
        self, profile: str | None, industry: str | None, skip: set[tuple[str, str]]
    ) -> dict[str, Any]:
        doc: dict[str, Any] = {"standard": self.standard.id, "edition": self.standard.edition}
        if self.general.get("firm"):
            doc["firm"] = self.general["firm"]
        chosen_profile = profile or self.general.get("profile") or self.meta.profile
        if chosen_profile:
            doc["profile"] = chosen_profile
        chosen_industry = industry or self.general.get("industry_type") or self.meta.industry_type
        if chosen_industry:
            doc["industry_type"] = chosen_industry
        doc["answers"] = {k: v for k, v in self.answers.items() if ("item", k) not in skip}
        doc["gates"] = {k: v for k, v in self.gates.items() if ("gate", k) not in skip}
        related = {
            std: {m: v for m, v in metrics.items() if ("gate", f"{std}:{m}") not in skip}
            for std, metrics in self.related.items()
        }
        related = {k: v for k, v in related.items() if v}
        if related:
            doc["related_results"] = related
        return doc

    def locate(self, problem: Problem) -> tuple[tuple[str, str] | None, Problem]:
        """Place a problem of parse_answers at the row (and column) its `loc` came from: the
        General sheet's for the profile and industry type, an item's or a gate's row, a product's
        row for `answers.ID.products[i]`. The row key it belongs to, or None when it is not one
        row's (the problem stays unplaced)."""
        loc = problem.loc
        head = loc[0] if loc else None
        if head in ("profile", "industry_type") and len(loc) == 1:
            general = self.general_rows.get(str(head))
            if general is None:
                return None, problem
            value = _h(L.GENERAL_COLUMNS, "value")
            return None, problem.placed(sheet=general.sheet, line=general.row, column=value)
        if head == "answers" and len(loc) >= 2:
            key, rest = ("item", str(loc[1])), loc[2:]
        elif head == "gates" and len(loc) >= 2:
            key, rest = ("gate", str(loc[1])), loc[2:]
        elif head == "related_results" and len(loc) >= 3:
            key, rest = ("gate", f"{loc[1]}:{loc[2]}"), loc[3:]
        else:
            return None, problem
        located = self.where.get(key)
        if located is None:
            return None, problem
        fields = [p for p in rest if isinstance(p, str)]
        name = fields[-1] if fields else None
        answer = self.answers.get(key[1]) if key[0] == "item" else None
        column: str | None
        if isinstance(answer, Mapping) and "products" in answer:
            products = self.product_rows.get(key[1], [])
            index = rest[1] if rest[:1] == ("products",) and len(rest) > 1 else None
            if isinstance(index, int) and index < len(products):
                located = products[index]
            column = (
                _h(L.PRODUCT_COLUMNS, name)
                if name in ("value", "baseline", "leading", "weight")
                else None
            )
        elif key[0] == "item":
            named = {"value": "answer", "baseline": "baseline", "leading": "leading"}.get(
                name or ""
            )
            na = isinstance(answer, Mapping) and answer.get("na") is True
            column = _h(L.ITEM_COLUMNS, named or ("na_reason" if na else "answer"))
        else:
            column = _h(L.GATE_COLUMNS, "variant" if name == "variant" else "answer")
        return key, problem.placed(sheet=located.sheet, line=located.row, column=column)

    def missing_rows(self) -> None:
        for record in self.meta.sheets_with(L.ITEMS):
            gone = [i for i in record.items if i in self.items and ("item", i) not in self.where]
            if gone and record.name not in self.unreadable:
                self.warn(
                    Problem((), "excel.rows_missing", {"n": len(gone), "items": gone})
                    if len(gone) <= 8
                    else Problem(
                        (), "excel.rows_missing_more", {"n": len(gone), "items": gone[:8]}
                    ),
                    sheet=record.name,
                )


def _h(columns: Mapping[str, Column], key: str) -> str:
    return columns[key].header


# --- the public function -----------------------------------------------------------------------------


def read_workbook(
    data: bytes,
    *,
    library: Library | None = None,
    standard: Standard | None = None,
    scales: Mapping[str, Scale] | None = None,
    profile: str | None = None,
    industry_type: str | None = None,
    valid_rows_only: bool = False,
    max_bytes: int = L.MAX_BYTES,
) -> WorkbookImport:
    """Read a filled zhizao workbook; never raises for bad input — see `problems`.

    `standard` (with its `scales`) is the standard the answers must be for — a submission's
    snapshot; by default the library's standard named in the workbook. `profile` and
    `industry_type` override what the workbook's General sheet says (a submission's are fixed).
    With `valid_rows_only`, rows with problems are left out of `document` (and named in `skipped`)
    as long as no problem is structural (a missing sheet or column, another standard or edition).
    """
    result = WorkbookImport()
    trouble = check_file(data, max_bytes)
    if trouble is not None:
        result.problems.append(trouble)
        result.fatal = True
        return result
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged packages
        result.problems.append(
            Problem((), "excel.unreadable", {"error": type(exc).__name__, "detail": str(exc)})
        )
        result.fatal = True
        return result
    try:
        meta = L.read_meta(book)
    except MetaError as exc:
        result.problems.append(exc.problem)
        result.fatal = True
        return result
    result.meta = meta
    library = library or bundled_library()
    try:
        std = _standard_for(meta, standard, library, result)
    except _Fatal as exc:
        result.problems.append(exc.problem)
        result.fatal = True
        return result
    if scales is None:
        scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    reader = _Reader(book, meta, std, scales, library, result)
    reader.read()
    reader.missing_rows()
    general = meta.sheets_with(L.GENERAL)
    for key, given, fixed in (
        ("profile", reader.general.get("profile"), profile),
        ("industry_type", reader.general.get("industry_type"), industry_type),
    ):
        if given and fixed and given != fixed:
            result.warnings.append(
                Problem(
                    (key,), "excel.overridden", {"key": key, "given": given, "fixed": fixed},
                    sheet=general[0].name if general else None,
                )
            )  # fmt: skip
    skip = set(reader.bad)
    doc = reader.document(profile, industry_type, skip)
    try:
        parse_answers(doc, std, scales)
    except AnswerError as exc:
        # Every problem is one row's (left out with `valid_rows_only`) or the workbook's (fatal);
        # parse_answers checks each answer on its own, so the rows left hold none.
        for problem in exc.problems:
            row_key, located = reader.locate(problem)
            result.problems.append(located)
            if row_key is None:
                result.fatal = True
            else:
                skip.add(row_key)
        doc = reader.document(profile, industry_type, skip)
    if not doc["answers"] and not doc["gates"] and not doc.get("related_results"):
        result.warnings.append(Problem((), "excel.no_answers"))
    result.problems = _unique(result.problems)
    result.skipped = sorted(key for _, key in skip)
    result.document = doc
    return result


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    kept = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            kept.append(problem)
    return kept


def _standard_for(
    meta: WorkbookMeta, expected: Standard | None, library: Library, result: WorkbookImport
) -> Standard:
    made = {"standard": meta.standard_id, "edition": meta.edition}
    if expected is not None:
        if meta.standard_id != expected.id:
            raise _Fatal(Problem((), "excel.other_standard", {**made, "expected": expected.id}))
        std = expected
    else:
        found = library.standards.get(meta.standard_id)
        if found is None:
            raise _Fatal(
                Problem(
                    (), "excel.standard_not_in_library",
                    {"standard": meta.standard_id, "known": sorted(library.standards)},
                )
            )  # fmt: skip
        std = found
    if meta.edition != std.edition:
        raise _Fatal(Problem((), "excel.other_edition", {**made, "expected": std.edition}))
    digest = std.sha256
    if meta.standard_sha256 != digest:
        result.warnings.append(
            Problem(
                (), "excel.other_encoding",
                {**made, "given": meta.standard_sha256[:12], "current": digest[:12]},
            )
        )  # fmt: skip
    return std
