"""Loading and validating library documents, with every problem located by file:line:column.

Schema problems (pydantic) keep pydantic's location as their `loc` and its error type as their
code (`schema.missing`, `schema.greater_than_equal`, …; catalogue `standards/problems/schema.yaml`).
The whole-document checks locate theirs by data path; those messages never named the path, so
the problems they place carry only their file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from standards import parsecache
from standards.checks import check_crosswalk, check_standard
from standards.classifications import ClassificationLibrary, check_classifications
from standards.factors import FactorLibrary, check_factors
from standards.models import Crosswalk, ScaleLibrary, Standard, UnitLibrary
from standards.problems import Loc, Problem, loc_text
from standards.yamlsafe import DEFAULT_MAX_BYTES, DocumentError, Parsed, parse_file

LIBRARY_DIR = Path(__file__).resolve().parent / "library"

Document = Standard | ScaleLibrary | UnitLibrary | Crosswalk | FactorLibrary | ClassificationLibrary
DOCUMENT_TYPES: dict[str, type[BaseModel]] = {
    "standard": Standard,
    "scales": ScaleLibrary,
    "units": UnitLibrary,
    "crosswalk": Crosswalk,
    "factors": FactorLibrary,
    "classifications": ClassificationLibrary,
}


# Error types whose input is a whole mapping or list: never quoted in the message.
_INPUT_NOT_SHOWN = ("missing", "extra_forbidden", "model_type", "dict_type", "list_type")
# Error types whose message says "1 item" / "1 character" in the singular: codes `schema.<type>_one`.
_LENGTH_LIMITS = {
    "too_short": "min_length",
    "too_long": "max_length",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
}
_MAX_SHOWN = 60


def _plain(value: Any) -> Any:
    """A limit as pydantic writes it: `gt=0` on a float field is 0.0 in `ctx` but "0" in its text."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return int(value)
    return value


def schema_problem(detail: Any) -> Problem:
    """One pydantic error (an item of `ValidationError.errors()`) as a Problem.

    `loc` is pydantic's, its parts as text (`items.0.rule`); the code is `schema.<error type>`
    (`_one` where the limit is singular, `_got` where the input is quoted) with the error's `ctx`
    (and `input`) as params. Its English is what this loader has always printed; where a catalogue
    entry would say anything else (a type without an entry), the code is `schema.invalid`, with
    pydantic's sentence as its `detail`.
    """
    where = ".".join(str(p) for p in detail["loc"]) or "(top level)"
    loc: Loc = tuple(str(p) for p in detail["loc"])
    if loc_text(loc) != where:  # no path, or an empty key in it: the path as one piece
        loc = (where,)
    kind = str(detail["type"])
    message = str(detail["msg"])
    params = {key: _plain(value) for key, value in (detail.get("ctx") or {}).items()}
    code = f"schema.{kind}"
    if kind == "missing":
        message = "required field is missing"
    elif kind == "extra_forbidden":
        message = "unknown field (check its spelling and indentation)"
    if kind in _LENGTH_LIMITS and params.get(_LENGTH_LIMITS[kind]) == 1:
        code += "_one"
    if "input" in detail and kind not in _INPUT_NOT_SHOWN:
        shown = repr(detail["input"])
        if len(shown) <= _MAX_SHOWN:
            message = f"{message} (got {shown})"
            code += "_got"
            params["input"] = detail["input"]
    problem = Problem(loc, code, params)
    if problem.message("en") != message:
        problem = Problem(loc, "schema.invalid", {"detail": message})
    return problem


def _pydantic_issues(parsed: Parsed, error: ValidationError) -> list[Problem]:
    return [
        parsed.place(schema_problem(detail), at=tuple(detail["loc"]))
        for detail in error.errors(include_url=False)
    ]


def _placed(parsed: Parsed, problem: Problem) -> Problem:
    """A check's problem at the line of its data path; the printed line never named the path."""
    return replace(parsed.place(problem), loc=())


def validate_parsed(parsed: Parsed) -> Document:
    """Turn parsed data into a document model; raise DocumentError listing every schema problem."""
    data: Any = parsed.data
    if not isinstance(data, dict):
        problem = (
            Problem((), "document.empty")
            if data is None
            else Problem((), "document.not_a_mapping", {"type": type(data).__name__})
        )
        raise DocumentError([parsed.place(problem)])
    declared = data.get("document")
    model = DOCUMENT_TYPES.get(declared) if isinstance(declared, str) else None
    if model is None:
        found = {"expected": sorted(DOCUMENT_TYPES), "found": declared}
        problem = Problem((), "document.unknown_kind", found)
        raise DocumentError([parsed.place(problem, at=("document",))])
    try:
        document = model.model_validate(data)
    except ValidationError as exc:
        raise DocumentError(_pydantic_issues(parsed, exc)) from None
    if not isinstance(document, Document):
        raise TypeError(f"unexpected document model {type(document).__name__}")
    return document


def load_document(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Document, Parsed]:
    parsed = parse_file(path, max_bytes)
    return validate_parsed(parsed), parsed


@dataclass
class Library:
    """Every document of a library folder, validated together."""

    standards: dict[str, Standard] = field(default_factory=dict)
    scales: ScaleLibrary | None = None
    units: UnitLibrary | None = None
    crosswalks: dict[str, Crosswalk] = field(default_factory=dict)
    factors: FactorLibrary | None = None
    classifications: ClassificationLibrary | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def unknown_standard(self, standard_id: str) -> Problem | None:
        """The problem of asking for a standard this library does not hold (None if it does)."""
        if standard_id in self.standards:
            return None
        known = sorted(self.standards)
        return Problem((), "library.unknown_standard", {"id": standard_id, "known": known})

    def standard(self, standard_id: str, edition: str | None = None) -> Standard:
        std = self.standards.get(standard_id)
        if std is None:
            raise KeyError(
                f"unknown standard {standard_id!r}; known: {', '.join(sorted(self.standards))}"
            )
        if edition is not None and std.edition != edition:
            raise KeyError(
                f"standard {standard_id!r} is edition {std.edition!r} here, not {edition!r}"
            )
        return std

    @property
    def unit_ids(self) -> set[str]:
        return {u.id for u in self.units.units} if self.units else set()

    @property
    def scale_ids(self) -> set[str]:
        return {s.id for s in self.scales.scales} if self.scales else set()


def load_library(
    paths: list[Path] | None = None, max_bytes: int = DEFAULT_MAX_BYTES, *, cached: bool = False
) -> Library:
    """Load and cross-check documents (default: the bundled library). Raise DocumentError with all issues.

    A path may be a folder (every *.yaml in it) or a file. Files given alone are checked against the
    bundled units and scales, so a corrected standard can be validated on its own. With `cached`,
    the parsed YAML may come from `standards.parsecache`; every check still runs.
    """
    files = _expand(paths if paths else [LIBRARY_DIR])
    if not cached:
        return _load_library(files, paths, max_bytes, None)
    key = parsecache.key_of(files)
    stored = parsecache.read(key) if key else None
    if stored is not None and {str(p) for p in files} <= stored.keys():
        try:
            return _load_library(files, paths, max_bytes, stored)
        except DocumentError:
            pass  # report from the YAML itself, which knows every line
    parsed: dict[str, Parsed] = {}
    library = _load_library(files, paths, max_bytes, None, parsed)
    if key:
        parsecache.write(key, {name: p.data for name, p in parsed.items()})
    return library


def _load_library(
    files: list[Path],
    paths: list[Path] | None,
    max_bytes: int,
    stored: dict[str, Any] | None,
    parsed_by_name: dict[str, Parsed] | None = None,
) -> Library:
    issues: list[Problem] = []
    parsed_by_name = {} if parsed_by_name is None else parsed_by_name
    library = Library()
    for path in files:
        try:
            if stored is None:
                document, parsed = load_document(path, max_bytes)
            else:  # no node tree: positions only come from the YAML (see load_library)
                parsed = Parsed(data=stored[str(path)], root=None, file=str(path))
                document = validate_parsed(parsed)
        except DocumentError as exc:
            issues.extend(exc.issues)
            continue
        parsed_by_name[str(path)] = parsed
        issues.extend(_add(library, document, path, parsed))
    if paths and (library.units is None or library.scales is None):
        _fill_shared_from_bundle(library)

    for key, std in library.standards.items():
        parsed = parsed_by_name[str(library.files[key])]
        for problem in check_standard(std, library.unit_ids or None, library.scale_ids or None):
            issues.append(_placed(parsed, problem))
    for key, cw in library.crosswalks.items():
        parsed = parsed_by_name[str(library.files[key])]
        known = dict(library.standards)
        if paths:
            known = {**_bundled_standards(), **known}
        for problem in check_crosswalk(cw, known):
            issues.append(_placed(parsed, problem))
    if library.factors is not None:
        parsed = parsed_by_name[str(library.files["factors"])]
        for problem in check_factors(library.factors, library.unit_ids or None):
            issues.append(_placed(parsed, problem))
    if library.classifications is not None:
        parsed = parsed_by_name[str(library.files["classifications"])]
        for problem in check_classifications(library.classifications, library.unit_ids or None):
            issues.append(_placed(parsed, problem))
    if issues:
        raise DocumentError(issues)
    return library


def _add(library: Library, document: Document, path: Path, parsed: Parsed) -> list[Problem]:
    if isinstance(document, Standard):
        if document.id in library.standards:
            first = library.files[document.id]
            problem = Problem(
                (), "library.duplicate_standard", {"id": document.id, "first": str(first)}
            )
            return [parsed.place(problem, at=("id",))]
        library.standards[document.id] = document
        library.files[document.id] = path
    elif isinstance(document, Crosswalk):
        library.crosswalks[document.id] = document
        library.files[document.id] = path
    else:
        kind = document.document
        if getattr(library, kind) is not None:
            first = library.files[kind]
            problem = Problem((), "library.second_document", {"kind": kind, "first": str(first)})
            return [parsed.place(problem, at=("document",))]
        setattr(library, kind, document)
        library.files[kind] = path
    return []


def _expand(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
        else:
            files.append(path)
    return files


_BUNDLED: Library | None = None


def bundled_library() -> Library:
    """The library shipped with zhizao, loaded once per process."""
    global _BUNDLED  # noqa: PLW0603 - a process-wide cache of immutable data
    if _BUNDLED is None:
        _BUNDLED = load_library(cached=True)
    return _BUNDLED


def _bundled_standards() -> dict[str, Standard]:
    return dict(bundled_library().standards)


def _fill_shared_from_bundle(library: Library) -> None:
    bundle = bundled_library()
    if library.units is None:
        library.units = bundle.units
    if library.scales is None:
        library.scales = bundle.scales
