"""Export → import round-trips a seeded database exactly, across SQLite and PostgreSQL, and
import refuses anything but an empty database."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, FixedClock, World, snapshot, valid_code

from assessment.accounts import organisations
from assessment.demo.seed import seed_demo
from assessment.errors import InvalidInput
from assessment.storage.db import Database
from assessment.storage.transfer import (
    canonical_dump,
    export_database,
    import_database,
    write_export,
)

COHORT = 25


@pytest.fixture
def seeded(db: Database) -> Database:
    seed_demo(db, cohort_size=COHORT, clock=FixedClock())
    return db


def test_round_trip_is_exact_on_both_backends(
    seeded: Database,
    fresh_url: Callable[[str], str],
    open_db: Callable[[str], Database],
    tmp_path: Path,
) -> None:
    source = canonical_dump(seeded)
    filled = {name for name, rows in source.items() if rows}
    assert filled >= {
        "organisations", "users", "standard_snapshots", "submissions", "answers",
        "evidence_blobs", "evidence_files", "reviews", "item_decisions", "comments", "audit_log",
    }  # fmt: skip
    path = tmp_path / "export.json"
    written = write_export(seeded, path)
    assert written == {name: len(rows) for name, rows in source.items()}
    data = json.loads(path.read_text(encoding="utf-8"))
    blob = data["tables"]["evidence_blobs"][0]["data"]["$base64"]
    assert base64.b64decode(blob).startswith(b"%PDF-")

    for backend in ("sqlite", "postgresql"):
        target = open_db(fresh_url(backend))
        counts = import_database(target, data)
        assert counts == written
        assert canonical_dump(target) == source, f"import into {backend} differs"
        assert export_database(target) == export_database(seeded)
        # ids continue after the imported ones (PostgreSQL sequences were moved on)
        org = organisations.create_organisation(
            OPERATOR, target, name="after import", credit_code=valid_code("91330106MA2KQ1234"),
            industry_code="34", region_code="330106",
        )  # fmt: skip
        assert org.id == max(r["id"] for r in source["organisations"]) + 1


def test_import_refuses_a_database_with_data(world: World) -> None:
    data = export_database(world.db)
    before = snapshot(world.db)
    with pytest.raises(InvalidInput, match=r"not empty.*nothing was imported"):
        import_database(world.db, data)
    assert snapshot(world.db) == before


def test_a_damaged_export_is_refused_whole(
    seeded: Database, fresh_url: Callable[[str], str], open_db: Callable[[str], Database]
) -> None:
    good = export_database(seeded)
    target = open_db(fresh_url("sqlite"))

    def refused(data: Any, message: str) -> None:
        with pytest.raises(InvalidInput, match=message):
            import_database(target, data)
        assert all(not rows for rows in canonical_dump(target).values())

    tampered = copy.deepcopy(good)
    blob = tampered["tables"]["evidence_blobs"][0]
    blob["data"]["$base64"] = base64.b64encode(b"%PDF-1.4 something else").decode()
    refused(tampered, "evidence bytes do not match their SHA-256")

    late = copy.deepcopy(good)
    late["tables"]["audit_log"][-1]["at"] = "yesterday"
    refused(late, r"tables\.audit_log\[\d+\]\.at: cannot read")

    extra = copy.deepcopy(good)
    extra["tables"]["passwords"] = []
    refused(extra, "tables.passwords: unknown table")

    other = dict(good, schema_revision="9999")
    refused(other, "schema revision '9999'")
    refused({"hello": 1}, "not a zhizao export")
