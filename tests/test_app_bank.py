"""The faithful bank in the app: descriptors by industry, thresholds as a checklist, a draft on the
previous edition moving to the current one, pending gates explained, and an administrator setting
a NOT FOUND value without editing YAML."""

from __future__ import annotations

from typing import Any

from app_support import *  # noqa: F403 - the fixtures
from app_support import World, frame, run, texts
from golden_support import previous_ff_edition
from sqlalchemy import update

from assessment import submissions
from assessment.library import configured
from assessment.storage.db import utcnow
from assessment.storage.tables import StandardSnapshot, Submission
from assessment.submissions import ensure_snapshot, snapshots
from standards import bundled_library, sha256_of

FF = "zj-future-factory"


def radio_of(at: Any, sid: int, item: str) -> Any:
    return next(r for r in at.radio if r.key == f"q::{sid}::{item}")


def open_questionnaire(world: World, sid: int, group: str, lang: str = "zh") -> Any:
    at = world.app("firm", lang=lang)
    at.session_state["current_submission"] = sid
    at.session_state[f"q_group::{sid}"] = group
    return run(at.switch_page("ui/pages/questionnaire.py"))


def test_options_show_their_thresholds_and_the_firms_industry_text(app_world: World) -> None:
    draft = app_world.submission("firm", "draft")  # the demo firm is discrete
    view = submissions.get_submission(app_world.user("firm"), app_world.db, draft.id)
    assert view.industry_type == "discrete"
    at = open_questionnaire(app_world, draft.id, "D01")
    ff001 = radio_of(at, draft.id, "FF-001")
    labels = list(ff001.options)  # AppTest holds the labels as drawn
    assert "在B的基础上" not in labels[2]
    assert "☐ 新一代信息技术 ≥ 4种" in labels[2]  # C's three thresholds, one per line
    assert labels[2].count("☐") == 3
    assert "在C的基础上" in labels[3]  # D builds on C
    at = open_questionnaire(app_world, draft.id, "D06")
    ff035 = radio_of(at, draft.id, "FF-035")
    e = ff035.options[4]
    assert "滚动排产" in e  # the discrete text …
    assert "生产管控一体化平台" not in e  # … not the process one
    at = open_questionnaire(app_world, draft.id, "D01", lang="en")
    c = radio_of(at, draft.id, "FF-001").options[2]
    assert "☐ new-generation IT ≥ 4 kinds" in c


def test_a_draft_on_the_previous_edition_moves_when_asked(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    old = previous_ff_edition()
    with app_world.db.write() as session:  # as if the draft had been made before r2 landed
        digest = ensure_snapshot(session, old, bundled_library(), utcnow())
        session.execute(
            update(Submission)
            .where(Submission.id == draft.id)
            .values(standard_sha256=digest, edition=old.edition)
        )
    snapshots._STANDARDS.clear()
    before = submissions.get_submission(firm, app_world.db, draft.id)
    at = open_questionnaire(app_world, draft.id, "D01")
    page = texts(at)
    assert "本评估按 **2025-trial** 版填写" in page
    assert "FF-007" in page  # the items to re-read are named before the move
    assert not any("含义已变更" in str(m.value) for m in at.markdown)
    run(at.button(key="edition-move").click())
    after = submissions.get_submission(firm, app_world.db, draft.id)
    assert after.edition == "2025-trial-r2"
    assert after.answers == before.answers
    assert "FF-001" in after.reread_items
    at = open_questionnaire(app_world, draft.id, "D01")
    assert "本评估按" not in texts(at)
    assert any("含义已变更" in str(m.value) for m in at.markdown)  # the badge on FF-001
    assert any("请重新阅读并确认" in w.value for w in at.warning)
    with app_world.db.read() as session:
        assert session.get(StandardSnapshot, sha256_of(old)) is not None  # kept


def test_the_pending_investment_floor_is_explained_and_the_county_variant_offered(
    app_world: World,
) -> None:
    firm = app_world.user("firm")
    org = submissions.get_submission(firm, app_world.db, app_world.submission("firm", "draft").id)
    sub = submissions.create_submission(firm, app_world.db, org_id=org.organisation_id,
                                     standard_id=FF, profile="ff")  # fmt: skip
    at = open_questionnaire(app_world, sub.id, "__gates__")
    assert any("暂为“待定”" in i.value and "8000万元" in i.value for i in at.info)
    variant = next(r for r in at.radio if r.key == f"q::{sub.id}::gate::investment::variant")
    assert list(variant.options) == ["一般地区", "山区海岛县"]
    run(variant.set_value("mountain_island"))
    number = next(n for n in at.number_input if n.key == f"q::{sub.id}::gate::investment")
    run(number.set_value(7000))
    saved = submissions.get_submission(firm, app_world.db, sub.id).gates["investment"]
    assert saved == {"value": 7000, "variant": "mountain_island"}


def test_an_administrator_sets_a_pending_value_in_the_library_page(app_world: World) -> None:
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_library.py"))
    table = frame(at, "参数")
    row = table[table["参数"] == "软硬件投资额 · 未来工厂 · 一般地区"].iloc[0]
    assert row["现行设置"] == "待定"
    chooser = at.selectbox(key="cv_parameter")
    wanted = next(
        i
        for i, label in enumerate(chooser.options)
        if label.endswith("软硬件投资额 · 未来工厂 · 一般地区")
    )
    chooser.set_value(wanted)
    at.number_input(key="cv_value").set_value(9000)
    at.selectbox(key="cv_label").set_value("OFFICIAL")
    at.text_input(key="cv_source").input("浙经信产数〔2026〕1号 (test)")
    run(at.button(key="FormSubmitter:configured-value-保存设置").click())
    table = frame(at, "参数")
    row = table[table["参数"] == "软硬件投资额 · 未来工厂 · 一般地区"].iloc[0]
    assert row["现行设置"] == "9,000 万元 (官方原文)"
    in_force = {
        c.path: c.value
        for c in configured.list_configurable(app_world.user("admin"), app_world.db)
        if c.standard_id == FF
    }
    assert in_force["gates.investment.thresholds.ff.default"] == 9000
    assert any("已保存" in m.value for m in at.toast) or "已保存" in texts(at)
