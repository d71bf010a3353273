"""Checking an Office Open XML package (a zip of XML parts) before anything parses it.

A workbook of a few hundred KB can hold six million shared strings, a merged range that openpyxl
turns into an object for each of 17 billion cells, or a part that unpacks to gigabytes; an Office
file can carry macros under any name. The parts are streamed through expat (a C parser) counting
what openpyxl would build, and the count stops at the first limit passed — so refusing a hostile
file costs what the limits allow, not what the file claims. Each refusal names the limit, what was
counted and where.

`macro_content` serves the evidence upload as well as the workbook import: both refuse macros.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from xml.parsers import expat

from standards.problems import Problem, ProblemError

MAX_PARTS = 2_000  # a zhizao workbook has about 30; Excel adds a few
MAX_PART_BYTES = 20 * 1024 * 1024  # one unpacked part (the largest of a template is ~0.2 MB)
MAX_SHARED_STRINGS = 100_000  # a template holds a few thousand distinct texts
MAX_ROWS = 10_000  # the highest row a sheet may use (the reader reads every row up to it)
MAX_CELLS = 100_000  # all sheets; merged and hyperlinked ranges and comments count cell by cell
# Other XML elements of all parts (styles, names, rich-text runs, the values inside cells …): a
# template has ~8,000; openpyxl builds an object of each, some costly (a style ~15 µs).
MAX_ELEMENTS = 250_000

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_ROWS, _SHEET_COLUMNS = 1_048_576, 16_384  # Excel's grid: an open range reaches its edge
_CHUNK = 64 * 1024
_CELL = re.compile(r"^\$?([A-Za-z]{0,3})\$?(\d*)$")
# Words in content types and relationship types of VBA projects, their data and Excel 4 macro
# sheets: application/vnd.ms-excel.sheet.macroEnabled.main+xml, application/vnd.ms-office.vbaProject,
# …/relationships/vbaProject, application/vnd.ms-excel.macrosheet+xml, …/wordVbaData, …
_MACRO_WORDS = ("macroenabled", "vbaproject", "macrosheet", "vbadata")


class PackageRefused(ProblemError, ValueError):
    """The package passes a limit, is not what it claims, or cannot be unpacked; `problem` says
    which, with the number (`str(error)` is its English)."""


def _mb(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def _stream(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    on_start: Callable[[str, dict[str, str]], None],
    *,
    only_xml: bool = False,
) -> None:
    """Feed one part through expat, calling `on_start(namespace + " " + name, attributes)` for each
    element. A document type declaration is refused: OOXML parts never have one, and its entities
    are how an XML bomb multiplies. With `only_xml`, a part that does not start like XML (a
    picture, a VBA project) is skipped; XML that does not parse is left for the real reader to
    report."""

    def no_doctype(*_args: object) -> None:
        raise PackageRefused(Problem((), "excel.doctype", {"part": info.filename}))

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = on_start
    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    read = 0
    try:
        with archive.open(info) as part:
            first = True
            while chunk := part.read(_CHUNK):
                if first and only_xml and not _looks_like_xml(chunk):
                    return
                first = False
                read += len(chunk)
                if read > MAX_PART_BYTES:  # the header said less: a lying header stops here too
                    raise PackageRefused(
                        Problem(
                            (), "excel.part_unpacks_beyond",
                            {"part": info.filename, "limit_mb": _mb(MAX_PART_BYTES)},
                        )
                    )  # fmt: skip
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        return
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise PackageRefused(
            Problem((), "excel.part_damaged", {"part": info.filename, "detail": str(exc)})
        ) from None


def _looks_like_xml(head: bytes) -> bool:
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        if head.startswith(mark):
            return True
    return head.lstrip()[:1] == b"<"


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _check_sizes(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        raise PackageRefused(
            Problem((), "excel.too_many_parts", {"parts": len(infos), "limit": MAX_PARTS})
        )
    for info in infos:
        if info.file_size > MAX_PART_BYTES:
            raise PackageRefused(
                Problem(
                    (), "excel.part_too_large",
                    {
                        "part": info.filename,
                        "size_mb": _mb(info.file_size),
                        "limit_mb": _mb(MAX_PART_BYTES),
                    },
                )
            )  # fmt: skip


# --- macros --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Macros:
    """What makes a package macro-enabled: `kind` "vba_project", "content_type" or
    "relationship", the content or relationship type (`detail`) and the part that holds it.
    `str()` says it in English ("a VBA macro project (xl/vbaProject.bin)")."""

    kind: str
    part: str
    detail: str = ""

    def __str__(self) -> str:
        if self.kind == "vba_project":
            return f"a VBA macro project ({self.part})"
        if self.kind == "content_type":
            return f"the macro content type {self.detail}, in {self.part}"
        return f"a relationship to macros ({self.detail}), in {self.part}"

    def problem(self) -> Problem:
        """The workbook import's refusal of a macro-enabled workbook."""
        params = {"part": self.part, "detail": self.detail}
        if self.kind == "vba_project":
            return Problem((), "excel.macro_vba_project", params)
        if self.kind == "content_type":
            return Problem((), "excel.macro_content_type", params)
        return Problem((), "excel.macro_relationship", params)


def macro_content(archive: zipfile.ZipFile) -> Macros | None:
    """What in the package makes it macro-enabled (a VBA project, a macro content type or a
    relationship to one), or None. PackageRefused when a part read here is too big or damaged.

    Office finds a VBA project through the content types and relationships, not by its name, so
    all three are checked; the XML is parsed (never searched as bytes), so a content type spelt
    with character references is read as Office reads it. Only [Content_Types].xml and the
    relationship parts are read: the other parts of an evidence file are stored, never parsed."""
    for info in archive.infolist():
        if PurePosixPath(info.filename).name.lower() == "vbaproject.bin":
            return Macros("vba_project", info.filename)
    found: list[tuple[str, str]] = []

    def content_type(name: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("ContentType", "")
        if _local(name) in ("Default", "Override") and _is_macro(kind):
            found.append(("content_type", kind))

    def relationship(name: str, attributes: dict[str, str]) -> None:
        kind = attributes.get("Type", "")
        if _local(name) == "Relationship" and _is_macro(kind):
            found.append(("relationship", kind))

    for info in archive.infolist():
        if info.filename == "[Content_Types].xml":
            _stream(archive, info, content_type)
        elif info.filename.endswith(".rels"):
            _stream(archive, info, relationship)
        if found:
            return Macros(found[0][0], info.filename, found[0][1])
    return None


def _is_macro(kind: str) -> bool:
    folded = kind.lower()
    return any(word in folded for word in _MACRO_WORDS)


# --- what openpyxl would build -------------------------------------------------------------------


def _position(reference: str) -> tuple[int | None, int | None]:
    """(row, column) of a reference such as A1, $B$2, C (a whole column) or 7 (a whole row)."""
    match = _CELL.match(reference.strip())
    if match is None:
        return None, None
    letters, digits = match.groups()
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return (int(digits) if digits else None), (column or None)


def _range(reference: str) -> tuple[int, int]:
    """(number of cells, bottom row) of a range such as A1:C3; an open side reaches the edge."""
    first, _, last = reference.partition(":")
    top, left = _position(first)
    bottom, right = _position(last) if last else (top, left)
    if not last and (top is None or left is None):  # "C" or "7" alone: a whole column or row
        bottom, right = (None, left) if top is None else (top, None)
    rows = (bottom or _SHEET_ROWS) - (top or 1) + 1
    columns = (right or _SHEET_COLUMNS) - (left or 1) + 1
    return max(rows, 1) * max(columns, 1), bottom or _SHEET_ROWS


class _Count:
    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive = archive
        self.strings = 0
        self.cells = 0
        self.elements = 0
        self.part = ""
        self.row = 0  # the row being read in this part (rows without r follow the last one)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if namespace != MAIN or local not in ("si", "row", "c"):
            self.elements += 1
            if self.elements > MAX_ELEMENTS:
                raise PackageRefused(
                    Problem(
                        (), "excel.too_many_elements", {"limit": MAX_ELEMENTS, "part": self.part}
                    )
                )
        if namespace != MAIN:
            return
        if local == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise PackageRefused(
                    Problem(
                        (), "excel.too_many_shared_strings",
                        {"part": self.part, "limit": MAX_SHARED_STRINGS},
                    )
                )  # fmt: skip
        elif local == "row":
            given = attributes.get("r", "")
            self.row = int(given) if given.isdigit() else self.row + 1
            self.used_row(self.row)
        elif local == "c":
            self.add_cells(1)
            row, _ = _position(attributes.get("r", ""))
            self.used_row(row or self.row)
        elif local in ("mergeCell", "hyperlink", "comment") and attributes.get("ref"):
            # openpyxl creates every cell these refer to: a merged range cell by cell, a
            # hyperlink over a range, and the cell of a comment (which may lie far below)
            cells, bottom = _range(attributes["ref"])
            self.add_cells(cells)
            self.used_row(bottom)

    def add_cells(self, number: int) -> None:
        self.cells += number
        if self.cells > MAX_CELLS:
            name = self.sheet_name()
            params = {"limit": MAX_CELLS, "part": self.part, "name": name}
            raise PackageRefused(
                Problem((), "excel.too_many_cells_in_sheet", params)
                if name
                else Problem((), "excel.too_many_cells", params)
            )

    def used_row(self, row: int) -> None:
        if row > MAX_ROWS:
            name = self.sheet_name()
            params = {"row": row, "limit": MAX_ROWS, "part": self.part, "name": name}
            raise PackageRefused(
                Problem((), "excel.row_too_far_in_sheet", params)
                if name
                else Problem((), "excel.row_too_far", params)
            )

    def sheet_name(self) -> str | None:
        """The name of the sheet whose part is being read (None for other parts)."""
        return _sheet_names(self.archive).get(self.part) or None


def check_workbook(archive: zipfile.ZipFile) -> None:
    """PackageRefused when the workbook passes a limit: parts, the size of one part, shared
    strings, rows of a sheet, cells, XML elements — or has a document type declaration."""
    _check_sizes(archive)
    count = _Count(archive)
    for info in archive.infolist():
        count.part, count.row = info.filename, 0
        _stream(archive, info, count.start, only_xml=True)


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name, from the workbook and its relationships (for messages only)."""
    ids: dict[str, str] = {}
    targets: dict[str, str] = {}

    def sheet(name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "sheet":
            ids[attributes.get(f"{_RELATIONSHIPS} id", "")] = attributes.get("name", "")

    def relationship(name: str, attributes: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            target = attributes.get("Target", "")
            where = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attributes.get("Id", "")] = posixpath.normpath(where)

    try:
        for part, handler in (
            ("xl/workbook.xml", sheet),
            ("xl/_rels/workbook.xml.rels", relationship),
        ):
            _stream(archive, archive.getinfo(part), handler)
    except (KeyError, PackageRefused):
        return {}
    return {targets[i]: name for i, name in ids.items() if i in targets}
