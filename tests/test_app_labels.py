"""Every label on the firm's pages tells the truth after an action: the firm's own submit, and an
evaluator's start, approval and return and an administrator's revocation as the firm sees them on
its next run — driven through the real services, the firm's AppTest session kept open between.

A browser keeps showing the label it was last sent for a selectbox's chosen option unless the
app sends the choice again (`set_value`); AppTest alone reads the option's new label from the
server. `Browser` models what the browser displays, so a label that only the server knows is
new fails here as it would on screen.
"""

from __future__ import annotations

import random

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, run, texts
from streamlit.testing.v1 import AppTest

from assessment import submissions
from assessment.certificates import issue as certificates
from assessment.demo.seed import plausible_answers
from assessment.submissions import appdata
from standards import bundled_library

ZH = {"submitted": "已提交", "in_review": "评审中", "approved": "已通过", "returned": "已退回"}


class Browser:
    """What a browser displays in each selectbox (by element id) after each run."""

    def __init__(self) -> None:
        self.shown: dict[str, str] = {}

    def label(self, at: AppTest, key: str) -> str:
        box = at.selectbox(key=key)
        if box.proto.set_value:
            label = box.proto.raw_value
        elif box.id in self.shown:
            label = self.shown[box.id]  # the browser keeps what it had
        else:
            label = box.options[box.proto.default]
        self.shown[box.id] = label
        return label


@pytest.fixture(autouse=True)
def _public_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "http://127.0.0.1:8501")


def _answered_draft(world: World) -> int:
    """The firm's future-factory draft with every item answered (as colleagues would have)."""
    firm = world.user("firm")
    draft = world.submission("firm", "draft")
    library = bundled_library()
    std = appdata.submission_standard(firm, world.db, draft.id)
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    doc = plausible_answers(std, scales, draft.profile, "discrete", random.Random(16), 0.8)  # noqa: S311 - reproducible answers
    version = submissions.get_submission(firm, world.db, draft.id).version
    submissions.save_answers(
        firm, world.db, draft.id, expected_version=version, answers=doc["answers"],
        gates={k: True if isinstance(v, bool) else v for k, v in doc["gates"].items()},
    )  # fmt: skip
    return draft.id


def _version(world: World, sid: int) -> int:
    return submissions.get_submission(world.user("admin"), world.db, sid).version


def _submit_in_the_page(world: World, browser: Browser) -> tuple[AppTest, int]:
    sid = _answered_draft(world)
    at = world.app("firm")
    at.session_state["current_submission"] = sid
    run(at.switch_page("ui/pages/questionnaire.py"))
    assert browser.label(at, "q_pick-zh").startswith(f"#{sid} ·")
    assert browser.label(at, "q_pick-zh").endswith("草稿")
    run(at.button(key="q_submit").click())
    assert submissions.get_submission(world.user("firm"), world.db, sid).status == "submitted"
    return at, sid


def test_after_submit_the_selector_says_submitted(app_world: World) -> None:
    browser = Browser()
    at, sid = _submit_in_the_page(app_world, browser)
    shown = browser.label(at, "q_pick-zh")
    assert shown.startswith(f"#{sid} ·")
    assert shown.endswith(ZH["submitted"]), shown
    assert f"「{ZH['submitted']}」" in texts(at)  # the read-only notice names the status


def _to_review(world: World, sid: int) -> None:
    evaluator = world.user("evaluator")
    submissions.assign_evaluator(
        world.user("admin"), world.db, sid, evaluator.user_id or 0,
        expected_version=_version(world, sid),
    )  # fmt: skip
    submissions.start_review(evaluator, world.db, sid, expected_version=_version(world, sid))


def test_the_firm_sees_review_approval_and_revocation_on_its_next_run(app_world: World) -> None:
    world = app_world
    browser = Browser()
    at, sid = _submit_in_the_page(world, browser)
    browser.label(at, "q_pick-zh")
    _to_review(world, sid)
    run(at)  # the firm's next click
    assert browser.label(at, "q_pick-zh").endswith(ZH["in_review"])

    run(at.switch_page("ui/pages/results.py"))
    assert browser.label(at, "r_pick-zh").endswith(ZH["in_review"])
    evaluator = world.user("evaluator")
    submissions.accept_remaining(evaluator, world.db, sid, expected_version=_version(world, sid))
    certificates.approve(evaluator, world.db, sid, expected_version=_version(world, sid))
    run(at)
    assert browser.label(at, "r_pick-zh").endswith(ZH["approved"])
    assert "以下为评审员评审通过的结果。" in texts(at)

    submissions.revoke(
        world.user("admin"), world.db, sid, expected_version=_version(world, sid),
        reason="抽查发现申报数据失实",
    )  # fmt: skip
    run(at)
    assert browser.label(at, "r_pick-zh").endswith("已撤销")
    page = texts(at)
    assert "有效" not in page.replace("有效期", ""), "no valid-certificate badge after revocation"

    run(at.switch_page("ui/pages/home.py"))
    card = texts(at)
    assert f"#{sid} ·" in card
    assert ":red-badge[已撤销]" in card


def test_after_return_the_selector_says_returned(app_world: World) -> None:
    world = app_world
    browser = Browser()
    at, sid = _submit_in_the_page(world, browser)
    _to_review(world, sid)
    run(at)
    assert browser.label(at, "q_pick-zh").endswith(ZH["in_review"])
    submissions.return_to_firm(
        world.user("evaluator"), world.db, sid, expected_version=_version(world, sid),
        comment="请补充设备联网率的证明材料",
    )  # fmt: skip
    run(at)
    assert browser.label(at, "q_pick-zh").endswith(ZH["returned"])
    assert "请补充设备联网率的证明材料" in texts(at)
