"""Drawing helpers shared by the certificate and the report: escaping, styles, seal, QR, watermark.

Every piece of user text goes through `esc` before it reaches reportlab's Paragraph mini-markup, so
a firm called ``A&B <China>`` prints as written and can never inject markup.
"""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth

from assessment.pdf.fonts import FONT, FONT_BOLD, register_fonts

NAVY = colors.HexColor("#1F3A5F")
GOLD = colors.HexColor("#A8843F")
RED = colors.HexColor("#C0282D")
INK = colors.HexColor("#222222")
GREY = colors.HexColor("#5F6368")
LIGHT = colors.HexColor("#E8EDF3")
CREAM = colors.HexColor("#FBF8F0")
ORANGE = colors.HexColor("#B35C00")


def esc(text: object) -> str:
    """Text → Paragraph markup: XML-escaped, newlines as line breaks."""
    return escape(str(text)).replace("\n", "<br/>")


def style(
    name: str,
    size: float,
    *,
    color: colors.Color = INK,
    align: int = TA_LEFT,
    leading: float | None = None,
    bold: bool = False,
    space_after: float = 0,
    space_before: float = 0,
) -> ParagraphStyle:
    register_fonts()
    return ParagraphStyle(
        name,
        fontName=FONT_BOLD if bold else FONT,
        bulletFontName=FONT,
        fontSize=size,
        leading=leading if leading is not None else size * 1.4,
        textColor=color,
        alignment=align,
        wordWrap="CJK",
        spaceAfter=space_after,
        spaceBefore=space_before,
    )


def centred(name: str, size: float, **kw: Any) -> ParagraphStyle:
    return style(name, size, align=TA_CENTER, **kw)


def fit_size(text: str, width: float, largest: float, smallest: float) -> float:
    """The largest font size (step 0.5 pt) at which `text` fits on one line of `width`."""
    size = largest
    while size > smallest and stringWidth(text, FONT, size) > width:
        size -= 0.5
    return size


def draw_bold_centred(canvas: Any, text: str, x: float, y: float, size: float, color: Any) -> None:
    """One centred line in faux bold: fill plus a thin stroke of the same colour."""
    canvas.saveState()
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    canvas.setLineWidth(size * 0.035)
    width = stringWidth(text, FONT, size)
    obj = canvas.beginText(x - width / 2, y)
    obj.setFont(FONT, size)
    obj.setTextRenderMode(2)
    obj.textOut(text)
    canvas.drawText(obj)
    canvas.restoreState()


def draw_qr(canvas: Any, value: str, x: float, y: float, side: float) -> None:
    """A QR code (error correction M, 4-module quiet zone) with its lower-left corner at (x, y)."""
    widget = QrCodeWidget(value, barLevel="M", barBorder=4)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.restoreState()
    renderPDF.draw(drawing, canvas, x, y)


def draw_watermark(
    canvas: Any, lines: list[str], page_w: float, page_h: float, size: float = 38
) -> None:
    """Diagonal translucent text across the page centre."""
    canvas.saveState()
    canvas.setFillColor(RED)
    canvas.setFillAlpha(0.10)
    canvas.translate(page_w / 2, page_h / 2)
    canvas.rotate(math.degrees(math.atan2(page_h, page_w)))
    for i, line in enumerate(lines):
        line_size = size if i == 0 else size * 0.55
        offset = -i * size * 1.15
        canvas.setFont(FONT, line_size)
        canvas.drawCentredString(0, offset, line)
    canvas.restoreState()


def _star(canvas: Any, cx: float, cy: float, radius: float) -> None:
    path = canvas.beginPath()
    for k in range(10):
        r = radius if k % 2 == 0 else radius * 0.382
        angle = math.pi / 2 + k * math.pi / 5
        px, py = cx + r * math.cos(angle), cy + r * math.sin(angle)
        if k == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def draw_seal(
    canvas: Any, cx: float, cy: float, radius: float, ring_text: str, centre: str
) -> None:
    """A round red seal of the issuer: ring text along the upper arc, a star, a line below it."""
    canvas.saveState()
    canvas.setStrokeColor(RED)
    canvas.setFillColor(RED)
    canvas.setStrokeAlpha(0.85)
    canvas.setFillAlpha(0.85)
    canvas.setLineWidth(radius * 0.055)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    canvas.setLineWidth(radius * 0.015)
    canvas.circle(cx, cy, radius * 0.9, stroke=1, fill=0)
    _star(canvas, cx, cy + radius * 0.05, radius * 0.28)
    ring = seal_ring_text(ring_text)
    size = radius * (0.24 if len(ring) <= 8 else 0.19)
    text_r = radius * 0.68
    # Place glyphs by their widths along the upper arc, centred on the top.
    advances = [stringWidth(ch, FONT_BOLD, size) * 1.12 for ch in ring]
    total = sum(advances)
    spread = min(math.radians(250), max(total / text_r, math.radians(38) * len(ring)))
    scale = spread / total if total else 0.0
    angle = math.pi / 2 + spread / 2
    for char, advance in zip(ring, advances, strict=True):
        mid = angle - advance * scale / 2
        canvas.saveState()
        canvas.translate(cx + text_r * math.cos(mid), cy + text_r * math.sin(mid))
        canvas.rotate(math.degrees(mid) - 90)
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(0, -size * 0.35, char)
        canvas.restoreState()
        angle -= advance * scale
    canvas.setFont(FONT_BOLD, radius * 0.17)
    canvas.drawCentredString(cx, cy - radius * 0.52, centre)
    canvas.restoreState()


def seal_ring_text(issuer: str) -> str:
    """The Chinese part of an issuer name ("智造评估 zhizao" → "智造评估"), else the whole name."""
    head = issuer.strip().split(" ")[0]
    if head and all(ord(ch) > 0x2E80 for ch in head):
        return head
    return issuer.strip()


def group(text: str, size: int = 4, sep: str = " ") -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))
