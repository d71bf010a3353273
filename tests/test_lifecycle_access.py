"""The authorisation matrix: every service action × every role × own / other organisation.

Actors: a member of the firm that owns the submission (enterprise_own), a member of another firm
(enterprise_other), the evaluator assigned to the submission (evaluator_assigned), another evaluator
(evaluator_other), and an administrator. Outcomes:

- ok         the action works (a listing shows the row)
- hidden     a listing leaves the row out
- not_found  the actor may not even see the thing (told apart from nothing that does not exist)
- denied     the actor sees it but may not do this

Every outcome other than ok is checked to leave every table exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import PASSWORD, World, build_world, snapshot, valid_code

from assessment import submissions
from assessment.accounts import audit, organisations
from assessment.accounts.principal import Principal, Role
from assessment.certificates import records
from assessment.demo.seed import _demo_pdf
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.library import configured
from assessment.storage.db import Database
from assessment.storage.tables import Certificate
from assessment.submissions import evidence

ACTORS = (
    "enterprise_own",
    "enterprise_other",
    "evaluator_assigned",
    "evaluator_other",
    "administrator",
)
OK, HIDDEN, NF, DENIED = "ok", "hidden", "not_found", "denied"

Call = Callable[[World, Principal, int, str], bool | None]


@dataclass(frozen=True)
class Case:
    action: str
    state: str  # the state of org A's submission the action is tried on
    call: Call
    expected: tuple[str, str, str, str, str]  # in ACTORS order


def v(w: World, sid: int) -> int:
    return w.version(sid)


def _cert(w: World, sid: int) -> None:
    with w.db.write() as session:
        at = w.clock()
        session.add(
            Certificate(
                number=f"ZZ-{sid:04d}", submission_id=sid, issued_at=at, status="valid",
                record={"submission": sid},
            )
        )  # fmt: skip


def _move(w: World, actor: Principal, sid: int) -> bool:
    """Allowed actors get past the guard and are told the draft is already current."""
    try:
        submissions.move_to_edition(actor, w.db, sid, expected_version=v(w, sid))
    except InvalidInput as exc:
        return "already on the current edition" in str(exc)
    return True


def _first_evidence(w: World, sid: int) -> int:
    return evidence.list_evidence(w.admin, w.db, sid)[0].id


CASES = [
    # --- reading a submission
    Case("get_submission", "in_review",
         lambda w, a, sid, k: bool(submissions.get_submission(a, w.db, sid)),
         (OK, NF, OK, NF, OK)),
    Case("list_submissions", "in_review",
         lambda w, a, sid, k: sid in {s.id for s in submissions.list_submissions(a, w.db)},
         (OK, HIDDEN, OK, HIDDEN, OK)),
    Case("preview", "in_review",
         lambda w, a, sid, k: bool(submissions.preview(a, w.db, sid)),
         (OK, NF, OK, NF, OK)),
    # --- the firm's side
    Case("create_submission", "in_review",
         lambda w, a, sid, k: bool(submissions.create_submission(
             a, w.db, org_id=w.org_a, standard_id="gbt37393-2019", profile="digital-workshop")),
         (OK, NF, DENIED, NF, OK)),
    Case("save_answers", "returned",
         lambda w, a, sid, k: bool(submissions.save_answers(
             a, w.db, sid, expected_version=v(w, sid), answers={"mes-or-equivalent": False})),
         (OK, NF, DENIED, NF, DENIED)),
    Case("add_evidence", "returned",
         lambda w, a, sid, k: bool(evidence.add_evidence(
             a, w.db, sid, filename="scan.pdf", data=_demo_pdf())),
         (OK, NF, DENIED, NF, DENIED)),
    Case("list_evidence", "evidence",
         lambda w, a, sid, k: len(evidence.list_evidence(a, w.db, sid)) == 1,
         (OK, NF, OK, NF, OK)),
    Case("read_evidence", "evidence",
         lambda w, a, sid, k: evidence.read_evidence(a, w.db, _first_evidence(w, sid))[1]
         == _demo_pdf(),
         (OK, NF, OK, NF, OK)),
    Case("submit", "returned",
         lambda w, a, sid, k: bool(submissions.submit(a, w.db, sid, expected_version=v(w, sid))),
         (OK, NF, DENIED, NF, DENIED)),
    Case("edition_status", "in_review",
         lambda w, a, sid, k: submissions.edition_status(a, w.db, sid).current,
         (OK, NF, OK, NF, OK)),
    Case("move_to_edition", "returned",
         lambda w, a, sid, k: _move(w, a, sid),
         (OK, NF, DENIED, NF, OK)),
    # --- administration
    Case("list_configurable", "in_review",
         lambda w, a, sid, k: bool(configured.list_configurable(a, w.db)),
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("set_value", "in_review",
         lambda w, a, sid, k: configured.set_value(
             a, w.db, standard_id="zj-future-factory",
             path="gates.investment.thresholds.ff.default", value=8000, label="OFFICIAL",
             source="test notice") is None,
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("assign_evaluator", "submitted",
         lambda w, a, sid, k: bool(submissions.assign_evaluator(
             a, w.db, sid, w.eval_2.user_id or 0, expected_version=v(w, sid))),
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("revoke", "approved",
         lambda w, a, sid, k: bool(submissions.revoke(
             a, w.db, sid, reason="audit", expected_version=v(w, sid))),
         (DENIED, NF, DENIED, NF, OK)),
    # --- the evaluator's side
    Case("start_review", "submitted",
         lambda w, a, sid, k: bool(submissions.start_review(a, w.db, sid, expected_version=v(w, sid))),
         (DENIED, NF, OK, NF, DENIED)),
    Case("decide_item", "in_review",
         lambda w, a, sid, k: bool(submissions.decide_item(
             a, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
             reason="not live", expected_version=v(w, sid))),
         (DENIED, NF, OK, NF, DENIED)),
    Case("accept_remaining", "in_review",
         lambda w, a, sid, k: submissions.accept_remaining(a, w.db, sid, expected_version=v(w, sid))
         == 9,
         (DENIED, NF, OK, NF, DENIED)),
    Case("return_to_firm", "in_review",
         lambda w, a, sid, k: bool(submissions.return_to_firm(
             a, w.db, sid, comment="more evidence", expected_version=v(w, sid))),
         (DENIED, NF, OK, NF, DENIED)),
    Case("approve", "decided",
         lambda w, a, sid, k: bool(submissions.approve(a, w.db, sid, expected_version=v(w, sid))),
         (DENIED, NF, OK, NF, DENIED)),
    Case("reject", "in_review",
         lambda w, a, sid, k: bool(submissions.reject(
             a, w.db, sid, reason="no", expected_version=v(w, sid))),
         (DENIED, NF, OK, NF, DENIED)),
    Case("list_decisions (open round)", "decision",
         lambda w, a, sid, k: len(submissions.list_decisions(a, w.db, sid)) == 1,
         (HIDDEN, NF, OK, NF, OK)),
    # --- comments
    Case("add_comment public", "in_review",
         lambda w, a, sid, k: bool(submissions.add_comment(a, w.db, sid, body=f"note by {k}")),
         (OK, NF, OK, NF, OK)),
    Case("add_comment internal", "in_review",
         lambda w, a, sid, k: bool(submissions.add_comment(
             a, w.db, sid, body=f"internal by {k}", visibility="internal")),
         (DENIED, NF, OK, NF, OK)),
    Case("list_comments (internal)", "internal_comment",
         lambda w, a, sid, k: any(
             c.visibility == "internal" for c in submissions.list_comments(a, w.db, sid)),
         (HIDDEN, NF, OK, NF, OK)),
    # --- records
    Case("audit_trail of a submission", "in_review",
         lambda w, a, sid, k: len(audit.audit_trail(a, w.db, submission_id=sid)) > 0,
         (OK, NF, OK, NF, OK)),
    Case("audit_trail (open round decision)", "decision",
         lambda w, a, sid, k: any(
             e.action.startswith("review.")
             for e in audit.audit_trail(a, w.db, submission_id=sid)),
         (HIDDEN, NF, OK, NF, OK)),
    Case("audit_trail (whole log)", "in_review",
         lambda w, a, sid, k: len(audit.audit_trail(a, w.db)) > 0,
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("list_certificates", "certificate",
         lambda w, a, sid, k: f"ZZ-{sid:04d}" in {c.number for c in records.list_certificates(a, w.db)},
         (OK, HIDDEN, OK, HIDDEN, OK)),
    Case("get_certificate", "certificate",
         lambda w, a, sid, k: bool(records.get_certificate(a, w.db, f"ZZ-{sid:04d}")),
         (OK, NF, OK, NF, OK)),
    # --- organisations and accounts
    Case("get_organisation", "in_review",
         lambda w, a, sid, k: bool(organisations.get_organisation(a, w.db, w.org_a)),
         (OK, NF, OK, NF, OK)),
    Case("list_organisations", "in_review",
         lambda w, a, sid, k: w.org_a in {o.id for o in organisations.list_organisations(a, w.db)},
         (OK, HIDDEN, OK, HIDDEN, OK)),
    Case("update_organisation (name)", "in_review",
         lambda w, a, sid, k: bool(organisations.update_organisation(
             a, w.db, w.org_a, name=f"甲 renamed by {k}")),
         (OK, NF, DENIED, NF, OK)),
    # the classification decides the firm's benchmark cohorts: an administrator's to change
    Case("update_organisation (classification)", "in_review",
         lambda w, a, sid, k: bool(organisations.update_organisation(
             a, w.db, w.org_a, employees=400)),
         (DENIED, NF, DENIED, NF, OK)),
    Case("create_organisation", "in_review",
         lambda w, a, sid, k: bool(organisations.create_organisation(
             a, w.db, name=f"new {k}", credit_code=valid_code(f"9133010{ACTORS.index(k)}MA2H7K3X1"),
             industry_code="34", region_code="330106")),
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("create_user", "in_review",
         lambda w, a, sid, k: bool(organisations.create_user(
             a, w.db, email=f"new-{k}@test.invalid", role=Role.EVALUATOR,
             password=PASSWORD)),
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("list_users", "in_review",
         lambda w, a, sid, k: len(organisations.list_users(a, w.db)) == 5,
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("unlock_user", "in_review",
         lambda w, a, sid, k: bool(organisations.unlock_user(a, w.db, w.ent_a.user_id or 0)),
         (DENIED, DENIED, DENIED, DENIED, OK)),
    Case("set_active", "in_review",
         lambda w, a, sid, k: not organisations.set_active(
             a, w.db, w.ent_b.user_id or 0, False).active,
         (DENIED, DENIED, DENIED, DENIED, OK)),
]  # fmt: skip


def prepare(w: World, state: str) -> int:
    """Org A's submission in `state` (assigned to eval_1 from `submitted` on), plus extras."""
    base = {
        "evidence": "returned",
        "decision": "in_review",
        "internal_comment": "in_review",
        "certificate": "approved",
    }.get(state, state)
    sid = w.submission(base)
    if state == "evidence":
        evidence.add_evidence(w.ent_a, w.db, sid, filename="scan.pdf", data=_demo_pdf())
    elif state == "decision":
        submissions.decide_item(
            w.eval_1, w.db, sid, key="mes-or-equivalent", decision="accept",
            expected_version=w.version(sid),
        )  # fmt: skip
    elif state == "internal_comment":
        submissions.add_comment(w.eval_1, w.db, sid, body="internal", visibility="internal")
    elif state == "certificate":
        _cert(w, sid)
    # Org B has a submission of its own, so "other" actors are not simply empty-handed.
    w.submission("submitted", org="b")
    return sid


def attempt(w: World, case: Case, key: str, sid: int) -> str:
    actor = w.actors()[key]
    try:
        shown = case.call(w, actor, sid, key)
    except NotFound:
        return NF
    except PermissionDenied:
        return DENIED
    return OK if shown is not False else HIDDEN


def test_every_action_is_in_the_matrix() -> None:
    """A new public service function must be added to the matrix (or to the exemptions)."""
    import inspect  # noqa: PLC0415

    tried = {c.action.split(" ")[0] for c in CASES}
    from assessment.submissions import answers, comments, lifecycle, review, views  # noqa: PLC0415

    modules = (views, lifecycle, answers, review, comments, evidence, organisations, records,
               configured)  # fmt: skip
    exempt = {
        "ensure_snapshot", "snapshot_standard", "answer_document", "score_document",
        "count_users", "change_password", "sniff",
        "current_standard",  # internal: takes a session inside a service's own transaction
        "view", "require_text",  # internal: a view of a loaded row, the check of a typed text
    }  # fmt: skip
    public = {
        name
        for module in modules
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if fn.__module__ == module.__name__ and not name.startswith("_")
    }
    assert public - exempt - tried == set()


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_authorisation_matrix(db: Database, case: Case) -> None:
    from lifecycle_support import FixedClock  # noqa: PLC0415

    w = build_world(db, FixedClock())
    sid = prepare(w, case.state)
    expected = dict(zip(ACTORS, case.expected, strict=True))
    # Refusals first (each must leave the database untouched), then the permitted actors.
    order = sorted(ACTORS, key=lambda k: expected[k] == OK)
    wrong: list[str] = []
    for key in order:
        before = snapshot(db) if expected[key] != OK else None
        got = attempt(w, case, key, sid)
        if got != expected[key]:
            wrong.append(f"{case.action} by {key}: expected {expected[key]}, got {got}")
        if before is not None and snapshot(db) != before:
            wrong.append(f"{case.action} by {key}: refused, yet the database changed")
    assert wrong == []


def test_an_enterprise_member_never_sees_another_firm(world: World) -> None:
    w = world
    a = w.submission("approved")
    b = w.submission("approved", org="b")
    evidence_b = evidence.add_evidence(
        w.ent_b, w.db, w.submission("draft", org="b"), filename="b.pdf", data=_demo_pdf()
    )
    assert {s.id for s in submissions.list_submissions(w.ent_a, w.db)} == {a}
    assert {s.id for s in submissions.list_submissions(w.ent_b, w.db)} >= {b}
    assert a not in {s.id for s in submissions.list_submissions(w.ent_b, w.db)}
    with pytest.raises(NotFound, match=f"evidence file {evidence_b.id} not found"):
        evidence.read_evidence(w.ent_a, w.db, evidence_b.id)
    with pytest.raises(NotFound):
        audit.audit_trail(w.ent_a, w.db, submission_id=b)
    # The evaluator assigned to both sees both; the other evaluator sees neither.
    assert {a, b} <= {s.id for s in submissions.list_submissions(w.eval_1, w.db)}
    assert submissions.list_submissions(w.eval_2, w.db) == []
    assert organisations.list_organisations(w.eval_2, w.db) == []


def test_the_firm_audit_trail_omits_internal_comments(world: World) -> None:
    w = world
    sid = w.submission("in_review")
    submissions.add_comment(w.eval_1, w.db, sid, body="secret", visibility="internal")
    actions: Any = [e.action for e in audit.audit_trail(w.ent_a, w.db, submission_id=sid)]
    assert "comment.internal" not in actions
    assert "comment.internal" in [
        e.action for e in audit.audit_trail(w.eval_1, w.db, submission_id=sid)
    ]


def test_an_evaluator_without_an_account_sees_no_organisation(world: World) -> None:
    """An evaluator Principal with no user id is assigned nothing — not "the unassigned ones"."""
    w = world
    w.submission("unassigned")
    w.submission("unassigned", org="b")
    nobody = Principal(None, Role.EVALUATOR, None, "evaluator without an account")
    assert organisations.list_organisations(nobody, w.db) == []
    assert submissions.list_submissions(nobody, w.db) == []
    with pytest.raises(NotFound):
        organisations.get_organisation(nobody, w.db, w.org_a)
