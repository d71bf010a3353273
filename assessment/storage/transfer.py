"""Complete export to JSON, and import into an empty database (SQLite ↔ PostgreSQL either way).

The export holds every row of every table, ordered by primary key, with timestamps as ISO 8601 UTC
text and binary columns (evidence blobs) as base64. The same database always exports to the same
bytes, so two exports can be compared directly; `canonical_dump()` is that comparison's input.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import LargeBinary, Table, func, insert, select, text
from sqlalchemy.orm import Session

from assessment.errors import InvalidInput
from assessment.storage.db import Database, current_revision, head_revision
from assessment.storage.tables import TABLE_ORDER, Base, UTCDateTime
from standards import DocumentError
from standards.problems import Loc, Problem
from standards.yamlsafe import parse_json

FORMAT = "zhizao-export"
FORMAT_VERSION = 1
_B64 = "$base64"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {_B64: base64.b64encode(bytes(value)).decode("ascii")}
    return value


def _table_rows(session: Session, model: type[Base]) -> list[dict[str, Any]]:
    table = cast(Table, model.__table__)
    columns = list(table.columns)
    key = list(table.primary_key.columns)
    rows = session.execute(select(*columns).order_by(*key)).all()
    return [{c.name: _encode(v) for c, v in zip(columns, row, strict=True)} for row in rows]


def canonical_dump(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in a backend-independent form."""
    with db.read() as session:
        return {m.__tablename__: _table_rows(session, m) for m in TABLE_ORDER}


def export_database(db: Database) -> dict[str, Any]:
    tables = canonical_dump(db)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": current_revision(db.engine),
        "counts": {name: len(rows) for name, rows in tables.items()},
        "tables": tables,
    }


def write_export(db: Database, path: Path) -> dict[str, int]:
    data = export_database(db)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, sort_keys=True, indent=1)
        handle.write("\n")
    tmp.replace(path)
    return dict(data["counts"])


def _decode_rows(model: type[Base], rows: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    table = cast(Table, model.__table__)
    name = table.name
    if not isinstance(rows, list):
        problems.append(Problem(("tables", name), "transfer.not_a_list"))
        return []
    columns = {c.name: c for c in table.columns}
    decoded = []
    for index, row in enumerate(rows):
        where: Loc = ("tables", name, index)
        if not isinstance(row, dict):
            problems.append(Problem(where, "transfer.not_an_object"))
            continue
        unknown = sorted(set(row) - set(columns))
        if unknown:
            problems.append(Problem(where, "transfer.unknown_columns", {"columns": unknown}))
            continue
        out: dict[str, Any] = {}
        for key, value in row.items():
            column_type = columns[key].type
            try:
                if value is None:
                    out[key] = None
                elif isinstance(column_type, UTCDateTime):
                    out[key] = datetime.fromisoformat(value)
                elif isinstance(column_type, LargeBinary):
                    out[key] = base64.b64decode(value[_B64], validate=True)
                else:
                    out[key] = value
            except (TypeError, ValueError, KeyError) as exc:
                problems.append(
                    Problem(
                        (*where, key), "transfer.unreadable", {"value": value, "detail": str(exc)}
                    )
                )
        if (
            name == "evidence_blobs"
            and "data" in out
            and hashlib.sha256(out["data"]).hexdigest() != out.get("sha256")
        ):
            problems.append(Problem(where, "transfer.blob_altered"))
        decoded.append(out)
    return decoded


def import_database(db: Database, data: Any) -> dict[str, int]:
    """Restore an export into an EMPTY database at the same schema revision; all or nothing."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(Problem((), "transfer.not_an_export", {"format": FORMAT}))
    if data.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(
            Problem(
                (), "transfer.format_version",
                {"given": data.get("format_version"), "version": FORMAT_VERSION},
            )
        )  # fmt: skip
    here = current_revision(db.engine)
    if data.get("schema_revision") != here:
        raise InvalidInput(
            Problem(
                (), "transfer.schema_revision",
                {"given": data.get("schema_revision"), "here": here, "head": head_revision()},
            )
        )  # fmt: skip
    tables = data.get("tables")
    if not isinstance(tables, dict):
        raise InvalidInput(Problem((), "transfer.no_tables"))
    known = {m.__tablename__ for m in TABLE_ORDER}
    problems = [
        Problem(("tables", n), "transfer.unknown_table") for n in sorted(set(tables) - known)
    ]
    decoded = {
        m.__tablename__: _decode_rows(m, tables.get(m.__tablename__, []), problems)
        for m in TABLE_ORDER
    }
    if problems:
        raise InvalidInput(problems[:50])
    counts: dict[str, int] = {}
    with db.write() as session:
        for model in TABLE_ORDER:
            name = model.__tablename__
            existing = session.scalar(select(func.count()).select_from(model.__table__))
            if existing:
                raise InvalidInput(
                    Problem((), "transfer.not_empty", {"rows": existing, "table": name})
                )
        for model in TABLE_ORDER:
            rows = decoded[model.__tablename__]
            if rows:
                session.execute(insert(cast(Table, model.__table__)), rows)
            counts[model.__tablename__] = len(rows)
        if db.dialect == "postgresql":
            _reset_sequences(session)
    return counts


def _reset_sequences(session: Session) -> None:
    """After inserting explicit ids, let PostgreSQL's serial sequences continue after them."""
    for model in TABLE_ORDER:
        table = cast(Table, model.__table__)
        if "id" not in table.columns:
            continue
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608 - our table names
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            )
        )


def read_export(path: Path) -> Any:
    try:
        return parse_json(path.read_text(encoding="utf-8"), str(path))
    except DocumentError as exc:
        raise InvalidInput(exc.issues) from None  # each placed at its file, line and column
