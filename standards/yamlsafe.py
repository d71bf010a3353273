"""Safe, bounded YAML reading with line numbers.

Only plain data is constructed (a SafeLoader subclass); aliases are refused, so an alias bomb cannot
expand; duplicate keys are refused instead of silently keeping the last; only YAML 1.2 booleans are
booleans, so an option called `No` or `on` stays a string. Sizes are checked before parsing.

Every number read is a finite one a float can hold: NaN, infinities, numbers too large for a float
and tagged text that is no number (`!!int abc`) are refused at their line and column, in YAML and
in JSON (`parse_json`) alike.

Each refusal is a `Problem` (catalogue: `standards/problems/documents.yaml`) placed at its file,
line and column; its `loc` is empty, since a file that cannot be read has no data path yet.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from standards.problems import Loc, Problem

DEFAULT_MAX_BYTES = 4 * 1024 * 1024


def _file_order(problem: Problem) -> tuple[tuple[str, int, int, str, str], str]:
    return problem.sort_key(), problem.message()


class DocumentError(Exception):
    """A file could not be loaded; `issues` lists every problem found, in file order.

    Each is a `Problem` placed at `file`, `line` and `column` (1-based); `str()` of the error is
    one `file:line:column: message` line per problem, in English.
    """

    def __init__(self, issues: list[Problem]) -> None:
        self.issues = sorted(issues, key=_file_order)
        super().__init__("\n".join(str(i) for i in self.issues))


def _at(file: str, line: int, column: int, code: str, **params: Any) -> Problem:
    """A problem of the file as a whole (no data path), at a line and column."""
    return Problem((), code, params, file=file, line=line, column=column)


# --- numbers ---------------------------------------------------------------------------------------

# The largest float has 309 digits before the point; a longer whole number could never be used as
# one, and Python refuses to read more than 4300 digits anyway (with a ValueError, not a message).
_MAX_DIGITS = len(str(int(sys.float_info.max)))
_WHOLE = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?")
NOT_A_NUMBER = Problem((), "document.nan")
INFINITE = Problem((), "document.infinite")


def _shown(text: str) -> str:
    """The text as written, cut short when long (the value a message quotes)."""
    return text if len(text) <= 24 else f"{text[:12]}… ({len(text):,} characters)"


def whole_number_problem(text: str) -> Problem | None:
    """Why `text` (decimal digits, an optional sign) cannot be read as a whole number, if it can't."""
    if not _WHOLE.fullmatch(text):
        return Problem((), "document.not_a_whole_number", {"text": _shown(text)})
    digits = len(text.lstrip("+-"))
    if digits > _MAX_DIGITS or (digits == _MAX_DIGITS and abs(int(text)) > sys.float_info.max):
        return Problem((), "document.too_many_digits", {"digits": digits})
    return None


def decimal_problem(text: str, written: str | None = None) -> Problem | None:
    """Why `text` cannot be read as a finite decimal number, if it can't."""
    if not _DECIMAL.fullmatch(text.lower()):
        return Problem((), "document.not_a_number", {"text": _shown(written or text)})
    if not math.isfinite(float(text)):
        return Problem((), "document.number_too_large", {"text": _shown(written or text)})
    return None


class _Refused(Exception):
    """A scalar that is valid YAML but no value zhizao reads; carries where it is."""

    def __init__(self, mark: Any, problem: Problem) -> None:
        self.mark = mark
        self.problem = problem
        super().__init__(str(problem))


def _tag_name(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


_BASE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictSafeLoader(_BASE_LOADER):  # type: ignore[misc]
    """SafeLoader (libyaml-backed where available) that refuses aliases and duplicate keys.

    Duplicate keys are collected (all of them, with positions) rather than raised at the first,
    so one run reports every problem of a file.
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[Any, Problem]] = []

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Aliases are refused from the event stream before composing (see _refuse_aliases);
        # a node met twice here would still be one, so this is a second line of defence.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _Refused(node.start_mark, Problem((), "document.alias_met"))
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
            # PyYAML's own scalar constructors (e.g. `!!timestamp abc`) fail with a bare Python
            # error that knows no line.
            raise _Refused(node.start_mark, _unreadable(node)) from None

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: set[object] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if key_node.value in seen:
                        self.duplicates.append((key_node.start_mark, _duplicate(key_node)))
                    seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        # YAML 1.2 core schema: decimal only, so `017` is 17 (not octal 15).
        text = str(self.construct_scalar(node)).replace("_", "")
        problem = whole_number_problem(text)
        if problem is not None:
            raise _Refused(node.start_mark, problem)
        return int(text, 10)

    def construct_yaml_float(self, node: Any) -> float:
        written = str(self.construct_scalar(node))
        text = written.replace("_", "")
        special = text.lower().lstrip("+-")
        if special == ".nan":
            raise _Refused(node.start_mark, NOT_A_NUMBER)
        if special == ".inf":
            raise _Refused(node.start_mark, INFINITE)
        problem = decimal_problem(text, written)
        if problem is not None:
            raise _Refused(node.start_mark, problem)
        return float(text)

    def construct_yaml_bool(self, node: Any) -> bool:
        text = str(self.construct_scalar(node))
        value = self.bool_values.get(text.lower())
        if value is None:
            raise _Refused(
                node.start_mark, Problem((), "document.not_a_boolean", {"text": _shown(text)})
            )
        return bool(value)


def _duplicate(key_node: Any) -> Problem:
    return Problem((), "document.duplicate_key", {"key": key_node.value})


def _unreadable(node: Any) -> Problem:
    value = node.value if isinstance(node, yaml.ScalarNode) else ""
    return Problem(
        (), "document.unreadable_value", {"text": _shown(str(value)), "tag": _tag_name(node.tag)}
    )


def _refuse_aliases(text: str, file: str) -> None:
    """Reject the first alias where it is used, before anything is composed or expanded."""
    if "*" not in text:
        return  # an alias is written `*name`: without a `*` anywhere there is none to find
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            if mark is None:  # libyaml always sets marks; keep mypy and odd builds honest
                raise DocumentError([_at(file, 1, 1, "document.aliases")])
            raise DocumentError(
                [
                    _at(
                        file, mark.line + 1, mark.column + 1, "document.alias",
                        anchor=event.anchor,
                    )
                ]
            )  # fmt: skip


_BOOL_TAG = "tag:yaml.org,2002:bool"
_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictSafeLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in _StrictSafeLoader.yaml_implicit_resolvers.items()
}
_StrictSafeLoader.add_implicit_resolver(
    _INT_TAG, re.compile(r"^[-+]?[0-9][0-9_]*$"), list("-+0123456789")
)
_StrictSafeLoader.add_implicit_resolver(
    _FLOAT_TAG,
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_StrictSafeLoader.add_constructor(_INT_TAG, _StrictSafeLoader.construct_yaml_int)
_StrictSafeLoader.add_constructor(_FLOAT_TAG, _StrictSafeLoader.construct_yaml_float)
_StrictSafeLoader.add_constructor(_BOOL_TAG, _StrictSafeLoader.construct_yaml_bool)
# Dates stay strings: a standard's issue date is text, and JSON has no date type.
_StrictSafeLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _StrictSafeLoader.yaml_implicit_resolvers.items()
}


_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_PLAIN_SCALAR_TAGS = frozenset({_INT_TAG, _FLOAT_TAG, _BOOL_TAG, "tag:yaml.org,2002:null"})


class _Unusual(Exception):
    """A node the direct builder leaves to PyYAML (an explicit tag, a merge key, a complex key)."""


def _construct(loader: _StrictSafeLoader, root: yaml.Node) -> Any:
    """The document's data, built straight from its node tree.

    PyYAML's constructor keeps books for aliases and recursive structures, which zhizao refuses
    before composing; plain maps, lists and scalars are built here directly, about twice as fast,
    by the same scalar constructors. Anything else is left to PyYAML, which then builds the whole
    document as before.
    """
    try:
        return _build(loader, root)
    except _Unusual:
        loader.duplicates.clear()  # PyYAML's pass finds them again
        return loader.construct_document(root)


def _build(loader: _StrictSafeLoader, node: yaml.Node) -> Any:
    tag = node.tag
    if tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
        return node.value
    if tag == _MAP_TAG and isinstance(node, yaml.MappingNode):
        mapping: dict[Any, Any] = {}
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Unusual
            if key_node.value in seen:
                loader.duplicates.append((key_node.start_mark, _duplicate(key_node)))
            seen.add(key_node.value)
            mapping[_build(loader, key_node)] = _build(loader, value_node)
        return mapping
    if tag == _SEQ_TAG and isinstance(node, yaml.SequenceNode):
        return [_build(loader, child) for child in node.value]
    if tag in _PLAIN_SCALAR_TAGS and isinstance(node, yaml.ScalarNode):
        try:
            return loader.yaml_constructors[tag](loader, node)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError):
            raise _Refused(node.start_mark, _unreadable(node)) from None
    raise _Unusual


@dataclass(frozen=True)
class Parsed:
    """Parsed data plus the node tree that maps any data path back to its line."""

    data: Any
    root: yaml.Node | None
    file: str

    def locate(self, path: tuple[str | int, ...]) -> tuple[int, int]:
        """Line and column (1-based) of the deepest node along `path` that exists."""
        node = self.root
        if node is None:
            return (1, 1)
        best = node.start_mark
        for part in path:
            child = _child(node, part)
            if child is None:
                continue  # e.g. a pydantic union tag that is not a key of the data
            node = child
            best = node.start_mark
        return (best.line + 1, best.column + 1)

    def place(self, problem: Problem, at: Loc | None = None) -> Problem:
        """`problem` placed in this file, at the line of `at` (default: its own `loc`)."""
        line, column = self.locate(problem.loc if at is None else at)
        return problem.placed(file=self.file, line=line, column=column)


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == str(part):
                return value_node  # type: ignore[no-any-return]
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(part, int)
        and 0 <= part < len(node.value)
    ):
        return node.value[part]  # type: ignore[no-any-return]
    return None


def parse_text(text: str, file: str) -> Parsed:
    """Parse YAML text; raise DocumentError with the position of the first syntax problem."""
    loader = _StrictSafeLoader(text)
    try:
        _refuse_aliases(text, file)
        root = loader.get_single_node()
        data = _construct(loader, root) if root is not None else None
        if loader.duplicates:
            raise DocumentError(
                [
                    problem.placed(file=file, line=mark.line + 1, column=mark.column + 1)
                    for mark, problem in loader.duplicates
                ]
            )
    except _Refused as exc:
        line, column = exc.mark.line + 1, exc.mark.column + 1
        raise DocumentError([exc.problem.placed(file=file, line=line, column=column)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        detail = " ".join(p for p in (exc.context, exc.problem) if p)
        raise DocumentError([_at(file, line, column, "document.not_yaml", detail=detail)]) from None
    except yaml.YAMLError as exc:
        raise DocumentError([_at(file, 1, 1, "document.not_yaml", detail=str(exc))]) from None
    except RecursionError:
        raise DocumentError([_at(file, 1, 1, "document.yaml_too_deep")]) from None
    finally:
        loader.dispose()
    return Parsed(data=data, root=root, file=file)


def parse_bytes(raw: bytes, file: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    if len(raw) > max_bytes:
        raise DocumentError([_at(file, 1, 1, "document.too_large", size=len(raw), limit=max_bytes)])
    if b"\x00" in raw[:8192]:
        raise DocumentError([_at(file, 1, 1, "document.binary")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError([_at(file, line, 1, "document.not_utf8", byte=exc.start)]) from None
    return parse_text(text, file)


def parse_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """Read and parse a file, refusing it before reading when it exceeds `max_bytes`."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError(
            [_at(name, 1, 1, "document.unreadable", detail=str(exc.strerror))]
        ) from None
    if size > max_bytes:
        raise DocumentError([_at(name, 1, 1, "document.too_large", size=size, limit=max_bytes)])
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    return parse_bytes(raw, name, max_bytes)


# JSON's own reader takes NaN and Infinity, and fails on a 5,000-digit number with a ValueError that
# says neither where nor in which file. Tokens outside strings, to find the one a hook refused.
_JSON_TOKENS = re.compile(
    r'"(?:[^"\\]|\\.)*"|(?P<number>-?(?:Infinity|NaN|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))'
)


class _RefusedNumber(Exception):
    def __init__(self, written: str, problem: Problem) -> None:
        self.written = written
        self.problem = problem
        super().__init__(str(problem))


def _json_int(written: str) -> int:
    problem = whole_number_problem(written)
    if problem is not None:
        raise _RefusedNumber(written, problem)
    return int(written)


def _json_float(written: str) -> float:
    problem = decimal_problem(written)
    if problem is not None:
        raise _RefusedNumber(written, problem)
    return float(written)


def _json_constant(written: str) -> float:
    raise _RefusedNumber(written, NOT_A_NUMBER if written == "NaN" else INFINITE)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def parse_json(text: str, file: str) -> Any:
    """Strict JSON: the numbers `parse_text` accepts and no others; DocumentError, located."""
    try:
        return json.loads(
            text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [_at(file, exc.lineno, exc.colno, "document.not_json", detail=exc.msg)]
        ) from None
    except RecursionError:
        raise DocumentError([_at(file, 1, 1, "document.json_too_deep")]) from None
    except _RefusedNumber as exc:
        # The reader stops at the first refused token, so it is the first such one in the text.
        where = next(
            (m.start() for m in _JSON_TOKENS.finditer(text) if m["number"] == exc.written), 0
        )
        line, column = _position(text, where)
        raise DocumentError([exc.problem.placed(file=file, line=line, column=column)]) from None


def walk_keys(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path in a parsed document (used by tests and error reporting)."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk_keys(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_keys(value, (*path, index))
