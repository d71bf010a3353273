"""An administrator disables an account on the organisations page (AppTest, real SQLite): the
account's own open app is signed out on its next run, the audit log has the change, and enabling
it again lets it sign in anew."""

from __future__ import annotations

import pytest
from app_support import *  # noqa: F403 - the app fixtures
from app_support import EMAILS, World, run

from assessment.accounts import organisations
from assessment.accounts.principal import Principal


def _titles(at: object) -> list[str]:
    return [e.value for e in at.title]  # type: ignore[attr-defined]


def test_disabling_an_account_signs_its_open_app_out(app_world: World) -> None:
    firm_app = run(app_world.app("firm"))
    assert _titles(firm_app) == ["我的评估"]

    admin_app = run(app_world.app("admin"))
    firm = app_world.user("firm")
    admin_app.selectbox(key="access_pick").select(firm.user_id)
    run(admin_app)
    admin_app.button(key="access_toggle").click()
    run(admin_app)

    users = {u.email: u for u in organisations.list_users(Principal.system("t"), app_world.db)}
    assert users[EMAILS["firm"]].active is False
    assert _titles(run(firm_app)) == ["智造评估 · 登录"]  # the next run of the firm's tab

    admin_app.selectbox(key="access_pick").select(firm.user_id)
    run(admin_app)
    assert admin_app.button(key="access_toggle").label == "重新启用此账号"
    admin_app.button(key="access_toggle").click()
    run(admin_app)
    users = {u.email: u for u in organisations.list_users(Principal.system("t"), app_world.db)}
    assert users[EMAILS["firm"]].active is True
    assert _titles(run(app_world.app("firm"))) == ["我的评估"]


def test_the_certificates_page_shows_the_public_address(
    app_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "https://zhizao.example.cn")
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_certificates.py"))
    assert any("公开访问地址：`https://zhizao.example.cn`" in c.value for c in at.caption)
    monkeypatch.delenv("ZHIZAO_PUBLIC_URL")
    monkeypatch.delenv("ZHIZAO_BASE_URL", raising=False)
    run(at)
    assert any("尚未设置公开访问地址 ZHIZAO_PUBLIC_URL" in w.value for w in at.warning)
