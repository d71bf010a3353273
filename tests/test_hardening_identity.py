"""Sign-in under attack (issue 14): parallel guesses, account enumeration, sessions that outlive a
password change, and control characters typed into the sign-in form — on SQLite and PostgreSQL.

Hashing work is asserted by counting the scrypt calls (and which stored hash each one used), never
by measuring time.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import *  # noqa: F403 - the app fixtures
from app_support import APP, EMAILS, submit_form
from app_support import PASSWORD as APP_PASSWORD
from app_support import World as AppWorld
from app_support import run as run_app
from lifecycle_support import *  # noqa: F403 - the database fixtures
from lifecycle_support import PASSWORD, FixedClock, World, build_world, snapshot
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from assessment.accounts import identity, organisations
from assessment.accounts.audit import audit_trail
from assessment.accounts.identity import LockoutPolicy
from assessment.errors import AuthenticationFailed, InvalidInput
from assessment.storage.db import Database, make_engine
from assessment.storage.tables import User
from ui.parts.auth import TOKEN_KEY

FIRM_EMAIL = "a@firm-a.invalid"
POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class HashChecks:
    """Every scrypt call made: the salt it used and its cost parameters."""

    calls: list[tuple[bytes, int, int, int]] = field(default_factory=list)

    def against(self, stored_hash: str) -> int:
        salt = base64.b64decode(stored_hash.split("$")[2])
        return sum(1 for call in self.calls if call[0] == salt)

    def costs(self) -> set[tuple[int, int, int]]:
        return {call[1:] for call in self.calls}


@pytest.fixture
def hash_checks(monkeypatch: pytest.MonkeyPatch, fast_passwords: None) -> HashChecks:
    checks = HashChecks()
    real = identity._scrypt

    def counting(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        checks.calls.append((salt, n, r, p))
        return real(password, salt, n, r, p)

    monkeypatch.setattr(identity, "_scrypt", counting)
    return checks


def stored_hash(db: Database, email: str) -> str:
    with db.read() as session:
        return session.scalars(select(User.password_hash).where(User.email == email)).one()


def account(db: Database, email: str) -> User:
    with db.read() as session:
        return session.scalars(select(User).where(User.email == email)).one()


def refused(db: Database, email: str, password: str, **kwargs: Any) -> str:
    with pytest.raises(AuthenticationFailed) as caught:
        identity.authenticate(db, email, password, **kwargs)
    return str(caught.value)


def race(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together; each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def one(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:  # the outcome under test
            results[index] = exc

    threads = [threading.Thread(target=one, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


# --- break 1: parallel guesses ---------------------------------------------------------------------


@pytest.mark.parametrize("guesses", [3, 40])
def test_parallel_wrong_passwords_are_all_counted_and_lock_at_the_policy(
    world: World, hash_checks: HashChecks, guesses: int
) -> None:
    w = world
    real_hash = stored_hash(w.db, FIRM_EMAIL)
    refused(w.db, "warm-up@nowhere.invalid", PASSWORD, policy=POLICY)  # the dummy hash exists
    hash_checks.calls.clear()

    def guess(number: int) -> Callable[[], Any]:
        return lambda: identity.authenticate(
            w.db, FIRM_EMAIL, f"wrong guess {number}", clock=lambda: NOW, policy=POLICY
        )

    results = race([guess(n) for n in range(guesses)])

    assert all(isinstance(r, AuthenticationFailed) for r in results), results
    failures = min(guesses, POLICY.max_failures)
    # no more guesses were checked against the account's hash than the policy allows …
    assert hash_checks.against(real_hash) == failures
    # … while every attempt did the same hashing work
    assert len(hash_checks.calls) == guesses
    user = account(w.db, FIRM_EMAIL)
    if guesses < POLICY.max_failures:
        assert (user.failed_logins, user.locked_until) == (guesses, None)
    else:
        assert user.failed_logins == 0  # the count restarts once the lock is set
        assert user.locked_until == NOW + timedelta(minutes=POLICY.lock_minutes)
    logins = [e.action for e in audit_trail(w.admin, w.db) if e.action.startswith("login.")]
    assert logins.count("login.failed") == failures
    assert logins.count("login.locked") == (1 if guesses >= POLICY.max_failures else 0)


# --- break 2: account enumeration ------------------------------------------------------------------


def test_unknown_wrong_inactive_and_locked_accounts_answer_alike(
    world: World, hash_checks: HashChecks
) -> None:
    w = world
    clock = FixedClock()
    real_hash = stored_hash(w.db, FIRM_EMAIL)
    with w.db.write() as session:
        session.execute(update(User).where(User.email == "eval2@test.invalid").values(active=False))
    refused(w.db, "warm-up@nowhere.invalid", PASSWORD, clock=clock, policy=POLICY)

    def attempt(email: str, password: str) -> tuple[str, HashChecks]:
        hash_checks.calls.clear()
        message = refused(w.db, email, password, clock=clock, policy=POLICY)
        return message, HashChecks(list(hash_checks.calls))

    cases = {"unknown": attempt("nobody@firm-a.invalid", PASSWORD)}
    cases["wrong"] = attempt(FIRM_EMAIL, "guess guess guess")
    for _ in range(POLICY.max_failures - 2):
        attempt(FIRM_EMAIL, "guess guess guess")
    cases["locking"] = attempt(FIRM_EMAIL, "guess guess guess")
    cases["locked, right password"] = attempt(FIRM_EMAIL, PASSWORD)
    cases["locked, wrong password"] = attempt(FIRM_EMAIL, "guess guess guess")
    cases["inactive, right password"] = attempt("eval2@test.invalid", PASSWORD)

    messages = {case: message for case, (message, _) in cases.items()}
    assert len(set(messages.values())) == 1, messages
    assert "locked" in messages["unknown"]  # the one message also tells a locked user what to do
    work = {case: (len(checks.calls), checks.costs()) for case, (_, checks) in cases.items()}
    expected_work = (1, {(identity.SCRYPT_N, identity.SCRYPT_R, identity.SCRYPT_P)})
    assert work == dict.fromkeys(cases, expected_work)
    # a locked account verifies against a hash, but never against its own
    assert cases["locked, right password"][1].against(real_hash) == 0
    assert cases["wrong"][1].against(real_hash) == 1


def test_the_sign_in_page_says_the_same_for_unknown_wrong_and_locked(
    app_world: AppWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIZAO_LOCKOUT_FAILURES", "2")

    def shown(email: str, password: str) -> tuple[list[str], list[str]]:
        at = run_app(app_world.app())
        at.text_input(key="signin_email").input(email)
        at.text_input(key="signin_password").input(password)
        submit_form(at, "sign_in")
        assert [t.value for t in at.title] == ["智造评估 · 登录"]
        return [e.value for e in at.error], [c.value for c in at.caption]

    unknown = shown(f"nobody@{EMAILS['firm'].split('@')[1]}", "wrong-password-1")
    wrong = shown(EMAILS["firm"], "wrong-password-1")
    locking = shown(EMAILS["firm"], "wrong-password-1")
    locked = shown(EMAILS["firm"], APP_PASSWORD)
    assert unknown == wrong == locking == locked
    assert unknown[0] == ["邮箱或密码错误。"]


# --- break 3: a password change ends the other sessions ----------------------------------------------


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def test_a_password_change_signs_out_a_session_signed_in_through_the_form(
    app_world: AppWorld,
) -> None:
    at = run_app(app_world.app())
    at.text_input(key="signin_email").input(EMAILS["firm"])
    at.text_input(key="signin_password").input(APP_PASSWORD)
    submit_form(at, "sign_in")
    assert _titles(at) == ["我的评估"]
    assert _titles(run_app(at)) == ["我的评估"]  # the session lasts across reruns …

    firm = app_world.user("firm")
    organisations.change_password(firm, app_world.db, old=APP_PASSWORD, new="another passphrase")

    assert _titles(run_app(at)) == ["智造评估 · 登录"]  # … until the password changes
    assert TOKEN_KEY not in at.session_state
    # signing in again with the new password works
    at.text_input(key="signin_email").input(EMAILS["firm"])
    at.text_input(key="signin_password").input("another passphrase")
    submit_form(at, "sign_in")
    assert _titles(at) == ["我的评估"]


def test_a_password_change_signs_out_a_remembered_session(app_world: AppWorld) -> None:
    at = run_app(app_world.app("evaluator"))
    signed_in = _titles(at)
    assert signed_in != ["智造评估 · 登录"]
    assert _titles(run_app(at)) == signed_in
    evaluator = app_world.user("evaluator")
    organisations.change_password(
        evaluator, app_world.db, old=APP_PASSWORD, new="another passphrase"
    )
    assert _titles(run_app(at)) == ["智造评估 · 登录"]


def test_the_credential_version_moves_only_on_a_password_change(world: World) -> None:
    w = world
    before = identity.principal_for(w.db, w.ent_a.user_id or 0).credential_version
    identity.authenticate(w.db, FIRM_EMAIL, PASSWORD)
    organisations.unlock_user(w.admin, w.db, w.ent_a.user_id or 0)
    assert identity.principal_for(w.db, w.ent_a.user_id or 0).credential_version == before
    organisations.change_password(w.ent_a, w.db, old=PASSWORD, new="a new passphrase")
    after = identity.principal_for(w.db, w.ent_a.user_id or 0)
    assert before is not None
    assert after.credential_version is not None
    assert after.credential_version > before
    with pytest.raises(AuthenticationFailed):
        identity.principal_for(w.db, w.ent_a.user_id or 0, credential_version=before)
    assert (
        identity.principal_for(
            w.db, w.ent_a.user_id or 0, credential_version=after.credential_version
        )
        == after
    )
    signed_in = identity.authenticate(w.db, FIRM_EMAIL, "a new passphrase")
    assert signed_in.credential_version == after.credential_version


# --- break 7 (sign-in part): control characters in the sign-in and account forms ----------------------


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("a\x00@firm-a.invalid", PASSWORD),
        (FIRM_EMAIL, "correct\x00horse battery"),
        ("a@firm-a.invalid\x1b", PASSWORD),
        ("\u202ea@firm-a.invalid", PASSWORD),
    ],
)
def test_control_characters_at_sign_in_give_the_one_failure_message(
    world: World, hash_checks: HashChecks, email: str, password: str
) -> None:
    w = world
    expected = refused(w.db, "nobody@firm-a.invalid", PASSWORD)
    before = snapshot(w.db)
    hash_checks.calls.clear()
    assert refused(w.db, email, password) == expected
    assert len(hash_checks.calls) == 1  # the same work as any other failure
    assert snapshot(w.db) == before


def test_control_characters_in_a_new_account_are_refused_with_their_field(world: World) -> None:
    w = world
    before = snapshot(w.db)
    cases = {
        "email": {"email": "new\x00@test.invalid"},
        "password": {"password": "a long pass\x00phrase"},
        "display name": {"display_name": "New\x00 Person"},
    }
    for field_name, bad in cases.items():
        kwargs: dict[str, Any] = {
            "email": "new@test.invalid",
            "role": "evaluator",
            "password": "a long passphrase",
        } | bad
        with pytest.raises(InvalidInput) as caught:
            organisations.create_user(w.admin, w.db, **kwargs)
        assert any(
            str(p).startswith(f"{field_name}: contains the control character U+0000")
            for p in caught.value.problems
        ), caught.value.problems
    assert snapshot(w.db) == before


@pytest.fixture
def pg_app(
    fresh_url: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    fast_passwords: None,
) -> Iterator[World]:
    url = fresh_url("postgresql")
    db = Database(make_engine(url))
    monkeypatch.setenv("DATABASE_URL", url)
    yield build_world(db, FixedClock())
    db.dispose()


def test_a_nul_byte_in_the_sign_in_form_on_postgresql_is_a_failed_sign_in(pg_app: World) -> None:
    for email, password in (("a\x00@firm-a.invalid", PASSWORD), (FIRM_EMAIL, "pass\x00word")):
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.session_state["lang"] = "zh"
        run_app(at)
        at.text_input(key="signin_email").input(email)
        at.text_input(key="signin_password").input(password)
        submit_form(at, "sign_in")
        assert [e.value for e in at.error] == ["邮箱或密码错误。"]
        assert _titles(at) == ["智造评估 · 登录"]
