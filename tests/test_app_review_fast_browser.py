"""The evaluator's fast path in a real browser (headless Chromium against `streamlit run`):
search the queue by credit code, decide items with the keyboard (a letter typed into a field is
not a shortcut), accept a domain, approve — the selector then says 已通过 — and an
administrator's revocation behind a dialog that names the firm and the certificate, after which
the selector says 已撤销. Screenshots in zh go to tmp/artifacts/e2e/ (review-fast-*.png)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import require_tool
from e2e_support import (
    chromium_browser,
    click,
    demo_issuer_key,
    nav,
    pick,
    sees,
    settle,
    shot,
    sign_in,
    streamlit_server,
)

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Principal
from assessment.certificates import records
from assessment.storage.db import open_database
from assessment.submissions import appdata

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("review-fast")
    demo_issuer_key(folder)  # the demo firms' certificates: signed by the demo key
    with streamlit_server(folder) as found:
        yield found


def shown(page: object, key: str) -> str:
    """What the selectbox with this key shows (its text and the value of its input)."""
    text: str = page.locator(f".st-key-{key}").evaluate(  # type: ignore[attr-defined]
        "e => e.innerText + ' ' + [...e.querySelectorAll('input')].map(i => i.value || i.placeholder).join(' ')"
    )
    return text


def test_the_fast_path_in_chromium(server: tuple[str, str], tmp_path: Path) -> None:
    base, url = server
    db = open_database(url)
    admin = Principal.system("test")
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    try:
        with chromium_browser(chromium) as browser:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page = context.new_page()
            try:
                run_through(page, base, db, admin)
            except Exception:
                shot(page, "review-fast-failure")
                raise
            finally:
                context.close()
    finally:
        db.dispose()


def run_through(page: object, base: str, db: object, admin: Principal) -> None:
    evaluator = next(
        u for u in organisations.list_users(admin, db) if u.email.startswith("evaluator@")
    )  # type: ignore[arg-type]
    ev = Principal(evaluator.id, evaluator.role, None, evaluator.email)  # type: ignore[arg-type]
    target = next(r for r in appdata.review_queue(ev, db) if r.status == "in_review")  # type: ignore[arg-type]

    # the queue: the credit code typed in lower case finds the one firm
    sign_in(page, base, "evaluator")
    sees(page, "评审任务")
    box = page.locator(".st-key-queue_search input")  # type: ignore[attr-defined]
    box.fill(target.credit_code.lower())
    box.press("Enter")
    settle(page)
    assert f"#{target.id} · {target.organisation_name}" in shown(page, "queue_pick")
    assert "共 1 项" in page.locator("body").inner_text()  # type: ignore[attr-defined]
    shot(page, "review-fast-01-queue-search")
    click(page, "queue_open")
    sees(page, "快捷键：A 认可")

    # the keyboard: A accepts the item in focus and moves on
    sub = submissions.get_submission(ev, db, target.id)  # type: ignore[arg-type]
    std = appdata.submission_standard(ev, db, sub.id)  # type: ignore[arg-type]
    groups = appdata.question_groups(std, sub.profile, sub.industry_type)
    order = [i for _, i in appdata.review_order(groups, set(sub.answers))]
    page.locator("h1").first.click()  # type: ignore[attr-defined]  # focus off any field
    page.keyboard.press("a")  # type: ignore[attr-defined]
    settle(page)
    sees(page, "已认可题目")
    decided = {d.key for d in submissions.list_decisions(ev, db, sub.id)}  # type: ignore[arg-type]
    assert decided == {order[0]}
    page.locator(f".st-key-review_focus code:text-is('{order[1]}')").wait_for()  # type: ignore[attr-defined]
    # letters typed into the reason field are text, not shortcuts
    page.locator(f".st-key-why-{order[1]} input").fill("a n j k")  # type: ignore[attr-defined]
    page.locator(f".st-key-why-{order[1]} input").press("a")  # type: ignore[attr-defined]
    settle(page)
    assert {d.key for d in submissions.list_decisions(ev, db, sub.id)} == decided  # type: ignore[arg-type]
    shot(page, "review-fast-02-item-in-focus")
    # N skips to the next undecided, J/K step; then the domain's batch
    page.locator("h1").first.click()  # type: ignore[attr-defined]
    page.keyboard.press("j")  # type: ignore[attr-defined]
    settle(page)
    page.locator(f".st-key-review_focus code:text-is('{order[2]}')").wait_for()  # type: ignore[attr-defined]
    page.keyboard.press("k")  # type: ignore[attr-defined]
    settle(page)
    page.locator(f".st-key-review_focus code:text-is('{order[1]}')").wait_for()  # type: ignore[attr-defined]
    click(page, "rv_accept_domain")
    sees(page, "中其余")
    shot(page, "review-fast-03-domain-accepted")
    click(page, "accept_rest")
    assert "评审中" in shown(page, "rv_pick")
    click(page, "approve")
    sees(page, "评审已通过")
    # the selector and the badge say what the database says now
    assert submissions.get_submission(ev, db, sub.id).status == "approved"  # type: ignore[arg-type]
    label = shown(page, "rv_pick")
    assert f"#{sub.id}" in label
    assert "已通过" in label
    assert "评审中" not in label
    page.locator("h1").first.scroll_into_view_if_needed()  # type: ignore[attr-defined]
    shot(page, "review-fast-04-approved")
    click(page, "sign_out")

    # the administrator: issue a certificate (for the demo's approved result that reaches a
    # tier; the one just approved reaches none), then revoke behind the dialog
    sub = next(
        s
        for s in submissions.list_submissions(admin, db, status="approved")  # type: ignore[arg-type]
        if s.id != sub.id and s.standard_id == "zj-future-factory"
    )
    sign_in(page, base, "admin")
    nav(page, "证书")
    pick(page, "issue_pick-zh", f"#{sub.id} ·")
    click(page, "issue_button")
    sees(page, f"已为评估 #{sub.id} 颁发证书")
    cert = next(c for c in records.list_certificates(admin, db) if c.submission_id == sub.id)  # type: ignore[arg-type]
    assert "请选择要撤销的评定结果" in shown(page, "revoke_pick")
    assert page.locator(".st-key-revoke_open button").is_disabled()  # type: ignore[attr-defined]
    pick(page, "revoke_pick", f"#{sub.id} ·")
    click(page, "revoke_open")
    dialog = page.get_by_role("dialog")  # type: ignore[attr-defined]
    dialog.get_by_text(sub.organisation_name).first.wait_for()
    dialog.get_by_text(cert.number).first.wait_for()
    shot(page, "review-fast-05-revoke-dialog")
    # Esc dismisses it: nothing revoked
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    settle(page)
    assert page.get_by_role("dialog").count() == 0  # type: ignore[attr-defined]
    assert submissions.get_submission(admin, db, sub.id).status == "approved"  # type: ignore[arg-type]
    click(page, "revoke_open")
    page.locator(".st-key-revoke_reason textarea").fill("抽查发现申报数据失实")  # type: ignore[attr-defined]
    click(page, "revoke_confirm")
    sees(page, f"评估 #{sub.id} 的评定结果已撤销。")
    assert submissions.get_submission(admin, db, sub.id).status == "revoked"  # type: ignore[arg-type]
    pick(page, "cert_pick", cert.number)
    assert "已撤销" in shown(page, "cert_pick")
    assert "有效" not in shown(page, "cert_pick").replace("有效期", "")
    page.locator(".st-key-cert_pick").scroll_into_view_if_needed()  # type: ignore[attr-defined]
    shot(page, "review-fast-06-revoked")
