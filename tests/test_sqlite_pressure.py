"""The embedded SQLite database under write contention (issue 21, part 3), on a real SQLite file
with a second connection holding its one write lock (BEGIN IMMEDIATE):

- a save that cannot get the lock within its bounded wait fails with `storage.busy` in the
  reader's language, after every attempt, and nothing is stored; a save behind a brief writer
  waits its turn and is stored;
- a sign-in checks the password with no write lock held, and parallel wrong passwords queued
  behind a writer still lock the account exactly at the policy;
- on the questionnaire, an answer the busy database refused reads in Chinese (never
  "OperationalError"), stays on the page marked as not saved, and is stored by "save again".

Nothing here is timed: the order of events is shown with threading events and the connection
pool's own events (a transaction taking or returning its connection) on the test's engines; the
code under test is not patched.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from app_support import *  # noqa: F403 - the app fixtures
from app_support import World as AppWorld
from app_support import run, texts
from lifecycle_support import *  # noqa: F403 - the database fixtures
from lifecycle_support import PASSWORD, FixedClock, World, build_world, snapshot
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from assessment import submissions
from assessment.accounts import identity
from assessment.accounts.audit import audit_trail
from assessment.accounts.identity import LockoutPolicy
from assessment.errors import AuthenticationFailed, LifecycleError
from assessment.storage.db import WRITE_ATTEMPTS, Database, StorageBusy, make_engine
from assessment.storage.tables import User

FIRM_EMAIL = "a@firm-a.invalid"
POLICY = LockoutPolicy(max_failures=5, lock_minutes=15)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SHORT_WAIT = 1.0  # seconds a writer of the "busy" tests may wait for the lock


class WriteLock:
    """A second connection to the same SQLite file, which takes and holds the write lock."""

    def __init__(self, url: str) -> None:
        path = make_url(url).database
        assert path, url
        # Used by one thread at a time (taken in one, perhaps released from another).
        self.con = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        self.con.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.con.execute("ROLLBACK")

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.con.execute(sql, params).fetchone()[0]

    def close(self) -> None:
        self.con.close()


@pytest.fixture
def sqlite_url(fresh_url: Callable[[str], str]) -> str:
    return fresh_url("sqlite")


@pytest.fixture
def lock(sqlite_url: str) -> Iterator[WriteLock]:
    held = WriteLock(sqlite_url)
    yield held
    held.close()


@pytest.fixture
def sworld(sqlite_url: str, open_db: Callable[[str], Database]) -> World:
    return build_world(open_db(sqlite_url), FixedClock())


@pytest.fixture
def engines(sqlite_url: str) -> Iterator[Callable[..., Database]]:
    """Databases on the same file with engines of their own (a writer's wait of their own)."""
    made: list[Database] = []

    def make(**kwargs: Any) -> Database:
        db = Database(make_engine(sqlite_url, **kwargs))
        made.append(db)
        return db

    yield make
    for db in made:
        db.dispose()


def in_thread(job: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """Start `job` in a thread; its result (or exception) lands in the returned list."""
    outcome: list[Any] = []

    def one() -> None:
        try:
            outcome.append(job())
        except Exception as exc:  # the outcome under test
            outcome.append(exc)

    thread = threading.Thread(target=one, daemon=True)
    thread.start()
    return thread, outcome


def on_checkout(db: Database, callback: Callable[[], None]) -> None:
    """Call `callback` whenever a transaction of `db` takes its connection, just before BEGIN."""
    event.listen(db.engine.pool, "checkout", lambda *_args: callback())


# --- saves ---------------------------------------------------------------------------------------


def test_a_save_that_cannot_get_the_write_lock_says_so_in_both_languages_and_stores_nothing(
    sworld: World, lock: WriteLock, engines: Callable[..., Database]
) -> None:
    w = sworld
    sid = w.submission("draft")
    version = w.version(sid)
    busy = engines(wait=SHORT_WAIT)
    before = snapshot(w.db)
    lock.take()
    try:
        with pytest.raises(StorageBusy) as caught:
            submissions.save_answers(
                w.ent_a, busy, sid, expected_version=version,
                answers={"identifiable-resources": False}, clock=w.clock,
            )  # fmt: skip
    finally:
        lock.release()
    error = caught.value
    assert error.attempts == WRITE_ATTEMPTS  # it retried before it gave up
    assert isinstance(error, LifecycleError)  # a service error, shown like the others …
    assert not isinstance(error, OperationalError)  # … never the driver's
    assert isinstance(error.__cause__, OperationalError)  # (which the log keeps)
    assert [p.code for p in error.problems] == ["storage.busy"]
    zh, en = error.text("zh"), str(error)
    for words in ("系统繁忙", "您的修改尚未保存", "请稍后再试"):
        assert words in zh
    for words in ("busy", "NOT been saved", "try again"):
        assert words in en
    for words in ("locked", "OperationalError"):
        assert words not in zh + en
    assert snapshot(w.db) == before
    # once the other writer is done, the same save goes through
    view = submissions.save_answers(
        w.ent_a, busy, sid, expected_version=version,
        answers={"identifiable-resources": False}, clock=w.clock,
    )  # fmt: skip
    assert view.version == version + 1
    assert view.answers["identifiable-resources"] is False


def test_a_save_behind_a_brief_writer_waits_its_turn_and_is_stored(
    sworld: World, lock: WriteLock, engines: Callable[..., Database]
) -> None:
    w = sworld
    sid = w.submission("draft")
    version = w.version(sid)
    patient = engines()  # the default wait
    waiting, released = threading.Event(), threading.Event()

    def release_soon() -> None:
        assert waiting.wait(30)
        threading.Event().wait(0.3)  # hold on a little after the saver asked for the lock
        lock.release()
        released.set()

    on_checkout(patient, waiting.set)
    lock.take()
    releaser = threading.Thread(target=release_soon, daemon=True)
    releaser.start()
    view = submissions.save_answers(
        w.ent_a, patient, sid, expected_version=version,
        answers={"identifiable-resources": False}, clock=w.clock,
    )  # fmt: skip
    # the save asked for the lock while it was held, and returned only after it was let go
    assert released.is_set()
    releaser.join(30)
    assert view.version == version + 1
    stored = submissions.get_submission(w.ent_a, w.db, sid)
    assert stored.answers["identifiable-resources"] is False


# --- sign-in -------------------------------------------------------------------------------------


def test_a_sign_in_holds_no_write_lock_while_it_checks_the_password(
    sworld: World, lock: WriteLock, engines: Callable[..., Database]
) -> None:
    w = sworld
    signing = engines()
    claimed, resume, settling = threading.Event(), threading.Event(), threading.Event()
    ident: list[int] = []

    def after_a_transaction(_dbapi: Any, _record: Any) -> None:
        # The sign-in's first transaction (its claim) is over: pause it there until the other
        # connection holds the write lock, then let it check the password.
        if threading.get_ident() in ident and not claimed.is_set():
            claimed.set()
            assert resume.wait(30)

    checkouts: list[int] = []

    def before_a_transaction() -> None:
        if threading.get_ident() in ident:
            checkouts.append(1)
            if len(checkouts) == 2:  # the transaction after the password check
                settling.set()

    event.listen(signing.engine.pool, "checkin", after_a_transaction)
    on_checkout(signing, before_a_transaction)

    def sign_in() -> Any:
        ident.append(threading.get_ident())
        return identity.authenticate(signing, FIRM_EMAIL, PASSWORD, clock=lambda: NOW)

    thread, outcome = in_thread(sign_in)
    assert claimed.wait(30), outcome
    lock.take()  # at once: the sign-in keeps no transaction open after its claim
    try:
        count = "SELECT failed_logins FROM users WHERE email = ?"
        assert lock.scalar(count, FIRM_EMAIL) == 1  # the attempt is counted
        resume.set()
        # the password was checked, and the outcome is waiting for the lock held here
        assert settling.wait(30), "the sign-in never got past its password check"
        assert lock.scalar(count, FIRM_EMAIL) == 1
        assert thread.is_alive()
    finally:
        resume.set()
        lock.release()
    thread.join(60)
    [principal] = outcome
    assert not isinstance(principal, Exception), principal
    assert principal.user_id == w.ent_a.user_id
    with w.db.read() as session:
        user = session.scalars(select(User).where(User.email == FIRM_EMAIL)).one()
        assert (user.failed_logins, user.locked_until, user.last_login_at) == (0, None, NOW)
    logins = [e.action for e in audit_trail(w.admin, w.db) if e.action.startswith("login.")]
    assert logins == ["login.ok"]


def test_parallel_wrong_passwords_queued_behind_a_writer_lock_the_account_exactly(
    sworld: World, lock: WriteLock, engines: Callable[..., Database]
) -> None:
    w = sworld
    signing = engines()
    guesses = 12
    asked = threading.Semaphore(0)
    on_checkout(signing, asked.release)
    lock.take()
    try:
        started = [
            in_thread(
                lambda n=n: identity.authenticate(
                    signing, FIRM_EMAIL, f"wrong guess {n}", clock=lambda: NOW, policy=POLICY
                )
            )
            for n in range(guesses)
        ]
        for _ in range(guesses):  # every guess is queued on the lock held here
            assert asked.acquire(timeout=30)
    finally:
        lock.release()
    results = []
    for thread, outcome in started:
        thread.join(60)
        results.extend(outcome)
    assert len(results) == guesses
    assert all(isinstance(r, AuthenticationFailed) for r in results), results
    with w.db.read() as session:
        user = session.scalars(select(User).where(User.email == FIRM_EMAIL)).one()
        assert user.failed_logins == 0  # the count restarts once the lock is set
        assert user.locked_until == NOW + timedelta(minutes=POLICY.lock_minutes)
    logins = [e.action for e in audit_trail(w.admin, w.db) if e.action.startswith("login.")]
    assert logins.count("login.failed") == POLICY.max_failures
    assert logins.count("login.locked") == 1
    assert "login.ok" not in logins


# --- the questionnaire ---------------------------------------------------------------------------


def radio_of(at: Any, sid: int, item: str) -> Any:
    return next(r for r in at.radio if r.key == f"q::{sid}::{item}")


def test_an_answer_the_busy_database_refused_reads_in_chinese_and_stays_unsaved_on_the_page(
    app_world: AppWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIZAO_WRITE_WAIT_SECONDS", str(SHORT_WAIT))
    firm = app_world.user("firm")
    draft = app_world.submission("firm", "draft")
    sid = draft.id
    stored = submissions.get_submission(firm, app_world.db, sid).answers.get("FF-001")
    at = app_world.app("firm")
    at.session_state["current_submission"] = sid
    at.session_state[f"q_group::{sid}"] = "D01"
    at = run(at.switch_page("ui/pages/questionnaire.py"))
    radio = radio_of(at, sid, "FF-001")
    chosen = next(o for o in ("A", "B", "C", "D") if o != stored)
    lock = WriteLock(app_world.url)
    lock.take()
    try:
        at = run(radio.set_value(chosen))
        page = texts(at)
        assert "系统繁忙" in page
        assert "您的修改尚未保存" in page
        assert "OperationalError" not in page
        assert "database is locked" not in page
        assert any("FF-001" in w.value and "尚未保存" in w.value for w in at.warning)
        # the choice is still on the page, marked as not saved …
        assert radio_of(at, sid, "FF-001").value == chosen
        assert any("未保存" in m.value and "`FF-001`" in m.value for m in at.markdown)
        # … and it is not stored
        assert submissions.get_submission(firm, app_world.db, sid).answers.get("FF-001") == stored
        # a reader of English reads the same in English
        at.session_state["lang"] = "en"
        at = run(at)
        assert any("not been saved" in w.value and "FF-001" in w.value for w in at.warning)
        at.session_state["lang"] = "zh"
    finally:
        lock.release()
        lock.close()
    at = run(at.button(key=f"save-again-{sid}").click())
    assert submissions.get_submission(firm, app_world.db, sid).answers.get("FF-001") == chosen
    assert not any("尚未保存" in w.value for w in at.warning)
    assert radio_of(at, sid, "FF-001").value == chosen
    assert not any("未保存" in m.value and "`FF-001`" in m.value for m in at.markdown)
