"""Deterministic, plausible future-factory answer sets for benchmarks and tests.

    python bench/make_answers.py 10000 --jsonl answers.jsonl --csv answers.csv

Every firm gets a profile (dws / sf / ff) and an industry type (discrete / process), then answers
each item that applies to both: a choice item with an option of its ladder (drawn around the firm's
overall maturity, so answers hang together the way a real self-assessment does), a multi-select item
with a non-empty list of options (an exclusive "none of the above" only on its own). Optional items
are sometimes left unanswered; mandatory items are always answered. The same (n, seed) always gives
the same rows, byte for byte.

JSONL rows also carry the entry gates (declarations and minimum values). CSV has the columns
firm, standard, profile, industry_type and one column per item id (multi-select as "A|B"), and no
gates: the batch CSV format has no place for them.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this folder comes first on sys.path, and bench/scoring.py would shadow the
# `scoring` package: look the packages up from the repository root instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from scoring.applicability import applicable_items, gate_applies  # noqa: E402
from standards import Standard, bundled_library  # noqa: E402
from standards.models import Applicability, ChoiceRule, GateKind, MultiRule  # noqa: E402

STANDARD_ID = "zj-future-factory"
SEED = 20250717
PROFILES = (("dws", 0.5), ("sf", 0.35), ("ff", 0.15))
INDUSTRIES = (("discrete", 0.6), ("process", 0.4))
SKIP_OPTIONAL = 0.35  # chance that an optional item is left unanswered
MATURITY = {"dws": 0.3, "sf": 0.5, "ff": 0.7}
NOT_DONE = (0.0, 0.0, 0.01, 0.03, 0.08, 0.2)  # per firm: share of items answered "not done" (A)
META_COLUMNS = ("firm", "standard", "profile", "industry_type")


def future_factory() -> Standard:
    return bundled_library().standard(STANDARD_ID)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


@dataclass(frozen=True)
class _Question:
    item_id: str
    multi: bool
    optional: bool
    keys: tuple[str, ...]
    exclusive: tuple[str, ...] = ()


def _questions(std: Standard, profile: str, industry: str) -> tuple[_Question, ...]:
    """The items a firm of this profile and industry type is asked, in standard order."""
    asked = []
    for item, applicability in applicable_items(std, profile, industry):
        rule = item.rule
        if not isinstance(rule, ChoiceRule | MultiRule):
            continue  # the future-factory standard has only choice and multi-select items
        asked.append(
            _Question(
                item.id,
                isinstance(rule, MultiRule),
                applicability is Applicability.OPTIONAL,
                tuple(o.key for o in rule.options),
                tuple(rule.exclusive) if isinstance(rule, MultiRule) else (),
            )
        )
    return tuple(asked)


def generate(
    n: int, seed: int = SEED, standard: Standard | None = None
) -> Iterator[dict[str, Any]]:
    """`n` answer sets (JSON-ready dicts in the `zhizao score` answers format), lazily."""
    std = standard or future_factory()
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    asked = {
        (profile, industry): _questions(std, profile, industry)
        for profile, _ in PROFILES
        for industry, _ in INDUSTRIES
    }
    for number in range(1, n + 1):
        profile = _pick(rng, PROFILES)
        industry = _pick(rng, INDUSTRIES)
        # A firm's maturity (0..1, centred near the tier it aims at) and how often it has simply
        # not done something (option A of a ladder): some firms are ready, some have gaps.
        maturity = min(1.0, max(0.0, rng.gauss(MATURITY[profile], 0.15)))
        not_done = rng.choice(NOT_DONE)
        answers: dict[str, Any] = {}
        for question in asked[profile, industry]:
            if question.optional and rng.random() < SKIP_OPTIONAL:
                continue
            keys = question.keys
            if question.multi:
                answers[question.item_id] = _multi(rng, keys, question.exclusive)
            elif rng.random() < not_done:
                answers[question.item_id] = keys[0]
            else:
                spot = 1 + maturity * (len(keys) - 2) + rng.gauss(0.0, 0.8)
                answers[question.item_id] = keys[min(len(keys) - 1, max(1, round(spot)))]
        yield {
            "firm": f"合成企业 {number:06d} (synthetic)",
            "standard": std.id,
            "profile": profile,
            "industry_type": industry,
            "gates": _gates(rng, std, profile, maturity),
            "answers": answers,
        }


def _multi(rng: random.Random, keys: tuple[str, ...], exclusive: tuple[str, ...]) -> list[str]:
    plain = [k for k in keys if k not in exclusive]
    if exclusive and rng.random() < 0.2:
        return [exclusive[0]]
    chosen = [k for k in plain if rng.random() < 0.5]
    return chosen or [rng.choice(plain)]


def _gates(rng: random.Random, std: Standard, profile: str, maturity: float) -> dict[str, Any]:
    gates: dict[str, Any] = {}
    for gate in std.gates:
        if not gate_applies(gate, profile):
            continue
        if gate.kind is GateKind.DECLARATION:
            gates[gate.id] = rng.random() < 0.95
        elif gate.kind is GateKind.MIN_VALUE:
            if gate.id == "investment":
                value: Any = {"value": round(rng.uniform(500, 20000))}
                if rng.random() < 0.15:
                    value["variant"] = "mountain_island"
            else:
                value = round(1.0 + 3.0 * maturity + rng.uniform(-0.3, 0.3), 1)
            gates[gate.id] = value
    return gates


def csv_header(standard: Standard | None = None) -> list[str]:
    std = standard or future_factory()
    return [*META_COLUMNS, *(item.id for item in std.items)]


def csv_row(record: dict[str, Any]) -> dict[str, str]:
    row = {key: str(record[key]) for key in META_COLUMNS}
    for item_id, value in record["answers"].items():
        row[item_id] = "|".join(value) if isinstance(value, list) else str(value)
    return row


def write_jsonl(path: Path, n: int, seed: int = SEED) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record in generate(n, seed):
            handle.write(json.dumps(record, ensure_ascii=False))
            handle.write("\n")
    return path


def write_csv(path: Path, n: int, seed: int = SEED) -> Path:
    std = future_factory()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=csv_header(std), restval="")
        writer.writeheader()
        for record in generate(n, seed, std):
            writer.writerow(csv_row(record))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of firms")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--jsonl", type=Path, help="write JSONL here")
    parser.add_argument("--csv", type=Path, help="write CSV here")
    args = parser.parse_args(argv)
    if args.jsonl is None and args.csv is None:
        parser.error("give --jsonl FILE and/or --csv FILE")
    if args.jsonl:
        write_jsonl(args.jsonl, args.n, args.seed)
    if args.csv:
        write_csv(args.csv, args.n, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
