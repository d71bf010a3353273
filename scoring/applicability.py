"""Whether an item or a gate applies to a firm: the one rule, for everyone who asks.

The engine, the questionnaire, the Excel template, the demo data and the benchmark generator all
ask the same question — "does this firm of this profile and industry type answer this item (or
this gate), and must it?" — and this module is the only place that answers it. Pure functions over
the standards models; imports nothing but `standards.models`.

The rule, in this order:

1. An item written for one industry type (`item.industry`) does not apply to a firm of the other
   type: `item_applicability` returns None (the firm never sees it; the engine records it as not
   applicable). When the firm's type is not known (None) no item is excluded on this ground.
2. Otherwise the item's applicability for the profile (mandatory / optional / not applicable),
   falling back to the standard's `default_applicability` for a profile the item does not list.

A gate applies to the profiles it lists, or to every profile when it lists none.
"""

from __future__ import annotations

from standards.models import Applicability, Gate, IndustryType, Item, Standard


def item_applicability(
    standard: Standard, item: Item, profile: str, industry: IndustryType | str | None
) -> Applicability | None:
    """How `item` applies to a firm aiming at `profile` of industry type `industry`.

    None: the item is for the other industry type. Otherwise MANDATORY, OPTIONAL or
    NOT_APPLICABLE (for the profile). `industry` may be the enum or its value ("discrete").
    """
    if item.industry is not None and industry is not None and item.industry != industry:
        return None
    return item.applicability.get(profile, standard.default_applicability)


def applicable_items(
    standard: Standard, profile: str, industry: IndustryType | str | None
) -> list[tuple[Item, Applicability]]:
    """The items a firm of this profile and industry type answers, in the standard's order, each
    with its applicability (MANDATORY or OPTIONAL)."""
    found: list[tuple[Item, Applicability]] = []
    for item in standard.items:
        applicability = item_applicability(standard, item, profile, industry)
        if applicability is not None and applicability is not Applicability.NOT_APPLICABLE:
            found.append((item, applicability))
    return found


def gate_applies(gate: Gate, profile: str) -> bool:
    """Whether `gate` is asked of a firm aiming at `profile`."""
    return not gate.profiles or profile in gate.profiles


def applicable_gates(standard: Standard, profile: str) -> list[Gate]:
    """The gates a firm aiming at `profile` is held to, in the standard's order."""
    return [gate for gate in standard.gates if gate_applies(gate, profile)]
