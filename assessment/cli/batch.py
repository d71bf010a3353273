"""Batch scoring: many firms' answers in, one summary row per firm out, streamed.

Input is JSONL (one answers object per line), CSV (one firm per row, one column per item) or a
folder of answer files (YAML or JSON). A bad row becomes an error row naming its row number and the
problem; it never stops the others.

How the work is split, and why:

* The parent process only splits the input into raw rows (a JSONL line as bytes, a CSV record, a
  file name) and writes results. Everything that costs per row — decoding UTF-8 and JSON, turning
  CSV cells into answers, parsing YAML, checking answers, scoring — happens in the workers.
* Rows travel to the workers in chunks of plain tuples, and results come back per chunk:
  pickling a chunk is one call, not one per row. For `zhizao score --batch` the workers also
  render their chunk's output lines (JSONL or CSV), so the parent, which shares the two cores
  with them, only copies text to the output.
* At most a few chunks are in flight at once (`_WINDOW` per worker), so memory stays flat however
  many firms there are, and a slow reader of the output slows the workers instead of filling memory.
* Workers are forked after the library is loaded and frozen out of the garbage collector
  (`gc.freeze`), so they share its pages with the parent instead of copying them.
* With one worker (or no `fork`), the same chunk function runs in-process: the output is identical
  whatever the worker count.
"""

from __future__ import annotations

import csv
import functools
import gc
import io
import json
import multiprocessing
import operator
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO, TypeVar

from scoring import AnswerError, parse_answers, score_summary
from standards import DocumentError, Library, Standard, bundled_library
from standards.models import Scale
from standards.yamlsafe import parse_file, parse_json

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
_STATUS = SUMMARY_FIELDS.index("status")
_in_field_order = operator.itemgetter(*SUMMARY_FIELDS)  # a summary's values, as a tuple
CHUNK = 128  # rows per task: ~50 ms of work, small enough to balance two workers at the tail
_WINDOW = 3  # chunks in flight per worker
META_COLUMNS = {"firm", "standard", "edition", "profile", "industry_type"}
ANSWER_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class RawRow:
    """One firm as read from the input, not yet decoded (decoding happens in the worker).

    Exactly one of `data` (already decoded), `error` (could not be read), `line` (a JSONL line, as
    bytes), `cells` (a CSV record, with its file's header in `columns`) or `path` (an answers file)
    is set.
    """

    number: int
    data: Mapping[str, Any] | None = None
    error: str | None = None
    line: bytes | None = None
    cells: list[str] | None = None
    columns: tuple[str, ...] = ()
    path: Path | None = None


def read_rows(path: Path) -> Iterator[RawRow]:
    """Rows of a JSONL/CSV file or a folder of answer files, numbered from 1, lazily.

    JSONL rows are numbered by line (blank lines are skipped but counted), CSV rows as a spreadsheet
    shows them (the header is row 1), folder rows by file in name order.
    """
    if path.is_dir():
        yield from _folder_rows(path)
    elif path.suffix.lower() == ".csv":
        yield from _csv_rows(path)
    else:
        yield from _jsonl_rows(path)


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    # Bytes, not text: a line that is not UTF-8 becomes an error row instead of stopping the batch.
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield RawRow(number, line=line)


def _csv_rows(path: Path) -> Iterator[RawRow]:
    # Lines are decoded one by one, so a record that is not UTF-8 becomes an error row of its own
    # and the records after it are still read.
    undecodable: list[str] = []
    with path.open("rb") as handle:
        reader = csv.reader(_utf8_lines(handle, undecodable))
        number = 1  # row 1 is the header
        try:
            header = next(reader, None)
            if header is None:
                return
            columns = tuple(name.strip() for name in header)
            for number, cells in enumerate(reader, start=2):
                if undecodable:
                    yield RawRow(number, error=f"not valid UTF-8 ({undecodable[0]})")
                    undecodable.clear()
                elif any(cell.strip() for cell in cells):
                    yield RawRow(number, cells=cells, columns=columns)
        except csv.Error as exc:  # e.g. a NUL byte: the reader cannot find the next record
            yield RawRow(
                number + 1, error=f"unreadable CSV ({exc}); the rest of the file was not read"
            )


def _utf8_lines(lines: Iterable[bytes], undecodable: list[str]) -> Iterator[str]:
    """Text lines for csv.reader (which reads no further than the record it is on)."""
    for index, raw in enumerate(lines):
        # The first line may start with a byte-order mark, as Excel writes it.
        line = raw.removeprefix(b"\xef\xbb\xbf") if index == 0 else raw
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            undecodable.append(exc.reason)
            yield line.decode("utf-8", errors="replace")


def _folder_rows(path: Path) -> Iterator[RawRow]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in ANSWER_SUFFIXES)
    for number, file in enumerate(files, start=1):
        yield RawRow(number, path=file)


# --- decoding and scoring, in the workers --------------------------------------------------------

_Task = tuple[int, Any, str | None, bytes | None, list[str] | None, tuple[str, ...], Path | None]


class _Worker:
    """Per-process state: the library and the batch's defaults, looked up once."""

    def __init__(self, defaults: Mapping[str, str | None]) -> None:
        self.library: Library = bundled_library()
        self.scales: dict[str, Scale] = (
            {s.id: s for s in self.library.scales.scales} if self.library.scales else {}
        )
        self.standards: dict[str, Standard] = {}
        self.standard_default = defaults.get("standard") or None
        self.profile = defaults.get("profile") or None

    def standard(self, standard_id: str) -> Standard:
        std = self.standards.get(standard_id)
        if std is None:
            std = self.standards[standard_id] = self.library.standard(standard_id)
        return std

    def decode(self, task: _Task) -> Mapping[str, Any] | str:
        """The row's answers, or a message saying why it could not be read."""
        _, data, error, line, cells, columns, path = task
        if error is not None:
            return error
        if line is not None:
            try:
                text = line.decode("utf-8") if isinstance(line, bytes) else line
                data = parse_json(text, "row")
            except DocumentError as exc:  # numbers are held to the YAML loader's rules too
                issue = exc.issues[0]
                return f"{issue.text()} (column {issue.column})"
            except UnicodeDecodeError as exc:
                return f"not valid UTF-8: byte {exc.start + 1} of the line ({exc.reason})"
            if not isinstance(data, dict):
                return f"expected a JSON object of answers, got {type(data).__name__}"
            return data
        if cells is not None:
            return _csv_record(cells, columns)
        if path is not None:
            try:
                data = parse_file(path).data
            except DocumentError as exc:
                return "; ".join(str(i) for i in exc.issues)
            if not isinstance(data, dict):
                return f"{path.name}: expected a mapping of answers"
            return {**data, "firm": data.get("firm") or path.stem}
        if isinstance(data, Mapping):
            return data
        return "expected a mapping of answers"

    def score(self, task: _Task) -> tuple[Any, ...]:
        """The summary of one row, as values in `SUMMARY_FIELDS` order; never raises."""
        number = task[0]
        firm = None
        try:
            data = self.decode(task)
            if isinstance(data, str):
                return _error(number, None, data)
            firm = data.get("firm")
            if firm is not None and not isinstance(firm, str):
                firm = str(firm)  # e.g. a number or date read from YAML
            # In a folder, say which file as well as which row.
            where = f"{task[6].name}: " if task[6] is not None else ""
            return self._score(number, firm, data, where)
        except Exception as exc:  # one firm's failure must not stop the batch
            return _error(number, firm, f"could not score this row: {type(exc).__name__}: {exc}")

    def _score(
        self, number: int, firm: Any, data: Mapping[str, Any], where: str
    ) -> tuple[Any, ...]:
        standard_id = data.get("standard") or self.standard_default
        if not standard_id:
            message = "standard: missing (give it in the row or with --standard)"
            return _error(number, firm, where + message)
        try:
            standard = self.standard(str(standard_id))
        except KeyError as exc:
            return _error(number, firm, f"{where}standard: {exc.args[0]}")
        try:
            answers = parse_answers(data, standard, self.scales, profile=self.profile)
        except AnswerError as exc:
            return _error(number, firm, where + "; ".join(str(p) for p in exc.problems))
        summary = score_summary(standard, answers, self.scales)
        summary.update(row=number, firm=firm, status="ok", error=None)
        return _in_field_order(summary)


def _error(number: int, firm: Any, message: str) -> tuple[Any, ...]:
    values = dict.fromkeys(SUMMARY_FIELDS)
    values.update(row=number, firm=firm, status="error", error=message)
    return tuple(values.values())


def _csv_record(cells: list[str], columns: tuple[str, ...]) -> Mapping[str, Any] | str:
    if len(cells) > len(columns):
        extra = [c for c in cells[len(columns) :] if c.strip()]
        if extra:
            return f"more cells than header columns: {extra}"
    answers: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key, value in zip(columns, cells, strict=False):
        cell = value.strip()
        if key in META_COLUMNS:
            data[key] = cell or None
        elif cell:
            answers[key] = _csv_cell(cell)
    data["answers"] = answers
    return data


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


_WORKER: _Worker | None = None


def _init_worker(defaults: Mapping[str, str | None]) -> None:
    global _WORKER  # noqa: PLW0603 - per-process state of a pool worker
    _WORKER = _Worker(defaults)


def _score_chunk(chunk: list[_Task]) -> list[tuple[Any, ...]]:
    """Score one chunk of rows. Runs in a worker process."""
    if _WORKER is None:
        raise RuntimeError("_init_worker has not run in this process")
    return [_WORKER.score(task) for task in chunk]


_Rendered = tuple[int, int, str]  # ok rows, error rows, the rows' output text


def _render_chunk(chunk: list[_Task], fmt: str) -> _Rendered:
    """Score one chunk of rows and render its output lines. Runs in a worker process."""
    return _render(_score_chunk(chunk), fmt)


_ENCODE_JSON = json.JSONEncoder(ensure_ascii=False).encode


def _render(values: list[tuple[Any, ...]], fmt: str) -> _Rendered:
    """Summaries (in `SUMMARY_FIELDS` order) as CSV records or JSONL lines."""
    ok = sum(1 for row in values if row[_STATUS] == "ok")
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([_csv_value(v) for v in row] for row in values)
        text = buffer.getvalue()
    else:
        text = "".join(
            _ENCODE_JSON(dict(zip(SUMMARY_FIELDS, row, strict=True))) + "\n" for row in values
        )
    return ok, len(values) - ok, text


# --- the pipeline --------------------------------------------------------------------------------


def _chunks(rows: Iterable[RawRow]) -> Iterator[list[_Task]]:
    chunk: list[_Task] = []
    for row in rows:
        chunk.append((row.number, row.data, row.error, row.line, row.cells, row.columns, row.path))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers() -> int:
    """Worker processes when not told: one per core, at most two."""
    return min(2, os.cpu_count() or 1)


def score_rows(
    rows: Iterable[RawRow], defaults: Mapping[str, str | None], workers: int | None = None
) -> Iterator[dict[str, Any]]:
    """Summaries in input order, one per row. Uses a fork pool when there is more than one core."""
    count = workers if workers is not None else default_workers()
    for values in _in_order(rows, defaults, count, _score_chunk):
        for row in values:
            yield dict(zip(SUMMARY_FIELDS, row, strict=True))


def score_to(
    rows: Iterable[RawRow],
    defaults: Mapping[str, str | None],
    out: TextIO,
    fmt: str,
    workers: int | None = None,
) -> tuple[int, int]:
    """Score rows and write their summaries as CSV or JSONL; return (ok rows, error rows)."""
    count = workers if workers is not None else default_workers()
    return _write(
        _in_order(rows, defaults, count, functools.partial(_render_chunk, fmt=fmt)), out, fmt
    )


def write_rows(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str) -> tuple[int, int]:
    """Write summaries (as `score_rows` gives them) as CSV or JSONL; return (ok rows, error rows)."""

    def rendered() -> Iterator[_Rendered]:
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(tuple(row.get(k) for k in SUMMARY_FIELDS))
            if len(chunk) >= CHUNK:
                yield _render(chunk, fmt)
                chunk = []
        if chunk:
            yield _render(chunk, fmt)

    return _write(rendered(), out, fmt)


def _write(rendered: Iterable[_Rendered], out: TextIO, fmt: str) -> tuple[int, int]:
    if fmt == "csv":
        csv.writer(out).writerow(SUMMARY_FIELDS)
    ok = errors = 0
    for good, bad, text in rendered:
        out.write(text)
        ok += good
        errors += bad
    return ok, errors


_R = TypeVar("_R")


def _in_order(
    rows: Iterable[RawRow],
    defaults: Mapping[str, str | None],
    count: int,
    work: Callable[[list[_Task]], _R],
) -> Iterator[_R]:
    """`work` applied to each chunk of rows, results in input order, in `count` workers."""
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        _init_worker(defaults)
        for chunk in _chunks(rows):
            yield work(chunk)
        return
    bundled_library()  # load once in the parent; forked workers share it
    gc.collect()
    gc.freeze()  # keep the collector from touching (and so copying) the shared pages in workers
    try:
        with ProcessPoolExecutor(
            count,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_init_worker,
            initargs=(dict(defaults),),
        ) as pool:
            pending: deque[Future[_R]] = deque()
            for chunk in _chunks(rows):
                pending.append(pool.submit(work, chunk))
                if len(pending) >= _WINDOW * count:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
    finally:
        gc.unfreeze()


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value
