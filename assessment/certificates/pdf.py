"""The certificate PDF: one A4 landscape page, Chinese first, signed record embedded.

Only an evaluator-reviewed record becomes a certificate. A self-assessment never does: it gets the
report (`report.py`), titled and watermarked 自评结果，仅供参考, with no seal and no number.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from assessment.certificates.envelope import ATTACHMENT_NAME, SignedRecord
from assessment.certificates.record import DEMO_FLAG, CertificateRecord, RecordError
from assessment.pdf.fonts import FONT, register_fonts, require_glyphs
from assessment.pdf.layout import (
    CREAM,
    GOLD,
    GREY,
    INK,
    NAVY,
    RED,
    centred,
    draw_bold_centred,
    draw_qr,
    draw_seal,
    esc,
    fit_size,
    group,
)
from assessment.pdf.pdffile import attach_file
from assessment.reports.plain import label_name, split_unofficial
from standards.problems import Problem, ProblemError

PAGE_W, PAGE_H = landscape(A4)
_build_lock = threading.Lock()  # a reportlab TTFont must not serve two documents at once


class LayoutError(ProblemError, RuntimeError):
    """The content does not fit the page (e.g. an extremely long firm name); `problem` says what,
    `str()` in English."""


def certificate_texts(record: CertificateRecord) -> list[str]:
    """Every user-supplied text that the certificate prints (checked for missing glyphs)."""
    return [
        record.firm_name,
        record.credit_code,
        record.standard_title_zh,
        record.standard_title_en,
        record.standard_edition,
        record.tier_name_zh or "",
        record.tier_name_en or "",
        record.reviewed_by or "",
        record.issuer,
        record.verify_url,
        *record.unofficial,
    ]


def _score_line(record: CertificateRecord) -> str:
    percent = f"（{record.percent:.1f}%）" if record.percent is not None else ""
    return f"总分 Score  {record.score:g} / {record.max_score:g}{percent}"


def _achievement(record: CertificateRecord) -> tuple[str, str]:
    if record.level is not None:
        return f"智能制造能力成熟度 {record.level} 级", f"Maturity level {record.level}"
    if record.tier_name_zh:
        return record.tier_name_zh, record.tier_name_en or ""
    return "达到评价要求", "Meets the assessment requirements"


def _validity_note(record: CertificateRecord) -> str:
    if record.validity_official:
        return (
            f"有效期 {record.validity_years} 年，依据标准规定。"
            f" Validity of {record.validity_years} years as declared by the standard."
        )
    return (
        f"本标准未公布官方证书有效期；此处按本平台默认 {record.validity_years} 年计（非官方）。"
        f" The standard declares no official validity: platform default of "
        f"{record.validity_years} years (unofficial)."
    )


def _unofficial_note(record: CertificateRecord) -> str:
    """The record names its unofficial encodings by code ('tier_rule: INFERRED'); the certificate
    prints what kind of source they rest on, once per kind, in both languages."""
    # The demo key's entry is no encoding: the band across the top of the page says it.
    entries = [u for u in record.unofficial if u != DEMO_FLAG]
    if not entries:
        return ""
    labels = list(dict.fromkeys(split_unofficial(u)[1] for u in entries))
    return (
        "评分所依据的部分编码非官方："
        + "、".join(label_name(x, "zh") for x in labels)
        + "。Scored partly on unofficial encodings: "
        + ", ".join(label_name(x, "en") for x in labels)
        + "."
    )


@dataclass(frozen=True)
class _Block:
    """One centred block of the certificate body: a faux-bold line or a paragraph."""

    text: str
    size: float
    color: Any
    gap: float  # minimum space above
    bold: bool = False
    smallest: float = 0.0
    leading: float | None = None

    def paragraph(self) -> Paragraph:
        return Paragraph(
            esc(self.text), centred("c", self.size, color=self.color, leading=self.leading)
        )

    def height(self, canvas: Any, width: float) -> float:
        if self.bold:
            size = fit_size(self.text, width, self.size, self.smallest or self.size)
            if stringWidth(self.text, FONT, size) <= width:
                return size * 1.25
        _, height = self.paragraph().wrapOn(canvas, width, PAGE_H)
        return float(height)

    def draw(self, canvas: Any, left: float, width: float, top: float) -> float:
        """Draw with the block's top at `top`; return the bottom."""
        if self.bold:
            size = fit_size(self.text, width, self.size, self.smallest or self.size)
            if stringWidth(self.text, FONT, size) <= width:
                draw_bold_centred(canvas, self.text, left + width / 2, top - size, size, self.color)
                return top - size * 1.25
        paragraph = self.paragraph()
        _, height = paragraph.wrapOn(canvas, width, PAGE_H)
        paragraph.drawOn(canvas, left, top - height)
        return top - height


def _place(
    canvas: Any, blocks: list[_Block], top: float, bottom: float, left: float, width: float
) -> None:
    """Stack blocks from `top`, spreading spare room over the gaps; fail if they do not fit."""
    heights = [b.height(canvas, width) for b in blocks]
    spare = (top - bottom) - sum(heights) - sum(b.gap for b in blocks)
    if spare < 0:
        raise LayoutError(Problem((), "certificates.too_tall", {"points": -spare}))
    weights = [b.gap for b in blocks[1:]]
    extra = min(1.0, spare / sum(weights)) if sum(weights) else 0.0
    y = top - blocks[0].gap
    for i, block in enumerate(blocks):
        if i:
            y -= block.gap * (1 + extra)
        y = block.draw(canvas, left, width, y)


def _frame(c: Any) -> None:
    c.setFillColor(CREAM)
    c.rect(0, 0, PAGE_W, PAGE_H, stroke=0, fill=1)
    c.setStrokeColor(NAVY)
    c.setLineWidth(3.2)
    c.rect(18, 18, PAGE_W - 36, PAGE_H - 36, stroke=1, fill=0)
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.9)
    c.rect(26, 26, PAGE_W - 52, PAGE_H - 52, stroke=1, fill=0)
    c.setLineWidth(0.4)
    c.rect(29, 29, PAGE_W - 58, PAGE_H - 58, stroke=1, fill=0)
    c.setFillColor(GOLD)
    for x, y in ((26, 26), (PAGE_W - 26, 26), (26, PAGE_H - 26), (PAGE_W - 26, PAGE_H - 26)):
        path = c.beginPath()
        path.moveTo(x, y + 9)
        path.lineTo(x + 9, y)
        path.lineTo(x, y - 9)
        path.lineTo(x - 9, y)
        path.close()
        c.drawPath(path, stroke=0, fill=1)


def _demo_marks(c: Any) -> None:
    """A demo key's certificate says so across the page and in a band no one can miss."""
    c.saveState()
    c.setFillColor(RED)
    c.setFillAlpha(0.09)
    c.setFont(FONT, 96)
    c.translate(PAGE_W / 2, PAGE_H / 2 - 20)
    c.rotate(24)
    c.drawCentredString(0, 0, "示例 DEMO")
    c.restoreState()
    c.setFillColor(RED)
    c.setFont(FONT, 8.5)
    c.drawCentredString(
        PAGE_W / 2, PAGE_H - 44,
        "示例证书 · 演示密钥签发，非任何真实签发机构的证书 DEMO — signed with a demo key, "
        "not a certificate of any real issuer",
    )  # fmt: skip


def _draw(c: Any, signed: SignedRecord) -> None:
    record = signed.record
    _frame(c)
    if record.demo:
        _demo_marks(c)
    left, width = 90.0, PAGE_W - 180.0

    # Number, top right; issuer, top left.
    c.setFillColor(GREY)
    c.setFont(FONT, 8.5)
    c.drawRightString(PAGE_W - 48, PAGE_H - 52, "证书编号 Certificate No.")
    c.setFillColor(NAVY)
    c.setFont(FONT, 12)
    c.drawRightString(PAGE_W - 48, PAGE_H - 68, record.number)
    c.setFillColor(GREY)
    c.setFont(FONT, 8.5)
    c.drawString(48, PAGE_H - 52, "签发方 Issuer")
    c.setFillColor(NAVY)
    c.setFont(FONT, 10)
    issuer_size = fit_size(record.issuer, 200, 10, 6)
    c.setFont(FONT, issuer_size)
    c.drawString(48, PAGE_H - 68, record.issuer)

    zh, en = _achievement(record)
    blocks = [
        _Block("智能制造评估证书", 30, NAVY, 0, bold=True),
        _Block("Certificate of Smart-Manufacturing Assessment", 13, GOLD, 2),
        _Block("兹证明 This is to certify that", 11, GREY, 14),
        _Block(record.firm_name, 22, INK, 4, bold=True, smallest=12),
        _Block(f"统一社会信用代码 Unified Social Credit Code：{record.credit_code}", 10.5, INK, 2),
        _Block(
            "经评估员审核，依据 has been assessed, with evaluator review, against", 10, GREY, 12
        ),
        _Block(f"{record.standard_title_zh}（{record.standard_edition}）", 14, NAVY, 3, leading=18),
        _Block(record.standard_title_en, 10, GREY, 1),
        _Block("达到 and has reached", 10, GREY, 12),
        _Block(zh, 22, RED, 3, bold=True, smallest=12),
    ]
    if en:
        blocks.append(_Block(en, 11, RED, 1))
    blocks.append(_Block(_score_line(record), 12, INK, 6))
    _place(c, blocks, PAGE_H - 58, 216, left, width)

    # Dates and review, as four labelled columns.
    columns = (
        ("发证日期 Issued", record.issued_on.isoformat()),
        (
            "有效期至 Valid until",
            record.expires_on.isoformat() + ("" if record.validity_official else " *"),
        ),
        ("评估审核 Evaluator review", f"已审核 Reviewed · {record.reviewed_by}"),
        ("评分回执 Score receipt", group(record.receipt.result_sha256[:16]) + " …"),
    )
    col_w = width / len(columns)
    y = 178.0
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.6)
    c.line(left, y + 30, left + width, y + 30)
    for i, (label, value) in enumerate(columns):
        x = left + col_w * i + col_w / 2
        c.setFillColor(GREY)
        c.setFont(FONT, 8.5)
        c.drawCentredString(x, y + 16, label)
        c.setFillColor(INK)
        size = fit_size(value, col_w - 8, 11, 6.5)
        c.setFont(FONT, size)
        c.drawCentredString(x, y, value)

    notes = "* " + _validity_note(record) if not record.validity_official else ""
    notes = "<br/>".join(
        esc(n) for n in (notes or _validity_note(record), _unofficial_note(record)) if n
    )
    note = Paragraph(notes, centred("notes", 7, color=GREY, leading=9))
    _, height = note.wrapOn(c, width, 60)
    if height > 40:
        raise LayoutError(Problem((), "certificates.notes_too_long"))
    note.drawOn(c, left, 168 - height)

    # Bottom band: QR (left), key fingerprint (centre), seal (right).
    side = 84.0
    qr_x, qr_y = 46.0, 38.0
    draw_qr(c, record.verify_url, qr_x, qr_y, side)
    c.setFillColor(GREY)
    c.setFont(FONT, 7.5)
    c.drawString(qr_x + side + 6, qr_y + side - 14, "扫码验证 Scan to verify")
    url_size = fit_size(record.verify_url, 190, 7.5, 5)
    c.setFont(FONT, url_size)
    c.setFillColor(NAVY)
    c.drawString(qr_x + side + 6, qr_y + side - 26, record.verify_url)
    c.setFillColor(GREY)
    c.setFont(FONT, 7)
    c.drawString(
        qr_x + side + 6, qr_y + side - 40, "离线验证 Offline check: zhizao cert verify FILE.pdf"
    )

    fp = signed.key_fingerprint
    cx = PAGE_W / 2 + 40
    c.setFillColor(GREY)
    c.setFont(FONT, 7.5)
    c.drawCentredString(cx, 78, "签发密钥指纹 Issuer key fingerprint (Ed25519, SHA-256)")
    c.setFillColor(INK)
    c.setFont(FONT, 7.5)
    c.drawCentredString(cx, 66, group(fp[:32]))
    c.drawCentredString(cx, 56, group(fp[32:]))
    c.setFillColor(GREY)
    c.setFont(FONT, 6.5)
    c.drawCentredString(
        cx, 42,
        "证书记录经 Ed25519 签名，全文件带 PDF 数字签名，可离线验证。"
        "Record signed (Ed25519), whole file signed (PDF); verifiable offline.",
    )  # fmt: skip

    draw_seal(c, PAGE_W - 110, 92, 46, record.issuer, "证书专用")


def render_certificate(signed: SignedRecord) -> bytes:
    """The certificate PDF (bytes) of a signed, evaluator-reviewed record. Deterministic."""
    record = signed.record
    if not record.evaluator_reviewed:
        raise RecordError(Problem((), "certificates.not_reviewed"))
    register_fonts()
    require_glyphs(certificate_texts(record), where=f"certificate {record.number}")
    buffer = io.BytesIO()
    with _build_lock:
        c = Canvas(
            buffer,
            pagesize=(PAGE_W, PAGE_H),
            invariant=1,
            pageCompression=1,
            initialFontName=FONT,
            initialFontSize=10,
            lang="zh-CN",
        )
        c.setTitle(f"智能制造评估证书 Certificate {record.number}")
        c.setAuthor(record.issuer)
        c.setSubject(f"{record.firm_name} · {record.standard_id} {record.standard_edition}")
        c.setCreator("zhizao 智造评估")
        c.setKeywords(["zhizao", "certificate", record.number])
        _draw(c, signed)
        attach_file(
            c,
            ATTACHMENT_NAME,
            signed.to_bytes(),
            description="Signed certificate record (Ed25519) — zhizao cert verify",
        )
        c.showPage()
        c.save()
    return buffer.getvalue()
