"""Signing in through an identity provider (`st.login`, OIDC), in a real browser against a real
provider on loopback (oidc-provider-mock): the provider's e-mail signs in the local account of
that e-mail, with its role; the sign-in survives a reload like a password's; sign-out ends it; an
e-mail without an active account signs nobody in and says so."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
from app_support import EMAILS
from conftest import require_tool
from e2e_support import TIMEOUT, chromium_browser, free_port, settle, streamlit_server

pytestmark = pytest.mark.slow

SIGNED_IN = "已登录："


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread  # noqa: PLC0415 - a test tool only

    folder = tmp_path_factory.mktemp("oidc")
    port = free_port()
    with run_server_in_thread() as provider:
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            'client_id = "zhizao-test"\n'
            'client_secret = "zhizao-test-secret"\n'
            "server_metadata_url = "
            f'"http://localhost:{provider.server_port}/.well-known/openid-configuration"\n',
            encoding="utf-8",
        )
        with streamlit_server(folder, port=port, options=[f"--secrets.files={secrets_file}"]):
            yield f"http://localhost:{port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched


def _through_the_provider(page: object, base: str, subject: str) -> None:
    page.goto(f"{base}/", wait_until="domcontentloaded")  # type: ignore[attr-defined]
    settle(page)
    page.get_by_role("button", name="使用单位统一身份登录").click()  # type: ignore[attr-defined]
    page.locator("input[name=sub]").wait_for(timeout=TIMEOUT)  # type: ignore[attr-defined]
    page.locator("input[name=sub]").fill(subject)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Authorize").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/**", timeout=TIMEOUT)  # type: ignore[attr-defined]
    settle(page)


def test_the_providers_email_signs_in_the_local_account(server: str, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        _through_the_provider(page, server, EMAILS["evaluator"])
        page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)
        assert "评审员" in page.inner_text("body")  # the local account's role
        page.reload(wait_until="domcontentloaded")
        settle(page)
        page.get_by_text(SIGNED_IN).first.wait_for(timeout=TIMEOUT)

        page.get_by_role("button", name="退出登录").click()
        page.get_by_text("智造评估 · 登录").first.wait_for(timeout=TIMEOUT)
        page.reload(wait_until="domcontentloaded")
        settle(page)
        assert SIGNED_IN not in page.inner_text("body")
    finally:
        context.close()


def test_an_email_without_an_account_signs_nobody_in(server: str, browser: object) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        _through_the_provider(page, server, "stranger@example.org")
        page.get_by_text("没有启用的账号").first.wait_for(timeout=TIMEOUT)
        assert SIGNED_IN not in page.inner_text("body")
        assert "stranger@example.org" in page.inner_text("body")
    finally:
        context.close()
