"""Speed a person feels: the real app in Chromium, click → visible result, median and p95.

    .venv/bin/python bench/browser.py                 # 30 actions of each kind
    .venv/bin/python bench/browser.py --actions 5     # a quick look
    .venv/bin/python bench/browser.py --keep          # keep the database, log and profiles
    .venv/bin/python bench/browser.py --py-spy        # also sample the server (py-spy on PATH
                                                      # or in .venv/bin), top frames per action
    .venv/bin/python bench/browser.py --option runner.postScriptGC=false   # a Streamlit option

The app runs as `streamlit run <entry>` (ui/server.py once it defines the app, else
streamlit_app.py; --entry to choose) on a fresh SQLite database seeded like `make run` (the demo
firms and a synthetic cohort, so that the benchmark has peers). Debian's Chromium, driven by
Playwright, signs in as the demo firm and times four actions:

- answer an item: click an option in the questionnaire until the live score shows the value the
  engine gives for the new answers (checked afterwards against the stored answer);
- switch pages: a sidebar link until the new page is drawn (home, new, questionnaire, carbon,
  library, verify in turn);
- open Results (the approved assessment, with its chart) and open Benchmark, from the home page.

"Visible" is measured in the page: from the pointer going down to the first animation frame in
which the expected text is on screen, no element is stale, every chart has drawn and Streamlit
says its script is no longer running. The bytes the server sent over the websocket for each
action are counted too. Targets (on this 2-core machine, quiet): answer p95 < 500 ms, page switch
p95 < 800 ms, Results and Benchmark p95 < 1.5 s. The 1-minute load average is printed at the start
and the end: the machine is shared, and figures taken under load are not comparable.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path and bench/scoring.py would shadow the
# `scoring` package: look the packages up from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
for extra in (ROOT, ROOT / "tests"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

from app_support import EMAILS, PASSWORD  # noqa: E402
from e2e_support import FLAGS, sign_in  # noqa: E402

from assessment.accounts import identity, organisations  # noqa: E402
from assessment.accounts.principal import Principal, Role  # noqa: E402
from assessment.demo.seed import COHORT_SIZE, seed_demo  # noqa: E402
from assessment.storage.db import Database, open_database  # noqa: E402
from assessment.storage.tables import Submission  # noqa: E402
from assessment.submissions import appdata  # noqa: E402
from assessment.submissions.snapshots import answer_document, snapshot_standard  # noqa: E402
from scoring import parse_answers, score  # noqa: E402
from standards.models import ChoiceRule, Item  # noqa: E402
from ui.i18n import translate  # noqa: E402

# The script `streamlit run` starts. None: ui/server.py once it defines `app` (the server with
# the sign-in cookie routes), else the plain entry point.
ENTRY: str | None = None
CHROMIUM = "/usr/bin/chromium"
TARGETS_MS = {"answer": 500.0, "switch": 800.0, "results": 1500.0, "benchmark": 1500.0}
NAMES = {
    "answer": "answer an item",
    "switch": "switch pages",
    "results": "open Results",
    "benchmark": "open Benchmark",
}
# (nav key, title key) of the pages a firm moves between; Results and Benchmark are timed apart.
SWITCH_PAGES = [
    ("nav.questionnaire", "q.title"),
    ("nav.carbon", "carbon.title"),
    ("nav.new", "new.title"),
    ("nav.library", "library.title"),
    ("nav.verify", "verify.title"),
    ("nav.home", "home.title"),
]
TIMEOUT_MS = 60_000
LANG = "zh"

# Armed before each action: the time the pointer went down (in the page's clock).
CLICK_CLOCK = """
window.__zzDown = null;
window.addEventListener('pointerdown', () => { window.__zzDown = performance.now(); }, true);
"""
# True in the first frame where the page is done: connected, no script running, nothing stale,
# every chart drawn, and the action's own condition (`want`: a page title, or the live score the
# engine gives for the new answers) holds.
SETTLED = """
(want) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testConnectionState !== 'CONNECTED') return false;
  if (app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector("[data-stale='true']")) return false;
  for (const chart of document.querySelectorAll("[data-testid='stVegaLiteChart']")) {
    if (!chart.querySelector('svg.marks, canvas')) return false;
  }
  const texts = (selector) =>
    [...document.querySelectorAll(selector)].map((e) => e.textContent.trim());
  if (want.title && !texts('h1').includes(want.title)) return false;
  if (want.score !== undefined) {
    // The score panel's first figure, however it is formatted (thousands separators, decimals).
    const value = document.querySelector("[data-testid='stMetricValue']");
    const found = value && value.textContent.match(/[0-9][0-9,]*(?:[.][0-9]+)?/);
    if (!found || Math.abs(parseFloat(found[0].replace(/,/g, '')) - want.score) > 0.006) {
      return false;
    }
  }
  return performance.now();
}
"""


def t(key: str, **values: Any) -> str:
    return translate(LANG, key, **values)


def entry_script() -> str:
    if ENTRY is not None:
        return ENTRY
    server = ROOT / "ui" / "server.py"
    if server.exists() and re.search(r"^app\s*=", server.read_text(encoding="utf-8"), re.M):
        return "ui/server.py"
    return "streamlit_app.py"


def load1() -> float:
    return os.getloadavg()[0]


# --- the app ----------------------------------------------------------------------------------------


def seed(path: Path, cohort: int) -> None:
    """A database like `make run` makes (demo firms, their assessments, a cohort of peers), with
    the test password on every demo account."""
    saved = identity.SCRYPT_N
    identity.SCRYPT_N = 2**10  # seeding speed only; the server checks whatever the row says
    try:
        db = open_database(f"sqlite:///{path}")
        seed_demo(db, cohort_size=cohort, passwords=dict.fromkeys(EMAILS.values(), PASSWORD))
        db.dispose()
    finally:
        identity.SCRYPT_N = saved


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def app_server(folder: Path, entry: str, options: list[str]) -> Iterator[tuple[str, int]]:
    """`streamlit run entry` on the database in `folder`: (base URL, server pid)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}",
        "ZHIZAO_KEY_DIR": str(folder / "keys"),
        "ZHIZAO_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", entry, "--server.headless=true",
        "--server.address=127.0.0.1", f"--server.port={port}", "--server.fileWatcherType=none",
        "--browser.gatherUsageStats=false", *(f"--{o}" for o in options),
    ]  # fmt: skip
    with (folder / "streamlit.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited; see {folder / 'streamlit.log'}")
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:  # noqa: S310 - loopback
                        if r.read().strip() == b"ok":
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("streamlit did not answer /_stcore/health within 90 s")
                time.sleep(0.3)
            yield base, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


# --- measuring --------------------------------------------------------------------------------------


@dataclass
class Series:
    """The timings (ms) and websocket bytes of one kind of action."""

    ms: list[float] = field(default_factory=list)
    received: list[int] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=lambda: collections.defaultdict(list))


class Wire:
    """Bytes the server sends to this page over Streamlit's websocket."""

    def __init__(self, page: Any) -> None:
        self.received = 0
        page.on("websocket", self._attach)

    def _attach(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        self.received += len(payload)


def timed(
    page: Any, wire: Wire, act: Callable[[], None], want: dict[str, str]
) -> tuple[float, int]:
    """Do `act` (which presses the pointer once) and wait until the page is settled with `want`;
    (ms from pointer down to the settled frame, bytes received)."""
    page.evaluate("window.__zzDown = null")
    before = wire.received
    act()
    done = page.wait_for_function(SETTLED, arg=want, polling="raf", timeout=TIMEOUT_MS)
    down = page.evaluate("window.__zzDown")
    if down is None:
        raise RuntimeError("the action did not press the pointer")
    page.wait_for_timeout(30)  # let Playwright deliver the last websocket frames it has seen
    return float(done.json_value()) - float(down), wire.received - before


def settle(page: Any, **want: str) -> None:
    page.wait_for_function(SETTLED, arg=want, polling="raf", timeout=TIMEOUT_MS)


def nav_link(page: Any, nav_key: str) -> Any:
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=t(nav_key), exact=True)


def go(page: Any, nav_key: str, title_key: str) -> None:
    nav_link(page, nav_key).click()
    page.wait_for_timeout(100)
    settle(page, title=t(title_key))


def choose(page: Any, status: str) -> None:
    """Pick the firm's assessment in this state in the page's chooser (the choice is remembered
    across pages)."""
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option").filter(has_text=t(f"status.{status}")).first.click()
    page.wait_for_timeout(100)
    settle(page)


@dataclass
class Draft:
    """The firm's draft as the bench tracks it, to predict what the score panel must show."""

    db: Database
    actor: Principal
    sid: int
    items: list[Item]

    def answers(self) -> dict[str, Any]:
        with self.db.read() as session:
            sub = session.get(Submission, self.sid)
            assert sub is not None
            answers, _ = appdata._live(session, sub)
            return answers

    def score(self, change: dict[str, Any]) -> float:
        """The live total for the stored answers with `change` applied (the engine's)."""
        with self.db.read() as session:
            sub = session.get(Submission, self.sid)
            assert sub is not None
            answers, gates = appdata._live(session, sub)
            standard, scales = snapshot_standard(session, sub.standard_sha256)
            document = answer_document(sub, {**answers, **change}, gates)
        return score(standard, parse_answers(document, standard, scales), scales).total

    def next_change(self, turn: int) -> tuple[Item, int, str, float]:
        """The item of this turn and an option that moves the total: (item, option index, option
        key, the total to expect)."""
        answers = self.answers()
        current = self.score({})
        for shift in range(len(self.items)):
            item = self.items[(turn + shift) % len(self.items)]
            assert isinstance(item.rule, ChoiceRule)
            keys = [o.key for o in item.rule.options]
            # Walk the options from the one after the current answer, so that answers vary.
            start = keys.index(answers[item.id]) + 1 if answers.get(item.id) in keys else 0
            for step in range(len(keys)):
                index = (start + step) % len(keys)
                if keys[index] == answers.get(item.id):
                    continue
                expected = self.score({item.id: keys[index]})
                if abs(expected - current) > 0.01:
                    return item, index, keys[index], expected
        raise RuntimeError("no answer in the first domain moves the score")


def firm_draft(db: Database) -> Draft:
    system = Principal.system("bench")
    user = {u.email: u for u in organisations.list_users(system, db)}[EMAILS["firm"]]
    firm = Principal(user.id, Role.ENTERPRISE, user.organisation_id, user.email)
    from assessment import submissions  # noqa: PLC0415 - after sys.path is set

    [draft] = [s for s in submissions.list_submissions(firm, db) if s.status == "draft"]
    sub = submissions.get_submission(firm, db, draft.id)
    standard = appdata.submission_standard(firm, db, sub.id)
    first = appdata.question_groups(standard, sub.profile, sub.industry_type)[0]
    items = [i for i in first.items if isinstance(i.rule, ChoiceRule)]
    return Draft(db, firm, sub.id, items)


# --- the actions --------------------------------------------------------------------------------------


def answer_items(page: Any, wire: Wire, draft: Draft, n: int, series: Series) -> None:
    go(page, "nav.questionnaire", "q.title")
    choose(page, "draft")
    for turn in range(n + 1):  # the first answer warms up
        item, index, key, expected = draft.next_change(turn)
        option = page.locator(f".st-key-item-{item.id} [data-testid='stRadioOption']").nth(index)
        option.scroll_into_view_if_needed()
        ms, received = timed(page, wire, option.click, {"score": expected})
        saved = draft.answers().get(item.id)
        if saved != key:
            raise RuntimeError(f"{item.id}: clicked {key}, the database holds {saved!r}")
        if turn:
            series.ms.append(ms)
            series.received.append(received)


def switch_pages(page: Any, wire: Wire, n: int, series: Series) -> None:
    go(page, "nav.home", "home.title")
    for turn in range(n + len(SWITCH_PAGES)):  # one round warms every page up
        nav_key, title_key = SWITCH_PAGES[turn % len(SWITCH_PAGES)]
        link = nav_link(page, nav_key)
        ms, received = timed(page, wire, link.click, {"title": t(title_key)})
        if turn >= len(SWITCH_PAGES):
            series.ms.append(ms)
            series.received.append(received)
            series.by_page[t(nav_key)].append(ms)


def open_results(page: Any, wire: Wire, n: int, series: Series) -> None:
    """Results of the approved assessment: the report, certificate, chart and tables."""
    go(page, "nav.results", "results.title")
    choose(page, "approved")
    open_page(page, wire, "nav.results", "results.title", n, series)


def open_page(page: Any, wire: Wire, nav_key: str, title_key: str, n: int, series: Series) -> None:
    for turn in range(n + 1):
        go(page, "nav.home", "home.title")
        ms, received = timed(page, wire, nav_link(page, nav_key).click, {"title": t(title_key)})
        if turn:
            series.ms.append(ms)
            series.received.append(received)


# --- server profile (py-spy) ---------------------------------------------------------------------


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


@contextmanager
def sampling(pid: int | None, out: Path) -> Iterator[None]:
    """Sample the server while the block runs (py-spy's raw, collapsed stacks), if asked to."""
    if pid is None:
        yield
        return
    tool = py_spy()
    assert tool is not None
    recorder = subprocess.Popen(  # noqa: S603 - the py-spy found next to this interpreter
        [tool, "record", "--pid", str(pid), "--rate", "200", "--format", "raw",
         "--nonblocking", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)  # py-spy attaches
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)


FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?):(?P<line>\d+)\)$")
OURS = ("ui/", "assessment/", "scoring/", "standards/", "streamlit_app.py")


def top_frames(path: Path, actions: int, rate: int = 200, limit: int = 16) -> list[str]:
    """Inclusive time per action of the app's own functions in the script thread, and of the
    garbage collection Streamlit runs after every script run (`runner.postScriptGC`)."""
    inclusive: collections.Counter[str] = collections.Counter()
    script = collected = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        # Only the script runs: the other threads' samples are mostly sleeps py-spy cannot tell
        # from work when it does not pause the process.
        if "ScriptRunner._run_script (" not in stack or not count.isdigit():
            continue
        frames = [m for m in map(FRAME.match, (f.strip() for f in stack.split(";"))) if m]
        script += int(count)
        if frames and frames[-1]["func"] == "ScriptRunner._on_script_finished":
            collected += int(count)  # its only work without a Python frame below: gc.collect(2)
        for name in {f"{m['file']}:{m['func']}" for m in frames if m["file"].startswith(OURS)}:
            inclusive[name] += int(count)
    per = 1000.0 / rate / max(actions, 1)
    lines = [
        f"    {script * per:7.1f} ms/action  script thread in all",
        f"    {collected * per:7.1f} ms/action  gc.collect(2) after the run (runner.postScriptGC)",
    ]
    lines += [f"    {n * per:7.1f} ms/action  {name}" for name, n in inclusive.most_common(limit)]
    return lines


# --- report --------------------------------------------------------------------------------------


def pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    wide = sum(1 for c in text if unicodedata.east_asian_width(c) in "WF")
    return text + " " * max(width - len(text) - wide, 0)


def p95(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def report(results: dict[str, Series]) -> bool:
    print(f"{'action':<16} {'n':>3} {'median':>8} {'p95':>8} {'max':>8} {'target p95':>11}"
          f"  {'met':<4} {'KiB/action':>10}")  # fmt: skip
    met_all = True
    for kind, series in results.items():
        if not series.ms:
            continue
        median, high = statistics.median(series.ms), p95(series.ms)
        met = high < TARGETS_MS[kind]
        met_all &= met
        kib = statistics.median(series.received) / 1024
        print(
            f"{NAMES[kind]:<16} {len(series.ms):>3} {median:>6.0f}ms {high:>6.0f}ms "
            f"{max(series.ms):>6.0f}ms {'< ' + format(TARGETS_MS[kind], '.0f') + ' ms':>11}"
            f"  {'yes' if met else 'NO':<4} {kib:>10.1f}"
        )
        for name, values in series.by_page.items():
            print(f"  · {pad(name, 12)} {len(values):>3} {statistics.median(values):>6.0f}ms "
                  f"{p95(values):>6.0f}ms")  # fmt: skip
    return met_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=30, help="timed actions of each kind")
    parser.add_argument("--keep", action="store_true", help="keep the folder with db and log")
    parser.add_argument("--entry", help="the script to run (default: %(default)s → detected)")
    parser.add_argument("--cohort", type=int, default=COHORT_SIZE, help="synthetic peer firms")
    parser.add_argument("--only", action="append", choices=list(NAMES), help="these actions")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit config option for the server, e.g. runner.postScriptGC=false")  # fmt: skip
    parser.add_argument("--py-spy", action="store_true", help="sample the server per action")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    # A terminated bench still stops its server and browser (the `finally` blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.py_spy and py_spy() is None:
        parser.error("--py-spy: install it for this run (.venv/bin/pip install py-spy)")
    global ENTRY  # noqa: PLW0603 - the one switch of the module
    ENTRY = args.entry or ENTRY
    entry = entry_script()
    kinds = args.only or list(NAMES)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when run

    folder = Path(tempfile.mkdtemp(prefix="zhizao-bench-browser-"))
    started = load1()
    print(f"entry {entry} · Chromium {args.chromium} · {args.actions} actions each · "
          f"cohort {args.cohort} · options {args.option or '—'}")  # fmt: skip
    print(f"load average (1 min) at start: {started:.2f} on {os.cpu_count()} cores "
          "(shared machine: compare figures taken at a similar load)")  # fmt: skip
    results = {kind: Series() for kind in kinds}
    profiles: dict[str, list[str]] = {}
    try:
        seed(folder / "bench.sqlite", args.cohort)
        db = open_database(f"sqlite:///{folder / 'bench.sqlite'}")
        draft = firm_draft(db)
        with (
            app_server(folder, entry, args.option) as (base, pid),
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(
                executable_path=args.chromium, args=FLAGS, headless=True
            )
            context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            context.add_init_script(CLICK_CLOCK)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            wire = Wire(page)
            sign_in(page, base, "firm")
            steps: dict[str, Callable[[], None]] = {
                "answer": lambda: answer_items(page, wire, draft, args.actions, results["answer"]),
                "switch": lambda: switch_pages(page, wire, args.actions, results["switch"]),
                "results": lambda: open_results(page, wire, args.actions, results["results"]),
                "benchmark": lambda: open_page(
                    page, wire, "nav.benchmark", "bench.title", args.actions, results["benchmark"]
                ),
            }
            for kind in kinds:
                out = folder / f"py-spy-{kind}.txt"
                with sampling(pid if args.py_spy else None, out):
                    steps[kind]()
                if args.py_spy and out.exists():
                    # Per action, warm-up included; the untimed visits to the home page between
                    # two openings of Results or Benchmark show as ui/pages/home.py.
                    extra = len(SWITCH_PAGES) if kind == "switch" else 1
                    profiles[kind] = top_frames(out, args.actions + extra)
            browser.close()
        db.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    ended = load1()
    print()
    met = report(results)
    print(f"\nload average (1 min) at end: {ended:.2f} (start {started:.2f})")
    for kind, lines in profiles.items():
        print(f"\nserver profile while {NAMES[kind]} (py-spy, inclusive, per action):")
        print("\n".join(lines))
    if args.keep:
        print(f"\nkept {folder}")
    return 0 if met else 1


def run() -> int:
    """0: every target met, 1: some missed, 2: the bench itself failed (an action did not finish)."""
    try:
        return main()
    except Exception:  # any failure of the bench, told apart from a missed target
        import traceback  # noqa: PLC0415

        traceback.print_exc()
        return 2


if __name__ == "__main__":
    sys.exit(run())
