"""On a phone (390 × 844, Chromium, a desktop user agent as tablets and "desktop site" send): the
sidebar closes after a menu item is chosen, the questionnaire's score panel is one line, and the
verification page fits the width."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, settle, shot, sign_in, streamlit_server

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with streamlit_server(tmp_path_factory.mktemp("phone")) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched


def _sidebar_open(page: object) -> bool:
    button = page.locator("[data-testid='stSidebarCollapseButton'] button")  # type: ignore[attr-defined]
    return bool(button.count()) and button.first.get_attribute("aria-expanded") == "true"


def test_a_phone_can_move_answer_and_verify(server: tuple[str, str], browser: object) -> None:
    base, _ = server
    context = browser.new_context(viewport=PHONE, has_touch=True)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        sign_in(page, base, "firm")
        if not _sidebar_open(page):
            page.get_by_test_id("stExpandSidebarButton").click()
            settle(page)
        assert _sidebar_open(page)
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="问卷填报").click()
        settle(page)
        page.get_by_role("heading", name="问卷填报").first.wait_for(timeout=TIMEOUT)
        page.wait_for_function(
            "() => document.querySelector(\"[data-testid='stSidebarCollapseButton'] button\")"
            "?.getAttribute('aria-expanded') !== 'true'",
            timeout=TIMEOUT,
        )
        # the score panel: one line (the compact expander), the full panel hidden
        assert page.locator(".st-key-score-compact").first.is_visible()
        assert not page.locator(".st-key-score-full").first.is_visible()
        compact = page.locator(".st-key-score-compact").first.bounding_box()
        assert compact is not None
        assert compact["height"] < 120
        shot(page, "phone-questionnaire")

        page.goto(f"{base}/verify", wait_until="domcontentloaded")
        settle(page)
        page.get_by_role("heading", name="证书验证").first.wait_for(timeout=TIMEOUT)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"the verification page scrolls sideways by {overflow}px"
        shot(page, "phone-verify")
    finally:
        context.close()
