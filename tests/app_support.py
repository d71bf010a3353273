"""Shared set-up of the app tests: a demo database seeded once per run (known passwords, no
synthetic cohort), copied for each test, and AppTest helpers that sign in by role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assessment import identity, organisations, workflow
from assessment.db import Database, open_database
from assessment.demo import DEMO_DOMAIN, seed_demo
from assessment.identity import Principal, Role

# The fixtures (a star import brings exactly these).
__all__ = ["app_world", "seeded_template"]

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "streamlit_app.py"
PASSWORD = "demo-password-123"  # noqa: S105 - a throw-away test database
EMAILS = {
    "admin": f"admin@{DEMO_DOMAIN}",
    "evaluator": f"evaluator@{DEMO_DOMAIN}",
    "evaluator2": f"evaluator2@{DEMO_DOMAIN}",
    "firm": f"firm@{DEMO_DOMAIN}",
    "firm2": f"firm2@{DEMO_DOMAIN}",
}


def seed_file(path: Path) -> None:
    """A demo database at `path` with every account's password PASSWORD and no cohort."""
    saved = identity.SCRYPT_N
    identity.SCRYPT_N = 2**10
    try:
        db = open_database(f"sqlite:///{path}")
        seed_demo(db, cohort_size=0, passwords=dict.fromkeys(EMAILS.values(), PASSWORD))
        db.dispose()
    finally:
        identity.SCRYPT_N = saved


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "demo.sqlite"
    seed_file(path)
    return path


@dataclass
class World:
    url: str
    db: Database

    def user(self, who: str) -> Principal:
        admin = Principal.system("test")
        found = {u.email: u for u in organisations.list_users(admin, self.db)}[EMAILS[who]]
        return Principal(found.id, Role(found.role), found.organisation_id, found.email)

    def app(self, who: str | None = None, *, lang: str = "zh") -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        if who is not None:
            at.session_state["auth_user_id"] = self.user(who).user_id
        at.session_state["lang"] = lang
        return at

    def submission(self, who: str, status: str, standard_id: str | None = None) -> workflow.SubmissionSummary:
        found = [
            s
            for s in workflow.list_submissions(self.user(who), self.db)
            if s.status == status and (standard_id is None or s.standard_id == standard_id)
        ]
        return found[0]


@pytest.fixture
def app_world(seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    path = tmp_path / "app.sqlite"
    shutil.copy(seeded_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(tmp_path / "keys"))
    db = open_database(url)
    yield World(url, db)
    db.dispose()


def run(target: Any) -> AppTest:
    """Run the app (or the app of a widget after an interaction); fail on any exception shown."""
    at: AppTest = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Every text the run drew (markdown, captions, alerts, titles, metrics …), one per line."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error", "text", "code"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value} {m.proto.delta}" for m in at.metric)
    return "\n".join(parts)


def submit_form(at: AppTest, form: str) -> AppTest:
    """Click the submit button of the form with this key, and run."""
    [button] = [b for b in at.button if b.proto.form_id == form]
    return run(button.click())
