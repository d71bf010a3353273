"""docs/excel.md shows real output; these tests rerun its file-based commands and find every line
they print in the page. When a message changes on purpose, rerun the commands and paste anew."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT
from excel_support import column_of, fill, set_cell

from assessment.cli.main import main

DOC = ROOT / "docs" / "excel.md"


def normal(text: str) -> str:
    return re.sub(r"\(\d+ KiB\)", "(… KiB)", text)


def doc_lines() -> set[str]:
    return {normal(line) for line in DOC.read_text(encoding="utf-8").splitlines()}


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    main(list(args))
    captured = capsys.readouterr()
    return [normal(line) for line in (captured.out + captured.err).splitlines() if line]


def test_the_pages_outputs_are_real(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = run(
        capsys,
        "template", "zj-future-factory", "--profile", "sf", "--industry", "discrete",
        "--out", "ff-sf-discrete.xlsx",
    )  # fmt: skip
    template = Path("ff-sf-discrete.xlsx").read_bytes()
    document = example("ff-discrete-smart-factory.yaml")
    Path("filled.xlsx").write_bytes(
        fill(template, document, notes={"FF-001": "物联网平台截图、应用场景清单（附件 3）"})
    )

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")
        set_cell(book, "FF-002", "答案", "C|D")
        set_cell(book, "investment", "答案", "约4600")

    def delete_column(book: Any) -> None:
        sheet = book["2 基础支撑"]
        sheet.delete_cols(column_of(sheet, "答案"))

    def older(book: Any) -> None:
        for row in book["_zhizao"].iter_rows(min_row=2):
            if row[0].value == "edition":
                row[1].value = "2024-trial"

    Path("bad.xlsx").write_bytes(fill(template, document, edit=spoil))
    Path("deleted-column.xlsx").write_bytes(fill(template, document, edit=delete_column))
    Path("old-edition.xlsx").write_bytes(fill(template, document, edit=older))
    Path("answers.csv").write_text("item,answer\nFF-001,C\n", encoding="utf-8")
    with open("big.xlsx", "wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    green = run(capsys, "template", "gbt36132-2025", "--out", "green-2025.xlsx")
    assert green
    Path("green-filled.xlsx").write_bytes(
        fill(
            Path("green-2025.xlsx").read_bytes(),
            example("green-self-evaluation-2025.yaml"),
            activity=example("activity-discrete-2025.yaml"),
        )
    )
    for args in (
        ["import", "filled.xlsx"],
        ["import", "bad.xlsx", "--out", "answers.yaml"],
        ["import", "bad.xlsx", "--out", "answers.yaml", "--valid-rows-only"],
        ["import", "deleted-column.xlsx"],
        ["import", "old-edition.xlsx"],
        ["import", "answers.csv"],
        ["import", "big.xlsx"],
        ["import", "green-filled.xlsx", "--out", "green.yaml"],
    ):
        printed += run(capsys, *args)
    answers = Path("green.yaml").read_text(encoding="utf-8").splitlines()[:12]
    os.chdir(ROOT)
    printed += run(
        capsys,
        "export",
        "--answers", "examples/ff-discrete-smart-factory.yaml",
        "--evaluated", "examples/ff-discrete-smart-factory-evaluated.yaml",
        "--out", str(tmp_path / "review.xlsx"),
    )  # fmt: skip
    printed[-1] = printed[-1].replace(str(tmp_path / "review.xlsx"), "review.xlsx")
    page = doc_lines()
    missing = [line for line in printed + answers if line not in page]
    assert missing == []
