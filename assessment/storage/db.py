"""Engines, transactions and schema upgrades.

The embedded default is a SQLite file under `data/` (WAL, foreign keys on, busy timeout); set
`DATABASE_URL` (e.g. `postgresql+psycopg://user:pw@host:5432/zhizao`) to scale out. The schema is
owned by Alembic migrations in assessment/storage/migrations/: `open_database()` — what the app and the CLI
call — brings an empty or older database up to the newest revision first.

Every service call runs in one short transaction: `db.read()` or `db.write()`. On SQLite a write
transaction starts with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead of failing
half-way with "database is locked"; the compare-and-set on `submissions.version` then decides which
of them was based on stale data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_DATA_DIR = "data"
SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000")
_WRITE = "zhizao_write"


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


def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin (the documented
    # recipe for SAVEPOINT and transactional DDL), then apply the pragmas outside any transaction.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    write = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(url: str | None = None) -> Engine:
    """One engine per process and database URL."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 10})
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
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
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One atomic unit of work: commits when the block ends, rolls back on any exception."""
        bind = self.engine.execution_options(**{_WRITE: True})
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

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
    with engine.begin() as conn:
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
