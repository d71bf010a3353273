"""Derived views: one answer set read through a crosswalk onto another ladder.

A derived view is never a result of the target standard: it aggregates the source items that give
evidence for each target node, and says so (label of the crosswalk, usually INFERRED).
"""

from __future__ import annotations

from collections.abc import Mapping

from scoring.result import DerivedNode, DerivedView, Result, rounded
from standards.models import Crosswalk, Standard


def derived_view(
    result: Result, source: Standard, crosswalk: Crosswalk, target: Standard
) -> DerivedView:
    """Per target node: points and score rate of the linked source items that were scored."""
    traces = {t.id: t for t in result.items}
    source_items: dict[str, list[str]] = {}
    for item in source.items:
        # Discrete/process variants are linked through their group id (`variant_of`).
        source_items.setdefault(item.variant_of or item.id, []).append(item.id)
    names = {n.id: n.name for n in target.nodes} | {i.id: i.title for i in target.items}
    order = [n.id for n in target.nodes] + [i.id for i in target.items]
    linked: dict[str, list[str]] = {}
    for link in crosswalk.links:
        for item_id in source_items.get(link.source_item, [link.source_item]):
            trace = traces.get(item_id)
            if trace is not None and trace.status in ("scored", "missing"):
                linked.setdefault(link.target, []).append(item_id)
    nodes = []
    for node_id in sorted(linked, key=lambda n: order.index(n) if n in order else len(order)):
        items = sorted(set(linked[node_id]))
        points = sum(traces[i].points for i in items)
        maximum = sum(traces[i].max_points for i in items)
        name = names.get(node_id)
        nodes.append(
            DerivedNode(
                id=node_id,
                name_zh=name.zh if name else node_id,
                name_en=name.en if name else node_id,
                points=rounded(points),
                max_points=rounded(maximum),
                percent=rounded(100.0 * points / maximum) if maximum > 0 else None,
                items=items,
            )
        )
    return DerivedView(
        standard=target.id,
        crosswalk=crosswalk.id,
        label=crosswalk.provenance.label.value,
        note=f"derived from {result.standard_id} answers, not an assessment against {target.id}",
        nodes=nodes,
    )


def derived_views(
    result: Result, crosswalks: Mapping[str, Crosswalk], standards: Mapping[str, Standard]
) -> list[DerivedView]:
    views = []
    for key in sorted(crosswalks):
        crosswalk = crosswalks[key]
        source = standards.get(crosswalk.source)
        target = standards.get(crosswalk.target)
        if crosswalk.source == result.standard_id and source is not None and target is not None:
            views.append(derived_view(result, source, crosswalk, target))
    return views
