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

from assessment import submissions
from assessment.accounts import identity, organisations, sessions
from assessment.accounts.identity import principal_for
from assessment.accounts.principal import Principal, Role
from assessment.demo.seed import DEMO_DOMAIN, seed_demo
from assessment.storage.db import Database, open_database
from ui.parts.auth import TOKEN_KEY

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
            self.sign_in(at, who)
        at.session_state["lang"] = lang
        return at

    def sign_in(self, at: AppTest, who: str) -> str:
        """Open a real session for `who` and give its token to the app, as the sign-in form would
        (AppTest has no cookies): the token is returned for tests that end or tamper with it."""
        actor = principal_for(self.db, self.user(who).user_id)
        token = sessions.start(self.db, actor, "password").token
        at.session_state[TOKEN_KEY] = token
        return token

    def submission(
        self, who: str, status: str, standard_id: str | None = None
    ) -> submissions.SubmissionSummary:
        found = [
            s
            for s in submissions.list_submissions(self.user(who), self.db)
            if s.status == status and (standard_id is None or s.standard_id == standard_id)
        ]
        return found[0]


@pytest.fixture
def app_world(
    seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    path = tmp_path / "app.sqlite"
    shutil.copy(seeded_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(tmp_path / "keys"))
    # Its demo firms' certificates are signed by a demo issuer key made here (ensure_demo_issuer).
    monkeypatch.setenv("ZHIZAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ZHIZAO_PUBLIC_URL", "http://localhost:8501")
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
    for kind in (
        "title",
        "header",
        "subheader",
        "markdown",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "text",
        "code",
    ):
        parts.extend(str(e.value) for e in getattr(at, kind))
    parts.extend(f"{m.label} {m.value} {m.proto.delta}" for m in at.metric)
    return "\n".join(parts)


def submit_form(at: AppTest, form: str) -> AppTest:
    """Click the submit button of the form with this key, and run."""
    [button] = [b for b in at.button if b.proto.form_id == form]
    return run(button.click())


def frame(at: AppTest, column: str) -> Any:
    """The first table drawn with a column of this name (AppTest does not expose their keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with a column {column!r}")


def issue_certificate(
    world: World, submission_id: int, key_dir: Path, *, number: str, issued_on: Any, expires_on: Any
) -> str:
    """Put a signed certificate row for an approved submission into the registry (as the
    certificate service would), with a key created in `key_dir`; return the key fingerprint."""
    import base64  # noqa: PLC0415
    from datetime import UTC, datetime  # noqa: PLC0415

    from assessment.certificates.envelope import sign_record  # noqa: PLC0415
    from assessment.certificates.keys import init_keys, load_private_key  # noqa: PLC0415
    from assessment.certificates.record import CertificateRecord, ReceiptHashes  # noqa: PLC0415
    from assessment.storage.tables import Certificate  # noqa: PLC0415
    from assessment.submissions import appdata  # noqa: PLC0415

    init_keys(key_dir)
    key = load_private_key(key_dir)
    admin = Principal.system("test")
    result = appdata.result_for(admin, world.db, submission_id, "final")
    assert result is not None
    sub = submissions.get_submission(admin, world.db, submission_id)
    org = organisations.get_organisation(admin, world.db, sub.organisation_id)
    standard = appdata.submission_standard(admin, world.db, submission_id)
    tier = next((x for x in standard.tiers if x.id == result.tier), None)
    record = CertificateRecord(
        number=number,
        firm_name=org.name,
        credit_code=org.credit_code,
        standard_id=standard.id,
        standard_edition=standard.edition,
        standard_title_zh=standard.title.zh,
        standard_title_en=standard.title.en,
        profile=result.profile,
        tier=result.tier,
        tier_name_zh=tier.name.zh if tier else None,
        tier_name_en=tier.name.en if tier else None,
        level=result.level,
        score=result.total,
        max_score=result.max_total,
        percent=result.percent,
        issued_on=issued_on,
        expires_on=expires_on,
        validity_years=3,
        validity_official=False,
        evaluator_reviewed=True,
        reviewed_by="张评估",
        verify_base_url="http://localhost:8501",
        issuer="智造评估 zhizao",
        issuer_key_fingerprint=key.fingerprint,
        receipt=ReceiptHashes(
            result.receipt.standard_sha256,
            result.receipt.answers_sha256,
            "0" * 64,
            result.receipt.engine_version,
        ),
    )
    signed = sign_record(record, key)
    with world.db.write() as session:
        session.add(
            Certificate(
                number=number,
                submission_id=submission_id,
                issued_at=datetime.combine(issued_on, datetime.min.time(), UTC),
                expires_at=datetime.combine(expires_on, datetime.min.time(), UTC),
                status="valid",
                record=record.to_dict(),
                signature=base64.b64encode(signed.signature).decode("ascii"),
            )
        )
    return key.fingerprint
