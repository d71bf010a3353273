"""What a standard holds, in figures: the one summary the command line (`zhizao standards list`)
and the library page show."""

from __future__ import annotations

from typing import Any

from scoring import compile_standard
from standards import Label, Standard


def summary(std: Standard) -> dict[str, Any]:
    questions = {i.variant_of or i.id for i in std.items}
    # The same flags every score of this standard carries (standard, items, scoring parameters).
    order = [label.value for label in Label]  # strongest evidence first
    flagged = sorted({flag.label for flag in compile_standard(std).static_flags}, key=order.index)
    return {
        "id": std.id,
        "edition": std.edition,
        "title": std.title.model_dump(),
        "items": len(std.items),
        "questions": len(questions),
        "nodes": len(std.nodes),
        "gates": len(std.gates),
        "profiles": [p.id for p in std.profiles],
        "tiers": [t.id for t in std.tiers],
        "max_total": std.scoring.max_total,
        "label": std.provenance.label.value,
        "unofficial_labels": flagged,
        "sha256": std.sha256,
    }
