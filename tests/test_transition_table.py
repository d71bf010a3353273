"""The one table of who may do what in which state (assessment/submissions/states.py), held to
the rules as the project states them, action × state × party, and every guarded service held to
the table.

The expected rows below are written out by hand from docs/lifecycle.md, not derived from the
table; `guard` is then tried for every action, every state and five actors (a member of the
owning firm, a member of another firm, the assigned evaluator, another evaluator, an
administrator) on an unsaved submission row — no database needed, the guard reads only the row.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from assessment.accounts.principal import Principal, Role
from assessment.errors import InvalidTransition, PermissionDenied
from assessment.storage.tables import Submission
from assessment.submissions.states import ACTIONS, Status, guard

ROOT = Path(__file__).resolve().parents[1]
EDITABLE = {"draft", "returned"}
ALL = {s.value for s in Status}

# action → (states in which it is possible, state it leads to, who may take it)
EXPECTED = {
    "save_answers": (EDITABLE, None, {"firm"}),
    "add_evidence": (EDITABLE, None, {"firm"}),
    "save_activity": (EDITABLE, None, {"firm"}),
    "move_to_edition": (EDITABLE, None, {"firm", "admin"}),
    "submit": (EDITABLE, "submitted", {"firm"}),
    "start_review": ({"submitted"}, "in_review", {"evaluator"}),
    "decide_item": ({"in_review"}, None, {"evaluator"}),
    "accept_remaining": ({"in_review"}, None, {"evaluator"}),
    "return_to_firm": ({"in_review"}, "returned", {"evaluator"}),
    "approve": ({"in_review"}, "approved", {"evaluator"}),
    "reject": ({"in_review"}, "rejected", {"evaluator"}),
    "assign_evaluator": ({"submitted", "in_review", "returned"}, None, {"admin"}),
    "revoke": ({"approved"}, "revoked", {"admin"}),
    "add_comment": (ALL, None, {"firm", "evaluator", "admin"}),
    "add_internal_comment": (ALL, None, {"evaluator", "admin"}),
}
ACTORS = {
    "firm": Principal(10, Role.ENTERPRISE, 1, "member@a"),
    "other_firm": Principal(11, Role.ENTERPRISE, 2, "member@b"),
    "evaluator": Principal(20, Role.EVALUATOR, None, "assigned@eval"),
    "other_evaluator": Principal(21, Role.EVALUATOR, None, "other@eval"),
    "admin": Principal(30, Role.ADMINISTRATOR, None, "admin@x"),
}


def row(status: str) -> Submission:
    return Submission(id=7, organisation_id=1, assigned_evaluator_id=20, status=status, version=3)


def test_the_table_has_exactly_the_expected_rows() -> None:
    assert set(ACTIONS) == set(EXPECTED)
    for name, (states, target, _) in EXPECTED.items():
        action = ACTIONS[name]
        assert {s.value for s in action.sources} == states, name
        assert (action.target.value if action.target else None) == target, name


CASES = [(a, s, who) for a in sorted(EXPECTED) for s in sorted(ALL) for who in ACTORS]


@pytest.mark.parametrize(("name", "state", "who"), CASES, ids=["-".join(c) for c in CASES])
def test_guard_allows_exactly_the_expected_party_in_the_expected_states(
    name: str, state: str, who: str
) -> None:
    states, _, parties = EXPECTED[name]
    sub = row(state)
    if who not in parties:
        with pytest.raises(PermissionDenied):
            guard(ACTORS[who], sub, name, expected_version=3)
    elif state not in states:
        with pytest.raises(InvalidTransition, match="this is possible only when it is"):
            guard(ACTORS[who], sub, name, expected_version=3)
    else:
        assert guard(ACTORS[who], sub, name, expected_version=3) is ACTIONS[name]


def guarded_names() -> set[str]:
    """Every action name passed to guard(…) or require_party(…) anywhere in assessment/."""
    found: set[str] = set()
    for path in (ROOT / "assessment").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("guard", "require_party")
            ):
                for arg in node.args[2:3] if node.func.id == "guard" else node.args[1:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
                    elif isinstance(arg, ast.IfExp):  # e.g. internal vs public comment
                        found |= {
                            b.value for b in (arg.body, arg.orelse) if isinstance(b, ast.Constant)
                        }
    return found


def test_every_row_is_used_by_a_service_and_every_guard_names_a_row() -> None:
    assert guarded_names() == set(ACTIONS)


def test_no_service_decides_who_may_act_beside_the_table() -> None:
    """is_member / is_assigned decide permissions only inside the table (access.py defines them;
    the read filters of access.py and the benchmark's own membership are not actions)."""
    offenders = []
    for path in (ROOT / "assessment" / "submissions").rglob("*.py"):
        if path.name == "states.py":
            continue
        text = path.read_text(encoding="utf-8")
        if "is_member(" in text or "is_assigned(" in text:
            offenders.append(path.name)
    assert offenders == []
