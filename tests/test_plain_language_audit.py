"""The audit log in words: every action code the code base writes has a text in Chinese and in
English, and the administrator's page shows actions and changes as sentences, not codes or JSON."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from app_support import *  # noqa: F403 - the fixtures
from app_support import EMAILS, PASSWORD, World, frame, run

from assessment import submissions
from assessment.accounts import audit, audit_text, identity
from assessment.accounts.principal import Principal
from assessment.errors import AuthenticationFailed

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")
# Codes built from a variable: the values the variable can take, from the services that build
# them (review.py refuses any decision but these two; comments.py any visibility but these).
DYNAMIC = {"review.": ("accept", "adjust"), "comment.": ("public", "internal")}


def _strings(node: ast.AST) -> list[str]:
    return [
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def written_codes() -> tuple[set[str], set[str]]:
    """The action codes passed to audit.record (third argument) and to transition_audit (fourth,
    prefixed 'submission.'), and the prefixes of f-string codes."""
    codes: set[str] = set()
    prefixes: set[str] = set()
    for path in sorted((ROOT / "assessment").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else getattr(node.func, "id", "")
            )
            if name == "record" and len(node.args) >= 3 and isinstance(node.func, ast.Attribute):
                if getattr(node.func.value, "id", "") != "audit":
                    continue
                arg = node.args[2]
                if isinstance(arg, ast.JoinedStr):
                    first = arg.values[0]
                    assert isinstance(first, ast.Constant), f"{path}: code without a prefix"
                    prefixes.add(str(first.value))
                else:
                    found = _strings(arg)
                    assert found, f"{path}:{node.lineno}: an action code that is not written out"
                    codes.update(found)
            elif name == "transition_audit" and len(node.args) >= 4:
                arg = node.args[3]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    codes.add(f"submission.{arg.value}")
    return codes, prefixes


def test_every_action_code_written_has_words_in_both_languages() -> None:
    codes, prefixes = written_codes()
    assert prefixes - {"submission."} <= set(DYNAMIC), "a new code built at run time: add it here"
    for prefix, values in DYNAMIC.items():
        codes.update(prefix + v for v in values)
    assert len(codes) > 30
    assert sorted(codes - set(audit_text.ACTIONS)) == []
    assert sorted(set(audit_text.ACTIONS) - codes) == [], "a text for a code nothing writes"
    for code in codes:
        zh, en = audit_text.action_text(code, "zh"), audit_text.action_text(code, "en")
        assert CJK.search(zh), (code, zh)
        assert not CJK.search(en), (code, en)
        assert en != code, code


def _entries(world: World, action: str) -> list[audit.AuditView]:
    admin = world.user("admin")
    return [e for e in audit.audit_trail(admin, world.db, limit=100_000) if e.action == action]


def test_changes_read_as_sentences(app_world: World) -> None:
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft", "zj-future-factory")
    view = submissions.get_submission(firm, app_world.db, draft.id)
    submissions.save_answers(
        firm, app_world.db, draft.id, expected_version=view.version, answers={"FF-001": "B"}
    )
    view = submissions.get_submission(firm, app_world.db, draft.id)
    submissions.save_answers(
        firm, app_world.db, draft.id, expected_version=view.version, answers={"FF-001": "C"}
    )
    [*_, last] = _entries(app_world, "answers.save")
    assert audit_text.change_text(last, "zh") == "答案 FF-001：B → C"
    assert audit_text.change_text(last, "en") == "answer FF-001: B → C"

    [adjusted, *_] = _entries(app_world, "review.adjust")
    text = audit_text.change_text(adjusted, "zh")
    assert text.startswith(f"题目 {adjusted.entity_id}：C → B\n理由：现场核查")
    [submitted, *_] = _entries(app_world, "submission.submit")
    assert "状态：草稿 → 已提交" in audit_text.change_text(submitted, "zh")
    assert "status: draft → submitted" in audit_text.change_text(submitted, "en")
    [assigned, *_] = _entries(app_world, "submission.assign")
    evaluator = app_world.user("evaluator")
    names = {evaluator.user_id: EMAILS["evaluator"]}
    assert audit_text.change_text(assigned, "zh", names).endswith(f"→ {EMAILS['evaluator']}")


def test_the_audit_page_shows_words(app_world: World) -> None:
    # A real sign-in and a wrong password, through the service that writes them.
    identity.authenticate(app_world.db, EMAILS["firm"], PASSWORD)
    try:
        identity.authenticate(app_world.db, EMAILS["firm"], "wrong-password-123")
    except AuthenticationFailed:
        pass
    else:  # pragma: no cover
        raise AssertionError("a wrong password signed in")
    at = run(app_world.app("admin"))
    run(at.switch_page("ui/pages/admin_audit.py"))
    table = frame(at, "变更内容")
    actions = set(table["操作"])
    assert {"登录成功", "登录失败（密码错误）", "保存答案", "评审员调整答案"} <= actions
    assert not any(re.fullmatch(r"[a-z_]+\.[a-z_.]+", a) for a in actions), actions
    changes = [str(c) for c in table["变更内容"]]
    assert not [c for c in changes if "{" in c or '"' in c], "raw JSON on the page"
    assert any(re.search(r"题目 \S+：C → B；理由：现场核查", c) for c in changes)
    assert "连续失败次数：1" in changes

    # Filtering by an action in words.
    at.selectbox(key="audit_action-zh").select("login.ok")
    run(at)
    assert set(frame(at, "变更内容")["操作"]) == {"登录成功"}

    at.segmented_control(key="lang").set_value("en")
    run(at)
    table = frame(at, "Change")
    assert "Signed in" in set(table["Action"])


def test_an_unknown_code_is_shown_as_stored() -> None:
    """A code written by a newer version, read by this one, is not hidden."""
    assert audit_text.action_text("future.thing", "zh") == "future.thing"
    assert audit_text.entity_text("submission", "7", "zh") == "评估 7"
    assert Principal.system("x").name
