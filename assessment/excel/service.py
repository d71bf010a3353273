"""Workbooks and stored submissions: import into a draft, export a submission.

Both go through the lifecycle services with the acting Principal, so roles, tenant isolation,
compare-and-set versions and the audit log apply exactly as in the app. An import is checked
whole before anything is written; then the answers are one `save_answers` (all rows or none), the
activity data one `save_activity`, and evidence notes become comments on their items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assessment import submissions
from assessment.accounts.principal import Clock, Principal
from assessment.errors import InvalidInput
from assessment.excel.export import export_workbook
from assessment.excel.reader import WorkbookImport, read_workbook
from assessment.excel.template import build_template
from assessment.excel.writer import Filled
from assessment.storage.db import Database, utcnow
from assessment.submissions import activity as activity_service
from standards import Library, Standard, bundled_library
from standards.problems import Problem

NOTE_PREFIX = "证据说明 Evidence note: "


class WorkbookRejected(InvalidInput):
    """A workbook with problems: nothing was saved. `report` holds every located problem, and
    `problems` are they; `str()` and `text(lang)` name each one's sheet, row and column."""

    def __init__(self, report: WorkbookImport) -> None:
        self.report = report
        super().__init__(report.problems)


@dataclass(frozen=True)
class ImportOutcome:
    submission: submissions.SubmissionView
    report: WorkbookImport
    answers_saved: int
    gates_saved: int
    notes_added: int
    activity_year: int | None = None  # the year of activity data stored
    computed: list[str] = field(default_factory=list)  # items valued from the activity data
    not_stored: list[Problem] = field(default_factory=list)  # what the database has no place for


def _read_for(
    actor: Principal, db: Database, submission_id: int, data: bytes, valid_rows_only: bool
) -> tuple[submissions.SubmissionView, Standard, WorkbookImport]:
    view = submissions.get_submission(actor, db, submission_id)
    with db.read() as session:
        standard, scales = submissions.snapshot_standard(session, view.standard_sha256)
    report = read_workbook(
        data,
        standard=standard,
        scales=scales,
        profile=view.profile,
        industry_type=view.industry_type,
        valid_rows_only=valid_rows_only,
    )
    return view, standard, report


def check_for_submission(
    actor: Principal,
    db: Database,
    submission_id: int,
    data: bytes,
    *,
    valid_rows_only: bool = False,
) -> WorkbookImport:
    """What importing `data` into the submission would read, and every problem; saves nothing
    (an upload's preview). Checked against the submission's snapshot, profile and industry type."""
    return _read_for(actor, db, submission_id, data, valid_rows_only)[2]


@dataclass(frozen=True)
class AnswerChange:
    """One answer an import would write: `kind` "item" or "gate", the stored value (None when
    unanswered) and the workbook's."""

    kind: str
    key: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ImportPreview:
    """What importing a workbook would do to a submission, computed without saving anything.

    `version` is the submission's version the preview was made against: import with it as the
    expected version, so that anything saved in between is a Conflict instead of being overwritten
    unseen. `changes` lists the answers that would be written with a different value (new ones
    included); `unchanged` counts the workbook's answers equal to the stored ones. Blank cells are
    not in the workbook's answers, so they change nothing.
    """

    report: WorkbookImport
    version: int
    status: str
    changes: list[AnswerChange]
    unchanged: int

    @property
    def added(self) -> int:
        return sum(1 for c in self.changes if c.before is None)

    @property
    def modified(self) -> int:
        return sum(1 for c in self.changes if c.before is not None)


def preview_import(
    actor: Principal,
    db: Database,
    submission_id: int,
    data: bytes,
    *,
    valid_rows_only: bool = False,
) -> ImportPreview:
    """`check_for_submission` plus the answers the import would change (the app's upload
    preview); saves nothing."""
    view, _, report = _read_for(actor, db, submission_id, data, valid_rows_only)
    changes: list[AnswerChange] = []
    unchanged = 0
    document = report.document or {}
    for kind, stored, given in (
        ("item", view.answers, document.get("answers") or {}),
        ("gate", view.gates, document.get("gates") or {}),
    ):
        for key, value in given.items():
            before = stored.get(key)
            if before == value:
                unchanged += 1
            else:
                changes.append(AnswerChange(kind, key, before, value))
    return ImportPreview(report, view.version, view.status, changes, unchanged)


def template_for_submission(
    actor: Principal, db: Database, submission_id: int, *, lang: str = "zh"
) -> bytes:
    """The blank questionnaire of a submission: its snapshot of the standard, its profile and
    industry type (the app's download button on a draft)."""
    view = submissions.get_submission(actor, db, submission_id)
    with db.read() as session:
        standard, _ = submissions.snapshot_standard(session, view.standard_sha256)
    kinds = [t.value for t in standard.industry_types]
    industry = view.industry_type if view.industry_type in kinds else None
    return build_template(standard, view.profile, industry, lang)


def import_into_submission(
    actor: Principal,
    db: Database,
    submission_id: int,
    data: bytes,
    *,
    expected_version: int | None = None,
    valid_rows_only: bool = False,
    clock: Clock = utcnow,
) -> ImportOutcome:
    """Import a filled workbook into a draft (or returned) submission, as `actor`.

    The workbook must be made for the submission's standard and edition; the answers are checked
    against the submission's own snapshot of the standard. Blank cells leave stored answers as
    they are (so several departments' copies can be imported one after another). With problems,
    WorkbookRejected is raised and nothing is saved — unless `valid_rows_only` and every problem
    is confined to a row. `expected_version` defaults to the version read here.
    """
    view, standard, report = _read_for(actor, db, submission_id, data, valid_rows_only)
    if not report.usable(valid_rows_only) or report.document is None:
        raise WorkbookRejected(report)
    answers = dict(report.document.get("answers") or {})
    gates = report.document.get("gates") or {}
    computed: list[str] = []
    if report.activity:
        # As the app's carbon page does: an item computed from carbon accounting whose row gives
        # the sector baseline / leading but leaves the value blank takes the computed figure.
        carbon, problems = activity_service.account_data(report.activity)
        if carbon is None:  # read_workbook accounted it already; this is a broken factor library
            raise InvalidInput(problems)
        for item_id, value in activity_service.green_answers(standard, carbon, answers).items():
            given = answers.get(item_id)
            if (
                isinstance(given, Mapping)
                and "products" not in given
                and given.get("value") is None
            ):
                answers[item_id] = value
                computed.append(item_id)
    version = view.version if expected_version is None else expected_version
    saved = submissions.save_answers(
        actor, db, submission_id, expected_version=version, answers=answers, gates=gates,
        clock=clock,
    )  # fmt: skip
    year = None
    if report.activity:
        year = activity_service.save_activity(
            actor, db, submission_id, report.activity, clock=clock
        ).year
    notes_added = 0
    if report.notes:
        existing = {
            (c.item_id, c.body) for c in submissions.list_comments(actor, db, submission_id)
        }
        items = {i.id for i in standard.items}
        for key, note in sorted(report.notes.items()):
            if key in report.skipped:
                continue
            on_item = key if key in items else None
            body = NOTE_PREFIX + (note if on_item else f"[{key}] {note}")
            if (on_item, body) in existing:
                continue
            submissions.add_comment(
                actor, db, submission_id, body=body, item_id=on_item, clock=clock
            )
            notes_added += 1
    not_stored = []
    if report.document.get("related_results"):
        not_stored.append(Problem((), "excel.related_not_stored"))
    return ImportOutcome(
        submissions.get_submission(actor, db, submission_id) if (notes_added or year) else saved,
        report,
        len(answers),
        len(gates),
        notes_added,
        year,
        computed,
        not_stored,
    )


def _latest_decisions(
    decisions: list[submissions.DecisionView],
) -> tuple[dict[tuple[str, str], tuple[str, str | None]], dict[tuple[str, str], Any]]:
    if not decisions:
        return {}, {}
    last = max(d.review_round for d in decisions)
    shown: dict[tuple[str, str], tuple[str, str | None]] = {}
    adjusted: dict[tuple[str, str], Any] = {}
    for d in decisions:
        if d.review_round != last:
            continue
        shown[(d.kind, d.key)] = (d.decision, d.reason)
        if d.decision == "adjust":
            adjusted[(d.kind, d.key)] = d.value
    return shown, adjusted


def export_submission(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    library: Library | None = None,
    lang: str = "zh",
) -> bytes:
    """A stored submission as a workbook: answers, self-assessed and evaluated results, per-item
    points, decisions of the latest review round, gates and receipts. Only what `actor` may see."""
    library = library or bundled_library()
    view = submissions.get_submission(actor, db, submission_id)
    with db.read() as session:
        standard, _ = submissions.snapshot_standard(session, view.standard_sha256)
    document: dict[str, Any] = {
        "firm": view.organisation_name,
        "standard": view.standard_id,
        "edition": view.edition,
        "profile": view.profile,
        "answers": dict(sorted(view.answers.items())),
        "gates": dict(sorted(view.gates.items())),
    }
    if view.industry_type:
        document["industry_type"] = view.industry_type
    self_result: Mapping[str, Any] | None = view.self_result
    if self_result is None:
        try:
            self_result = submissions.preview(actor, db, submission_id).to_dict()
        except InvalidInput:
            self_result = None
    decisions, adjusted = _latest_decisions(submissions.list_decisions(actor, db, submission_id))
    evaluated = None
    if adjusted or view.final_result is not None or decisions:
        evaluated = {
            **document,
            "answers": {
                **document["answers"],
                **{k: v for (kind, k), v in adjusted.items() if kind == "item"},
            },
            "gates": {
                **document["gates"],
                **{k: v for (kind, k), v in adjusted.items() if kind == "gate"},
            },
        }
    notes = {
        c.item_id: c.body.removeprefix(NOTE_PREFIX)
        for c in submissions.list_comments(actor, db, submission_id)
        if c.item_id and c.body.startswith(NOTE_PREFIX)
    }
    summary: list[tuple[str, str, Any]] = [
        ("企业", "Firm", view.organisation_name),
        ("申报编号", "Submission", view.id),
        ("状态", "Status", view.status),
        ("版本", "Version", view.version),
        ("创建时间", "Created", view.created_at.strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if view.submitted_at:
        summary.append(("提交时间", "Submitted", view.submitted_at.strftime("%Y-%m-%d %H:%M UTC")))
    if view.decided_at:
        summary.append(("决定时间", "Decided", view.decided_at.strftime("%Y-%m-%d %H:%M UTC")))
    if view.synthetic:
        summary.append(("合成数据", "Synthetic", "是 yes — not a real firm"))
    stored = activity_service.latest_activity(actor, db, submission_id)
    filled = Filled(
        document=document,
        evaluated=evaluated,
        self_result=self_result,
        final_result=view.final_result,
        decisions=decisions,
        activity=stored.data if stored is not None else None,
        notes=notes,
        summary=summary,
    )
    return export_workbook(standard, filled, library=library, lang=lang)
