"""Sign-in that survives a reload, in a real browser: headless Chromium against `streamlit run
ui/server.py` on a seeded SQLite file. Signed in, a reload and a second tab stay signed in; the
cookie is HttpOnly and SameSite=Strict; sign-out ends the session for every tab; a cookie that was
tampered with signs nobody in; an account an administrator disables is signed out on its next click.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from app_support import EMAILS
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, settle, sign_in, streamlit_server

from assessment.accounts import organisations, sessions
from assessment.accounts.principal import Principal, Role
from assessment.storage.db import open_database

pytestmark = pytest.mark.slow

SIGNED_IN = "已登录："
SIGN_IN_TITLE = "智造评估 · 登录"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with streamlit_server(tmp_path_factory.mktemp("sessions")) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched


def _signed_in(page: object) -> bool:
    settle(page)
    body: str = page.inner_text("body")  # type: ignore[attr-defined]
    return SIGNED_IN in body and SIGN_IN_TITLE not in body


def _session_cookie(context: object) -> dict[str, object]:
    found = [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]  # type: ignore[attr-defined]
    assert len(found) == 1, found
    return found[0]


def test_a_reload_and_a_second_tab_stay_signed_in_until_sign_out(
    server: tuple[str, str], browser: object
) -> None:
    base, _ = server
    context = browser.new_context(viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        sign_in(page, base, "firm")
        page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)
        cookie = _session_cookie(context)
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert (
            page.evaluate("document.cookie").find(sessions.COOKIE_NAME) == -1
        )  # scripts can't read it

        page.reload(wait_until="domcontentloaded")
        assert _signed_in(page)
        second = context.new_page()
        second.goto(f"{base}/", wait_until="domcontentloaded")
        assert _signed_in(second)

        page.get_by_role("button", name="退出登录").click()
        page.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
        assert [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME] == []
        page.reload(wait_until="domcontentloaded")
        settle(page)
        assert not _signed_in(page)
        # the second tab's next click finds the session ended: the public menu, no account box
        second.get_by_role("link", name="标准库").first.click()
        second.get_by_text(SIGNED_IN).first.wait_for(state="detached", timeout=TIMEOUT)
        second.get_by_role("link", name="登录").first.wait_for(timeout=TIMEOUT)
    finally:
        context.close()


def test_a_tampered_cookie_signs_nobody_in(server: tuple[str, str], browser: object) -> None:
    base, _ = server
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        sign_in(page, base, "evaluator")
        page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)
        cookie = _session_cookie(context)
        value = str(cookie["value"])
        flipped = value[:10] + ("A" if value[10] != "A" else "B") + value[11:]
        context.clear_cookies()
        context.add_cookies([{**cookie, "value": flipped}])
        page.reload(wait_until="domcontentloaded")
        settle(page)
        assert not _signed_in(page)
        page.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
    finally:
        context.close()


def test_a_disabled_account_is_signed_out_on_its_next_click(
    server: tuple[str, str], browser: object
) -> None:
    base, url = server
    context = browser.new_context()  # type: ignore[attr-defined]
    db = open_database(url)
    admin = Principal.system("test")
    firm2 = next(u for u in organisations.list_users(admin, db) if u.email == EMAILS["firm2"])
    try:
        page = context.new_page()
        sign_in(page, base, "firm2")
        page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)
        assert Role(firm2.role) is Role.ENTERPRISE

        organisations.set_active(admin, db, firm2.id, False)
        page.get_by_role("link", name="标准库").first.click()
        page.get_by_text(SIGNED_IN).first.wait_for(state="detached", timeout=TIMEOUT)
        page.reload(wait_until="domcontentloaded")
        settle(page)
        assert not _signed_in(page)
    finally:
        organisations.set_active(admin, db, firm2.id, True)
        db.dispose()
        context.close()
