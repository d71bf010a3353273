"""The schema: migrations agree with the models, upgrades run on empty and older databases, SQLite
runs with WAL and foreign keys, and the audit log cannot be changed — not even with raw SQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import World
from sqlalchemy import delete, exc, inspect, select, text, update

from assessment.accounts.audit import AuditTampering
from assessment.storage.db import (
    Database,
    _alembic_config,
    current_revision,
    head_revision,
    is_empty,
    make_engine,
    open_database,
)
from assessment.storage.tables import TABLE_ORDER, AuditEntry, Base, Organisation


def test_migrations_produce_exactly_the_models(db: Database) -> None:
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
    assert current_revision(db.engine) == head_revision()


def test_an_empty_database_is_upgraded_on_open(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'new.sqlite'}"
    db = open_database(url)
    try:
        assert current_revision(db.engine) == head_revision()
        tables = set(inspect(db.engine).get_table_names())
        assert {m.__tablename__ for m in TABLE_ORDER} <= tables
        assert is_empty(db)
    finally:
        db.dispose()


def test_an_older_database_is_upgraded_on_open(
    db_url: str, open_db: Callable[[str], Database]
) -> None:
    """Down to an empty schema (revision base) and back up, as the app does on start."""
    engine = make_engine(db_url)
    with engine.begin() as conn:
        command.downgrade(_alembic_config(conn), "base")
    assert current_revision(engine) is None
    assert "submissions" not in inspect(engine).get_table_names()
    engine.dispose()
    db = open_database(db_url)
    try:
        assert current_revision(db.engine) == head_revision()
        assert "audit_log" in inspect(db.engine).get_table_names()
        # running it again is a no-op
        db2 = open_database(db_url)
        assert current_revision(db2.engine) == head_revision()
        db2.dispose()
    finally:
        db.dispose()


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(
    fresh_url: Callable[[str], str],
) -> None:
    db = Database(make_engine(fresh_url("sqlite")))
    try:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 5000
    finally:
        db.dispose()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(exc.IntegrityError), db.write() as session:
        session.execute(
            text(
                "INSERT INTO answers (submission_id, kind, key, value, updated_at) "
                "VALUES (4242, 'item', 'x', '1', :at)"
            ),
            {"at": datetime(2026, 1, 1)},
        )


def test_timestamps_come_back_as_utc(db: Database, world: World) -> None:
    with db.read() as session:
        org = session.scalars(select(Organisation)).first()
        assert org is not None
        assert org.created_at.tzinfo is UTC
    shanghai = timezone(timedelta(hours=8))
    with db.write() as session:
        org = session.get(Organisation, world.org_a)
        assert org is not None
        org.created_at = datetime(2026, 5, 1, 16, 30, tzinfo=shanghai)
    with db.read() as session:
        org = session.get(Organisation, world.org_a)
        assert org is not None
        assert org.created_at == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)

    def store_naive() -> None:
        with db.write() as session:
            org = session.get(Organisation, world.org_a)
            assert org is not None
            org.created_at = datetime(2026, 5, 1)  # the point of the test: no time zone

    with pytest.raises(exc.StatementError, match="naive datetime"):
        store_naive()


def test_the_audit_log_is_append_only(world: World) -> None:
    db = world.db
    world.submission("approved")
    with db.read() as session:
        before = [(e.id, e.action, e.after) for e in session.scalars(select(AuditEntry))]
    assert len(before) > 5
    first_id = before[0][0]

    # through the ORM …
    def edit() -> None:
        with db.write() as session:
            entry = session.get(AuditEntry, first_id)
            assert entry is not None
            entry.action = "nothing.happened"

    def remove() -> None:
        with db.write() as session:
            session.delete(session.get(AuditEntry, first_id))

    with pytest.raises(AuditTampering):
        edit()
    with pytest.raises(AuditTampering):
        remove()
    with pytest.raises(AuditTampering), db.write() as session:
        session.execute(update(AuditEntry).values(actor="someone else"))
    with pytest.raises(AuditTampering), db.write() as session:
        session.execute(delete(AuditEntry))
    # … and with raw SQL, past the ORM: the database's own triggers refuse
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        f"DELETE FROM audit_log WHERE id = {first_id}",  # noqa: S608 - a constant id
        *(["TRUNCATE audit_log"] if db.dialect == "postgresql" else []),
    ):
        with pytest.raises(exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(statement))

    with db.read() as session:
        after = [(e.id, e.action, e.after) for e in session.scalars(select(AuditEntry))]
    assert after == before
