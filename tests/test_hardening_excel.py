"""Hardening of workbooks and evidence files (issue 14): text a firm or an evaluator wrote is never
a live formula in a workbook we write; a small file that unpacks or parses into something huge is
refused before openpyxl sees it, naming the limit; macro-enabled Office files are refused as
evidence and as workbooks; a workbook without its `_zhizao` sheet is refused; evidence file names
and notes are checked text — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from app_support import *  # noqa: F403 - the app fixtures
from app_support import World as AppWorld
from app_support import frame, run, texts
from conftest import EXAMPLES
from excel_support import fill, find_row, open_book, save
from lifecycle_support import *  # noqa: F403 - fixtures
from lifecycle_support import World, snapshot
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.demo.seed import _demo_pdf
from assessment.errors import EvidenceRejected, InvalidInput
from assessment.excel import build_template
from assessment.excel import reader as reader_module
from assessment.excel.export import export_answers
from assessment.excel.reader import read_workbook
from assessment.excel.service import (
    NOTE_PREFIX,
    WorkbookRejected,
    export_submission,
    import_into_submission,
    preview_import,
)
from assessment.submissions import evidence

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
import make_workbooks as corpus

HYPERLINK = '=HYPERLINK("http://x","y")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE = (HYPERLINK, DDE, "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1", "#N/A")


def messages(data: bytes, **options: Any) -> list[str]:
    return [str(p) for p in read_workbook(data, **options).problems]


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def text_cells(data: bytes) -> Iterator[Any]:
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield cell


def assert_no_formulas(data: bytes) -> None:
    """No cell of any sheet holds a formula, and each hostile text is a string cell."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml, name
                assert b"<f " not in xml, name
    for cell in text_cells(data):
        if isinstance(cell.value, str) and cell.value.lstrip("\t\r").startswith(tuple("=+-@#")):
            assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
            if not cell.value.startswith("#"):  # kept text when someone edits the cell in Excel
                assert cell.quotePrefix, (cell.coordinate, cell.value)


def shown(data: bytes) -> set[str]:
    return {str(c.value) for c in text_cells(data)}


# --- break 5: formula injection -------------------------------------------------------------------


def test_evaluator_export_writes_notes_and_reasons_as_text(world: World) -> None:
    w = world
    sid = w.submission("in_review")
    items = list(COMPLETE_ITEMS)
    for item_id, text in zip(items, (HYPERLINK, DDE, "+1+1", "@SUM(1+1)"), strict=False):
        submissions.add_comment(w.ent_a, w.db, sid, body=NOTE_PREFIX + text, item_id=item_id)
    submissions.decide_item(
        w.eval_1, w.db, sid, key="network-interconnection", decision="adjust", value=True,
        reason=DDE, expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    submissions.decide_item(
        w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
        reason=HYPERLINK, expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    data = export_submission(w.eval_1, w.db, sid)
    assert_no_formulas(data)
    assert {HYPERLINK, DDE, "+1+1", "@SUM(1+1)"} <= shown(data)
    # and it reads back literally
    notes = read_workbook(data).notes
    assert notes[items[0]] == HYPERLINK
    assert notes[items[1]] == DDE


COMPLETE_ITEMS = (
    "identifiable-resources",
    "shopfloor-visualisation",
    "digital-process-design",
    "vertical-integration",
)


def test_firm_workbook_writes_its_own_text_as_text() -> None:
    document = example("green-self-evaluation-2025.yaml")
    document["firm"] = DDE
    document["answers"]["pollutant-concentration"] = {"na": True, "reason": "-2+3"}
    document["answers"]["energy-intensity"] = {
        "products": [{"name": "=1+1", "value": 0.8, "baseline": 1.0, "leading": 0.7, "weight": 1}]
    }
    notes = {"water-reuse": HYPERLINK, "permitted-emissions": "\t=1+1", "carbon-intensity": "#N/A"}
    data = export_answers(document, notes=notes)
    assert_no_formulas(data)
    assert {DDE, "-2+3", "=1+1", HYPERLINK, "\t=1+1", "#N/A"} <= shown(data)
    again = read_workbook(data)
    assert again.document is not None
    assert again.document["firm"] == DDE
    assert again.notes["water-reuse"] == HYPERLINK
    assert again.document["answers"]["pollutant-concentration"]["reason"] == "-2+3"


def test_templates_hold_no_formulas() -> None:
    for standard in ("zj-future-factory", "gbt36132-2025", "gbt39116-2020"):
        assert_no_formulas(build_template(standard))


# --- break 6: workbooks that unpack or parse into something huge ------------------------------------


@pytest.fixture
def never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("openpyxl parsed the workbook")

    monkeypatch.setattr(reader_module, "load_workbook", never)


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "six million shared strings": (
        corpus.shared_strings_bomb,
        "xl/sharedStrings.xml unpacks to 74.4 MB; the limit is 20.0 MB a part",
    ),
    "shared strings": (
        corpus.many_shared_strings,
        "xl/sharedStrings.xml holds more than 100,000 shared strings",
    ),
    "merged cells": (corpus.merged_cells_bomb, "more than 100,000 cells"),
    "hyperlink range": (corpus.hyperlink_bomb, "more than 100,000 cells"),
    "far row": (corpus.far_row, "uses row 1,048,576; the limit is 10,000 rows"),
    "far comment": (
        corpus.far_comment,
        "xl/comments/comment1.xml uses row 1,048,576; the limit is 10,000 rows",
    ),
    "many cells": (corpus.many_cells, "more than 100,000 cells"),
    "oversized part": (corpus.oversized_part, "unpacks to 60.0 MB; the limit is 20.0 MB a part"),
    "styles": (corpus.styles_bomb, "more than 250,000 elements besides its cells"),
    "entity expansion": (corpus.entity_expansion, "has a document type declaration"),
    "parts": (
        lambda: corpus.repack(
            corpus.template(), add={f"xl/media/x{i}.bin": b"" for i in range(2_000)}
        ),
        "parts; the limit is 2,000 parts",
    ),
}


@pytest.mark.parametrize("bomb", BOMBS)
def test_bombs_are_refused_before_parsing_naming_the_limit(bomb: str, never_parsed: None) -> None:
    make, expected = BOMBS[bomb]
    found = messages(make())
    assert len(found) == 1, found
    assert expected in found[0]


def test_the_shared_strings_are_counted_and_the_count_stops_early(
    monkeypatch: pytest.MonkeyPatch, never_parsed: None
) -> None:
    read: list[int] = []
    original = zipfile.ZipExtFile.read

    def counting(self: zipfile.ZipExtFile, n: int = -1) -> bytes:
        chunk = original(self, n)
        if self.name == "xl/sharedStrings.xml":
            read.append(len(chunk))
        return chunk

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting)
    assert "100,000 shared strings" in messages(corpus.many_shared_strings())[0]
    assert sum(read) < 3 * 1024 * 1024  # of 18 MB: it stopped at the limit


def _with_row(base: bytes, row: int) -> bytes:
    cell = f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>'
    return corpus.in_sheet(base, cell, where="</sheetData>")


@pytest.mark.parametrize(
    ("limit", "make"),
    [
        ("MAX_SHARED_STRINGS", corpus.shared_strings_bomb),
        ("MAX_ROWS", lambda row: _with_row(corpus.template(), row)),
    ],
)
def test_the_string_and_row_limits_are_exact(
    monkeypatch: pytest.MonkeyPatch, limit: str, make: Callable[[int], bytes]
) -> None:
    from assessment.excel import package as package_module  # noqa: PLC0415

    monkeypatch.setattr(package_module, limit, 50)
    assert messages(make(50)) == []
    [refused] = messages(make(51))
    assert "50" in refused


def test_the_cell_limit_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    from assessment.excel import package as package_module  # noqa: PLC0415

    base = build_template("gbt37393-2019")
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        parts = [archive.read(n) for n in archive.namelist()]
    cells = sum(p.count(b"<c ") + p.count(b"<comment ") for p in parts)
    monkeypatch.setattr(package_module, "MAX_CELLS", cells)
    assert messages(base) == []
    monkeypatch.setattr(package_module, "MAX_CELLS", cells - 1)
    [refused] = messages(base)
    assert f"the sheets hold more than {cells - 1:,} cells (the limit" in refused


def test_the_app_upload_and_the_service_refuse_a_bomb(world: World, never_parsed: None) -> None:
    w = world
    sid = w.submission("draft")
    before = snapshot(w.db)
    preview = preview_import(w.ent_a, w.db, sid, corpus.many_shared_strings())
    assert [str(p) for p in preview.report.problems] == [
        "xl/sharedStrings.xml holds more than 100,000 shared strings (the limit); a zhizao "
        "workbook holds a few thousand — copy the answers into a new template and import that"
    ]
    with pytest.raises(WorkbookRejected, match="more than 100,000 cells"):
        import_into_submission(w.ent_a, w.db, sid, corpus.merged_cells_bomb())
    assert snapshot(w.db) == before


def test_cli_import_refuses_a_bomb(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], never_parsed: None
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    path = tmp_path / "bomb.xlsx"
    path.write_bytes(corpus.merged_cells_bomb())
    assert main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "more than 100,000 cells" in err
    assert "Traceback" not in err


# --- break 12: macros, and the `_zhizao` sheet ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "make", "why"),
    [
        ("report.docx", corpus.docm_renamed, "a VBA macro project (word/vbaProject.bin)"),
        ("report.docx", corpus.vba_part_only, "a VBA macro project (WORD/VBAPROJECT.BIN)"),
        (
            "slides.pptx",
            corpus.pptm_renamed,
            "application/vnd.ms-powerpoint.presentation.macroEnabled",
        ),
        ("sheet.xlsx", corpus.macro_workbook, "a VBA macro project (xl/vbaProject.bin)"),
        (
            "sheet.xlsx",
            corpus.macro_content_type_only,
            "application/vnd.ms-excel.sheet.macroEnabled",
        ),
    ],
)
def test_macro_enabled_evidence_is_refused(name: str, make: Callable[[], bytes], why: str) -> None:
    with pytest.raises(EvidenceRejected) as caught:
        evidence.sniff(make(), name)
    message = str(caught.value)
    assert "macros" in message
    assert why in message


def test_plain_office_evidence_is_still_accepted() -> None:
    assert evidence.sniff(corpus.word_document(), "report.docx") == evidence.DOCX
    assert evidence.sniff(build_template("gbt37393-2019"), "sheet.xlsx") == evidence.XLSX


def test_a_macro_enabled_evidence_upload_stores_nothing(world: World) -> None:
    w = world
    sid = w.submission("draft")
    before = snapshot(w.db)
    with pytest.raises(EvidenceRejected, match="macros"):
        evidence.add_evidence(w.ent_a, w.db, sid, filename="plan.docx", data=corpus.docm_renamed())
    assert snapshot(w.db) == before


@pytest.mark.parametrize("make", [corpus.macro_workbook, corpus.macro_content_type_only])
def test_macro_enabled_workbooks_are_refused(make: Callable[[], bytes], never_parsed: None) -> None:
    found = messages(make())
    assert len(found) == 1
    assert found[0].startswith("this is a macro-enabled workbook (.xlsm)")
    assert "save it as Excel Workbook (.xlsx)" in found[0]


def test_a_workbook_without_its_meta_sheet_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    expected = (
        "this workbook is not a zhizao template any more: its hidden '_zhizao' sheet, which "
        "records the standard, its edition and the sheets to read, was deleted; download a new "
        "template (zhizao template, or the app's download button) and copy the answers over"
    )
    data = corpus.without_meta_sheet()
    assert messages(data) == [expected]
    path = tmp_path / "filled.xlsx"
    path.write_bytes(data)
    assert main(["import", str(path)]) == 1
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "ok" not in captured.out


def test_a_meta_sheet_without_its_sheet_list_is_refused() -> None:
    book = open_book(build_template("gbt37393-2019"))
    sheet = book["_zhizao"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == "sheets":
            row[1].value = None
    assert messages(save(book)) == [
        "sheet '_zhizao': the list of sheets is missing; download a new template and copy the "
        "answers over"
    ]


# --- break 7: evidence names and notes; workbook texts ------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "note", "expected"),
    [
        ("scan\x00.pdf", None, "evidence file name: contains the control character U+0000"),
        ("scan\n.pdf", None, "evidence file name: contains the control character U+000A"),
        ("invoice\u202efdp.pdf", None, "evidence file name: contains the control character U+202E"),
        ("scan.pdf", "a\x00b", "evidence note: contains the control character U+0000"),
        ("scan.pdf", "x" * 5_000_000, "evidence note: at most 2,000 characters (got 5,000,000)"),
    ],
)
def test_evidence_names_and_notes_are_checked(
    world: World, filename: str, note: str | None, expected: str
) -> None:
    w = world
    sid = w.submission("draft")
    before = snapshot(w.db)
    with pytest.raises(InvalidInput) as caught:
        evidence.add_evidence(w.ent_a, w.db, sid, filename=filename, data=_demo_pdf(), note=note)
    assert expected in str(caught.value)
    assert snapshot(w.db) == before


def test_a_note_of_several_lines_is_kept(world: World) -> None:
    w = world
    sid = w.submission("draft")
    view = evidence.add_evidence(
        w.ent_a, w.db, sid, filename="scan.pdf", data=_demo_pdf(), note="page 3\n\tpage 4"
    )
    assert view.note == "page 3\n\tpage 4"


def test_workbook_texts_are_checked_on_their_rows() -> None:
    template = build_template("gbt36132-2025")
    document = example("green-self-evaluation-2025.yaml")
    document["answers"]["pollutant-concentration"] = {"na": True, "reason": "无\u202e废气"}
    document["answers"]["energy-intensity"] = {
        "products": [{"name": "壳\n体", "value": 0.8, "baseline": 1.0, "leading": 0.7, "weight": 1}]
    }
    filled = fill(
        template,
        document,
        notes={"water-reuse": "see \u202eannex", "permitted-emissions": "x" * 6000},
    )
    book = open_book(filled)
    _, water = find_row(book, "water-reuse")
    _, permit = find_row(book, "permitted-emissions")
    found = messages(filled)
    assert any(
        f"row {water}, column 证据说明 Evidence notes: answers.water-reuse: contains the control "
        "character U+202E" in m
        for m in found
    ), found
    assert any(
        f"row {permit}, column 证据说明 Evidence notes: gates.permitted-emissions: at most 5,000 "
        "characters" in m
        for m in found
    ), found
    assert any(
        "column 不适用理由 Reason if not applicable: answers.pollutant-concentration: contains the "
        "control character U+202E" in m
        for m in found
    ), found
    assert any(
        "column 产品 Product: answers.energy-intensity: contains the control character U+000A" in m
        for m in found
    ), found


# --- the app: the same checks behind its uploads ---------------------------------------------------


def _questionnaire(app_world: AppWorld, submission_id: int) -> AppTest:
    at = app_world.app("firm")
    at.session_state["current_submission"] = submission_id
    run(at)
    return run(at.switch_page("ui/pages/questionnaire.py"))


def test_the_app_upload_refuses_a_bomb_naming_the_limit(
    app_world: AppWorld, never_parsed: None
) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    before = submissions.get_submission(firm, app_world.db, draft.id)
    at = _questionnaire(app_world, draft.id)
    uploader = at.file_uploader(key=f"xl_upload::{draft.id}::0")
    run(uploader.set_value(("问卷.xlsx", corpus.merged_cells_bomb(), None)))
    assert any("此工作簿无法导入" in e.value for e in at.error)
    [row] = frame(at, "问题说明").to_dict("records")
    assert "各工作表的单元格超过 100,000 个的上限" in row["问题说明"]
    assert at.button(key=f"xl_import::{draft.id}").disabled
    assert submissions.get_submission(firm, app_world.db, draft.id).version == before.version


def test_the_app_refuses_a_macro_enabled_evidence_file(app_world: AppWorld) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    files = evidence.list_evidence(firm, app_world.db, draft.id)
    at = _questionnaire(app_world, draft.id)
    uploader = next(
        u for u in at.file_uploader if u.key and u.key.startswith(f"q::{draft.id}::FF-001::upload")
    )
    run(uploader.set_value(("计划.docx", corpus.docm_renamed(), None)))
    assert "不接受带宏的 Office 文件" in texts(at)
    assert evidence.list_evidence(firm, app_world.db, draft.id) == files
