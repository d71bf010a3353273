"""The benchmark in the shell: rows that follow submissions through the workflow, a rebuild that
reproduces them, populations read from SQLite and PostgreSQL exactly as the core would build
them, who may see which cohort, the synthetic demo cohort and `zhizao benchmark`."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import OPERATOR, FixedClock, World
from sqlalchemy import delete, select

from assessment import submissions
from assessment.benchmark import store as benchmark_store
from assessment.benchmark.service import (
    Query,
    cohort_benchmark,
    csv_text,
    firm_benchmark,
    lattice,
    report_block,
)
from assessment.cli.main import main
from assessment.demo.seed import plausible_answers, synthetic_cohort
from assessment.errors import InvalidInput, NotFound, PermissionDenied
from assessment.storage.db import Database, make_engine
from assessment.storage.tables import BenchmarkFact, Organisation, Submission, SubmissionActivity
from scoring import parse_answers, score, score_summary
from scoring.benchmark import Cohort, Metric, Population, compute, size_class
from scoring.carbon import account, parse_activity
from standards import bundled_library

LIBRARY = bundled_library()


def facts(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.scalars(select(BenchmarkFact).order_by(BenchmarkFact.submission_id))
        return [{c.name: getattr(r, c.name) for c in BenchmarkFact.__table__.columns} for r in rows]


def counted(db: Database) -> dict[int, str]:
    return {r["submission_id"]: r["basis"] for r in facts(db) if r["counted"]}


# --- rows follow the workflow ------------------------------------------------------------------


def test_the_row_follows_the_submission_through_the_workflow(world: World) -> None:
    db = world.db
    draft = world.submission("draft")
    assert facts(db) == []
    submitted = world.submission("submitted")
    (row,) = facts(db)
    assert (row["submission_id"], row["basis"], row["counted"]) == (submitted, "self", True)
    assert (row["industry_code"], row["region_code"], row["size_class"]) == (
        "36",
        "330206",
        "medium",
    )
    assert row["year"] == 2026
    assert row["domain_ids"] == "digitalisation,network,systems,integration,safety"

    approved = world.submission("approved")
    assert counted(db) == {approved: "approved"}  # an approved result outranks a self-assessment
    assert {r["submission_id"] for r in facts(db)} == {submitted, approved}

    newer = world.submission("approved")
    assert counted(db) == {newer: "approved"}  # one row per firm and year: the newest result
    submissions.revoke(
        world.admin, db, newer, reason="false data", expected_version=world.version(newer),
        clock=world.clock,
    )  # fmt: skip
    assert counted(db) == {approved: "approved"}
    assert newer not in {r["submission_id"] for r in facts(db)}

    world.submission("rejected")
    returned = world.submission("returned")
    assert returned in {r["submission_id"] for r in facts(db)}  # its self-assessment stands
    assert draft not in {r["submission_id"] for r in facts(db)}
    assert not benchmark_store.stale(db)


def test_a_rebuild_reproduces_the_rows_and_heals_a_database_without_them(world: World) -> None:
    db = world.db
    for state in ("submitted", "approved", "returned", "revoked", "approved"):
        world.submission(state)
    world.submission("approved", org="b")
    before = facts(db)
    assert len(before) == 5  # two self-assessments, three approved results
    assert benchmark_store.rebuild(db) == 5
    assert facts(db) == before
    with db.write() as session:  # e.g. an import from an export written before the table existed
        session.execute(delete(BenchmarkFact))
    assert benchmark_store.stale(db)
    assert benchmark_store.ensure(db) == 5
    assert facts(db) == before
    assert benchmark_store.ensure(db) is None


# --- populations from the database -----------------------------------------------------------


@pytest.fixture
def cohort_db(db: Database) -> Database:
    synthetic_cohort(db, 80, seed=11, clock=FixedClock(datetime(2026, 9, 1, tzinfo=UTC)), years=3)
    return db


def test_the_population_read_in_bulk_is_what_the_rows_say(cohort_db: Database) -> None:
    lat = lattice()
    with cohort_db.read() as session:
        pop = benchmark_store.load_population(
            session, lat, "zj-future-factory", "2025-trial-r2", 2026, Metric.PERCENT
        )
        rows = session.scalars(
            select(BenchmarkFact)
            .where(BenchmarkFact.year == 2026, BenchmarkFact.counted.is_(True))
            .order_by(BenchmarkFact.submission_id)
        ).all()
    assert pop.n == len(rows) > 40
    ids = tuple(rows[0].domain_ids.split(","))
    expected = Population.of(
        lat,
        [
            {
                "firm": r.organisation_id, "industry": r.industry_code, "region": r.region_code,
                "size": r.size_class, "self_assessed": r.basis == "self", "synthetic": r.synthetic,
                "metric": r.percent, "tier_rank": r.tier_rank, "L": r.carbon_l, "tco2": r.tco2,
                "value_added": r.value_added,
                "domains": dict(zip(ids, np.frombuffer(r.domain_values, "<f8").tolist(), strict=True)),
            }
            for r in rows
        ],
        ids,
    )  # fmt: skip
    assert pop.domain_ids == expected.domain_ids
    for name in ("firm", "industry", "region", "size", "self_assessed", "synthetic"):
        assert np.array_equal(getattr(pop, name), getattr(expected, name)), name
    for name in ("metric", "tier_rank", "domains", "L", "tco2", "value_added"):
        assert np.array_equal(getattr(pop, name), getattr(expected, name), equal_nan=True), name
    args: dict[str, Any] = {
        "lattice": lat, "cohort": Cohort(), "standard": "s", "edition": "e", "year": 2026,
        "metric": Metric.PERCENT, "firm": int(rows[0].organisation_id),
    }  # fmt: skip
    assert (
        compute(population=pop, **args).to_dict() == compute(population=expected, **args).to_dict()
    )


def test_the_synthetic_cohort_spans_years_sizes_and_carbon(cohort_db: Database) -> None:
    rule = LIBRARY.classifications.size_rule("industry")  # type: ignore[union-attr]
    factors = LIBRARY.factors
    assert factors is not None
    with cohort_db.read() as session:
        orgs = session.scalars(select(Organisation)).all()
        subs = session.scalars(select(Submission)).all()
        activities = {a.submission_id: a for a in session.scalars(select(SubmissionActivity))}
        rows = {r.submission_id: r for r in session.scalars(select(BenchmarkFact))}
    assert len(orgs) == 80
    assert all(o.synthetic and o.name.endswith("(synthetic)") for o in orgs)
    for org in orgs:
        assert size_class(org.employees or 0, org.revenue_wan or 0.0, rule) == org.size_class
    assert {o.size_class for o in orgs} >= {"medium", "small"}
    assert len({o.region_code[:4] for o in orgs}) >= 6
    per_firm: dict[int, set[int]] = {}
    for sub in subs:
        row = rows[sub.id]
        assert sub.synthetic
        assert sub.status == "approved"
        assert row.year == benchmark_store.decision_year(sub.decided_at)  # type: ignore[arg-type]
        per_firm.setdefault(sub.organisation_id, set()).add(row.year)
        data = activities[sub.id].data
        assert data["year"] == row.year - 1
        carbon = account(parse_activity(data), factors)
        assert row.carbon_l == carbon.carbon_efficiency.L
        assert 0.02 < carbon.carbon_efficiency.L < 20
    assert {y for years in per_firm.values() for y in years} == {2024, 2025, 2026}
    assert sum(len(y) > 1 for y in per_firm.values()) > len(per_firm) / 2


def test_summary_nodes_are_the_full_results_nodes() -> None:
    standard = LIBRARY.standard("zj-future-factory")
    scales = {s.id: s for s in LIBRARY.scales.scales} if LIBRARY.scales else {}
    doc = plausible_answers(standard, scales, "sf", "discrete", random.Random(5), 0.6)  # noqa: S311
    answers = parse_answers(doc, standard, scales)
    full = score(standard, answers, scales)
    summary = score_summary(standard, answers, scales, nodes=True)
    assert summary["tier_rank"] == full.tier_rank
    assert summary["nodes"] == [
        {"id": n.id, "level": n.level, "points": n.points, "max_points": n.max_points,
         "percent": n.percent}
        for n in full.nodes
        if n.level in ("element", "domain")
    ]  # fmt: skip
    assert "nodes" not in score_summary(standard, answers, scales)


# --- who sees what -----------------------------------------------------------------------------


def test_a_firm_compares_itself_only_with_cohorts_it_belongs_to(world: World) -> None:
    db = world.db
    world.submission("approved")
    synthetic_cohort(db, 30, seed=3, clock=world.clock, standard_id="gbt37393-2019")
    own = firm_benchmark(world.ent_a, db, world.org_a, Query(industry="36"))
    assert own.standard == "gbt37393-2019"
    assert own.total.firm is not None
    with pytest.raises(PermissionDenied, match="cohorts it belongs to"):
        firm_benchmark(world.ent_a, db, world.org_a, Query(industry="38"))
    with pytest.raises(PermissionDenied, match="cohorts it belongs to"):
        firm_benchmark(world.ent_a, db, world.org_a, Query(region="330100"))
    with pytest.raises(NotFound):
        firm_benchmark(world.ent_a, db, world.org_b, Query())
    with pytest.raises(NotFound):  # an evaluator sees only the firms assigned to them
        firm_benchmark(world.eval_2, db, world.org_a, Query())
    # the provincial view is for administrators
    for actor in (world.ent_a, world.eval_1):
        with pytest.raises(PermissionDenied):
            cohort_benchmark(actor, db, Query(region="330000"))
    assert cohort_benchmark(world.admin, db, Query(region="330000")).total.firm is None
    with pytest.raises(InvalidInput, match="names no cohort level"):
        firm_benchmark(world.admin, db, world.org_a, Query(industry="3670"))


def test_nothing_to_compare_says_so(db: Database) -> None:
    with pytest.raises(NotFound, match="no results to compare"):
        cohort_benchmark(OPERATOR, db, Query(standard="gbt39116-2020"))


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture
def cli_db(fresh_url: Callable[[str], str], open_db: Callable[[str], Database]) -> str:
    url = fresh_url("sqlite")
    synthetic_cohort(
        open_db(url), 150, seed=9, clock=FixedClock(datetime(2026, 9, 1, tzinfo=UTC)), years=3
    )
    return url


def zhizao(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_figures_as_json(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = zhizao(capsys, "benchmark", "--database-url", cli_db, "--org", "7", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["suppressed"] is False
    assert data["cohort_size"] > 100
    assert 0 <= data["percentile"] <= 100
    assert set(data["quartiles"]) == {"p25", "median", "p75"}
    assert len(data["domains"]) == 14
    assert {"id", "n", "percentile", "quartiles", "spread", "suppressed"} <= set(data["domains"][0])
    assert data["synthetic"] == data["cohort_size"]
    assert data["carbon"]["quartiles"] is not None
    assert data["as_of"].endswith("T00:00:00+08:00")  # the last refresh point, midnight China time


def smallest_cell(url: str) -> tuple[int, str, str, str]:
    """A firm of the rarest county × size cell, and its division, county and size class."""
    db = Database(make_engine(url))
    try:
        with db.read() as session:
            orgs = session.scalars(select(Organisation)).all()
    finally:
        db.dispose()
    cells: dict[tuple[str, str], list[Organisation]] = {}
    for org in orgs:
        cells.setdefault((org.region_code, org.size_class or ""), []).append(org)
    (region, size), members = min(cells.items(), key=lambda kv: (len(kv[1]), kv[0]))
    return members[0].id, members[0].industry_code[:2], region, size


def test_cli_explains_a_suppressed_cohort_and_suggests_a_wider_one(
    cli_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    org, industry, region, size = smallest_cell(cli_db)
    flags = ["--industry", industry, "--region", region, "--size", size]
    code, out, _ = zhizao(capsys, "benchmark", "--database-url", cli_db, "--org", str(org), *flags)
    assert code == 0
    assert "suppressed (too_small)" in out
    assert "China time (refreshed daily at midnight)" in out  # the refresh point, shown
    assert "fewer than 5 firms" in out
    assert "suggested wider cohort" in out
    code, out, _ = zhizao(
        capsys, "benchmark", "--database-url", cli_db, "--org", str(org), "--json", *flags
    )
    data = json.loads(out)
    assert data["suppressed"] is True
    assert data["reason"] == "too_small"
    assert data["cohort_size"] is None
    assert data["quartiles"] is None
    assert data["domains"] == []
    wider = data["suggestion"]
    assert wider is not None
    code, out, _ = zhizao(
        capsys, "benchmark", "--database-url", cli_db, "--org", str(org), "--json",
        *[arg for key in ("industry", "region", "size") if wider[key]
          for arg in (f"--{key}", wider[key])],
    )  # fmt: skip
    assert json.loads(out)["suppressed"] is False


def test_cli_csv_and_bad_filters(cli_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = zhizao(capsys, "benchmark", "--database-url", cli_db, "--csv")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("# zhizao benchmark · zj-future-factory 2025-trial-r2 · 2026")
    assert "synthetic demo data" in lines[0]
    assert lines[1] == "figure,name,n,suppressed,reason,firm,percentile,min,p25,median,p75,max,iqr"
    code, _, err = zhizao(capsys, "benchmark", "--database-url", cli_db, "--industry", "3670")
    assert code == 1
    assert "names no cohort level" in err
    code, out, _ = zhizao(capsys, "benchmark", "--database-url", cli_db, "--rebuild")
    assert code == 0
    assert out.startswith("benchmark rows rebuilt: ")


def test_csv_text_holds_aggregates_only(cohort_db: Database) -> None:
    result = cohort_benchmark(OPERATOR, cohort_db, Query())
    rows = list(csv.DictReader(csv_text(result, "en").splitlines()[1:]))
    assert [r["figure"] for r in rows] == ["total", *[f"D{i:02d}" for i in range(1, 15)], "L"]
    total = rows[0]
    assert total["n"] == str(result.cohort_size)
    assert total["firm"] == total["percentile"] == ""  # no firm in the provincial view
    assert float(total["median"]) == round(result.total.distribution.median, 4)


def test_report_block_for_the_assessment_report(cohort_db: Database) -> None:
    shown = cohort_benchmark(OPERATOR, cohort_db, Query())
    block = report_block(shown, "en")
    assert block["rows"][0] == ["对标群体企业数 Firms in cohort", str(shown.cohort_size)]
    assert "synthetic" in block["note"]
    hidden = cohort_benchmark(OPERATOR, cohort_db, Query(region="330206", size="large"))
    assert hidden.suppressed
    assert report_block(hidden, "en")["rows"] == []
