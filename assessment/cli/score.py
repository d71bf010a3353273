"""`zhizao score ANSWERS` and `zhizao score --batch FILE`."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from assessment.cli.batch import read_rows, score_to
from assessment.cli.output import fail, print_json
from scoring import AnswerError, Result, parse_answers, score
from standards import DocumentError, Library, bundled_library
from standards.yamlsafe import parse_file


def register(sub: Any) -> None:
    cmd = sub.add_parser(
        "score",
        help="score an answers file (or many with --batch)",
        description="Score answers against a standard. Exit 1 on bad input, naming the item.",
    )
    cmd.add_argument("answers", nargs="?", type=Path, help="answers file (YAML or JSON)")
    cmd.add_argument("--standard", help="standard id, when the answers do not name one")
    cmd.add_argument("--profile", help="profile (target tier), overriding the answers file")
    cmd.add_argument("--json", action="store_true", help="print the full result as JSON")
    cmd.add_argument(
        "--activity",
        type=Path,
        metavar="FILE",
        help="a year of energy data: items computed from carbon accounting take their values from it",
    )
    cmd.add_argument("--batch", type=Path, metavar="FILE", help="JSONL, CSV or a folder of files")
    cmd.add_argument("--out", type=Path, help="batch output file (default: standard output)")
    cmd.add_argument("--format", choices=("csv", "jsonl"), help="batch output format")
    cmd.add_argument("--workers", type=int, help="batch worker processes (default: up to 2)")
    cmd.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if args.batch is not None:
        return _batch(args)
    if args.answers is None:
        return fail("give an answers file, or --batch FILE")
    # Imported here: a batch needs neither, and its start-up counts against every batch run.
    from assessment.cli.carbon import read_carbon  # noqa: PLC0415
    from scoring.carbon import green_figures  # noqa: PLC0415
    from scoring.crosswalk import derived_views  # noqa: PLC0415

    library = bundled_library()
    try:
        data = parse_file(args.answers).data
    except DocumentError as exc:
        return fail("\n".join(str(i) for i in exc.issues))
    if not isinstance(data, dict):
        return fail(f"{args.answers}: expected a mapping with `standard` and `answers`")
    standard_id = data.get("standard") or args.standard
    if not standard_id:
        return fail(f"{args.answers}: no `standard` in the file; pass --standard ID")
    if args.standard and data.get("standard") and args.standard != data["standard"]:
        return fail(
            f"--standard {args.standard} contradicts the file's standard {data['standard']}"
        )
    try:
        standard = library.standard(str(standard_id))
    except KeyError as exc:
        return fail(str(exc.args[0]))
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    try:
        answers = parse_answers(data, standard, scales, profile=args.profile)
    except AnswerError as exc:
        for problem in exc.problems:
            print(f"{args.answers}: {problem}", file=sys.stderr)
        return 1
    derived: dict[str, float] = {}
    if args.activity is not None:
        carbon, problems = read_carbon(args.activity)
        if carbon is None:
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1
        derived = green_figures(carbon)
    result = score(standard, answers, scales, derived=derived)
    result = dataclasses.replace(
        result, derived=derived_views(result, library.crosswalks, library.standards)
    )
    if args.json:
        print_json(result.to_dict())
    else:
        print_summary(result, library)
    return 0


def _batch(args: argparse.Namespace) -> int:
    source: Path = args.batch
    if not source.exists():
        return fail(f"{source}: no such file or folder")
    fmt = args.format or ("csv" if args.out and args.out.suffix.lower() == ".csv" else "jsonl")
    defaults = {"standard": args.standard, "profile": args.profile}
    rows = read_rows(source)
    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as handle:
            ok, errors = score_to(rows, defaults, handle, fmt, args.workers)
    else:
        ok, errors = score_to(rows, defaults, sys.stdout, fmt, args.workers)
    print(f"scored {ok} firm(s); {errors} row(s) with errors", file=sys.stderr)
    return 0 if errors == 0 else 1


def print_summary(result: Result, library: Library) -> None:
    std = library.standard(result.standard_id)
    tiers = {t.id: t.name for t in std.tiers}
    profile = next(p for p in std.profiles if p.id == result.profile)
    print(f"{std.title.zh} / {std.title.en}")
    industry = f" · {result.industry_type}" if result.industry_type else ""
    print(f"{std.id} {std.edition} · 目标 profile {profile.id} ({profile.name.zh}){industry}")
    percent = f" ({result.percent:.1f}%)" if result.percent is not None else ""
    print(f"总分 Total: {result.total:g} / {result.max_total:g}{percent}")
    print(
        f"完整 Complete: {'是 yes' if result.complete else f'否 no — {len(result.missing)} mandatory item(s) unanswered'}"
    )
    if result.missing:
        print(
            f"  missing: {', '.join(result.missing[:12])}{' …' if len(result.missing) > 12 else ''}"
        )
    if result.method == "maturity":
        print(f"成熟度 Level: {result.level} · maturity score {result.maturity_score:g}")
        for level in result.levels:
            shown = f"{level.score:g}" if level.score is not None else "—"
            print(f"  L{level.level}: {shown} {'passed' if level.passed else ''}")
    elif std.tiers:
        reached = tiers.get(result.tier or "")
        label = f"{result.tier} {reached.zh} / {reached.en}" if reached else "none 未达到"
        print(f"达到等级 Tier reached: {label}")
    if result.next_tier:
        nxt = result.next_tier
        print(f"下一等级 Next: {nxt.tier} — {nxt.message}")
        for up in nxt.upgrades[:10]:
            print(f"  {up.item}: {up.current} → {up.to} (+{up.points_gain:g}, effort {up.effort})")
        if len(nxt.upgrades) > 10:
            print(f"  … {len(nxt.upgrades) - 10} more (see --json)")
    for violation in result.violations:
        print(f"依赖规则 Rule {violation.id}: {violation.message}")
    if result.gates:
        state = {True: "通过 pass", False: "未通过 FAIL", None: "待定 open"}
        print("准入条件 Gates:")
        for gate in result.gates:
            print(f"  [{state[gate.passed]}] {gate.id}: {gate.message} ({gate.clause})")
    if result.gaps:
        top = ", ".join(f"{g.item} −{g.points_lost:g}" for g in result.gaps[:5])
        print(f"最大差距 Largest gaps: {top}")
    for view in result.derived:
        covered = ", ".join(
            f"{n.name_zh} {n.percent:.0f}%" for n in view.nodes[:6] if n.percent is not None
        )
        print(
            f"派生 Derived ({view.label}) {view.standard}: {covered}{' …' if len(view.nodes) > 6 else ''}"
        )
    if result.flags:
        print("非官方编码 Unofficial encodings used:")
        for flag in result.flags:
            print(f"  {flag.what}: {flag.label}")
    receipt = result.receipt
    print(
        f"回执 Receipt: standard sha256 {receipt.standard_sha256[:16]}… · answers sha256 "
        f"{receipt.answers_sha256[:16]}… · engine {receipt.engine_version}"
    )
