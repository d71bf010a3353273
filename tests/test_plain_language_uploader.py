"""Streamlit's file-uploader words in Chinese (ui/parts/uploader_text.py), in a real Chromium: a
small app with two uploaders and the style sheet, read as a person sees it — the button and the
line beside it show the catalogue's words, Streamlit's English is not rendered, and files that
were chosen still show."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

from conftest import require_tool
from e2e_support import ROOT, chromium_browser, free_port, settle

APP = """
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from ui.parts.uploader_text import localise_uploaders

st.session_state.setdefault("lang", {lang!r})
localise_uploaders()
st.file_uploader("工作簿", type=["xlsx"], key="one")
st.file_uploader("证明材料", type=["png"], accept_multiple_files=True, key="many")
"""


def _png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
    return path


def _serve(script: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless=true",
         "--server.address=127.0.0.1", f"--server.port={port}", "--server.maxUploadSize=20",
         "--server.fileWatcherType=none", "--browser.gatherUsageStats=false"],
        cwd=script.parent, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("streamlit did not start")


def test_uploader_words_follow_the_catalogue(tmp_path: Path) -> None:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    script = tmp_path / "uploaders.py"
    script.write_text(APP.format(root=str(ROOT), lang="zh"), encoding="utf-8")
    port = free_port()
    process = _serve(script, port)
    try:
        with chromium_browser(chromium) as browser:
            page = browser.new_page(viewport={"width": 1000, "height": 700})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
            settle(page)
            zone = page.get_by_test_id("stFileUploaderDropzone").first
            zone.wait_for()
            text = page.inner_text("body")
            assert "per file" not in text
            assert "Upload\n" not in text + "\n"
            button = zone.locator('[data-testid="stMarkdownContainer"]').first
            after = button.evaluate("e => getComputedStyle(e, '::after').content")
            assert after == '"选择文件"'
            hint = zone.get_by_test_id("stFileUploaderDropzoneInstructions").locator("> div")
            assert "拖放" in hint.evaluate("e => getComputedStyle(e, '::after').content")

            # The hint while a file is dragged over the zone.
            transfer = page.evaluate_handle(
                "() => { const d = new DataTransfer();"
                " d.items.add(new File(['x'], 'x.png', {type: 'image/png'})); return d; }"
            )
            zone.dispatch_event("dragenter", {"dataTransfer": transfer})
            page.wait_for_timeout(300)
            assert "Drag and drop" not in page.inner_text("body")
            zone.dispatch_event("dragleave", {"dataTransfer": transfer})

            # Files already chosen stay visible (the rules hide Streamlit's words, not the chips).
            chosen = [_png(tmp_path / "a.png"), _png(tmp_path / "b.png")]
            page.get_by_test_id("stFileUploaderDropzoneInput").nth(1).set_input_files(
                [str(p) for p in chosen]
            )
            page.get_by_test_id("stFileChip").nth(1).wait_for()
            settle(page)
            text = page.inner_text("body")
            assert "a.png" in text
            assert "b.png" in text
    finally:
        process.terminate()
        process.wait(timeout=15)
