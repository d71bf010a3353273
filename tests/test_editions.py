"""A new edition of a standard, and values administrators set, on SQLite and PostgreSQL.

Stored submissions keep the snapshot (and the result) they were made against; a draft moves to the
current edition only when asked, keeping its answers, and is told which items to re-read. An
administrator fills a NOT FOUND value (the future-factory investment floor) without editing YAML;
new submissions are created against the standard with the value in, old ones are untouched.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_support import PREVIOUS_FF, previous_ff_edition
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import World
from sqlalchemy import select

from assessment import submissions
from assessment.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from assessment.library import configured
from assessment.storage.tables import AuditEntry
from standards import Library, bundled_library, load_library, sha256_of
from standards.editions import items_to_reread

FF = "zj-future-factory"
ANSWERS = {"FF-001": "C", "FF-002": "B", "FF-007": "D", "FF-094": "B"}


def previous_library(tmp_path: Path) -> Library:
    """The bundled library as it was: the 2025-trial future-factory file in place of r2."""
    folder = tmp_path / "library"
    folder.mkdir()
    library_dir = Path(bundled_library().files[FF]).parent
    for path in library_dir.glob("*.yaml"):
        if path.name != "zj-future-factory-2025.yaml":
            (folder / path.name).write_bytes(path.read_bytes())
    (folder / "zj-future-factory-2025.yaml").write_bytes(PREVIOUS_FF.read_bytes())
    return load_library([folder])


def old_draft(w: World, tmp_path: Path) -> int:
    sub = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=FF, profile="sf", industry_type="discrete",
        library=previous_library(tmp_path), clock=w.clock,
    )  # fmt: skip
    assert sub.edition == "2025-trial"
    submissions.save_answers(
        w.ent_a, w.db, sub.id, expected_version=sub.version, answers=ANSWERS, clock=w.clock
    )
    return sub.id


def test_items_to_reread_follow_the_declared_changes() -> None:
    old, new = previous_ff_edition(), bundled_library().standard(FF)
    reread = items_to_reread(old, new)
    assert new.changes is not None
    assert reread == {c.item: c.options for c in new.changes.meaning_changed}
    assert reread["FF-007"] == ["A", "B", "C", "D", "E", "F"]
    assert reread["FF-094"] == ["A", "B", "C", "D"]
    assert "FF-029" not in reread  # every option of it kept its meaning
    assert items_to_reread(new, new) == {}
    # without a declaration every reworded option counts
    assert sum(map(len, items_to_reread(new, old).values())) == 490


def test_a_draft_moves_only_when_asked_and_keeps_its_answers(world: World, tmp_path: Path) -> None:
    w = world
    sid = old_draft(w, tmp_path)
    before = submissions.get_submission(w.ent_a, w.db, sid)
    status = submissions.edition_status(w.ent_a, w.db, sid)
    assert (status.current, status.edition, status.current_edition) == (
        False, "2025-trial", "2025-trial-r2",
    )  # fmt: skip
    assert status.summary is not None
    assert "选项描述" in status.summary.zh
    assert "FF-007" in status.reread
    # nothing changed by looking
    assert submissions.get_submission(w.ent_a, w.db, sid).standard_sha256 == before.standard_sha256

    moved = submissions.move_to_edition(w.ent_a, w.db, sid, expected_version=before.version,
                                     clock=w.clock)  # fmt: skip
    assert moved.edition == "2025-trial-r2"
    assert moved.standard_sha256 == sha256_of(bundled_library().standard(FF))
    assert moved.answers == ANSWERS
    assert moved.version == before.version + 1
    assert set(moved.reread_items) == set(status.reread)
    assert len(moved.reread_items) == 94
    assert submissions.edition_status(w.ent_a, w.db, sid).current
    with w.db.read() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "submission.move_edition")
        ).one()
    assert entry.before["edition"] == "2025-trial"
    assert entry.after["reread_items"] == sorted(status.reread)
    # a second move is refused: it is current
    with pytest.raises(InvalidInput, match="already on the current edition"):
        submissions.move_to_edition(w.ent_a, w.db, sid, expected_version=moved.version)


def test_a_submitted_assessment_keeps_its_edition(world: World, tmp_path: Path) -> None:
    w = world
    sid = old_draft(w, tmp_path)
    sub = submissions.get_submission(w.ent_a, w.db, sid)
    # another firm and an unassigned evaluator cannot even see it
    for stranger in (w.ent_b, w.eval_1):
        with pytest.raises(NotFound):
            submissions.move_to_edition(stranger, w.db, sid, expected_version=sub.version)
    # A stored result stays computed on its own snapshot.
    preview_before = submissions.preview(w.ent_a, w.db, sid)
    assert preview_before.receipt.standard_sha256 == sha256_of(previous_ff_edition())
    with w.db.write() as session:  # an approved-like state without walking the whole review
        from assessment.storage.tables import Submission  # noqa: PLC0415

        session.get(Submission, sid).status = "submitted"
    with pytest.raises(
        InvalidTransition, match="this is possible only when it is draft or returned"
    ):
        submissions.move_to_edition(w.ent_a, w.db, sid, expected_version=sub.version)
    assert submissions.get_submission(w.ent_a, w.db, sid).edition == "2025-trial"


INVESTMENT_FF = "gates.investment.thresholds.ff.default"


def test_an_administrator_sets_the_missing_investment_floor(world: World) -> None:
    w = world
    std = bundled_library().standard(FF)
    listed = {c.path: c for c in configured.list_configurable(w.admin, w.db) if c.standard_id == FF}
    assert INVESTMENT_FF in listed
    assert listed[INVESTMENT_FF].value is None
    assert listed[INVESTMENT_FF].sourced.explanation is not None  # the plain-words note for firms

    before = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=FF, profile="ff", industry_type="discrete",
        clock=w.clock,
    )  # fmt: skip
    assert before.standard_sha256 == sha256_of(std)

    with pytest.raises(PermissionDenied):
        configured.set_value(w.ent_a, w.db, standard_id=FF, path=INVESTMENT_FF, value=8000,
                             label="NEWS", source="x")  # fmt: skip
    with pytest.raises(InvalidInput, match="not a NOT FOUND value"):
        configured.set_value(w.admin, w.db, standard_id=FF, path="gates.investment.thresholds.sf.default",
                             value=1, label="OFFICIAL", source="x")  # fmt: skip
    with pytest.raises(InvalidInput, match="source"):
        configured.set_value(w.admin, w.db, standard_id=FF, path=INVESTMENT_FF, value=8000,
                             label="OFFICIAL", source="  ")  # fmt: skip
    with pytest.raises(InvalidInput, match="number ≥ 0"):
        configured.set_value(w.admin, w.db, standard_id=FF, path=INVESTMENT_FF,
                             value=float("nan"), label="OFFICIAL", source="notice")  # fmt: skip

    configured.set_value(
        w.admin, w.db, standard_id=FF, path=INVESTMENT_FF, value=9000, label="OFFICIAL",
        source="浙经信产数〔2026〕1号 (example)", clock=w.clock,
    )  # fmt: skip
    after = submissions.create_submission(
        w.ent_a, w.db, org_id=w.org_a, standard_id=FF, profile="ff", industry_type="discrete",
        clock=w.clock,
    )  # fmt: skip
    assert after.standard_sha256 != before.standard_sha256
    submissions.save_answers(w.ent_a, w.db, after.id, expected_version=after.version,
                          gates={"investment": 8500}, clock=w.clock)  # fmt: skip
    gate = next(
        g for g in submissions.preview(w.ent_a, w.db, after.id).gates if g.id == "investment"
    )
    assert gate.passed is False
    assert "9000" in gate.message
    # the earlier draft still has the open value, until it is moved
    old_gate = next(
        g for g in submissions.preview(w.ent_a, w.db, before.id).gates if g.id == "investment"
    )
    assert old_gate.passed is None
    status = submissions.edition_status(w.ent_a, w.db, before.id)
    assert not status.current
    assert status.reread == {}  # same edition, only the configured value differs

    configured.set_value(w.admin, w.db, standard_id=FF, path=INVESTMENT_FF, value=None,
                         label="OFFICIAL", source="", clock=w.clock)  # fmt: skip
    assert submissions.edition_status(w.ent_a, w.db, before.id).current
    with w.db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.like("configured_value.%"))))  # fmt: skip
    assert actions == ["configured_value.set", "configured_value.withdraw"]
