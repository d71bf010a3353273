"""Shared test set-up.

With ZHIZAO_STRICT=1 (set by .ci/run) a skipped test fails the run: CI must never silently skip the
tests that need a system tool, a browser or a database server.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "standards" / "library"
EXAMPLES = ROOT / "examples"
STRICT = os.environ.get("ZHIZAO_STRICT") == "1"
ISOLATED = ("ZHIZAO_KEY_DIR", "ZHIZAO_DATA_DIR", "DATABASE_URL")


@pytest.fixture(autouse=True, scope="session")
def _no_local_keys_or_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never see this machine's issuer key or data folder (a key there would make every
    approval issue a certificate, and `zhizao cert verify` read the local database). Tests that
    need either set their own."""
    saved = {name: os.environ.get(name) for name in ISOLATED}
    home = tmp_path_factory.mktemp("isolated")
    os.environ["ZHIZAO_KEY_DIR"] = str(home / "keys")
    os.environ["ZHIZAO_DATA_DIR"] = str(home / "data")
    os.environ.pop("DATABASE_URL", None)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pytest_configure(config: pytest.Config) -> None:
    # Before collection, which already loads the bundled library: the parsed-library cache of
    # a test run lives in a folder of its own, never in this machine's ~/.cache.
    os.environ["ZHIZAO_CACHE_DIR"] = tempfile.mkdtemp(prefix="zhizao-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(os.environ.pop("ZHIZAO_CACHE_DIR", ""), ignore_errors=True)


def require_tool(command: str, package: str) -> str:
    """Path of a system command; skip (or fail in strict mode) naming the Debian package."""
    found = shutil.which(command)
    if found is None:
        message = f"`{command}` not found: install the Debian package {package} (make system-deps)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    return found


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not STRICT:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        print(f"\nZHIZAO_STRICT=1: {skipped} test(s) were skipped; CI treats a skip as a failure")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
