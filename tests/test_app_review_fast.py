"""The evaluator's fast path and labels that tell the truth after a write (issue 16, parts 4, 7):
queue search on a real SQLite database within the tenant filters, the next item without a
decision, the batch by domain (one transaction, audited), the review page item by item, and the
selectors, badges and registry after approve, return and revoke."""

from __future__ import annotations

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, frame, run, submit_form, texts

from assessment import submissions
from assessment.accounts import audit, organisations
from assessment.accounts.principal import Principal
from assessment.certificates import records
from assessment.certificates.issuer import ensure_demo_issuer
from assessment.errors import InvalidInput
from assessment.submissions import appdata
from standards import bundled_library

FF = "zj-future-factory"


def queue_ids(world: World, who: str, search: str) -> list[int]:
    return [r.id for r in appdata.review_queue(world.user(who), world.db, search=search)]


# --- services ------------------------------------------------------------------------------------


def test_queue_search_by_name_credit_code_and_number_within_the_tenant(app_world: World) -> None:
    mine = appdata.review_queue(app_world.user("evaluator"), app_world.db)
    target = next(r for r in mine if r.status == "in_review")
    others = [r for r in mine if r.organisation_name != target.organisation_name]
    assert others, "the demo evaluator has submissions of several firms"
    # part of the firm's name
    part = target.organisation_name[2:6]
    found = queue_ids(app_world, "evaluator", part)
    assert target.id in found
    assert not {r.id for r in others if part not in r.organisation_name} & set(found)
    # part of the credit code, typed in lower case
    code = target.credit_code
    assert queue_ids(app_world, "evaluator", code[-8:].lower()) == [
        r.id for r in mine if code[-8:] in r.credit_code
    ]
    # the number, bare or with '#', and spaces around it
    assert target.id in queue_ids(app_world, "evaluator", f" #{target.id} ")
    assert target.id in queue_ids(app_world, "evaluator", str(target.id))
    # LIKE wildcards are literal: '%' and '_' match no firm of the demo
    assert queue_ids(app_world, "evaluator", "%") == []
    assert queue_ids(app_world, "evaluator", "_") == []
    # nothing typed: the whole queue
    assert queue_ids(app_world, "evaluator", "  ") == [r.id for r in mine]
    # another evaluator finds none of them, by name, code or number
    for text in (part, code, f"#{target.id}"):
        assert queue_ids(app_world, "evaluator2", text) == []
    # a firm member's queue stays empty, whatever it searches for
    assert queue_ids(app_world, "firm", code) == []
    # an administrator finds it
    assert target.id in queue_ids(app_world, "admin", code)


def test_next_undecided_follows_the_page_order_and_wraps_round() -> None:
    std = bundled_library().standard(FF)
    groups = appdata.question_groups(std, "sf", "discrete")
    order = appdata.review_order(groups, {i.id for g in groups for i in g.items})
    ids = [item for _, item in order]
    assert len(ids) > 10
    answered = set(ids[:10])
    assert appdata.next_undecided(groups, answered, set()) == order[0]
    assert appdata.next_undecided(groups, answered, {ids[0], ids[1]}, after=ids[0]) == order[2]
    # after the last one, back to the first without a decision
    assert appdata.next_undecided(groups, answered, {ids[0]}, after=ids[9]) == order[1]
    # unanswered items are not the evaluator's to decide
    assert appdata.next_undecided(groups, answered, set(ids[:10])) is None
    # the group is the item's domain
    group_of = {i.id: g.id for g in groups for i in g.items}
    assert all(group_of[item] == gid for gid, item in order)


def test_accept_remaining_of_one_domain_is_one_audited_action(app_world: World) -> None:
    evaluator = app_world.user("evaluator")
    sub = submissions.get_submission(
        evaluator, app_world.db, app_world.submission("evaluator", "in_review").id
    )
    std = appdata.submission_standard(evaluator, app_world.db, sub.id)
    groups = appdata.question_groups(std, sub.profile, sub.industry_type)
    group = next(g for g in groups if sum(1 for i in g.items if i.id in sub.answers) >= 3)
    answered = [i.id for i in group.items if i.id in sub.answers]
    # one item adjusted by hand first: the batch leaves it alone
    item = next(i for i in group.items if i.id == answered[0])
    options = [o.key for o in item.rule.options]  # type: ignore[union-attr]
    lower = next(k for k in options if k != sub.answers[item.id])
    sub = submissions.decide_item(
        evaluator, app_world.db, sub.id, key=item.id, decision="adjust", value=lower,
        reason="现场核查", expected_version=sub.version,
    )  # fmt: skip
    n = submissions.accept_remaining(
        evaluator, app_world.db, sub.id, expected_version=sub.version, domain=group.id
    )
    assert n == len(answered) - 1
    decisions = {d.key: d for d in submissions.list_decisions(evaluator, app_world.db, sub.id)}
    assert set(decisions) == set(answered)
    assert decisions[item.id].decision == "adjust"
    assert {decisions[k].decision for k in answered[1:]} == {"accept"}
    after = submissions.get_submission(evaluator, app_world.db, sub.id)
    assert after.version == sub.version + 1  # one write
    [entry] = [
        e
        for e in audit.audit_trail(Principal.system("test"), app_world.db, submission_id=sub.id)
        if e.action == "review.accept_remaining"
    ]
    assert entry.after["domain"] == group.id
    assert sorted(entry.after["accepted"]) == sorted(f"item:{k}" for k in answered[1:])
    # again: nothing left in that domain; an unknown domain is refused, nothing written
    assert (
        submissions.accept_remaining(
            evaluator, app_world.db, sub.id, expected_version=after.version, domain=group.id
        )
        == 0
    )
    version = submissions.get_submission(evaluator, app_world.db, sub.id).version
    with pytest.raises(InvalidInput) as refused:
        submissions.accept_remaining(
            evaluator, app_world.db, sub.id, expected_version=version, domain="no-such-domain"
        )
    assert "不是本评估中的能力域" in refused.value.text("zh")
    assert submissions.get_submission(evaluator, app_world.db, sub.id).version == version


# --- the pages ----------------------------------------------------------------------------------


def test_the_queue_finds_a_firm_by_credit_code_and_opens_it(app_world: World) -> None:
    evaluator = app_world.user("evaluator")
    target = next(
        r for r in appdata.review_queue(evaluator, app_world.db) if r.status == "in_review"
    )
    at = run(app_world.app("evaluator"))
    assert [t.value for t in at.title] == ["评审任务"]
    run(at.text_input(key="queue_search").input(target.credit_code.lower()))
    table = frame(at, "统一社会信用代码")
    assert list(table["#"]) == [target.id]
    assert at.selectbox(key="queue_pick").value == target.id
    run(at.button(key="queue_open").click())
    assert [t.value for t in at.title] == ["评审"]
    assert at.selectbox(key="rv_pick").value == target.id
    # a search that finds nothing says so, with the words typed
    run(at.switch_page("ui/pages/queue.py"))
    run(at.text_input(key="queue_search").input("不存在的企业"))
    assert "没有与「不存在的企业」相符的评审任务。" in texts(at)


def on_review(world: World, sub_id: int) -> object:
    at = world.app("evaluator")
    at.session_state["current_submission"] = sub_id
    return run(at.switch_page("ui/pages/review.py"))


def test_review_moves_item_to_item_and_accepts_a_domain(app_world: World) -> None:
    evaluator = app_world.user("evaluator")
    sub = submissions.get_submission(
        evaluator, app_world.db, app_world.submission("evaluator", "in_review").id
    )
    std = appdata.submission_standard(evaluator, app_world.db, sub.id)
    groups = appdata.question_groups(std, sub.profile, sub.industry_type)
    order = appdata.review_order(groups, set(sub.answers))
    at = on_review(app_world, sub.id)
    first, second, third = (item for _, item in order[:3])
    # the first undecided item is in focus, with its accept button (shortcut A)
    assert f"`{first}`" in texts(at)
    accept = at.button(key=f"accept-{first}")
    assert accept.proto.shortcut == "a"
    run(accept.click())
    assert f"已认可题目 {next(i.number for g in groups for i in g.items if i.id == first)}。" in (
        texts(at)
    )
    # … and the focus moved on to the next item without a decision
    assert f"`{second}`" in texts(at)
    assert f"accept-{second}" in [b.key for b in at.button]
    # adjusting needs a reason; with one it is saved and the focus moves on
    item = next(i for g in groups for i in g.items if i.id == second)
    options = [o.key for o in item.rule.options]  # type: ignore[union-attr]
    lower = next(k for k in options if k != sub.answers[second])
    at.selectbox(key=f"v-{second}").select(lower)
    submit_form(at, f"adjust-{second}")
    assert any("调整时须说明理由" in e.value for e in at.error)
    at.selectbox(key=f"v-{second}").select(lower)
    at.text_input(key=f"why-{second}").input("现场核查：证据只覆盖一条产线")
    submit_form(at, f"adjust-{second}")
    decided = {d.key: d for d in submissions.list_decisions(evaluator, app_world.db, sub.id)}
    assert (decided[second].decision, decided[second].value) == ("adjust", lower)
    assert f"`{third}`" in texts(at)
    # previous (K) goes back; next undecided (N) comes back to the third
    run(at.button(key="rv_prev").click())
    assert f"`{second}`" in texts(at)
    assert at.button(key="rv_next_undecided").proto.shortcut == "n"
    run(at.button(key="rv_next_undecided").click())
    assert f"`{third}`" in texts(at)
    # the domain's batch: the rest of this domain, not the others
    gid = order[0][0]
    domain = next(g for g in groups if g.id == gid)
    rest = [i.id for i in domain.items if i.id in sub.answers and i.id not in decided]
    run(at.button(key="rv_accept_domain").click())
    decided = {d.key: d for d in submissions.list_decisions(evaluator, app_world.db, sub.id)}
    assert set(decided) == {first, second, *rest}
    assert decided[second].decision == "adjust"
    # the domain selector's label counts the decisions as they are now, and the focus moved
    # to the first item of the next domain
    label = at.selectbox(key=f"rv_group::{sub.id}")
    assert label.value == order[len(decided)][0]
    shown = label.options[[g.id for g in groups].index(gid)]
    answered = sum(1 for i in domain.items if i.id in sub.answers)
    assert f"（已决定 {answered}/{answered}）" in shown
    assert f"`{order[len(decided)][1]}`" in texts(at)


def approve_ready(world: World) -> int:
    evaluator = world.user("evaluator")
    sub = world.submission("evaluator", "in_review")
    submissions.accept_remaining(evaluator, world.db, sub.id, expected_version=sub.version)
    return sub.id


def picker_label(at: object) -> str:
    box = at.selectbox(key="rv_pick")  # type: ignore[attr-defined]
    return str(box.options[box.index])


def test_after_approve_the_selector_and_badge_say_approved(app_world: World) -> None:
    sid = approve_ready(app_world)
    at = on_review(app_world, sid)
    assert "· 评审中" in picker_label(at)
    run(at.button(key="approve").click())
    assert submissions.get_submission(app_world.user("evaluator"), app_world.db, sid).status == (
        "approved"
    )
    assert at.selectbox(key="rv_pick").value == sid
    assert picker_label(at).endswith("· 已通过")
    page = texts(at)
    assert ":green-badge[已通过]" in page
    assert "此评估当前为「已通过」，评审已结束，仅供查看。" in page
    assert "approve" not in [b.key for b in at.button]
    # the queue says it too
    run(at.switch_page("ui/pages/queue.py"))
    at.multiselect(key="queue_status-zh").select("approved")
    run(at)
    at.selectbox(key="queue_pick").select(sid)
    run(at)
    box = at.selectbox(key="queue_pick")
    assert box.options[box.index].endswith("· 已通过")


def test_after_return_the_selector_and_badge_say_returned(app_world: World) -> None:
    sid = app_world.submission("evaluator", "in_review").id
    at = on_review(app_world, sid)
    at.text_area(key="return_text").input("请补充设备联网率的证明材料")
    submit_form(at, "return_form")
    assert "已退回企业。" in texts(at)
    assert at.selectbox(key="rv_pick").value == sid
    assert picker_label(at).endswith("· 已退回")
    assert ":orange-badge[已退回]" in texts(at)


def test_revoking_a_result_asks_first_naming_the_firm_and_the_certificate(
    app_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = app_world.user("admin")
    # a certificate names where it is verified: the installation's public address
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "http://127.0.0.1:8501")
    ensure_demo_issuer()  # the demo firms' results: the demo key signs them
    approved = app_world.submission("admin", "approved", FF)
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_certificates.py"))
    at.selectbox(key="issue_pick-zh").select(approved.id)
    run(at.button(key="issue_button").click())
    [cert] = records.list_certificates(admin, app_world.db)
    firm = organisations.get_organisation(admin, app_world.db, approved.organisation_id).name
    # the selector starts empty: no result is chosen for the administrator
    assert at.selectbox(key="revoke_pick").value is None
    assert at.button(key="revoke_open").disabled
    at.selectbox(key="revoke_pick").select(approved.id)
    run(at)
    run(at.button(key="revoke_open").click())
    page = texts(at)
    assert f"确定撤销 **{firm}** 的评估 #{approved.id} 的评定结果吗？" in page.replace("\\", "")
    assert f"以下证书将同时失效：**{cert.number}**" in page
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "approved"
    # cancel: nothing happens, the dialog is gone
    run(at.button(key="revoke_cancel").click())
    assert "revoke_confirm" not in [b.key for b in at.button]
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "approved"
    # confirm without a reason: refused inside the dialog
    run(at.button(key="revoke_open").click())
    run(at.button(key="revoke_confirm").click())
    assert any("理由" in e.value and "不能为空" in e.value for e in at.error)
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "approved"
    at.text_area(key="revoke_reason").input("抽查发现数据失实")
    run(at.button(key="revoke_confirm").click())
    assert submissions.get_submission(admin, app_world.db, approved.id).status == "revoked"
    assert f"评估 #{approved.id} 的评定结果已撤销。" in texts(at)
    # every label says so now: the registry, the certificate selector and its badge
    assert list(frame(at, "证书编号")["状态"]) == ["已撤销"]
    box = at.selectbox(key="cert_pick")
    assert box.value == cert.number
    assert box.options[box.index].endswith("· 已撤销")
    assert f":red-badge[已撤销] **{cert.number}**" in texts(at)
    assert "revoke_confirm" not in [b.key for b in at.button]


def test_revoking_one_certificate_asks_first(
    app_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = app_world.user("admin")
    # a certificate names where it is verified: the installation's public address
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "http://127.0.0.1:8501")
    ensure_demo_issuer()  # the demo firms' results: the demo key signs them
    approved = app_world.submission("admin", "approved", FF)
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_certificates.py"))
    at.selectbox(key="issue_pick-zh").select(approved.id)
    run(at.button(key="issue_button").click())
    [cert] = records.list_certificates(admin, app_world.db)
    assert at.selectbox(key="cert_pick").value == cert.number
    run(at.button(key="cert_revoke_open").click())
    firm = cert.record["firm_name"]
    assert f"确定撤销 **{firm}** 的证书 **{cert.number}** 吗？" in texts(at).replace("\\", "")
    at.text_area(key="cert_revoke_reason").input("企业更名")
    run(at.button(key="cert_revoke_confirm").click())
    [revoked] = records.list_certificates(admin, app_world.db)
    assert (revoked.status, revoked.revoked_reason) == ("revoked", "企业更名")
    assert f"证书 {cert.number} 已撤销。" in texts(at)
    assert list(frame(at, "证书编号")["状态"]) == ["已撤销"]
    box = at.selectbox(key="cert_pick")
    assert box.options[box.index].endswith("· 已撤销")
