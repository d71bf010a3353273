"""`zhizao db upgrade | current | export --out FILE | import FILE`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from assessment.cli.output import fail
from assessment.errors import InvalidInput
from assessment.storage.db import (
    Database,
    database_url,
    head_revision,
    is_empty,
    make_engine,
    upgrade,
)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy URL (default: $DATABASE_URL, else sqlite:///data/zhizao.sqlite)",
    )


def shown_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def open_from_args(args: argparse.Namespace) -> Database:
    """The database of the command line, upgraded to the newest schema (as the app does)."""
    engine = make_engine(args.database_url or database_url())
    upgrade(engine)
    return Database(engine)


def register(sub: Any) -> None:
    cmd = sub.add_parser("db", help="database: upgrade, export, import")
    actions = cmd.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    up = actions.add_parser("upgrade", help="create or upgrade the schema to the newest revision")
    add_database_option(up)
    up.set_defaults(handler=_upgrade)

    current = actions.add_parser("current", help="show the schema revision")
    add_database_option(current)
    current.set_defaults(handler=_current)

    export = actions.add_parser("export", help="write every table (and evidence files) to JSON")
    add_database_option(export)
    export.add_argument("--out", type=Path, required=True, metavar="FILE.json")
    export.set_defaults(handler=_export)

    restore = actions.add_parser("import", help="restore an export into an EMPTY database")
    add_database_option(restore)
    restore.add_argument("file", type=Path, metavar="FILE.json")
    restore.set_defaults(handler=_import)


def _upgrade(args: argparse.Namespace) -> int:
    url = args.database_url or database_url()
    engine = make_engine(url)
    before, after = upgrade(engine)
    engine.dispose()
    if before == after:
        print(f"{shown_url(url)}: schema at revision {after} (newest); nothing to do")
    else:
        print(f"{shown_url(url)}: schema upgraded from {before or '(empty)'} to {after}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from assessment.storage.db import current_revision  # noqa: PLC0415

    url = args.database_url or database_url()
    engine = make_engine(url)
    revision = current_revision(engine)
    engine.dispose()
    head = head_revision()
    state = "newest" if revision == head else f"newest is {head}; run `zhizao db upgrade`"
    print(f"{shown_url(url)}: schema revision {revision or '(empty)'} ({state})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from assessment.storage.transfer import write_export  # noqa: PLC0415

    db = open_from_args(args)
    counts = write_export(db, args.out)
    db.dispose()
    total = sum(counts.values())
    detail = ", ".join(f"{name} {n}" for name, n in counts.items() if n)
    print(f"exported {total} row(s) to {args.out}: {detail}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from assessment.storage.transfer import import_database, read_export  # noqa: PLC0415

    if not args.file.exists():
        return fail(f"{args.file}: no such file")
    db = open_from_args(args)
    try:
        if not is_empty(db):
            return fail(
                f"{shown_url(str(db.engine.url))} is not empty; `zhizao db import` restores only "
                "into an empty database — nothing was imported"
            )
        counts = import_database(db, read_export(args.file))
    except InvalidInput as exc:
        return fail("\n".join(str(p) for p in exc.problems))
    finally:
        db.dispose()
    total = sum(counts.values())
    print(f"imported {total} row(s) from {args.file}")
    return 0
