"""The one Chinese TrueType font every zhizao PDF embeds, registered once per process.

Resolution order: `ZHIZAO_FONT` (``/path/font.ttf`` or ``/path/font.ttc:INDEX``) → the bundled
WenQuanYi Micro Hei (``assets/fonts/``, Apache-2.0). There is deliberately no silent fallback to a
non-embedded CID font: a certificate must look the same on every screen.

reportlab draws nothing for a character its font lacks (a rare name character such as 𠮷, an
emoji): `missing_glyphs` finds them so callers can refuse (certificates) or warn (reports) with the
characters listed, instead of printing a blank.
"""

from __future__ import annotations

import os
import threading
import unicodedata
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from standards.problems import Problem, ProblemError

FONT = "ZhizaoCJK"
FONT_BOLD = "ZhizaoCJK-Bold"  # the same face: CJK fonts rarely ship a bold; titles fake it
BUNDLED = Path(__file__).resolve().parent / "assets" / "fonts" / "wqy-microhei.ttc"
ENV_FONT = "ZHIZAO_FONT"

_lock = threading.Lock()
_registered: FontInfo | None = None

# Characters that are never drawn as glyphs (layout controls), so never "missing".
_IGNORED = {"\n", "\r", "\t", "\u00ad", "\u200b", "\u200c", "\u200d", "\ufeff"}


class FontError(ProblemError, RuntimeError):
    """The configured font cannot be used (missing file, CFF outlines, embedding forbidden)."""


class MissingGlyphError(ValueError):
    """Text contains characters the embedded font cannot draw; `chars` lists them."""

    def __init__(self, chars: list[str], where: str = "") -> None:
        self.chars = chars
        listed = ", ".join(describe_char(c) for c in chars)
        prefix = f"{where}: " if where else ""
        super().__init__(
            f"{prefix}the font has no glyph for {listed}; they would print blank. "
            f"Use another spelling or set {ENV_FONT} to a font that has them."
        )


class MissingGlyphWarning(UserWarning):
    """Some characters are not in the font; the document shows a visible placeholder instead."""


@dataclass(frozen=True)
class FontInfo:
    name: str
    bold: str
    path: Path
    index: int
    face_name: str
    chars: frozenset[int]


def describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"'{char}' U+{ord(char):04X}{' ' + name if name else ''}"


def _configured() -> tuple[Path, int]:
    raw = os.environ.get(ENV_FONT, "").strip()
    if not raw:
        return BUNDLED, 0
    path_text, sep, index_text = raw.rpartition(":")
    if sep and index_text.isdigit() and path_text:
        return Path(path_text).expanduser(), int(index_text)
    return Path(raw).expanduser(), 0


def register_fonts() -> FontInfo:
    """Register the CJK font family once per process (thread-safe); later calls are free."""
    global _registered  # noqa: PLW0603 — a process-wide registry is the point
    if _registered is not None:
        return _registered
    with _lock:
        if _registered is not None:
            return _registered
        path, index = _configured()
        if not path.is_file():
            source = f"${ENV_FONT}" if os.environ.get(ENV_FONT) else "the bundled font"
            raise FontError(Problem((str(path),), "pdf.no_font_file", {"source": source}))
        try:
            regular = TTFont(FONT, str(path), subfontIndex=index)
            bold = TTFont(FONT_BOLD, str(path), subfontIndex=index)
        except TTFError as exc:
            raise FontError(
                Problem((str(path),), "pdf.font_not_embeddable", {"detail": str(exc)})
            ) from exc
        pdfmetrics.registerFont(regular)
        pdfmetrics.registerFont(bold)
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        # zhizao PDFs use this one font: make it reportlab's default for canvases and graphics
        # too, so that no chart or barcode label falls back to a non-embedded Helvetica.
        rl_config.defaultGraphicsFontName = FONT
        rl_config.canvas_basefontname = FONT
        face = regular.face
        _registered = FontInfo(
            name=FONT,
            bold=FONT_BOLD,
            path=path,
            index=index,
            face_name=face.name.decode("latin-1") if isinstance(face.name, bytes) else face.name,
            chars=frozenset(face.charToGlyph),
        )
        return _registered


def missing_glyphs(texts: Iterable[str]) -> list[str]:
    """Characters of `texts` the font cannot draw, in first-seen order, each listed once."""
    chars = register_fonts().chars
    seen: dict[str, None] = {}
    for text in texts:
        for char in text:
            if char not in _IGNORED and ord(char) not in chars and char not in seen:
                seen[char] = None
    return list(seen)


def require_glyphs(texts: Iterable[str], where: str = "") -> None:
    """Raise MissingGlyphError when any character cannot be drawn."""
    missing = missing_glyphs(texts)
    if missing:
        raise MissingGlyphError(missing, where)


def placeholder(char: str) -> str:
    """Visible stand-in for a character the font lacks, e.g. ``[U+20BB7]``."""
    return f"[U+{ord(char):04X}]"


def drawable(text: str, where: str = "") -> str:
    """`text` with every undrawable character replaced by a visible placeholder, with a warning."""
    missing = missing_glyphs([text])
    if not missing:
        return text
    warnings.warn(
        MissingGlyphWarning(str(MissingGlyphError(missing, where))),
        stacklevel=2,
    )
    return "".join(placeholder(c) if c in missing else c for c in text)
