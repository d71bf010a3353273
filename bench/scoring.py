"""Scoring speed and batch memory, measured and printed next to the issue's targets.

    .venv/bin/python bench/scoring.py                 # the full run (about a minute)
    .venv/bin/python bench/scoring.py --rows 2000 --memory-rows 20000   # a quick look

Targets (future-factory standard, this 2-core machine):
  * one assessment scores in under 5 ms;
  * 10,000 assessments batch-score (`zhizao score --batch`, the whole process) in under 3 s;
  * batch scoring streams: peak memory stays under 300 MB for 100,000 assessments.
The time to parse the same input and the ratio of the two are printed for comparison; they are
no target (a ratio target rewards a slower parser).

Timings are wall-clock and depend on what else the machine is doing, so the load average is printed
with each section and repeated runs are listed. Generated inputs live in a temporary folder.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path, and bench/scoring.py would shadow the
# `scoring` package: look the packages up from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment.cli.batch import read_rows, score_rows  # noqa: E402
from bench.make_answers import generate, write_jsonl  # noqa: E402
from scoring import parse_answers, score, score_summary  # noqa: E402
from scoring.plan import clear_plans  # noqa: E402
from standards import bundled_library  # noqa: E402

SINGLE_MS = 5.0
BATCH_S = 3.0
MEMORY_MB = 300.0
PARSE_DEFINITION = (
    "parse = read the file's lines + json.loads + parse_answers for every row, one process, "
    "library already loaded (no scoring, no output)"
)


def mark(ok: bool) -> str:
    return "✓" if ok else "✗ MISSED"


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def zhizao_command() -> list[str]:
    script = Path(sys.executable).parent / "zhizao"
    if script.exists():
        return [str(script)]
    found = shutil.which("zhizao")
    return [found] if found else [sys.executable, "-m", "assessment.cli"]


# --- (a) one assessment --------------------------------------------------------------------------


def single(runs: int) -> None:
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    std = library.standard("zj-future-factory")
    sets = [parse_answers(record, std, scales) for record in generate(runs)]
    score(std, sets[0], scales)  # compile the standard's plan once, as every process does

    def timed(fn: Callable[..., object]) -> list[float]:
        out = []
        for answers in sets:
            start = time.perf_counter()
            fn(std, answers, scales)
            out.append((time.perf_counter() - start) * 1000)
        return out

    print(f"(a) one future-factory assessment — {runs} generated answer sets, each scored once")
    print(f"    {load()}")
    cold = []
    for answers in sets[:5]:
        clear_plans()
        start = time.perf_counter()
        score(std, answers, scales)
        cold.append((time.perf_counter() - start) * 1000)
    print(
        f"    first score of a standard (SHA-256 + compiling its plan, then cached):"
        f" median {statistics.median(cold):.1f} ms of 5"
    )
    for name, fn in (("score", score), ("score_summary", score_summary)):
        times = sorted(timed(fn))
        median = statistics.median(times)
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"    {name:<14} median {median:.3f} ms · p95 {p95:.3f} ms · max {times[-1]:.3f} ms"
            f" (target < {SINGLE_MS:g} ms) {mark(median < SINGLE_MS)}"
        )


# --- (b) a batch of rows ------------------------------------------------------------------------


def parse_only(path: Path) -> float:
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    standards: dict[str, object] = {}
    start = time.perf_counter()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            std = standards.get(data["standard"]) or library.standard(data["standard"])
            standards[data["standard"]] = std
            parse_answers(data, std, scales)  # type: ignore[arg-type]
    return time.perf_counter() - start


def run_batch(source: Path, out: Path, cpu: list[float]) -> float:
    """Wall time of one `zhizao score --batch` run; its CPU time (all processes) goes to `cpu`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command, no shell
        [*zhizao_command(), "score", "--batch", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"zhizao score --batch failed ({done.returncode}): {done.stderr}")
    cpu.append(
        after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    )  # workers are reaped by the parent, so their time is included
    return elapsed


def in_process(source: Path) -> float:
    gc.collect()
    start = time.perf_counter()
    count = sum(1 for _ in score_rows(read_rows(source), {}))
    elapsed = time.perf_counter() - start
    assert count > 0
    return elapsed


def check_output(out: Path, rows: int) -> None:
    with out.open(encoding="utf-8") as handle:
        results = [json.loads(line) for line in handle]
    bad = [r for r in results if r["status"] != "ok"]
    assert len(results) == rows, f"{len(results)} output rows for {rows} input rows"
    assert not bad, f"{len(bad)} rows failed, e.g. {bad[0]}"


def batch(folder: Path, rows: int, repeat: int) -> None:
    source = write_jsonl(folder / f"answers-{rows}.jsonl", rows)
    out = folder / "out.jsonl"
    empty = folder / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    size = source.stat().st_size / 1e6
    print(f"(b) {rows:,} future-factory rows of JSONL ({size:.1f} MB), {repeat} interleaved runs")
    print(f"    {load()}")
    print(f"    {PARSE_DEFINITION}")
    parse: list[float] = []
    sub: list[float] = []
    startup: list[float] = []
    inproc: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):  # interleaved, so that other load on the machine hits each alike
        parse.append(parse_only(source))
        sub.append(run_batch(source, out, cpu))
        startup.append(run_batch(empty, folder / "empty-out.jsonl", []))
        inproc.append(in_process(source))
    check_output(out, rows)
    med = statistics.median

    def runs(values: list[float]) -> str:
        shown = ", ".join(f"{v:.2f}" for v in values)
        return f"{med(values):.2f} s median, {min(values):.2f} s best (runs {shown})"

    print(f"    parse only:                        {runs(parse)}")
    print(
        f"    zhizao score --batch (subprocess): {runs(sub)}"
        f" (target < {BATCH_S:g} s) {mark(med(sub) < BATCH_S)}"
    )
    print(f"      start-up alone (empty file):     {runs(startup)}")
    print(f"      CPU time, parent + workers:      {med(cpu):.2f} s median, {min(cpu):.2f} s best")
    print(
        f"    score_rows in-process:             {runs(inproc)}"
        " (library loaded, results consumed, nothing written)"
    )
    ratio = med(sub) / med(parse)
    print(
        f"    ratio batch/parse: {ratio:.2f} median, {min(sub) / min(parse):.2f} best"
        f" (subprocess, incl. start-up) · {med(inproc) / med(parse):.2f} median (in-process)"
        " (a comparison, not a target)"
    )
    print(
        f"    per row (median): {1000 * med(sub) / rows:.3f} ms batch ·"
        f" {1000 * med(parse) / rows:.3f} ms parse"
    )
    source.unlink()


# --- (c) memory for a large batch ---------------------------------------------------------------


def _tree(root: int) -> list[int]:
    """Pids of every descendant of `root`, from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS (every 50 ms) and PSS (every 0.5 s) of a process tree.

    Cheap on purpose: the tree is re-listed and PSS (which makes the kernel walk page tables) read
    only every tenth sample, so the sampler does not slow down what it measures.
    """

    INTERVAL = 0.05

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_rss = self.peak_pss = self.most_processes = 0
        self.stop = threading.Event()

    def run(self) -> None:
        pids: list[int] = []
        tick = 0
        while not self.stop.is_set():
            if tick % 10 == 0 or not pids:
                pids = _tree(self.root)
                self.most_processes = max(self.most_processes, len(pids))
                self.peak_pss = max(self.peak_pss, sum(_pss_kb(p) for p in pids))
            self.peak_rss = max(self.peak_rss, sum(_rss_kb(p) for p in pids))
            tick += 1
            self.stop.wait(self.INTERVAL)


def memory(folder: Path, rows: int) -> None:
    start = time.perf_counter()
    source = write_jsonl(folder / f"answers-{rows}.jsonl", rows)
    made = time.perf_counter() - start
    out = folder / "out-large.jsonl"
    size = source.stat().st_size / 1e6
    print(f"(c) {rows:,} rows of JSONL ({size:.0f} MB, generated in {made:.1f} s)")
    print(f"    {load()}")
    gnu_time = Path("/usr/bin/time")
    command = [*zhizao_command(), "score", "--batch", str(source), "--out", str(out)]
    if gnu_time.exists():
        command = [str(gnu_time), "-v", *command]
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command, no shell
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.stop.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"zhizao score --batch failed ({process.returncode}): {stderr}")
    check_output(out, rows)
    if gnu_time.exists():
        found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
        largest = int(found.group(1)) / 1024 if found else float("nan")
        how = "/usr/bin/time -v: the largest single process, parent or any worker"
    else:
        largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        how = "getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest single reaped child"
    total = sampler.peak_rss / 1024
    print(f"    wall time: {wall:.2f} s ({1000 * wall / rows:.3f} ms per row)")
    print(f"    peak RSS, largest process: {largest:.0f} MB ({how})")
    print(
        f"    peak RSS, whole tree summed: {total:.0f} MB (sampled every 50 ms from /proc over"
        f" {sampler.most_processes} processes; shared pages counted in each)"
        f" (target < {MEMORY_MB:g} MB) {mark(total < MEMORY_MB)}"
    )
    print(
        f"    peak PSS, whole tree summed: {sampler.peak_pss / 1024:.0f} MB"
        " (sampled every 0.5 s; shared pages split between processes)"
    )
    source.unlink()
    out.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single-runs", type=int, default=300)
    parser.add_argument("--rows", type=int, default=10_000, help="rows for the batch timing")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each batch timing")
    parser.add_argument("--memory-rows", type=int, default=100_000, help="0 skips section (c)")
    args = parser.parse_args(argv)
    commit = subprocess.run(  # noqa: S603 - fixed git command, no shell
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    print(
        f"zhizao scoring bench · commit {commit or '?'} · Python {platform.python_version()}"
        f" · {platform.machine()} · {os.cpu_count()} CPUs"
    )
    single(args.single_runs)
    with tempfile.TemporaryDirectory(prefix="zhizao-bench-") as tmp:
        batch(Path(tmp), args.rows, args.repeat)
        if args.memory_rows:
            memory(Path(tmp), args.memory_rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
