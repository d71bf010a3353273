"""Excel templates: what the workbook holds and how it is laid out for filling in Excel or WPS."""

from __future__ import annotations

from pathlib import Path

import pytest
from excel_support import LIBRARY, column_of, find_row, header_columns, meta, open_book

from assessment.cli.main import main
from assessment.excel import TemplateError, build_template
from assessment.excel.questions import activity_key, activity_rows
from scoring.carbon import known_keys
from standards import bundled_library, sha256_of
from standards.models import ChoiceRule


@pytest.fixture(scope="module")
def ff() -> bytes:
    return build_template("zj-future-factory", "sf", "discrete")


@pytest.fixture(scope="module")
def green() -> bytes:
    return build_template("gbt36132-2025")


def validations(sheet):  # type: ignore[no-untyped-def]
    """cell coordinate → data validation covering it."""
    found = {}
    for dv in sheet.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            for row in sheet.iter_rows(
                min_row=cell_range.min_row,
                max_row=cell_range.max_row,
                min_col=cell_range.min_col,
                max_col=cell_range.max_col,
            ):
                for cell in row:
                    found[cell.coordinate] = dv
    return found


def test_sheets_and_metadata(ff: bytes) -> None:
    book = open_book(ff)
    assert book.sheetnames == [
        "填写说明",
        "基本信息",
        "准入条件",
        "1 赋能保障",
        "2 基础支撑",
        "3 应用场景",
        "碳排放数据",
        "_zhizao",
    ]
    assert book["_zhizao"].sheet_state == "hidden"
    standard = LIBRARY.standard("zj-future-factory")
    recorded = meta(book)
    assert recorded["standard_id"] == "zj-future-factory"
    assert recorded["edition"] == "2025-trial-r2"
    assert recorded["standard_sha256"] == sha256_of(standard)
    assert (recorded["profile"], recorded["industry_type"]) == ("sf", "discrete")
    props = {p.name: p.value for p in book.custom_doc_props.props}
    assert props["zhizao.standard_id"] == "zj-future-factory"
    assert props["zhizao.edition"] == "2025-trial-r2"
    assert props["zhizao.standard_sha256"] == sha256_of(standard)


def test_items_follow_profile_and_industry(ff: bytes) -> None:
    book = open_book(ff)
    ids = set()
    for name in ("1 赋能保障", "2 基础支撑", "3 应用场景"):
        sheet = book[name]
        col = column_of(sheet, "编号")
        ids |= {sheet.cell(row=r, column=col).value for r in range(3, sheet.max_row + 1)} - {None}
    standard = LIBRARY.standard("zj-future-factory")
    expected = {
        i.id
        for i in standard.items
        if (i.industry is None or i.industry.value == "discrete")
        and i.applicability.get("sf", standard.default_applicability).value != "not_applicable"
    }
    assert ids == expected
    assert "FF-004-D" in ids
    assert "FF-004-P" not in ids  # the process variant
    assert "FF-096" not in ids  # not asked of a smart factory (sf)


def test_headers_are_chinese_first_with_english_beside(ff: bytes) -> None:
    sheet = open_book(ff)["1 赋能保障"]
    headers = list(header_columns(sheet))
    assert headers[:7] == [
        "编号 ID",
        "序号 No.",
        "题目 Question",
        "题目（英文） Question in English",
        "选项说明 Options",
        "选项说明（英文） Options in English",
        "答案 Answer",
    ]
    assert "证据说明 Evidence notes" in headers
    assert "不适用理由 Reason if not applicable" not in headers  # the standard forbids n/a
    assert sheet.freeze_panes == "D3"
    assert sheet.column_dimensions["E"].width == 46


def test_descriptors_and_drop_downs(ff: bytes) -> None:
    book = open_book(ff)
    sheet, row = find_row(book, "FF-001")
    options = sheet.cell(row=row, column=column_of(sheet, "选项说明")).value
    item = next(
        i for i in bundled_library().standard("zj-future-factory").items if i.id == "FF-001"
    )
    assert isinstance(item.rule, ChoiceRule)
    a, b, c = item.rule.options[:3]
    lines = options.splitlines()
    assert lines[0] == f"A　{a.text.zh}"
    # each option's thresholds follow it as a checklist: B has one, C three
    assert lines[1:3] == [f"B　{b.text.zh}", "　　☐ 新一代信息技术 ≥ 1种"]
    assert lines[3] == f"C　{c.text.zh}"
    assert lines[4:7] == [f"　　☐ {t.describe('zh')}" for t in c.thresholds]
    assert "　　☐ 新一代信息技术 ≥ 4种" in lines
    assert len(lines) == 6 + 4
    english = sheet.cell(row=row, column=column_of(sheet, "选项说明（英文）")).value
    assert english.startswith(f"A　{a.text.en}")
    assert "　　☐ new-generation IT ≥ 4 kinds" in english.splitlines()
    assert sheet.cell(row=row, column=column_of(sheet, "选项说明")).alignment.wrap_text
    answer = sheet.cell(row=row, column=column_of(sheet, "答案"))
    assert answer.fill.fgColor.rgb.endswith("FFF2CC")  # yellow: to be filled
    dv = validations(sheet)[answer.coordinate]
    assert (dv.type, dv.formula1) == ("list", '"A,B,C,D,E,F"')
    assert sheet.row_dimensions[row].height > 60  # six wrapped descriptors show in full
    assert sheet.cell(row=row, column=column_of(sheet, "题目")).comment is not None  # guidance

    gates = book["准入条件"]
    gate_sheet, gate_row = find_row(book, "credit-rating")
    assert gate_sheet.title == "准入条件"
    cell = gates.cell(row=gate_row, column=column_of(gates, "答案"))
    assert validations(gates)[cell.coordinate].formula1 == '"是,否"'
    _, invest = find_row(book, "investment")
    variant = gates.cell(row=invest, column=column_of(gates, "地区类别"))
    assert validations(gates)[variant.coordinate].formula1 == '"default,mountain_island"'
    assert "4000" in gates.cell(row=invest, column=column_of(gates, "填写方式")).value


def test_multi_select_items_say_how(tmp_path: Path) -> None:
    book = open_book(build_template("zj-future-factory", "ff", "discrete"))
    sheet, row = find_row(book, "FF-096")
    assert "A|C" in sheet.cell(row=row, column=column_of(sheet, "填写方式")).value
    cell = sheet.cell(row=row, column=column_of(sheet, "答案"))
    dv = validations(sheet)[cell.coordinate]
    assert dv.type is None
    assert "A|C" in dv.prompt


def test_quantities_units_and_sector_values(green: bytes) -> None:
    book = open_book(green)
    sheet, row = find_row(book, "water-reuse")
    assert sheet.cell(row=row, column=column_of(sheet, "单位")).value == "%"
    for header in ("基准值", "引领值"):  # the 2025 通则 publishes none: the firm gives them
        cell = sheet.cell(row=row, column=column_of(sheet, header))
        assert cell.value is None
        assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    answer = sheet.cell(row=row, column=column_of(sheet, "答案"))
    assert validations(sheet)[answer.coordinate].type == "decimal"
    sheet, row = find_row(book, "energy-carbon-platform")  # the standard sets 0 → 6
    assert sheet.cell(row=row, column=column_of(sheet, "基准值")).value == 0
    assert sheet.cell(row=row, column=column_of(sheet, "引领值")).value == 6
    assert sheet.cell(row=row, column=column_of(sheet, "引领值")).fill.fgColor.rgb.endswith(
        "EDEDED"
    )
    assert "不适用理由 Reason if not applicable" in header_columns(sheet)  # renormalise policy
    products = book["多产品"]
    dv = validations(products)["A3"]
    assert dv.formula1 == '"energy-intensity"'


def test_activity_sheet_has_every_carbon_key_with_units(green: bytes) -> None:
    sheet = open_book(green)["碳排放数据"]
    keys = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert keys[:5] == ["year", "name", "region", "output_value_10k_yuan", "value_added_10k_yuan"]
    rows = activity_rows(LIBRARY.factors)
    energy = [r for r in rows if r.kind == "energy"]
    # every activity key of carbon accounting, each once (green power right after purchased power)
    assert sorted(activity_key(r, r.unit or "") for r in energy) == sorted(
        known_keys(LIBRARY.factors)
    )
    assert [r.key for r in energy][:3] == [
        "electricity",
        "green_electricity",
        "exported_electricity",
    ]
    _, row = find_row(open_book(green), "natural_gas", id_header="键")
    assert sheet.cell(row=row, column=column_of(sheet, "单位")).value == "m3"
    _, row = find_row(open_book(green), "electricity", id_header="键")
    unit = sheet.cell(row=row, column=column_of(sheet, "单位"))
    assert validations(sheet)[unit.coordinate].formula1 == '"kWh,MWh"'


def test_cmmm_satisfaction_grades() -> None:
    book = open_book(build_template("gbt39116-2020", "target-L3", "process"))
    assert book.sheetnames[2:6] == ["人员", "技术", "资源", "制造"]
    sheet, row = find_row(book, "org-strategy.L1.1")
    assert sheet.cell(row=row, column=column_of(sheet, "序号")).value == "L1"
    answer = sheet.cell(row=row, column=column_of(sheet, "答案"))
    assert validations(sheet)[answer.coordinate].formula1 == '"全部满足,大部分满足,部分满足,不满足"'
    standard = LIBRARY.standard("gbt39116-2020")
    above = [i.id for i in standard.items if i.applicability.get("target-L3") == "not_applicable"]
    assert above  # the requirements of levels a level-3 target does not ask
    with pytest.raises(KeyError):
        find_row(book, above[0])


def test_english_words_for_drop_downs_and_sheets() -> None:
    book = open_book(build_template("gbt36132-2025", lang="en"))
    assert book.sheetnames[:3] == ["Instructions", "General", "Gates"]
    sheet, row = find_row(book, "material-saving")
    answer = sheet.cell(row=row, column=column_of(sheet, "答案"))
    assert validations(sheet)[answer.coordinate].formula1 == '"Yes,No"'
    assert header_columns(sheet)  # headers stay bilingual, Chinese first
    assert next(iter(header_columns(sheet))) == "编号 ID"


def test_instructions_chinese_first_english_beside(ff: bytes) -> None:
    sheet = open_book(ff)["填写说明"]
    assert sheet["A1"].value.endswith("填写说明")
    assert sheet["B1"].value.endswith("Instructions")
    texts = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert any("黄色单元格" in t for t in texts)
    assert any("不接受“不适用”" in t for t in texts)  # future factory forbids n/a answers


def test_gates_only_standard_and_related_results() -> None:
    book = open_book(build_template("miit-smart-factory", "advanced"))
    assert "准入条件" in book.sheetnames
    sheet, row = find_row(book, "gbt39116-2020:level")
    assert "gbt39116-2020" in sheet.cell(row=row, column=column_of(sheet, "填写方式")).value


def test_template_errors() -> None:
    with pytest.raises(TemplateError, match="expected one of"):
        build_template("zj-future-factory", "nope")
    with pytest.raises(TemplateError, match="no discrete/process variants"):
        build_template("gbt36132-2025", industry="process")
    with pytest.raises(TemplateError, match="unknown standard"):
        build_template("no-such-standard")
    with pytest.raises(TemplateError, match="lang"):
        build_template("gbt36132-2025", lang="fr")


def test_cli_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ff.xlsx"
    code = main(
        [
            "template",
            "zj-future-factory",
            "--profile",
            "sf",
            "--industry",
            "discrete",
            "--out",
            str(out),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0
    assert (
        "zj-future-factory 2025-trial-r2 · sf · discrete — 77 items on 3 sheet(s)" in captured.out
    )
    assert out.read_bytes()[:2] == b"PK"
    code = main(["template", "zj-future-factory", "--profile", "xx", "--out", str(out)])
    assert code == 1
    assert "profile 'xx' is not a profile" in capsys.readouterr().err
