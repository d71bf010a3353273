"""docs/standards-authoring.md shows real files and real output; these tests keep it that way.

The worked example's standard must be valid and printed in the page verbatim, and the outputs
pasted for it (clean, broken, typo) must be what `zhizao standards validate` prints today. When a
message changes on purpose, rerun the commands shown in the page and paste the new output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assessment.cli.main import main

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "standards-authoring.md"
EXAMPLE = ROOT / "docs" / "examples" / "example-line-check.yaml"

# The slips shown in the page, as (old, new) replacements of the example's text.
BROKEN = [
    (
        "          points: 2.5\n          tier: basic\n",
        "          points: 2.5\n          tier: basci\n",
    ),
    (
        "          points: 5\n          tier: advanced\n",
        "          points: 2\n          tier: advanced\n",
    ),
    (
        '      direction: positive\n      unit: "%"\n',
        '      direction: positive\n      unit: "percent"\n',
    ),
    ("      leading:\n        value: null\n", "      leading:\n        value: 90\n"),
]
TYPO = [
    (
        "    title: {zh: 关键设备联网情况, en: Networking of key equipment}\n    rule:\n      kind: choice\n",
        "    titel: {zh: 关键设备联网情况, en: Networking of key equipment}\n    rule:\n      kind: choise\n",
    ),
    (
        "rule: {kind: yes_no, points: 5, tier: basic}",
        "rule: {kind: yes_no, points: five, tier: basic}",
    ),
]


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    """The contents of the fenced code blocks of a Markdown text."""
    blocks, current = [], None
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append("".join(current))
                current = None
        elif current is not None:
            current.append(line)
    return blocks


def pasted_output(command: str, marker: str) -> list[str]:
    """Lines printed under `$ command` in the code block that contains `marker`."""
    for block in code_blocks(doc_text()):
        if f"$ {command}\n" in block and marker in block:
            return block.split(f"$ {command}\n", 1)[1].rstrip("\n").split("\n")
    raise AssertionError(f"no output block for `{command}` containing {marker!r} in {DOC.name}")


def apply(text: str, changes: list[tuple[str, str]]) -> str:
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def test_example_is_printed_verbatim() -> None:
    example = EXAMPLE.read_text(encoding="utf-8")
    assert example in code_blocks(doc_text())


def test_clean_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(EXAMPLE.parent)
    assert main(["standards", "validate", EXAMPLE.name]) == 0
    printed = capsys.readouterr().out.rstrip("\n").split("\n")
    assert printed == pasted_output("zhizao standards validate example-line-check.yaml", "ok  ")


@pytest.mark.parametrize(
    ("name", "changes", "marker"),
    [("example-line-check.yaml", BROKEN, "problems found"), ("typo.yaml", TYPO, "typo.yaml:")],
    ids=["broken", "typo"],
)
def test_broken_outputs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    changes: list[tuple[str, str]],
    marker: str,
) -> None:
    (tmp_path / name).write_text(
        apply(EXAMPLE.read_text(encoding="utf-8"), changes), encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["standards", "validate", name]) == 1
    printed = capsys.readouterr().err.rstrip("\n").split("\n")
    assert printed == pasted_output(f"zhizao standards validate {name}", marker)


def test_every_schema_file_named_in_the_page_exists() -> None:
    for name in re.findall(r"(?<![$\w])([a-z]+\.schema\.json)", doc_text()):
        assert (ROOT / "standards" / "schema" / name).is_file(), name
