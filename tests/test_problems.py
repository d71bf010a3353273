"""One problem type on every floor, and a catalogue that speaks both languages.

Every code written in the code has a catalogue entry; every entry has an English and a Chinese
template naming the same values (except where English quotes pydantic's own sentence); the
Chinese is Chinese. Read with `ast`, nothing is run
except the renderer."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from standards.problems import Problem, catalogue, loc_text

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("standards", "scoring", "assessment", "ui")
CJK = re.compile(r"[\u4e00-\u9fff]")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def codes_in_code() -> dict[str, str]:
    """Each literal code given to Problem(loc, code, ...) → where it is written."""
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Problem"):
                    continue
                code = node.args[1] if len(node.args) > 1 else None
                if isinstance(code, ast.Constant) and isinstance(code.value, str):
                    found.setdefault(code.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_code_in_the_code_has_an_entry() -> None:
    missing = {code: where for code, where in codes_in_code().items() if code not in catalogue()}
    assert not missing, missing


@pytest.mark.parametrize("code", sorted(catalogue()))
def test_each_entry_speaks_both_languages_with_the_same_placeholders(code: str) -> None:
    entry = catalogue()[code]
    assert set(entry) == {"en", "zh"}, entry
    en, zh = placeholders(entry["en"]), placeholders(entry["zh"])
    if "detail" not in en:  # zh names only values the problem carries (it may say less)
        assert zh <= en, entry
    # else en quotes pydantic's own sentence (`detail`), zh says it with pydantic's `ctx` values
    assert CJK.search(entry["zh"]), f"{code}: the zh template is not Chinese: {entry['zh']!r}"


def test_a_problem_reads_in_either_language() -> None:
    problem = Problem(
        ("answers", "FF-001"), "answers.not_an_option", {"given": "Z", "keys": ["A", "B"]}
    )
    assert problem.text("en") == (
        "answers.FF-001: 'Z' is not an option of this item; expected one of ['A', 'B']"
    )
    assert problem.text("zh") == "答案 › FF-001：“Z”不是本题的选项；应为以下之一：A、B"
    placed = problem.placed(file="answers.yaml", line=7, column=3)
    assert str(placed).startswith("answers.yaml:7:3: answers.FF-001: ")


def test_a_location_reads_as_a_path() -> None:
    loc = ("answers", "EE-03", "products", 1, "baseline")
    assert loc_text(loc) == "answers.EE-03.products[1].baseline"
    assert loc_text(loc, "zh") == "答案 › EE-03 › 产品 › 第2项 › 基准值"


def test_a_workbook_problem_names_sheet_row_and_column() -> None:
    problem = Problem(("answers", "FF-002"), "answers.ticked_twice", sheet="题目", line=12,
                      column="选项")  # fmt: skip
    assert (
        str(problem)
        == "sheet '题目', row 12, column 选项: answers.FF-002: an option is ticked twice"
    )


SERVICE_ERRORS = {
    "LifecycleError", "NotFound", "PermissionDenied", "InvalidTransition", "Conflict",
    "InvalidInput", "EvidenceRejected", "AuthenticationFailed", "IssuerUnavailable",
}  # fmt: skip


def test_no_service_error_is_raised_with_a_sentence() -> None:
    """A sentence given to a service error would reach the Chinese page in English: every one
    is raised with Problem values (errors.py refuses anything else at run time too)."""
    found = []
    for package in ("assessment",):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (
                    isinstance(node, ast.Call) and getattr(node.func, "id", None) in SERVICE_ERRORS
                ):
                    continue
                if node.args and isinstance(node.args[0], ast.Constant | ast.JoinedStr):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_each_pydantic_kind_carbon_names_has_its_entry() -> None:
    """scoring/carbon.py names pydantic's types without opening the catalogue (the core reads no
    file): the list it keeps must match the catalogue."""
    from scoring.carbon import PYDANTIC_KINDS  # noqa: PLC0415

    assert {f"carbon.{kind}" for kind in PYDANTIC_KINDS} <= set(catalogue())


def test_raising_a_core_error_renders_nothing_until_it_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sentence is made when someone reads the error, so raising one in scoring/ never loads
    the catalogue."""
    from scoring.answers import AnswerError  # noqa: PLC0415
    from standards import problems  # noqa: PLC0415

    def refuse(*_args: object) -> str:
        raise AssertionError("rendered while raising")

    monkeypatch.setattr(problems, "render", refuse)
    error = AnswerError([Problem(("answers", "FF-001"), "answers.ticked_twice")])
    monkeypatch.undo()
    assert str(error) == "answers.FF-001: an option is ticked twice"
