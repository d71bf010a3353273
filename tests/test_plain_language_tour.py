"""The Chinese tour in a real Chromium: every page in the navigation of every role (the public, a
firm, an evaluator, an administrator) and the verification page of an issued certificate, read as
a person reads them (`inner_text` of the page), shows no evidence code, workspace path, commit or
Streamlit English uploader text.

Each page's findings are collected first and reported together, so one run names every page that
still shows internal words and the words it shows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app_support import World, issue_certificate
from conftest import require_tool
from e2e_support import ARTIFACTS, chromium_browser, settle, sign_in, streamlit_server

from assessment.storage.db import open_database

NUMBER = "ZZ-7K3X-1B2C-4D5E"
# The words of the issue, and what Streamlit 1.67's uploader prints in English.
FORBIDDEN = {
    "NOT FOUND": re.compile(r"NOT FOUND"),
    "THIRD-PARTY": re.compile(r"THIRD-PARTY"),
    "INFERRED": re.compile(r"INFERRED"),
    "shared/": re.compile(r"shared/"),
    "commit": re.compile(r"commit", re.IGNORECASE),
    "Browse files": re.compile(r"Browse files"),
    "per file": re.compile(r"\d+\s*MB per file"),
    "Drag and drop": re.compile(r"Drag and drop"),
}
ROLES = (None, "firm", "evaluator", "admin")
CHOOSER = "选择评估"


def found_in(text: str) -> list[str]:
    return [name for name, pattern in FORBIDDEN.items() if pattern.search(text)]


def nav_links(page: Any) -> list[str]:
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    # a link's text is its icon's ligature name and its title, on separate lines
    return [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]


def read(page: Any, name: str) -> str:
    settle(page)
    page.wait_for_timeout(400)  # charts and tables draw after the script ends
    settle(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"plain-{name}.png"), full_page=True)
    return str(page.inner_text("body"))


def other_assessments(page: Any) -> Iterator[str]:
    """Each further choice of the page's assessment chooser (results, questionnaire, carbon,
    review show one assessment at a time; its flags and notes depend on the standard)."""
    chooser = page.get_by_test_id("stSelectbox").filter(has_text=CHOOSER)
    if chooser.count() == 0:
        return
    chooser.first.click()
    count = page.get_by_role("option").count()
    page.keyboard.press("Escape")
    for index in range(1, count):
        chooser.first.click()
        option = page.get_by_role("option").nth(index)
        label = option.inner_text().strip()
        option.click()
        yield label


def prepare(url: str, keys: Path) -> None:
    """A certificate to verify, on the approved demo result of the future-factory standard."""
    db = open_database(url)
    world = World(url, db)
    approved = world.submission("admin", "approved", "zj-future-factory")
    today = dt.date.today()
    issue_certificate(world, approved.id, keys, number=NUMBER, issued_on=today,
                      expires_on=today.replace(year=today.year + 3))  # fmt: skip
    db.dispose()


def test_no_internal_words_on_any_chinese_page(tmp_path: Path) -> None:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    failures: dict[str, list[str]] = {}
    visited: list[str] = []
    with streamlit_server(tmp_path) as (base, url), chromium_browser(chromium) as browser:
        prepare(url, tmp_path / "keys")
        for who in ROLES:
            role = who or "public"
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.set_default_timeout(30_000)
            if who is None:
                page.goto(f"{base}/", wait_until="domcontentloaded")
                settle(page)
            else:
                sign_in(page, base, who)
                # the browser fetches its session cookie and comes back signed in
                page.get_by_text("已登录").first.wait_for()
                settle(page)
            links = nav_links(page)
            assert links, f"{role}: no navigation"
            for index, label in enumerate(links):
                page.get_by_test_id("stSidebarNav").get_by_role("link").nth(index).click()
                name = f"{role}-{index}"
                text = read(page, name)
                visited.append(f"{role}: {label}")
                hits = found_in(text)
                if hits:
                    failures[f"{role}: {label} ({page.url})"] = hits
                for n, choice in enumerate(other_assessments(page), start=1):
                    text = read(page, f"{name}-{n}")
                    visited.append(f"{role}: {label} · {choice}")
                    hits = found_in(text)
                    if hits:
                        failures[f"{role}: {label} · {choice}"] = hits
            page.goto(f"{base}/?verify={NUMBER}", wait_until="domcontentloaded")
            text = read(page, f"{role}-verify-certificate")
            assert "有效" in text, f"{role}: the certificate does not verify"
            visited.append(f"{role}: verify {NUMBER}")
            hits = found_in(text)
            if hits:
                failures[f"{role}: verify {NUMBER}"] = hits
            context.close()
    assert len(visited) >= 4 + 3 + 5 + 8, visited
    assert failures == {}, "\n".join(f"{where}: {', '.join(w)}" for where, w in failures.items())
