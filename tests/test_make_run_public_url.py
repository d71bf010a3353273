"""`make run PORT=…` prints certificates whose QR code leads to that port: `make run` on a fresh
data folder seeds the demo (which issues certificates), the QR code of a stored certificate is
read back from the rendered PDF with zbarimg, and the page it opens in Chromium says 有效."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from app_support import ROOT
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, free_port, settle

from assessment.accounts.principal import Principal
from assessment.certificates import records
from assessment.storage.db import open_database

pytestmark = pytest.mark.slow


def _wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 240  # the first run seeds the demo cohort
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"make run exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:  # noqa: S310 - loopback
                if reply.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the app did not answer within 240 s:\n{log.read_text()[-3000:]}")


def test_make_run_on_another_port_prints_qr_codes_that_lead_there(tmp_path: Path) -> None:
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    zbarimg = require_tool("zbarimg", "zbar-tools")
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("ZHIZAO_PUBLIC_URL", "ZHIZAO_BASE_URL")}
    env |= {"ZHIZAO_DATA_DIR": str(tmp_path / "data"), "ZHIZAO_KEY_DIR": str(tmp_path / "keys")}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "make-run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for_health(f"http://127.0.0.1:{port}", process, log)
        db = open_database(f"sqlite:///{tmp_path / 'data' / 'zhizao.sqlite'}", migrate=False)
        try:
            valid = [
                c for c in records.list_certificates(Principal.system("test"), db)
                if c.status == "valid"
            ]  # fmt: skip
        finally:
            db.dispose()
        assert valid, "the demo seed issues at least one valid certificate"
        number = valid[0].number
        pdf = tmp_path / "certificate.pdf"
        subprocess.run(
            [str(ROOT / ".venv" / "bin" / "zhizao"), "cert", "export", number, "--out", str(pdf)],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [pdftoppm, "-r", "200", "-png", str(pdf), str(tmp_path / "page")], check=True
        )
        pages = sorted(tmp_path.glob("page*.png"))
        decoded = subprocess.run(
            [zbarimg, "--raw", "-q", *map(str, pages)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert decoded == [f"http://localhost:{port}/?verify={number}"]

        with chromium_browser(chromium) as browser:
            page = browser.new_page()
            page.goto(decoded[0], wait_until="domcontentloaded")
            settle(page)
            page.get_by_text(number).first.wait_for(timeout=TIMEOUT)
            page.get_by_text("有效", exact=True).first.wait_for(timeout=TIMEOUT)
            page.get_by_text("签名验证通过").first.wait_for(timeout=TIMEOUT)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
