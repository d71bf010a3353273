"""Reading filled workbooks: round trips through template and export, and every kind of bad input
reported by sheet, row, item and what was expected — all at once, nothing half-read."""

from __future__ import annotations

import io
import random
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES
from excel_support import (
    LIBRARY,
    SCALES,
    canonical,
    column_of,
    fill,
    find_row,
    open_book,
    save,
    set_cell,
)

from assessment.demo.seed import plausible_answers
from assessment.excel import build_template
from assessment.excel import reader as reader_module
from assessment.excel.export import export_answers
from assessment.excel.reader import item_of, problem_dict, read_workbook

CJK = re.compile(r"[\u4e00-\u9fff]")
# Three English words in a row: a sentence, not an id (FF-001) or a unit.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?:[ ,;'()]+[A-Za-z]{2,}){2,}\b")


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def messages(data: bytes, **options: Any) -> list[str]:
    return [str(p) for p in read_workbook(data, **options).problems]


def round_trip(document: dict[str, Any], *, activity: dict[str, Any] | None = None) -> None:
    """template → fill → import gives the answers back; export → import gives them back again."""
    standard = LIBRARY.standard(document["standard"])
    industry = document.get("industry_type") if standard.industry_types else None
    template = build_template(standard, document.get("profile"), industry)
    filled = fill(template, document, activity=activity)
    report = read_workbook(filled)
    assert report.problems == [], [str(p) for p in report.problems]
    assert report.ok
    assert canonical(report.document) == canonical(document)
    assert report.document.get("firm") == document.get("firm")
    if activity is not None:
        assert report.activity == activity
    exported = export_answers(report.document, activity=report.activity)
    again = read_workbook(exported)
    assert again.problems == [], [str(p) for p in again.problems]
    assert canonical(again.document) == canonical(document)
    assert again.meta is not None
    assert again.meta.kind == "export"
    if activity is not None:
        assert again.activity == activity


# --- round trips ------------------------------------------------------------------------------------


def test_round_trip_future_factory_discrete() -> None:
    round_trip(example("ff-discrete-smart-factory.yaml"))


def test_round_trip_future_factory_process() -> None:
    round_trip(example("ff-process-digital-workshop.yaml"))


@pytest.mark.parametrize("industry", ["discrete", "process"])
def test_round_trip_future_factory_with_multi_select(industry: str) -> None:
    standard = LIBRARY.standard("zj-future-factory")
    document = plausible_answers(standard, SCALES, "ff", industry, random.Random(7), 0.8)  # noqa: S311
    document["answers"]["FF-096"] = ["A", "D"]
    round_trip(document)


def test_round_trip_green_factory_2025_with_quantities_and_activity() -> None:
    round_trip(
        example("green-self-evaluation-2025.yaml"), activity=example("activity-discrete-2025.yaml")
    )


def test_round_trip_green_factory_products_and_not_applicable() -> None:
    document = example("green-self-evaluation-2025.yaml")
    document["answers"]["energy-intensity"] = {
        "products": [
            {"name": "壳体", "value": 0.82, "baseline": 1.0, "leading": 0.7, "weight": 5200},
            {"name": "支架", "value": 1.1, "baseline": 1.3, "leading": 0.9, "weight": 1800},
        ]
    }
    document["answers"]["pollutant-concentration"] = {"na": True, "reason": "无工业废气排放"}
    round_trip(document)


def test_round_trip_cmmm_satisfaction_grades() -> None:
    standard = LIBRARY.standard("gbt39116-2020")
    document = plausible_answers(standard, SCALES, "target-L3", "process", random.Random(3), 0.6)  # noqa: S311
    grades = set(document["answers"].values())
    assert grades == {"full", "mostly", "partly", "none"}
    round_trip(document)


def test_round_trip_miit_gates_and_related_results() -> None:
    document = {
        "standard": "miit-smart-factory",
        "edition": "2025",
        "profile": "advanced",
        "gates": {"prior-basic-self-assessment": True, "above-designated-size": False},
        "related_results": {"gbt39116-2020": {"level": 3}},
        "answers": {},
    }
    round_trip(document)


def test_notes_are_read_with_their_items() -> None:
    document = example("ff-discrete-smart-factory.yaml")
    template = build_template("zj-future-factory", "sf", "discrete")
    notes = {"FF-001": "物联网平台截图、应用清单（见附件 3）", "credit-rating": "信用中国查询结果"}
    report = read_workbook(fill(template, document, notes=notes))
    assert report.notes == notes


# --- what people type -----------------------------------------------------------------------------------


def test_lenient_about_what_people_type() -> None:
    template = build_template("gbt36132-2025")

    def edit(book: Any) -> None:
        set_cell(book, "material-saving", "答案", "Y")
        set_cell(book, "green-design", "答案", True)
        set_cell(book, "water-reuse", "答案", "86.5")  # a number stored as text
        set_cell(book, "water-reuse", "基准值", "７０")  # full-width digits
        set_cell(book, "water-reuse", "引领值", 95)
        sheet, row = find_row(book, "solid-waste-use")
        cell = sheet.cell(row=row, column=column_of(sheet, "答案"))
        cell.value, cell.number_format = 0.92, "0%"  # typed as 92% in Excel
        set_cell(book, "solid-waste-use", "基准值", 80)
        set_cell(book, "solid-waste-use", "引领值", 98)
        set_cell(book, "land-output", "答案", "1,600")
        set_cell(book, "land-output", "基准值", 1000)
        set_cell(book, "land-output", "引领值", 2500)

    report = read_workbook(fill(template, {"standard": "gbt36132-2025"}, edit=edit))
    assert report.problems == []
    answers = report.document["answers"]
    assert answers["material-saving"] is True
    assert answers["green-design"] is True
    assert answers["water-reuse"] == {"value": 86.5, "baseline": 70, "leading": 95}
    assert answers["solid-waste-use"] == {"value": 92, "baseline": 80, "leading": 98}
    assert answers["land-output"]["value"] == 1600


def test_option_keys_in_any_case_and_separator() -> None:
    template = build_template("zj-future-factory", "ff", "discrete")

    def edit(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "c")
        set_cell(book, "FF-002", "答案", "Ｄ")
        set_cell(book, "FF-096", "答案", "a，d")
        set_cell(book, "FF-097", "答案", "B, C ; E")

    report = read_workbook(fill(template, {"standard": "zj-future-factory"}, edit=edit))
    assert report.problems == []
    answers = report.document["answers"]
    assert (answers["FF-001"], answers["FF-002"]) == ("C", "D")
    assert answers["FF-096"] == ["A", "D"]
    assert answers["FF-097"] == ["B", "C", "E"]


# --- bad input ------------------------------------------------------------------------------------


def test_unknown_option_names_sheet_row_item_and_expectation() -> None:
    template = build_template("zj-future-factory", "sf", "discrete")
    data = fill(template, example("ff-discrete-smart-factory.yaml"))
    book = open_book(data)
    set_cell(book, "FF-001", "答案", "G")
    _, row = find_row(book, "FF-001")
    assert messages(save(book)) == [
        f"sheet '1 赋能保障', row {row}, column 答案 Answer: answers.FF-001: 'G' is not an option "
        "of this item; expected one of A, B, C, D, E, F"
    ]


def test_text_in_a_number_cell() -> None:
    template = build_template("gbt36132-2025")
    data = fill(template, example("green-self-evaluation-2025.yaml"))
    book = open_book(data)
    set_cell(book, "water-reuse", "答案", "约86")
    set_cell(book, "land-output", "基准值", "one")
    _, reuse = find_row(book, "water-reuse")
    _, land = find_row(book, "land-output")
    assert messages(save(book)) == [
        f"sheet '2 资源高效化', row {reuse}, column 答案 Answer: answers.water-reuse: expected a "
        "number in %, got text '约86'",
        f"sheet '5 用地集约化', row {land}, column 基准值 Baseline: answers.land-output: expected a "
        "number in 万元/m2, got text 'one'",
    ]


def test_a_deleted_column() -> None:
    template = build_template("zj-future-factory", "sf", "discrete")

    def delete_answer_column(book: Any) -> None:
        sheet = book["2 基础支撑"]
        sheet.delete_cols(column_of(sheet, "答案"))

    data = fill(template, example("ff-discrete-smart-factory.yaml"), edit=delete_answer_column)
    report = read_workbook(data, valid_rows_only=True)
    assert [str(p) for p in report.problems] == [
        "sheet '2 基础支撑', row 2: the column '答案 Answer' is missing (deleted?); add it back "
        "with exactly this header, or download a new template"
    ]
    assert report.fatal
    assert not report.usable(valid_rows_only=True)
    assert report.warnings == []  # no talk of missing rows on a sheet that could not be read


def test_moved_columns_are_found_by_their_header() -> None:
    template = build_template("zj-future-factory", "sf", "discrete")

    def move(book: Any) -> None:
        sheet = book["1 赋能保障"]
        sheet.delete_cols(column_of(sheet, "题目（英文）"))  # a descriptor column: not needed
        sheet.insert_cols(2)

    document = example("ff-discrete-smart-factory.yaml")
    report = read_workbook(fill(template, document, edit=move))
    assert report.problems == []
    assert canonical(report.document) == canonical(document)


def test_a_workbook_from_another_edition() -> None:
    template = build_template("gbt36132-2025")

    def older(book: Any) -> None:
        sheet = book["_zhizao"]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "edition":
                row[1].value = "2018"

    assert messages(fill(template, {"standard": "gbt36132-2025"}, edit=older)) == [
        "this workbook was made for gbt36132-2025 edition 2018; the answers must be for edition "
        "2025 — download a new template and copy the answers over"
    ]


def test_a_workbook_for_another_standard() -> None:
    data = build_template("gbt36132-2018")
    expected = LIBRARY.standard("gbt36132-2025")
    assert messages(data, standard=expected) == [
        "this workbook was made for gbt36132-2018 edition 2018, but the answers are for "
        "gbt36132-2025 — download the template of gbt36132-2025"
    ]


def test_another_encoding_of_the_same_edition_is_a_warning() -> None:
    def other_hash(book: Any) -> None:
        for row in book["_zhizao"].iter_rows(min_row=2):
            if row[0].value == "standard_sha256":
                row[1].value = "0" * 64

    data = fill(build_template("gbt36132-2025"), {"standard": "gbt36132-2025"}, edit=other_hash)
    report = read_workbook(data)
    assert report.problems == []
    assert "another encoding of gbt36132-2025 edition 2025" in str(report.warnings[0])


def test_a_file_over_the_size_cap_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def never(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(reader_module, "load_workbook", never)
    big = b"PK\x03\x04" + bytes(20 * 1024 * 1024)
    assert messages(big) == [
        "the file is 20.0 MB; the limit is 10.0 MB — remove pictures or split the workbook"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "企业,答案\nFF-001,C\n".encode(),
            "this is text (a CSV file?), not an Excel workbook (.xlsx); fill the "
            "zhizao template and save it as .xlsx",
        ),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
            "this is an Excel 97–2003 (.xls) file or a password-protected workbook; "
            "save it as an Excel Workbook (.xlsx) without a password and import that",
        ),
        (
            b"%PDF-1.7\n",
            "this is a PDF, not an Excel workbook (.xlsx); fill the "
            "zhizao template and save it as .xlsx",
        ),
        (b"PK\x03\x04 broken", "the file is damaged (not a readable .xlsx package)"),
        (b"", "the file is empty"),
    ],
)
def test_files_that_are_not_workbooks(content: bytes, expected: str) -> None:
    assert messages(content) == [expected]


def test_a_word_document_or_zip_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert messages(buffer.getvalue()) == ["this is a Word document, not an Excel workbook (.xlsx)"]


def test_a_workbook_not_made_by_zhizao() -> None:
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    book.active["A1"] = "编号"
    assert messages(save(book)) == [
        "this workbook was not made by zhizao (it has no hidden '_zhizao' sheet); "
        "download a template (zhizao template, or the app's download button) and fill that"
    ]


def test_a_renamed_sheet() -> None:
    def rename(book: Any) -> None:
        book["1 赋能保障"].title = "赋能"

    data = fill(
        build_template("zj-future-factory", "sf", "discrete"),
        {"standard": "zj-future-factory"},
        edit=rename,
    )
    (problem,) = messages(data)
    assert problem.startswith("the sheet '1 赋能保障' is missing (it holds FF-001, FF-002")
    assert problem.endswith(
        "was it renamed or deleted? Rename it back to '1 赋能保障', or download a new template"
    )


def test_every_problem_at_once_and_valid_rows_only() -> None:
    document = example("ff-discrete-smart-factory.yaml")
    template = build_template("zj-future-factory", "sf", "discrete")

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")
        set_cell(book, "FF-002", "答案", "C|D")
        set_cell(book, "investment", "答案", "四千六百")
        set_cell(book, "credit-rating", "答案", "也许")
        sheet, row = find_row(book, "FF-003")
        sheet.cell(row=row, column=column_of(sheet, "编号"), value="FF-300")

    data = fill(template, document, edit=spoil)
    report = read_workbook(data)
    found = [(p.sheet, item_of(p)) for p in report.problems]
    assert found == [
        ("准入条件", "credit-rating"),
        ("准入条件", "investment"),
        ("1 赋能保障", "FF-001"),
        ("1 赋能保障", "FF-002"),
        ("1 赋能保障", "FF-300"),
    ]
    assert "expected 是 or 否 (yes or no), got '也许'" in str(report.problems[0])
    assert "expected a number in 万元, got text '四千六百'" in str(report.problems[1])
    assert "'C|D': this item takes one option, not several; expected one of A, B" in str(
        report.problems[3]
    )
    assert "unknown item ID 'FF-300' — the ID column must not be changed" in str(report.problems[4])
    assert not report.usable()
    assert not report.fatal

    partial = read_workbook(data, valid_rows_only=True)
    assert partial.usable(valid_rows_only=True)
    assert partial.skipped == ["FF-001", "FF-002", "credit-rating", "investment"]
    answers = partial.document["answers"]
    assert "FF-001" not in answers
    assert "FF-003" not in answers
    assert answers["FF-004-D"] == "B"
    assert "investment" not in partial.document["gates"]


def test_wrong_industry_variant_is_located_on_its_row() -> None:
    template = build_template("zj-future-factory", "sf")  # both variants, the firm picks its type
    document = {"standard": "zj-future-factory", "profile": "sf", "industry_type": "discrete"}

    def answer_process_variant(book: Any) -> None:
        set_cell(book, "FF-004-P", "答案", "B")

    data = fill(template, document, edit=answer_process_variant)
    sheet, row = find_row(open_book(data), "FF-004-P")
    assert messages(data) == [
        f"sheet '{sheet.title}', row {row}, column 答案 Answer: answers.FF-004-P: this item is for "
        "process industries; the firm is discrete — answer its discrete variant instead"
    ]


def test_answer_on_a_row_without_id_and_duplicate_rows() -> None:
    template = build_template("gbt36132-2025")

    def edit(book: Any) -> None:
        sheet, row = find_row(book, "water-reuse")
        sheet.cell(row=row, column=column_of(sheet, "编号")).value = None
        sheet.cell(row=row, column=column_of(sheet, "答案")).value = 80
        other, other_row = find_row(book, "solid-waste-use")
        other.cell(row=other_row, column=column_of(other, "编号"), value="water-intensity")

    problems = messages(fill(template, {"standard": "gbt36132-2025"}, edit=edit))
    assert len(problems) == 2
    assert "an answer on a row without an item ID (was the ID deleted?)" in problems[0]
    assert "water-intensity appears twice (also on sheet '2 资源高效化', row" in problems[1]


def test_standard_values_are_not_overridden() -> None:
    def edit(book: Any) -> None:
        set_cell(book, "energy-carbon-platform", "答案", 5)
        set_cell(book, "energy-carbon-platform", "引领值", 12)

    (problem,) = messages(
        fill(build_template("gbt36132-2025"), {"standard": "gbt36132-2025"}, edit=edit)
    )
    assert problem.endswith(
        "column 引领值 Leading value: answers.energy-carbon-platform: the leading is set by the "
        "standard (6 项); leave the grey cell as it is"
    )


def test_value_missing_where_baseline_is_given() -> None:
    def edit(book: Any) -> None:
        set_cell(book, "water-reuse", "基准值", 70)

    (problem,) = messages(
        fill(build_template("gbt36132-2025"), {"standard": "gbt36132-2025"}, edit=edit)
    )
    assert problem.endswith("the value is missing (a baseline is given); type the value in %")


def test_bad_activity_data_is_located() -> None:
    activity = example("activity-discrete-2025.yaml")
    activity["energy"]["green_electricity_kwh"] = 30_000_000  # more than the purchased total

    def edit(book: Any) -> None:
        set_cell(book, "natural_gas", "单位", "kg", id_header="键")
        set_cell(book, "year", "数值", "去年", id_header="键")

    data = fill(
        build_template("gbt36132-2025"), {"standard": "gbt36132-2025"}, activity=activity, edit=edit
    )
    problems = messages(data)
    assert any(
        "column 单位 Unit: energy.natural_gas: unit 'kg' is not one of m3" in p for p in problems
    )
    assert any("column 数值 Value: year: expected a number, got text '去年'" in p for p in problems)

    activity_only = fill(
        build_template("gbt36132-2025"), {"standard": "gbt36132-2025"}, activity=activity
    )
    (green,) = messages(activity_only)
    _, row = find_row(open_book(activity_only), "green_electricity", id_header="键")
    assert green.startswith(
        f"sheet '碳排放数据', row {row}, column 数值 Value: energy.green_electricity_kwh: green power"
    )


def test_import_cli_writes_answers_that_score_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    workbook = tmp_path / "filled.xlsx"
    workbook.write_bytes(
        fill(
            build_template("gbt36132-2025"),
            example("green-self-evaluation-2025.yaml"),
            activity=example("activity-discrete-2025.yaml"),
            notes={"water-reuse": "中水回用台账 2025"},
        )
    )
    out = tmp_path / "answers.yaml"
    assert main(["import", str(workbook), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    activity_file = tmp_path / "answers-activity.yaml"
    assert f"→ {out}, {activity_file}" in captured.out
    assert "# 证据说明 Evidence notes" in out.read_text(encoding="utf-8")
    assert main(["score", str(out), "--activity", str(activity_file)]) == 0
    assert "总分 Total:" in capsys.readouterr().out


def test_import_cli_writes_nothing_on_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")

    workbook = tmp_path / "filled.xlsx"
    template = build_template("zj-future-factory", "sf", "discrete")
    workbook.write_bytes(fill(template, example("ff-discrete-smart-factory.yaml"), edit=spoil))
    out = tmp_path / "answers.yaml"
    assert main(["import", str(workbook), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "filled.xlsx: error: sheet '1 赋能保障', row" in err
    assert "1 problem(s); nothing was written" in err
    assert not out.exists()

    assert main(["import", str(workbook), "--out", str(out), "--valid-rows-only"]) == 0
    captured = capsys.readouterr()
    assert "filled.xlsx: skipped: sheet '1 赋能保障'" in captured.err
    assert "skipped 1 row(s) with problems" in captured.out
    assert "FF-001" not in yaml.safe_load(out.read_text(encoding="utf-8"))["answers"]


def test_import_cli_refuses_a_big_file_without_reading_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    big = tmp_path / "big.xlsx"
    with big.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    assert main(["import", str(big)]) == 1
    assert "the file is 20.0 MB; the limit is 10.0 MB" in capsys.readouterr().err


def test_export_cli_from_answers_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assessment.cli.main import main  # noqa: PLC0415

    out = tmp_path / "export.xlsx"
    code = main(
        [
            "export",
            "--answers", str(EXAMPLES / "ff-discrete-smart-factory.yaml"),
            "--evaluated", str(EXAMPLES / "ff-discrete-smart-factory-evaluated.yaml"),
            "--out", str(out),
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    book = open_book(out.read_bytes())
    assert book.sheetnames[0] == "结果汇总"
    summary = book["结果汇总"]
    labels = [summary.cell(row=r, column=1).value for r in range(1, summary.max_row + 1)]
    assert "总分 Total" in labels
    assert "答案 SHA-256 Answers SHA-256" in labels
    evaluated = yaml.safe_load((EXAMPLES / "ff-discrete-smart-factory-evaluated.yaml").read_text())
    own = example("ff-discrete-smart-factory.yaml")
    changed = next(k for k, v in evaluated["answers"].items() if own["answers"].get(k) != v)
    sheet, row = find_row(book, changed)
    assert sheet.cell(row=row, column=column_of(sheet, "评审意见")).value == "调整 adjusted"
    assert (
        sheet.cell(row=row, column=column_of(sheet, "评审答案")).value
        == evaluated["answers"][changed]
    )
    assert isinstance(sheet.cell(row=row, column=column_of(sheet, "自评得分")).value, float | int)
    report = read_workbook(out.read_bytes())
    assert canonical(report.document) == canonical(own)


def test_target_and_industry_left_blank_point_at_the_general_sheet() -> None:
    data = build_template("zj-future-factory")  # every target and both industry types
    book = open_book(data)
    _, profile_row = find_row(book, "profile", id_header="键")
    _, industry_row = find_row(book, "industry_type", id_header="键")
    report = read_workbook(data)
    assert [str(p) for p in report.problems] == [
        f"sheet '基本信息', row {profile_row}, column 内容 Value: profile: missing; expected "
        "one of ['dws', 'ff', 'sf']",
        f"sheet '基本信息', row {industry_row}, column 内容 Value: industry_type: missing; "
        "this standard has discrete/process items (discrete or process)",
    ]
    assert report.fatal


def test_a_broken_workbook_reads_in_chinese_and_prints_in_english() -> None:
    template = build_template("zj-future-factory", "sf", "discrete")

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")  # not an option: the reader's own check
        set_cell(book, "investment", "答案", -4600)  # negative: parse_answers', placed on its row

    data = fill(template, example("ff-discrete-smart-factory.yaml"), edit=spoil)
    book = open_book(data)
    _, option_row = find_row(book, "FF-001")
    _, gate_row = find_row(book, "investment")
    report = read_workbook(data, valid_rows_only=True)
    by_item = {item_of(p): p for p in report.problems}
    assert set(by_item) == {"FF-001", "investment"}
    option, gate = by_item["FF-001"], by_item["investment"]
    assert (option.sheet, option.line, option.column) == ("1 赋能保障", option_row, "答案 Answer")
    assert (gate.sheet, gate.line, gate.column) == ("准入条件", gate_row, "答案 Answer")
    # the English the command line prints is what it was: place, item, message
    assert str(option) == (
        f"sheet '1 赋能保障', row {option_row}, column 答案 Answer: answers.FF-001: 'G' is not an "
        "option of this item; expected one of A, B, C, D, E, F"
    )
    assert str(gate) == (
        f"sheet '准入条件', row {gate_row}, column 答案 Answer: gates.investment: -4600 万元 is "
        "negative; expected an amount of 0 or more"
    )
    # the page's Chinese: the message, and the place in the workbook
    assert option.text("zh") == "答案 › FF-001：“G”不是本题的选项；应为以下之一：A、B、C、D、E、F"
    assert option.shown("zh") == (
        f"工作表“1 赋能保障”第{option_row}行“答案 Answer”列：{option.text('zh')}"
    )
    assert CJK.search(gate.text("zh"))
    assert "-4600" in gate.text("zh")
    assert gate.shown("zh").startswith(f"工作表“准入条件”第{gate_row}行“答案 Answer”列：")
    for problem in report.problems:
        assert not ENGLISH.search(problem.message("zh")), problem.message("zh")
    # --json keeps its keys, the message in English without its place
    assert problem_dict(option) == {
        "sheet": "1 赋能保障",
        "row": option_row,
        "item": "FF-001",
        "column": "答案 Answer",
        "message": "'G' is not an option of this item; expected one of A, B, C, D, E, F",
    }
    assert not report.fatal
    assert report.skipped == ["FF-001", "investment"]
