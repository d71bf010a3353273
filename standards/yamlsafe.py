"""Safe, bounded YAML reading with line numbers.

Only plain data is constructed (a SafeLoader subclass); aliases are refused, so an alias bomb cannot
expand; duplicate keys are refused instead of silently keeping the last; only YAML 1.2 booleans are
booleans, so an option called `No` or `on` stays a string. Sizes are checked before parsing.

Every number read is a finite one a float can hold: NaN, infinities, numbers too large for a float
and tagged text that is no number (`!!int abc`) are refused at their line and column, in YAML and
in JSON (`parse_json`) alike.
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

DEFAULT_MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, order=True)
class Issue:
    """One problem in one file, located by line and column (1-based) where known."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class DocumentError(Exception):
    """A file could not be loaded; `issues` lists every problem found, in file order."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = sorted(issues)
        super().__init__("\n".join(str(i) for i in self.issues))


# --- numbers ---------------------------------------------------------------------------------------

# The largest float has 309 digits before the point; a longer whole number could never be used as
# one, and Python refuses to read more than 4300 digits anyway (with a ValueError, not a message).
_MAX_DIGITS = len(str(int(sys.float_info.max)))
_WHOLE = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[-+]?[0-9]+)?")
NOT_A_NUMBER = "NaN (not a number) is not accepted; write a number"
INFINITE = "infinity is not accepted; write a number"


def _shown(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}… ({len(text):,} characters)"


def whole_number_problem(text: str) -> str | None:
    """Why `text` (decimal digits, an optional sign) cannot be read as a whole number, if it can't."""
    if not _WHOLE.fullmatch(text):
        return f"{_shown(text)!r} is not a whole number"
    digits = len(text.lstrip("+-"))
    if digits > _MAX_DIGITS or (digits == _MAX_DIGITS and abs(int(text)) > sys.float_info.max):
        return f"a whole number of {digits:,} digits is too large"
    return None


def decimal_problem(text: str, written: str | None = None) -> str | None:
    """Why `text` cannot be read as a finite decimal number, if it can't."""
    if not _DECIMAL.fullmatch(text.lower()):
        return f"{_shown(written or text)!r} is not a number"
    if not math.isfinite(float(text)):
        return f"{_shown(written or text)} is too large for a number"
    return None


class _Refused(Exception):
    """A scalar that is valid YAML but no value zhizao reads; carries where it is."""

    def __init__(self, mark: Any, message: str) -> None:
        self.mark = mark
        self.message = message
        super().__init__(message)


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
        self.duplicates: list[tuple[Any, str]] = []

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        # Aliases are refused from the event stream before composing (see _refuse_aliases);
        # a node met twice here would still be one, so this is a second line of defence.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in zhizao files", node.start_mark
            )
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
                        self.duplicates.append(
                            (key_node.start_mark, f"duplicate key {key_node.value!r}")
                        )
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
            raise _Refused(node.start_mark, f"{_shown(text)!r} is not true or false")
        return bool(value)


def _unreadable(node: Any) -> str:
    value = node.value if isinstance(node, yaml.ScalarNode) else ""
    return f"{_shown(str(value))!r} cannot be read as {_tag_name(node.tag)}"


def _refuse_aliases(text: str, file: str) -> None:
    """Reject the first alias where it is used, before anything is composed or expanded."""
    if "*" not in text:
        return  # an alias is written `*name`: without a `*` anywhere there is none to find
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            if mark is None:  # libyaml always sets marks; keep mypy and odd builds honest
                raise DocumentError([Issue(file, 1, 1, "aliases are not allowed in zhizao files")])
            raise DocumentError(
                [
                    Issue(
                        file,
                        mark.line + 1,
                        mark.column + 1,
                        f"alias *{event.anchor} is not allowed in zhizao files; write the value out",
                    )
                ]
            )


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
                loader.duplicates.append((key_node.start_mark, f"duplicate key {key_node.value!r}"))
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

    def issue(self, path: tuple[str | int, ...], message: str) -> Issue:
        line, column = self.locate(path)
        return Issue(self.file, line, column, message)


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
                    Issue(file, mark.line + 1, mark.column + 1, message)
                    for mark, message in loader.duplicates
                ]
            )
    except _Refused as exc:
        line, column = exc.mark.line + 1, exc.mark.column + 1
        raise DocumentError([Issue(file, line, column, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = " ".join(p for p in (exc.context, exc.problem) if p)
        raise DocumentError([Issue(file, line, column, f"not valid YAML: {problem}")]) from None
    except yaml.YAMLError as exc:
        raise DocumentError([Issue(file, 1, 1, f"not valid YAML: {exc}")]) from None
    except RecursionError:
        raise DocumentError([Issue(file, 1, 1, "YAML nesting is too deep")]) from None
    finally:
        loader.dispose()
    return Parsed(data=data, root=root, file=file)


def parse_bytes(raw: bytes, file: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    if len(raw) > max_bytes:
        raise DocumentError(
            [Issue(file, 1, 1, f"file is {len(raw):,} bytes; the limit is {max_bytes:,} bytes")]
        )
    if b"\x00" in raw[:8192]:
        raise DocumentError([Issue(file, 1, 1, "not a YAML text file (binary content)")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DocumentError(
            [Issue(file, line, 1, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")]
        ) from None
    return parse_text(text, file)


def parse_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Parsed:
    """Read and parse a file, refusing it before reading when it exceeds `max_bytes`."""
    name = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DocumentError([Issue(name, 1, 1, f"cannot read file: {exc.strerror}")]) from None
    if size > max_bytes:
        raise DocumentError(
            [Issue(name, 1, 1, f"file is {size:,} bytes; the limit is {max_bytes:,} bytes")]
        )
    with path.open("rb") as handle:
        raw = handle.read(max_bytes + 1)
    return parse_bytes(raw, name, max_bytes)


# JSON's own reader takes NaN and Infinity, and fails on a 5,000-digit number with a ValueError that
# says neither where nor in which file. Tokens outside strings, to find the one a hook refused.
_JSON_TOKENS = re.compile(
    r'"(?:[^"\\]|\\.)*"|(?P<number>-?(?:Infinity|NaN|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?))'
)


class _RefusedNumber(Exception):
    def __init__(self, written: str, message: str) -> None:
        self.written = written
        self.message = message
        super().__init__(message)


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
            [Issue(file, exc.lineno, exc.colno, f"not valid JSON: {exc.msg}")]
        ) from None
    except RecursionError:
        raise DocumentError([Issue(file, 1, 1, "JSON nesting is too deep")]) from None
    except _RefusedNumber as exc:
        # The reader stops at the first refused token, so it is the first such one in the text.
        where = next(
            (m.start() for m in _JSON_TOKENS.finditer(text) if m["number"] == exc.written), 0
        )
        line, column = _position(text, where)
        raise DocumentError([Issue(file, line, column, exc.message)]) from None


def walk_keys(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path in a parsed document (used by tests and error reporting)."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk_keys(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_keys(value, (*path, index))
