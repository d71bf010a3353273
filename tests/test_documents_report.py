"""Reports: self-assessment vs evaluated, sections, chart fonts, escaping, determinism."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import warnings
from pathlib import Path

import pytest
from documents_support import (
    CREDIT_CODE,
    EXAMPLES,
    FIRM,
    GOLDEN,
    ISSUED,
    TEST_KEY,
    evaluated_result,
    ff_standard,
    page_count,
    pdffonts,
    pdftotext,
    self_result,
    verify,
)
from reportlab.graphics.shapes import Group, String

from assessment.certificates.verify import NOT_A_CERTIFICATE
from assessment.cli.main import main
from assessment.pdf.fonts import FONT, MissingGlyphWarning
from assessment.reports.data import build_report_data, format_answer
from assessment.reports.pdf import _chart, render_report

UPDATE_GOLDEN = os.environ.get("ZHIZAO_UPDATE_GOLDEN") == "1"


def self_data(**kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "firm_name": FIRM,
        "credit_code": CREDIT_CODE,
        "generated_on": ISSUED,
    }
    args.update(kw)
    return build_report_data(ff_standard(), self_result(), **args)  # type: ignore[arg-type]


def evaluated_data(**kw: object):  # type: ignore[no-untyped-def]
    return self_data(evaluated=evaluated_result(), reviewed_by="张评估", **kw)


@pytest.fixture(scope="module")
def self_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "self.pdf"
    path.write_bytes(render_report(self_data()))
    return path


@pytest.fixture(scope="module")
def evaluated_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "evaluated.pdf"
    benchmark = {"cohort": "C36 汽车制造业 · 浙江 · 中型", "percentile": 63, "note": "illustrative"}
    path.write_bytes(render_report(evaluated_data(benchmark=benchmark)))
    return path


def pages(path: Path) -> list[str]:
    return pdftotext(path).split("\f")[: page_count(path)]


def test_self_assessment_is_unmistakable_on_every_page(self_pdf: Path) -> None:
    texts = pages(self_pdf)
    assert len(texts) > 3
    for text in texts:
        assert "自评结果，仅供参考" in text
        assert "Not a certificate" in text or "NOT A CERTIFICATE" in text
    whole = "".join(texts)
    assert "Certificate No." not in whole
    assert "对应证书" not in whole
    assert "ZZ-" not in whole
    assert "Assessment report" not in whole


def test_evaluated_report_has_every_section(evaluated_pdf: Path) -> None:
    text = pdftotext(evaluated_pdf)
    assert "自评结果，仅供参考" not in text
    for expected in (
        FIRM,
        ff_standard().title.zh,
        "结果摘要 Summary",
        "准入条件 Gates",
        "分领域得分率 Profile by domain",
        "逐项答案与得分",
        "差距与晋级路径",
        "编码来源 Provenance",
        "该等级规则在现有资料中尚未找到",
        "The tier rule was not found",
        "同行对标 Benchmark position",
        "C36 汽车制造业",
        "评分回执 Appendix: score receipt",
        evaluated_result().receipt.answers_sha256,
        self_result().receipt.answers_sha256,
        "154.89 / 355",
        "159.06 / 355",
    ):
        assert expected in text, expected


def test_benchmark_section_is_optional(self_pdf: Path) -> None:
    assert "Benchmark" not in pdftotext(self_pdf)


def test_every_font_is_embedded(evaluated_pdf: Path, self_pdf: Path) -> None:
    for path in (evaluated_pdf, self_pdf):
        rows = pdffonts(path)
        assert rows
        for row in rows:
            assert row[-5] == "yes", f"{path.name}: font not embedded: {row}"
            assert "WenQuanYiMicroHei" in row[0]


def _strings(node: object) -> list[String]:
    """Every String a drawing will draw, expanding widgets (axes, labels) on the way."""
    if isinstance(node, String):
        return [node]
    if hasattr(node, "provideNode"):
        return _strings(node.provideNode())
    if isinstance(node, Group):
        return [s for child in node.contents for s in _strings(child)]
    return []


def test_chart_labels_all_use_the_cjk_font() -> None:
    drawing = next(p for p in _chart(evaluated_data()) if hasattr(p, "contents"))
    labels = _strings(drawing)
    assert len(labels) > 20
    assert {s.fontName for s in labels} == {FONT}
    assert any("基础设施" in s.text for s in labels)


def test_carbon_summary_when_available(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "green.pdf"
    code = main(
        [
            "report",
            "export",
            str(EXAMPLES / "green-self-evaluation-2025.yaml"),
            "--activity",
            str(EXAMPLES / "activity-discrete-2025.yaml"),
            "--date",
            "2026-11-27",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    text = pdftotext(out)
    assert "碳排放摘要 Carbon summary" in text
    assert "碳效码" in text


def test_user_text_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "esc.pdf"
    path.write_bytes(render_report(self_data(firm_name="A&B <China> <b>x</b>")))
    assert "A&B <China> <b>x</b>" in pdftotext(path)


def test_missing_glyphs_warn_and_show_a_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "glyph.pdf"
    with pytest.warns(MissingGlyphWarning, match="U\\+20BB7"):
        path.write_bytes(render_report(self_data(firm_name="𠮷野家（宁波）有限公司")))
    assert "[U+20BB7]野家" in pdftotext(path)


def test_report_is_deterministic_and_matches_golden(evaluated_pdf: Path, self_pdf: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = render_report(self_data())
    assert again == self_pdf.read_bytes()
    for name, path in (("report-self", self_pdf), ("report-evaluated", evaluated_pdf)):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        text = pdftotext(path, layout=True)
        golden_hash = GOLDEN / f"{name}.pdf.sha256"
        golden_text = GOLDEN / f"{name}.txt"
        if UPDATE_GOLDEN:
            golden_hash.write_text(digest + "\n", encoding="utf-8")
            golden_text.write_text(text, encoding="utf-8")
        assert text == golden_text.read_text(encoding="utf-8"), (
            f"{name} text changed; if intended, rerun with ZHIZAO_UPDATE_GOLDEN=1"
        )
        assert digest == golden_hash.read_text(encoding="utf-8").strip(), (
            f"{name} bytes changed; if intended, rerun with ZHIZAO_UPDATE_GOLDEN=1"
        )


def test_report_of_a_self_assessment_is_not_a_certificate(self_pdf: Path) -> None:
    verdict = verify(self_pdf.read_bytes(), [TEST_KEY.public], on=ISSUED)
    assert verdict.reason == NOT_A_CERTIFICATE


def test_answers_are_formatted_for_people() -> None:
    assert format_answer("C") == "C"
    assert format_answer(True) == "是 yes"
    assert format_answer(["A", "C"]) == "A+C"
    assert format_answer({"na": True, "reason": "no furnace"}) == "不适用 N/A（no furnace）"
    assert format_answer([{"value": 53.2385, "baseline": 70.0, "leading": 40.0}]) == (
        "53.24（基准 70 → 引领 40）"
    )
    assert format_answer(None) == "—"


def test_evaluated_and_self_must_match() -> None:
    moved = dataclasses.replace(evaluated_result(), profile="ff")
    with pytest.raises(ValueError, match="profile"):
        self_data(evaluated=moved)
