"""Several app processes on one PostgreSQL database, for the browser tests that need them
(tests/test_two_processes.py, tests/test_proxy.py): a fresh database seeded with the demo, `streamlit
run ui/server.py` on a given DATABASE_URL and port, signing in and answering in Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from app_support import EMAILS, PASSWORD, ROOT
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, healthy, settle
from lifecycle_support import Servers, servers  # noqa: F401 - the session's PostgreSQL templates

from assessment.accounts import identity, organisations
from assessment.accounts.principal import Principal, Role
from assessment.demo.seed import DEMO_DOMAIN, seed_demo
from assessment.storage.db import open_database

COLLEAGUE = f"colleague@{DEMO_DOMAIN}"  # a second account of the firm's organisation
SIGNED_IN = "已登录："
SIGN_IN_TITLE = "智造评估 · 登录"
SAVED = "已自动保存。"
CONFLICT = "保存冲突：他人已在您之后保存了此评估，您的修改未保存。请重新载入后再修改。"
STANDARD, PROFILE = "gbt37393-2019", "digital-workshop"  # yes/no items, quick to answer
YES = re.compile(r"^是（")


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
                if healthy(base):
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
def browser() -> Iterator[Any]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched
