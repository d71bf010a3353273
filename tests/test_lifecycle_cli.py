"""The lifecycle commands, run as a user runs them: `zhizao db …`, `users …`, `orgs …`, `demo …`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import FAST_SCRYPT_N, PASSWORD, valid_code


def zhizao(
    *args: str, url: str, data: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ZHIZAO_DATA_DIR": str(data),
        "ZHIZAO_SCRYPT_N": str(FAST_SCRYPT_N),
    }
    return subprocess.run(
        [sys.executable, "-m", "assessment.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=env,
        check=False,
        timeout=300,
    )


def test_first_administrator_and_accounts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    up = zhizao("db", "upgrade", url=url, data=tmp_path)
    assert up.returncode == 0, up.stderr
    assert "schema upgraded from (empty) to" in up.stdout
    again = zhizao("db", "upgrade", url=url, data=tmp_path)
    assert "nothing to do" in again.stdout

    first = zhizao("users", "create", "--role", "administrator", "--email", "Boss@Example.cn",
                   url=url, data=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "created administrator account 1: boss@example.cn" in first.stdout
    password = first.stdout.split("password: ")[1].split()[0]
    assert len(password) >= 12

    piped = zhizao("users", "create", "--role", "evaluator", "--email", "e@example.cn",
                   "--password-stdin", url=url, data=tmp_path, stdin=PASSWORD + "\n")  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert "password:" not in piped.stdout

    short = zhizao("users", "create", "--role", "evaluator", "--email", "f@example.cn",
                   "--password-stdin", url=url, data=tmp_path, stdin="short\n")  # fmt: skip
    assert short.returncode == 1
    assert "error: password: at least 10 characters" in short.stderr

    orphan = zhizao("users", "create", "--role", "enterprise", "--email", "g@example.cn",
                    url=url, data=tmp_path)  # fmt: skip
    assert orphan.returncode == 1
    assert "belongs to one organisation" in orphan.stderr

    listing = zhizao("users", "list", url=url, data=tmp_path)
    assert "boss@example.cn" in listing.stdout
    assert "e@example.cn" in listing.stdout
    assert "f@example.cn" not in listing.stdout


def test_orgs_create_checks_the_credit_code(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'z.sqlite'}"
    good = valid_code("91330206MA2H7K3X1")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    base = ["orgs", "create", "--name", "甲公司", "--industry", "36", "--region", "330206"]
    refused = zhizao(*base, "--credit-code", bad, url=url, data=tmp_path)
    assert refused.returncode == 1
    assert "check character" in refused.stderr
    assert zhizao("orgs", "list", url=url, data=tmp_path).stdout == ""
    accepted = zhizao(*base, "--credit-code", bad, "--accept-invalid-code", "pilot code",
                      url=url, data=tmp_path)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert "check failed; accepted: pilot code" in accepted.stdout
    listing = zhizao("orgs", "list", url=url, data=tmp_path).stdout
    assert f"{bad}*" in listing
    assert "浙江省 宁波市 北仑区" in listing


def test_demo_seed_export_and_import(tmp_path: Path, db_url: str) -> None:
    seeded = zhizao("demo", "seed", "--if-empty", "--cohort", "12", url=db_url, data=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    out = seeded.stdout
    assert "submissions: draft 1, submitted 1, in_review 1, returned 1, approved 1" in out
    assert "12 synthetic cohort firms" in out
    for role in ("administrator", "evaluator", "enterprise"):
        assert f"  {role}" in out
    accounts = (tmp_path / "demo-accounts.txt").read_text(encoding="utf-8")
    assert "admin@demo.zhizao.invalid" in accounts
    assert oct((tmp_path / "demo-accounts.txt").stat().st_mode & 0o777) == "0o600"

    skipped = zhizao("demo", "seed", "--if-empty", url=db_url, data=tmp_path)
    assert skipped.returncode == 0
    assert "demo seed skipped" in skipped.stdout
    assert zhizao("demo", "seed", url=db_url, data=tmp_path).returncode == 1

    dump = tmp_path / "export.json"
    exported = zhizao("db", "export", "--out", str(dump), url=db_url, data=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "organisations 18" in exported.stdout
    target = f"sqlite:///{tmp_path / 'restored.sqlite'}"
    restored = zhizao("db", "import", str(dump), url=target, data=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("imported ")
    second = tmp_path / "again.json"
    zhizao("db", "export", "--out", str(second), url=target, data=tmp_path)
    assert second.read_bytes() == dump.read_bytes()
    refused = zhizao("db", "import", str(dump), url=target, data=tmp_path)
    assert refused.returncode == 1
    assert "is not empty" in refused.stderr
