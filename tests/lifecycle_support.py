"""Fixtures for the storage and workflow tests: a fresh database per test on SQLite (a temp file)
and on a real PostgreSQL server, and a small "world" of firms, accounts and submissions.

PostgreSQL: the server URL comes from ZHIZAO_TEST_POSTGRES_URL (set by .ci/run, which installs
and starts the Debian package `postgresql`). Each test session creates its own template database,
migrated once; each test gets a copy (CREATE DATABASE … TEMPLATE) that is dropped afterwards.
Without a reachable server the PostgreSQL half skips, naming the package; ZHIZAO_STRICT=1 fails.

Test modules take the fixtures with `from lifecycle_support import *` (pytest finds fixtures by
name in the test module) and import the helpers they use by name.
"""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import STRICT
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from assessment import submissions
from assessment.accounts import identity, organisations
from assessment.accounts.principal import Principal, Role
from assessment.storage.db import Database, make_engine, upgrade
from assessment.storage.transfer import canonical_dump

# The fixtures (a star import brings exactly these).
__all__ = [
    "clock",
    "db",
    "db_url",
    "fast_passwords",
    "fresh_url",
    "open_db",
    "servers",
    "world",
]

BACKENDS = ("sqlite", "postgresql")
PG_ENV = "ZHIZAO_TEST_POSTGRES_URL"
PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only
FAST_SCRYPT_N = 2**10  # test accounts need no real cost


def _unavailable(message: str) -> None:
    if STRICT:
        pytest.fail(message)
    pytest.skip(message)


class FixedClock:
    """A deterministic clock: starts at `start` and moves one minute per reading."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


class Servers:
    """Per test session: template databases, and a factory of fresh copies."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._sqlite_template: Path | None = None
        self._pg_admin_url: str | None = None
        self._pg_template: str | None = None
        self._pg_problem: str | None = None
        self._pg_created: list[str] = []
        self._counter = itertools.count(1)
        self.session_tag = f"zhizao_test_{os.getpid()}_{secrets.token_hex(3)}"

    # SQLite: a migrated template file, copied per test.
    def sqlite_url(self, where: Path) -> str:
        if self._sqlite_template is None:
            template = self.tmp / "template.sqlite"
            engine = make_engine(f"sqlite:///{template}")
            upgrade(engine)
            engine.dispose()
            self._sqlite_template = template
        target = where / f"db{next(self._counter)}.sqlite"
        shutil.copyfile(self._sqlite_template, target)
        return f"sqlite:///{target}"

    # PostgreSQL: a migrated template database, copied per test.
    def _admin(self) -> str:
        if self._pg_problem is not None:
            _unavailable(self._pg_problem)
        if self._pg_admin_url is None:
            url = os.environ.get(PG_ENV)
            if not url:
                self._pg_problem = (
                    f"PostgreSQL tests need a server: install the Debian package postgresql, start "
                    f"it and set {PG_ENV} (.ci/run does both)"
                )
                _unavailable(self._pg_problem)
            try:
                engine = create_engine(str(url), isolation_level="AUTOCOMMIT")
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                engine.dispose()
            except Exception as exc:
                self._pg_problem = (
                    f"PostgreSQL at {make_url(str(url)).render_as_string(hide_password=True)} is "
                    f"unreachable ({type(exc).__name__}): install and start the Debian package "
                    f"postgresql (.ci/run does)"
                )
                _unavailable(self._pg_problem)
            self._pg_admin_url = str(url)
        return self._pg_admin_url

    def _execute(self, sql: str) -> None:
        engine = create_engine(self._admin(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def _db_url(self, name: str) -> str:
        return make_url(self._admin()).set(database=name).render_as_string(hide_password=False)

    def postgres_url(self) -> str:
        if self._pg_template is None:
            template = f"{self.session_tag}_template"
            self._execute(f'CREATE DATABASE "{template}"')
            self._pg_created.append(template)
            engine = make_engine(self._db_url(template))
            upgrade(engine)
            engine.dispose()
            self._pg_template = template
        name = f"{self.session_tag}_{next(self._counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"')
        self._pg_created.append(name)
        return self._db_url(name)

    def _drop_database(self, name: str) -> bool:
        """Drop a test database; True when gone.

        WITH (FORCE) must terminate whatever is still connected; an autovacuum worker belongs
        to another role, so the drop can be refused for a moment. Retry briefly; a database
        still there is dropped again when the session closes.
        """
        for attempt in range(5):
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except (ProgrammingError, OperationalError):
                time.sleep(0.2 * (attempt + 1))
                continue
            return True
        return False

    def drop(self, url: str) -> None:
        parsed = make_url(url)
        name = str(parsed.database)
        postgres = parsed.get_backend_name() == "postgresql" and name in self._pg_created
        if postgres and self._drop_database(name):
            self._pg_created.remove(name)

    def close(self) -> None:
        for name in reversed(list(self._pg_created)):
            self._drop_database(name)
        self._pg_created.clear()

    def fresh(self, backend: str, where: Path) -> str:
        return self.sqlite_url(where) if backend == "sqlite" else self.postgres_url()


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    holder = Servers(tmp_path_factory.mktemp("db-templates"))
    yield holder
    holder.close()


@pytest.fixture
def fresh_url(servers: Servers, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Make a fresh, migrated, empty database of a backend; dropped after the test."""
    made: list[str] = []

    def make(backend: str) -> str:
        url = servers.fresh(backend, tmp_path)
        made.append(url)
        return url

    yield make
    for url in made:
        servers.drop(url)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, fresh_url: Callable[[str], str]) -> str:
    """A fresh, migrated database: a SQLite temp file, or a database on the PostgreSQL server."""
    return fresh_url(str(request.param))


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "SCRYPT_N", FAST_SCRYPT_N)


@pytest.fixture
def open_db(fast_passwords: None) -> Iterator[Callable[[str], Database]]:
    opened: list[Database] = []

    def make(url: str) -> Database:
        db = Database(make_engine(url))
        opened.append(db)
        return db

    yield make
    for db in opened:
        db.dispose()


@pytest.fixture
def db(db_url: str, open_db: Callable[[str], Database]) -> Database:
    return open_db(db_url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


# --- a small world ---------------------------------------------------------------------------------

OPERATOR = Principal.system("tests")
STANDARD = "gbt37393-2019"  # 7 yes/no items and 2 gates: quick to answer completely
PROFILE = "digital-workshop"
COMPLETE = {
    "identifiable-resources": True,
    "shopfloor-visualisation": True,
    "digital-process-design": True,
    "network-interconnection": False,
    "mes-or-equivalent": True,
    "vertical-integration": True,
    "production-safety": True,
}
GATES = {"digital-equipment-share": 82, "automatic-data-collection": 93}
CODE_A = "91330206MA2H7K3X1E"
CODE_B = "91330108MA2KQ12345"


def valid_code(first17: str) -> str:
    from assessment.accounts.classifications import credit_code_check_char  # noqa: PLC0415

    return first17 + credit_code_check_char(first17)


@dataclass
class World:
    db: Database
    clock: FixedClock
    org_a: int
    org_b: int
    admin: Principal
    ent_a: Principal  # member of org A (owns the submissions)
    ent_b: Principal  # member of org B
    eval_1: Principal  # assigned to org A's submissions
    eval_2: Principal  # not assigned

    def actors(self) -> dict[str, Principal]:
        return {
            "enterprise_own": self.ent_a,
            "enterprise_other": self.ent_b,
            "evaluator_assigned": self.eval_1,
            "evaluator_other": self.eval_2,
            "administrator": self.admin,
        }

    def version(self, sub_id: int) -> int:
        return submissions.get_submission(self.admin, self.db, sub_id).version

    def submission(self, state: str, *, org: str = "a") -> int:
        """A submission of org A (or B) brought to `state` by the proper actors."""
        firm = self.ent_a if org == "a" else self.ent_b
        org_id = self.org_a if org == "a" else self.org_b
        sub = submissions.create_submission(
            firm, self.db, org_id=org_id, standard_id=STANDARD, profile=PROFILE, clock=self.clock
        )
        sid = sub.id
        submissions.save_answers(
            firm, self.db, sid, expected_version=sub.version, answers=COMPLETE, gates=GATES,
            clock=self.clock,
        )  # fmt: skip
        if state == "draft":
            return sid
        submissions.submit(firm, self.db, sid, expected_version=self.version(sid), clock=self.clock)
        if state == "unassigned":
            return sid
        submissions.assign_evaluator(
            self.admin, self.db, sid, self.eval_1.user_id or 0,
            expected_version=self.version(sid), clock=self.clock,
        )  # fmt: skip
        if state == "submitted":
            return sid
        submissions.start_review(
            self.eval_1, self.db, sid, expected_version=self.version(sid), clock=self.clock
        )
        if state == "in_review":
            return sid
        if state == "returned":
            submissions.return_to_firm(
                self.eval_1, self.db, sid, comment="please add evidence",
                expected_version=self.version(sid), clock=self.clock,
            )  # fmt: skip
            return sid
        if state == "decided":  # in review, every item decided
            submissions.accept_remaining(
                self.eval_1, self.db, sid, expected_version=self.version(sid), clock=self.clock
            )
            return sid
        submissions.accept_remaining(
            self.eval_1, self.db, sid, expected_version=self.version(sid), clock=self.clock
        )
        if state == "rejected":
            submissions.reject(
                self.eval_1, self.db, sid, reason="evidence does not match",
                expected_version=self.version(sid), clock=self.clock,
            )  # fmt: skip
            return sid
        submissions.approve(
            self.eval_1, self.db, sid, expected_version=self.version(sid), clock=self.clock
        )
        if state == "approved":
            return sid
        if state == "revoked":
            submissions.revoke(
                self.admin, self.db, sid, reason="audit found false data",
                expected_version=self.version(sid), clock=self.clock,
            )  # fmt: skip
            return sid
        raise ValueError(state)


def build_world(db: Database, clock: FixedClock) -> World:
    def org(name: str, code: str, region: str) -> int:
        return organisations.create_organisation(
            OPERATOR, db, name=name, credit_code=code, industry_code="36", region_code=region,
            size_class="medium", industry_type="discrete", clock=clock,
        ).id  # fmt: skip

    org_a = org("甲 测试制造有限公司", valid_code(CODE_A[:17]), "330206")
    org_b = org("乙 测试制造有限公司", valid_code(CODE_B[:17]), "330108")

    def user(email: str, role: Role, org_id: int | None = None) -> Principal:
        view = organisations.create_user(
            OPERATOR, db, email=email, role=role, password=PASSWORD, org_id=org_id, clock=clock
        )
        return Principal(view.id, role, org_id, email)

    return World(
        db=db,
        clock=clock,
        org_a=org_a,
        org_b=org_b,
        admin=user("admin@test.invalid", Role.ADMINISTRATOR),
        ent_a=user("a@firm-a.invalid", Role.ENTERPRISE, org_a),
        ent_b=user("b@firm-b.invalid", Role.ENTERPRISE, org_b),
        eval_1=user("eval1@test.invalid", Role.EVALUATOR),
        eval_2=user("eval2@test.invalid", Role.EVALUATOR),
    )


@pytest.fixture
def world(db: Database, clock: FixedClock) -> World:
    return build_world(db, clock)


def snapshot(db: Database) -> dict[str, Any]:
    """Every row of every table: compare before and after to prove nothing changed."""
    return canonical_dump(db)


def counts(db: Database) -> dict[str, int]:
    return {name: len(rows) for name, rows in canonical_dump(db).items()}
