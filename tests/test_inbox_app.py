"""The inbox, the pool and the assignment rules in the app (Streamlit AppTest on the demo
database): notices listed newest first in the reader's language, marked read one by one or all at
once, the unread count; the administrator's first page shows the waiting work with its count and
a link to the assignment page, where the rules are switched on and added."""

from __future__ import annotations

from datetime import timedelta

from app_support import *  # noqa: F403 - the fixtures
from app_support import ROOT, World, frame, run, submit_form, texts
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.storage.db import utcnow
from assessment.submissions import assignment, inbox
from ui.i18n import translate
from ui.parts.common import md

INBOX = ROOT / "ui" / "pages" / "inbox.py"
SMALL = "gbt37393-2019"  # 7 yes/no items and 2 gates: quick to answer completely
ANSWERS = {
    "identifiable-resources": True,
    "shopfloor-visualisation": True,
    "digital-process-design": True,
    "network-interconnection": False,
    "mes-or-equivalent": True,
    "vertical-integration": True,
    "production-safety": True,
}
GATES = {"digital-equipment-share": 82, "automatic-data-collection": 93}


def inbox_page(world: World, who: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(INBOX), default_timeout=60)
    world.sign_in(at, who)
    at.session_state["lang"] = lang
    return run(at)


def notice_text(notice: inbox.NoticeView, lang: str = "zh") -> str:
    values = {k: md(v) for k, v in notice.params.items()}
    return translate(lang, f"inbox.kind.{notice.kind}", **values)


def notices_shown(at: AppTest) -> list[str]:
    """The sentences of the notices, in the order drawn (the caption under each is its time)."""
    return [m.value for m in at.markdown if "#" in m.value]


def into_the_pool(world: World) -> int:
    """A submission of the demo firm, submitted and held by nobody."""
    firm = world.user("firm")
    org = firm.org_id or 0
    sub = submissions.create_submission(
        firm, world.db, org_id=org, standard_id=SMALL, profile="digital-workshop"
    )
    saved = submissions.save_answers(
        firm, world.db, sub.id, expected_version=sub.version, answers=ANSWERS, gates=GATES
    )
    return submissions.submit(firm, world.db, sub.id, expected_version=saved.version).id


def test_the_inbox_lists_notices_newest_first_and_marks_them_read(app_world: World) -> None:
    evaluator = app_world.user("evaluator")
    mine = inbox.list_notices(evaluator, app_world.db)
    assert mine, "the demo assigns submissions to the evaluator"
    unread = inbox.unread_count(app_world.db, evaluator)
    assert unread == len(mine)
    at = inbox_page(app_world, "evaluator")
    assert [t.value for t in at.title] == ["消息"]
    assert f"{unread} 条未读" in texts(at)
    shown = notices_shown(at)
    assert len(shown) == len(mine)
    assert shown == [f":blue-badge[未读] {notice_text(n)}" for n in mine]
    assigned = next(n for n in mine if n.kind == "assigned")
    firm = assigned.params["firm"]
    assert f":blue-badge[未读] 评估 #{assigned.submission_id}（{firm}）已分配给您评审。" in shown
    # one marked read: its badge goes, the count drops, nobody else's changes
    others = inbox.unread_count(app_world.db, app_world.user("evaluator2"))
    run(at.button(key=f"inbox_read-{mine[0].id}").click())
    assert inbox.unread_count(app_world.db, evaluator) == unread - 1
    assert inbox.unread_count(app_world.db, app_world.user("evaluator2")) == others
    assert not notices_shown(at)[0].startswith(":blue-badge")
    assert f"{unread - 1} 条未读" in texts(at)
    # only the unread ones, then all of them read
    run(at.toggle(key="inbox_only_unread").set_value(True))
    assert len(notices_shown(at)) == unread - 1
    run(at.button(key="inbox_mark_all").click())
    assert f"已将 {unread - 1} 条消息标为已读。" in [s.value for s in at.success]
    assert inbox.unread_count(app_world.db, evaluator) == 0
    assert [i.value for i in at.info] == ["没有未读消息。"]


def test_a_notice_reads_in_the_readers_language(app_world: World) -> None:
    firm, evaluator = app_world.user("firm"), app_world.user("evaluator")
    admin = app_world.user("admin")
    sid = into_the_pool(app_world)
    version = submissions.get_submission(admin, app_world.db, sid).version
    submissions.assign_evaluator(
        admin, app_world.db, sid, evaluator.user_id or 0, expected_version=version
    )
    sub = submissions.start_review(evaluator, app_world.db, sid, expected_version=version + 1)
    # later than every step of the demo's timeline, so it is the newest notice
    submissions.return_to_firm(
        evaluator, app_world.db, sub.id, comment="请补充 *MES* 截图",
        expected_version=sub.version, clock=lambda: utcnow() + timedelta(days=365),
    )  # fmt: skip
    notice = inbox.list_notices(firm, app_world.db)[0]
    assert (notice.kind, notice.submission_id) == ("returned", sub.id)
    name = notice.params["evaluator"]
    zh = notices_shown(inbox_page(app_world, "firm"))
    en = notices_shown(inbox_page(app_world, "firm", "en"))
    assert zh[0] == (
        f":blue-badge[未读] 评审员 {name} 退回了评估 #{sub.id}，请修改后重新提交。"
        r"意见：请补充 \*MES\* 截图"
    )
    assert en[0] == (
        f":blue-badge[unread] Evaluator {name} returned assessment #{sub.id}; revise it and "
        r"submit again. Comment: 请补充 \*MES\* 截图"
    )
    # the other firm's inbox holds nothing of it
    other = inbox.list_notices(app_world.user("firm2"), app_world.db)
    assert sub.id not in {n.submission_id for n in other}
    assert not any(f"#{sub.id}" in text for text in notices_shown(inbox_page(app_world, "firm2")))


def test_the_administrators_first_page_shows_the_waiting_work(app_world: World) -> None:
    at = run(app_world.app("admin"))
    assert "没有待分配的评估。" in texts(at)
    assert "待分配评审员的评估（0）" in [s.value for s in at.subheader]
    sid = into_the_pool(app_world)
    at = run(app_world.app("admin"))
    assert "待分配评审员的评估（1）" in [s.value for s in at.subheader]
    table = frame(at, "已等待")
    assert list(table["#"]) == [sid]
    assert list(table["地区"]) == ["北仑区"]  # the region named, not its code
    links = list(at.get("page_link"))
    assert any(
        link.proto.label == "去分配评审员" and link.proto.page == "assignments" for link in links
    ), [link.proto for link in links]
    # the administrators were told, the unread count says so
    admin = app_world.user("admin")
    assert [n.kind for n in inbox.list_notices(admin, app_world.db, unread_only=True)] == [
        "pool_submitted"
    ]
    assert inbox.unread_count(app_world.db, admin) == 1


def test_rules_are_switched_on_and_added_on_the_assignment_page(app_world: World) -> None:
    admin = app_world.user("admin")
    evaluator2 = app_world.user("evaluator2")
    at = run(run(app_world.app("admin")).switch_page("ui/pages/admin_assign.py"))
    assert "还没有分配规则。" in texts(at)
    assert at.toggle(key="rules_auto").value is False
    run(at.toggle(key="rules_auto").set_value(True))
    assert "已开启自动分配。" in [s.value for s in at.success]
    assert assignment.auto_enabled(app_world.db)
    at.selectbox(key="rule_region-zh").select("33")
    at.selectbox(key="rule_evaluator-zh").select(evaluator2.user_id)
    submit_form(at, "rule_form")
    assert "已添加规则。" in [s.value for s in at.success]
    [made] = assignment.list_rules(admin, app_world.db)
    assert (made.region_prefix, made.industry_division, made.evaluator_id) == (
        "33", "", evaluator2.user_id,
    )  # fmt: skip
    table = frame(at, "行业大类")
    assert list(table["地区"]) == ["33 浙江省"]
    assert list(table["行业大类"]) == ["全部行业"]
    # the demo firm is in Zhejiang: its next submission goes straight to evaluator2
    sid = into_the_pool(app_world)
    assert submissions.get_submission(admin, app_world.db, sid).assigned_evaluator_id == (
        evaluator2.user_id
    )
    assert inbox.list_notices(evaluator2, app_world.db)[0].kind == "assigned"
