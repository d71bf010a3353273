"""Two app processes on one PostgreSQL database, in a real browser: `streamlit run ui/server.py`
twice (two ports, one fresh database seeded with the demo), headless Chromium through Playwright.

- A sign-in made through one process is the same session in the other: its cookie taken to the
  second process opens the firm's home page, and a sign-out through the second process signs the
  first one's tab out on its next load (nothing about a sign-in lives in a process).
- The firm and a colleague of the same organisation edit one submission at the same version, one
  through each process: exactly one of them is told of a conflict, nothing the page shows as saved
  is missing from the database, and the colleague's answer lands after a reload.

The helpers (a fresh seeded PostgreSQL database, app processes on a given DATABASE_URL) are in
tests/multiprocess_support.py, shared with tests/test_proxy.py, which puts them behind nginx.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import EMAILS
from e2e_support import TIMEOUT, click, free_port, nav, sees, settle
from lifecycle_support import servers  # noqa: F401 - the session's PostgreSQL templates
from multiprocess_support import (
    COLLEAGUE,
    CONFLICT,
    PROFILE,
    SAVED,
    SIGN_IN_TITLE,
    SIGNED_IN,
    STANDARD,
    account,
    answer_yes,
    app_processes,
    browser,  # noqa: F401 - the Chromium fixture
    shared_database,  # noqa: F401 - the seeded PostgreSQL database fixture
    sign_in_as,
)
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import sessions
from assessment.storage.db import open_database
from assessment.storage.tables import SignInSession

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def apps(
    shared_database: str,  # noqa: F811 - the fixture
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[str]]:
    folder = tmp_path_factory.mktemp("two-processes")
    with app_processes(shared_database, folder, [free_port(), free_port()]) as bases:
        yield bases


def _session_cookie(context: Any) -> dict[str, Any]:
    found = [c for c in context.cookies() if c["name"] == sessions.COOKIE_NAME]
    assert len(found) == 1, found
    return dict(found[0])


def _open_sessions(url: str, email: str) -> list[SignInSession]:
    db = open_database(url, migrate=False)
    try:
        user = account(db, email)
        with db.read() as session:
            return list(
                session.scalars(
                    select(SignInSession).where(
                        SignInSession.user_id == user.user_id, SignInSession.ended_at.is_(None)
                    )
                )
            )
    finally:
        db.dispose()


def _body(page: Any) -> str:
    settle(page)
    return str(page.inner_text("body"))


def test_a_sign_in_through_one_process_is_the_same_session_in_the_other(
    apps: list[str],
    shared_database: str,  # noqa: F811 - the fixture
    browser: Any,  # noqa: F811 - the fixture
) -> None:
    base_a, base_b = apps
    first = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    second = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    try:
        page_a = first.new_page()
        sign_in_as(page_a, base_a, EMAILS["firm"])
        sees(page_a, "下一步：")
        cookie = _session_cookie(first)
        [row] = _open_sessions(shared_database, EMAILS["firm"])
        assert row.token_sha256 == hashlib.sha256(str(cookie["value"]).encode()).hexdigest()

        # The cookie alone, in a browser that never saw process A: B serves the firm's home page.
        second.add_cookies([cookie])
        page_b = second.new_page()
        page_b.goto(f"{base_b}/", wait_until="domcontentloaded")
        sees(page_b, "下一步：")
        body = _body(page_b)
        assert SIGNED_IN in body
        assert SIGN_IN_TITLE not in body
        assert page_b.get_by_label("密码").count() == 0
        # still the one session A opened: B started none of its own
        assert [r.id for r in _open_sessions(shared_database, EMAILS["firm"])] == [row.id]

        # Signed out through B: A's tab, whose browser still holds the cookie, is signed out on
        # its next load, because A asks the database, not its own memory.
        click(page_b, "sign_out")
        page_b.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
        assert _open_sessions(shared_database, EMAILS["firm"]) == []
        assert [c["value"] for c in first.cookies() if c["name"] == sessions.COOKIE_NAME] == [
            cookie["value"]
        ]
        page_a.reload(wait_until="domcontentloaded")
        page_a.get_by_text(SIGN_IN_TITLE).first.wait_for(timeout=TIMEOUT)
        body = _body(page_a)
        assert SIGNED_IN not in body
    finally:
        first.close()
        second.close()


def test_two_colleagues_on_two_processes_get_one_conflict_and_lose_no_write(
    apps: list[str],
    shared_database: str,  # noqa: F811 - the fixture
    browser: Any,  # noqa: F811 - the fixture
) -> None:
    base_a, base_b = apps
    db = open_database(shared_database, migrate=False)
    firm = account(db, EMAILS["firm"])
    # The newest editable submission is the one the questionnaire opens (had it opened another,
    # the answers read back below would be missing from this one).
    sub = submissions.create_submission(
        firm, db, org_id=firm.org_id or 0, standard_id=STANDARD, profile=PROFILE
    )
    ours, theirs = "identifiable-resources", "shopfloor-visualisation"  # both in the first domain
    contexts = [
        browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        for _ in range(2)
    ]
    try:
        page_a, page_b = (c.new_page() for c in contexts)
        sign_in_as(page_a, base_a, EMAILS["firm"])
        sign_in_as(page_b, base_b, COLLEAGUE)
        for page in (page_a, page_b):
            nav(page, "问卷填报")
            page.locator(f".st-key-item-{theirs}").wait_for(timeout=TIMEOUT)

        # Both pages hold version v; the firm saves first (through A), the colleague second
        # (through B), still on v.
        answer_yes(page_a, ours)
        sees(page_a, SAVED)
        answer_yes(page_b, theirs)
        sees(page_b, CONFLICT)
        assert page_b.get_by_text(CONFLICT).count() == 1
        assert page_a.get_by_text(CONFLICT).count() == 0
        stored = submissions.get_submission(firm, db, sub.id)
        assert stored.answers == {ours: True}  # the firm's save stands; the colleague's was refused
        assert stored.version == sub.version + 1

        # The colleague reloads (the firm's answer appears), answers again and is saved.
        click(page_b, f"reload-{sub.id}")
        assert page_b.get_by_text(CONFLICT).count() == 0
        assert page_b.locator(f".st-key-item-{ours}").get_by_role("radio").first.is_checked()
        answer_yes(page_b, theirs)
        sees(page_b, SAVED)
        stored = submissions.get_submission(firm, db, sub.id)
        assert stored.answers == {ours: True, theirs: True}
        assert stored.version == sub.version + 2
        assert _body(page_b).count(CONFLICT) == 0
    finally:
        for context in contexts:
            context.close()
        db.dispose()
