"""The benchmark rows are a read model kept by the actions that change what they hold: a
submission's result (every transition), the firm's classification (region, industry, size) and
its activity data — each in the same transaction as the change, through `benchmark_store.refresh`.
Nothing waits for a page to rebuild them, and `stale()` notices rows that disagree with the firm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import World
from sqlalchemy import update

from assessment.accounts import organisations
from assessment.benchmark import store as benchmark_store
from assessment.storage.tables import BenchmarkFact, Organisation
from assessment.submissions import activity
from scoring.carbon import account, parse_activity
from standards import bundled_library

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = yaml.safe_load((ROOT / "examples" / "activity-discrete-2025.yaml").read_text("utf-8"))


def row(world: World, submission_id: int) -> dict[str, Any]:
    with world.db.read() as session:
        fact = session.get(BenchmarkFact, submission_id)
        assert fact is not None
        return {c.name: getattr(fact, c.name) for c in BenchmarkFact.__table__.columns}


def test_a_region_change_moves_every_row_of_the_firm(world: World) -> None:
    approved = world.submission("approved")
    submitted = world.submission("submitted")
    assert row(world, approved)["region_code"] == "330206"

    organisations.update_organisation(
        world.admin, world.db, world.org_a, region_code="330106", clock=world.clock
    )

    for sid in (approved, submitted):
        moved = row(world, sid)
        assert moved["region_code"] == "330106"
        assert moved["vector"] == benchmark_store.vector(moved)  # the packed copy moved too
    assert benchmark_store.stale(world.db) is False


def test_an_industry_and_size_change_move_the_rows(world: World) -> None:
    approved = world.submission("approved")
    organisations.update_organisation(
        world.admin, world.db, world.org_a, industry_code="3311", clock=world.clock
    )
    assert row(world, approved)["industry_code"] == "3311"
    organisations.update_organisation(
        world.admin, world.db, world.org_a, size_class="large", clock=world.clock
    )
    assert row(world, approved)["size_class"] == "large"


def test_a_name_change_leaves_the_rows_alone(world: World) -> None:
    approved = world.submission("approved")
    before = row(world, approved)
    organisations.update_organisation(world.ent_a, world.db, world.org_a, name="新名称有限公司")
    assert row(world, approved) == before


def test_saving_activity_data_moves_the_rows_carbon_figures(world: World) -> None:
    returned = world.submission("returned")
    assert row(world, returned)["carbon_l"] is None

    activity.save_activity(world.ent_a, world.db, returned, EXAMPLE, clock=world.clock)

    factors = bundled_library().factors
    assert factors is not None
    expected = account(parse_activity(dict(EXAMPLE)), factors).carbon_efficiency
    refreshed = row(world, returned)
    assert (refreshed["carbon_year"], refreshed["carbon_l"]) == (EXAMPLE["year"], expected.L)
    assert refreshed["vector"] == benchmark_store.vector(refreshed)

    halved = {**EXAMPLE, "value_added_10k_yuan": EXAMPLE["value_added_10k_yuan"] * 2}
    activity.save_activity(world.ent_a, world.db, returned, halved, clock=world.clock)
    assert row(world, returned)["carbon_l"] < expected.L


def test_stale_notices_rows_that_disagree_with_the_firm(world: World) -> None:
    world.submission("approved")
    assert benchmark_store.stale(world.db) is False
    with world.db.write() as session:  # a change made behind the services' back
        session.execute(
            update(Organisation).where(Organisation.id == world.org_a).values(region_code="330106")
        )
    assert benchmark_store.stale(world.db) is True
    benchmark_store.rebuild(world.db)
    assert benchmark_store.stale(world.db) is False
