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
from standards import Library, Standard, bundled_library, sha256_of
from standards.models import (
    ChoiceRule,
    Item,
    MultiRule,
    QuantityRule,
    SatisfactionRule,
    Scale,
    YesNoRule,
)

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_SEPARATORS = re.compile(r"[|,，、;；/\s]+")
_EXCEL_ERRORS = ("#VALUE!", "#REF!", "#NAME?", "#DIV/0!", "#N/A", "#NUM!", "#NULL!")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workbook, and where: sheet, row, item (or key) and column."""

    message: str
    sheet: str | None = None
    row: int | None = None
    item: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.item is not None:
            where.append(f"item {self.item}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "item": self.item,
            "column": self.column,
            "message": self.message,
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


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def check_file(data: bytes, max_bytes: int = L.MAX_BYTES) -> Problem | None:
    """Size cap, then "is this an .xlsx workbook at all", then no macros and every limit of
    `package` (parts, shared strings, rows, cells) — before openpyxl parses the content."""
    if len(data) > max_bytes:
        return Problem(
            f"the file is {_megabytes(len(data))}; the limit is "
            f"{_megabytes(max_bytes)} — remove pictures or split the workbook"
        )
    if not data:
        return Problem("the file is empty")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return Problem(
            "this is an Excel 97–2003 (.xls) file or a password-protected workbook; "
            "save it as an Excel Workbook (.xlsx) without a password and import that"
        )
    if not data.startswith(b"PK\x03\x04"):
        head = data[:64].lstrip()
        what = (
            "a PDF"
            if head.startswith(b"%PDF")
            else "an HTML page"
            if head.lower().startswith((b"<!doctype", b"<html"))
            else "text (a CSV file?)"
            if _looks_like_text(data[:2048])
            else "not a known format"
        )
        return Problem(
            f"this is {what}, not an Excel workbook (.xlsx); fill the zhizao template "
            "and save it as .xlsx"
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _check_package(archive)
    except zipfile.BadZipFile:
        return Problem("the file is damaged (not a readable .xlsx package)")
    except PackageRefused as exc:
        return Problem(str(exc))


def _check_package(archive: zipfile.ZipFile) -> Problem | None:
    infos = archive.infolist()
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names:
        what = "a Word document" if "word/document.xml" in names else "a zip archive"
        return Problem(f"this is {what}, not an Excel workbook (.xlsx)")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > L.MAX_UNPACKED:
        return Problem(
            f"the workbook unpacks to {_megabytes(unpacked)}; the limit is "
            f"{_megabytes(L.MAX_UNPACKED)}"
        )
    macros = macro_content(archive)
    if macros is not None:
        return Problem(
            f"this is a macro-enabled workbook (.xlsm): it holds {macros}; zhizao does not "
            "import workbooks with macros — save it as Excel Workbook (.xlsx) and import that"
        )
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
    pass


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, unit: str | None = None, number_format: str = "General") -> float | int:
    """A number from a cell; _CellError saying what was found instead."""
    if isinstance(value, bool):
        raise _CellError(f"expected a number{_in(unit)}, got {'TRUE' if value else 'FALSE'}")
    if isinstance(value, int | float):
        number: float | int = value
        if not math.isfinite(number):
            raise _CellError(f"expected a finite number{_in(unit)}")
        if unit == "%" and "%" in (number_format or ""):
            # 40% typed into Excel is stored as 0.4 shown as 40%: the item's unit is percent.
            number = float(f"{number * 100:.12g}")
        if isinstance(number, float) and number.is_integer() and abs(number) < 2**53:
            return int(number)
        return number
    if isinstance(value, datetime | date | time):
        raise _CellError(f"expected a number{_in(unit)}, got a date or time ({value})")
    text = L.cell_text(value)
    if text in _EXCEL_ERRORS:
        raise _CellError(f"the cell shows the Excel error {text}; type a number{_in(unit)}")
    compact = text.replace(" ", "")
    if _GROUPED.match(compact):
        compact = compact.replace(",", "")
    if unit == "%" and compact.endswith("%"):
        compact = compact[:-1]
    if _NUMBER.match(compact):
        number = float(compact)
        return int(number) if number.is_integer() and "." not in compact else number
    raise _CellError(f"expected a number{_in(unit)}, got text {text!r}")


def _typed_text(value: Any, *, multiline: bool, max_length: int = L.MAX_NOTE) -> str:
    """Text a person typed into a cell, checked as every stored text is (no control characters,
    a capped length); _CellError saying what is wrong."""
    text = str(value).strip()
    problems = text_problems(text, "cell", max_length=max_length, multiline=multiline)
    if problems:
        raise _CellError(problems[0].removeprefix("cell: "))
    return text


def _in(unit: str | None) -> str:
    return f" in {unit}" if unit else ""


def _yes_no(value: Any, labels: str = "是 or 否 (yes or no)") -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = L.cell_text(value).lower()
    if text in L.YES_WORDS:
        return True
    if text in L.NO_WORDS:
        return False
    raise _CellError(f"expected {labels}, got {L.cell_text(value)!r}")


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
    def error(self, message: str, *, fatal: bool = False, **where: Any) -> None:
        self.result.problems.append(Problem(message, **where))
        if fatal:
            self.result.fatal = True

    def warn(self, message: str, **where: Any) -> None:
        self.result.warnings.append(Problem(message, **where))

    # structure
    def open(
        self, record: SheetRecord, columns: Mapping[str, Column], required: list[str]
    ) -> _Sheet | None:
        self.unreadable.add(record.name)
        if record.name not in self.book.sheetnames:
            holds = f" (it holds {_list(record.items)})" if record.items else ""
            self.error(
                f"the sheet '{record.name}' is missing{holds} — was it renamed or deleted? "
                f"Rename it back to '{record.name}', or download a new template",
                fatal=True,
            )
            return None
        sheet = self.book[record.name]
        found = L.column_positions(sheet, columns)
        anchor = columns.get("id") or columns["key"]
        if found is None:
            self.error(
                f"the header row with the column '{anchor.header}' is missing (deleted?); "
                "download a new template and copy the answers over",
                fatal=True,
                sheet=record.name,
            )
            return None
        header_row, positions = found
        missing = [columns[k].header for k in required if k not in positions]
        if missing:
            for header in missing:
                self.error(
                    f"the column '{header}' is missing (deleted?); add it back with exactly this "
                    "header, or download a new template",
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
            where: dict[str, Any] = {"sheet": record.name, "row": row, "item": key}
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
                        f"{text!r} is not a target of {self.standard.id}; expected one of "
                        f"{_list(profiles)}",
                        fatal=True,
                        **where,
                    )
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
                        f"{text!r} is not an industry type; expected discrete (离散型) or "
                        "process (流程型)",
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
                    self.error(
                        "an answer on a row without an ID (was the ID deleted?)",
                        sheet=record.name,
                        row=row,
                    )
                continue
            where: dict[str, Any] = {"sheet": record.name, "row": row, "item": gate_id}
            spec = rows.get(gate_id)
            if spec is None:
                self.error(
                    f"unknown gate ID {gate_id!r} (was it changed by hand?); expected one of "
                    f"{_list(rows)}",
                    **where,
                )
                continue
            if not self.first_sighting(("gate", gate_id), record.name, row):
                continue
            if not _blank(note):
                try:
                    self.result.notes[gate_id] = _typed_text(note, multiline=True)
                except _CellError as exc:
                    self.error(str(exc), column=_h(L.GATE_COLUMNS, "notes"), **where)
                    self.bad.add(("gate", gate_id))
                    continue
            if _blank(answer):
                if not _blank(variant):
                    self.error(
                        "a variant without an answer", column=_h(L.GATE_COLUMNS, "answer"), **where
                    )
                    self.bad.add(("gate", gate_id))
                continue
            try:
                self.read_gate(spec, answer, variant, sheet, row)
            except _CellError as exc:
                self.error(str(exc), column=_h(L.GATE_COLUMNS, "answer"), **where)
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
                f"variant {text!r} is unknown; expected one of {_list(['default', *gate.variants])}"
            )
        self.gates[spec.id] = (
            number if chosen == "default" else {"value": number, "variant": chosen}
        )

    # --- items --------------------------------------------------------------------------------------

    def first_sighting(self, key: tuple[str, str], sheet: str, row: int) -> bool:
        seen = self.where.get(key)
        if seen is not None:
            self.error(
                f"{key[1]} appears twice (also on sheet '{seen.sheet}', row {seen.row}); keep "
                "one row",
                sheet=sheet,
                row=row,
                item=key[1],
            )
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
                    self.error(
                        "an answer on a row without an item ID (was the ID deleted?); put the ID "
                        "back or move the answer to its item's row",
                        sheet=record.name,
                        row=row,
                    )
                continue
            item = self.items.get(item_id)
            if item is None:
                self.error(
                    f"unknown item ID {item_id!r} — the ID column must not be changed",
                    sheet=record.name,
                    row=row,
                    item=item_id,
                )
                continue
            if not self.first_sighting(("item", item.id), record.name, row):
                continue
            note = sheet.value(row, "notes")
            try:
                if not _blank(note):
                    self.result.notes[item.id] = _typed_text(note, multiline=True)
            except _CellError as exc:
                self.error(
                    str(exc),
                    sheet=record.name,
                    row=row,
                    item=item.id,
                    column=_h(L.ITEM_COLUMNS, "notes"),
                )
                self.bad.add(("item", item.id))
                continue
            try:
                value = self.read_item(item, sheet, row)
            except _CellError as exc:
                column = getattr(exc, "column", "answer")
                self.error(
                    str(exc),
                    sheet=record.name,
                    row=row,
                    item=item.id,
                    column=_h(L.ITEM_COLUMNS, column),
                )
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
                raise _CellError(
                    "both an answer and a reason for 'not applicable' are given; keep one"
                )
            try:
                return {"na": True, "reason": _typed_text(reason, multiline=True)}
            except _CellError as exc:
                exc.column = "na_reason"  # type: ignore[attr-defined]
                raise
        if isinstance(rule, QuantityRule):
            return self.read_quantity(item, rule, sheet, row)
        if _blank(answer):
            return None
        if isinstance(rule, ChoiceRule):
            keys = [o.key for o in rule.options]
            key = _key(answer, keys)
            if key is None:
                parts = [p for p in _SEPARATORS.split(L.cell_text(answer)) if p]
                if len(parts) > 1 and all(_key(p, keys) for p in parts):
                    raise _CellError(
                        f"{L.cell_text(answer)!r}: this item takes one option, not several; "
                        f"expected one of {_list(keys)}"
                    )
                raise _CellError(
                    f"{L.cell_text(answer)!r} is not an option of this item; expected one of "
                    f"{_list(keys)}"
                )
            return key
        if isinstance(rule, MultiRule):
            keys = [o.key for o in rule.options]
            ticked: list[str] = []
            unknown: list[str] = []
            for part in _SEPARATORS.split(L.cell_text(answer)):
                if not part:
                    continue
                key = _key(part, keys)
                (ticked if key is not None else unknown).append(key or part)
            if unknown:
                raise _CellError(
                    f"{_list(unknown)} {'is' if len(unknown) == 1 else 'are'} not "
                    f"{'an option' if len(unknown) == 1 else 'options'} of this item; expected "
                    f"keys from {_list(keys)}, separated by | or ,"
                )
            return ticked
        if isinstance(rule, YesNoRule):
            return _yes_no(answer)
        if isinstance(rule, SatisfactionRule):
            scale = self.scales.get(rule.scale)
            if scale is None:
                raise _CellError(f"the scale {rule.scale} is not in the library")
            text = L.cell_text(answer).lower()
            for grade in scale.grades:
                if text in {grade.key, grade.text.zh.lower(), grade.text.en.lower()}:
                    return grade.key
            raise _CellError(
                f"{L.cell_text(answer)!r} is not a grade of this item; expected one of "
                f"{_list(g.text.zh for g in scale.grades)} "
                f"({_list(g.key for g in scale.grades)})"
            )
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
                exc.column = key  # type: ignore[attr-defined]
                raise
        for key in ("baseline", "leading"):
            fixed = sourced_number(getattr(rule, key))
            if fixed is not None and key in values:
                if not math.isclose(float(values[key]), fixed, rel_tol=1e-9, abs_tol=1e-12):
                    error = _CellError(
                        f"the {key} is set by the standard ({fixed:g} {rule.unit}); leave the "
                        "grey cell as it is"
                    )
                    error.column = key  # type: ignore[attr-defined]
                    raise error
                del values[key]
        if not values:
            return None
        if "answer" not in values and not rule.derived_from:
            raise _CellError(
                f"the value is missing (a {'baseline' if 'baseline' in values else 'leading value'}"
                f" is given); type the value in {rule.unit}"
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
                    self.error(
                        "a product without an item ID; choose the item in the ID column",
                        sheet=record.name,
                        row=row,
                    )
                continue
            where: dict[str, Any] = {"sheet": record.name, "row": row, "item": item_id}
            item = self.items.get(item_id)
            if item is None or not isinstance(item.rule, QuantityRule) or not item.rule.weighted:
                weighted = [
                    i.id
                    for i in self.standard.items
                    if isinstance(i.rule, QuantityRule) and i.rule.weighted
                ]
                self.error(
                    f"{item_id!r} is not an item that takes several products; expected one of "
                    f"{_list(weighted)}",
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
                    self.error(str(exc), column=_h(L.PRODUCT_COLUMNS, "product"), **where)
                    failed = True
            for key in ("value", "baseline", "leading", "weight"):
                if _blank(cells[key]):
                    continue
                unit = item.rule.unit if key != "weight" else None
                try:
                    entry[key] = _number(cells[key], unit, sheet.number_format(row, key))
                except _CellError as exc:
                    self.error(str(exc), column=_h(L.PRODUCT_COLUMNS, key), **where)
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
                    f"answered on its own row (sheet '{seen.sheet}', row {seen.row}) and as "
                    "products here; use one or the other",
                    sheet=first.sheet,
                    row=first.row,
                    item=item_id,
                )
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
        rows: dict[tuple[str | int, ...], int] = {}
        problems = False
        for row in sheet.rows():
            key = L.cell_text(sheet.value(row, "key"))
            value = sheet.value(row, "value")
            if not key:
                if not _blank(value):
                    self.error("a value on a row without a key", sheet=record.name, row=row)
                    problems = True
                continue
            spec = specs.get(key)
            where: dict[str, Any] = {"sheet": record.name, "row": row, "item": key}
            if spec is None:
                self.error(f"unknown key {key!r} — the key column must not be changed", **where)
                problems = True
                continue
            if _blank(value):
                continue
            try:
                parsed = self.activity_value(spec, value, sheet.value(row, "unit"))
            except _CellError as exc:
                self.error(
                    str(exc),
                    column=_h(L.ACTIVITY_COLUMNS, getattr(exc, "column", "value")),
                    **where,
                )
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
                raise _CellError(f"expected a whole year such as 2025, got {value!r}")
            return number
        number = _number(value, spec.unit if spec.kind != "energy" else None)
        if spec.kind != "energy":
            return number
        unit = L.cell_text(unit_cell) or (spec.unit or "")
        chosen = next((u for u in spec.units if u.lower() == unit.lower()), None)
        if chosen is None:
            error = _CellError(f"unit {unit!r} is not one of {_list(spec.units)}")
            error.column = "unit"  # type: ignore[attr-defined]
            raise error
        return activity_key(spec, chosen), number

    def check_activity(
        self, sheet: str, data: dict[str, Any], rows: Mapping[tuple[str | int, ...], int]
    ) -> None:
        factors = self.library.factors
        try:
            activity = parse_activity(data)
            if factors is not None:
                account(activity, factors)
        except CarbonInputError as exc:
            for path, message in exc.problems:
                row = rows.get(tuple(path)) or rows.get(tuple(path[:1]))
                key = ".".join(str(p) for p in path) or None
                self.error(message, sheet=sheet, row=row, item=key)
            self.result.fatal = True
            return
        except ValueError as exc:
            self.error(str(exc), sheet=sheet)
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

    def locate(self, problem: str) -> tuple[tuple[str, str] | None, Problem]:
        """Map a problem of parse_answers ('answers.FF-001: …') to the row it came from."""
        for key in ("profile", "industry_type"):
            located = self.general_rows.get(key)
            if problem.startswith(f"{key}: ") and located is not None:
                message = problem.split(": ", 1)[1]
                column = L.GENERAL_COLUMNS["value"].header
                return None, Problem(message, located.sheet, located.row, key, column)
        kinds = {"answers": "item", "gates": "gate", "related_results": "gate"}
        for prefix, kind in kinds.items():
            if not problem.startswith(prefix + "."):
                continue
            rest = problem[len(prefix) + 1 :]
            keys = sorted((k for k in self.where if k[0] == kind), key=lambda k: -len(k[1]))
            for key in keys:
                lookup = key[1].replace(":", ".", 1) if prefix == "related_results" else key[1]
                if not rest.startswith(lookup) or rest[len(lookup) : len(lookup) + 1] not in (
                    ":",
                    ".",
                ):
                    continue
                tail = rest[len(lookup) :]
                message = tail.split(": ", 1)[1] if ": " in tail else tail.lstrip(":. ")
                located = self.where[key]
                match = re.match(r"\.products\[(\d+)\]", tail)
                if match and key[1] in self.product_rows:
                    index = int(match.group(1))
                    if index < len(self.product_rows[key[1]]):
                        located = self.product_rows[key[1]][index]
                return key, Problem(message, located.sheet, located.row, key[1])
        return None, Problem(problem)

    def missing_rows(self) -> None:
        for record in self.meta.sheets_with(L.ITEMS):
            gone = [i for i in record.items if i in self.items and ("item", i) not in self.where]
            if gone and record.name not in self.unreadable:
                self.warn(
                    f"{len(gone)} item row(s) of the template are not in the workbook "
                    f"({_list(gone[:8])}{' …' if len(gone) > 8 else ''}); they stay unanswered",
                    sheet=record.name,
                )


def _h(columns: Mapping[str, Column], key: str) -> str:
    return columns[key].header


def _list(values: Any) -> str:
    return ", ".join(str(v) for v in values)


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
            Problem(f"the workbook could not be read ({type(exc).__name__}: {exc})")
        )
        result.fatal = True
        return result
    try:
        meta = L.read_meta(book)
    except MetaError as exc:
        result.problems.append(Problem(str(exc)))
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
    for key, given, fixed in (
        ("profile", reader.general.get("profile"), profile),
        ("industry_type", reader.general.get("industry_type"), industry_type),
    ):
        if given and fixed and given != fixed:
            result.warnings.append(
                Problem(
                    f"the workbook says {key} {given!r}; the submission's is {fixed!r}, which is "
                    "used",
                    sheet=meta.sheets_with(L.GENERAL)[0].name
                    if meta.sheets_with(L.GENERAL)
                    else None,
                    item=key,
                )
            )
    skip = set(reader.bad)
    doc = reader.document(profile, industry_type, skip)
    for _ in range(len(reader.where) + 1):
        try:
            parse_answers(doc, std, scales)
            break
        except AnswerError as exc:
            new = False
            for problem in exc.problems:
                row_key, located = reader.locate(problem)
                result.problems.append(located)
                if row_key is None:
                    result.fatal = True
                elif row_key not in skip:
                    skip.add(row_key)
                    new = True
            if not new:
                break
            doc = reader.document(profile, industry_type, skip)
    if not doc["answers"] and not doc["gates"] and not doc.get("related_results"):
        result.warnings.append(Problem("the workbook holds no answers"))
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
    made = f"{meta.standard_id} edition {meta.edition}"
    if expected is not None:
        if meta.standard_id != expected.id:
            raise _Fatal(
                Problem(
                    f"this workbook was made for {made}, but the answers are for "
                    f"{expected.id} — download the template of {expected.id}"
                )
            )
        std = expected
    else:
        found = library.standards.get(meta.standard_id)
        if found is None:
            raise _Fatal(
                Problem(
                    f"this workbook was made for the standard {meta.standard_id!r}, which this "
                    f"library does not have (it has {_list(sorted(library.standards))})"
                )
            )
        std = found
    if meta.edition != std.edition:
        raise _Fatal(
            Problem(
                f"this workbook was made for {made}; the answers must be for edition "
                f"{std.edition} — download a new template and copy the answers over"
            )
        )
    digest = sha256_of(std)
    if meta.standard_sha256 != digest:
        result.warnings.append(
            Problem(
                f"the workbook was made from another encoding of {made} (SHA-256 "
                f"{meta.standard_sha256[:12]}…, now {digest[:12]}…); the answers were checked "
                "against the current one"
            )
        )
    return std
