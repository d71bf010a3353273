"""Batch scoring: many firms' answers in, one summary row per firm out, streamed.

Input is JSONL (one answers object per line), CSV (one firm per row, one column per item) or a
folder of answer files. Rows are read lazily and scored in chunks by a small process pool, so
memory stays flat however many firms there are. A bad row becomes an error row naming its row
number and the problem; it never stops the others.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from scoring import AnswerError, parse_answers, score_summary
from standards import DocumentError, Library, bundled_library
from standards.yamlsafe import parse_file

SUMMARY_FIELDS = (
    "row",
    "firm",
    "status",
    "error",
    "standard",
    "edition",
    "profile",
    "total",
    "max_total",
    "percent",
    "tier",
    "level",
    "maturity_score",
    "complete",
    "missing",
    "eligible",
    "next_tier",
    "upgrades_needed",
    "answers_sha256",
)
CHUNK = 256
META_COLUMNS = {"firm", "standard", "edition", "profile", "industry_type"}


@dataclass(frozen=True)
class RawRow:
    """One firm as read from the input: either parsed data or a reading error."""

    number: int
    data: dict[str, Any] | None
    error: str | None = None
    text: str | None = None


def read_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a JSONL/CSV file or a folder of answer files, numbered from 1, lazily."""
    if path.is_dir():
        yield from _folder_rows(path)
    elif path.suffix.lower() == ".csv":
        yield from _csv_rows(path)
    else:
        yield from _jsonl_rows(path)


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                # Decoding happens in the worker: the parent only splits lines.
                yield RawRow(number, None, None, line)


def _csv_rows(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):  # row 1 is the header
            answers: dict[str, Any] = {}
            meta: dict[str, Any] = {}
            for key, value in row.items():
                if key is None:
                    return_error = f"more cells than header columns: {value}"
                    yield RawRow(number, None, return_error)
                    break
                cell = (value or "").strip()
                if key in META_COLUMNS:
                    meta[key] = cell or None
                elif cell:
                    answers[key] = _csv_cell(cell)
            else:
                yield RawRow(number, {**meta, "answers": answers})


def _csv_cell(cell: str) -> Any:
    """'A' → option; 'A|B' → ticked options; true/false; numbers stay numbers."""
    if "|" in cell:
        return [part.strip() for part in cell.split("|") if part.strip()]
    lowered = cell.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return float(cell) if any(c in cell for c in ".eE") else int(cell)
    except ValueError:
        return cell


def _folder_rows(path: Path) -> Iterator[RawRow]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json"))
    for number, file in enumerate(files, start=1):
        try:
            data = parse_file(file).data
        except DocumentError as exc:
            yield RawRow(number, None, "; ".join(str(i) for i in exc.issues))
            continue
        if not isinstance(data, dict):
            yield RawRow(number, None, f"{file.name}: expected a mapping of answers")
            continue
        yield RawRow(number, {"firm": data.get("firm") or file.stem, **data})


# --- scoring in workers --------------------------------------------------------------------------

_LIBRARY: Library | None = None
_DEFAULTS: dict[str, str | None] = {}


def _init_worker(defaults: dict[str, str | None]) -> None:
    global _LIBRARY, _DEFAULTS  # noqa: PLW0603 - per-process state of a worker
    _LIBRARY = bundled_library()
    _DEFAULTS = defaults


def score_row(row: RawRow) -> dict[str, Any]:
    """Score one row into a summary (or an error row). Runs in a worker process."""
    library = _LIBRARY or bundled_library()
    out: dict[str, Any] = {"row": row.number, "firm": None, "status": "error", "error": row.error}
    if row.error is not None:
        return out
    data = row.data
    if data is None and row.text is not None:
        try:
            data = json.loads(row.text)
        except json.JSONDecodeError as exc:
            out["error"] = f"not valid JSON: {exc.msg} (column {exc.colno})"
            return out
    if not isinstance(data, dict):
        out["error"] = "expected a JSON object of answers"
        return out
    out["firm"] = data.get("firm")
    standard_id = data.get("standard") or _DEFAULTS.get("standard")
    if not standard_id:
        out["error"] = "standard: missing (give it in the row or with --standard)"
        return out
    try:
        standard = library.standard(str(standard_id))
    except KeyError as exc:
        out["error"] = f"standard: {exc.args[0]}"
        return out
    try:
        answers = parse_answers(
            data, standard, _scales(library), profile=_DEFAULTS.get("profile") or None
        )
    except AnswerError as exc:
        out["error"] = "; ".join(exc.problems)
        return out
    out.update(score_summary(standard, answers, _scales(library)))
    out["status"] = "ok"
    out["error"] = None
    return out


def _scales(library: Library) -> dict[str, Any]:
    return {s.id: s for s in library.scales.scales} if library.scales else {}


def score_rows(
    rows: Iterable[RawRow], defaults: dict[str, str | None], workers: int | None = None
) -> Iterator[dict[str, Any]]:
    """Summaries in input order. Uses a fork pool when there is more than one core."""
    count = workers if workers is not None else min(2, os.cpu_count() or 1)
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        _init_worker(defaults)
        for row in rows:
            yield score_row(row)
        return
    bundled_library()  # load once in the parent; forked workers share it
    context = multiprocessing.get_context("fork")
    with context.Pool(count, initializer=_init_worker, initargs=(defaults,)) as pool:
        yield from pool.imap(score_row, rows, chunksize=CHUNK)


def write_rows(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> tuple[int, int]:
    """Write summaries as CSV or JSONL; return (ok rows, error rows)."""
    ok = errors = 0
    writer = None
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=SUMMARY_FIELDS, extrasaction="ignore")
        writer.writeheader()
    for row in rows:
        if row["status"] == "ok":
            ok += 1
        else:
            errors += 1
        if writer is not None:
            writer.writerow({k: _csv_value(row.get(k)) for k in SUMMARY_FIELDS})
        else:
            out.write(json.dumps({k: row.get(k) for k in SUMMARY_FIELDS}, ensure_ascii=False))
            out.write("\n")
    return ok, errors


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
