"""The submission workflow on SQLite and PostgreSQL: states, guards, reviews, results and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import COMPLETE, GATES, PROFILE, STANDARD, World, counts, snapshot
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import audit
from assessment.certificates import records
from assessment.errors import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from assessment.storage.tables import AuditEntry, Certificate, Review
from assessment.submissions import snapshots


def actions(w: World, sub_id: int) -> list[str]:
    with w.db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.submission_id == sub_id)
                .order_by(AuditEntry.id)
            )
        )


def test_full_journey_keeps_self_and_final_results(world: World) -> None:
    w = world
    sid = w.submission("in_review")
    # The evaluator finds that network interconnection is in place after all, and that the
    # safety item is not: one adjustment up, one down.
    v = w.version(sid)
    submissions.decide_item(
        w.eval_1, w.db, sid, key="production-safety", decision="adjust", value=False,
        reason="no safety records for the paint shop", expected_version=v, clock=w.clock,
    )  # fmt: skip
    submissions.decide_item(
        w.eval_1, w.db, sid, key="digital-equipment-share", kind="gate", decision="adjust",
        value=65, reason="only 65 % of the machines report data", expected_version=v + 1,
        clock=w.clock,
    )  # fmt: skip
    assert (
        submissions.accept_remaining(w.eval_1, w.db, sid, expected_version=v + 2, clock=w.clock)
        == 7
    )
    done = submissions.approve(w.eval_1, w.db, sid, expected_version=v + 3, clock=w.clock)

    assert done.status == "approved"
    assert done.self_result is not None
    assert done.final_result is not None
    self_result, final = done.self_result, done.final_result
    assert self_result["total"] == 6
    assert final["total"] == 5
    gate = {g["id"]: g["passed"] for g in final["gates"]}
    assert gate["digital-equipment-share"] is False
    assert {g["id"]: g["passed"] for g in self_result["gates"]}["digital-equipment-share"] is True
    # Both results carry receipts of what they were computed from.
    assert self_result["receipt"]["standard_sha256"] == done.standard_sha256
    assert final["receipt"]["standard_sha256"] == done.standard_sha256
    assert self_result["receipt"]["answers_sha256"] != final["receipt"]["answers_sha256"]
    # The live answers are the firm's; the evaluated answers live with the final result.
    assert done.answers == COMPLETE
    decisions = {d.key: d for d in submissions.list_decisions(w.admin, w.db, sid)}
    assert decisions["production-safety"].decision == "adjust"
    assert decisions["production-safety"].original is True
    assert decisions["production-safety"].value is False
    assert decisions["identifiable-resources"].decision == "accept"

    assert actions(w, sid) == [
        "submission.create",
        "answers.save",
        "submission.submit",
        "submission.assign",
        "submission.start_review",
        "review.adjust",
        "review.adjust",
        "review.accept_remaining",
        "submission.approve",
    ]
    trail = audit.audit_trail(w.admin, w.db, submission_id=sid)
    approve = trail[-1]
    assert approve.before == {"status": "in_review", "version": v + 3}
    assert approve.after["status"] == "approved"
    assert approve.after["total"] == 5
    assert approve.actor == "eval1@test.invalid"
    # Times come from the injected clock: strictly increasing, all in UTC.
    times = [e.at for e in trail]
    assert times == sorted(times)
    assert all(t.utcoffset() == timedelta(0) for t in times)


def test_return_then_resubmit_starts_a_new_review_round(world: World) -> None:
    w = world
    sid = w.submission("in_review")
    v = w.version(sid)
    submissions.decide_item(
        w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
        reason="MES not yet live", expected_version=v, clock=w.clock,
    )  # fmt: skip
    submissions.add_comment(
        w.eval_1, w.db, sid, body="internal: check MES go-live date", visibility="internal"
    )
    returned = submissions.return_to_firm(
        w.eval_1, w.db, sid, comment="请补充 MES 上线证明", expected_version=v + 1, clock=w.clock
    )
    assert returned.status == "returned"
    # The firm reads the public comment and the finished round's decisions, not internal notes.
    firm_comments = [c.body for c in submissions.list_comments(w.ent_a, w.db, sid)]
    assert firm_comments == ["请补充 MES 上线证明"]
    assert len(submissions.list_comments(w.eval_1, w.db, sid)) == 2
    assert [d.key for d in submissions.list_decisions(w.ent_a, w.db, sid)] == ["mes-or-equivalent"]

    fixed = submissions.save_answers(
        w.ent_a, w.db, sid, expected_version=returned.version,
        answers={"network-interconnection": True}, clock=w.clock,
    )  # fmt: skip
    again = submissions.submit(w.ent_a, w.db, sid, expected_version=fixed.version, clock=w.clock)
    assert again.status == "submitted"
    assert again.self_result is not None
    assert again.self_result["total"] == 7
    assert again.assigned_evaluator_id == w.eval_1.user_id  # stays with the same evaluator
    submissions.start_review(w.eval_1, w.db, sid, expected_version=again.version, clock=w.clock)
    with w.db.read() as session:
        rounds = [
            (r.round, r.outcome)
            for r in session.scalars(
                select(Review).where(Review.submission_id == sid).order_by(Review.round)
            )
        ]
    assert rounds == [(1, "returned"), (2, None)]
    # Round 2 starts with no decisions; round 1's stay on record.
    current = submissions.list_decisions(w.eval_1, w.db, sid)
    assert [(d.review_round, d.key) for d in current] == [(1, "mes-or-equivalent")]
    with pytest.raises(InvalidInput, match="no decision yet"):
        submissions.approve(w.eval_1, w.db, sid, expected_version=w.version(sid))


def test_revoke_withdraws_the_result_and_its_certificates(world: World) -> None:
    w = world
    sid = w.submission("approved")
    issued = w.clock()
    with w.db.write() as session:  # what the certificate issue will do
        session.add(
            Certificate(
                number="ZZ-TEST-0001", submission_id=sid, issued_at=issued,
                expires_at=issued + timedelta(days=3 * 365), status="valid",
                record={"number": "ZZ-TEST-0001"}, signature="sig",
            )
        )  # fmt: skip
    assert [c.status for c in records.list_certificates(w.ent_a, w.db)] == ["valid"]
    with pytest.raises(PermissionDenied, match="administrator"):
        submissions.revoke(w.eval_1, w.db, sid, reason="x", expected_version=w.version(sid))
    with pytest.raises(InvalidInput, match="reason"):
        submissions.revoke(w.admin, w.db, sid, reason="  ", expected_version=w.version(sid))
    revoked = submissions.revoke(
        w.admin, w.db, sid, reason="false data found in an audit",
        expected_version=w.version(sid), clock=w.clock,
    )  # fmt: skip
    assert revoked.status == "revoked"
    assert revoked.final_result is not None  # the record of what was approved is kept
    (cert,) = records.list_certificates(w.ent_a, w.db)
    assert (cert.status, cert.revoked_reason) == ("revoked", "false data found in an audit")
    assert actions(w, sid)[-2:] == ["certificate.revoke", "submission.revoke"]
    assert "撤销 Revoked: false data found in an audit" in [
        c.body for c in submissions.list_comments(w.ent_a, w.db, sid)
    ]


ILLEGAL = [
    # (state the submission is in, action, who tries it)
    ("returned", "start_review", "eval_1"),
    ("submitted", "return_to_firm", "eval_1"),
    ("draft", "revoke", "admin"),
    ("submitted", "submit", "ent_a"),
    ("submitted", "approve", "eval_1"),
    ("in_review", "submit", "ent_a"),
    ("in_review", "revoke", "admin"),
    ("returned", "approve", "eval_1"),
    ("approved", "submit", "ent_a"),
    ("approved", "start_review", "eval_1"),
    ("approved", "reject", "eval_1"),
    ("rejected", "submit", "ent_a"),
    ("rejected", "revoke", "admin"),
    ("revoked", "revoke", "admin"),
    ("revoked", "approve", "eval_1"),
]


@pytest.mark.parametrize(("state", "action", "who"), ILLEGAL)
def test_illegal_transition_is_refused_and_changes_nothing(
    world: World, state: str, action: str, who: str
) -> None:
    w = world
    sid = w.submission(state)
    before = snapshot(w.db)
    actor = getattr(w, who)
    extra = {"reason": "r"} if action in ("revoke", "reject") else {}
    if action == "return_to_firm":
        extra = {"comment": "c"}
    with pytest.raises(InvalidTransition) as caught:
        getattr(submissions, action)(actor, w.db, sid, expected_version=w.version(sid), **extra)
    message = str(caught.value)
    assert f"submission {sid} is {state}" in message
    assert "possible only when it is" in message
    assert snapshot(w.db) == before


@pytest.mark.parametrize("state", ["submitted", "in_review", "approved", "rejected"])
def test_answers_are_frozen_once_submitted(world: World, state: str) -> None:
    w = world
    sid = w.submission(state)
    before = snapshot(w.db)
    with pytest.raises(
        InvalidTransition, match="this is possible only when it is draft or returned"
    ):
        submissions.save_answers(
            w.ent_a, w.db, sid, expected_version=w.version(sid),
            answers={"production-safety": False},
        )  # fmt: skip
    assert snapshot(w.db) == before


def test_stale_version_is_a_conflict_that_writes_nothing(world: World) -> None:
    w = world
    sid = w.submission("draft")
    loaded = submissions.get_submission(w.ent_a, w.db, sid)
    submissions.save_answers(
        w.ent_a, w.db, sid, expected_version=loaded.version, answers={"mes-or-equivalent": False}
    )
    before = snapshot(w.db)
    with pytest.raises(Conflict) as caught:
        submissions.save_answers(
            w.ent_a, w.db, sid, expected_version=loaded.version,
            answers={"production-safety": False},
        )  # fmt: skip
    assert f"you had version {loaded.version}, it is now version {loaded.version + 1}" in str(
        caught.value
    )
    assert "nothing was saved" in str(caught.value)
    assert snapshot(w.db) == before


def test_bad_answers_name_every_problem_and_change_nothing(world: World) -> None:
    w = world
    sid = w.submission("draft")
    before = snapshot(w.db)
    with pytest.raises(InvalidInput) as caught:
        submissions.save_answers(
            w.ent_a, w.db, sid, expected_version=w.version(sid),
            answers={"mes-or-equivalent": "maybe", "no-such-item": True},
            gates={"digital-equipment-share": "lots"},
        )  # fmt: skip
    problems = [p.text() for p in caught.value.problems]
    assert any("answers.mes-or-equivalent: expected true or false" in p for p in problems)
    assert any("answers.no-such-item: unknown item id" in p for p in problems)
    assert any("gates.digital-equipment-share: expected a number" in p for p in problems)
    assert snapshot(w.db) == before


def test_submit_needs_every_mandatory_item(world: World) -> None:
    w = world
    sub = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=STANDARD, profile=PROFILE
    )
    partial = {k: v for k, v in COMPLETE.items() if k != "vertical-integration"}
    saved = submissions.save_answers(
        w.ent_a, w.db, sub.id, expected_version=sub.version, answers=partial, gates=GATES
    )
    before = snapshot(w.db)
    with pytest.raises(InvalidInput, match=r"1 mandatory item.*vertical-integration"):
        submissions.submit(w.ent_a, w.db, sub.id, expected_version=saved.version)
    assert snapshot(w.db) == before


def test_clearing_an_answer_and_previewing_the_live_score(world: World) -> None:
    w = world
    sid = w.submission("draft")
    assert submissions.preview(w.ent_a, w.db, sid).total == 6
    cleared = submissions.save_answers(
        w.ent_a, w.db, sid, expected_version=w.version(sid), answers={"mes-or-equivalent": None}
    )
    assert "mes-or-equivalent" not in cleared.answers
    result = submissions.preview(w.ent_a, w.db, sid)
    assert result.missing == ["mes-or-equivalent"]
    assert result.total == 5
    last = audit.audit_trail(w.admin, w.db, submission_id=sid)[-1]
    assert last.before["answers"] == {"mes-or-equivalent": True}
    assert last.after["answers"] == {"mes-or-equivalent": None}


def test_adjustments_need_a_reason_and_a_valid_answer(world: World) -> None:
    w = world
    sid = w.submission("in_review")
    before = snapshot(w.db)
    v = w.version(sid)
    with pytest.raises(InvalidInput, match="needs a reason"):
        submissions.decide_item(
            w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
            expected_version=v,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match=r"answers\.mes-or-equivalent: expected true or false"):
        submissions.decide_item(
            w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value="no",
            reason="r", expected_version=v,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="did not answer"):
        submissions.decide_item(
            w.eval_1, w.db, sid, key="no-such-item", decision="accept", expected_version=v
        )
    assert snapshot(w.db) == before
    # a decision can be changed while the round is open; the audit log keeps both
    submissions.decide_item(
        w.eval_1, w.db, sid, key="mes-or-equivalent", decision="adjust", value=False,
        reason="r1", expected_version=v,
    )  # fmt: skip
    submissions.decide_item(
        w.eval_1, w.db, sid, key="mes-or-equivalent", decision="accept", expected_version=v + 1
    )
    (decision,) = submissions.list_decisions(w.eval_1, w.db, sid)
    assert (decision.decision, decision.value) == ("accept", None)
    last = audit.audit_trail(w.admin, w.db, submission_id=sid)[-1]
    assert last.before == {"decision": "adjust", "value": False, "reason": "r1"}


def test_rejected_submission_keeps_its_reason_for_the_firm(world: World) -> None:
    w = world
    sid = w.submission("rejected")
    view = submissions.get_submission(w.ent_a, w.db, sid)
    assert view.status == "rejected"
    assert view.decided_at is not None
    bodies = [c.body for c in submissions.list_comments(w.ent_a, w.db, sid)]
    assert "不予通过 Rejected: evidence does not match" in bodies


def test_the_standard_is_snapshotted_by_its_hash(world: World) -> None:
    from standards import bundled_library, sha256_of  # noqa: PLC0415

    w = world
    sid = w.submission("draft")
    view = submissions.get_submission(w.ent_a, w.db, sid)
    assert view.standard_sha256 == sha256_of(bundled_library().standard(STANDARD))
    with w.db.read() as session:
        snapshots._STANDARDS.clear()  # read it back from the database, not the process cache
        standard, _ = submissions.snapshot_standard(session, view.standard_sha256)
    assert sha256_of(standard) == view.standard_sha256
    assert counts(w.db)["standard_snapshots"] == 1


@pytest.mark.parametrize("bad", ["NUL\x00byte", "bidi \u202eoverride", "bell \x07"])
def test_reasons_and_comments_refuse_control_characters(world: World, bad: str) -> None:
    """NUL crashed PostgreSQL writes; every reason and comment is checked before anything is
    written, on both databases, and the message names the field."""
    w = world
    sid = w.submission("in_review")
    before = snapshot(w.db)
    with pytest.raises(InvalidInput, match="control character"):
        submissions.add_comment(w.eval_1, w.db, sid, body=bad, visibility="public")
    with pytest.raises(InvalidInput, match="reason: contains the control character"):
        submissions.reject(w.eval_1, w.db, sid, reason=bad, expected_version=w.version(sid))
    with pytest.raises(InvalidInput, match=r"production-safety\.reason: contains"):
        submissions.decide_item(
            w.eval_1, w.db, sid, key="production-safety", decision="adjust", value=False,
            reason=bad, expected_version=w.version(sid),
        )  # fmt: skip
    assert snapshot(w.db) == before
    # line breaks and tabs are text, not control characters, in a comment
    submissions.add_comment(w.eval_1, w.db, sid, body="line one\n\tline two", visibility="public")
