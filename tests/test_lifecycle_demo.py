"""Demo data: every state, one account per role that can log in, results from the real engine,
and a reproducible synthetic cohort that is marked as such."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import FixedClock
from sqlalchemy import select

from assessment import submissions
from assessment.accounts import identity
from assessment.accounts.principal import Principal
from assessment.demo.seed import SYNTHETIC_PREFIX, plausible_answers, seed_demo, synthetic_cohort
from assessment.storage.db import Database
from assessment.storage.tables import STATES, BenchmarkFact, Submission
from assessment.storage.transfer import canonical_dump
from scoring import parse_answers, score
from standards import bundled_library


def test_demo_has_every_state_and_working_accounts(db: Database) -> None:
    report = seed_demo(db, cohort_size=10, clock=FixedClock())
    assert report.submissions == dict.fromkeys(STATES, 1)
    assert {a.role for a in report.accounts} == {"administrator", "evaluator", "enterprise"}
    for account in report.accounts:
        who = identity.authenticate(db, account.email, account.password)
        assert who.role.value == account.role
    admin = Principal.system("test")
    # the approved result is what the engine makes of the evaluated answers
    (approved,) = submissions.list_submissions(admin, db, status="approved")
    view = submissions.get_submission(admin, db, approved.id)
    assert view.final_result is not None
    assert view.self_result is not None
    library = bundled_library()
    standard = library.standard(view.standard_id)
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    with db.read() as session:
        sub = session.get(Submission, view.id)
        assert sub is not None
        final_answers = sub.final_answers
    assert final_answers is not None
    again = score(standard, parse_answers(final_answers, standard, scales), scales)
    assert again.to_dict() == view.final_result
    assert view.final_result["total"] < view.self_result["total"]  # one item adjusted down


def test_the_cohort_is_synthetic_marked_and_reproducible(
    fresh_url: Callable[[str], str], open_db: Callable[[str], Database]
) -> None:
    dumps = []
    for backend in ("sqlite", "sqlite"):
        db = open_db(fresh_url(backend))
        assert synthetic_cohort(db, 40, seed=7, clock=FixedClock()) == 40
        dumps.append(canonical_dump(db))
        with db.read() as session:
            rows = session.scalars(
                select(BenchmarkFact).where(BenchmarkFact.standard_id == "zj-future-factory")
            ).all()
        assert len(rows) == 40
        assert all(r.synthetic for r in rows)
        assert len({r.tier for r in rows}) > 1  # a spread, not 40 copies
        listed = dumps[-1]["organisations"]
        assert all(o["synthetic"] and o["name"].startswith(SYNTHETIC_PREFIX) for o in listed)
        # hidden from ordinary listings
        assert submissions.list_submissions(Principal.system("t"), db) == []
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize(
    "standard_id",
    ["zj-future-factory", "gbt36132-2025", "gbt36132-2018", "gbt37393-2019", "gbt39116-2020"],
)
def test_plausible_answers_are_complete_for_every_profile(standard_id: str) -> None:
    library = bundled_library()
    standard = library.standard(standard_id)
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    rng = random.Random(1)  # noqa: S311 - test data
    for profile in standard.profiles:
        for kind in ("discrete", "process"):
            doc = plausible_answers(standard, scales, profile.id, kind, rng, rng.random())
            result = score(standard, parse_answers(doc, standard, scales), scales)
            assert result.complete, (standard_id, profile.id, result.missing[:5])
