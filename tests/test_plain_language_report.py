"""The report and certificate PDFs in plain words: the evaluator's reasons for adjustments are
printed (zh and en headings), and no PDF carries a workspace path, a commit or an evidence code.
Read back with pdftotext, from a real demo database."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from app_support import *  # noqa: F403 - the fixtures
from app_support import World
from documents_support import pdftotext

from assessment import submissions
from assessment.accounts.principal import Principal
from assessment.certificates import issue
from assessment.reports import plain
from assessment.reports.data import Decision, adjustment_rows, final_adjustments
from assessment.reports.pdf import render_report
from assessment.storage.tables import Submission
from standards import Label, bundled_library

FORBIDDEN = re.compile(
    r"shared/|\.md\b|\.csv\b|\.xlsx\b|\bcommit\b|@ ?[0-9a-f]{7}\b|"
    + "|".join(re.escape(label.value) for label in Label if label is not Label.NEWS)
)
HEADING = "评审员调整说明 The evaluator's adjustments"


def _adjusted(world: World) -> tuple[int, list[Decision]]:
    """The approved demo submission whose last review round adjusted answers, and those decisions."""
    admin = Principal.system("test")
    for sub in submissions.list_submissions(admin, world.db):
        if sub.status != "approved":
            continue
        with world.db.read() as session:
            decisions = final_adjustments(session, sub.id)
        if decisions:
            return sub.id, list(decisions)
    raise AssertionError("the demo has no approved submission with an adjustment")


def _write(tmp_path: Path, name: str, pdf: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    return pdftotext(path)


def test_the_evaluated_report_prints_each_adjustment_with_its_reason(
    app_world: World, tmp_path: Path
) -> None:
    sid, decisions = _adjusted(app_world)
    admin = Principal.system("test")
    report = issue.report_pdf(admin, app_world.db, sid)
    with app_world.db.read() as session:
        sub = session.get(Submission, sid)
        assert sub is not None
        standard, _ = submissions.snapshot_standard(session, sub.standard_sha256)
    rows = adjustment_rows(standard, decisions)
    assert rows
    assert all(r.reason.startswith("现场核查") for r in rows)
    data = dataclasses.replace(report.data, adjustments=rows)
    text = _write(tmp_path, "evaluated.pdf", render_report(data))
    assert HEADING in text
    for row in rows:
        assert row.title_zh in text
        assert "现场核查：证据仅覆盖部分产线" in text
    assert "得分按调整后的答案计" in text


def test_the_report_service_reads_the_reasons(app_world: World, tmp_path: Path) -> None:
    """report_pdf passes the last round's decisions to the report (issue.report_pdf)."""
    sid, _ = _adjusted(app_world)
    report = issue.report_pdf(Principal.system("test"), app_world.db, sid)
    text = _write(tmp_path, "served.pdf", report.pdf)
    assert HEADING in text
    assert "现场核查：证据仅覆盖部分产线" in text


def test_no_report_carries_a_path_a_commit_or_a_code(app_world: World, tmp_path: Path) -> None:
    admin = Principal.system("test")
    seen = 0
    for sub in submissions.list_submissions(admin, app_world.db):
        report = issue.report_pdf(admin, app_world.db, sub.id)
        text = _write(tmp_path, f"report-{sub.id}.pdf", report.pdf)
        assert not FORBIDDEN.findall(text), (sub.id, sub.status, FORBIDDEN.findall(text))
        seen += 1
    assert seen >= 5


def test_every_library_source_is_cleaned_of_paths_and_commits() -> None:
    """What the evaluator's detail shows: every source and note of the bundled library."""
    texts: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("source", "note", "clause") and isinstance(value, str):
                    texts.add(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for std in bundled_library().standards.values():
        walk(std.model_dump())
    assert len(texts) > 200
    left = re.compile(r"shared/|\.md\b|\.csv\b|\.xlsx\b|\bcommit\b|@ ?[0-9a-f]{7}\b")
    assert sorted(c for c in map(plain.clean_source, texts) if left.search(c)) == []
    assert (
        plain.clean_source(
            "third-party GitHub green-factory apps (shared/reference/green-factory.md §1.7)"
        )
        == "third-party GitHub green-factory apps"
    )
    assert plain.clean_clause("基本要求 (GB/T 36132-2018 text NOT FOUND)") == "基本要求"


def test_one_sentence_per_label_in_both_languages() -> None:
    assert plain.label_sentence("INFERRED", "zh", "tier_rule") == (
        "该等级规则尚无官方文本，采用本系统的推定规则。"
    )
    for label in Label:
        zh = plain.label_sentence(label, "zh", "tier_rule")
        en = plain.label_sentence(label, "en", "tier_rule")
        assert re.search(r"[\u4e00-\u9fff]", zh)
        assert not re.search(r"[\u4e00-\u9fff]", en)
        assert label.value not in zh
        assert label.value not in en
    assert len({plain.label_sentence(label, "zh") for label in Label}) == len(Label)
