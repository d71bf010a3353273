"""`zhizao benchmark` — where a firm stands among its peers (or a cohort's figures, no firm).

    zhizao benchmark --org ID [--standard S] [--edition E] [--year Y]
                     [--industry C] [--region R] [--size S] [--include-self] [--json | --csv]
    zhizao benchmark [--standard S] --industry 36 --region 330200     (provincial view)
    zhizao benchmark --rebuild                                        (rewrite benchmark_facts)

The command line acts as the local operator (an administrator): it may look at any cohort. The
figures, the k = 5 / differencing rule and the refresh point they are counted at (the last
midnight, China time) are the same as on the page (docs/benchmark.md).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import Any

from assessment.accounts.principal import Principal
from assessment.benchmark import store as benchmark_store
from assessment.benchmark.service import Query, cohort_benchmark, csv_text, firm_benchmark, lattice
from assessment.cli.db import add_database_option, open_from_args
from assessment.cli.output import fail, print_json
from assessment.errors import InvalidInput, LifecycleError
from assessment.storage.db import CHINA
from scoring.benchmark import Benchmark, Cohort, Figure, Metric

OPERATOR = Principal.system("cli")


def register(sub: Any) -> None:
    cmd = sub.add_parser(
        "benchmark",
        help="a firm's position among its peers (percentiles, quartiles, carbon)",
        description="Percentile rank, quartiles and spread of a cohort, for the total and every "
        "domain, carbon intensity L with the K grade, and the intelligence × carbon quadrant. "
        "Cohorts under 5 firms, or that differ from another cohort by 1–4 firms, are not shown.",
    )
    add_database_option(cmd)
    cmd.add_argument("--org", type=int, metavar="ID", help="the firm (organisation id)")
    cmd.add_argument("--standard", metavar="S", help="standard id (default: the newest result)")
    cmd.add_argument("--edition", metavar="E")
    cmd.add_argument("--year", type=int, metavar="Y", help="year of the results (China time)")
    cmd.add_argument("--industry", metavar="C", help="GB/T 4754 division (36) or group (367)")
    cmd.add_argument(
        "--region", metavar="R", help="GB/T 2260 province (330000), city (330200) or county"
    )
    cmd.add_argument("--size", metavar="S", help="size class: large, medium, small or micro")
    cmd.add_argument(
        "--include-self",
        action="store_true",
        help="count self-assessments too (marked as such); approved results only by default",
    )
    cmd.add_argument("--metric", choices=[m.value for m in Metric], help="maturity figure")
    output = cmd.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON")
    output.add_argument("--csv", action="store_true", help="print the aggregate figures as CSV")
    cmd.add_argument(
        "--rebuild",
        action="store_true",
        help="rewrite the benchmark rows from the submissions, then stop",
    )
    cmd.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    db = open_from_args(args)
    try:
        if args.rebuild:
            written = benchmark_store.rebuild(db)
            print(f"benchmark rows rebuilt: {written}")
            return 0
        rebuilt = benchmark_store.ensure(db)
        if rebuilt is not None:
            print(f"(benchmark rows were out of step; rebuilt {rebuilt})", file=sys.stderr)
        query = Query(
            standard=args.standard, edition=args.edition, year=args.year,
            industry=args.industry, region=args.region, size=args.size,
            include_self=args.include_self, metric=Metric(args.metric) if args.metric else None,
        )  # fmt: skip
        if args.org is not None:
            result = firm_benchmark(OPERATOR, db, args.org, query)
        else:
            result = cohort_benchmark(OPERATOR, db, query)
    except InvalidInput as exc:
        return fail("\n".join(str(p) for p in exc.problems))
    except LifecycleError as exc:
        return fail(str(exc))
    finally:
        db.dispose()
    if args.json:
        print_json(result.to_dict())
    elif args.csv:
        sys.stdout.write(csv_text(result, "en"))
    else:
        print(render(result, with_firm=args.org is not None))
    return 0


def _n(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _flags(cohort: Cohort) -> str:
    parts = []
    for flag, value in (
        ("--industry", cohort.industry),
        ("--region", cohort.region),
        ("--size", cohort.size),
    ):
        if value is not None:
            parts.append(f"{flag} {value}")
    if cohort.include_self:
        parts.append("--include-self")
    return " ".join(parts) or "(no filters)"


def _cohort_text(cohort: Cohort) -> str:
    lat = lattice()
    parts = []
    if cohort.industry:
        parts.append(f"{lat.industry.key(cohort.industry)} {cohort.industry}")
    if cohort.region:
        parts.append(f"{lat.region.key(cohort.region)} {cohort.region}")
    if cohort.size:
        parts.append(f"size {cohort.size}")
    parts.append("approved + self-assessed" if cohort.include_self else "approved")
    return " · ".join(parts if len(parts) > 1 else ["all firms", *parts])


def _width(text: str) -> int:
    """Columns a text takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    while _width(text) > width:
        text = text[:-1]
    return text + " " * (width - _width(text))


def _row(label: str, figure: Figure, digits: int = 1) -> str:
    d = figure.distribution
    if d is None:
        reason = figure.suppression.reason.value if figure.suppression.reason else "—"
        return f"  {_pad(label, 26)} not shown ({reason})"
    return (
        f"  {_pad(label, 26)} {d.n:>5} {_n(d.min, digits):>7} {_n(d.p25, digits):>7} "
        f"{_n(d.median, digits):>7} {_n(d.p75, digits):>7} {_n(d.max, digits):>7} "
        f"{_n(d.iqr, digits):>7} {_n(figure.firm, digits):>7} {_n(figure.percentile):>6}"
    )


def render(result: Benchmark, *, with_firm: bool = True) -> str:
    lines = [
        f"对标 Benchmark · {result.standard} {result.edition} · {result.year} · "
        f"{result.total.name.zh} / {result.total.name.en}",
        f"cohort: {_cohort_text(result.cohort)}",
    ]
    if result.as_of is not None:
        local = result.as_of.astimezone(CHINA)
        lines.append(f"as of: {local:%Y-%m-%d %H:%M} China time (refreshed daily at midnight)")
    if result.suppressed:
        message = result.suppression.message
        lines += [
            f"suppressed ({result.suppression.reason}): {message.en if message else ''}",
            f"  {message.zh if message else ''}",
        ]
        wider = result.suppression.suggestion
        lines.append(
            f"suggested wider cohort: {_cohort_text(wider)}  → {_flags(wider)}"
            if wider
            else "no wider cohort can be shown"
        )
        return "\n".join(lines)
    lines.append(
        f"cohort_size {result.cohort_size} (synthetic {result.synthetic}, self-assessed "
        f"{result.self_assessed}); k = {result.k}"
        + ("; the firm is not a member" if with_firm and not result.firm_in_cohort else "")
    )
    header = (
        f"  {'figure':<26} {'n':>5} {'min':>7} {'P25':>7} {'median':>7} {'P75':>7} "
        f"{'max':>7} {'IQR':>7} {'firm':>7} {'pct':>6}"
    )
    lines += [header, _row("total", result.total)]
    for figure in result.domains:
        lines.append(_row(f"{figure.id} {figure.name.zh}", figure))
    lines.append(_row("L tCO2/万元 (lower=better)", result.carbon, 2))
    if result.tiers:
        lines.append("tiers: " + ", ".join(f"{k} {v}" for k, v in result.tiers.items()))
    quads = result.quadrants
    if not quads.suppression.suppressed and quads.metric_median is not None:
        lines.append(
            f"intelligence × carbon: split at {_n(quads.metric_median)} / L "
            f"{_n(quads.l_median, 2)}; firm: {quads.firm or '—'}; "
            + ", ".join(f"{k} {v}" for k, v in quads.counts.items())
        )
    grade = result.carbon_grade
    if grade is not None:
        if grade.sector_average_L is None:
            lines.append(
                f"K grade: not computed for division {grade.sector} ({grade.suppression.reason})"
            )
        else:
            lines.append(
                f"K grade: K = {_n(grade.K, 2)} → {grade.grade or '—'} "
                f"{grade.grade_name.zh if grade.grade_name else ''} (sector {grade.sector} "
                f"average L {_n(grade.sector_average_L, 3)}; method INFERRED, bands {grade.label})"
            )
    if with_firm and result.trajectory:
        lines.append(
            "trajectory: "
            + " → ".join(
                f"{m.year} {_n(m.metric)}{'*' if m.self_assessed else ''}"
                f" / L {_n(m.L, 2)}"
                + (f" ({m.metric_change:+.1f})" if m.metric_change is not None else "")
                for m in result.trajectory
            )
        )
    lines += [f"note: {n.en}" for n in result.notes]
    return "\n".join(lines)
