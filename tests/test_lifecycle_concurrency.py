"""Two writers on one submission: the second, based on a stale version, gets a conflict and
nothing is lost. Real threads, separate connections, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import World, build_world
from sqlalchemy import func, select, update

from assessment import submissions
from assessment.errors import Conflict
from assessment.storage.db import Database
from assessment.storage.tables import AuditEntry, Submission


def race(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released together; return each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[index] = job()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_writers_one_wins_the_other_gets_a_conflict(
    db_url: str, open_db: Callable[[str], Database]
) -> None:
    from lifecycle_support import FixedClock  # noqa: PLC0415

    setup = open_db(db_url)
    w = build_world(setup, FixedClock())
    sid = w.submission("draft")
    # Two people (two processes in real life: two engines, two connection pools).
    first, second = open_db(db_url), open_db(db_url)
    for _ in range(5):
        loaded = submissions.get_submission(w.ent_a, setup, sid)
        # each writer flips a different item, so every change is visible
        mine = {"mes-or-equivalent": not loaded.answers["mes-or-equivalent"]}
        theirs = {"vertical-integration": not loaded.answers["vertical-integration"]}
        got = race(
            lambda loaded=loaded, mine=mine: submissions.save_answers(
                w.ent_a, first, sid, expected_version=loaded.version, answers=mine
            ),
            lambda loaded=loaded, theirs=theirs: submissions.save_answers(
                w.ent_a, second, sid, expected_version=loaded.version, answers=theirs
            ),
        )
        conflicts = [g for g in got if isinstance(g, Conflict)]
        winners = [g for g in got if isinstance(g, submissions.SubmissionView)]
        assert len(winners) == 1, got
        assert len(conflicts) == 1, got
        assert "changed by someone else" in str(conflicts[0])
        won_first = winners[0] is got[0]
        winner_change, loser_change = (mine, theirs) if won_first else (theirs, mine)
        now = submissions.get_submission(w.ent_a, setup, sid)
        assert now.version == loaded.version + 1
        for key, value in winner_change.items():
            assert now.answers[key] == value
        # The loser's change was not half-applied …
        for key, value in loser_change.items():
            assert now.answers[key] == loaded.answers[key] != value
        # … and is not lost either: reloaded and re-applied, it goes through.
        again = submissions.save_answers(
            w.ent_a, second, sid, expected_version=now.version, answers=loser_change
        )
        for key, value in {**winner_change, **loser_change}.items():
            assert again.answers[key] == value
    with setup.read() as session:
        saves = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.submission_id == sid, AuditEntry.action == "answers.save")
        )
    assert saves == 1 + 5 * 2  # the world's own save, then a winner and a re-apply per round


def test_compare_and_set_blocks_then_fails_the_stale_writer(world: World, db_url: str) -> None:
    """Interleaved by hand: writer 1 holds its update uncommitted while writer 2 tries the same
    compare-and-set; writer 2 waits, then matches no row once writer 1 commits."""
    from assessment.storage.db import make_engine  # noqa: PLC0415

    w = world
    sid = w.submission("draft")
    expected = w.version(sid)
    other = Database(make_engine(db_url))
    started = threading.Event()
    outcome: dict[str, Any] = {}

    def cas(database: Database) -> int:
        with database.write() as session:
            return int(
                session.execute(
                    update(Submission)
                    .where(Submission.id == sid, Submission.version == expected)
                    .values(version=Submission.version + 1)
                ).rowcount  # type: ignore[attr-defined]
            )

    def second_writer() -> None:
        started.set()
        outcome["rows"] = cas(other)

    try:
        with w.db.write() as session:
            matched = session.execute(
                update(Submission)
                .where(Submission.id == sid, Submission.version == expected)
                .values(version=Submission.version + 1)
            ).rowcount  # type: ignore[attr-defined]
            assert matched == 1
            thread = threading.Thread(target=second_writer)
            thread.start()
            started.wait()
            thread.join(timeout=0.5)
            assert thread.is_alive(), "the second writer must wait for the first to finish"
        thread.join(timeout=30)
        assert outcome == {"rows": 0}
        assert w.version(sid) == expected + 1
    finally:
        other.dispose()
