"""The journey in a real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright) against `streamlit run` on a temporary SQLite database seeded by the test.

An enterprise creates and submits a future-factory assessment, an administrator assigns the
evaluator, the evaluator adjusts one item and approves, and the enterprise sees the evaluated
result. Then the documents: an administrator issues a certificate, the enterprise downloads it and
its report (files made at the click), and the public verification page opens from the link.
Screenshots go to tmp/artifacts/e2e/ (ZHIZAO_ARTIFACTS to change it).
"""

from __future__ import annotations

import os
import random
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_support import EMAILS
from conftest import require_tool
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from e2e_support import (
    TIMEOUT,
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
from sqlalchemy.engine import make_url

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.issuer import DEMO_KEY_FOLDER
from assessment.certificates.keys import load_public_key
from assessment.certificates.pdf_identity import certificates_in
from assessment.certificates.registry import database_registry
from assessment.certificates.revocations import read_revocation_list
from assessment.certificates.verify import verify_pdf
from assessment.demo.seed import plausible_answers
from assessment.storage.db import open_database, utcnow
from standards import bundled_library

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("e2e")
    demo_issuer_key(folder)  # the demo firms' certificates: signed by the demo key
    with streamlit_server(folder) as found:
        yield found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium = os.environ.get("E2E_CHROMIUM") or require_tool("chromium", "chromium")
    with chromium_browser(chromium) as launched:
        yield launched


def test_journey_in_chromium(server: tuple[str, str], browser: object) -> None:
    base, url = server
    db = open_database(url)
    system = Principal.system("e2e")
    users = {u.email: u for u in organisations.list_users(system, db)}
    firm_user = users[EMAILS["firm"]]
    firm = Principal(firm_user.id, Role.ENTERPRISE, firm_user.organisation_id, firm_user.email)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        # the enterprise starts a future-factory assessment aiming at 未来工厂
        sign_in(page, base, "firm")
        sees(page, "下一步：")
        shot(page, "01-home")
        nav(page, "新建评估")
        page.locator(".st-key-new_profile-zj-future-factory-zh").get_by_text("未来工厂").click()
        settle(page)
        click(page, "new_create")
        sees(page, "实时得分")
        sub = max(submissions.list_submissions(firm, db), key=lambda s: s.id)
        assert (sub.standard_id, sub.profile, sub.status) == ("zj-future-factory", "ff", "draft")
        # one answer in the page: autosaved through the versioned service
        page.locator(
            f".st-key-q__{sub.id}__FF-001, [class*='st-key-q'][class*='FF-001']"
        ).first.get_by_text("F", exact=True).click()
        settle(page)
        sees(page, "已自动保存。")
        assert submissions.get_submission(firm, db, sub.id).answers["FF-001"] == "F"
        shot(page, "02-questionnaire")
        # the colleagues' answers to the rest arrive; the next rerun takes them
        library = bundled_library()
        ff = library.standard("zj-future-factory")
        scales = {s.id: s for s in library.scales.scales} if library.scales else {}
        doc = plausible_answers(ff, scales, "ff", "discrete", random.Random(11), 0.85)  # noqa: S311
        rest = {k: v for k, v in doc["answers"].items() if k != "FF-001"}
        version = submissions.get_submission(firm, db, sub.id).version
        submissions.save_answers(
            firm, db, sub.id, expected_version=version, answers=rest, gates=doc["gates"]
        )
        click(page, "q_next")
        sees(page, "剩余必答 0 项")
        click(page, "q_submit")
        sees(page, "已提交评审")
        assert submissions.get_submission(firm, db, sub.id).status == "submitted"
        shot(page, "03-submitted")
        click(page, "sign_out")

        # the administrator assigns the evaluator (newest submission and first evaluator preselected)
        sign_in(page, base, "admin")
        nav(page, "分配评审员")
        click(page, "assign_button")
        sees(page, f"已将评估 #{sub.id} 分配给")
        shot(page, "04-assigned")
        click(page, "sign_out")

        # the evaluator adjusts FF-001 and approves
        sign_in(page, base, "evaluator")
        sees(page, "评审任务")
        click(page, "queue_open")
        click(page, "start_review")
        form = page.get_by_test_id("stForm").filter(has=page.locator(".st-key-v-FF-001"))
        pick(page, "v-FF-001")
        form.locator(".st-key-why-FF-001 input").fill("现场核查：仅一条产线达到")
        form.get_by_role("button", name="调整为所选答案").click()
        settle(page)
        sees(page, "已调整。")
        shot(page, "05-review")
        click(page, "accept_rest")
        click(page, "approve")
        sees(page, "评审已通过")
        approved = submissions.get_submission(firm, db, sub.id)
        assert approved.status == "approved"
        assert approved.final_result is not None
        assert approved.self_result is not None
        assert approved.final_result["total"] < approved.self_result["total"]
        click(page, "sign_out")

        # the enterprise sees the evaluated result
        sign_in(page, base, "firm")
        nav(page, "评估结果")
        sees(page, "以下为评审员评审通过的结果。")
        page.get_by_test_id("stVegaLiteChart").first.wait_for()
        shot(page, "06-results")
    except Exception:
        shot(page, "failure")
        raise
    finally:
        context.close()
        db.dispose()


def download(page: object, name: str) -> bytes:
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_test_id("stDownloadButton").get_by_role("button", name=name).click()  # type: ignore[attr-defined]
    path = info.value.path()
    data: bytes = Path(path).read_bytes()
    return data


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as reply:  # noqa: S310 - the test's loopback server
        data: bytes = reply.read()
    return data


def test_certificate_and_report_downloads_in_chromium(
    server: tuple[str, str], browser: object, tmp_path: Path
) -> None:
    base, url = server
    db = open_database(url)
    system = Principal.system("e2e")
    approved = next(
        s
        for s in submissions.list_submissions(system, db, status="approved")
        if s.standard_id == "zj-future-factory" and s.organisation_name.startswith("宁波")
    )
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    try:
        # the administrator issues the certificate of the firm's approved result
        sign_in(page, base, "admin")
        nav(page, "证书")
        pick(page, "issue_pick-zh", f"#{approved.id} ·")
        click(page, "issue_button")
        sees(page, f"已为评估 #{approved.id} 颁发证书")
        [cert] = [
            c for c in records.list_certificates(system, db) if c.submission_id == approved.id
        ]
        shot(page, "07-certificate-issued")
        click(page, "sign_out")

        # the firm downloads its certificate and report from Results
        sign_in(page, base, "firm")
        nav(page, "评估结果")
        pick(page, "r_pick-zh", f"#{approved.id} ·")
        sees(page, cert.number)
        certificate = download(page, "下载证书（PDF）")
        keys = Path(str(make_url(url).database)).parent / "data" / DEMO_KEY_FOLDER
        verdict = verify_pdf(
            certificate, [load_public_key(keys)], trusted_certificates=certificates_in(keys),
            on=certificates.china_date(utcnow()), registry=database_registry(db),
        )  # fmt: skip
        assert verdict.ok, verdict.message
        assert verdict.record is not None
        assert verdict.record.number == cert.number
        report = download(page, "下载评估报告（PDF）")
        assert report.startswith(b"%PDF")
        shot(page, "08-results-documents")
        # the public verification page opens in a new tab, signed out
        with context.expect_page() as opened:
            page.get_by_role("link", name="公开验证页面").click()
        public = opened.value
        public.wait_for_load_state()
        settle(public)
        public.get_by_text(f"有效 · {cert.number}").first.wait_for(timeout=TIMEOUT)
        assert "verify=" in public.url
        # the same page checks the file itself: both signatures, against the registry
        upload = tmp_path / "certificate.pdf"
        upload.write_bytes(certificate)
        public.locator("input[type=file]").set_input_files(str(upload))
        public.get_by_text("文件有效").first.wait_for(timeout=TIMEOUT)
        public.get_by_text("PDF 数字签名").first.wait_for(timeout=TIMEOUT)
        shot(public, "09-verify-file")
        tampered = tmp_path / "tampered.pdf"
        changed = bytearray(certificate)
        changed[len(changed) // 3] ^= 0x01
        tampered.write_bytes(bytes(changed))
        public.locator("input[type=file]").set_input_files(str(tampered))
        public.get_by_text("文件未通过核验").first.wait_for(timeout=TIMEOUT)
        public.close()

        # what an offline verifier fetches: the key, the certificate, the signed revocation list
        issuer_key = fetch(f"{base}/certificates/issuer.pub.pem")
        issuer_cert = fetch(f"{base}/certificates/issuer.cert.pem")
        assert issuer_key.startswith(b"-----BEGIN PUBLIC KEY-----")
        assert issuer_cert.startswith(b"-----BEGIN CERTIFICATE-----")
        trusted = serialization.load_pem_public_key(issuer_key)
        before = read_revocation_list(
            fetch(f"{base}/certificates/revocations.json"), [trusted], now=utcnow(), source="web"
        )
        assert cert.number not in {r.number for r in before.revoked}
        certificates.revoke_certificate(system, db, cert.number, "e2e: 抽查发现数据失实")
        after = read_revocation_list(
            fetch(f"{base}/certificates/revocations.json"), [trusted], now=utcnow(), source="web"
        )
        assert after.registry()(cert.number).revoked
        offline = verify_pdf(
            certificate, [trusted],
            trusted_certificates=x509.load_pem_x509_certificates(issuer_cert)[:1],
            on=certificates.china_date(utcnow()), registry=after.registry(),
        )  # fmt: skip
        assert offline.reason == "revoked"
    except Exception:
        shot(page, "failure-documents")
        raise
    finally:
        context.close()
        db.dispose()
