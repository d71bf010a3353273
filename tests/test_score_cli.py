"""`zhizao score` end to end: human summary, JSON contract, derived carbon values, bad input."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

import pytest

from assessment.cli.carbon import read_carbon
from assessment.cli.main import COMMAND_MODULES, COMMANDS, main
from scoring.carbon import green_figures

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", str(EXAMPLES / "ff-discrete-smart-factory.yaml"), "--json")
    assert code == 0
    result = json.loads(out)
    for key in ("total", "max_total", "percent", "tier", "complete", "missing", "gates", "nodes"):
        assert key in result
    assert set(result["standard"]) == {"id", "edition", "sha256"}
    assert {"id", "passed", "clause", "message"} <= set(result["gates"][0])
    assert {"id", "points", "max_points"} <= set(result["nodes"][0])
    assert {"id", "answer", "points", "max_points"} <= set(result["items"][0])
    assert result["tier"] == "dws"
    assert result["next_tier"]["tier"] == "sf"
    assert result["next_tier"]["reachable"] is True
    assert [view["standard"] for view in result["derived"]] == ["gbt39116-2020", "gbt36132-2025"]
    assert all(view["label"] == "INFERRED" for view in result["derived"])


def test_human_summary_is_bilingual(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", str(EXAMPLES / "ff-process-digital-workshop.yaml"))
    assert code == 0
    assert "总分 Total:" in out
    assert "下一等级 Next: dws" in out
    assert "回执 Receipt:" in out
    assert "非官方编码 Unofficial encodings used:" in out


def test_profile_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "score",
        str(EXAMPLES / "ff-discrete-smart-factory.yaml"),
        "--profile",
        "ff",
        "--json",
    )
    assert code == 0
    result = json.loads(out)
    assert result["profile"] == "ff"
    assert result["complete"] is False  # the future-factory-only items were not answered
    assert "FF-081" in result["missing"]


def test_values_computed_from_energy_data(capsys: pytest.CaptureFixture[str]) -> None:
    activity = EXAMPLES / "activity-discrete-2025.yaml"
    carbon, problems = read_carbon(activity)
    assert carbon is not None, problems
    figures = green_figures(carbon)
    code, out, _ = run(
        capsys,
        "score",
        str(EXAMPLES / "green-self-evaluation-2025.yaml"),
        "--activity",
        str(activity),
        "--json",
    )
    assert code == 0
    items = {i["id"]: i for i in json.loads(out)["items"]}
    # carbon-intensity: negative indicator, baseline 260, leading 150 (the example's sector values)
    # points = 8 × (260 − x) / (260 − 150), x = the computed kgCO2 per 10k yuan of output
    x = figures["carbon_intensity_output"]
    assert items["carbon-intensity"]["points"] == pytest.approx(8 * (260 - x) / 110, abs=1e-4)
    assert items["carbon-intensity"]["note"] == "computed from carbon accounting"
    # renewable-share: positive, baseline 0, leading 30 → 8 × x / 30
    share = figures["renewable_share"]
    assert items["renewable-share"]["points"] == pytest.approx(8 * share / 30, abs=1e-4)


def test_derived_items_without_energy_data_are_missing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "score", str(EXAMPLES / "green-self-evaluation-2025.yaml"), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["complete"] is False
    assert set(result["missing"]) == {"energy-intensity", "carbon-intensity", "renewable-share"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "profile: sf\nindustry_type: discrete\nanswers: {FF-001: G}\n",
            "answers.FF-001: 'G' is not an option",
        ),
        (
            "profile: sf\nindustry_type: discrete\nanswers: {FF-777: A}\n",
            "answers.FF-777: unknown item id",
        ),
        ("profile: zz\nindustry_type: discrete\nanswers: {}\n", "profile: unknown profile 'zz'"),
        ("profile: sf\nanswers: {}\n", "industry_type: missing"),
        ("profile: sf\nindustry_type: discrete\nanwsers: {}\n", "anwsers: unknown field(s)"),
    ],
)
def test_bad_answers_exit_1_naming_the_item(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: str, expected: str
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("standard: zj-future-factory\n" + body, encoding="utf-8")
    code, _, err = run(capsys, "score", str(path))
    assert code == 1
    assert expected in err
    assert str(path) in err


def test_missing_standard_and_unknown_standard(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("answers: {}\n", encoding="utf-8")
    code, _, err = run(capsys, "score", str(path))
    assert code == 1
    assert "pass --standard ID" in err
    code, _, err = run(capsys, "score", str(path), "--standard", "nope")
    assert code == 1
    assert "unknown standard 'nope'" in err


def test_not_yaml(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\x00\x01\x02 binary")
    code, _, err = run(capsys, "score", str(path))
    assert code == 1
    assert "binary" in err


def test_command_map_matches_what_the_modules_register() -> None:
    registered: dict[str, str] = {}
    for name in COMMAND_MODULES:
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers()
        importlib.import_module(name).register(sub)
        registered.update(dict.fromkeys(sub.choices, name))
    assert registered == COMMANDS


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("standards", "score", "carbon", "cert", "db", "benchmark", "template"):
        assert command in out
