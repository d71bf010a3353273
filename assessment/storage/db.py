"""Engines, transactions and schema upgrades.

The embedded default is a SQLite file under `data/` (WAL, foreign keys on, busy timeout); set
`DATABASE_URL` (e.g. `postgresql+psycopg://user:pw@host:5432/zhizao`) to scale out. The schema is
owned by Alembic migrations in assessment/storage/migrations/: `open_database()` — what the app and the CLI
call — brings an empty or older database up to the newest revision first.

Every service call runs in one short transaction: `db.read()` or `db.write()`. On SQLite a write
transaction starts with BEGIN IMMEDIATE, so two writers queue for the one write lock instead of
failing half-way with "database is locked"; the compare-and-set on `submissions.version` then
decides which of them was based on stale data.

Waiting for the write lock is bounded: BEGIN IMMEDIATE is tried up to `WRITE_ATTEMPTS` times, each
waiting in SQLite's busy handler for a slice of `write_wait()` (ZHIZAO_WRITE_WAIT_SECONDS, default
20 s, slices and jittered pauses included), and then the service raises `StorageBusy` — a
Problem the page shows in its reader's language, saying that nothing was saved. Retrying BEGIN
is safe for every writer because nothing of the transaction has run yet; in WAL mode a writer
that holds the lock waits for nobody until it commits, so BEGIN is the one place a writer queues.
A busy error anywhere else (a commit outside WAL, a reader during recovery) becomes `StorageBusy`
too, after the transaction was rolled back, never the raw `sqlite3.OperationalError`.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from assessment.errors import LifecycleError
from standards.problems import Problem

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DATA_DIR = "data"
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")
_WRITE = "zhizao_write"
# How long a writer may wait for SQLite's write lock, all attempts and pauses included.
DEFAULT_WRITE_WAIT = 20.0
WRITE_ATTEMPTS = 3
# Pause k (1 … WRITE_ATTEMPTS-1) between attempts is at most k/8 of a slice, jittered down to half
# of that, so that writers of several processes who gave up together do not come back together.
_PAUSE_EIGHTHS = sum(range(1, WRITE_ATTEMPTS))
_log = logging.getLogger("zhizao")


class StorageBusy(LifecycleError, SQLAlchemyError):
    """The database stayed busy with other writers for longer than a write may wait (an
    overloaded machine): nothing of the action was stored, and it may be tried again. It is a
    storage error too, so a page's catch-all for storage failures still shows plain words."""

    def __init__(self, *, attempts: int = 0, waited: float = 0.0) -> None:
        super().__init__(Problem((), "storage.busy"))
        self.attempts = attempts
        self.waited = waited


def write_wait() -> float:
    """Seconds a writer waits for the write lock before StorageBusy (ZHIZAO_WRITE_WAIT_SECONDS)."""
    try:
        value = float(os.environ.get("ZHIZAO_WRITE_WAIT_SECONDS", ""))
    except ValueError:
        return DEFAULT_WRITE_WAIT
    return value if value > 0 else DEFAULT_WRITE_WAIT


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` (SQLAlchemy's or the driver's) is SQLite saying another connection holds
    the lock it needs."""
    orig = getattr(exc, "orig", exc)
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "database is locked" in str(orig) or "database is busy" in str(orig)


# China Standard Time (UTC+8 all year): the zone of every date zhizao states — a certificate's
# issue and expiry dates, a benchmark's year and refresh point, times shown on a page.
CHINA = timezone(timedelta(hours=8), "CST")


def utcnow() -> datetime:
    """The real clock; services take `clock=` so tests can pass a fixed one."""
    return datetime.now(UTC)


def data_dir() -> Path:
    return Path(os.environ.get("ZHIZAO_DATA_DIR", DEFAULT_DATA_DIR))


def database_url() -> str:
    """`DATABASE_URL`, or the embedded SQLite file `data/zhizao.sqlite`."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / 'zhizao.sqlite'}"


def _sqlite_connect(busy_ms: int) -> Callable[[Any, Any], None]:
    def connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (the documented
        # recipe for SAVEPOINT and transactional DDL), then apply the pragmas outside any
        # transaction.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        for pragma in (*SQLITE_PRAGMAS, f"busy_timeout={busy_ms}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    return connect


def _sqlite_begin(wait: float, slice_seconds: float) -> Callable[[Connection], None]:
    def begin(conn: Connection) -> None:
        if not conn.get_execution_options().get(_WRITE, False):
            conn.exec_driver_sql("BEGIN")
            return
        started = time.monotonic()
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                # Each try waits up to one slice in SQLite's busy handler (the busy timeout).
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                if attempt == WRITE_ATTEMPTS:
                    waited = time.monotonic() - started
                    _log.warning(
                        "gave up on the write lock after %d attempts, %.1f s (limit %.1f s)",
                        attempt, waited, wait,
                    )  # fmt: skip
                    raise StorageBusy(attempts=attempt, waited=waited) from exc
            # Not for secrecy: only to spread the next attempts of waiting writers.
            jitter = random.uniform(0.5, 1.0)  # noqa: S311
            time.sleep(slice_seconds * attempt / 8 * jitter)

    return begin


def make_engine(url: str | None = None, *, wait: float | None = None) -> Engine:
    """One engine per process and database URL. On SQLite a writer waits at most `wait` seconds
    (default `write_wait()`) for the write lock, then StorageBusy."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        wait = wait if wait is not None and wait > 0 else write_wait()
        slice_seconds = wait / (WRITE_ATTEMPTS + _PAUSE_EIGHTHS / 8)
        engine = create_engine(url, connect_args={"timeout": slice_seconds})
        event.listen(engine, "connect", _sqlite_connect(max(1, round(slice_seconds * 1000))))
        event.listen(engine, "begin", _sqlite_begin(wait, slice_seconds))
        return engine
    return create_engine(url, pool_pre_ping=True)


@dataclass
class Database:
    """An engine plus the two kinds of transaction the services use."""

    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as exc:
            if is_busy(exc):
                raise StorageBusy() from exc
            raise

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One atomic unit of work: commits when the block ends, rolls back on any exception.
        A database too busy to let it start or commit in time raises StorageBusy, rolled back."""
        bind = self.engine.execution_options(**{_WRITE: True})
        try:
            with Session(bind, expire_on_commit=False) as session, session.begin():
                yield session
        except OperationalError as exc:
            if is_busy(exc):
                raise StorageBusy() from exc
            raise

    def dispose(self) -> None:
        self.engine.dispose()


# --- migrations ---------------------------------------------------------------------------------


def _alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config  # noqa: PLC0415 - only needed when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations in {MIGRATIONS}")
    return head


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate to `revision` (default the newest); return (revision before, revision after)."""
    from alembic import command  # noqa: PLC0415

    before = current_revision(engine)
    # A writer's transaction: on SQLite, BEGIN IMMEDIATE with the bounded wait, so two processes
    # upgrading at once take turns for the whole migration instead of failing on its first DDL.
    with engine.execution_options(**{_WRITE: True}).begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes upgrading at once (the app and the CLI) take turns.
            conn.execute(text("SELECT pg_advisory_xact_lock(31007)"))
        command.upgrade(_alembic_config(conn), revision)
    return before, current_revision(engine) or ""


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """The database the app and the CLI use, upgraded to the newest schema first."""
    engine = make_engine(url)
    if migrate:
        upgrade(engine)
    return Database(engine)


def is_empty(db: Database) -> bool:
    """True when no table of ours holds a row (the schema itself may exist)."""
    from assessment.storage.tables import TABLE_ORDER  # noqa: PLC0415

    names = set(inspect(db.engine).get_table_names())
    with db.read() as session:
        for model in TABLE_ORDER:
            if model.__tablename__ not in names:
                continue
            if session.execute(text(f"SELECT 1 FROM {model.__tablename__} LIMIT 1")).first():  # noqa: S608 - table names are ours
                return False
    return True
