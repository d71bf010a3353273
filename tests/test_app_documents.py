"""The app's document buttons in AppTest: report and certificate PDFs on Results and Home, the
evaluator's export and report, the questionnaire's Excel template and two-step import, and the
administrator's certificate registry (issue, download, revoke one certificate).

Downloads are lazy: a button carries no file (`url` is empty), only the id of a callable that
Streamlit runs at the click without rerunning the page. The `deferred` fixture keeps the callables
the pages register, so a test clicks as the browser would — and gets the bytes the user would get.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, frame, run, texts
from excel_support import fill, set_cell
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.issuer import ensure_demo_issuer
from assessment.demo.seed import plausible_answers
from assessment.errors import NotFound
from assessment.excel.reader import read_workbook
from assessment.excel.service import template_for_submission
from standards import bundled_library

FF = "zj-future-factory"


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """file id → the callable a download button registered (as Streamlit's media manager keeps
    it for the click)."""
    found: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def record(self: MediaFileManager, data_callable: Any, *args: Any, **kwargs: Any) -> str:
        file_id = original(self, data_callable, *args, **kwargs)
        found[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return found


def buttons(at: AppTest) -> dict[str, Any]:
    """The download buttons of the run, by key."""
    return {b.key: b for b in at.get("download_button")}


def click(at: AppTest, deferred: dict[str, Callable[[], Any]], key: str) -> bytes:
    """What the browser would download from the button with this key: the page made no file,
    Streamlit runs the registered callable at the click and does not rerun the page."""
    button = buttons(at)[key]
    assert button.proto.url == "", "the file is made at the click, not when the page is drawn"
    assert button.proto.ignore_rerun, "a download does not rerun the page"
    data = deferred[button.proto.deferred_file_id]()
    assert isinstance(data, bytes)
    return data


def on_page(
    world: World, who: str, page: str, submission_id: int | None, lang: str = "zh"
) -> AppTest:
    at = world.app(who, lang=lang)
    if submission_id is not None:
        at.session_state["current_submission"] = submission_id
    run(at)
    return run(at.switch_page(page))


def issue(world: World) -> tuple[int, str]:
    """A real certificate for the firm's approved future-factory result, issued by the service
    with the demo issuer key (the seeded firms are demo data)."""

    ensure_demo_issuer()  # the demo firms' results: the demo key signs them
    approved = world.submission("firm", "approved", FF)
    issued = certificates.issue_certificate(world.user("admin"), world.db, approved.id)
    return approved.id, issued.record.number


# --- enterprise: results and home --------------------------------------------------------------


def test_a_draft_offers_the_self_assessment_report(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    draft = app_world.submission("firm", "draft")
    at = on_page(app_world, "firm", "ui/pages/results.py", draft.id)
    found = buttons(at)
    assert list(found) == [f"report-{draft.id}"]
    assert found[f"report-{draft.id}"].label == "下载自评报告（PDF）"
    assert "自评结果，仅供参考" in found[f"report-{draft.id}"].help
    pdf = click(at, deferred, f"report-{draft.id}")
    made = certificates.report_pdf(app_world.user("firm"), app_world.db, draft.id)
    assert made.data.is_self_assessment
    assert pdf == made.pdf
    assert "证书编号" not in texts(at)


def test_an_approved_result_offers_the_report_and_its_certificate(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    sid, number = issue(app_world)
    firm = app_world.user("firm")
    at = on_page(app_world, "firm", "ui/pages/results.py", sid)
    page = texts(at)
    assert f"证书编号 **{number}**" in page
    assert f"[公开验证页面 ↗](./?verify={number})" in page
    assert ":green-badge[:material/workspace_premium: 有效]" in page
    found = buttons(at)
    assert [found[k].label for k in found] == ["下载评估报告（PDF）", "下载证书（PDF）"]
    report = click(at, deferred, f"report-{sid}")
    assert report == certificates.report_pdf(firm, app_world.db, sid).pdf
    assert not certificates.report_pdf(firm, app_world.db, sid).data.is_self_assessment
    pdf = click(at, deferred, f"cert-{number}")
    assert pdf.startswith(b"%PDF")
    assert pdf == certificates.certificate_pdf(firm, app_world.db, number)[1]
    # in English
    at = on_page(app_world, "firm", "ui/pages/results.py", sid, lang="en")
    assert [b.label for b in buttons(at).values()] == [
        "Assessment report (PDF)",
        "Certificate (PDF)",
    ]
    assert f"Certificate **{number}**" in texts(at)
    # the home page shows the number on the approved card only
    home = on_page(app_world, "firm", "ui/pages/home.py", None)
    assert texts(home).count(f"证书 {number} · 有效") == 1


def test_approved_without_a_certificate_and_a_revoked_certificate(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    approved = app_world.submission("firm", "approved", FF)
    at = on_page(app_world, "firm", "ui/pages/results.py", approved.id)
    assert "评审已通过，证书尚未颁发；管理员颁发后可在此下载。" in texts(at)
    assert list(buttons(at)) == [f"report-{approved.id}"]
    sid, number = issue(app_world)
    certificates.revoke_certificate(app_world.user("admin"), app_world.db, number, "企业名称有误")
    at = on_page(app_world, "firm", "ui/pages/results.py", sid)
    assert f"证书 {number} 已于" in texts(at)
    assert "理由：企业名称有误" in texts(at)
    assert list(buttons(at)) == [f"report-{sid}"]
    assert number not in texts(on_page(app_world, "firm", "ui/pages/home.py", None))


def test_a_firm_never_reaches_another_firms_certificate(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    sid, number = issue(app_world)
    for page in ("ui/pages/home.py", "ui/pages/results.py"):
        at = on_page(app_world, "firm2", page, sid)  # even with the other firm's id remembered
        assert number not in texts(at)
        assert not any(number in key for key in buttons(at))
        assert not any(number in str(b.proto.label) for b in buttons(at).values())
    with pytest.raises(NotFound):
        certificates.certificate_pdf(app_world.user("firm2"), app_world.db, number)
    assert records.list_certificates(app_world.user("firm2"), app_world.db) == []
    # evaluators and administrators have no Results page to download from (not routable)
    for who in ("evaluator", "admin"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            run(app_world.app(who)).switch_page("ui/pages/results.py")


# --- evaluator ----------------------------------------------------------------------------------


def test_the_evaluator_downloads_the_export_and_the_report(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    in_review = app_world.submission("evaluator", "in_review")
    evaluator = app_world.user("evaluator")
    at = on_page(app_world, "evaluator", "ui/pages/review.py", in_review.id)
    assert buttons(at)[f"export-{in_review.id}"].label == "导出评估数据（Excel）"
    workbook = click(at, deferred, f"export-{in_review.id}")
    read = read_workbook(workbook)
    assert read.meta is not None
    assert (read.meta.kind, read.meta.standard_id) == ("export", in_review.standard_id)
    view = submissions.get_submission(evaluator, app_world.db, in_review.id)
    assert read.document is not None
    assert read.document["answers"].keys() == view.answers.keys()
    pdf = click(at, deferred, f"report-{in_review.id}")
    assert pdf == certificates.report_pdf(evaluator, app_world.db, in_review.id).pdf
    # a submitted one too (before the review starts), and nothing for an unassigned evaluator
    submitted = app_world.submission("evaluator", "submitted")
    at = on_page(app_world, "evaluator", "ui/pages/review.py", submitted.id)
    assert {f"export-{submitted.id}", f"report-{submitted.id}"} <= set(buttons(at))
    at = on_page(app_world, "evaluator2", "ui/pages/review.py", in_review.id)
    assert buttons(at) == {}


# --- enterprise: the questionnaire's Excel section ----------------------------------------------


def filled_workbook(world: World, sid: int, *, spoil: str | None = None) -> tuple[bytes, dict]:
    """The submission's template filled with plausible answers for its profile (optionally one
    item given an option that does not exist)."""
    firm = world.user("firm")
    view = submissions.get_submission(firm, world.db, sid)
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    document = plausible_answers(
        library.standard(view.standard_id),
        scales,
        view.profile,
        view.industry_type,
        random.Random(5),  # noqa: S311 - reproducible answers, not secrets
        1.0,
    )

    def edit(book: Any) -> None:
        if spoil is not None:
            set_cell(book, spoil, "答案", "Z")

    template = template_for_submission(firm, world.db, sid)
    return fill(template, document, edit=edit), document


def test_the_questionnaire_offers_the_template_of_the_submission(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    draft = app_world.submission("firm", "draft")
    at = on_page(app_world, "firm", "ui/pages/questionnaire.py", draft.id)
    assert buttons(at)[f"xl_template-{draft.id}"].label == "下载 Excel 模板"
    template = click(at, deferred, f"xl_template-{draft.id}")
    view = submissions.get_submission(app_world.user("firm"), app_world.db, draft.id)
    read = read_workbook(template)
    assert read.meta is not None
    assert (read.meta.kind, read.meta.standard_id, read.meta.profile) == (
        "template",
        view.standard_id,
        view.profile,
    )
    assert read.meta.lang == "zh"
    # not while the submission is read-only
    approved = app_world.submission("firm", "approved", FF)
    at = on_page(app_world, "firm", "ui/pages/questionnaire.py", approved.id)
    assert not [k for k in buttons(at) if k.startswith("xl_")]
    assert not [u for u in at.file_uploader if u.key and u.key.startswith("xl_upload")]


def test_an_upload_is_previewed_and_imported_all_or_nothing(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    data, document = filled_workbook(app_world, draft.id, spoil="FF-001")
    before = submissions.get_submission(firm, app_world.db, draft.id)
    at = on_page(app_world, "firm", "ui/pages/questionnaire.py", draft.id)
    run(
        at.file_uploader(key=f"xl_upload::{draft.id}::0").set_value(
            ("问卷.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
    )
    # the preview: what would change, and the problem with its sheet, row and item
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["问题"] == "1"
    expected = {
        k for k, v in document["answers"].items() if k != "FF-001" and before.answers.get(k) != v
    }
    assert any("工作簿中有 1 个问题" in e.value for e in at.error)
    problems = frame(at, "问题说明")
    [row] = problems.to_dict("records")
    assert row["题目编号"] == "FF-001"
    assert row["工作表"].startswith("1 ")
    assert row["行"] > 2
    assert "“Z”不是本题的选项" in row["问题说明"]
    changes = frame(at, "导入后")
    assert set(changes[changes["类型"] == "题目"]["编号"]) == expected
    assert int(metrics["新增答案"]) + int(metrics["修改答案"]) == len(changes)
    # all or nothing: the import button is disabled, nothing was saved
    assert at.button(key=f"xl_import::{draft.id}").disabled
    assert submissions.get_submission(firm, app_world.db, draft.id).version == before.version
    # import only the valid rows
    run(at.toggle(key=f"xl_rows_only::{draft.id}").set_value(True))
    assert any("将跳过有问题的 1 行：FF-001" in w.value for w in at.warning)
    button = at.button(key=f"xl_import::{draft.id}")
    assert button.label == "导入无问题的行"
    assert not button.disabled
    run(button.click())
    after = submissions.get_submission(firm, app_world.db, draft.id)
    assert after.version == before.version + 1
    assert after.answers.get("FF-001") == before.answers.get("FF-001")
    assert all(after.answers[k] == document["answers"][k] for k in expected)
    page = texts(at)
    assert f"到评估 #{draft.id}（当前版本 {after.version}）" in page
    assert "已跳过有问题的行：FF-001" in page
    # the uploader is emptied for the next file, and the questionnaire shows the new answers
    assert at.file_uploader(key=f"xl_upload::{draft.id}::1").value is None
    assert "剩余必答" in page


def test_an_import_after_someone_else_saved_is_a_conflict(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    data, document = filled_workbook(app_world, draft.id)
    at = on_page(app_world, "firm", "ui/pages/questionnaire.py", draft.id)
    run(at.file_uploader(key=f"xl_upload::{draft.id}::0").set_value(("a.xlsx", data, None)))
    assert not at.button(key=f"xl_import::{draft.id}").disabled
    seen = submissions.get_submission(firm, app_world.db, draft.id)
    # a colleague saves after the preview was made
    colleague = submissions.save_answers(
        firm, app_world.db, draft.id, expected_version=seen.version, gates={"legal-form": True}
    )
    run(at.button(key=f"xl_import::{draft.id}").click())
    assert any("预览之后此评估已被修改" in w.value for w in at.warning)
    assert submissions.get_submission(firm, app_world.db, draft.id).version == colleague.version
    # the preview was made again from the saved answers; importing now works
    run(at.button(key=f"xl_import::{draft.id}").click())
    after = submissions.get_submission(firm, app_world.db, draft.id)
    assert after.version == colleague.version + 1
    assert after.answers == {**colleague.answers, **document["answers"]}


def test_a_workbook_for_another_standard_cannot_be_imported(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    returned = app_world.submission("firm", "returned")
    other = template_for_submission(firm, app_world.db, returned.id)  # another standard
    at = on_page(app_world, "firm", "ui/pages/questionnaire.py", draft.id)
    run(at.file_uploader(key=f"xl_upload::{draft.id}::0").set_value(("b.xlsx", other, None)))
    assert any("此工作簿无法导入" in e.value for e in at.error)
    assert not [t for t in at.toggle if t.key and t.key.startswith("xl_rows_only")]
    assert at.button(key=f"xl_import::{draft.id}").disabled


# --- administrator: the certificate registry ----------------------------------------------------


def test_the_administrator_issues_downloads_and_revokes_a_certificate(
    app_world: World, deferred: dict[str, Callable[[], Any]]
) -> None:

    admin = app_world.user("admin")
    approved = app_world.submission("admin", "approved", FF)
    at = on_page(app_world, "admin", "ui/pages/admin_certificates.py", None)
    assert "未配置签发密钥" in texts(at)
    assert at.button(key="issue_button").disabled
    ensure_demo_issuer()  # the demo firms' results: the demo key signs them
    run(at)
    assert "演示签发密钥（指纹" in texts(at)
    assert at.selectbox(key="issue_pick-zh").value == approved.id
    at.selectbox(key="issue_pick-zh").select(approved.id)
    run(at.button(key="issue_button").click())
    [cert] = records.list_certificates(admin, app_world.db)
    assert f"已为评估 #{approved.id} 颁发证书 {cert.number}。" in texts(at)
    table = frame(at, "证书编号")
    assert list(table["证书编号"]) == [cert.number]
    assert list(table["状态"]) == ["有效"]
    assert at.selectbox(key="cert_pick").value == cert.number
    pdf = click(at, deferred, f"cert-{cert.number}")
    assert pdf == certificates.certificate_pdf(admin, app_world.db, cert.number)[1]
    assert "所有评审通过的评估都已有有效证书。" in texts(at)
    # revoking one certificate needs a reason …
    run(at.button(key="cert_revoke_open").click())
    run(at.button(key="cert_revoke_confirm").click())
    assert any("撤销证书的理由：必填，不能为空" in e.value for e in at.error)
    assert records.list_certificates(admin, app_world.db)[0].status == "valid"
    at.text_area(key="cert_revoke_reason").input("企业更名")
    run(at.button(key="cert_revoke_confirm").click())
    assert f"证书 {cert.number} 已撤销。" in texts(at)
    [revoked] = records.list_certificates(admin, app_world.db)
    assert (revoked.status, revoked.revoked_reason) == ("revoked", "企业更名")
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "approved"
    assert list(frame(at, "证书编号")["状态"]) == ["已撤销"]
    assert f"cert-{cert.number}" not in buttons(at)
    # … and the result stays approved, so a new certificate can be issued, with a new number
    at.selectbox(key="issue_pick-zh").select(approved.id)
    run(at.button(key="issue_button").click())
    numbers = [c.number for c in records.list_certificates(admin, app_world.db)]
    assert len(numbers) == 2
    assert numbers[0] != numbers[1]


def test_certificate_controls_are_the_administrators_only(app_world: World) -> None:
    issue(app_world)
    for who in ("firm", "evaluator"):
        at = run(app_world.app(who))
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page("ui/pages/admin_certificates.py")
    at = on_page(
        app_world, "firm", "ui/pages/results.py", app_world.submission("firm", "approved", FF).id
    )
    assert not [b for b in at.button if b.key == "issue_button"]
    assert not [a for a in at.text_area if a.key in ("cert_revoke_reason", "revoke_reason")]
