"""One shape for everything wrong with an input, on every floor: `Problem(loc, code, params)`.

`loc` says where inside the input (`("answers", "FF-001", "products", 0, "value")`), `code` says
what is wrong (a key of the catalogue), `params` hold the values the message names (ids, numbers,
option keys — never sentences of one language). A problem becomes a sentence only when someone
reads it, in their language: `problem.text("zh")`. Where the input is a file, `file`, `line` and
`column` (or, in a workbook, `sheet`, `line` = row and `column` = column header) place it.

The catalogue is `standards/problems/*.yaml`, one file per domain, each code with `en` and `zh`
templates in `str.format` syntax; `{name:list}` joins a list in the reader's language,
`{name:field}` names a key in it (from the entry `field.KEY`, which also names `loc` keys in
Chinese; `{name:field.status}` reads `field.status.KEY`), `{names:either.status}` joins such
names with "or", `{name:code}` inserts the sentence of another code (a hint, say), and a
param that is itself a Problem is rendered as its message (`evidence file 'x': {why}`). The
English templates are the messages the command line prints. `tests/test_problems.py` holds every
code in the code to an entry with the same placeholders in both languages.

This module imports nothing of the project, so standards, scoring, assessment and ui all use it.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[str | int, ...]
LANGUAGES = ("zh", "en")
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (`loc`), what (`code`) and the values it names."""

    loc: Loc
    code: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    file: str | None = None
    line: int | None = None
    column: int | str | None = None
    sheet: str | None = None

    def message(self, lang: str = "en") -> str:
        """The sentence for `code`, in `lang`, without the place."""
        return render(self.code, self.params, lang)

    def where(self, lang: str = "en") -> str:
        """`loc` as a reader reads it: `answers.FF-001.products[0]` (en), `答案 › FF-001 › 第1项` (zh)."""
        return loc_text(self.loc, lang)

    def text(self, lang: str = "en") -> str:
        """Place inside the input and message: what a page shows."""
        where = self.where(lang)
        colon = "：" if lang == "zh" else ": "
        return f"{where}{colon}{self.message(lang)}" if where else self.message(lang)

    def shown(self, lang: str = "en") -> str:
        """Place in the file or workbook, place inside the input and message, in `lang`:
        `sheet 'X', row 12, column Y: answers.FF-001: …` / `工作表“X”第12行“Y”列：答案 › FF-001：…`."""
        colon = "：" if lang == "zh" else ": "
        place = file_place(self, lang) if self.sheet is None else sheet_place(self, lang)
        return f"{place}{colon}{self.text(lang)}" if place else self.text(lang)

    def __str__(self) -> str:
        """`file:line:column: loc: message` in English — what the command line prints."""
        return self.shown("en")

    def under(self, *prefix: str | int) -> Problem:
        """The same problem inside a larger input (its `loc` prefixed)."""
        return replace(self, loc=(*prefix, *self.loc))

    def placed(self, **place: Any) -> Problem:
        """The same problem with a file place (`file`, `line`, `column`, `sheet`)."""
        return replace(self, **place)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        """File order: file, line, column (a workbook's column header after), then place."""
        column = self.column if isinstance(self.column, int) else 0
        header = self.column if isinstance(self.column, str) else ""
        return (self.file or "", self.line or 0, column, header, loc_text(self.loc, "en"))


class ProblemsError(Exception):
    """An exception that carries `problems`: `str()` is their English, `text(lang)` another
    language. The sentences are rendered when the error is read, not when it is raised, so the
    pure core raises without ever opening the catalogue. The errors of each room derive from it
    (or from ProblemError) beside the built-in kind they are
    (`class AnswerError(ProblemsError, ValueError)`)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(*(p.code for p in self.problems))

    def __str__(self) -> str:
        return problems_text(self.problems)

    def text(self, lang: str = "en") -> str:
        return problems_text(self.problems, lang)


class ProblemError(ProblemsError):
    """An exception that is one problem: `problem` (and `problems`, a list of it)."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__([problem])


def problems_text(problems: Iterable[Problem], lang: str = "en") -> str:
    """One line per problem, each with its place (`Problem.shown`)."""
    return "\n".join(p.shown(lang) for p in problems)


# --- rendering -----------------------------------------------------------------------------------


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Problem):  # a problem inside another: its sentence, in this language
            return value.message(self.lang)
        kind, _, prefix = format_spec.partition(".")
        if kind == "list":
            return ("、" if self.lang == "zh" else ", ").join(str(v) for v in _items(value))
        if kind == "field":  # a key named in the reader's language: `field.[PREFIX.]KEY`
            return self.name(value, prefix)
        if kind == "either":  # `draft or returned` / `草稿或已退回`
            names = [self.name(v, prefix) for v in _items(value)]
            return ("或" if self.lang == "zh" else " or ").join(names)
        if kind == "code":  # another entry's sentence, e.g. a hint; "" for none
            return render(str(value), {}, self.lang) if value else ""
        return str(super().format_field(value, format_spec))

    def name(self, key: object, prefix: str = "") -> str:
        entry = catalogue().get(f"field.{prefix + '.' if prefix else ''}{key}", {})
        return entry.get(self.lang) or entry.get("en") or str(key)


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def render(code: str, params: Mapping[str, Any], lang: str = "en") -> str:
    entry = catalogue().get(code)
    if entry is None:  # a code without an entry is a bug; say so rather than lose the problem
        return f"[{code}] {dict(params)}"
    template = entry.get(lang) or entry["en"]
    try:
        return _Formatter(lang).vformat(template, (), dict(params))
    except (KeyError, IndexError, ValueError, TypeError):
        return f"[{code}] {dict(params)}"


def loc_text(loc: Loc, lang: str = "en") -> str:
    if lang == "zh":
        names = fields()
        parts = [f"第{p + 1}项" if isinstance(p, int) else names.get(p, p) for p in loc]
        return " › ".join(parts)
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def file_place(problem: Problem, lang: str = "en") -> str:
    """A text file place: `a.yaml:12:5` / `a.yaml 第12行第5列`."""
    if lang == "zh" and problem.file is not None:
        text = problem.file
        if problem.line is not None:
            text += f" 第{problem.line}行"
            if problem.column is not None:
                text += f"第{problem.column}列"
        return text
    return ":".join(str(p) for p in (problem.file, problem.line, problem.column) if p is not None)


def sheet_place(problem: Problem, lang: str = "en") -> str:
    """A workbook place: `sheet 'Answers', row 12, column C` / `工作表"答题"第12行C列`."""
    if lang == "zh":
        text = f"工作表“{problem.sheet}”" if problem.sheet else ""
        if problem.line is not None:
            text += f"第{problem.line}行"
        if problem.column is not None:
            text += f"“{problem.column}”列"
        return text
    parts = []
    if problem.sheet is not None:
        parts.append(f"sheet '{problem.sheet}'")
    if problem.line is not None:
        parts.append(f"row {problem.line}")
    if problem.column is not None:
        parts.append(f"column {problem.column}")
    return ", ".join(parts)


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every code → {lang: template}, from the YAML files beside this module."""
    merged: dict[str, dict[str, str]] = {}
    for path in sorted(HERE.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for code, templates in entries.items():
            if code in merged:
                raise ValueError(f"{path.name}: problem code {code!r} is defined twice")
            merged[code] = {str(k): str(v) for k, v in templates.items()}
    return merged


@cache
def fields() -> dict[str, str]:
    """Chinese names of the keys a `loc` may hold: the catalogue's `field.answers: {zh: 答案}`."""
    return {
        code.removeprefix("field."): entry["zh"]
        for code, entry in catalogue().items()
        if code.startswith("field.") and "zh" in entry
    }
