"""Text that people type, checked once at the service boundary.

Every service that stores or looks up a user-written string passes it through `clean_text` (or
`text_problems` to collect problems for a whole form): control characters are refused — NUL would
crash a PostgreSQL write, and a newline or a bidirectional override (U+202E) in a file name or a
one-line field disguises what a reader sees — and lengths are capped. Tab and newline are allowed
where a field is multi-line (comments, notes, reasons).
"""

from __future__ import annotations

import unicodedata

from assessment.errors import InvalidInput
from standards.problems import Loc, Problem

# Bidirectional controls and other invisible format characters that change how text reads.
_DISGUISING = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c\ufeff"
)
MAX_LINE = 500
MAX_NOTE = 10_000


def _bad_character(value: str, multiline: bool) -> tuple[int, str] | None:
    for index, char in enumerate(value):
        if multiline and char in "\n\t":
            continue
        if char == "\r" and multiline:
            continue
        if char in _DISGUISING or unicodedata.category(char) in ("Cc", "Cs"):
            return index, char
    return None


def text_problems(
    value: object, field: str | Loc, *, max_length: int = MAX_LINE, multiline: bool = False
) -> list[Problem]:
    """Problems of one text field (empty when fine), each placed at the field (a key or a loc)."""
    field = (field,) if isinstance(field, str) else field
    if not isinstance(value, str):
        return [Problem(field, "text.not_text", {"type": type(value).__name__})]
    found = _bad_character(value, multiline)
    if found is not None:
        index, char = found
        code = "text.control_character_multiline" if multiline else "text.control_character"
        return [Problem(field, code, {"code_point": f"U+{ord(char):04X}", "at": index + 1})]
    if len(value) > max_length:
        return [Problem(field, "text.too_long", {"max": max_length, "length": len(value)})]
    return []


def clean_text(
    value: object, field: str | Loc, *, max_length: int = MAX_LINE, multiline: bool = False
) -> str:
    """The text, stripped, or InvalidInput naming the field and what is wrong with it."""
    problems = text_problems(value, field, max_length=max_length, multiline=multiline)
    if problems or not isinstance(value, str):
        raise InvalidInput(problems)
    return value.strip()
