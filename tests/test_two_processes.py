"""Two app processes on one PostgreSQL database, in a real browser: `streamlit run ui/server.py`
twice (two ports, one fresh database seeded with the demo), headless Chromium through Playwright.

- A sign-in made through one process is the same session in the other: its cookie taken to the
  second process opens the firm's home page, and a sign-out through the second process signs the
  first one's tab out on its next load (nothing about a sign-in lives in a process).
- The firm and a colleague of the same organisation edit one submission at the same version, one
  through each process: exactly one of them is told of a conflict, nothing the page shows as saved
  is missing from the database, and the colleague's answer lands after a reload.

The helpers here (a fresh seeded PostgreSQL database, app processes on a given DATABASE_URL) are
also what tests/test_proxy.py puts behind nginx.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from app_support import EMAILS, PASSWORD, ROOT
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, click, nav, sees, settle
from lifecycle_support import Servers, servers  # noqa: F401 - the session's PostgreSQL templates
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import identity, organisations, sessions
from assessment.accounts.principal import Principal, Role
from assessment.demo.seed import DEMO_DOMAIN, seed_demo
from assessment.storage.db import open_database
from assessment.storage.tables import SignInSession

pytestmark = pytest.mark.slow

COLLEAGUE = f"colleague@{DEMO_DOMAIN}"  # a second account of the firm's organisation
SIGNED_IN = "已登录："
SIGN_IN_TITLE = "智造评估 · 登录"
SAVED = "已自动保存。"
CONFLICT = "保存冲突：他人已在您之后保存了此评估，您的修改未保存。请重新载入后再修改。"
STANDARD, PROFILE = "gbt37393-2019", "digital-workshop"  # yes/no items, quick to answer
YES = re.compile(r"^是（")


# --- helpers (also used by tests/test_proxy.py) --------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed_postgres(url: str) -> None:
    """The demo at `url` (as `tests/app_support.seed_file` makes it on SQLite: every account's
    password PASSWORD, no cohort), plus COLLEAGUE, a second member of the firm's organisation."""
    saved = identity.SCRYPT_N
    identity.SCRYPT_N = 2**10  # test accounts need no real cost
    try:
        db = open_database(url)
        try:
            seed_demo(db, cohort_size=0, passwords=dict.fromkeys(EMAILS.values(), PASSWORD))
            system = Principal.system("test")
            firm = account(db, EMAILS["firm"])
            organisations.create_user(
                system, db, email=COLLEAGUE, role=Role.ENTERPRISE, password=PASSWORD,
                org_id=firm.org_id,
            )  # fmt: skip
        finally:
            db.dispose()
    finally:
        identity.SCRYPT_N = saved


def account(db: Any, email: str) -> Principal:
    found = {u.email: u for u in organisations.list_users(Principal.system("test"), db)}[email]
    return Principal(found.id, Role(found.role), found.organisation_id, found.email)


@pytest.fixture(scope="module")
def shared_database(servers: Servers) -> Iterator[str]:  # noqa: F811 - the fixture
    """A fresh database on the test PostgreSQL server (ZHIZAO_TEST_POSTGRES_URL), migrated and
    seeded; dropped afterwards. Skips (fails under ZHIZAO_STRICT=1) without a server."""
    url = servers.postgres_url()
    try:
        seed_postgres(url)
        yield url
    finally:
        servers.drop(url)


def streamlit_command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", "ui/server.py",
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]  # fmt: skip


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:  # noqa: S310 - loopback
            return bool(reply.read().strip() == b"ok")
    except OSError:
        return False


@contextmanager
def app_processes(
    database_url: str,
    folder: Path,
    ports: Sequence[int],
    *,
    public_url: str | None = None,
    command: Callable[[int], list[str]] | None = None,
) -> Iterator[list[str]]:
    """One `streamlit run ui/server.py` per port, all on `database_url`, sharing one key and one
    data folder as the processes of one installation do; yields their base URLs once every one
    answers /_stcore/health. Each writes folder/app-PORT.log. `command(port)`: another command
    line than `streamlit_command(port)` (tests/test_proxy.py runs the systemd unit's)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ZHIZAO_KEY_DIR": str(folder / "keys"),
        "ZHIZAO_DATA_DIR": str(folder / "data"),
    }
    with ExitStack() as stack:
        started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        for port in ports:
            base = f"http://127.0.0.1:{port}"
            log_path = folder / f"app-{port}.log"
            log = stack.enter_context(log_path.open("w"))
            process = subprocess.Popen(
                (command or streamlit_command)(port),
                cwd=ROOT, env={**env, "ZHIZAO_PUBLIC_URL": public_url or base},
                stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
            stack.callback(_stop, process)
            started.append((base, process, log_path))
        deadline = time.monotonic() + 90  # two processes start side by side on two cores
        waiting = list(started)
        while waiting:
            for entry in list(waiting):
                base, process, log_path = entry
                if process.poll() is not None:
                    raise RuntimeError(
                        f"streamlit exited with {process.returncode}; see {log_path}"
                    )
                if _healthy(base):
                    waiting.remove(entry)
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"no answer on /_stcore/health within 90 s: {waiting[0][2]}")
            time.sleep(0.3)
        yield [base for base, _, _ in started]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sign_in_as(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/", wait_until="domcontentloaded")
    settle(page)
    page.get_by_label("邮箱").fill(email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    settle(page)
    page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)


def answer_yes(page: Any, item_id: str) -> None:
    page.locator(f".st-key-item-{item_id}").get_by_text(YES).first.click()
    settle(page)


# --- the tests -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apps(shared_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    folder = tmp_path_factory.mktemp("two-processes")
    with app_processes(shared_database, folder, [free_port(), free_port()]) as bases:
        yield bases


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched


def _session_cookie(context: Any) -> dict[str, Any]:
    found = [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]
    assert len(found) == 1, found
    return dict(found[0])


def _open_sessions(url: str, email: str) -> list[SignInSession]:
    db = open_database(url, migrate=False)
    try:
        user = account(db, email)
        with db.read() as session:
            return list(
                session.scalars(
                    select(SignInSession).where(
                        SignInSession.user_id == user.user_id, SignInSession.ended_at.is_(None)
                    )
                )
            )
    finally:
        db.dispose()


def _body(page: Any) -> str:
    settle(page)
    return str(page.inner_text("body"))


def test_a_sign_in_through_one_process_is_the_same_session_in_the_other(
    apps: list[str], shared_database: str, browser: Any
) -> None:
    base_a, base_b = apps
    first = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    second = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        page_a = first.new_page()
        sign_in_as(page_a, base_a, EMAILS["firm"])
        sees(page_a, "下一步：")
        cookie = _session_cookie(first)
        [row] = _open_sessions(shared_database, EMAILS["firm"])
        assert row.token_sha256 == hashlib.sha256(str(cookie["value"]).encode()).hexdigest()

        # The cookie alone, in a browser that never saw process A: B serves the firm's home page.
        second.add_cookies([cookie])
        page_b = second.new_page()
        page_b.goto(f"{base_b}/", wait_until="domcontentloaded")
        sees(page_b, "下一步：")
        body = _body(page_b)
        assert SIGNED_IN in body
        assert SIGN_IN_TITLE not in body
        assert page_b.get_by_label("密码").count() == 0
        # still the one session A opened: B started none of its own
        assert [r.id for r in _open_sessions(shared_database, EMAILS["firm"])] == [row.id]

        # Signed out through B: A's tab, whose browser still holds the cookie, is signed out on
        # its next load, because A asks the database, not its own memory.
        click(page_b, "sign_out")
        page_b.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
        assert _open_sessions(shared_database, EMAILS["firm"]) == []
        assert [c["value"] for c in first.cookies() if c["name"] == sessions.COOKIE_NAME] == [
            cookie["value"]
        ]
        page_a.reload(wait_until="domcontentloaded")
        page_a.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
        body = _body(page_a)
        assert SIGNED_IN not in body
    finally:
        first.close()
        second.close()


def test_two_colleagues_on_two_processes_get_one_conflict_and_lose_no_write(
    apps: list[str], shared_database: str, browser: Any
) -> None:
    base_a, base_b = apps
    db = open_database(shared_database, migrate=False)
    firm = account(db, EMAILS["firm"])
    # The newest editable submission is the one the questionnaire opens (had it opened another,
    # the answers read back below would be missing from this one).
    sub = submissions.create_submission(
        firm, db, org_id=firm.org_id or 0, standard_id=STANDARD, profile=PROFILE
    )
    ours, theirs = "identifiable-resources", "shopfloor-visualisation"  # both in the first domain
    contexts = [
        browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        for _ in range(2)
    ]
    try:
        page_a, page_b = (c.new_page() for c in contexts)
        sign_in_as(page_a, base_a, EMAILS["firm"])
        sign_in_as(page_b, base_b, COLLEAGUE)
        for page in (page_a, page_b):
            nav(page, "问卷填报")
            page.locator(f".st-key-item-{theirs}").wait_for(timeout=TIMEOUT)

        # Both pages hold version v; the firm saves first (through A), the colleague second
        # (through B), still on v.
        answer_yes(page_a, ours)
        sees(page_a, SAVED)
        answer_yes(page_b, theirs)
        sees(page_b, CONFLICT)
        assert page_b.get_by_text(CONFLICT).count() == 1
        assert page_a.get_by_text(CONFLICT).count() == 0
        stored = submissions.get_submission(firm, db, sub.id)
        assert stored.answers == {ours: True}  # the firm's save stands; the colleague's was refused
        assert stored.version == sub.version + 1

        # The colleague reloads (the firm's answer appears), answers again and is saved.
        click(page_b, f"reload-{sub.id}")
        assert page_b.get_by_text(CONFLICT).count() == 0
        assert page_b.locator(f".st-key-item-{ours}").get_by_role("radio").first.is_checked()
        answer_yes(page_b, theirs)
        sees(page_b, SAVED)
        stored = submissions.get_submission(firm, db, sub.id)
        assert stored.answers == {ours: True, theirs: True}
        assert stored.version == sub.version + 2
        assert _body(page_b).count(CONFLICT) == 0
    finally:
        for context in contexts:
            context.close()
        db.dispose()
