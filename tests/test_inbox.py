"""The inbox: each notice kind reaches the right people and only them (tenant rules), in the
transaction of its action, worded in the reader's language when read; marking read is one's own.
Every test runs on a real SQLite file and on the PostgreSQL server."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, PASSWORD, PROFILE, STANDARD, World, build_world
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.certificates.keys import init_keys
from assessment.errors import Conflict, InvalidInput, NotFound
from assessment.storage.db import Database
from assessment.storage.tables import NOTICE_KINDS, AuditEntry, Notice
from assessment.storage.transfer import canonical_dump, export_database, import_database
from assessment.submissions import inbox
from ui.i18n import LANGUAGES, translate

CERTIFIABLE = {
    "identifiable-resources": True,
    "shopfloor-visualisation": True,
    "digital-process-design": True,
    "network-interconnection": True,
    "mes-or-equivalent": True,
    "vertical-integration": True,
    "production-safety": True,
}


def member(w: World, email: str, org_id: int, name: str | None = None) -> Principal:
    view = organisations.create_user(
        OPERATOR, w.db, email=email, role=Role.ENTERPRISE, password=PASSWORD, org_id=org_id,
        display_name=name, clock=w.clock,
    )  # fmt: skip
    return Principal(view.id, Role.ENTERPRISE, org_id, email)


def second_admin(w: World) -> Principal:
    view = organisations.create_user(
        OPERATOR, w.db, email="admin2@test.invalid", role=Role.ADMINISTRATOR, password=PASSWORD,
        clock=w.clock,
    )  # fmt: skip
    return Principal(view.id, Role.ADMINISTRATOR, None, view.email)


def kinds(w: World, actor: Principal) -> Counter[str]:
    return Counter(n.kind for n in inbox.list_notices(actor, w.db))


def everyone(w: World) -> dict[str, Principal]:
    return w.actors()


def told(w: World, kind: str) -> set[str]:
    """The names (of `World.actors`) of those who hold a notice of this kind."""
    return {name for name, actor in w.actors().items() if kinds(w, actor)[kind]}


def test_a_submission_entering_the_pool_tells_every_administrator_and_nobody_else(
    world: World,
) -> None:
    w = world
    admin2 = second_admin(w)
    sid = w.submission("unassigned")
    assert told(w, "pool_submitted") == {"administrator"}
    assert kinds(w, admin2) == Counter({"pool_submitted": 1})
    [notice] = inbox.list_notices(w.admin, w.db)
    assert notice.submission_id == sid
    assert notice.unread
    assert notice.visible
    assert notice.params == {"id": sid, "firm": "甲 测试制造有限公司"}
    assert sum(kinds(w, a)["pool_submitted"] for a in (w.ent_a, w.ent_b, w.eval_1, w.eval_2)) == 0


def test_assigning_tells_the_evaluator_and_settles_the_pool_notices(world: World) -> None:
    w = world
    admin2 = second_admin(w)
    sid = w.submission("unassigned")
    assert inbox.unread_count(w.db, w.admin) == 1
    assert inbox.unread_count(w.db, admin2) == 1
    submissions.assign_evaluator(
        w.admin, w.db, sid, w.eval_1.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    assert told(w, "assigned") == {"evaluator_assigned"}
    [notice] = inbox.list_notices(w.eval_1, w.db)
    assert notice.params == {"id": sid, "firm": "甲 测试制造有限公司", "by_rule": False}
    # the work no longer waits: nobody's unread count still shows it
    assert inbox.unread_count(w.db, w.admin) == 0
    assert inbox.unread_count(w.db, admin2) == 0
    assert kinds(w, w.admin) == Counter({"pool_submitted": 1})  # kept, read
    # handing it to another evaluator tells them; assigning the same one again tells nobody
    submissions.assign_evaluator(
        w.admin, w.db, sid, w.eval_2.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    submissions.assign_evaluator(
        w.admin, w.db, sid, w.eval_2.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    assert kinds(w, w.eval_2) == Counter({"assigned": 1})
    # the first evaluator's notice stays theirs, but the submission is no longer theirs to open
    [old] = inbox.list_notices(w.eval_1, w.db)
    assert not old.visible


def test_the_ends_of_a_round_tell_the_firms_members_and_only_them(world: World) -> None:
    w = world
    colleague = member(w, "a2@firm-a.invalid", w.org_a)
    sid = w.submission("returned")
    assert told(w, "returned") == {"enterprise_own"}
    assert kinds(w, colleague)["returned"] == 1
    [notice] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "returned"]
    assert notice.params["comment"] == "please add evidence"
    assert notice.params["evaluator"] == "eval1"  # the display name (default: the mailbox)
    # the revision goes back to the evaluator who holds it
    submissions.submit(w.ent_a, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    assert told(w, "resubmitted") == {"evaluator_assigned"}
    assert told(w, "pool_submitted") == {"administrator"}  # from the first submission only
    assert kinds(w, w.admin)["pool_submitted"] == 1

    w.submission("approved")
    assert told(w, "approved") == {"enterprise_own"}
    assert kinds(w, colleague)["approved"] == 1
    w.submission("rejected")
    assert told(w, "rejected") == {"enterprise_own"}
    [rejected] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "rejected"]
    assert rejected.params["reason"] == "evidence does not match"


def test_another_firm_hears_nothing_of_this_one(world: World) -> None:
    w = world
    for state in ("returned", "approved", "rejected", "revoked"):
        w.submission(state, org="b")
    assert inbox.list_notices(w.ent_a, w.db) == []
    assert kinds(w, w.ent_b) == Counter(
        {"returned": 1, "approved": 2, "rejected": 1, "result_revoked": 1}
    )


def test_revoking_a_result_tells_the_firm_and_its_evaluator(world: World) -> None:
    w = world
    sid = w.submission("revoked")
    assert told(w, "result_revoked") == {"enterprise_own", "evaluator_assigned"}
    [notice] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "result_revoked"]
    assert notice.params["reason"] == "audit found false data"
    assert notice.params["certificates"] == "—"  # no key configured: nothing was issued
    assert notice.submission_id == sid


def test_nobody_is_told_of_their_own_action_and_the_operator_has_no_inbox(world: World) -> None:
    w = world
    w.submission("approved")
    assert kinds(w, w.eval_1) == Counter({"assigned": 1})  # not told of approving it
    assert inbox.list_notices(OPERATOR, w.db) == []
    assert inbox.unread_count(w.db, OPERATOR) == 0


def test_certificates_issued_and_revoked_tell_the_firm(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = world
    folder = tmp_path / "keys"
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(folder))
    monkeypatch.setenv("ZHIZAO_BASE_URL", "https://zhizao.example.cn")
    init_keys(folder)
    sub = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=STANDARD, profile=PROFILE, clock=w.clock
    )
    sid = sub.id
    submissions.save_answers(
        w.ent_a, w.db, sid, expected_version=sub.version, answers=CERTIFIABLE,
        gates={"digital-equipment-share": 82, "automatic-data-collection": 93}, clock=w.clock,
    )  # fmt: skip
    submissions.submit(w.ent_a, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    submissions.assign_evaluator(
        w.admin, w.db, sid, w.eval_1.user_id or 0, expected_version=w.version(sid), clock=w.clock
    )
    submissions.start_review(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    submissions.accept_remaining(
        w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock
    )
    certificates.approve(w.eval_1, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    assert told(w, "certificate_issued") == {"enterprise_own"}
    [issued] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "certificate_issued"]
    number = issued.params["number"]
    assert number
    assert issued.submission_id == sid

    certificates.revoke_certificate(w.admin, w.db, number, "misprinted name", clock=w.clock)
    assert told(w, "certificate_revoked") == {"enterprise_own"}
    [revoked] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "certificate_revoked"]
    assert revoked.params == {
        "id": sid, "firm": "甲 测试制造有限公司", "number": number, "reason": "misprinted name",
    }  # fmt: skip
    # issuing again, then revoking the result: the notice names the certificate withdrawn with it
    again = certificates.issue_certificate(w.admin, w.db, sid, clock=w.clock)
    submissions.revoke(
        w.admin, w.db, sid, reason="false data", expected_version=w.version(sid), clock=w.clock
    )
    [withdrawn] = [n for n in inbox.list_notices(w.ent_a, w.db) if n.kind == "result_revoked"]
    assert withdrawn.params["certificates"] == again.certificate.number


def test_a_notice_is_written_with_its_action_or_not_at_all(world: World) -> None:
    w = world
    sub = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=STANDARD, profile=PROFILE, clock=w.clock
    )
    with pytest.raises(InvalidInput):  # nothing answered: the submission is refused
        submissions.submit(w.ent_a, w.db, sub.id, expected_version=sub.version, clock=w.clock)
    sid = w.submission("unassigned")
    with pytest.raises(Conflict):  # a stale version: nothing assigned, nobody told
        submissions.assign_evaluator(
            w.admin, w.db, sid, w.eval_1.user_id or 0, expected_version=1, clock=w.clock
        )
    with w.db.read() as session:
        rows = list(session.scalars(select(Notice)))
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.submission_id == sid)))
    assert [(n.kind, n.submission_id) for n in rows] == [("pool_submitted", sid)]
    submit_entry = next(e for e in entries if e.action == "submission.submit")
    assert rows[0].created_at == submit_entry.at  # one transaction, one clock reading


def test_reading_marks_only_ones_own_notices(world: World) -> None:
    w = world
    admin2 = second_admin(w)
    first, second = w.submission("unassigned"), w.submission("unassigned")
    mine = inbox.list_notices(w.admin, w.db)
    assert [n.submission_id for n in mine] == [second, first]  # newest first
    theirs = inbox.list_notices(admin2, w.db)
    with pytest.raises(NotFound):
        inbox.mark_read(w.ent_a, w.db, theirs[0].id)
    inbox.mark_read(w.admin, w.db, mine[0].id, clock=w.clock)
    inbox.mark_read(w.admin, w.db, mine[0].id, clock=w.clock)  # twice: still read, once
    assert inbox.unread_count(w.db, w.admin) == 1
    assert inbox.unread_count(w.db, admin2) == 2
    assert [n.submission_id for n in inbox.list_notices(w.admin, w.db, unread_only=True)] == [first]
    assert inbox.mark_all_read(admin2, w.db, clock=w.clock) == 2
    assert inbox.unread_count(w.db, admin2) == 0
    assert inbox.unread_count(w.db, w.admin) == 1


def test_every_kind_reads_in_both_languages_from_what_is_stored(world: World) -> None:
    """The sentence is made when read: every stored notice formats in zh and en with exactly the
    values it was written with (a placeholder without a value would raise)."""
    w = world
    for state in ("returned", "approved", "rejected", "revoked", "unassigned"):
        w.submission(state)
    sid = w.submission("returned")
    submissions.submit(w.ent_a, w.db, sid, expected_version=w.version(sid), clock=w.clock)
    with w.db.read() as session:
        rows = list(session.scalars(select(Notice)))
    seen = {n.kind for n in rows}
    assert seen == set(NOTICE_KINDS) - {"certificate_issued", "certificate_revoked"}
    for n in rows:
        for lang in LANGUAGES:
            text = translate(lang, f"inbox.kind.{n.kind}", **n.params)
            assert f"#{n.submission_id}" in text
            assert "{" not in text
    zh = translate(
        "zh", "inbox.kind.returned", **next(n.params for n in rows if n.kind == "returned")
    )
    assert zh.startswith("评审员 eval1 退回了评估")


def test_notices_and_rules_travel_with_an_export(
    world: World, fresh_url: object, open_db: object
) -> None:
    w = world
    w.submission("unassigned")
    w.submission("returned")
    from assessment.submissions import assignment  # noqa: PLC0415

    assignment.add_rule(w.admin, w.db, region_prefix="33", evaluator_id=w.eval_1.user_id or 0)
    assignment.set_auto(w.admin, w.db, True)
    data = export_database(w.db)
    assert data["counts"]["notices"] >= 3
    assert data["counts"]["assignment_rules"] == 1
    assert data["counts"]["settings"] == 1
    assert "sign_in_sessions" not in data["counts"]
    target: Database = open_db(fresh_url("sqlite"))  # type: ignore[operator]
    import_database(target, data)
    assert canonical_dump(target) == canonical_dump(w.db)
    assert inbox.unread_count(target, w.ent_a) == inbox.unread_count(w.db, w.ent_a) == 1


def test_a_synthetic_submission_tells_nobody(db: Database, clock: object) -> None:
    w = build_world(db, clock)  # type: ignore[arg-type]
    sid = w.submission("unassigned")
    with w.db.write() as session:
        from assessment.storage.tables import Submission  # noqa: PLC0415

        sub = session.get(Submission, sid)
        assert sub is not None
        sub.synthetic = True
        session.flush()
        assert inbox.notify(session, OPERATOR, [w.admin.user_id], "assigned", sub, clock()) == 0  # type: ignore[operator]
