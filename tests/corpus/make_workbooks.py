"""Hostile and broken Office files for the bad-input corpus, written part by part with zipfile.

`python tests/corpus/make_workbooks.py` writes them into tests/corpus/workbooks/ and
tests/corpus/evidence/ (each a few KB: the bombs are highly compressible); the tests build the same
files in memory from these functions, so a file and its test never drift apart. Each file is small
on disk and huge (or dangerous) once unpacked or parsed — that is the point.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
BASE_STANDARD = "gbt37393-2019"  # the smallest template with items and gates

Part = bytes | Callable[[zipfile.ZipFile, str], None]


def template() -> bytes:
    """A genuine zhizao template, the base every hostile workbook is made from."""
    sys.path.insert(0, str(HERE.parents[1]))
    from assessment.excel import build_template  # noqa: PLC0415

    return build_template(BASE_STANDARD)


def repack(
    data: bytes,
    *,
    add: Mapping[str, Part] | None = None,
    drop: Iterable[str] = (),
    content_types: Callable[[str], str] | None = None,
    edit: Mapping[str, Callable[[str], str]] | None = None,
) -> bytes:
    """The package `data` with parts added (bytes, or a writer streaming into the archive),
    dropped or edited (text → text), and its [Content_Types].xml rewritten."""
    add = dict(add or {})
    edit = dict(edit or {})
    dropped = set(drop)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename in dropped or info.filename in add:
                continue
            body = source.read(info)
            if info.filename == "[Content_Types].xml" and content_types is not None:
                body = content_types(body.decode("utf-8")).encode("utf-8")
            if info.filename in edit:
                body = edit[info.filename](body.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, body)
        for name, part in add.items():
            if callable(part):
                part(target, name)
            else:
                target.writestr(name, part)
    return out.getvalue()


def override(part: str, content_type: str) -> Callable[[str], str]:
    """A [Content_Types].xml edit declaring `part` with `content_type`."""

    def change(xml: str) -> str:
        entry = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        return xml.replace("</Types>", entry + "</Types>")

    return change


def streamed(head: bytes, repeat: bytes, count: int, tail: bytes) -> Part:
    """A part written in chunks: head, `repeat` × count, tail (never whole in memory)."""

    def write(archive: zipfile.ZipFile, name: str) -> None:
        chunk = repeat * 10_000
        with archive.open(name, "w", force_zip64=True) as part:
            part.write(head)
            whole, rest = divmod(count, 10_000)
            for _ in range(whole):
                part.write(chunk)
            part.write(repeat * rest)
            part.write(tail)

    return write


def first_sheet(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))[0]


def in_sheet(data: bytes, xml: str, *, where: str = "</worksheet>") -> bytes:
    """`xml` inserted into the first worksheet before `where`."""
    sheet = first_sheet(data)
    return repack(data, edit={sheet: lambda text: text.replace(where, xml + where, 1)})


# --- workbooks ----------------------------------------------------------------------------------


def shared_strings_bomb(count: int = 6_000_000) -> bytes:
    """Six million empty shared strings: ~0.1 MB zipped, 72 MB unpacked, within both size caps."""
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{count}" '
        f'uniqueCount="{count}">'
    ).encode()
    return repack(
        template(),
        add={"xl/sharedStrings.xml": streamed(head, b"<si><t/></si>", count, b"</sst>")},
        content_types=override(
            "xl/sharedStrings.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
        ),
    )


def many_shared_strings() -> bytes:
    """1.5 million shared strings: each part within its size limit, the count beyond its own."""
    return shared_strings_bomb(1_500_000)


def merged_cells_bomb() -> bytes:
    """One merged range over the whole sheet: openpyxl makes an object for each of its 17 billion
    cells."""
    base = template()
    merge = '<mergeCells count="1"><mergeCell ref="A30:XFD1048576"/></mergeCells>'
    return in_sheet(base, merge, where="<pageMargins")


def hyperlink_bomb() -> bytes:
    """One hyperlink over a million rows: openpyxl creates every cell of its range."""
    link = '<hyperlinks><hyperlink ref="A1:Z1048576" display="x"/></hyperlinks>'
    return in_sheet(template(), link, where="<pageMargins")


def far_row() -> bytes:
    """A single cell in the last row of the sheet: the sheet then has 1,048,576 rows to read."""
    cell = '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    return in_sheet(template(), cell, where="</sheetData>")


def far_comment() -> bytes:
    """A comment on the last cell of the sheet: openpyxl creates that cell, and the sheet has a
    million rows to read."""
    far = '<comment ref="A1048576" authorId="0" shapeId="0"><text><t>x</t></text></comment>'
    return repack(
        template(),
        edit={
            "xl/comments/comment1.xml": lambda xml: xml.replace(
                "</commentList>", far + "</commentList>"
            )
        },
    )


def many_cells(count: int = 400_000) -> bytes:
    """Four hundred thousand empty cells (no coordinates: openpyxl numbers them itself)."""
    base = template()
    sheet = first_sheet(base)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        text = archive.read(sheet).decode("utf-8")
    start = text.index("</sheetData>")
    row = b"<row>" + b"<c/>" * 100 + b"</row>"
    return repack(
        base,
        add={sheet: streamed(text[:start].encode(), row, count // 100, text[start:].encode())},
    )


def oversized_part(megabytes: int = 60) -> bytes:
    """A worksheet padded with whitespace to 60 MB unpacked (a few dozen KB zipped)."""
    base = template()
    sheet = first_sheet(base)
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        text = archive.read(sheet).decode("utf-8")
    start = text.index("<sheetData>")
    pad = b" " * 1024
    return repack(
        base,
        add={sheet: streamed(text[:start].encode(), pad, megabytes * 1024, text[start:].encode())},
    )


def styles_bomb(count: int = 300_000) -> bytes:
    """Three hundred thousand cell formats: openpyxl builds an object of each (~15 µs apiece)."""
    base = template()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        styles = archive.read("xl/styles.xml").decode("utf-8")
    start = styles.index(">", styles.index("<cellXfs")) + 1
    return repack(
        base,
        add={
            "xl/styles.xml": streamed(
                styles[:start].encode(), b"<xf/>", count, styles[start:].encode()
            )
        },
    )


def entity_expansion() -> bytes:
    """A document type with nested entities (the "billion laughs"): OOXML parts never have one."""
    base = template()
    sheet = first_sheet(base)
    levels = ['<!ENTITY l0 "laughlaughlaughlaugh">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 9)
    ]
    doctype = f"<!DOCTYPE worksheet [{''.join(levels)}]>"

    def poison(text: str) -> str:
        declaration = re.match(r"<\?xml[^>]*\?>", text)
        at = declaration.end() if declaration else 0
        text = text[:at] + doctype + text[at:]
        cell = '<row r="40"><c r="A40" t="inlineStr"><is><t>&l8;</t></is></c></row>'
        return text.replace("</sheetData>", cell + "</sheetData>", 1)

    return repack(base, edit={sheet: poison})


MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
VBA_TYPE = "application/vnd.ms-office.vbaProject"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
FAKE_VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # an OLE header is all we need


def _with_vba_rel(xml: str) -> str:
    entry = f'<Relationship Id="rIdVba" Type="{VBA_REL}" Target="vbaProject.bin"/>'
    return xml.replace("</Relationships>", entry + "</Relationships>")


def macro_workbook() -> bytes:
    """A template saved as .xlsm (macro-enabled) and named .xlsx: a VBA project and the
    macro-enabled main content type."""

    def types(xml: str) -> str:
        xml = xml.replace(SHEET_MAIN_TYPE, MACRO_WORKBOOK_TYPE)
        return override("xl/vbaProject.bin", VBA_TYPE)(xml)

    return repack(
        template(),
        add={"xl/vbaProject.bin": FAKE_VBA},
        content_types=types,
        edit={"xl/_rels/workbook.xml.rels": _with_vba_rel},
    )


def macro_content_type_only() -> bytes:
    """No vbaProject.bin, but the main part declared macro-enabled, spelt with a character
    reference so that a plain substring search misses it."""
    disguised = MACRO_WORKBOOK_TYPE.replace("macroEnabled", "macroEn&#97;bled")
    return repack(template(), content_types=lambda xml: xml.replace(SHEET_MAIN_TYPE, disguised))


def without_meta_sheet() -> bytes:
    """A template whose hidden `_zhizao` sheet was deleted (the custom properties remain)."""
    sys.path.insert(0, str(HERE.parents[1]))
    from openpyxl import load_workbook  # noqa: PLC0415

    book = load_workbook(io.BytesIO(template()))
    del book["_zhizao"]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- evidence -----------------------------------------------------------------------------------

WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
WORD_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
PPT_MACRO = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"


def _package(parts: Mapping[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return out.getvalue()


def _types(*overrides: tuple[str, str]) -> str:
    entries = "".join(f'<Override PartName="/{p}" ContentType="{t}"/>' for p, t in overrides)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f"{entries}</Types>"
    )


def word_document(main_type: str = WORD_MAIN, *, vba: bool = False) -> bytes:
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": _types(
            ("word/document.xml", main_type),
            *((("word/vbaProject.bin", VBA_TYPE),) if vba else ()),
        ),
        "word/document.xml": "<w:document xmlns:w='urn:w'/>",
    }
    if vba:
        parts["word/vbaProject.bin"] = FAKE_VBA
    return _package(parts)


def docm_renamed() -> bytes:
    """A macro-enabled Word document (.docm), to be uploaded as .docx."""
    return word_document(WORD_MACRO, vba=True)


def vba_part_only() -> bytes:
    """A Word document whose VBA project hides under an upper-case name, no macro type."""
    return _package(
        {
            "[Content_Types].xml": _types(("word/document.xml", WORD_MAIN)),
            "word/document.xml": "<w:document xmlns:w='urn:w'/>",
            "WORD/VBAPROJECT.BIN": FAKE_VBA,
        }
    )


def pptm_renamed() -> bytes:
    return _package(
        {
            "[Content_Types].xml": _types(("ppt/presentation.xml", PPT_MACRO)),
            "ppt/presentation.xml": "<p:presentation xmlns:p='urn:p'/>",
        }
    )


WORKBOOKS: dict[str, Callable[[], bytes]] = {
    "shared-strings-bomb.xlsx": shared_strings_bomb,
    "many-shared-strings.xlsx": many_shared_strings,
    "merged-cells-bomb.xlsx": merged_cells_bomb,
    "hyperlink-bomb.xlsx": hyperlink_bomb,
    "far-row.xlsx": far_row,
    "far-comment.xlsx": far_comment,
    "many-cells.xlsx": many_cells,
    "oversized-part.xlsx": oversized_part,
    "styles-bomb.xlsx": styles_bomb,
    "entity-expansion.xlsx": entity_expansion,
    "macro-renamed.xlsx": macro_workbook,
    "macro-content-type.xlsx": macro_content_type_only,
    "no-meta-sheet.xlsx": without_meta_sheet,
}
EVIDENCE: dict[str, Callable[[], bytes]] = {
    "docm-renamed.docx": docm_renamed,
    "vba-part-only.docx": vba_part_only,
    "pptm-renamed.pptx": pptm_renamed,
    "xlsm-renamed.xlsx": macro_workbook,
}


def main() -> None:
    for folder, files in (("workbooks", WORKBOOKS), ("evidence", EVIDENCE)):
        for name, make in files.items():
            path = HERE / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make())
            print(f"{path.relative_to(HERE)}: {path.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
