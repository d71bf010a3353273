"""Helpers for the Excel tests: fill a template the way a person would, with openpyxl.

Cells are found by their header text and the ID column, and answers are typed as a person types
them (option letters, "A|C", 是/否, the Chinese grade, plain numbers) — written here independently
of the production writer, so a round trip really checks both directions.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from scoring import parse_answers
from standards import Standard, bundled_library
from standards.models import MultiRule, QuantityRule, SatisfactionRule, YesNoRule

LIBRARY = bundled_library()
SCALES = {s.id: s for s in LIBRARY.scales.scales} if LIBRARY.scales else {}
META = "_zhizao"


def open_book(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def meta(book: Workbook) -> dict[str, str]:
    sheet = book[META]
    return {
        str(k): str(v or "") for k, v in sheet.iter_rows(min_row=2, max_col=2, values_only=True)
    }


def header_columns(sheet: Worksheet, row: int = 2) -> dict[str, int]:
    """Header text → column index (1-based)."""
    return {
        str(sheet.cell(row=row, column=c).value): c
        for c in range(1, sheet.max_column + 1)
        if sheet.cell(row=row, column=c).value is not None
    }


def column_of(sheet: Worksheet, zh: str) -> int:
    for text, index in header_columns(sheet).items():
        if text.split(" ")[0] == zh:
            return index
    raise KeyError(f"no column {zh} on sheet {sheet.title}: {list(header_columns(sheet))}")


def find_row(book: Workbook, key: str, *, id_header: str = "编号") -> tuple[Worksheet, int]:
    """The sheet and row whose ID (or Key) column holds `key`."""
    for sheet in book.worksheets:
        if sheet.title == META:
            continue
        try:
            col = column_of(sheet, id_header)
        except KeyError:
            continue
        for row in range(3, sheet.max_row + 1):
            if sheet.cell(row=row, column=col).value == key:
                return sheet, row
    raise KeyError(f"{key} not found")


def set_cell(book: Workbook, key: str, header: str, value: Any, *, id_header: str = "编号") -> None:
    sheet, row = find_row(book, key, id_header=id_header)
    sheet.cell(row=row, column=column_of(sheet, header), value=value)


def typed(standard: Standard, item_id: str, value: Any) -> dict[str, Any]:
    """The cells a person fills for an answer: {header: value}."""
    item = next(i for i in standard.items if i.id == item_id)
    rule = item.rule
    if isinstance(value, Mapping) and value.get("na"):
        return {"不适用理由": value["reason"]}
    if isinstance(rule, MultiRule):
        return {"答案": "|".join(value) if isinstance(value, list) else value}
    if isinstance(rule, YesNoRule):
        return {"答案": "是" if value else "否"}
    if isinstance(rule, SatisfactionRule):
        scale = SCALES[rule.scale]
        return {"答案": next(g.text.zh for g in scale.grades if g.key == value)}
    if isinstance(rule, QuantityRule) and isinstance(value, Mapping):
        cells = {}
        if value.get("value") is not None:
            cells["答案"] = value["value"]
        for key, header in (("baseline", "基准值"), ("leading", "引领值")):
            if value.get(key) is not None:
                cells[header] = value[key]
        return cells
    return {"答案": value}


def fill(
    data: bytes,
    document: Mapping[str, Any],
    *,
    activity: Mapping[str, Any] | None = None,
    notes: Mapping[str, str] | None = None,
    edit: Callable[[Workbook], None] | None = None,
) -> bytes:
    """Fill a template with an answers document (and activity data, notes) as a person would."""
    book = open_book(data)
    standard = LIBRARY.standard(str(document["standard"]))
    general = {"firm": document.get("firm"), "profile": document.get("profile")}
    if document.get("industry_type"):
        general["industry_type"] = {"discrete": "离散型", "process": "流程型"}[
            document["industry_type"]
        ]
    for key, value in general.items():
        if value is not None:
            set_cell(book, key, "内容", value, id_header="键")
    products_row = 3
    for item_id, value in (document.get("answers") or {}).items():
        if isinstance(value, Mapping) and "products" in value:
            sheet = book["多产品"]
            for product in value["products"]:
                cells = {"编号": item_id, "产品": product.get("name"), "数值": product.get("value")}
                cells |= {"基准值": product.get("baseline"), "引领值": product.get("leading")}
                cells["权重（如综合能耗"] = product.get("weight")
                for header, cell_value in cells.items():
                    sheet.cell(row=products_row, column=column_of(sheet, header), value=cell_value)
                products_row += 1
            continue
        for header, cell_value in typed(standard, item_id, value).items():
            set_cell(book, item_id, header, cell_value)
    for gate_id, value in (document.get("gates") or {}).items():
        if isinstance(value, Mapping):
            set_cell(book, gate_id, "答案", value["value"])
            if value.get("variant"):
                set_cell(book, gate_id, "地区类别", value["variant"])
        else:
            set_cell(
                book, gate_id, "答案", "是" if value is True else "否" if value is False else value
            )
    for std, metrics in (document.get("related_results") or {}).items():
        for metric, value in metrics.items():
            set_cell(book, f"{std}:{metric}", "答案", value)
    for key, text in (notes or {}).items():
        set_cell(book, key, "证据说明", text)
    if activity is not None:
        for key, value in activity.items():
            if key == "energy":
                for energy_key, quantity in value.items():
                    base, _, unit = energy_key.rpartition("_")
                    set_cell(book, base, "数值", quantity, id_header="键")
                    sheet, row = find_row(book, base, id_header="键")
                    current = str(sheet.cell(row=row, column=column_of(sheet, "单位")).value)
                    if current.lower() != unit:
                        sheet.cell(row=row, column=column_of(sheet, "单位"), value=unit)
            elif isinstance(value, Mapping):
                for inner, inner_value in value.items():
                    set_cell(book, f"{key}.{inner}", "数值", inner_value, id_header="键")
            else:
                set_cell(book, key, "数值", value, id_header="键")
    if edit is not None:
        edit(book)
    return save(book)


def canonical(document: Mapping[str, Any]) -> dict[str, Any]:
    standard = LIBRARY.standard(str(document["standard"]))
    return parse_answers(document, standard, SCALES).canonical()
