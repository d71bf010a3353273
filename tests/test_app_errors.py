"""A storage failure is never shown to a person as a database error: the page says so in plain
words (in the page's language) and the details go to the server log."""

from __future__ import annotations

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import ROOT, World, run
from sqlalchemy.exc import DataError, OperationalError

from assessment import submissions


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("SELECT secret FROM users", {}, Exception("database is locked")),
        DataError("INSERT INTO users VALUES ('\x00')", {}, Exception("NUL byte")),
    ],
)
def test_a_database_error_shows_a_plain_message(
    app_world: World, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise error

    monkeypatch.setattr(submissions, "list_submissions", broken)
    at = run(app_world.app("firm"))  # the firm's home page lists its submissions
    messages = [e.value for e in at.error]
    assert any("数据库暂时无法完成此操作" in m for m in messages)
    assert not any("SELECT" in m or "INSERT" in m or "secret" in m for m in messages)
    at.session_state["lang"] = "en"
    assert any("The database could not complete" in e.value for e in run(at).error)


def test_the_browser_is_never_shown_error_details() -> None:
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert 'showErrorDetails = "none"' in config
