"""`zhizao standards list|show|validate|schema`."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from assessment.cli.output import fail, print_json
from assessment.library.summary import summary
from standards import Standard, bundled_library
from standards.checks import item_max_points
from standards.cli import validate_main
from standards.loader import DOCUMENT_TYPES
from standards.models import ChoiceRule, MultiRule
from standards.schema import json_schema_text


def register(sub: Any) -> None:
    group = sub.add_parser("standards", help="the criteria library").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    list_cmd = group.add_parser("list", help="list the standards in the library")
    list_cmd.add_argument("--json", action="store_true", help="print JSON")
    list_cmd.set_defaults(handler=_list)

    show = group.add_parser("show", help="show one standard's structure")
    show.add_argument("id")
    show.add_argument("--json", action="store_true", help="print the full standard as JSON")
    show.add_argument(
        "--item",
        action="append",
        metavar="ID",
        help="print these items' options whole: descriptor, builds-on link, thresholds, source "
        "(repeatable; FF-004 shows both industry variants)",
    )
    show.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of the descriptors"
    )
    show.set_defaults(handler=_show)

    validate = group.add_parser(
        "validate", help="validate library files (default: the bundled library)"
    )
    validate.add_argument("paths", nargs="*", metavar="PATH")
    validate.set_defaults(handler=lambda a: validate_main(a.paths))

    schema = group.add_parser("schema", help="print the JSON Schema of a library document")
    schema.add_argument("--document", choices=sorted(DOCUMENT_TYPES), default="standard")
    schema.set_defaults(handler=lambda a: print(json_schema_text(a.document), end="") or 0)


def _list(args: argparse.Namespace) -> int:
    rows = [summary(s) for s in sorted(bundled_library().standards.values(), key=lambda s: s.id)]
    if args.json:
        print_json(rows)
        return 0
    print(f"{'id':<26} {'edition':<14} {'items':>5}  title")
    for row in rows:
        print(f"{row['id']:<26} {row['edition']:<14} {row['items']:>5}  {row['title']['zh']}")
    return 0


def _show(args: argparse.Namespace) -> int:
    try:
        std = bundled_library().standard(args.id)
    except KeyError as exc:
        return fail(str(exc.args[0]))
    if args.item:
        return _show_items(std, args.item, args.lang)
    if args.json:
        print_json(std.model_dump(mode="json", by_alias=True, exclude_none=True))
        return 0
    info = summary(std)
    print(f"{std.title.zh} / {std.title.en}")
    print(f"id {std.id}  edition {std.edition}  sha256 {info['sha256'][:16]}…")
    print(f"source: {std.provenance.label.value} — {std.provenance.source}")
    if info["unofficial_labels"]:
        print(f"unofficial encodings used: {', '.join(info['unofficial_labels'])}")
    print(f"profiles: {', '.join(info['profiles'])}   tiers: {', '.join(info['tiers']) or '—'}")
    children: dict[str | None, list[str]] = {}
    for node in std.nodes:
        children.setdefault(node.parent, []).append(node.id)
    nodes = {n.id: n for n in std.nodes}
    items_by_node: dict[str, list[str]] = {}
    for item in std.items:
        items_by_node.setdefault(item.node, []).append(item.id)
    points = {i.id: item_max_points(i.rule) for i in std.items}

    def walk(parent: str | None, depth: int) -> None:
        for node_id in children.get(parent, []):
            node = nodes[node_id]
            own = items_by_node.get(node_id, [])
            extra = f"  ({len(own)} items)" if own else ""
            print(f"{'  ' * depth}{node.number or ''} {node.name.zh} / {node.name.en}{extra}")
            walk(node_id, depth + 1)

    walk(None, 0)
    if not std.nodes:
        for item in std.items:
            print(f"  {item.id}  {item.title.zh}  (max {points[item.id]:g})")
    for gate in std.gates:
        print(f"gate {gate.id}: {gate.title.zh} [{gate.clause}]")
    print(
        f"{len(std.items)} items, max total {std.scoring.max_total if std.scoring.max_total is not None else '—'}"
    )
    return 0


def _show_items(std: Standard, wanted: list[str], lang: str) -> int:
    items = [i for i in std.items if i.id in wanted or i.variant_of in wanted]
    unknown = [w for w in wanted if not any(w in (i.id, i.variant_of) for i in items)]
    if unknown:
        return fail(f"{std.id} has no item {', '.join(unknown)}")
    tiers = {t.id: t.name.get(lang) for t in std.tiers}
    for item in items:
        print(f"{item.id}  {item.title.get(lang)}")
        if isinstance(item.rule, ChoiceRule | MultiRule):
            for option in item.rule.options:
                tier = f" · {tiers.get(option.tier, option.tier)}" if option.tier else ""
                link = f" · builds on {option.builds_on}" if option.builds_on else ""
                print(f"  {option.key}  {option.points:g}{tier}{link}")
                texts = option.text_by_industry or {None: option.text}
                for industry, text in texts.items():
                    where = f"[{industry.value}] " if industry is not None else ""
                    width = 38 if lang == "zh" else 76  # Chinese characters are double width
                    for line in textwrap.wrap(where + text.get(lang), width):
                        print(f"       {line}")
                for threshold in option.thresholds:
                    print(f"       ☐ {threshold.describe(lang)}")
                if option.provenance is not None:
                    print(
                        f"       source: {option.provenance.label.value} — {option.provenance.source}"
                    )
                if option.note:
                    print(f"       note: {option.note}")
        print()
    return 0
