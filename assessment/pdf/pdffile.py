"""Embedded files in our PDFs: write one with reportlab, read it back without any PDF library.

reportlab has no attachment API, so the writer adds a standard ``/Names /EmbeddedFiles`` tree to the
document catalog (PDF 1.7 §7.11.4): every viewer lists the file, and ``pdfdetach -list`` shows it.
The reader scans for ``/Type /EmbeddedFile`` streams; it handles the uncompressed streams we
write and Flate-compressed ones a later re-save may produce.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString


def attach_file(
    canvas: Any, name: str, data: bytes, mime: str = "application/json", description: str = ""
) -> None:
    """Attach `data` as the document's embedded file `name` (call before the canvas is saved).

    `data` should end with a newline: reportlab writes ``endstream`` right after the content.
    """
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": "/" + mime.replace("/", "#2F"),
                "Params": PDFDictionary({"Size": len(data)}),
            }
        ),
        content=data,
        filters=[],  # uncompressed: readable with `pdfdetach` and with our tiny reader alike
    )
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(name),
            "UF": PDFString(name),
            "Desc": PDFString(description or name),
            "EF": PDFDictionary({"F": stream}),
        }
    )
    names = PDFDictionary(
        {"EmbeddedFiles": PDFDictionary({"Names": PDFArray([PDFString(name), spec])})}
    )
    canvas._doc._catalog.Names = names


_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_EMBEDDED = re.compile(rb"/Type\s*/EmbeddedFile\b")


def _dict_end(data: bytes, start: int) -> int:
    """Index just past the ``>>`` that closes the dictionary opening at `start` (``<<``)."""
    depth = 0
    i = start
    n = len(data)
    while i < n:
        two = data[i : i + 2]
        char = data[i : i + 1]
        if two == b"<<":
            depth += 1
            i += 2
            continue
        if two == b">>":
            depth -= 1
            i += 2
            if depth == 0:
                return i
            continue
        if char == b"(":  # literal string, with nesting and escapes
            level = 1
            i += 1
            while i < n and level:
                c = data[i : i + 1]
                if c == b"\\":
                    i += 2
                    continue
                if c == b"(":
                    level += 1
                elif c == b")":
                    level -= 1
                i += 1
            continue
        if char == b"<":  # hex string
            end = data.find(b">", i + 1)
            i = n if end < 0 else end + 1
            continue
        i += 1
    raise ValueError("unterminated dictionary")


def _length(data: bytes, head: bytes) -> int | None:
    match = re.search(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?", head)
    if match is None:
        return None
    if match.group(2) is None:
        return int(match.group(1))
    ref = re.search(
        rb"(?<!\d)" + match.group(1) + rb"\s+" + match.group(2) + rb"\s+obj\s*(\d+)", data
    )
    return int(ref.group(1)) if ref else None


def embedded_files(pdf: bytes) -> list[bytes]:
    """The contents of every embedded-file stream in `pdf`, in file order."""
    found: list[bytes] = []
    for match in _OBJ.finditer(pdf):
        begin = pdf.find(b"<<", match.end(), match.end() + 64)
        if begin < 0 or pdf[match.end() : begin].strip():
            continue
        try:
            end = _dict_end(pdf, begin)
        except ValueError:
            continue
        head = pdf[begin:end]
        if not _EMBEDDED.search(head):
            continue
        stream = re.match(rb"\s*stream(\r\n|\n|\r)", pdf[end : end + 32])
        if stream is None:
            continue
        body_start = end + stream.end()
        length = _length(pdf, head)
        if length is None:
            stop = pdf.find(b"endstream", body_start)
            if stop < 0:
                continue
            body = pdf[body_start:stop].rstrip(b"\r\n")
        else:
            body = pdf[body_start : body_start + length]
        filters = re.search(rb"/Filter\s*(\[[^\]]*\]|/\w+)", head)
        names = re.findall(rb"/(\w+)", filters.group(1)) if filters else []
        if names == [b"FlateDecode"]:
            try:
                body = zlib.decompress(body)
            except zlib.error:
                continue
        elif names:
            continue  # a filter we do not decode
        found.append(body)
    return found
