"""`zhizao score --batch`: JSONL, CSV and folders in; one summary row per firm out, in input order.

Inputs come from the benchmark's generator (bench/make_answers.py), kept small here. Speed is
measured by bench/scoring.py, never asserted in tests.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from assessment.cli import batch
from assessment.cli.batch import SUMMARY_FIELDS, RawRow, read_rows, score_rows
from assessment.cli.main import main
from bench.make_answers import csv_header, csv_row, generate
from scoring import parse_answers, score_summary
from standards import bundled_library

ROWS = 150  # more than one chunk of work, so ordering across workers is exercised
RESULT_FIELDS = [f for f in SUMMARY_FIELDS if f not in ("row", "firm", "status", "error")]


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return list(generate(ROWS, seed=7))


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or csv_header(), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_batch(
    capsys: pytest.CaptureFixture[str], source: Path, *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    """Run the command with JSONL on standard output; return (exit code, rows, stderr)."""
    code = main(["score", "--batch", str(source), *args])
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines()]
    return code, rows, captured.err


def expected(record: dict[str, Any]) -> dict[str, Any]:
    """What score_summary gives for the same answers, outside the batch machinery."""
    library = bundled_library()
    scales = {s.id: s for s in library.scales.scales} if library.scales else {}
    std = library.standard(record["standard"])
    answers = parse_answers(record, std, scales)
    summary = score_summary(std, answers, scales)
    return {k: summary[k] for k in RESULT_FIELDS}


def without_gates(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "gates"}


# --- each input format --------------------------------------------------------------------------


def test_jsonl_one_row_per_firm_in_order_equal_to_score_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", [json.dumps(r, ensure_ascii=False) for r in records])
    code, rows, err = run_batch(capsys, source)
    assert code == 0
    assert f"scored {ROWS} firm(s); 0 row(s) with errors" in err
    assert [r["row"] for r in rows] == list(range(1, ROWS + 1))
    assert [r["firm"] for r in rows] == [r["firm"] for r in records]
    assert {r["status"] for r in rows} == {"ok"}
    for row, record in zip(rows, records, strict=True):
        assert {k: row[k] for k in RESULT_FIELDS} == expected(record), row["row"]
    # The generated mix really is a mix: several profiles, tiers reached and not, gates both ways.
    assert {r["profile"] for r in rows} == {"dws", "sf", "ff"}
    assert {r["tier"] for r in rows} >= {None, "dws"}
    assert {r["eligible"] for r in rows} >= {True, False}


def test_csv_one_row_per_firm_in_order_equal_to_score_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    source = write_csv(tmp_path / "a.csv", [csv_row(r) for r in records])
    code, rows, _ = run_batch(capsys, source)
    assert code == 0
    assert [r["row"] for r in rows] == list(range(2, ROWS + 2))  # row 1 is the header
    assert [r["firm"] for r in rows] == [r["firm"] for r in records]
    multi_seen = False
    for row, record in zip(rows, records, strict=True):
        # CSV has no gate columns, so the same firm without its gate answers.
        assert {k: row[k] for k in RESULT_FIELDS} == expected(without_gates(record)), row["row"]
        multi_seen = multi_seen or any(isinstance(v, list) for v in record["answers"].values())
    assert multi_seen, "the sample should contain multi-select answers written as A|B"


def test_folder_of_yaml_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    sample = records[:12]
    for index, record in enumerate(sample):
        text = yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
        (folder / f"firm-{index:03d}.yaml").write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("not an answers file", encoding="utf-8")
    code, rows, _ = run_batch(capsys, folder)
    assert code == 0
    assert [r["row"] for r in rows] == list(range(1, len(sample) + 1))
    assert [r["firm"] for r in rows] == [r["firm"] for r in sample]
    for row, record in zip(rows, sample, strict=True):
        assert {k: row[k] for k in RESULT_FIELDS} == expected(record)


def test_folder_firm_defaults_to_file_name_and_bad_files_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    folder = tmp_path / "answers"
    folder.mkdir()
    anonymous = {k: v for k, v in records[0].items() if k != "firm"}
    (folder / "a-plant.yaml").write_text(yaml.safe_dump(anonymous), encoding="utf-8")
    (folder / "b-broken.yaml").write_text("answers: [unclosed\n", encoding="utf-8")
    wrong = {**anonymous, "answers": {"FF-001": "Z"}}
    (folder / "c-wrong.json").write_text(json.dumps(wrong), encoding="utf-8")
    code, rows, _ = run_batch(capsys, folder)
    assert code == 1
    assert [r["status"] for r in rows] == ["ok", "error", "error"]
    assert rows[0]["firm"] == "a-plant"
    assert "b-broken.yaml" in rows[1]["error"]
    assert rows[2]["error"].startswith("c-wrong.json: answers.FF-001: 'Z' is not an option")


# --- bad rows -----------------------------------------------------------------------------------


def bad_rows(records: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """(JSONL line, expected fragment of the error message or None for a good row)."""
    good = records[0]
    unknown_item = {**good, "answers": {**good["answers"], "FF-999": "B"}}
    off_ladder = {**good, "answers": {**good["answers"], "FF-001": "Z"}}
    no_standard = {k: v for k, v in good.items() if k != "standard"}
    unknown_standard = {**good, "standard": "no-such-standard"}
    return [
        (json.dumps(good, ensure_ascii=False), None),
        ('{"firm": "broken", "answers": {', "not valid JSON"),
        (json.dumps(unknown_item), "answers.FF-999: unknown item id"),
        (json.dumps(off_ladder), "answers.FF-001: 'Z' is not an option of this item"),
        (json.dumps(no_standard), "standard: missing"),
        (json.dumps(unknown_standard), "unknown standard 'no-such-standard'"),
        ("[1, 2, 3]", "expected a JSON object of answers"),
        (json.dumps(records[1], ensure_ascii=False), None),
    ]


def test_bad_jsonl_rows_are_reported_by_row_number_and_the_rest_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    cases = bad_rows(records)
    lines = [line for line, _ in cases]
    lines.insert(3, "")  # a blank line is skipped but still counts for the numbering
    source = write_jsonl(tmp_path / "bad.jsonl", lines)
    code, rows, err = run_batch(capsys, source)
    assert code == 1
    assert "scored 2 firm(s); 6 row(s) with errors" in err
    assert [r["row"] for r in rows] == [1, 2, 3, 5, 6, 7, 8, 9]
    for row, (_, problem) in zip(rows, cases, strict=True):
        if problem is None:
            assert row["status"] == "ok"
            assert row["error"] is None
            assert row["total"] is not None
        else:
            assert row["status"] == "error"
            assert problem in row["error"], row
            assert row["total"] is None
    assert rows[2]["firm"] == records[0]["firm"]  # known firm, even when its answers are wrong


def test_bad_csv_rows_are_reported_by_row_number_and_the_rest_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    good = csv_row(records[0])
    header = [*csv_header(), "FF-999"]
    rows_in = [
        good,
        {**good, "FF-999": "B"},
        {**good, "FF-001": "Z"},
        {**good, "standard": ""},
        {**good, "standard": "no-such-standard"},
        csv_row(records[1]),
    ]
    source = write_csv(tmp_path / "bad.csv", rows_in, header)
    code, rows, _ = run_batch(capsys, source)
    assert code == 1
    assert [r["row"] for r in rows] == [2, 3, 4, 5, 6, 7]
    assert [r["status"] for r in rows] == ["ok", "error", "error", "error", "error", "ok"]
    assert "answers.FF-999: unknown item id" in rows[1]["error"]
    assert "answers.FF-001: 'Z' is not an option" in rows[2]["error"]
    assert "standard: missing" in rows[3]["error"]
    assert "unknown standard 'no-such-standard'" in rows[4]["error"]


def test_csv_row_with_more_cells_than_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    source = tmp_path / "ragged.csv"
    good = csv_row(records[0])
    body = ",".join(good.get(c, "") for c in csv_header())
    source.write_text(f"{','.join(csv_header())}\n{body},surplus\n{body}\n", encoding="utf-8")
    code, rows, _ = run_batch(capsys, source)
    assert code == 1
    assert [r["status"] for r in rows] == ["error", "ok"]
    assert rows[0]["row"] == 2
    assert "more cells than header columns: ['surplus']" in rows[0]["error"]


def test_bytes_that_are_not_utf8_spoil_only_their_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    good = json.dumps(records[0], ensure_ascii=False).encode()
    jsonl = tmp_path / "latin1.jsonl"
    jsonl.write_bytes(good + b"\n" + '{"firm": "Café"}'.encode("latin-1") + b"\n" + good + b"\n")
    code, rows, _ = run_batch(capsys, jsonl)
    assert code == 1
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    assert rows[1]["row"] == 2
    assert rows[1]["error"].startswith("not valid UTF-8")
    # The same in CSV (which also starts with a byte-order mark here, as Excel writes it).
    csv_file = tmp_path / "latin1.csv"
    body = ",".join(csv_row(records[0]).get(c, "") for c in csv_header())
    header = ",".join(csv_header())
    latin1 = f"Café,{body.split(',', 1)[1]}".encode("latin-1")
    csv_file.write_bytes(
        b"\xef\xbb\xbf" + f"{header}\n{body}\n".encode() + latin1 + f"\n{body}\n".encode()
    )
    code, rows, _ = run_batch(capsys, csv_file)
    assert code == 1
    assert [r["status"] for r in rows] == ["ok", "error", "ok"]
    assert [r["row"] for r in rows] == [2, 3, 4]
    assert rows[1]["error"].startswith("not valid UTF-8")


def test_standard_given_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    no_standard = {k: v for k, v in records[0].items() if k != "standard"}
    source = write_jsonl(tmp_path / "a.jsonl", [json.dumps(no_standard)])
    code, rows, _ = run_batch(capsys, source, "--standard", "zj-future-factory")
    assert code == 0
    assert rows[0]["total"] == expected(records[0])["total"]


# --- output -------------------------------------------------------------------------------------


def test_csv_output_has_the_header_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]]
) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records[:5]] + ["{oops"]
    source = write_jsonl(tmp_path / "a.jsonl", lines)
    out = tmp_path / "summary.csv"
    code = main(["score", "--batch", str(source), "--out", str(out)])
    capsys.readouterr()
    assert code == 1
    with out.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        written = list(reader)
    assert tuple(reader.fieldnames or ()) == SUMMARY_FIELDS
    assert [r["row"] for r in written] == ["1", "2", "3", "4", "5", "6"]
    assert written[0]["complete"] in ("true", "false")
    assert written[0]["total"] == str(expected(records[0])["total"])
    assert written[5]["status"] == "error"
    assert written[5]["total"] == ""
    # --format csv on standard output gives the same text.
    code = main(["score", "--batch", str(source), "--format", "csv"])
    assert capsys.readouterr().out.replace("\r\n", "\n") == out.read_text(encoding="utf-8").replace(
        "\r\n", "\n"
    )


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_one_and_two_workers_give_identical_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], records: list[dict[str, Any]], fmt: str
) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines[40] = "{not json"  # an error row in the middle must keep its place
    source = write_jsonl(tmp_path / "a.jsonl", lines)
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}.{fmt}"
        code = main(["score", "--batch", str(source), "--out", str(out), "--workers", workers])
        assert code == 1
        outputs.append(out.read_bytes())
    capsys.readouterr()
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == ROWS + (1 if fmt == "csv" else 0)


# --- streaming ----------------------------------------------------------------------------------


def test_batch_streams_instead_of_reading_everything_first() -> None:
    """Only a bounded window of rows is read ahead of the first result, with two workers."""
    pulled = 0

    def rows() -> Iterator[RawRow]:
        nonlocal pulled
        for number in range(1, 20_001):
            pulled += 1
            yield RawRow(number, error="unreadable")  # cheap rows: only the plumbing is tested

    results = score_rows(rows(), {}, workers=2)
    first = next(results)
    assert first["row"] == 1
    assert pulled <= (batch._WINDOW * 2 + 1) * batch.CHUNK
    assert sum(1 for _ in results) == 19_999


def test_read_rows_leaves_decoding_to_the_workers(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "a.jsonl", ['{"firm": "x"}', "", "not json"])
    assert [(r.number, r.line) for r in read_rows(source)] == [
        (1, b'{"firm": "x"}\n'),
        (3, b"not json\n"),
    ]
    buffer = io.StringIO()
    ok, errors = batch.write_rows(score_rows(read_rows(source), {}, workers=1), buffer, "jsonl")
    assert (ok, errors) == (0, 2)
    assert [json.loads(line)["row"] for line in buffer.getvalue().splitlines()] == [1, 3]
