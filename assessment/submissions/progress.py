"""What a firm's pages say about a score while it is being answered: the profile's maximum and
which domains are complete. Read from a `scoring.Result` (its item traces carry every item's
maximum, applicability and status), so the figure is the engine's; nothing here is scored again.

The maximum a firm reads is the profile's full maximum, the same from the first answer to the
last: every item the profile answers, mandatory and optional. The engine's `max_total` (the
denominator of its `percent`) is smaller while optional items are unanswered, and leaves out
items answered 不适用 where the standard's not-applicable policy removes them; `Maximum` carries
both, and the parts between them, so a page can explain the difference in one sentence.

Also `score_answers`, the live score of answers the page already holds (after a save the
service returns them), so a page does not read back what it has just written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessment.errors import InvalidInput
from scoring import AnswerError, Result, parse_answers, score
from scoring.crosswalk import derived_views
from standards import Standard, bundled_library
from standards.models import Scale


@dataclass(frozen=True)
class Maximum:
    """The maxima of one result, in points."""

    full: float  # every item the profile answers: mandatory + optional
    mandatory: float
    mandatory_items: int
    optional: float
    optional_items: int
    counted: float  # the engine's max_total: what the share is taken of now
    open_optional: float  # optional items not (yet) answered: outside the share
    open_optional_items: int
    not_applicable: float  # items answered 不适用 and left out of the share by the standard
    not_applicable_items: int

    @property
    def moves(self) -> bool:
        """Whether the share is taken of less than the full maximum (the sentence is needed)."""
        return abs(self.full - self.counted) > 1e-9


def maximum(result: Result) -> Maximum:
    """The profile's maximum for this result's firm, and how the engine's `max_total` differs."""
    traces = [t for t in result.items if t.status != "not_applicable"]
    mandatory = [t for t in traces if t.applicability == "mandatory"]
    optional = [t for t in traces if t.applicability == "optional"]
    open_optional = [t for t in optional if t.status == "skipped"]
    # An item answered 不适用 counts in the share only under the standard's "zero" policy; the
    # engine's max_total tells which (it holds every scored and missing item, and the 不适用
    # ones only when they count).
    answered_na = [t for t in traces if t.status == "na"]
    full = sum(t.max_points for t in traces)
    held = sum(t.max_points for t in traces if t.status in ("scored", "missing"))
    excluded = (
        answered_na
        if result.max_total < held + sum(t.max_points for t in answered_na) - 1e-6
        else []
    )
    return Maximum(
        full=round(full, 4),
        mandatory=round(sum(t.max_points for t in mandatory), 4),
        mandatory_items=len(mandatory),
        optional=round(sum(t.max_points for t in optional), 4),
        optional_items=len(optional),
        counted=result.max_total,
        open_optional=round(sum(t.max_points for t in open_optional), 4),
        open_optional_items=len(open_optional),
        not_applicable=round(sum(t.max_points for t in excluded), 4),
        not_applicable_items=len(excluded),
    )


@dataclass(frozen=True)
class DomainState:
    """One group of items as its label tells it."""

    items: int
    answered: int
    mandatory_open: int

    @property
    def complete(self) -> bool:
        """Every item of the group answered (mandatory and optional): the only state with ✓."""
        return self.items > 0 and self.answered == self.items


def domain_state(result: Result, item_ids: list[str] | tuple[str, ...]) -> DomainState:
    traces = {t.id: t for t in result.items if t.status != "not_applicable"}
    ids = [i for i in item_ids if i in traces]
    answered = sum(1 for i in ids if traces[i].status in ("scored", "na"))
    mandatory_open = sum(1 for i in ids if traces[i].status == "missing")
    return DomainState(len(ids), answered, mandatory_open)


def score_answers(
    standard: Standard,
    scales: Mapping[str, Scale],
    *,
    standard_id: str,
    edition: str,
    profile: str,
    industry_type: str | None,
    answers: Mapping[str, Any],
    gates: Mapping[str, Any],
) -> Result:
    """The live score of answers already in hand (as `appdata.live_result` scores the stored
    ones, derived views included): `standard` and `scales` are the submission's snapshot."""
    doc: dict[str, Any] = {
        "standard": standard_id,
        "edition": edition,
        "profile": profile,
        "answers": dict(sorted(answers.items())),
        "gates": dict(sorted(gates.items())),
    }
    if industry_type is not None:
        doc["industry_type"] = industry_type
    return score_document(standard, scales, doc)


def score_document(
    standard: Standard, scales: Mapping[str, Scale], doc: Mapping[str, Any]
) -> Result:
    """An answers document scored against a snapshot, with the crosswalk's derived views: the one
    way a stored submission and the answers a page holds are both scored."""
    try:
        parsed = parse_answers(doc, standard, scales)
    except AnswerError as exc:
        raise InvalidInput(exc.problems) from None
    result = score(standard, parsed, scales)
    library = bundled_library()
    return dataclasses.replace(
        result, derived=derived_views(result, library.crosswalks, library.standards)
    )
