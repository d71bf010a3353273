"""`zhizao template`, `zhizao import` and `zhizao export`: offline questionnaires in Excel.

zhizao template STANDARD [--profile P] [--industry discrete|process] --out FILE.xlsx
zhizao import FILE.xlsx [--out ANSWERS.yaml | --org ID --submission ID] [--valid-rows-only]
zhizao export SUBMISSION --out FILE.xlsx
zhizao export --answers A.yaml [--evaluated B.yaml] [--activity ACT.yaml] --out FILE.xlsx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from assessment import submissions
from assessment.accounts.identity import principal_for
from assessment.accounts.principal import Principal, Role
from assessment.cli.db import add_database_option, open_from_args
from assessment.cli.output import fail, print_json
from assessment.errors import LifecycleError
from assessment.excel import layout as L
from assessment.excel.export import export_answers
from assessment.excel.reader import WorkbookImport, problem_dict, read_workbook
from assessment.excel.service import WorkbookRejected, export_submission, import_into_submission
from assessment.excel.template import TemplateError, build_template
from scoring import AnswerError
from scoring.carbon import CarbonInputError
from standards import DocumentError
from standards.problems import Problem
from standards.yamlsafe import parse_file

OPERATOR = Principal.system("cli")


def register(sub: Any) -> None:
    template = sub.add_parser(
        "template",
        help="write the Excel questionnaire (template) of a standard",
        description="An Excel workbook to fill offline: one sheet per element, one row per item "
        "with its descriptors and a drop-down of the valid answers, gates, products, carbon "
        "activity data and instructions (Chinese first, English beside). See docs/excel.md.",
    )
    template.add_argument(
        "standard", metavar="STANDARD", help="standard id, e.g. zj-future-factory"
    )
    template.add_argument("--profile", help="target (profile): only the items it asks")
    template.add_argument(
        "--industry", choices=("discrete", "process"), help="only the items of this industry type"
    )
    template.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="words of drop-downs and sheet names"
    )
    template.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    template.set_defaults(handler=_template)

    imp = sub.add_parser(
        "import",
        help="read a filled workbook: check it, write an answers file, or save into a draft",
        description="Read a filled zhizao workbook. Every problem is listed by sheet, row and item; "
        "nothing is written while there are problems, unless --valid-rows-only. Without --out or "
        "--submission the workbook is only checked.",
    )
    imp.add_argument("file", type=Path, metavar="FILE.xlsx")
    imp.add_argument("--out", type=Path, metavar="ANSWERS.yaml", help="write an answers file")
    imp.add_argument(
        "--activity-out",
        type=Path,
        metavar="ACTIVITY.yaml",
        help="where to write the activity data (default: beside --out, *-activity.yaml)",
    )
    imp.add_argument("--org", type=int, metavar="ID", help="the firm whose draft receives them")
    imp.add_argument("--submission", type=int, metavar="ID", help="the draft submission")
    imp.add_argument(
        "--user",
        type=int,
        metavar="ID",
        help="act as this account (default: the operator on behalf of the firm, audited so)",
    )
    imp.add_argument(
        "--valid-rows-only",
        action="store_true",
        help="import the rows without problems and skip the others (structural problems still stop it)",
    )
    imp.add_argument("--json", action="store_true", help="print the report as JSON")
    add_database_option(imp)
    imp.set_defaults(handler=_import)

    export = sub.add_parser(
        "export",
        help="export a submission (or answers files) with results to Excel for evaluators",
        description="Answers, self-assessed and evaluated results, per-item points, decisions, "
        "gates and receipts in the questionnaire's layout (the workbook can be imported again).",
    )
    export.add_argument("submission", nargs="?", type=int, metavar="SUBMISSION")
    export.add_argument("--answers", type=Path, metavar="A.yaml", help="the firm's answers file")
    export.add_argument(
        "--evaluated", type=Path, metavar="B.yaml", help="evaluator-reviewed answers"
    )
    export.add_argument("--activity", type=Path, metavar="ACT.yaml", help="a year of energy data")
    export.add_argument("--lang", choices=("zh", "en"), default="zh")
    export.add_argument("--out", type=Path, required=True, metavar="FILE.xlsx")
    add_database_option(export)
    export.set_defaults(handler=_export)


# --- template ---------------------------------------------------------------------------------------


def _template(args: argparse.Namespace) -> int:
    try:
        data = build_template(args.standard, args.profile, args.industry, args.lang)
    except TemplateError as exc:
        return fail(str(exc))
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KiB): {_describe(data)}")
    return 0


def _describe(data: bytes) -> str:
    import io  # noqa: PLC0415

    from openpyxl import load_workbook  # noqa: PLC0415

    meta = L.read_meta(load_workbook(io.BytesIO(data), read_only=False))
    items = sum(len(s.items) for s in meta.sheets_with(L.ITEMS))
    gates = sum(len(s.items) for s in meta.sheets_with(L.GATES))
    parts = [f"{meta.standard_id} {meta.edition}"]
    if meta.profile:
        parts.append(meta.profile)
    if meta.industry_type:
        parts.append(meta.industry_type)
    sheets = ", ".join(s.name for s in meta.sheets)
    return (
        f"{' · '.join(parts)} — {items} items on {len(meta.sheets_with(L.ITEMS))} sheet(s), "
        f"{gates} gate row(s); sheets: {sheets}; standard sha256 {meta.standard_sha256[:16]}…"
    )


# --- import ---------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> tuple[bytes | None, Problem | None]:
    if not path.is_file():
        return None, Problem((), "excel.no_such_file", file=str(path))
    size = path.stat().st_size
    if size > L.MAX_BYTES:  # refused before a byte is read
        megabytes = {"size_mb": round(size / 1024 / 1024, 1), "limit_mb": L.MAX_BYTES / 1024 / 1024}
        return None, Problem((), "excel.file_too_large", megabytes, file=str(path))
    return path.read_bytes(), None


def _report(path: Path, report: WorkbookImport, *, skipping: bool) -> None:
    label = "skipped" if skipping and not report.fatal else "error"
    for problem in report.problems:
        print(f"{path}: {label}: {problem}", file=sys.stderr)
    for warning in report.warnings:
        print(f"{path}: warning: {warning}", file=sys.stderr)


def _summary(report: WorkbookImport) -> str:
    counts = report.counts()
    parts = [f"{counts['answers']} answer(s)", f"{counts['gates']} gate answer(s)"]
    if counts["notes"]:
        parts.append(f"{counts['notes']} evidence note(s)")
    if report.activity:
        parts.append(
            f"activity data for {report.activity.get('year')} ({counts['energy']} energy line(s))"
        )
    meta = report.meta
    made = f" — {meta.standard_id} {meta.edition}" if meta else ""
    return ", ".join(parts) + made


def _import(args: argparse.Namespace) -> int:
    if args.submission is not None or args.org is not None:
        if args.submission is None or args.org is None:
            return fail("importing into the database needs both --org ID and --submission ID")
        if args.out is not None:
            return fail("give either --out ANSWERS.yaml or --org/--submission, not both")
        return _import_into_database(args)
    data, problem = _read_bytes(args.file)
    if data is None:
        return fail(str(problem))
    report = read_workbook(data, valid_rows_only=args.valid_rows_only)
    if args.json:
        print_json(_json(report))
    _report(args.file, report, skipping=args.valid_rows_only)
    if not report.usable(args.valid_rows_only) or report.document is None:
        print(
            f"{args.file}: {len(report.problems)} problem(s); nothing was written",
            file=sys.stderr,
        )
        return 1
    if args.out is None:
        print(f"{args.file}: ok — {_summary(report)} (checked only; nothing written)")
        return 0
    _write_answers(args.out, report, args.file)
    written = [str(args.out)]
    if report.activity:
        target = args.activity_out or args.out.with_name(f"{args.out.stem}-activity.yaml")
        header = f"# Activity data imported from {args.file.name}\n"
        target.write_text(header + _yaml(report.activity), encoding="utf-8")
        written.append(str(target))
    skipped = f"; skipped {len(report.skipped)} row(s) with problems" if report.problems else ""
    print(f"{args.file}: {_summary(report)} → {', '.join(written)}{skipped}")
    return 0


class _Dumper(yaml.SafeDumper):
    """Block mappings, one answer a line; flat lists and measures inline: FF-096: [A, D]."""


def _inline(dumper: yaml.SafeDumper, data: Any) -> yaml.Node:
    flat = all(
        not isinstance(v, dict | list) for v in (data.values() if isinstance(data, dict) else data)
    )
    if isinstance(data, dict):
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flat)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _inline)


class _Top(dict[str, Any]):
    """A mapping always written as a block (the sections of the answers file)."""


_Dumper.add_representer(
    _Top,
    lambda dumper, data: dumper.represent_mapping(
        "tag:yaml.org,2002:map", data.items(), flow_style=False
    ),
)
_Dumper.add_representer(dict, _inline)


def _yaml(data: Any) -> str:
    """YAML with the top level and its sections as blocks, answers one a line."""
    if isinstance(data, dict):
        data = _Top({k: _Top(v) if isinstance(v, dict) else v for k, v in data.items()})
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _write_answers(out: Path, report: WorkbookImport, source: Path) -> None:
    assert report.document is not None  # noqa: S101
    meta = report.meta
    lines = [f"# Imported from {source.name} by zhizao import"]
    if meta is not None:
        lines.append(
            f"# made from {meta.standard_id} edition {meta.edition} "
            f"(standard sha256 {meta.standard_sha256[:16]}…)"
        )
    lines.append(f"# Score it: zhizao score {out.name}")
    body = _yaml(report.document)
    notes = ""
    if report.notes:
        notes = "\n# 证据说明 Evidence notes (not part of the answers):\n" + "".join(
            f"#   {key}: {' '.join(text.split())}\n" for key, text in sorted(report.notes.items())
        )
    out.write_text("\n".join(lines) + "\n" + body + notes, encoding="utf-8")


def _json(report: WorkbookImport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "fatal": report.fatal,
        "problems": [problem_dict(p) for p in report.problems],
        "warnings": [problem_dict(p) for p in report.warnings],
        "skipped": report.skipped,
        "counts": report.counts(),
        "document": report.document,
        "activity": report.activity,
        "notes": report.notes,
    }


def _import_into_database(args: argparse.Namespace) -> int:
    data, problem = _read_bytes(args.file)
    if data is None:
        return fail(str(problem))
    db = open_from_args(args)
    try:
        if args.user is not None:
            actor = principal_for(db, args.user)
            if actor.org_id != args.org:
                return fail(f"account {args.user} is not a member of organisation {args.org}")
        else:
            actor = Principal(
                None,
                Role.ENTERPRISE,
                args.org,
                f"system:cli excel import for organisation {args.org}",
            )
        outcome = import_into_submission(
            actor, db, args.submission, data,
            valid_rows_only=args.valid_rows_only,
        )  # fmt: skip
    except WorkbookRejected as exc:
        if args.json:
            print_json(_json(exc.report))
        _report(args.file, exc.report, skipping=False)
        print(
            f"{args.file}: {len(exc.report.problems)} problem(s); nothing was saved",
            file=sys.stderr,
        )
        return 1
    except LifecycleError as exc:
        return fail(f"{args.file}: {exc} — nothing was saved")
    finally:
        db.dispose()
    report = outcome.report
    if args.json:
        print_json(_json(report))
    _report(args.file, report, skipping=True)
    view = outcome.submission
    print(
        f"{args.file}: saved {outcome.answers_saved} answer(s) and {outcome.gates_saved} gate "
        f"answer(s) into submission {view.id} ({view.status}, now version {view.version})"
    )
    if outcome.notes_added:
        print(f"  {outcome.notes_added} evidence note(s) added as comments on their items")
    if outcome.activity_year is not None:
        print(f"  activity data for {outcome.activity_year} stored with the submission")
    if outcome.computed:
        print(f"  computed from the activity data: {', '.join(outcome.computed)}")
    if report.problems:
        print(f"  skipped {len(report.skipped)} row(s) with problems: {', '.join(report.skipped)}")
    for what in outcome.not_stored:
        print(f"  not stored: {what.message()}")
    return 0


# --- export ----------------------------------------------------------------------------------------


def _load(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    try:
        data = parse_file(path).data
    except DocumentError as exc:
        return None, "\n".join(str(i) for i in exc.issues)
    if not isinstance(data, dict):
        return None, f"{path}: expected a mapping"
    return data, None


def _export(args: argparse.Namespace) -> int:
    if (args.submission is None) == (args.answers is None):
        return fail("give a SUBMISSION id, or --answers FILE (not both)")
    if args.submission is not None:
        if args.evaluated or args.activity:
            return fail("--evaluated and --activity go with --answers; a submission has its own")
        db = open_from_args(args)
        try:
            data = export_submission(OPERATOR, db, args.submission, lang=args.lang)
            view = submissions.get_submission(OPERATOR, db, args.submission)
        except LifecycleError as exc:
            return fail(str(exc))
        finally:
            db.dispose()
        args.out.write_bytes(data)
        totals = []
        for label, result in (
            ("self-assessed", view.self_result),
            ("evaluated", view.final_result),
        ):
            if result is not None:
                totals.append(f"{label} {result['total']:g} / {result['max_total']:g}")
        print(
            f"wrote {args.out} ({len(data) / 1024:.0f} KiB): submission {view.id} "
            f"({view.status}) of {view.organisation_name}, {view.standard_id} {view.profile}, "
            f"{len(view.answers)} answer(s)" + (f"; {', '.join(totals)}" if totals else "")
        )
        return 0
    documents: dict[str, dict[str, Any] | None] = {}
    for key in ("answers", "evaluated", "activity"):
        path = getattr(args, key)
        if path is None:
            documents[key] = None
            continue
        loaded, problem = _load(path)
        if loaded is None:
            return fail(problem or "")
        documents[key] = loaded
    answers = documents["answers"]
    assert answers is not None  # noqa: S101
    if not answers.get("standard"):
        return fail(f"{args.answers}: no `standard` in the file")
    try:
        data = export_answers(
            answers,
            evaluated=documents["evaluated"],
            activity=documents["activity"],
            lang=args.lang,
        )
    except AnswerError as exc:
        for answer_problem in exc.problems:
            print(f"error: {answer_problem}", file=sys.stderr)
        return 1
    except CarbonInputError as exc:
        return fail(f"{args.activity}: {exc}")
    except KeyError as exc:
        return fail(str(exc.args[0]))
    args.out.write_bytes(data)
    evaluated = " and the evaluated answers" if documents["evaluated"] else ""
    print(f"wrote {args.out} ({len(data) / 1024:.0f} KiB): {args.answers}{evaluated} with results")
    return 0
