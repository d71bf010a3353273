"""Accounts, passwords and lockout; organisations and their codes (统一社会信用代码, GB/T 4754,
GB/T 2260, size class)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, PASSWORD, FixedClock, World, counts, snapshot, valid_code

from assessment.accounts import identity, organisations
from assessment.accounts.classifications import (
    credit_code_check_char,
    credit_code_problem,
    divisions,
    region_path,
    regions,
    size_class,
)
from assessment.accounts.identity import LockoutPolicy
from assessment.accounts.principal import Principal, Role
from assessment.errors import AuthenticationFailed, InvalidInput, PermissionDenied
from assessment.storage.db import Database

# --- codes -------------------------------------------------------------------------------------------


def test_credit_code_check_character() -> None:
    # A sample code quoted by several independent validators (GB 32100 check passes).
    assert credit_code_problem("91350100M000100Y43") is None
    assert credit_code_check_char("91350100M000100Y4") == "3"
    assert "check character is '4' but GB 32100 gives '3'" in str(
        credit_code_problem("91350100M000100Y44")
    )
    assert "has 17 characters" in str(credit_code_problem("91350100M000100Y4"))
    assert "contains 'IO'" in str(credit_code_problem("91350100M0001I0YO3"))


def test_code_lists() -> None:
    counties = [r for r in regions().values() if r.level == "county"]
    cities = [r for r in regions().values() if r.level == "city"]
    assert len(cities) == 11
    assert len(counties) == 90
    assert all(r.label == "UNVERIFIED" for r in regions().values())
    assert region_path("330206") == "浙江省 宁波市 北仑区"
    assert set(divisions()) == {str(n) for n in range(13, 47)}
    assert divisions()["36"].name == "汽车制造业"


@pytest.mark.parametrize(
    ("employees", "revenue", "expected"),
    [
        (1000, 40000, "large"),
        (1000, 39999, "medium"),  # meets only one bound of a class: the class below
        (5000, 1999, "small"),
        (300, 2000, "medium"),
        (20, 300, "small"),
        (19, 100000, "micro"),
        (500, 299, "micro"),
    ],
)
def test_size_class(employees: int, revenue: float, expected: str) -> None:
    assert size_class(employees, revenue).value == expected


# --- organisations -------------------------------------------------------------------------------


def test_wrong_credit_code_is_refused_and_changes_nothing(db: Database) -> None:
    before = snapshot(db)
    with pytest.raises(InvalidInput) as caught:
        organisations.create_organisation(
            OPERATOR, db, name="错码 有限公司", credit_code="91350100M000100Y44",
            industry_code="99", region_code="339999",
        )  # fmt: skip
    problems = [str(p) for p in caught.value.problems]
    assert any("GB 32100 gives '3'" in p for p in problems)
    assert any("division 99 is not an industrial division" in p for p in problems)
    assert any("region code '339999'" in p for p in problems)
    assert snapshot(db) == before


def test_an_administrator_may_accept_a_failing_code_with_a_reason(db: Database) -> None:
    reason = "early pilot-area code confirmed by the registration authority"
    org = organisations.create_organisation(
        OPERATOR, db, name="试点 有限公司", credit_code="91350100m000100y44", industry_code="3670",
        region_code="330206", accept_invalid_code_reason=reason,
    )  # fmt: skip
    assert org.credit_code == "91350100M000100Y44"
    assert org.credit_code_valid is False
    assert org.credit_code_override_reason == reason
    from assessment.accounts.audit import audit_trail  # noqa: PLC0415

    entries = {e.action: e for e in audit_trail(OPERATOR, db)}
    assert entries["organisation.credit_code_override"].after["reason"] == reason
    # a malformed code is never accepted, whatever the reason
    with pytest.raises(InvalidInput, match="has 12 characters"):
        organisations.create_organisation(
            OPERATOR, db, name="x", credit_code="91350100M000", industry_code="36",
            region_code="330206", accept_invalid_code_reason=reason,
        )  # fmt: skip
    # and the same code cannot be registered twice
    with pytest.raises(InvalidInput, match="exists already"):
        organisations.create_organisation(
            OPERATOR, db, name="dup", credit_code="91350100M000100Y44", industry_code="36",
            region_code="330206", accept_invalid_code_reason=reason,
        )  # fmt: skip


def test_members_edit_their_organisation_but_not_its_code(world: World) -> None:
    w = world
    renamed = organisations.update_organisation(w.ent_a, w.db, w.org_a, name="甲公司（更名）")
    assert renamed.name == "甲公司（更名）"
    # the classification decides the benchmark cohorts: an administrator's to change
    before = snapshot(w.db)
    with pytest.raises(PermissionDenied, match="only an administrator"):
        organisations.update_organisation(
            w.ent_a, w.db, w.org_a, employees=1200, revenue_wan=45000.0, size_class="large"
        )
    assert snapshot(w.db) == before
    changed = organisations.update_organisation(
        w.admin, w.db, w.org_a, employees=1200, revenue_wan=45000.0, size_class="large"
    )
    assert (changed.employees, changed.size_class) == (1200, "large")
    before = snapshot(w.db)
    with pytest.raises(InvalidInput, match="credit_code: not editable"):
        organisations.update_organisation(w.ent_a, w.db, w.org_a, credit_code="x")
    with pytest.raises(InvalidInput, match="industry type 'hybrid'"):
        organisations.update_organisation(w.ent_a, w.db, w.org_a, industry_type="hybrid")
    assert snapshot(w.db) == before


# --- accounts ---------------------------------------------------------------------------------------


def test_password_hash_format_and_verification(fast_passwords: None) -> None:
    stored = identity.hash_password("a long passphrase")
    scheme, params, _salt, _key = stored.split("$")
    assert scheme == "scrypt"
    assert params == f"n={identity.SCRYPT_N},r=8,p=1"
    assert identity.verify_password("a long passphrase", stored)
    assert not identity.verify_password("a long passphrasE", stored)
    assert identity.hash_password("a long passphrase") != stored  # per-user salt
    # hashes made with other parameters stay verifiable
    stronger = identity.hash_password("a long passphrase", n=2**12)
    assert identity.verify_password("a long passphrase", stronger)
    assert not identity.verify_password("x", "md5$abc")


def test_account_rules(db: Database) -> None:
    org = organisations.create_organisation(
        OPERATOR, db, name="甲", credit_code=valid_code("91330206MA2H7K3X1"),
        industry_code="36", region_code="330206",
    )  # fmt: skip
    before = counts(db)
    with pytest.raises(InvalidInput, match="at least 10 characters"):
        organisations.create_user(OPERATOR, db, email="a@b.cn", role="evaluator", password="short")  # noqa: S106
    with pytest.raises(InvalidInput, match="belongs to one organisation"):
        organisations.create_user(
            OPERATOR, db, email="a@b.cn", role="enterprise", password=PASSWORD
        )
    with pytest.raises(InvalidInput, match="leave out --org"):
        organisations.create_user(
            OPERATOR, db, email="a@b.cn", role="evaluator", password=PASSWORD, org_id=org.id
        )
    with pytest.raises(InvalidInput, match="role 'root'"):
        organisations.create_user(OPERATOR, db, email="a@b.cn", role="root", password=PASSWORD)
    with pytest.raises(InvalidInput, match="not an email address"):
        organisations.create_user(OPERATOR, db, email="nobody", role="evaluator", password=PASSWORD)
    assert counts(db) == before
    organisations.create_user(OPERATOR, db, email=" A@B.cn ", role="evaluator", password=PASSWORD)
    with pytest.raises(InvalidInput, match="exists already"):
        organisations.create_user(OPERATOR, db, email="a@b.cn", role="evaluator", password=PASSWORD)


def test_login_lockout_and_unlock(world: World) -> None:
    w = world
    clock = FixedClock()
    policy = LockoutPolicy(max_failures=5, lock_minutes=15)
    email = "a@firm-a.invalid"
    ok = identity.authenticate(w.db, "A@Firm-A.invalid", PASSWORD, clock=clock, policy=policy)
    assert ok == Principal(w.ent_a.user_id, Role.ENTERPRISE, w.org_a, email)
    # one message for every failure: unknown, wrong, locking and locked alike
    failed = f"^{re.escape(identity.SIGN_IN_FAILED)}$"
    with pytest.raises(AuthenticationFailed, match=failed):
        identity.authenticate(w.db, "nobody@x.invalid", PASSWORD, clock=clock, policy=policy)
    for _ in range(5):
        with pytest.raises(AuthenticationFailed, match=failed):
            identity.authenticate(w.db, email, "guess guess guess", clock=clock, policy=policy)
    locked = {u.email: u for u in organisations.list_users(w.admin, w.db)}[email].locked_until
    assert locked is not None
    assert locked > clock.now
    # locked: even the right password is refused until the lock expires
    with pytest.raises(AuthenticationFailed, match=failed):
        identity.authenticate(w.db, email, PASSWORD, clock=clock, policy=policy)
    clock.now += timedelta(minutes=15)
    assert identity.authenticate(w.db, email, PASSWORD, clock=clock, policy=policy).user_id

    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            identity.authenticate(w.db, email, "guess guess guess", clock=clock, policy=policy)
    with pytest.raises(PermissionDenied):
        organisations.unlock_user(w.eval_1, w.db, w.ent_a.user_id or 0)
    organisations.unlock_user(w.admin, w.db, w.ent_a.user_id or 0)
    assert identity.authenticate(w.db, email, PASSWORD, clock=clock, policy=policy).user_id

    from assessment.accounts.audit import audit_trail  # noqa: PLC0415

    logins = [e.action for e in audit_trail(w.admin, w.db) if e.action.startswith("login.")]
    assert logins.count("login.failed") == 10
    assert logins.count("login.locked") == 2
    assert logins.count("login.ok") == 3


def test_change_own_password(world: World) -> None:
    w = world
    with pytest.raises(InvalidInput, match="wrong password"):
        organisations.change_password(w.ent_a, w.db, old="not it at all", new="a new passphrase")
    organisations.change_password(w.ent_a, w.db, old=PASSWORD, new="a new passphrase")
    assert identity.authenticate(w.db, "a@firm-a.invalid", "a new passphrase").user_id
    with pytest.raises(PermissionDenied):
        organisations.change_password(OPERATOR, w.db, old="x", new="a new passphrase")
