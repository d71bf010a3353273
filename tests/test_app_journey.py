"""The whole journey in AppTest: an enterprise fills and submits a future-factory assessment, an
administrator assigns an evaluator, the evaluator adjusts one item and approves, and the enterprise
sees the evaluated result."""

from __future__ import annotations

import random

from app_support import *  # noqa: F403 - the fixtures
from app_support import EMAILS, PASSWORD, World, frame, run, submit_form, texts

from assessment import submissions
from assessment.demo.seed import plausible_answers
from standards import bundled_library
from standards.models import ChoiceRule

FF = "zj-future-factory"


def test_enterprise_evaluator_journey(app_world: World) -> None:
    world = app_world
    library = bundled_library()
    ff = library.standard(FF)
    # 1. the firm signs in through the form
    at = run(world.app())
    at.text_input(key="signin_email").input(EMAILS["firm"])
    at.text_input(key="signin_password").input(PASSWORD)
    run(at.button[0].click())
    assert [t.value for t in at.title] == ["我的评估"]

    # 2. a new future-factory assessment, target 未来工厂, discrete
    run(at.switch_page("ui/pages/new_assessment.py"))
    at.selectbox(key="new_standard-zh").select(FF)
    run(at)
    at.radio(key=f"new_profile-{FF}-zh").set_value("ff")
    at.radio(key=f"new_industry-{FF}-zh").set_value("discrete")
    run(at.button(key="new_create").click())
    assert [t.value for t in at.title] == ["问卷填报"]
    firm = world.user("firm")
    sub = max(submissions.list_submissions(firm, world.db), key=lambda s: s.id)
    assert (sub.standard_id, sub.profile, sub.status) == (FF, "ff", "draft")

    # 3. the first item answered in the page (autosave through the versioned service) …
    first = next(i for i in ff.items if isinstance(i.rule, ChoiceRule) and i.industry is None)
    radio = at.radio(key=f"q::{sub.id}::{first.id}")
    run(radio.set_value(first.rule.options[-1].key))
    saved = submissions.get_submission(firm, world.db, sub.id)
    assert saved.answers[first.id] == first.rule.options[-1].key
    assert saved.version == 2
    # … the rest as the firm's colleagues would have saved them
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    rng = random.Random(7)  # noqa: S311 - reproducible answers, not secrets
    doc = plausible_answers(ff, scales, "ff", "discrete", rng, 0.8)
    rest = {k: v for k, v in doc["answers"].items() if k != first.id}
    submissions.save_answers(
        firm, world.db, sub.id, expected_version=saved.version, answers=rest, gates=doc["gates"]
    )
    run(
        at.switch_page("ui/pages/questionnaire.py")
    )  # a stale page version: it takes the new answers
    assert "剩余必答 0 项" in texts(at)
    run(at.button(key="q_submit").click())
    assert submissions.get_submission(firm, world.db, sub.id).status == "submitted"
    assert "已提交评审" in texts(at)

    # 4. the administrator assigns the evaluator
    admin = run(world.app("admin"))
    run(admin.switch_page("ui/pages/admin_assign.py"))
    admin.selectbox(key="assign_sub-zh").select(sub.id)
    evaluator = world.user("evaluator")
    admin.selectbox(key="assign_eval-zh").select(evaluator.user_id)
    run(admin.button(key="assign_button").click())
    assert (
        submissions.get_submission(evaluator, world.db, sub.id).assigned_evaluator_id
        == evaluator.user_id
    )

    # 5. the evaluator opens it from the queue, adjusts one item and approves
    ev = run(world.app("evaluator"))
    assert [t.value for t in ev.title] == ["评审任务"]
    ev.selectbox(key="queue_pick").select(sub.id)
    run(ev.button(key="queue_open").click())
    assert [t.value for t in ev.title] == ["评审"]
    run(ev.button(key="start_review").click())
    assert submissions.get_submission(evaluator, world.db, sub.id).status == "in_review"
    lower = first.rule.options[0].key
    ev.selectbox(key=f"v-{first.id}").select(lower)
    ev.text_input(key=f"why-{first.id}").input("现场核查：仅一条产线达到，请补充其余产线的证明材料")
    submit_form(ev, f"adjust-{first.id}")
    decisions = submissions.list_decisions(evaluator, world.db, sub.id)
    assert [(d.key, d.decision, d.value) for d in decisions] == [(first.id, "adjust", lower)]
    run(ev.button(key="accept_rest").click())
    run(ev.button(key="approve").click())
    approved = submissions.get_submission(firm, world.db, sub.id)
    assert approved.status == "approved"
    assert approved.final_result is not None
    assert approved.self_result is not None
    assert approved.final_result["total"] < approved.self_result["total"]

    # 6. the firm sees the evaluated result
    run(at.switch_page("ui/pages/results.py"))
    page = texts(at)
    assert "以下为评审员评审通过的结果。" in page
    assert f"{approved.final_result['total']:g}".rstrip("0") in page.replace(",", "")
    adjusted = frame(at, "理由")  # what the evaluator changed, and why, beside the result
    assert list(adjusted["理由"]) == ["现场核查：仅一条产线达到，请补充其余产线的证明材料"]
