"""Workbooks and stored submissions, on SQLite and PostgreSQL: an import goes through the lifecycle
services (roles, tenant isolation, versions, audit log) and saves all or nothing; an export shows
only what the actor may see and can be imported again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES
from excel_support import canonical, column_of, fill, find_row, open_book, set_cell
from lifecycle_support import *  # noqa: F403 - fixtures
from lifecycle_support import World, snapshot

from assessment import submissions
from assessment.accounts import audit
from assessment.cli.main import main
from assessment.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from assessment.excel import build_template
from assessment.excel.reader import item_of, read_workbook
from assessment.excel.service import (
    NOTE_PREFIX,
    WorkbookRejected,
    check_for_submission,
    export_submission,
    import_into_submission,
    preview_import,
    template_for_submission,
)
from assessment.submissions import activity


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


def draft(world: World, standard: str, profile: str, industry: str | None = None) -> int:
    return submissions.create_submission(
        world.ent_a, world.db, org_id=world.org_a, standard_id=standard, profile=profile,
        industry_type=industry, clock=world.clock,
    ).id  # fmt: skip


def test_import_into_a_draft(world: World) -> None:
    sid = draft(world, "gbt36132-2025", "self-evaluation")
    document = example("green-self-evaluation-2025.yaml")
    data = fill(
        build_template("gbt36132-2025"),
        document,
        activity=example("activity-discrete-2025.yaml"),
        notes={"water-reuse": "中水回用台账 2025", "permitted-emissions": "排污许可证"},
    )
    before = submissions.get_submission(world.ent_a, world.db, sid)
    outcome = import_into_submission(world.ent_a, world.db, sid, data, clock=world.clock)
    view = outcome.submission
    assert view.version == before.version + 1  # one save of the answers
    assert outcome.answers_saved == len(document["answers"])
    assert outcome.gates_saved == len(document["gates"])
    assert outcome.activity_year == 2025
    assert outcome.computed == ["energy-intensity", "carbon-intensity", "renewable-share"]
    assert view.answers["water-reuse"] == document["answers"]["water-reuse"]
    assert view.answers["energy-intensity"]["baseline"] == 70  # kept, value computed
    assert isinstance(view.answers["energy-intensity"]["value"], float)
    assert view.gates == document["gates"]
    stored = activity.latest_activity(world.ent_a, world.db, sid)
    assert stored is not None
    assert stored.data == example("activity-discrete-2025.yaml")
    comments = {(c.item_id, c.body) for c in submissions.list_comments(world.ent_a, world.db, sid)}
    assert ("water-reuse", NOTE_PREFIX + "中水回用台账 2025") in comments
    assert (None, NOTE_PREFIX + "[permitted-emissions] 排污许可证") in comments
    actions = [e.action for e in audit.audit_trail(world.admin, world.db, submission_id=sid)]
    assert actions[-5:] == [
        "submission.create",
        "answers.save",
        "activity.save",
        "comment.public",
        "comment.public",
    ]
    # the same workbook again: no duplicate notes
    again = import_into_submission(world.ent_a, world.db, sid, data, clock=world.clock)
    assert again.notes_added == 0


def test_problems_save_nothing(world: World) -> None:
    sid = draft(world, "zj-future-factory", "sf", "discrete")

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")

    data = fill(
        build_template("zj-future-factory", "sf", "discrete"),
        example("ff-discrete-smart-factory.yaml"),
        edit=spoil,
    )
    before = snapshot(world.db)
    with pytest.raises(WorkbookRejected) as caught:
        import_into_submission(world.ent_a, world.db, sid, data, clock=world.clock)
    [problem] = caught.value.problems
    assert problem.code == "excel.not_an_option"
    assert "column 答案 Answer: answers.FF-001: 'G' is not an option" in str(problem)
    assert str(problem) in str(caught.value)  # the error's English names the sheet and row
    assert caught.value.text("zh").startswith(f"工作表“{problem.sheet}”第{problem.line}行")
    assert snapshot(world.db) == before

    outcome = import_into_submission(
        world.ent_a, world.db, sid, data, valid_rows_only=True, clock=world.clock
    )
    assert outcome.report.skipped == ["FF-001"]
    assert "FF-001" not in outcome.submission.answers
    assert outcome.submission.answers["FF-002"] == "C"


def test_a_workbook_for_another_standard_is_refused(world: World) -> None:
    sid = draft(world, "gbt36132-2025", "self-evaluation")
    data = fill(build_template("gbt36132-2018"), {"standard": "gbt36132-2018"})
    before = snapshot(world.db)
    with pytest.raises(WorkbookRejected) as caught:
        import_into_submission(world.ent_a, world.db, sid, data, valid_rows_only=True)
    assert [str(p) for p in caught.value.problems] == [
        "this workbook was made for gbt36132-2018 edition 2018, but the answers are for "
        "gbt36132-2025 — download the template of gbt36132-2025"
    ]
    assert snapshot(world.db) == before


def test_roles_tenants_states_and_versions(world: World) -> None:
    sid = draft(world, "zj-future-factory", "sf", "discrete")
    data = fill(
        build_template("zj-future-factory", "sf", "discrete"),
        example("ff-discrete-smart-factory.yaml"),
    )
    before = snapshot(world.db)
    with pytest.raises(NotFound):  # another firm sees nothing of it
        import_into_submission(world.ent_b, world.db, sid, data)
    with pytest.raises(NotFound):  # an evaluator not assigned to it
        import_into_submission(world.eval_1, world.db, sid, data)
    with pytest.raises(PermissionDenied):  # administrators do not answer for firms
        import_into_submission(world.admin, world.db, sid, data)
    version = submissions.get_submission(world.ent_a, world.db, sid).version
    with pytest.raises(Conflict):
        import_into_submission(world.ent_a, world.db, sid, data, expected_version=version - 1)
    assert snapshot(world.db) == before

    submitted = world.submission("submitted")
    answers = fill(
        build_template("gbt37393-2019"),
        {"standard": "gbt37393-2019", "answers": {"production-safety": False}},
    )
    before = snapshot(world.db)
    with pytest.raises(InvalidTransition):
        import_into_submission(world.ent_a, world.db, submitted, answers)
    assert snapshot(world.db) == before


def test_blank_cells_keep_stored_answers(world: World) -> None:
    """Two departments fill their own rows in copies; importing both gives all the answers."""
    sid = draft(world, "zj-future-factory", "sf", "discrete")
    document = example("ff-discrete-smart-factory.yaml")
    answers = list(document["answers"].items())
    template = build_template("zj-future-factory", "sf", "discrete")
    first = {**document, "answers": dict(answers[:30]), "gates": {}}
    second = {**document, "answers": dict(answers[30:])}
    import_into_submission(world.ent_a, world.db, sid, fill(template, first))
    view = import_into_submission(world.ent_a, world.db, sid, fill(template, second)).submission
    assert view.answers == document["answers"]


def test_export_of_an_approved_submission(world: World) -> None:
    sid = world.submission("in_review")
    submissions.decide_item(
        world.eval_1, world.db, sid, key="vertical-integration", decision="adjust", value=False,
        reason="现场核查：系统未集成", expected_version=world.version(sid), clock=world.clock,
    )  # fmt: skip
    submissions.accept_remaining(world.eval_1, world.db, sid, expected_version=world.version(sid))
    submissions.approve(world.eval_1, world.db, sid, expected_version=world.version(sid))
    data = export_submission(world.eval_1, world.db, sid)
    book = open_book(data)
    summary = book["结果汇总"]
    rows = {
        summary.cell(row=r, column=1).value: (
            summary.cell(row=r, column=2).value,
            summary.cell(row=r, column=3).value,
        )
        for r in range(3, summary.max_row + 1)
    }
    assert rows["状态 Status"][0] == "approved"
    own, final = rows["总分 Total"]
    assert final < own  # the adjustment cost points
    sheet, row = find_row(book, "vertical-integration")
    assert sheet.cell(row=row, column=column_of(sheet, "答案")).value == "是"
    assert sheet.cell(row=row, column=column_of(sheet, "评审答案")).value == "否"
    assert sheet.cell(row=row, column=column_of(sheet, "评审意见")).value == "调整 adjusted"
    assert sheet.cell(row=row, column=column_of(sheet, "评审理由")).value == "现场核查：系统未集成"
    view = submissions.get_submission(world.admin, world.db, sid)
    report = read_workbook(data)
    assert report.problems == []
    stored = {**report.document, "answers": view.answers, "gates": view.gates}
    assert canonical(report.document) == canonical(stored)
    with pytest.raises(NotFound):
        export_submission(world.ent_b, world.db, sid)


def test_export_of_a_draft_shows_its_live_score(world: World) -> None:
    sid = world.submission("draft")
    book = open_book(export_submission(world.ent_a, world.db, sid))
    summary = book["结果汇总"]
    labels = [summary.cell(row=r, column=1).value for r in range(1, summary.max_row + 1)]
    assert "总分 Total" in labels
    sheet, row = find_row(book, "mes-or-equivalent")
    assert sheet.cell(row=row, column=column_of(sheet, "自评得分")).value is not None


def test_cli_import_and_export(
    world: World, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sid = draft(world, "zj-future-factory", "sf", "discrete")
    workbook = tmp_path / "filled.xlsx"
    workbook.write_bytes(
        fill(
            build_template("zj-future-factory", "sf", "discrete"),
            example("ff-discrete-smart-factory.yaml"),
            notes={"FF-001": "应用清单"},
        )
    )
    url = ["--database-url", db_url]
    code = main(
        ["import", str(workbook), "--org", str(world.org_b), "--submission", str(sid), *url]
    )
    assert code == 1
    assert f"submission {sid} not found — nothing was saved" in capsys.readouterr().err
    code = main(
        ["import", str(workbook), "--org", str(world.org_a), "--submission", str(sid), *url]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"saved 71 answer(s) and 6 gate answer(s) into submission {sid} (draft" in out
    assert "1 evidence note(s) added as comments" in out
    entry = audit.audit_trail(world.admin, world.db, submission_id=sid)[-2]
    assert (entry.action, entry.actor) == (
        "answers.save",
        f"system:cli excel import for organisation {world.org_a}",
    )
    exported = tmp_path / "export.xlsx"
    assert main(["export", str(sid), "--out", str(exported), *url]) == 0
    assert f"submission {sid}" in capsys.readouterr().out
    report = read_workbook(exported.read_bytes())
    assert canonical(report.document) == canonical(example("ff-discrete-smart-factory.yaml"))
    assert report.notes == {"FF-001": "应用清单"}


def test_template_and_preview_for_a_submission(world: World) -> None:
    sid = draft(world, "zj-future-factory", "sf", "discrete")
    data = template_for_submission(world.ent_a, world.db, sid)
    book = open_book(data)
    with pytest.raises(KeyError):
        find_row(book, "FF-004-P")  # the firm is discrete
    sheet, _row = find_row(book, "FF-004-D")
    assert sheet.title == "1 赋能保障"
    with pytest.raises(NotFound):
        template_for_submission(world.ent_b, world.db, sid)

    def spoil(book: Any) -> None:
        set_cell(book, "FF-001", "答案", "G")

    filled = fill(data, example("ff-discrete-smart-factory.yaml"), edit=spoil)
    before = snapshot(world.db)
    report = check_for_submission(world.ent_a, world.db, sid, filled)
    assert [item_of(p) for p in report.problems] == ["FF-001"]
    assert report.usable(valid_rows_only=True)
    assert snapshot(world.db) == before


def test_preview_lists_what_would_change_and_saves_nothing(world: World) -> None:
    sid = draft(world, "zj-future-factory", "sf", "discrete")
    document = example("ff-discrete-smart-factory.yaml")
    answers = list(document["answers"].items())
    template = template_for_submission(world.ent_a, world.db, sid)
    import_into_submission(
        world.ent_a, world.db, sid, fill(template, {**document, "answers": dict(answers[:10])})
    )
    stored = submissions.get_submission(world.ent_a, world.db, sid)
    first, value = answers[0]
    changed = "A" if value != "A" else "B"  # FF-001 is a choice item

    def edit(book: Any) -> None:
        set_cell(book, first, "答案", changed)

    data = fill(template, {**document, "answers": dict(answers[:20]), "gates": {}}, edit=edit)
    before = snapshot(world.db)
    preview = preview_import(world.ent_a, world.db, sid, data)
    assert snapshot(world.db) == before
    assert preview.version == stored.version
    assert preview.status == "draft"
    assert preview.unchanged == 9  # the other nine of the first ten
    assert preview.added == 10  # the next ten are new
    assert preview.modified == 1
    [modified] = [c for c in preview.changes if c.before is not None]
    assert (modified.kind, modified.key, modified.before, modified.after) == (
        "item",
        first,
        value,
        changed,
    )
    assert [c.key for c in preview.changes if c.before is None] == [k for k, _ in answers[10:20]]
    with pytest.raises(NotFound):  # another firm learns nothing
        preview_import(world.ent_b, world.db, sid, data)
    # importing with the previewed version works; a save in between is a conflict
    view = submissions.save_answers(
        world.ent_a, world.db, sid, expected_version=preview.version, gates={"legal-form": True}
    )
    with pytest.raises(Conflict):
        import_into_submission(world.ent_a, world.db, sid, data, expected_version=preview.version)
    assert submissions.get_submission(world.ent_a, world.db, sid).version == view.version
