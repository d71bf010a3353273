"""The CMMM (GB/T 39116-2020) level and maturity score agree with the score bands a third party
states (一级 0.8–1.8 … 五级 4.8–5, cmmm.md §5a), at and around every edge.

The bands follow from the UNVERIFIED pass rule (a level counts at a weighted score ≥ 0.8, every
lower level reached) and final score (level + the next level's score). Each case answers the real
200 requirements: the levels below n fully satisfied, level n exactly at 0.8 ("mostly" everywhere),
a little below (one requirement "partly") or a little above (one "full"), the level above n
not, partly or nearly satisfied (0.8 but one requirement "partly"); the engine's level must be
the band that holds its score.
"""

from __future__ import annotations

import pytest

from scoring import parse_answers, score
from standards import Standard, bundled_library
from standards.models import ScoreBand

CMMM = "gbt39116-2020"


@pytest.fixture(scope="module")
def cmmm() -> Standard:
    return bundled_library().standard(CMMM)


def scales() -> dict[str, object]:
    library = bundled_library()
    return {s.id: s for s in library.scales.scales} if library.scales else {}


def answers_for(std: Standard, grades: dict[int, str], tweak: dict[int, str]) -> dict[str, str]:
    """Every requirement of level L at grades[L]; the first requirement of a level in `tweak`
    takes that grade instead (a nudge just below or above the level's plain grade)."""
    found: dict[str, str] = {}
    nudged: set[int] = set()
    for item in std.items:
        assert item.level is not None
        grade = grades.get(item.level, "none")
        if item.level in tweak and item.level not in nudged:
            grade = tweak[item.level]
            nudged.add(item.level)
        found[item.id] = grade
    return found


def band_of(std: Standard, value: float) -> int:
    rule = std.scoring.tier_rule
    assert rule is not None
    bands: list[ScoreBand] = rule.score_bands
    for index, band in enumerate(bands):
        if band.holds(value, top=index == len(bands) - 1):
            return band.level
    return 0  # below the first band: no level reached


CASES = [
    # (level n at its edge, how level n is answered, the grade of level n + 1)
    (n, nudge, above)
    for n in range(1, 6)
    for nudge in ("at", "below", "above")
    for above in ("none", "partly", "nearly")  # nearly: just short of passing level n + 1
]


@pytest.mark.parametrize(("n", "nudge", "above"), CASES)
def test_level_and_score_fall_in_the_same_band(
    cmmm: Standard, n: int, nudge: str, above: str
) -> None:
    grades = dict.fromkeys(range(1, n), "full")
    grades[n] = "mostly"  # 0.8: exactly at the pass threshold
    tweak = {"at": {}, "below": {n: "partly"}, "above": {n: "full"}}[nudge]
    if n < 5:
        grades[n + 1] = "mostly" if above == "nearly" else above
        if above == "nearly":
            tweak = {**tweak, n + 1: "partly"}
    answers = answers_for(cmmm, grades, tweak)
    document = {"profile": "target-L5", "answers": answers}
    result = score(cmmm, parse_answers(document, cmmm, scales()), scales())
    assert result.maturity_score is not None
    expected_level = n if nudge != "below" else n - 1
    assert result.level == expected_level
    assert band_of(cmmm, result.maturity_score) == result.level, (
        f"level {result.level} with score {result.maturity_score}"
    )


def test_the_bands_are_the_third_partys(cmmm: Standard) -> None:
    rule = cmmm.scoring.tier_rule
    assert rule is not None
    assert [(b.level, b.low, b.high) for b in rule.score_bands] == [
        (1, 0.8, 1.8), (2, 1.8, 2.8), (3, 2.8, 3.8), (4, 3.8, 4.8), (5, 4.8, 5.0),
    ]  # fmt: skip
    assert rule.score_bands_provenance is not None
    assert rule.score_bands_provenance.label.value == "THIRD-PARTY"
    # the edges themselves
    assert band_of(cmmm, 0.8) == 1
    assert band_of(cmmm, 0.7999) == 0
    assert band_of(cmmm, 2.8) == 3
    assert band_of(cmmm, 2.7999) == 2
    assert band_of(cmmm, 5.0) == 5
