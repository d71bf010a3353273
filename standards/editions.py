"""What a firm must re-read when its draft moves from one edition of a standard to another.

A draft keeps its answers when it moves (same items, same option keys), but a letter chosen against
the old descriptor may mean something else now. Where the new edition declares what changed since
the old one (`Standard.changes`), the declaration decides — it was made by reading both — plus any
option whose points or tier differ. Between editions with no such declaration, every option whose
points, tier, thresholds, builds-on link or wording differ is listed.
"""

from __future__ import annotations

from standards.models import ChoiceRule, MultiRule, Option, Standard


def _options(std: Standard) -> dict[str, dict[str, Option]]:
    return {
        item.id: {o.key: o for o in item.rule.options}
        for item in std.items
        if isinstance(item.rule, ChoiceRule | MultiRule)
    }


def _scoring(option: Option) -> tuple[object, ...]:
    return (option.points, option.tier)


def _meaning(option: Option) -> tuple[object, ...]:
    wording = tuple(sorted(option.text_by_industry.items()))
    return (option.points, option.tier, option.builds_on, option.thresholds, option.text, wording)


def items_to_reread(old: Standard, new: Standard) -> dict[str, list[str]]:
    """Item id → the option keys whose meaning changed from `old` to `new`, in `new`'s order."""
    if old.id != new.id:
        raise ValueError(f"{old.id} and {new.id} are different standards")
    declared: dict[str, set[str]] = {}
    if new.changes is not None and new.changes.since == old.edition:
        for changed in new.changes.meaning_changed:
            declared.setdefault(changed.item, set()).update(changed.options)
    compare = _scoring if new.changes is not None and new.changes.since == old.edition else _meaning
    before = _options(old)
    found: dict[str, list[str]] = {}
    for item in new.items:
        if not isinstance(item.rule, ChoiceRule | MultiRule):
            continue
        previous = before.get(item.id)
        keys = []
        for option in item.rule.options:
            was = previous.get(option.key) if previous is not None else None
            if (
                option.key in declared.get(item.id, ())
                or was is None
                or compare(was) != compare(option)
            ):
                keys.append(option.key)
        if keys:
            found[item.id] = keys
    return found
