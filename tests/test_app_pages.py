"""Every page in AppTest for the roles that may see it; pages of other roles are not routable and
refuse to draw when run directly; data of other organisations is not reachable; the language
switch; the public verification page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import (
    EMAILS,
    PASSWORD,
    ROOT,
    World,
    frame,
    issue_certificate,
    run,
    submit_form,
    texts,
)
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.certificates import records
from assessment.demo.seed import _demo_pdf
from assessment.submissions import activity, evidence

PAGES = {
    None: {
        "ui/pages/sign_in.py": "智造评估 · 登录",
        "ui/pages/verify.py": "证书验证",
        "ui/pages/library.py": "智造评估 · 标准库",
    },
    "firm": {
        "ui/pages/home.py": "我的评估",
        "ui/pages/new_assessment.py": "新建评估",
        "ui/pages/questionnaire.py": "问卷填报",
        "ui/pages/results.py": "评估结果",
        "ui/pages/carbon.py": "碳核算",
        "ui/pages/library.py": "智造评估 · 标准库",
        "ui/pages/verify.py": "证书验证",
    },
    "evaluator": {
        "ui/pages/queue.py": "评审任务",
        "ui/pages/review.py": "评审",
        "ui/pages/library.py": "智造评估 · 标准库",
        "ui/pages/verify.py": "证书验证",
    },
    "admin": {
        "ui/pages/admin_orgs.py": "组织与用户",
        "ui/pages/admin_assign.py": "分配评审员",
        "ui/pages/admin_library.py": "标准库管理",
        "ui/pages/admin_certificates.py": "证书",
        "ui/pages/admin_audit.py": "审计日志",
        "ui/pages/library.py": "智造评估 · 标准库",
        "ui/pages/verify.py": "证书验证",
    },
}
ENGLISH = {
    "ui/pages/sign_in.py": "zhizao · Sign in",
    "ui/pages/home.py": "My assessments",
    "ui/pages/new_assessment.py": "New assessment",
    "ui/pages/questionnaire.py": "Questionnaire",
    "ui/pages/results.py": "Results",
    "ui/pages/carbon.py": "Carbon accounting",
    "ui/pages/queue.py": "Review queue",
    "ui/pages/review.py": "Review",
    "ui/pages/admin_orgs.py": "Organisations and users",
    "ui/pages/admin_assign.py": "Assign evaluators",
    "ui/pages/admin_library.py": "Standards library",
    "ui/pages/admin_certificates.py": "Certificates",
    "ui/pages/admin_audit.py": "Audit log",
    "ui/pages/library.py": "zhizao · Standards library",
    "ui/pages/verify.py": "Verify a certificate",
}
SENSITIVE = {
    "ui/pages/home.py": "firm",
    "ui/pages/new_assessment.py": "firm",
    "ui/pages/questionnaire.py": "firm",
    "ui/pages/results.py": "firm",
    "ui/pages/carbon.py": "firm",
    "ui/pages/queue.py": "evaluator",
    "ui/pages/review.py": "evaluator",
    "ui/pages/admin_orgs.py": "admin",
    "ui/pages/admin_assign.py": "admin",
    "ui/pages/admin_library.py": "admin",
    "ui/pages/admin_certificates.py": "admin",
    "ui/pages/admin_audit.py": "admin",
}
ALL_PAGES = sorted({p for pages in PAGES.values() for p in pages})
CASES = [(who, page, title) for who, pages in PAGES.items() for page, title in pages.items()]


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


@pytest.mark.parametrize(
    ("who", "page", "title"), CASES, ids=[f"{w}-{p[3:-3]}" for w, p, _ in CASES]
)
def test_each_role_sees_its_pages_in_chinese_and_english(
    app_world: World, who: str | None, page: str, title: str
) -> None:
    at = run(app_world.app(who))
    assert titles(run(at.switch_page(page))) == [title]
    at.session_state["lang"] = "en"
    assert titles(run(at.switch_page(page))) == [ENGLISH[page]]
    # A second run sends every widget's state back: option labels must not drift with the language.
    assert titles(run(at)) == [ENGLISH[page]]
    fresh = app_world.app(who, lang="en")
    run(fresh)
    assert titles(run(fresh.switch_page(page))) == [ENGLISH[page]]


@pytest.mark.parametrize("who", list(PAGES), ids=str)
def test_pages_of_other_roles_are_not_routable(app_world: World, who: str | None) -> None:
    at = run(app_world.app(who))
    for page in ALL_PAGES:
        if page in PAGES[who]:
            continue
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)


@pytest.mark.parametrize(("page", "owner"), sorted(SENSITIVE.items()))
def test_sensitive_pages_check_the_role_themselves(app_world: World, page: str, owner: str) -> None:
    """Run directly (as if routed by mistake), a page refuses other roles and stops."""
    for who in (None, "firm", "evaluator", "admin"):
        if who == owner:
            continue
        at = AppTest.from_file(str(ROOT / page), default_timeout=60)
        at.session_state["lang"] = "zh"
        if who is not None:
            app_world.sign_in(at, who)
        run(at)
        shown = [e.value for e in at.error] + [w.value for w in at.warning]
        assert shown == (["请先登录。"] if who is None else ["您的角色无权访问此页面。"])
        assert titles(at) == [], f"{page} drew its title for {who}"


def test_signed_out_start_on_sign_in_and_a_wrong_password_is_refused(app_world: World) -> None:
    at = run(app_world.app())
    assert titles(at) == ["智造评估 · 登录"]
    at.text_input(key="signin_email").input(EMAILS["firm"])
    at.text_input(key="signin_password").input("wrong-password-1")
    submit_form(at, "sign_in")
    assert [e.value for e in at.error] == ["邮箱或密码错误。"]
    at.text_input(key="signin_password").input(PASSWORD)
    submit_form(at, "sign_in")
    assert titles(at) == ["我的评估"]
    run(at.button(key="sign_out").click())
    assert titles(at) == ["智造评估 · 登录"]


def test_the_language_switch_is_on_every_page_and_defaults_to_chinese(app_world: World) -> None:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=60)
    run(at)
    assert at.segmented_control(key="lang").value == "zh"
    run(at.segmented_control(key="lang").set_value("en"))
    assert titles(at) == ["zhizao · Sign in"]
    assert "Sign in" in [b.label for b in at.button]


def test_home_lists_own_assessments_with_status_score_and_next_step(app_world: World) -> None:
    at = run(app_world.app("firm"))
    page = texts(at)
    assert "下一步：" in page
    for status in ("草稿", "已退回", "已通过"):
        assert f"-badge[{status}]" in page
    other = app_world.submission("firm2", "submitted")
    assert f"#{other.id} ·" not in page


def test_another_firms_submission_is_not_reachable(app_world: World) -> None:
    theirs = app_world.submission("firm2", "submitted")
    at = app_world.app("firm")
    at.session_state["current_submission"] = theirs.id
    for page, key in (
        ("ui/pages/questionnaire.py", "q_pick"),
        ("ui/pages/results.py", "r_pick"),
        ("ui/pages/carbon.py", "c_pick"),
    ):
        run(at.switch_page(page))
        picker = at.selectbox(key=f"{key}-zh")
        assert theirs.id not in picker.options
        assert f"#{theirs.id} ·" not in " ".join(picker.options)
        assert picker.value != theirs.id


def test_an_unassigned_evaluator_sees_nothing(app_world: World) -> None:
    at = run(app_world.app("evaluator2"))
    assert "没有符合条件的评审任务。" in [i.value for i in at.info]
    run(at.switch_page("ui/pages/review.py"))
    assert "没有符合条件的评审任务。" in [i.value for i in at.info]


def test_the_questionnaire_says_so_when_someone_else_saved_meanwhile(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    at = app_world.app("firm")
    at.session_state["current_submission"] = draft.id
    run(at.switch_page("ui/pages/questionnaire.py"))
    # a colleague saves in another tab
    view = submissions.get_submission(firm, app_world.db, draft.id)
    submissions.save_answers(
        firm, app_world.db, draft.id, expected_version=view.version, gates={"legal-form": True}
    )
    radio = next(r for r in at.radio if r.key and r.key.startswith(f"q::{draft.id}::FF-"))
    run(radio.set_value(next(o for o in radio.options if o != radio.value)))
    assert any("保存冲突" in e.value for e in at.error)
    assert submissions.get_submission(firm, app_world.db, draft.id).version == view.version + 1
    run(at.button(key=f"reload-{draft.id}").click())
    assert not any("保存冲突" in e.value for e in at.error)


def test_a_returned_assessment_shows_the_public_comment_only(app_world: World) -> None:
    returned = app_world.submission("firm", "returned")
    at = app_world.app("firm")
    at.session_state["current_submission"] = returned.id
    run(at.switch_page("ui/pages/questionnaire.py"))
    page = texts(at)
    assert "评审员已退回此评估" in page
    assert "请补充设备联网率的统计口径说明与证明材料 (demo)" in page
    assert "内部备注" not in page.replace("内部备注（企业不可见", "")
    assert "建议现场复核" not in page


def test_evidence_is_uploaded_per_item_in_the_questionnaire(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    at = app_world.app("firm")
    at.session_state["current_submission"] = draft.id
    run(at.switch_page("ui/pages/questionnaire.py"))
    uploader = next(
        u for u in at.file_uploader if u.key and u.key.startswith(f"q::{draft.id}::FF-001::upload")
    )
    run(uploader.set_value(("证书.pdf", _demo_pdf(), "application/pdf")))
    files = evidence.list_evidence(firm, app_world.db, draft.id)
    assert [(f.item_id, f.filename) for f in files if f.item_id] == [("FF-001", "证书.pdf")]


def test_results_show_chart_gaps_path_derived_views_and_flags(app_world: World) -> None:
    approved = app_world.submission("firm", "approved", "zj-future-factory")
    at = app_world.app("firm")
    at.session_state["current_submission"] = approved.id
    run(at.switch_page("ui/pages/results.py"))
    page = texts(at)
    for heading in (
        "各能力域得分率",
        "主要差距",
        "派生视图（按对照关系推算）",
        "非官方编码提示",
        "准入条件",
    ):
        assert heading in page
    assert "派生 · 非正式评定" in page
    assert at.get("vega_lite_chart"), "the domain chart is drawn"
    assert "以下为评审员评审通过的结果。" in page


def test_carbon_data_is_stored_with_the_submission_and_feeds_the_green_factory(
    app_world: World,
) -> None:
    firm = app_world.user("firm")
    org = firm.org_id
    assert org is not None
    sub = submissions.create_submission(
        firm, app_world.db, org_id=org, standard_id="gbt36132-2025", profile="self-evaluation"
    )
    at = app_world.app("firm")
    at.session_state["current_submission"] = sub.id
    run(at.switch_page("ui/pages/carbon.py"))
    numbers = {n.label: n for n in at.number_input}
    numbers["工业总产值（万元）"].set_value(56000.0)
    numbers["工业增加值（万元，收入法）"].set_value(11800.0)
    at.text_input[0].input("330206")
    numbers["外购电力 (kWh)"].set_value(18_500_000.0)
    numbers["天然气 (m³)"].set_value(420_000.0)
    submit_form(at, f"activity-{sub.id}")
    stored = activity.latest_activity(firm, app_world.db, sub.id)
    assert stored is not None
    assert stored.data["energy"]["electricity_kwh"] == 18_500_000.0
    page = texts(at)
    assert "核算结果" in page
    assert "碳效值 L" in page
    assert "对绿色工厂评价的贡献" in page
    run(at.button(key="carbon_apply").click())
    answers = submissions.get_submission(firm, app_world.db, sub.id).answers
    assert set(answers) >= {"carbon-intensity", "energy-intensity"}
    assert answers["carbon-intensity"]["value"] > 0


def test_review_shows_evidence_and_the_domain_difference(app_world: World) -> None:
    in_review = app_world.submission("evaluator", "in_review")
    at = app_world.app("evaluator")
    at.session_state["current_submission"] = in_review.id
    run(at.switch_page("ui/pages/review.py"))
    page = texts(at)
    assert "各能力域：自评与评审对比" in page
    assert frame(at, "差异").shape[0] == 14
    assert "未关联题目的证明材料（1）" in [e.label for e in at.expander]
    assert [b.proto.label for b in at.get("download_button")] == [
        "导出评估数据（Excel）",
        "下载自评报告（PDF）",
        "质量管理体系认证证书.pdf · 0.6 KiB",
    ]


def test_admin_sees_the_credit_code_message_and_creates_an_organisation(app_world: World) -> None:
    at = run(app_world.app("admin"))
    at.text_input(key="org_name").input("测试有限公司")
    at.text_input(key="org_code").input("91330200MA2H7K3X1C")
    submit_form(at, "org_form")
    assert any("统一社会信用代码" in e.value and "校验码" in e.value for e in at.error)
    at.text_input(key="org_code").input("91330200MA2H7K3X1B")
    submit_form(at, "org_form")
    assert any("已创建组织「测试有限公司」" in s.value for s in at.success)


def test_admin_checks_a_broken_standard_and_sees_each_line(app_world: World) -> None:
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_library.py"))
    raw = (ROOT / "standards" / "library" / "gbt37393-2019.yaml").read_bytes()
    broken = raw.replace(b"schema_version: 1", b"schema_version: 2", 1)
    run(
        at.file_uploader(key="library_upload").set_value(
            ("gbt37393-2019.yaml", broken, "application/x-yaml")
        )
    )
    assert any("有 1 个问题" in e.value for e in at.error)
    issues = frame(at, "问题")
    assert list(issues["行"]) == [raw[: raw.index(b"schema_version")].count(b"\n") + 1]


def test_admin_revokes_and_the_audit_log_shows_it(app_world: World) -> None:
    approved = app_world.submission("admin", "approved")
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_certificates.py"))
    at.selectbox(key="revoke_pick").select(approved.id)
    run(at)
    run(at.button(key="revoke_open").click())  # a confirmation that names the firm first
    at.text_area(key="revoke_reason").input("抽查发现数据失实")
    run(at.button(key="revoke_confirm").click())
    admin = app_world.user("admin")
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "revoked"
    run(at.switch_page("ui/pages/admin_audit.py"))
    actions = list(frame(at, "变更内容")["操作"])
    assert actions[0] == "撤销评定结果"  # the audit log speaks the reader's language


def test_verification_page_by_link_without_signing_in(app_world: World, tmp_path: Path) -> None:
    approved = app_world.submission("admin", "approved", "zj-future-factory")
    today = dt.date.today()
    fingerprint = issue_certificate(
        app_world,
        approved.id,
        tmp_path / "keys",
        number="ZZ-7K3X-1B2C-4D5E",
        issued_on=today - dt.timedelta(days=10),
        expires_on=today + dt.timedelta(days=365),
    )
    at = app_world.app()
    at.query_params["verify"] = "ZZ-7K3X-1B2C-4D5E"
    run(at)
    assert titles(at) == ["证书验证"]
    assert next(s.value for s in at.success) == "**有效** · ZZ-7K3X-1B2C-4D5E"
    assert any("签名验证通过" in s.value for s in at.success)
    assert fingerprint in [c.value for c in at.code]
    facts = at.table[0].value
    assert "宁波示例汽车零部件有限公司 (示例)" in list(facts["内容"])
    # revoked: the registry says so at once
    admin = app_world.user("admin")
    submissions.revoke(
        admin,
        app_world.db,
        approved.id,
        reason="证据撤回",
        expected_version=submissions.get_submission(admin, app_world.db, approved.id).version,
    )
    run(at)
    assert next(e.value for e in at.error) == "**已撤销** · ZZ-7K3X-1B2C-4D5E"
    assert records.list_certificates(admin, app_world.db)[0].status == "revoked"


def test_verification_expired_unknown_and_malformed(app_world: World, tmp_path: Path) -> None:
    approved = app_world.submission("admin", "approved", "zj-future-factory")
    today = dt.date.today()
    issue_certificate(
        app_world,
        approved.id,
        tmp_path / "keys",
        number="ZZ-0000-0000-0001",
        issued_on=today - dt.timedelta(days=800),
        expires_on=today - dt.timedelta(days=1),
    )
    at = run(app_world.app())
    run(at.switch_page("ui/pages/verify.py"))
    at.text_input(key="verify_number").input("zz-0000-0000-0001")
    submit_form(at, "verify_form")
    assert next(w.value for w in at.warning) == "**已过期** · ZZ-0000-0000-0001"
    at.text_input(key="verify_number").input("ZZ-0000-0000-0009")
    submit_form(at, "verify_form")
    assert next(e.value for e in at.error) == "**未找到此证书** · ZZ-0000-0000-0009"
    at.text_input(key="verify_number").input("hello")
    submit_form(at, "verify_form")
    assert "不是有效的证书编号格式" in at.error[0].value


def test_carbon_page_reads_activity_stored_with_whole_numbers(app_world: World) -> None:
    """The `zhizao carbon` example file has integers (year 2025, 56000 万元): the form shows them."""
    import yaml  # noqa: PLC0415

    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    data = yaml.safe_load(
        (ROOT / "examples" / "activity-discrete-2025.yaml").read_text(encoding="utf-8")
    )
    activity.save_activity(firm, app_world.db, draft.id, data)
    at = app_world.app("firm")
    at.session_state["current_submission"] = draft.id
    run(at.switch_page("ui/pages/carbon.py"))
    numbers = {n.label: n.value for n in at.number_input}
    assert numbers["工业总产值（万元）"] == 56000.0
    assert numbers["外购电力 (kWh)"] == 18_500_000.0
    assert "碳效值 L" in texts(at)


def test_the_questionnaire_pages_through_domains_with_progress(app_world: World) -> None:
    draft = app_world.submission("firm", "draft")
    at = app_world.app("firm")
    at.session_state["current_submission"] = draft.id
    run(at.switch_page("ui/pages/questionnaire.py"))
    picker = at.selectbox(key=f"q_group::{draft.id}")
    first = picker.value
    assert "（" in picker.format_func(first)  # e.g. "1 赋能保障 / 技术支撑（5/5）"
    run(at.button(key="q_next").click())
    assert at.selectbox(key=f"q_group::{draft.id}").value != first
    run(at.button(key="q_prev").click())
    assert at.selectbox(key=f"q_group::{draft.id}").value == first
    run(at.toggle(key=f"q_only_open::{draft.id}").set_value(True))
    shown = {
        r.key.split("::")[2] for r in at.radio if r.key and r.key.startswith(f"q::{draft.id}::")
    }
    answered = set(
        submissions.get_submission(app_world.user("firm"), app_world.db, draft.id).answers
    )
    assert not shown & answered, "only unanswered mandatory questions are shown"


def test_signed_in_users_have_the_benchmark_page_and_visitors_do_not(app_world: World) -> None:
    at = run(app_world.app("firm"))
    pages = {p["page_name"] for p in at._registered_pages.values()}
    assert "对标分析" in pages
    assert titles(run(at.switch_page("ui/pages/benchmark.py"))) == ["对标分析"]
    signed_out = run(app_world.app())
    assert "对标分析" not in {p["page_name"] for p in signed_out._registered_pages.values()}
