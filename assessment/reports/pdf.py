"""The assessment report PDF (A4 portrait), rendered from `ReportData`. Deterministic.

A report is never a certificate: no seal, no signature. A report without an evaluated result is a
self-assessment, titled 自评结果报告 and watermarked 自评结果，仅供参考 on every page.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Mapping
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from assessment.pdf.fonts import FONT, drawable, register_fonts
from assessment.pdf.layout import (
    GOLD,
    GREY,
    INK,
    LIGHT,
    NAVY,
    RED,
    centred,
    draw_watermark,
    esc,
    style,
)
from assessment.reports.data import ReportData
from scoring import ENGINE_VERSION

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN
SELF_WATERMARK = ["自评结果，仅供参考", "SELF-ASSESSMENT · FOR REFERENCE ONLY · NOT A CERTIFICATE"]
SELF_TITLE = "自评结果，仅供参考"
_build_lock = threading.Lock()

SELF_COLOUR = colors.HexColor("#8FA9C8")
EVAL_COLOUR = NAVY

_styles: dict[str, Any] = {}


def _s(name: str) -> Any:
    """Paragraph styles, made once (after the font is registered)."""
    if not _styles:
        register_fonts()
        _styles.update(
            h1=style("h1", 16, color=NAVY, space_before=6, space_after=6, leading=21),
            h2=style("h2", 12, color=NAVY, space_before=8, space_after=4, leading=16),
            body=style("body", 9, leading=13),
            small=style("small", 7.5, color=GREY, leading=10),
            cell=style("cell", 7.5, leading=9.5),
            cellb=style("cellb", 7.5, color=NAVY, leading=9.5),
            head=style("head", 7.5, color=colors.white, leading=9.5),
            title=centred("title", 24, color=NAVY, leading=32),
            title_self=centred("title_self", 24, color=RED, leading=32),
            subtitle=centred("subtitle", 12, color=GREY, leading=16),
            firm=centred("firm", 17, color=INK, leading=23),
            centre=centred("centre", 10, color=INK, leading=14),
            notice=style("notice", 9.5, color=RED, leading=14),
            notice_ok=style("notice_ok", 9, color=NAVY, leading=13),
            hash=style("hash", 7, leading=9),
        )
    return _styles[name]


def _p(text: object, name: str = "cell") -> Paragraph:
    return Paragraph(esc(drawable(str(text))), _s(name))


def _lines(*texts: str) -> Paragraph:
    """A table cell of several lines (a Chinese line and its English)."""
    return Paragraph("<br/>".join(esc(drawable(t)) for t in texts if t), _s("cell"))


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def _table(
    rows: list[list[Any]],
    widths: list[float],
    *,
    zebra: bool = True,
    highlight: frozenset[int] = frozenset(),
) -> Table:
    """A table with a navy header row, repeated across pages."""
    head = [[_p(c, "head") if isinstance(c, str) else c for c in rows[0]]]
    body = [[_p(c) if isinstance(c, str) else c for c in row] for row in rows[1:]]
    table = Table(head + body, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 7.5),  # Table's own default would be Helvetica
        ("BACKGROUND", (0, 0), (-1, 0), NAVY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B8C2CE")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if zebra:
        for r in range(2, len(rows), 2):
            commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F4F6F9")))
    for r in sorted(highlight):
        commands.append(("BACKGROUND", (0, r), (-1, r), colors.HexColor("#FCEBD7")))
    table.setStyle(TableStyle(commands))
    return table


def _decorate(data: ReportData) -> Any:
    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        if data.is_self_assessment:
            draw_watermark(canvas, SELF_WATERMARK, PAGE_W, PAGE_H, size=44)
            canvas.setFillColor(RED)
            canvas.rect(0, PAGE_H - 9 * mm, PAGE_W, 9 * mm, stroke=0, fill=1)
            canvas.setFillColor(colors.white)
            canvas.setFont(FONT, 10)
            canvas.drawCentredString(
                PAGE_W / 2,
                PAGE_H - 6 * mm,
                "自评结果，仅供参考 · Self-assessment result, for reference only · 非证书 Not a certificate",
            )
        else:
            canvas.setStrokeColor(GOLD)
            canvas.setLineWidth(0.8)
            canvas.line(MARGIN, PAGE_H - 12 * mm, PAGE_W - MARGIN, PAGE_H - 12 * mm)
            canvas.setFillColor(NAVY)
            canvas.setFont(FONT, 8)
            canvas.drawString(MARGIN, PAGE_H - 10.5 * mm, "评估报告 Assessment report")
            canvas.drawRightString(
                PAGE_W - MARGIN, PAGE_H - 10.5 * mm, drawable(data.firm_name)[:60]
            )
        canvas.setFillColor(GREY)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(
            MARGIN,
            10 * mm,
            f"zhizao 智造评估 {ENGINE_VERSION} · {data.standard_id} {data.standard_edition}"
            f" · {data.generated_on.isoformat()}",
        )
        canvas.drawRightString(PAGE_W - MARGIN, 10 * mm, f"第 {doc.page} 页 Page {doc.page}")
        canvas.restoreState()

    return on_page


def _cover(data: ReportData) -> list[Any]:
    story: list[Any] = [Spacer(1, 28 * mm)]
    if data.is_self_assessment:
        story += [
            Paragraph(esc("自评结果报告"), _s("title_self")),
            Paragraph(esc(f"（{SELF_TITLE}）"), _s("title_self")),
            Paragraph(esc("Self-assessment result — for reference only"), _s("subtitle")),
        ]
    else:
        story += [
            Paragraph(esc("智能制造评估报告"), _s("title")),
            Paragraph(
                esc("Smart-manufacturing assessment report (evaluator-reviewed)"), _s("subtitle")
            ),
        ]
    story += [Spacer(1, 14 * mm), _p(data.firm_name, "firm")]
    if data.credit_code:
        story.append(
            _p(f"统一社会信用代码 Unified Social Credit Code：{data.credit_code}", "centre")
        )
    story += [
        Spacer(1, 8 * mm),
        _p(f"{data.standard_title_zh}（{data.standard_edition}）", "centre"),
        _p(data.standard_title_en, "subtitle"),
        Spacer(1, 4 * mm),
        _p(f"目标档位 Profile：{data.profile_zh} {data.profile_en}", "centre"),
    ]
    if data.industry_type:
        kind = {"discrete": "离散型 discrete", "process": "流程型 process"}
        story.append(
            _p(
                f"行业类型 Industry type：{kind.get(data.industry_type, data.industry_type)}",
                "centre",
            )
        )
    story.append(_p(f"生成日期 Generated：{data.generated_on.isoformat()}", "centre"))
    if data.reviewed_by:
        story.append(_p(f"评估员 Evaluator：{data.reviewed_by}", "centre"))
    if data.certificate_number:
        story.append(_p(f"对应证书 Certificate：{data.certificate_number}", "centre"))
    story.append(Spacer(1, 14 * mm))
    if data.is_self_assessment:
        text = (
            "本文件为企业自评结果，未经评估员审核，仅供参考；它不是证书，没有证书编号，"
            "不能作为任何认定、评级或申报的依据。<br/>"
            "This document is the firm's own self-assessment. No evaluator has reviewed it; it is "
            "for reference only. It is not a certificate, has no certificate number and proves "
            "no rating."
        )
        box = Table([[Paragraph(text, _s("notice"))]], colWidths=[FRAME_W - 40])
        box.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("BOX", (0, 0), (-1, -1), 1.5, RED),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FDF1F1")),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
    else:
        text = (
            "本报告记录经评估员审核的评估结果。报告本身不是证书：证书是单独签发、带数字签名的 PDF，"
            "可用 zhizao cert verify 离线验证。<br/>"
            "This report records an evaluator-reviewed result. It is not itself a certificate: "
            "certificates are separate signed PDFs, verifiable offline with zhizao cert verify."
        )
        box = Table([[Paragraph(text, _s("notice_ok"))]], colWidths=[FRAME_W - 40])
        box.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 9),
                    ("BOX", (0, 0), (-1, -1), 0.8, NAVY),
                    ("LEFTPADDING", (0, 0), (-1, -1), 10),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 8),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
                ]
            )
        )
    story += [box, PageBreak()]
    return story


def _summary(data: ReportData) -> list[Any]:
    story: list[Any] = [_Heading("结果摘要 Summary")]
    header = ["", *(f"{s.label_zh} {s.label_en}" for s in data.summaries)]
    rows = [header]
    rows.append(
        [
            "总分 Total",
            *(
                f"{_num(s.total)} / {_num(s.max_total)}"
                + (f"（{s.percent:.1f}%）" if s.percent is not None else "")
                for s in data.summaries
            ),
        ]
    )
    if any(s.level is not None for s in data.summaries):
        rows.append(["成熟度等级 Level", *(_num(s.level) for s in data.summaries)])
    else:
        rows.append(["达到等级 Tier reached", *((s.tier or "未达到 none") for s in data.summaries)])
    rows.append(
        [
            "完整性 Complete",
            *(
                "是 yes" if s.complete else f"否 no（{s.missing} 项未答 unanswered）"
                for s in data.summaries
            ),
        ]
    )
    rows.append(
        [
            "准入条件 Gates",
            *(
                {True: "全部通过 all passed", False: "未通过 failed", None: "待定 open"}[s.eligible]
                for s in data.summaries
            ),
        ]
    )
    first = 120.0
    rest = (FRAME_W - first) / len(data.summaries)
    story.append(_table(rows, [first] + [rest] * len(data.summaries), zebra=False))
    if data.gates:
        story.append(Paragraph(esc("准入条件 Gates"), _s("h2")))
        evaluated = data.kind == "evaluated"
        head = ["条件 Gate", "条款 Clause", "自评 Self"]
        widths = [175.0, 112.0, 52.0]
        if evaluated:
            head.append("评估 Evaluated")
            widths.append(58.0)
        head.append("说明 Detail")
        widths.append(FRAME_W - sum(widths))
        rows = [head]
        for gate in data.gates:
            title = f"{gate.title_zh}（{gate.label}）" if gate.label else gate.title_zh
            row = [title, gate.clause or "—", gate.self_state]
            if evaluated:
                row.append(gate.evaluated_state or "—")
            row.append(gate.message)
            rows.append(row)
        story.append(_table(rows, widths))
    return story


def _chart(data: ReportData) -> list[Any]:
    if not data.domains:
        return []
    domains = list(reversed(data.domains))  # the chart draws bottom-up; list top-down
    evaluated = data.kind == "evaluated"
    row_h = 22 if evaluated else 15
    height = len(domains) * row_h + 60
    drawing = Drawing(FRAME_W, height)
    chart = HorizontalBarChart()
    chart.x = 150
    chart.y = 34
    chart.width = FRAME_W - 180
    chart.height = height - 50
    # Within a group the first series is drawn lowest: evaluated first puts self-assessed on top.
    series = [[d.self_percent or 0.0 for d in domains]]
    fills = [SELF_COLOUR]
    if evaluated:
        series.insert(0, [d.evaluated_percent or 0.0 for d in domains])
        fills.insert(0, EVAL_COLOUR)
    chart.data = series
    chart.bars.strokeColor = None
    for i, fill in enumerate(fills):
        chart.bars[i].fillColor = fill
    chart.barSpacing = 1
    chart.groupSpacing = 4
    chart.categoryAxis.categoryNames = [drawable(f"{d.name_zh} {d.name_en}") for d in domains]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -4
    chart.categoryAxis.strokeColor = GREY
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 100
    chart.valueAxis.valueStep = 20
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = "%d%%"
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = LIGHT
    chart.valueAxis.strokeColor = GREY
    chart.barLabelFormat = "%.0f"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barLabels.fillColor = INK
    drawing.add(chart)
    legend = Legend()
    legend.fontName = FONT
    legend.fontSize = 7.5
    legend.x = 150
    legend.y = 12
    legend.dx = 8
    legend.dy = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    pairs = [(SELF_COLOUR, "自评 Self-assessed (%)")]
    if evaluated:
        pairs.append((EVAL_COLOUR, "评估 Evaluated (%)"))
    legend.colorNamePairs = pairs
    drawing.add(legend)
    return [
        CondPageBreak(height + 40),
        _Heading("分领域得分率 Profile by domain"),
        drawing,
    ]


def _items(data: ReportData) -> list[Any]:
    evaluated = data.kind == "evaluated"
    head = ["编号 No.", "题目 Item", "自评 Self"]
    widths = [40.0, 0.0, 80.0]
    if evaluated:
        head.append("评估 Evaluated")
        widths.append(80.0)
    head += ["得分 Points", "状态"]
    widths += [52.0, 34.0]
    widths[1] = FRAME_W - sum(widths)
    rows: list[list[Any]] = [head]
    changed: set[int] = set()
    for i, item in enumerate(data.items, start=1):
        row = [item.number, item.title_zh, item.self_answer]
        if evaluated:
            row.append(item.evaluated_answer or "—")
        counted = item.status in ("已评分", "未答")
        points = f"{_num(item.points)} / {_num(item.max_points)}" if counted else "—"
        row += [points, item.status]
        rows.append(row)
        if item.changed:
            changed.add(i)
    story: list[Any] = [
        CondPageBreak(120),
        _Heading("逐项答案与得分 Items, answers and points"),
    ]
    if evaluated:
        story.append(
            Paragraph(
                esc("橙色行：评估员的答案与自评不同；得分按评估员答案计。")
                + esc(" Orange rows: the evaluator's answer differs; points follow the evaluator."),
                _s("small"),
            )
        )
        story.append(Spacer(1, 3))
    story.append(_table(rows, widths, highlight=frozenset(changed)))
    return story


def _path(data: ReportData) -> list[Any]:
    story: list[Any] = [
        CondPageBreak(120),
        _Heading("差距与晋级路径 Gaps and the path to the next tier"),
    ]
    nt = data.next_tier
    if nt is None:
        story.append(
            _p("已达到本档位的最高等级，或本标准没有更高等级。No higher tier to reach.", "body")
        )
    else:
        story.append(
            _p(
                f"下一等级 Next tier：{nt.tier} — {nt.message}（总工作量 effort {nt.total_effort}）",
                "body",
            )
        )
        if nt.upgrades:
            rows: list[list[Any]] = [
                ["题目 Item", "当前 Now", "目标 To", "得分增加 Gain", "工作量 Effort"]
            ]
            for u in nt.upgrades:
                rows.append(
                    [f"{u.item} {u.title_zh}", u.current, u.to, f"+{_num(u.gain)}", str(u.effort)]
                )
            story += [
                Spacer(1, 4),
                _table(rows, [FRAME_W - 230, 60.0, 50.0, 65.0, 55.0]),
            ]
    if data.gaps:
        rows = [["题目 Item", "当前答案 Answer", "失分 Points lost", "最佳 Best"]]
        for g in data.gaps:
            rows.append(
                [f"{g.item} {g.title_zh}", g.answer, f"−{_num(g.points_lost)}", g.best or "—"]
            )
        story += [
            Paragraph(esc("最大差距 Largest gaps"), _s("h2")),
            _table(rows, [FRAME_W - 250, 130.0, 65.0, 55.0]),
        ]
    return story


def _carbon(data: ReportData) -> list[Any]:
    if data.carbon is None:
        return []
    carbon = data.carbon
    rows: list[list[Any]] = [["指标 Figure", f"{carbon.year} 年 value"]]
    rows += [[label, value] for label, value in carbon.rows]
    story: list[Any] = [
        CondPageBreak(160),
        _Heading("碳排放摘要 Carbon summary"),
        _table(rows, [FRAME_W - 200, 200.0]),
    ]
    if carbon.flagged_factors:
        story.append(Spacer(1, 4))
        story.append(
            _p(
                "非官方因子 Unofficial factors used：" + "；".join(carbon.flagged_factors),
                "small",
            )
        )
    return story


def _flags(data: ReportData) -> list[Any]:
    story: list[Any] = [
        CondPageBreak(100),
        _Heading("编码来源 Provenance of the encodings used"),
    ]
    if not data.flags:
        story.append(
            _p(
                "所用编码均依据官方原文或新闻报道。"
                "All encodings used follow the official text or news reports.",
                "body",
            )
        )
        return story
    story.append(
        _p(
            "本结果部分依据非官方来源的编码；官方文本公布后结果可能改变。"
            "This result rests partly on encodings from unofficial sources; it may change when "
            "the official text is published.",
            "body",
        )
    )
    story.append(Spacer(1, 4))
    rows: list[list[Any]] = [["内容 What", "说明 What it means"]]
    seen: set[str] = set()
    for f in data.flags:
        if f.sentence_zh in seen:  # two flags saying the same thing are printed once
            continue
        seen.add(f.sentence_zh)
        rows.append([_lines(f.what_zh, f.what_en), _lines(f.sentence_zh, f.sentence_en)])
    story.append(_table(rows, [130.0, FRAME_W - 130]))
    return story


def _adjustments(data: ReportData) -> list[Any]:
    """The evaluator's adjustments with the reasons given: what the firm answered, what counts."""
    if data.is_self_assessment or data.adjustments is None:
        return []
    story: list[Any] = [CondPageBreak(100), _Heading("评审员调整说明 The evaluator's adjustments")]
    if not data.adjustments:
        story.append(
            _p("评审员采纳了企业的全部答案。The evaluator accepted every answer as given.", "body")
        )
        return story
    story.append(
        _p(
            "评审员调整了以下答案；得分按调整后的答案计。"
            "The evaluator changed these answers; points follow the evaluator's answer.",
            "body",
        )
    )
    story.append(Spacer(1, 4))
    rows: list[list[Any]] = [["题目 Item", "自评 Self", "评估 Evaluated", "理由 Reason"]]
    for a in data.adjustments:
        item = " ".join(part for part in (a.number or a.key, a.title_zh) if part)
        rows.append([item, a.self_answer, a.evaluated_answer, a.reason])
    story.append(_table(rows, [150.0, 60.0, 60.0, FRAME_W - 270]))
    return story


def _benchmark(benchmark: Mapping[str, Any] | None) -> list[Any]:
    """Optional: a plain dict from the benchmark feature; nothing is printed without one."""
    if not benchmark:
        return []
    title = str(benchmark.get("title", "同行对标 Benchmark position"))
    story: list[Any] = [CondPageBreak(100), _Heading(title)]
    if benchmark.get("cohort"):
        story.append(_p(f"对标群体 Cohort：{benchmark['cohort']}", "body"))
    rows_in = benchmark.get("rows")
    if isinstance(rows_in, list):
        pairs = [
            (str(r[0]), str(r[1])) for r in rows_in if isinstance(r, list | tuple) and len(r) == 2
        ]
    else:
        skip = {"title", "cohort", "note", "rows"}
        pairs = [
            (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
            for k, v in benchmark.items()
            if k not in skip
        ]
    if pairs:
        rows: list[list[Any]] = [["指标 Figure", "值 Value"]]
        rows += [[k, v] for k, v in pairs]
        story.append(_table(rows, [FRAME_W - 200, 200.0]))
    if benchmark.get("note"):
        story.append(_p(str(benchmark["note"]), "small"))
    return story


def _appendix(data: ReportData) -> list[Any]:
    story: list[Any] = [
        PageBreak(),
        Paragraph(esc("附录 评分回执 Appendix: score receipt"), _s("h1")),
        _p(
            "回执让任何人都能复核得分：用同一版本的标准库和评分引擎重新评分同一答案文件"
            "（zhizao score ANSWERS --json），标准、答案和结果的 SHA-256 必须与下表一致。"
            "The receipt lets anyone re-check the score: re-score the same answers with the same "
            "library and engine (zhizao score ANSWERS --json); the SHA-256 hashes must match.",
            "body",
        ),
        Spacer(1, 6),
    ]
    for receipt in data.receipts:
        rows: list[list[Any]] = [
            [receipt.which, ""],
            ["标准 Standard", receipt.standard],
            ["标准 SHA-256", Paragraph(esc(receipt.standard_sha256), _s("hash"))],
            ["答案 Answers SHA-256", Paragraph(esc(receipt.answers_sha256), _s("hash"))],
            ["结果 Result SHA-256", Paragraph(esc(receipt.result_sha256), _s("hash"))],
            ["评分引擎 Engine", receipt.engine_version],
        ]
        table = _table(rows, [130.0, FRAME_W - 130], zebra=False)
        story += [KeepTogether([table]), Spacer(1, 8)]
    return story


class _Heading:
    """A numbered section heading; numbers are given in story order, so absent sections leave
    no gaps."""

    def __init__(self, title: str) -> None:
        self.title = title


def _number_sections(story: list[Any]) -> list[Any]:
    out: list[Any] = []
    n = 0
    for part in story:
        if isinstance(part, _Heading):
            n += 1
            out.append(Paragraph(esc(f"{n} {part.title}"), _s("h1")))
        else:
            out.append(part)
    return out


def build_story(data: ReportData) -> list[Any]:
    return _number_sections(
        [
            *_cover(data),
            *_summary(data),
            *_chart(data),
            *_items(data),
            *_adjustments(data),
            *_path(data),
            *_carbon(data),
            *_flags(data),
            *_benchmark(data.benchmark),
            *_appendix(data),
        ]
    )


def render_report(data: ReportData) -> bytes:
    """The report PDF (bytes). Deterministic: the same data gives the same bytes."""
    register_fonts()
    buffer = io.BytesIO()
    title = (
        f"自评结果报告（仅供参考）Self-assessment — {data.firm_name}"
        if data.is_self_assessment
        else f"评估报告 Assessment report — {data.firm_name}"
    )
    with _build_lock:
        doc = BaseDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=title,
            author="zhizao 智造评估",
            subject=f"{data.standard_id} {data.standard_edition}",
            creator="zhizao 智造评估",
            keywords=["zhizao", "self-assessment" if data.is_self_assessment else "assessment"],
            invariant=1,
            lang="zh-CN",
            initialFontName=FONT,
            displayDocTitle=True,
        )
        frame = Frame(MARGIN, 16 * mm, FRAME_W, PAGE_H - 32 * mm, id="body")
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_decorate(data))])
        doc.build(build_story(data))
    return buffer.getvalue()
