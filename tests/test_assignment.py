"""Who reviews a submission: the unassigned pool, assignment rules by region and industry with
load balancing (off by default; on submit, in the same transaction, audited), and the firm's next
step naming who it waits on. On a real SQLite file and on the PostgreSQL server."""

from __future__ import annotations

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, PASSWORD, PROFILE, STANDARD, World, valid_code
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Principal, Role
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.storage.tables import AuditEntry
from assessment.submissions import assignment, inbox
from assessment.submissions.states import UNASSIGNED, NextStep, next_step


def evaluator(w: World, email: str, name: str) -> Principal:
    view = organisations.create_user(
        OPERATOR, w.db, email=email, role=Role.EVALUATOR, password=PASSWORD, display_name=name,
        clock=w.clock,
    )  # fmt: skip
    return Principal(view.id, Role.EVALUATOR, None, email)


def firm(w: World, name: str, code17: str, region: str, industry: str) -> tuple[int, Principal]:
    org = organisations.create_organisation(
        OPERATOR, w.db, name=name, credit_code=valid_code(code17), industry_code=industry,
        region_code=region, size_class="medium", industry_type="discrete", clock=w.clock,
    ).id  # fmt: skip
    view = organisations.create_user(
        OPERATOR, w.db, email=f"{code17}@firm.invalid", role=Role.ENTERPRISE, password=PASSWORD,
        org_id=org, clock=w.clock,
    )  # fmt: skip
    return org, Principal(view.id, Role.ENTERPRISE, org, view.email)


def submit_for(w: World, org_id: int, member: Principal) -> submissions.SubmissionView:
    from lifecycle_support import COMPLETE, GATES  # noqa: PLC0415

    sub = submissions.create_submission(
        member, w.db, org_id=org_id, standard_id=STANDARD, profile=PROFILE, clock=w.clock
    )
    saved = submissions.save_answers(
        member, w.db, sub.id, expected_version=sub.version, answers=COMPLETE, gates=GATES,
        clock=w.clock,
    )  # fmt: skip
    return submissions.submit(member, w.db, sub.id, expected_version=saved.version, clock=w.clock)


def rule(w: World, who: Principal, region: str = "", industry: str = "") -> None:
    assignment.add_rule(
        w.admin, w.db, region_prefix=region, industry_division=industry,
        evaluator_id=who.user_id or 0, clock=w.clock,
    )  # fmt: skip


# --- the pool --------------------------------------------------------------------------------------


def test_the_pool_lists_submitted_unassigned_work_oldest_first(world: World) -> None:
    w = world
    first = w.submission("unassigned")
    w.submission("draft")
    w.submission("submitted")  # assigned: not in the pool
    w.submission("in_review")
    second = w.submission("unassigned", org="b")
    rows = assignment.pool(w.admin, w.db)
    assert [r.id for r in rows] == [first, second]
    assert [r.organisation_name for r in rows] == ["甲 测试制造有限公司", "乙 测试制造有限公司"]
    assert rows[0].region_code == "330206"
    assert assignment.pool_count(w.admin, w.db) == 2
    submissions.assign_evaluator(
        w.admin, w.db, first, w.eval_1.user_id or 0, expected_version=w.version(first),
        clock=w.clock,
    )  # fmt: skip
    assert [r.id for r in assignment.pool(w.admin, w.db)] == [second]
    assert assignment.pool_count(w.admin, w.db) == 1


@pytest.mark.parametrize("who", ["ent_a", "eval_1"])
def test_only_administrators_see_the_pool_and_change_the_rules(world: World, who: str) -> None:
    w = world
    actor = getattr(w, who)
    for call in (
        lambda: assignment.pool(actor, w.db),
        lambda: assignment.pool_count(actor, w.db),
        lambda: assignment.set_auto(actor, w.db, True),
        lambda: assignment.add_rule(actor, w.db, evaluator_id=w.eval_1.user_id or 0),
        lambda: assignment.list_rules(actor, w.db),
        lambda: assignment.workload(actor, w.db),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not assignment.auto_enabled(w.db)
    assert assignment.list_rules(w.admin, w.db) == []


# --- rules off and on ------------------------------------------------------------------------------


def test_rules_are_off_by_default_and_submissions_wait_in_the_pool(world: World) -> None:
    w = world
    rule(w, w.eval_1)
    assert not assignment.auto_enabled(w.db)
    sid = w.submission("unassigned")
    assert submissions.get_submission(w.admin, w.db, sid).assigned_evaluator_id is None
    assert [r.id for r in assignment.pool(w.admin, w.db)] == [sid]
    # the assignment page still gets the rules' suggestion
    assert assignment.suggestion(w.admin, w.db, sid) == w.eval_1.user_id


def test_with_rules_on_a_submission_is_assigned_on_submit_in_the_same_transaction(
    world: World,
) -> None:
    w = world
    rule(w, w.eval_2, region="33")
    assert assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    sub = submit_for(w, w.org_a, w.ent_a)
    assert sub.status == "submitted"
    assert sub.assigned_evaluator_id == w.eval_2.user_id
    assert assignment.pool(w.admin, w.db) == []
    with w.db.read() as session:
        entries = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.submission_id == sub.id).order_by(AuditEntry.id)
            )
        )
        setting = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "assignment.auto")
        ).one()
    assign, submit = entries[-2:]
    assert (assign.action, assign.actor) == ("submission.assign", "system:assignment-rules")
    assert assign.after["assigned_evaluator_id"] == w.eval_2.user_id
    assert assign.after["rule"] == assignment.list_rules(w.admin, w.db)[0].id
    assert submit.action == "submission.submit"
    assert assign.at == submit.at  # one transaction: one clock reading, one version step
    assert assign.after["version"] == submit.after["version"] == sub.version
    assert setting.before == {"on": False}
    assert setting.after == {"on": True}
    # the evaluator is told; nobody is told of a pool it never entered
    [notice] = inbox.list_notices(w.eval_2, w.db)
    assert (notice.kind, notice.params["by_rule"]) == ("assigned", True)
    assert inbox.list_notices(w.admin, w.db) == []
    # the evaluator may start at once
    submissions.start_review(w.eval_2, w.db, sub.id, expected_version=sub.version, clock=w.clock)


def test_turning_rules_off_again_sends_submissions_to_the_pool(world: World) -> None:
    w = world
    rule(w, w.eval_1)
    assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    assignment.set_auto(w.admin, w.db, False, clock=w.clock)
    assert not assignment.auto_enabled(w.db)
    sid = w.submission("unassigned")
    assert [r.id for r in assignment.pool(w.admin, w.db)] == [sid]


def test_a_resubmission_keeps_its_evaluator_whatever_the_rules_say(world: World) -> None:
    w = world
    sid = w.submission("returned")  # eval_1 holds it
    rule(w, w.eval_2)
    assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    again = submissions.submit(w.ent_a, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    assert again.assigned_evaluator_id == w.eval_1.user_id


def test_no_matching_rule_leaves_the_submission_in_the_pool(world: World) -> None:
    w = world
    rule(w, w.eval_1, region="11")  # Beijing; the firms are in Zhejiang
    rule(w, w.eval_2, industry="13")  # another industry; the firms are in 36
    assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    sub = submit_for(w, w.org_a, w.ent_a)
    assert sub.assigned_evaluator_id is None
    assert [r.id for r in assignment.pool(w.admin, w.db)] == [sub.id]
    assert [n.kind for n in inbox.list_notices(w.admin, w.db)] == ["pool_submitted"]


# --- which evaluator ------------------------------------------------------------------------------


def test_the_fewest_open_reviews_first_then_the_lowest_id(world: World) -> None:
    w = world
    rule(w, w.eval_1, region="33")
    rule(w, w.eval_2, region="33")
    assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    got = [submit_for(w, w.org_a, w.ent_a).assigned_evaluator_id for _ in range(4)]
    one, two = w.eval_1.user_id, w.eval_2.user_id
    assert got == [one, two, one, two]  # a tie goes to the lower id, then the load balances
    loads = {x.evaluator_id: x.open_reviews for x in assignment.workload(w.admin, w.db)}
    assert loads == {one: 2, two: 2}
    # a decided review no longer counts: eval_1 approves one, the next goes to eval_1
    held = [s.id for s in submissions.list_submissions(w.eval_1, w.db)]
    sid = held[0]
    for step in (submissions.start_review, submissions.accept_remaining, submissions.approve):
        step(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    assert submit_for(w, w.org_a, w.ent_a).assigned_evaluator_id == one


def test_the_most_specific_scope_with_an_active_evaluator_wins(world: World) -> None:
    w = world
    county = evaluator(w, "county@test.invalid", "区县 评审员")
    industry = evaluator(w, "industry@test.invalid", "行业 评审员")
    rule(w, w.eval_1, region="33")  # Zhejiang
    rule(w, w.eval_2, region="330200")  # Ningbo, given as its code: the prefix 3302
    rule(w, industry, region="3302", industry="36")  # Ningbo, automobiles
    rule(w, county, region="330206")  # Beilun
    assignment.set_auto(w.admin, w.db, True, clock=w.clock)
    hangzhou, hz_member = w.org_b, w.ent_b  # 330108, industry 36
    ningbo, nb_member = firm(w, "丙 宁波海曙制造有限公司", "91330203MA2H7K3X1", "330203", "36")
    ningbo_other, nbo_member = firm(
        w, "丁 宁波海曙食品有限公司", "91330203MA2H7K3X2", "330203", "14"
    )
    assert submit_for(w, w.org_a, w.ent_a).assigned_evaluator_id == county.user_id
    assert submit_for(w, ningbo, nb_member).assigned_evaluator_id == industry.user_id
    assert submit_for(w, ningbo_other, nbo_member).assigned_evaluator_id == w.eval_2.user_id
    assert submit_for(w, hangzhou, hz_member).assigned_evaluator_id == w.eval_1.user_id
    # a disabled evaluator is passed over: the next wider scope takes the work (Beilun is in
    # Ningbo and the firm is in 36, so the Ningbo-automobiles rule, then Ningbo, then Zhejiang)
    organisations.set_active(w.admin, w.db, county.user_id or 0, False, clock=w.clock)
    assert submit_for(w, w.org_a, w.ent_a).assigned_evaluator_id == industry.user_id
    organisations.set_active(w.admin, w.db, industry.user_id or 0, False, clock=w.clock)
    assert submit_for(w, w.org_a, w.ent_a).assigned_evaluator_id == w.eval_2.user_id
    shown = [(r.region_prefix, r.industry_division) for r in assignment.list_rules(w.admin, w.db)]
    assert shown == [("330206", ""), ("3302", "36"), ("3302", ""), ("33", "")]


def test_rules_are_checked_and_audited(world: World) -> None:
    w = world
    bad = [
        {"region_prefix": "3", "evaluator_id": w.eval_1.user_id},
        {"region_prefix": "990000", "evaluator_id": w.eval_1.user_id},
        {"industry_division": "01", "evaluator_id": w.eval_1.user_id},  # farming: not a division
        {"evaluator_id": w.ent_a.user_id},
        {"evaluator_id": 9999},
    ]
    codes = []
    for fields in bad:
        with pytest.raises(InvalidInput) as caught:
            assignment.add_rule(w.admin, w.db, clock=w.clock, **fields)  # type: ignore[arg-type]
        codes.append([p.code for p in caught.value.problems])
    assert codes == [
        ["assignment.region_prefix"], ["assignment.region_prefix"],
        ["assignment.industry_division"], ["submission.not_an_evaluator"],
        ["submission.not_an_evaluator"],
    ]  # fmt: skip
    rule(w, w.eval_1, region="33", industry="36")
    with pytest.raises(InvalidInput, match="exists already"):
        rule(w, w.eval_1, region="330000", industry="36")
    [made] = assignment.list_rules(w.admin, w.db)
    assignment.remove_rule(w.admin, w.db, made.id, clock=w.clock)
    with pytest.raises(NotFound):
        assignment.remove_rule(w.admin, w.db, made.id, clock=w.clock)
    with w.db.read() as session:
        actions = [
            (e.action, e.after or e.before)
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "assignment_rule")
                .order_by(AuditEntry.id)
            )
        ]
    scope = {"region_prefix": "33", "industry_division": "36", "evaluator_id": w.eval_1.user_id}
    assert actions == [("assignment.rule_add", scope), ("assignment.rule_remove", scope)]


# --- who the firm waits on ------------------------------------------------------------------------


def test_the_next_step_names_who_the_firm_waits_on(world: World) -> None:
    w = world
    named = evaluator(w, "zhang@test.invalid", "张三")
    sid = w.submission("unassigned")
    step = assignment.waiting_on(w.ent_a, w.db, sid)
    assert (step.kind, step.params) == (NextStep.WAIT_FOR_ASSIGNMENT, {})
    submissions.assign_evaluator(
        w.admin, w.db, sid, named.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    step = assignment.waiting_on(w.ent_a, w.db, sid)
    assert (step.kind, step.params) == (NextStep.WAIT_FOR_EVALUATOR, {"evaluator": "张三"})
    submissions.start_review(named, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    step = assignment.waiting_on(w.ent_a, w.db, sid)
    assert (step.kind, step.params) == (NextStep.EVALUATOR_REVIEWING, {"evaluator": "张三"})
    assert step.value == "evaluator_reviewing"
    with pytest.raises(NotFound):  # another firm learns nothing of it
        assignment.waiting_on(w.ent_b, w.db, sid)
    draft = w.submission("draft")
    assert assignment.waiting_on(w.ent_a, w.db, draft).kind is NextStep.COMPLETE_AND_SUBMIT


def test_next_step_without_names_keeps_its_old_answers() -> None:
    """Callers that pass only the state get the steps they always got (their sentences have no
    placeholders); told who holds it, the step names them."""
    assert next_step("submitted").kind is NextStep.WAIT_FOR_REVIEW
    assert next_step("in_review").value == "wait_for_decision"
    assert next_step("submitted", UNASSIGNED).kind is NextStep.WAIT_FOR_ASSIGNMENT
    assert next_step("in_review", UNASSIGNED).kind is NextStep.WAIT_FOR_DECISION
    assert next_step("approved", "张三").kind is NextStep.SEE_RESULT
    assert next_step("in_review", "张三").params == {"evaluator": "张三"}
