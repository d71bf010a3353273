"""Helpers for the real-browser tests and the screenshot tour: `streamlit run` on a seeded SQLite
database, Debian's Chromium through Playwright, and waiting for Streamlit to settle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app_support import EMAILS, PASSWORD, ROOT, seed_file

from assessment.certificates.issuer import DEMO_ISSUER, DEMO_KEY_FOLDER
from assessment.certificates.keys import init_keys

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT = 30_000  # ms, per wait
ARTIFACTS = Path(os.environ.get("ZHIZAO_ARTIFACTS", ROOT / "tmp" / "artifacts")) / "e2e"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_issuer_key(folder: Path) -> Path:
    """The demo issuer key of a `streamlit_server(folder)` (its firms are demo data, which only a
    demo key signs), as `zhizao demo seed` makes it; returns its folder."""
    keys = folder / "data" / DEMO_KEY_FOLDER
    init_keys(keys, allow_git_ignored=True, issuer_name=DEMO_ISSUER)
    return keys


def healthy(base: str) -> bool:
    """Whether the app at `base` answers its health check now."""
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:  # noqa: S310 - loopback
            return bool(reply.read().strip() == b"ok")
    except OSError:
        return False


@contextmanager
def streamlit_server(
    folder: Path, *, port: int | None = None, options: Sequence[str] = ()
) -> Iterator[tuple[str, str]]:
    """`streamlit run` on a freshly seeded database in `folder`: (base URL, database URL).
    `options`: more Streamlit flags (e.g. `--secrets.files=…`)."""
    database = folder / "e2e.sqlite"
    seed_file(database)
    url = f"sqlite:///{database}"
    port = port or free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ZHIZAO_KEY_DIR": str(folder / "keys"),
        "ZHIZAO_DATA_DIR": str(folder / "data"),
        "ZHIZAO_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = (folder / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", "ui/server.py",
            "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
            "--server.fileWatcherType=none", "--browser.gatherUsageStats=false", *options,
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {process.returncode}; see {folder / 'streamlit.log'}"
                )
            if healthy(base):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")
            time.sleep(0.3)
        yield base, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def chromium_browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only for browser runs

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def settle(page: object) -> None:
    """Wait until the app is connected and no script is running."""
    page.wait_for_timeout(250)  # type: ignore[attr-defined]
    for state in ("connection-state='CONNECTED'", "script-state='notRunning'"):
        page.locator(f"[data-testid='stApp'][data-test-{state}]").wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def sign_in(page: object, base: str, who: str) -> None:
    page.goto(f"{base}/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_label("邮箱").fill(EMAILS[who])  # type: ignore[attr-defined]
    page.get_by_label("密码").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="登录", exact=True).click()  # type: ignore[attr-defined]
    settle(page)


def nav(page: object, label: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()  # type: ignore[attr-defined]
    settle(page)


def click(page: object, key: str) -> None:
    """Click the button of the widget with this key (Streamlit marks it with class st-key-KEY)."""
    page.locator(f".st-key-{key} button").first.click()  # type: ignore[attr-defined]
    settle(page)


def sees(page: object, text: str) -> None:
    page.get_by_text(text).first.wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]


def pick(page: object, key: str, text: str = "") -> None:
    """Choose the first option containing `text` in the selectbox `key`, opening the list
    again if a rerun closed it under the click (as happens on a loaded machine)."""
    options = page.get_by_role("option")  # type: ignore[attr-defined]
    option = (options.filter(has_text=text) if text else options).first
    for _ in range(3):
        settle(page)
        page.locator(f".st-key-{key}").first.click()  # type: ignore[attr-defined]
        try:
            option.wait_for(timeout=5_000)
        except Exception:  # noqa: S112 - the list closed; open it again
            continue
        option.click()
        settle(page)
        return
    raise AssertionError(f"no option {text!r} in {key}")
