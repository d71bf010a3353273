"""Many firms at once: simulated users speaking Streamlit's websocket protocol to the real app.

    .venv/bin/python bench/load.py                                  # 1, 10, 40 firms on SQLite
    .venv/bin/python bench/load.py --users 2 --seconds 20           # a quick look
    .venv/bin/python bench/load.py --database-url "$ZHIZAO_TEST_POSTGRES_URL"   # on PostgreSQL
    .venv/bin/python bench/load.py --database-url "$ZHIZAO_TEST_POSTGRES_URL" --processes 2
    .venv/bin/python bench/load.py --option runner.postScriptGC=false           # a Streamlit option

The app runs as `streamlit run ui/server.py` (one process, or `--processes N` on one database),
bound to 127.0.0.1 only. The database is fresh: a temporary SQLite file, or, with
`--database-url` naming a PostgreSQL server (any database on it, e.g. ZHIZAO_TEST_POSTGRES_URL),
a database the bench creates there and drops afterwards. It is seeded with the demo
(`seed_demo`, no synthetic cohort unless `--cohort`) plus one firm account per simulated user,
each in an organisation of its own, with a known password hashed at the installation's real
scrypt cost; each firm gets an empty draft of `--standard` / `--profile` through the service
layer (`create_submission`), so no two users ever edit the same submission.

A simulated user is not a browser but speaks the browser's protocol (`streamlit.proto`):
it opens `ws://127.0.0.1:PORT/_stcore/stream` (subprotocol "streamlit"), sends the BackMsg
`rerun_script` (a ClientState) the frontend sends, and reads the ForwardMsgs back (NewSession,
Navigation, deltas, script_finished). From the deltas it learns the widget ids (text inputs,
the form's submit button, the items' radios and the fragment each one is drawn in) and answers
with `widget_states` as the frontend would, a radio by its option's label (`string_value`), a
change inside the questionnaire's fragment as a fragment rerun (`fragment_id`). Unlike the
frontend it sends only the states of the widgets it has set (the server keeps the others), and
no cached-message hashes (so the server sends every message in full).

Sign-in is the real one, nothing is put into the database behind the app's back: the user
fills the sign-in form (email, password, the submit button), the server checks the password
and answers with the page that hands the browser its one-time ticket; the user posts the ticket
to `POST /account/session` (ui/server.py) as that page's form does, takes the `zhizao_session`
cookie from the answer, and reconnects with the cookie on the websocket upgrade request, as the
browser's reload does. Then it opens the questionnaire from the navigation (by its page script
hash) and answers: a random radio of the domain on screen set to another option, 1–3 s of think
time between answers, the next domain (its "next" button) once every radio of this one has been
answered. Each row starts fresh app processes and warms each up with one more firm (sign-in,
questionnaire, one answer; untimed). Then all the row's users start at once (the deadline's
rush); the answering clock (`--seconds`) starts when every user has its questionnaire open.

Timed, per user action, from sending the BackMsg to the script_finished that ends the run
(an answer's fragment run, or the full run the page asks for when a domain becomes complete):
- answer: must show the toast "已自动保存。" in that run; a run without it is an error, named by
  the error or warning the page showed instead (or the exception, or "no 已自动保存");
- sign-in + open: from the first connection to the questionnaire drawn (form, ticket, cookie,
  reconnect, home page, questionnaire), for every user at once.
Actions/s counts confirmed answers and domain changes. Server CPU is read from /proc/<pid>/stat of
every app process over the answering phase only (the sign-ins are not in it) and also given per
action; it includes what the server does after it has sent script_finished (Streamlit's garbage
collection runs then), so it can exceed an action's time. The bench's own CPU is printed too: it
shares the machine; so does PostgreSQL, whose work is in the machine's busy share (/proc/stat)
printed with it. Afterwards every answer the page confirmed is re-read from the database: a
confirmed answer whose stored value differs is a lost write.

Several processes are reached directly, each user on one of them in turn (user i on process
i mod N): a reverse proxy with sticky sessions (deploy/nginx/zhizao.conf) adds a hop but no app
work, so the bench needs none. Bounded: at most 100 users and 600 s per row, loopback only.
Targets (2-core machine, quiet): answer p95 < 1 s and server CPU ≤ 30 ms per action with 40
firms at once; no errors; no lost writes. Exit code 1 when a row misses one. The 1-minute load
average is printed at the start and at the end: figures taken on a busy machine are not
comparable.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import html
import http.client
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path and bench/scoring.py would shadow the
# `scoring` package: look the packages up from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402 - Streamlit's own dependency
from sqlalchemy import create_engine, make_url, text  # noqa: E402
from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ClientState_pb2 import ClientState  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402

from assessment import submissions  # noqa: E402
from assessment.accounts import organisations, sessions  # noqa: E402
from assessment.accounts.principal import Principal, Role  # noqa: E402
from assessment.demo.seed import make_credit_code, seed_demo  # noqa: E402
from assessment.storage.db import open_database  # noqa: E402
from standards import bundled_library  # noqa: E402
from standards.models import ChoiceRule, SatisfactionRule, YesNoRule  # noqa: E402
from ui.i18n import translate  # noqa: E402

MAX_USERS = 100
MAX_SECONDS = 600
THINK_S = (1.0, 3.0)
ACTION_TIMEOUT_S = 120.0
TARGET_P95_MS = 1000.0
TARGET_CPU_MS = 30.0
TARGET_AT_USERS = 40
PASSWORD = "load-bench-password-1"  # noqa: S105 - a throw-away database
DOMAIN = "load.example.cn"
SAVED = translate("zh", "q.saved")
TICKET = re.compile(r'name="ticket" value="([^"]+)"')
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}


def load1() -> float:
    return os.getloadavg()[0]


# --- the database ---------------------------------------------------------------------------------


@contextmanager
def fresh_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """A new empty database: a SQLite file in `folder`, or one created on the PostgreSQL server
    `server_url` names (dropped afterwards, whatever happened)."""
    if server_url is None:
        yield f"sqlite:///{folder / 'load.sqlite'}"
        return
    url = make_url(server_url)
    if not url.drivername.startswith("postgresql"):
        raise SystemExit(f"--database-url: a PostgreSQL server URL, not {url.drivername}")
    name = f"zhizao_load_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass
class Firm:
    email: str
    user_id: int
    org_id: int
    submission_id: int
    version: int


def seed(url: str, users: int, cohort: int, standard_id: str, profile: str) -> list[Firm]:
    """The demo plus `users` firm accounts, one organisation and one empty draft each."""
    db = open_database(url)
    try:
        seed_demo(db, cohort_size=cohort)
        system = Principal.system("load bench")
        model = organisations.list_organisations(system, db)[0]
        rng = random.Random(21)  # noqa: S311 - reproducible test data, not secrets
        firms = []
        for n in range(users):
            org = organisations.create_organisation(
                system, db, name=f"压测企业{n + 1:03d}有限公司",
                credit_code=make_credit_code(rng, model.region_code),
                industry_code=model.industry_code, region_code=model.region_code,
                size_class=model.size_class, industry_type=model.industry_type or "discrete",
                employees=model.employees, revenue_wan=model.revenue_wan,
            )  # fmt: skip
            email = f"firm{n + 1:03d}@{DOMAIN}"
            user = organisations.create_user(
                system, db, email=email, role=Role.ENTERPRISE, password=PASSWORD, org_id=org.id
            )
            member = Principal(user.id, Role.ENTERPRISE, org.id, email)
            sub = submissions.create_submission(
                member, db, org_id=org.id, standard_id=standard_id, profile=profile,
                industry_type=org.industry_type,
            )  # fmt: skip
            firms.append(Firm(email, user.id, org.id, sub.id, sub.version))
        return firms
    finally:
        db.dispose()


# --- the app processes ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:  # noqa: S310 - loopback
            return bool(reply.read().strip() == b"ok")
    except OSError:
        return False


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def app_processes(url: str, folder: Path, count: int, options: list[str]) -> Iterator[list[Server]]:
    """`count` processes of `streamlit run ui/server.py` on one database, sharing a key folder
    and a data folder as the processes of one installation do; stopped afterwards."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ZHIZAO_KEY_DIR": str(folder / "keys"),
        "ZHIZAO_DATA_DIR": str(folder / "data"),
    }
    with ExitStack() as stack:
        servers: list[Server] = []
        for _ in range(count):
            port = free_port()
            log_path = folder / f"app-{port}.log"
            log = stack.enter_context(log_path.open("w"))
            command = [
                sys.executable, "-m", "streamlit", "run", "ui/server.py",
                "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
                "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
                *(f"--{o}" for o in options),
            ]  # fmt: skip
            process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**env, "ZHIZAO_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            )  # fmt: skip
            stack.callback(stop, process)
            servers.append(Server(port, process, log_path))
        deadline = time.monotonic() + 90
        waiting = list(servers)
        while waiting:
            for server in list(waiting):
                if server.process.poll() is not None:
                    raise RuntimeError(f"streamlit exited; see {server.log}")
                if healthy(f"http://127.0.0.1:{server.port}"):
                    waiting.remove(server)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(
                    f"no answer on /_stcore/health within 90 s; see {waiting[0].log}"
                )
            time.sleep(0.3)
        yield servers


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (/proc/<pid>/stat, fields 14 and 15)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, every core (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and iowait
    total = sum(values[:8])  # guest time is already in user time
    return (total - idle) / TICK, total / TICK


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --- one simulated user ---------------------------------------------------------------------------


class Broken(Exception):
    """This user cannot go on (the kind is the message)."""


@dataclass
class Radio:
    id: str
    key: str
    options: list[str]
    fragment_id: str
    value: str | None


@dataclass
class Run:
    """What one script run (or a run and the run it asked for) sent."""

    status: int | None = None
    radios: dict[str, Radio] = field(default_factory=dict)
    widgets: dict[str, Any] = field(default_factory=dict)  # user key → element proto
    buttons: dict[str, Any] = field(default_factory=dict)
    toasts: list[str] = field(default_factory=list)
    alerts: list[tuple[int, str]] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)  # url path → page script hash
    full: bool = False  # a run of the whole page, not only a fragment

    def problem(self) -> str | None:
        if self.exceptions:
            return self.exceptions[0]
        for level in (Alert.ERROR, Alert.WARNING):
            for format_, body in self.alerts:
                if format_ == level:
                    return body.splitlines()[0][:90]
        return None


def user_key(widget_id: str) -> str:
    # Streamlit's widget ids end with the widget's user key: "$$ID-<hash>-<key>".
    return widget_id.split("-", 2)[2] if widget_id.count("-") >= 2 else widget_id


class Tab:
    """One browser tab's websocket: send a rerun, read until its script run has finished."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.ws: Any = None
        self.page_hash = ""
        self.states: dict[str, WidgetState] = {}

    async def connect(self, cookie: str | None = None) -> None:
        headers = {"Origin": f"http://127.0.0.1:{self.port}"}
        if cookie is not None:
            headers["Cookie"] = f"{sessions.COOKIE_NAME}={cookie}"
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers=headers, max_size=None, open_timeout=ACTION_TIMEOUT_S,
            ping_interval=None,  # a browser sends no websocket pings of its own
        )  # fmt: skip
        self.states = {}

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def rerun(
        self,
        *,
        states: tuple[WidgetState, ...] | list[WidgetState] = (),
        fragment_id: str = "",
        page_hash: str | None = None,
        query: str = "",
    ) -> Run:
        if page_hash is not None and page_hash != self.page_hash:
            self.page_hash, self.states = page_hash, {}
        sent = dict(self.states)
        sent.update({s.id: s for s in states})
        # A trigger (a button press) is sent once; values stay, as the frontend keeps them.
        self.states.update({s.id: s for s in states if s.WhichOneof("value") != "trigger_value"})
        message = BackMsg()
        message.rerun_script.CopyFrom(
            ClientState(
                query_string=query, page_script_hash=self.page_hash, fragment_id=fragment_id
            )
        )
        message.rerun_script.widget_states.widgets.extend(sent.values())
        await self.ws.send(message.SerializeToString())
        return await asyncio.wait_for(self._read(), ACTION_TIMEOUT_S)

    async def _read(self) -> Run:
        run = Run()
        while True:
            data = await self.ws.recv()
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                if msg.new_session.page_script_hash:
                    self.page_hash = msg.new_session.page_script_hash
            elif kind == "navigation":
                run.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
                if msg.navigation.page_script_hash:
                    self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta":
                self._element(run, msg.delta)
            elif kind == "script_finished" and msg.script_finished in FINISHED:
                # (FINISHED_EARLY_FOR_RERUN: the page asked for another run, which follows.)
                run.status = msg.script_finished
                run.full = run.status == ForwardMsg.FINISHED_SUCCESSFULLY
                return run

    def _element(self, run: Run, delta: Any) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "radio":
            radio = element.radio
            value = (
                radio.raw_value
                if radio.HasField("raw_value")
                else (radio.options[radio.default] if radio.HasField("default") else None)
            )
            run.radios[radio.id] = Radio(
                radio.id, user_key(radio.id), list(radio.options), delta.fragment_id, value
            )
        elif kind in {"text_input", "selectbox"}:
            widget = getattr(element, kind)
            run.widgets[user_key(widget.id)] = widget
        elif kind == "button":
            run.buttons[user_key(element.button.id) or element.button.label] = element.button
        elif kind == "toast":
            run.toasts.append(element.toast.body)
        elif kind == "alert":
            run.alerts.append((element.alert.format, element.alert.body))
        elif kind == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message[:80]}")
        elif kind == "html":
            run.html.append(element.html.body)


def post_ticket(port: int, ticket: str) -> str:
    """Post the sign-in page's ticket as its form does; the session cookie of the answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=ACTION_TIMEOUT_S)
    try:
        conn.request(
            "POST", "/account/session", urlencode({"ticket": ticket, "lang": "zh"}),
            {"Content-Type": "application/x-www-form-urlencoded",
             "Origin": f"http://127.0.0.1:{port}"},
        )  # fmt: skip
        reply = conn.getresponse()
        reply.read()
        jar: SimpleCookie = SimpleCookie()
        for header in reply.headers.get_all("set-cookie") or []:
            jar.load(header)
    finally:
        conn.close()
    if sessions.COOKIE_NAME not in jar:
        raise Broken(f"sign-in: POST /account/session gave {reply.status} and no cookie")
    return jar[sessions.COOKIE_NAME].value


@dataclass
class Tally:
    answers: list[float] = field(default_factory=list)  # ms
    next_domain: list[float] = field(default_factory=list)  # ms
    opened: list[float] = field(default_factory=list)  # s, sign-in + open
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    # submission → item → the option's position, for every answer the page confirmed
    confirmed: dict[int, dict[str, int]] = field(default_factory=dict)
    machine: float = 0.0  # share of all cores busy over the answering phase


class User:
    """One firm at its own tab: signs in, opens its draft's questionnaire, answers."""

    def __init__(self, firm: Firm, port: int, tally: Tally, items: set[str], seed: int) -> None:
        self.firm, self.tally, self.items = firm, tally, items
        self.tab = Tab(port)
        self.rng = random.Random(seed)  # noqa: S311 - simulated choices, not secrets
        self.radios: dict[str, Radio] = {}
        self.buttons: dict[str, Any] = {}
        self.done: set[str] = set()
        self.prefix = f"q::{firm.submission_id}::"

    async def sign_in_and_open(self) -> None:
        started = time.perf_counter()
        tab = self.tab
        await tab.connect()
        page = await tab.rerun(query="lang=zh")
        email = page.widgets.get("signin_email")
        password = page.widgets.get("signin_password")
        submit = next((b for b in page.buttons.values() if b.is_form_submitter), None)
        if email is None or password is None or submit is None:
            raise Broken(f"sign-in: no sign-in form ({page.problem() or 'nothing drawn'})")
        page = await tab.rerun(
            states=[
                WidgetState(id=email.id, string_value=self.firm.email),
                WidgetState(id=password.id, string_value=PASSWORD),
                WidgetState(id=submit.id, trigger_value=True),
            ],
            query="lang=zh",
        )
        ticket = next((m.group(1) for h in page.html if (m := TICKET.search(h))), None)
        if ticket is None:
            raise Broken(f"sign-in: {page.problem() or 'no ticket handed to the browser'}")
        cookie = await asyncio.to_thread(post_ticket, tab.port, html.unescape(ticket))
        await tab.close()
        # The browser follows the answer's redirect to "/?lang=zh": a new page, a new websocket.
        await tab.connect(cookie)
        home = await tab.rerun(query="lang=zh")
        if "questionnaire" not in home.pages:
            raise Broken(f"sign-in: not signed in after the cookie ({home.problem() or '?'})")
        page = await tab.rerun(page_hash=home.pages["questionnaire"], query="lang=zh")
        self.take(page)
        if not self.radios:
            raise Broken(f"open: no item to answer ({page.problem() or 'no radio drawn'})")
        self.tally.opened.append(time.perf_counter() - started)

    def take(self, run: Run) -> None:
        """Remember the radios (and, from a full run, the buttons) the run drew."""
        if run.full:
            self.radios = {}
            self.buttons = run.buttons
        for radio in run.radios.values():
            if radio.key.startswith(self.prefix) and radio.key[len(self.prefix) :] in self.items:
                self.radios[radio.id] = radio

    async def answer(self) -> None:
        waiting = [r for r in self.radios.values() if r.key not in self.done]
        if not waiting:
            await self.next_domain()
            return
        radio = self.rng.choice(waiting)
        choice = self.rng.choice([o for o in radio.options if o != radio.value])
        item = radio.key[len(self.prefix) :]
        started = time.perf_counter()
        run = await self.tab.rerun(
            states=[WidgetState(id=radio.id, string_value=choice)],
            fragment_id=radio.fragment_id,
            query="lang=zh",
        )
        elapsed = (time.perf_counter() - started) * 1000
        self.done.add(radio.key)
        radio.value = choice
        confirmed = self.tally.confirmed.setdefault(self.firm.submission_id, {})
        if SAVED in run.toasts:
            self.tally.answers.append(elapsed)
            confirmed[item] = radio.options.index(choice)
        else:
            self.tally.errors[run.problem() or f"answer: no {SAVED}"] += 1
            # Not confirmed: counted as an error, neither as stored nor as lost.
            confirmed.pop(item, None)
        self.take(run)

    async def next_domain(self) -> None:
        button = self.buttons.get("q_next")
        self.done.clear()
        if button is None:
            return  # the last domain: go on changing answers here
        started = time.perf_counter()
        run = await self.tab.rerun(
            states=[WidgetState(id=button.id, trigger_value=True)], query="lang=zh"
        )
        self.tally.next_domain.append((time.perf_counter() - started) * 1000)
        if run.problem():
            self.tally.errors[run.problem() or ""] += 1
        self.take(run)


TRANSPORT = (TimeoutError, OSError, websockets.WebSocketException)


async def drive(user: User, ready: asyncio.Barrier, deadline: list[float]) -> None:
    """Sign in and open (every user at once), wait for all, answer until the deadline."""
    try:
        try:
            await user.sign_in_and_open()
        except Broken as exc:
            user.tally.errors[str(exc)] += 1
            await ready.wait()
            return
        except TRANSPORT as exc:
            user.tally.errors[f"sign-in: {type(exc).__name__} {exc}"[:90]] += 1
            await ready.wait()
            return
        await ready.wait()
        try:
            while True:
                await asyncio.sleep(user.rng.uniform(*THINK_S))
                if time.monotonic() >= deadline[0]:
                    break
                await user.answer()
        except TRANSPORT as exc:
            user.tally.errors[f"answer: {type(exc).__name__} {exc}"[:90]] += 1
    finally:
        await user.tab.close()


# --- one row of the table -------------------------------------------------------------------------


def option_keys(standard_id: str) -> dict[str, list[Any]]:
    """item → the values its radio's options store, in the order the page lists them, for the
    items the bench answers (choice, yes/no, satisfaction)."""
    library = bundled_library()
    standard = library.standard(standard_id)
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    found: dict[str, list[Any]] = {}
    for item in standard.items:
        rule = item.rule
        if isinstance(rule, ChoiceRule):
            found[item.id] = [o.key for o in rule.options]
        elif isinstance(rule, YesNoRule):
            found[item.id] = [True, False]
        elif isinstance(rule, SatisfactionRule) and rule.scale in scales:
            found[item.id] = [g.key for g in scales[rule.scale].grades]
    return found


@dataclass
class Row:
    users: int
    tally: Tally
    seconds: float
    cpu: float  # server CPU seconds over the answering phase, every process
    client_cpu: float
    lost: int
    checked: int
    rss: list[float]


async def warm_up(firms: list[Firm], servers: list[Server], items: set[str]) -> Tally:
    """One firm per process signs in, opens its questionnaire and answers once, untimed, so
    that the row meets processes that have run every page once (as a server that has been up
    has), not their first imports."""
    tally = Tally()
    users = [
        User(f, s.port, tally, items, n)
        for n, (f, s) in enumerate(zip(firms, servers, strict=True))
    ]

    async def once(user: User) -> None:
        try:
            await user.sign_in_and_open()
            await user.answer()
        except (Broken, *TRANSPORT) as exc:
            tally.errors[str(exc) or type(exc).__name__] += 1
        finally:
            await user.tab.close()

    await asyncio.gather(*(once(u) for u in users))
    return tally


async def answer_phase(
    firms: list[Firm], warm: list[Firm], servers: list[Server], seconds: float, items: set[str]
) -> tuple[Tally, float, float, float]:
    warmed = await warm_up(warm, servers, items)
    if warmed.errors or len(warmed.answers) != len(servers):
        raise RuntimeError(f"warm-up failed: {dict(warmed.errors) or 'no answer confirmed'}")
    tally = Tally()
    users = [
        User(firm, servers[n % len(servers)].port, tally, items, 1000 + n)
        for n, firm in enumerate(firms)
    ]
    ready = asyncio.Barrier(len(users) + 1)
    deadline = [float("inf")]
    tasks = [asyncio.create_task(drive(u, ready, deadline)) for u in users]
    await ready.wait()
    pids = [s.process.pid for s in servers]
    cpu0, own0, machine0 = sum(cpu_seconds(p) for p in pids), time.process_time(), machine_busy()
    started = time.monotonic()
    deadline[0] = started + seconds
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - started
    cpu = sum(cpu_seconds(p) for p in pids) - cpu0
    machine1 = machine_busy()
    tally.machine = (machine1[0] - machine0[0]) / (machine1[1] - machine0[1])
    return tally, elapsed, cpu, time.process_time() - own0


def lost_writes(
    url: str, tally: Tally, firms: list[Firm], keys: dict[str, list[Any]]
) -> tuple[int, int]:
    """(confirmed answers whose stored value differs, confirmed answers re-read)."""
    db = open_database(url, migrate=False)
    try:
        lost = checked = 0
        for firm in firms:
            member = Principal(firm.user_id, Role.ENTERPRISE, firm.org_id, firm.email)
            stored = submissions.get_submission(member, db, firm.submission_id).answers
            for item, position in tally.confirmed.get(firm.submission_id, {}).items():
                checked += 1
                if stored.get(item) != keys[item][position]:
                    lost += 1
        return lost, checked
    finally:
        db.dispose()


def measure_row(
    url: str,
    folder: Path,
    firms: list[Firm],
    warm: list[Firm],
    args: argparse.Namespace,
    keys: dict[str, list[Any]],
) -> Row:
    with app_processes(url, folder, args.processes, args.option) as servers:
        tally, elapsed, cpu, own = asyncio.run(
            answer_phase(firms, warm, servers, args.seconds, set(keys))
        )
        rss = [rss_mb(s.process.pid) for s in servers]
    lost, checked = lost_writes(url, tally, firms, keys)
    return Row(len(firms), tally, elapsed, cpu, own, lost, checked, rss)


# --- the report -----------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def actions(row: Row) -> int:
    """Confirmed answers and domain changes: the user actions the server did work for."""
    return len(row.tally.answers) + len(row.tally.next_domain)


def cpu_ms(row: Row) -> float:
    return row.cpu * 1000 / actions(row) if actions(row) else float("nan")


def line(row: Row) -> str:
    t = row.tally
    errors = sum(t.errors.values())
    kinds = ", ".join(f"{n} × `{k}`" for k, n in t.errors.most_common())
    return (
        f"| {row.users} | {actions(row) / row.seconds:.1f} | "
        f"{median(t.answers):,.0f} / {p95(t.answers):,.0f} ms | {p95(t.opened):.1f} s | "
        f"{row.cpu / row.seconds * 100:.0f} % | {errors}{' (' + kinds + ')' if kinds else ''} | "
        f"{cpu_ms(row):.0f} ms | {row.lost} of {row.checked} |"
    )


def met(row: Row) -> list[str]:
    """The targets this row misses."""
    t = row.tally
    missed = []
    if row.lost:
        missed.append(f"{row.users} firms: {row.lost} lost writes")
    if t.errors:
        missed.append(f"{row.users} firms: {sum(t.errors.values())} errors")
    if not t.answers:
        missed.append(f"{row.users} firms: no answer confirmed")
    elif row.users >= TARGET_AT_USERS:
        if p95(t.answers) >= TARGET_P95_MS:
            missed.append(f"{row.users} firms: answer p95 {p95(t.answers):,.0f} ms")
        if cpu_ms(row) > TARGET_CPU_MS:
            missed.append(f"{row.users} firms: server CPU {cpu_ms(row):.0f} ms per action")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--users", default="1,10,40", help="firms at once, one row each (%(default)s)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="answering time per row")
    parser.add_argument("--processes", type=int, default=1, help="app processes on one database")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--cohort", type=int, default=0, help="synthetic peer firms in the seed")
    parser.add_argument("--standard", default="zj-future-factory", help="of the drafts")
    parser.add_argument("--profile", default="ff", help="of the drafts")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a Streamlit option for the app processes, e.g. runner.postScriptGC=false")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the folder (logs, SQLite file)")
    args = parser.parse_args()
    rows = [int(n) for n in args.users.split(",") if n.strip()]
    if not rows or min(rows) < 1 or max(rows) > MAX_USERS:
        parser.error(f"--users: between 1 and {MAX_USERS} each")
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds: between 1 and {MAX_SECONDS}")
    if not 1 <= args.processes <= (os.cpu_count() or 1) * 2:
        parser.error("--processes: between 1 and twice the cores")

    store = "SQLite" if args.database_url is None else "PostgreSQL"
    cores = os.cpu_count() or 1
    started = load1()
    print(
        f"{args.processes} app process{'es' if args.processes > 1 else ''} on {store}"
        f"{' (users spread across them, no proxy)' if args.processes > 1 else ''} · "
        f"{args.standard} / {args.profile} · {args.seconds:.0f} s of answering per row · "
        f"think time {THINK_S[0]:.0f}–{THINK_S[1]:.0f} s"
    )
    print(f"load average (1 min) at start: {started:.2f} on {cores} cores")
    folder = Path(tempfile.mkdtemp(prefix="zhizao-bench-load-"))
    keys = option_keys(args.standard)
    results: list[Row] = []
    try:
        with fresh_database(args.database_url, folder) as url:
            began = time.perf_counter()
            # Each row: its own firms, and one more per process to warm the processes up with.
            needed = sum(rows) + len(rows) * args.processes
            firms = seed(url, needed, args.cohort, args.standard, args.profile)
            print(
                f"seeded the demo and {len(firms)} firm accounts (with the warm-up's) in {time.perf_counter() - began:.0f} s"
            )
            for count in rows:
                mine, firms = firms[:count], firms[count:]
                warm, firms = firms[: args.processes], firms[args.processes :]
                row = measure_row(url, folder, mine, warm, args, keys)
                results.append(row)
                t = row.tally
                print(
                    f"  {count} firms: {len(t.answers)} answers in {row.seconds:.0f} s, "
                    f"{len(t.next_domain)} domain changes (median / p95 {median(t.next_domain):,.0f} / "
                    f"{p95(t.next_domain):,.0f} ms), "
                    f"server RSS {' + '.join(f'{r:.0f}' for r in row.rss)} MB, "
                    f"bench's own CPU {row.client_cpu / row.seconds * 100:.0f} %, "
                    f"machine {t.machine * 100:.0f} % busy (of {cores} cores), "
                    f"load {load1():.2f}",
                    flush=True,
                )
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print()
    print("| firms at once | actions/s | answer median / p95 | sign-in + open p95 | server CPU | errors | CPU per action | lost writes |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for row in results:
        print(line(row))
    print(
        "\nactions: confirmed answers and domain changes. Server CPU: % of one core, every app"
        " process, over the answering phase; per action = that CPU / actions (it includes what"
        " the server does after sending script_finished, such as its garbage collection)."
        f"\nTargets: at {TARGET_AT_USERS}+ firms answer p95 < {TARGET_P95_MS:,.0f} ms and"
        f" ≤ {TARGET_CPU_MS:.0f} ms of server CPU per action; always no errors, no lost writes."
    )
    missed = [m for row in results for m in met(row)]
    print("targets: " + ("all met" if not missed else "missed — " + "; ".join(missed)))
    print(f"load average (1 min) at end: {load1():.2f} (start {started:.2f})")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
