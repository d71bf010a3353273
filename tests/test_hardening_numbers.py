"""Issue 14, the numbers: carbon-negative firms (break 4), crafted numbers in files (break 9), bad
sector values (break 10) and the activity save racing a submit (break 11).

Every refusal is checked where a firm or an administrator meets it — `zhizao carbon`, `zhizao
score`, `zhizao standards validate`, `zhizao cert verify`, the admin upload check, the activity
service, the Excel import — and names the key, item or gate (with its line where a file has one).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path
from textwrap import dedent
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES
from excel_support import fill
from lifecycle_support import *  # noqa: F403 - the fixtures
from lifecycle_support import FixedClock, World, build_world, snapshot
from sqlalchemy import select, text

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.cli.main import main
from assessment.errors import InvalidInput, InvalidTransition
from assessment.excel import build_template
from assessment.excel.reader import read_workbook
from assessment.library import check as library_check
from assessment.storage.db import Database
from assessment.storage.tables import AuditEntry
from assessment.submissions import activity as activity_service
from assessment.submissions import states
from scoring import AnswerError, parse_answers, score
from scoring.carbon import (
    CarbonInputError,
    account,
    check_activity,
    green_figures,
    parse_activity,
)
from standards import DocumentError, Standard, bundled_library, load_library
from standards.yamlsafe import parse_text

ADMIN = Principal(1, Role.ADMINISTRATOR, None, "admin@test.invalid")
EXAMPLE_ACTIVITY: dict[str, Any] = yaml.safe_load(
    (EXAMPLES / "activity-discrete-2025.yaml").read_text(encoding="utf-8")
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def activity(**energy: float) -> dict[str, Any]:
    return {
        "year": 2025,
        "region": "330206",
        "output_value_10k_yuan": 1000,
        "value_added_10k_yuan": 100,
        "energy": energy,
    }


def activity_yaml(energy: str, region: str = '"330206"') -> str:
    return (
        f"year: 2025\nregion: {region}\noutput_value_10k_yuan: 1000\n"
        f"value_added_10k_yuan: 100\nenergy:\n{energy}"
    )


# --- break 4: carbon-negative firms ---------------------------------------------------------------

# 10 000 kWh bought, 500 000 kWh "exported" and nothing generated: today tce, tCO2 and L all come
# out negative and the 碳效码 says "low carbon".
CARBON_NEGATIVE = activity(electricity_kwh=10_000, exported_electricity_kwh=500_000)
EXPORT_MESSAGE = "exported electricity (500000 kWh) is more than the electricity generated on site"


def factors() -> Any:
    library = bundled_library().factors
    assert library is not None
    return library


def test_exports_beyond_self_generation_are_refused_by_the_accounting() -> None:
    with pytest.raises(CarbonInputError) as caught:
        account(parse_activity(CARBON_NEGATIVE), factors())
    ((path, message),) = [(p.loc, p.message()) for p in caught.value.problems]
    assert path == ("energy", "exported_electricity_kwh")
    assert message.startswith(EXPORT_MESSAGE)


def test_exported_heat_beyond_what_the_firm_has_is_refused() -> None:
    # 1000 GJ of heat out, 10 GJ bought and nothing burned: the heat has no source.
    data = activity(purchased_heat_gj=10, exported_heat_gj=1000)
    with pytest.raises(CarbonInputError) as caught:
        account(parse_activity(data), factors())
    ((path, message),) = [(p.loc, p.message()) for p in caught.value.problems]
    assert path == ("energy", "exported_heat_gj")
    assert message.startswith("exported heat (1000 GJ")
    # Heat made from fuels burned on site may leave the site: 50 t of diesel are about 73 tce,
    # 1000 GJ of heat 34 tce.
    made_on_site = activity(diesel_t=50, exported_heat_gj=1000)
    assert account(parse_activity(made_on_site), factors()).energy_tce > 0


def test_a_solar_exporter_nets_to_zero_never_below() -> None:
    """Self-generated power may be exported; the credit then exceeds what the firm emits. The
    totals, L and the green figures stop at zero, and a note says so."""
    data = activity(
        electricity_kwh=10_000,
        self_generated_renewable_kwh=1_000_000,
        exported_electricity_kwh=900_000,
    )
    result = account(parse_activity(data), factors())
    assert result.energy_tce >= 0
    assert result.total_tco2 == 0
    assert result.total_market_tco2 == 0
    assert result.carbon_efficiency.tco2 == 0
    assert result.carbon_efficiency.L == 0
    assert result.intensity.tco2_per_10k_yuan_value_added == 0
    assert any("never below" in note for note in result.notes)
    figures = green_figures(result)
    assert figures["carbon_intensity_output"] == 0
    assert 0 <= figures["renewable_share"] <= 100


def test_figures_beyond_any_number_name_the_value_they_divide_by() -> None:
    data = {**activity(electricity_kwh=1_000_000), "value_added_10k_yuan": 1e-308}
    with pytest.raises(CarbonInputError) as caught:
        account(parse_activity(data), factors())
    ((path, message),) = [(p.loc, p.message()) for p in caught.value.problems]
    assert path == ("value_added_10k_yuan",)
    assert message.startswith("the CO2 per 10k yuan of value added comes out beyond any number")


def test_check_activity_is_parse_and_account_in_one() -> None:
    assert check_activity(EXAMPLE_ACTIVITY, factors()) == account(
        parse_activity(EXAMPLE_ACTIVITY), factors()
    )
    with pytest.raises(CarbonInputError, match="expected a mapping of activity data"):
        check_activity([1, 2], factors())
    with pytest.raises(CarbonInputError) as caught:
        check_activity(CARBON_NEGATIVE, factors())
    assert caught.value.problems[0].message().startswith(EXPORT_MESSAGE)


def test_cli_refuses_a_carbon_negative_file_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "negative.yaml",
        activity_yaml("  electricity_kwh: 10000\n  exported_electricity_kwh: 500000\n"),
    )
    code, out, err = run(capsys, "carbon", str(path), "--json")
    assert code == 1
    assert out == ""
    assert f"{path}:7:29: energy.exported_electricity_kwh: {EXPORT_MESSAGE}" in err


def test_excel_import_refuses_a_carbon_negative_activity_sheet() -> None:
    template = build_template("gbt36132-2025")
    data = fill(template, {"standard": "gbt36132-2025"}, activity=CARBON_NEGATIVE)
    report = read_workbook(data)
    problems = [str(p) for p in report.problems]
    assert any(f"energy.exported_electricity_kwh: {EXPORT_MESSAGE}" in p for p in problems), (
        problems
    )
    assert report.activity is None


BAD_ACTIVITY = {
    "negative electricity": (
        activity(electricity_kwh=-5),
        "energy.electricity_kwh: must not be negative (got -5)",
    ),
    "unknown fuel": (
        activity(electricity_kwh=1000, peat_t=3),
        "energy.peat_t: unknown energy key 'peat_t'",
    ),
    "green above purchased": (
        activity(electricity_kwh=1000, green_electricity_kwh=5000),
        "energy.green_electricity_kwh: green power (5000 kWh) is larger than purchased",
    ),
    "region 999999": (
        {**activity(electricity_kwh=1000), "region": "999999"},
        "region: 999999 is not a GB/T 2260 region code",
    ),
    "exports above self-generation": (
        CARBON_NEGATIVE,
        f"energy.exported_electricity_kwh: {EXPORT_MESSAGE}",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ACTIVITY))
def test_activity_service_refuses_and_stores_nothing(world: World, case: str) -> None:
    data, expected = BAD_ACTIVITY[case]
    sid = world.submission("draft")
    before = snapshot(world.db)
    with pytest.raises(InvalidInput) as caught:
        activity_service.save_activity(world.ent_a, world.db, sid, data, clock=world.clock)
    texts = [p.text() for p in caught.value.problems]
    assert any(p.startswith(expected) for p in texts), texts
    assert snapshot(world.db) == before


# --- break 9: crafted numbers ---------------------------------------------------------------------

DIGITS_5000 = "9" * 5000
CRAFTED = {
    "int tag on text": ("!!int abc", "'abc' is not a whole number"),
    "float tag on text": ("!!float abc", "'abc' is not a number"),
    "5000 digits": (DIGITS_5000, "a whole number of 5,000 digits is too large"),
    "minus 5000 digits": ("-" + DIGITS_5000, "a whole number of 5,000 digits is too large"),
    "nan": (".nan", "NaN (not a number) is not accepted"),
    "infinity": (".inf", "infinity is not accepted"),
    "minus infinity": ("-.inf", "infinity is not accepted"),
    "overflowing float": ("1e999", "1e999 is too large"),
    "bool tag on text": ("!!bool maybe", "'maybe' is not true or false"),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_the_yaml_loader_locates_crafted_numbers(case: str) -> None:
    value, expected = CRAFTED[case]
    with pytest.raises(DocumentError) as caught:
        parse_text(f"first: 1\nsecond: {value}\n", "crafted.yaml")
    (issue,) = caught.value.issues
    assert (issue.file, issue.line, issue.column) == ("crafted.yaml", 2, 9)
    assert expected in issue.text()


def small_standard(**changes: str) -> str:
    """A one-item standard (a lower-is-better quantity) with a min_value gate."""
    text = dedent(
        """\
        schema_version: 1
        document: standard
        id: small
        edition: "1"
        title: {zh: 小标准, en: Small standard}
        provenance: {label: INFERRED, source: test}
        item_provenance: {label: INFERRED, source: test}
        profiles:
          - {id: p1, name: {zh: 一, en: One}}
        scoring:
          method: points
          max_total: 8
          not_applicable: {value: renormalise, provenance: {label: INFERRED, source: test}}
        nodes:
          - {id: E1, level: element, name: {zh: 甲, en: A}}
        items:
          - id: Q
            node: E1
            title: {zh: 能耗, en: Energy intensity}
            rule:
              kind: quantity
              direction: negative
              unit: "kgce/万元"
              points: 8
              minimum: 0
              baseline: {value: 60, provenance: {label: INFERRED, source: test}}
              leading: {value: 20, provenance: {label: INFERRED, source: test}}
        gates:
          - id: investment
            kind: min_value
            title: {zh: 投资, en: Investment}
            clause: test
            unit: "万元"
            thresholds:
              p1:
                default: {value: 2000, unit: "万元", provenance: {label: INFERRED, source: test}}
            provenance: {label: INFERRED, source: test}
        """
    )
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


def test_the_small_standard_is_valid(tmp_path: Path) -> None:
    load_library([write(tmp_path / "small.yaml", small_standard())])


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_standards_validate_locates_crafted_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    value, expected = CRAFTED[case]
    path = write(tmp_path / "small.yaml", small_standard(**{"max_total: 8": f"max_total: {value}"}))
    code, out, err = run(capsys, "standards", "validate", str(path))
    assert code == 1
    assert out == ""
    assert f"{path}:12:14: " in err
    assert expected in err


def test_nan_and_infinity_spelt_as_text_are_refused_by_the_models(tmp_path: Path) -> None:
    """`"NaN"` and `"Infinity"` are strings to YAML; pydantic would still read them as numbers."""
    for spelling in ('"NaN"', '"Infinity"', '"-inf"'):
        path = write(
            tmp_path / "small.yaml", small_standard(**{"max_total: 8": f"max_total: {spelling}"})
        )
        with pytest.raises(DocumentError) as caught:
            load_library([path])
        (issue,) = caught.value.issues
        assert issue.line == 12
        assert "scoring.max_total: Input should be a finite number" in issue.text()


@pytest.mark.parametrize("case", ["int tag on text", "5000 digits", "nan"])
def test_the_admin_upload_check_locates_crafted_numbers(case: str) -> None:
    value, expected = CRAFTED[case]
    text = small_standard(**{"max_total: 8": f"max_total: {value}"})
    checked = library_check.check_upload(ADMIN, "small.yaml", text.encode("utf-8"))
    assert not checked.ok
    (issue,) = checked.issues
    assert (issue.file, issue.line, issue.column) == ("small.yaml", 12, 14)
    assert expected in issue.text()


ANSWERS = """\
standard: zj-future-factory
profile: dws
industry_type: discrete
answers:
  FF-001: A
gates:
  investment: 1600
"""


@pytest.mark.parametrize("case", ["int tag on text", "float tag on text", "5000 digits", "nan"])
def test_score_locates_crafted_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    value, expected = CRAFTED[case]
    path = write(tmp_path / "answers.yaml", ANSWERS.replace("1600", value))
    code, out, err = run(capsys, "score", str(path))
    assert code == 1
    assert out == ""
    assert f"{path}:7:15: " in err
    assert expected in err


def test_score_and_carbon_locate_a_5000_digit_number_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = write(
        tmp_path / "answers.json",
        '{"standard": "zj-future-factory", "profile": "dws",\n'
        f' "gates": {{"investment": {DIGITS_5000}}}}}\n',
    )
    code, _, err = run(capsys, "score", str(answers))
    assert code == 1
    assert f"{answers}:2:26: a whole number of 5,000 digits is too large" in err
    energy = write(
        tmp_path / "activity.json",
        '{"year": 2025, "output_value_10k_yuan": 1000, "value_added_10k_yuan": 100,\n'
        f' "energy": {{"electricity_kwh": {DIGITS_5000}}}}}\n',
    )
    code, _, err = run(capsys, "carbon", str(energy))
    assert code == 1
    assert f"{energy}:2:32: a whole number of 5,000 digits is too large" in err


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_carbon_locates_crafted_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    value, expected = CRAFTED[case]
    path = write(tmp_path / "activity.yaml", activity_yaml(f"  electricity_kwh: {value}\n"))
    code, out, err = run(capsys, "carbon", str(path), "--json")
    assert code == 1
    assert out == ""
    assert f"{path}:6:20: " in err
    assert expected in err


def test_carbon_json_never_prints_infinity(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """1e306 MWh is a finite number; in kWh, tce and tCO2 it is not."""
    path = write(tmp_path / "activity.yaml", activity_yaml("  electricity_mwh: 1.0e306\n"))
    code, out, err = run(capsys, "carbon", str(path), "--json")
    assert "Infinity" not in out
    assert "NaN" not in out
    assert code == 1
    assert f"{path}:6:20: energy.electricity_mwh: 1e+306 MWh is too large to account" in err
    assert "too large" in err


def envelope_pdf(envelope: bytes) -> bytes:
    """The smallest PDF that carries an embedded file: what a forger could hand a verifier."""
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /EmbeddedFile >>\nstream\n"
        + envelope
        + b"\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n"
    )


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (DIGITS_5000, "a whole number of 5,000 digits is too large"),
        ("NaN", "NaN (not a number) is not accepted"),
        ("-Infinity", "infinity is not accepted"),
        ("1e999", "1e999 is too large"),
    ],
)
def test_cert_verify_reports_a_crafted_envelope_as_malformed(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    number: str,
    expected: str,
) -> None:
    monkeypatch.setenv("ZHIZAO_KEY_DIR", str(tmp_path / "keys"))
    assert run(capsys, "keys", "init")[0] == 0
    envelope = '{"format": "zhizao.signed-certificate/1",\n "serial": ' + number + "}"
    pdf = write(tmp_path / "forged.pdf", "")
    pdf.write_bytes(envelope_pdf(envelope.encode("ascii")))
    code, out, err = run(capsys, "cert", "verify", str(pdf), "--offline", "--json")
    assert code == 1
    verdict = json.loads(out)
    assert verdict["reason"] == "malformed"
    assert "line 2" in verdict["message"]
    assert expected in verdict["message"]
    assert "Traceback" not in err


# --- break 10: bad sector values ------------------------------------------------------------------

GREEN = "gbt36132-2025"
INTENSITY = "energy-intensity"  # lower is better, sector baseline / leading from the firm


def green_answers(answer: object) -> dict[str, Any]:
    return {"standard": GREEN, "profile": "self-evaluation", "answers": {INTENSITY: answer}}


def green_standard() -> Standard:
    return bundled_library().standard(GREEN)


def answer_problems(data: dict[str, Any], standard: Standard) -> list[str]:
    with pytest.raises(AnswerError) as caught:
        parse_answers(data, standard)
    return [p.text() for p in caught.value.problems]


def test_the_green_intensity_item_is_lower_is_better() -> None:
    item = next(i for i in green_standard().items if i.id == INTENSITY)
    assert item.rule.kind == "quantity"
    assert item.rule.direction.value == "negative"
    assert item.rule.minimum == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"value": 40, "baseline": 50, "leading": 50},
            f"answers.{INTENSITY}: the baseline and the leading value are both 50 kgce/万元",
        ),
        (
            # lower is better: 90 is worse than the baseline 60, yet it scored 7.5 of 8 points
            {"value": 90, "baseline": 60, "leading": 100},
            f"answers.{INTENSITY}: lower is better here, so the leading value (100 kgce/万元) "
            "must be below the baseline (60 kgce/万元)",
        ),
        (
            {"value": 40, "baseline": -1e308, "leading": 20},
            f"answers.{INTENSITY}: the baseline -1e+308 kgce/万元 is below the physical minimum 0",
        ),
        (
            {"value": 40, "baseline": 60, "leading": -3},
            f"answers.{INTENSITY}: the leading value -3 kgce/万元 is below the physical minimum 0",
        ),
    ],
)
def test_bad_sector_values_are_refused(answer: dict[str, Any], expected: str) -> None:
    problems = answer_problems(green_answers(answer), green_standard())
    assert any(p.startswith(expected) for p in problems), problems


def test_bad_sector_values_of_one_product_name_the_product() -> None:
    answer = {
        "products": [
            {"value": 40, "baseline": 60, "leading": 20, "weight": 1},
            {"value": 40, "baseline": 30, "leading": 30, "weight": 1},
        ]
    }
    problems = answer_problems(green_answers(answer), green_standard())
    assert any(p.startswith(f"answers.{INTENSITY}.products[1]: the baseline") for p in problems)


def test_good_sector_values_still_score() -> None:
    std = green_standard()
    answers = parse_answers(green_answers({"value": 40, "baseline": 60, "leading": 20}), std)
    item = next(t for t in score(std, answers).items if t.id == INTENSITY)
    assert item.points == pytest.approx(8 * (40 - 60) / (20 - 60))


def test_a_negative_investment_is_refused() -> None:
    ff = bundled_library().standard("zj-future-factory")
    data = {"profile": "dws", "industry_type": "discrete", "answers": {}}
    for value in (-5, {"value": -5, "variant": "mountain_island"}):
        problems = answer_problems({**data, "gates": {"investment": value}}, ff)
        assert problems == [
            "gates.investment: -5 万元 is negative; expected an amount of 0 or more"
        ]


@pytest.mark.parametrize(
    ("change", "line", "expected"),
    [
        (
            {"baseline: {value: 60": "baseline: {value: -1.0e308"},
            26,
            "the baseline -1e+308 kgce/万元 is below the item's physical minimum 0",
        ),
        (
            {"default: {value: 2000": "default: {value: -2000"},
            36,
            "the threshold -2000 万元 is negative; a min_value gate compares an amount of 0 or "
            "more",
        ),
    ],
)
def test_bad_values_in_a_standard_file_are_located(
    tmp_path: Path, change: dict[str, str], line: int, expected: str
) -> None:
    path = write(tmp_path / "small.yaml", small_standard(**change))
    with pytest.raises(DocumentError) as caught:
        load_library([path])
    (issue,) = caught.value.issues
    assert issue.line == line
    assert issue.text() == expected


# --- break 11: the activity save and a submit, at the same time (PostgreSQL) --------------------


def test_activity_save_never_lands_after_submit(
    fresh_url: Callable[[str], str],
    open_db: Callable[[str], Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The save pauses inside its transaction, after it read the submission as a draft; the
    submit commits meanwhile. Afterwards the save either came first or was refused."""
    url = fresh_url("postgresql")
    setup = open_db(url)
    world = build_world(setup, FixedClock())
    sid = world.submission("draft")
    saver, submitter = open_db(url), open_db(url)
    inside, go_on = threading.Event(), threading.Event()
    real_is_member = states.is_member

    def slow_is_member(actor: Principal, sub: Any) -> bool:
        if threading.current_thread().name == "saver":  # the submit checks its party too
            inside.set()
            assert go_on.wait(60), "the submit never finished"
        return real_is_member(actor, sub)

    monkeypatch.setattr(states, "is_member", slow_is_member)  # inside the table's party check
    outcome: list[object] = []

    def save() -> None:
        try:
            outcome.append(
                activity_service.save_activity(world.ent_a, saver, sid, EXAMPLE_ACTIVITY)
            )
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=save, name="saver")
    thread.start()
    assert inside.wait(60), "the save never reached its transaction"
    submissions.submit(world.ent_a, submitter, sid, expected_version=world.version(sid))
    go_on.set()
    thread.join(60)
    assert not thread.is_alive()
    (result,) = outcome
    assert isinstance(result, InvalidTransition), result
    assert "draft or returned" in str(result)
    assert activity_service.list_activity(world.ent_a, setup, sid) == []
    assert submissions.get_submission(world.admin, setup, sid).status == "submitted"


def test_a_save_past_its_guard_comes_before_the_submit(
    fresh_url: Callable[[str], str],
    open_db: Callable[[str], Database],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other order: the save has passed its guard (and holds the submission row) when the
    submit starts. The submit waits for the save's commit; the data is stored before it."""
    url = fresh_url("postgresql")
    setup = open_db(url)
    world = build_world(setup, FixedClock())
    sid = world.submission("draft")
    saver, submitter = open_db(url), open_db(url)
    inside, go_on = threading.Event(), threading.Event()
    real_record = activity_service.audit.record

    def slow_record(*args: Any, **kwargs: Any) -> None:
        inside.set()
        assert go_on.wait(60), "the submit never started waiting"
        real_record(*args, **kwargs)

    monkeypatch.setattr(activity_service, "audit", SimpleNamespace(record=slow_record))
    outcome: dict[str, object] = {}

    def job(name: str, work: Callable[[], object]) -> threading.Thread:
        def run_it() -> None:
            try:
                outcome[name] = work()
            except Exception as exc:
                outcome[name] = exc

        thread = threading.Thread(target=run_it)
        thread.start()
        return thread

    version = world.version(sid)
    saving = job(
        "save", lambda: activity_service.save_activity(world.ent_a, saver, sid, EXAMPLE_ACTIVITY)
    )
    assert inside.wait(60), "the save never reached its audit entry"
    submitting = job(
        "submit", lambda: submissions.submit(world.ent_a, submitter, sid, expected_version=version)
    )
    # Release the save only once the submit is seen waiting for the row the save holds. Each
    # look is its own transaction: PostgreSQL keeps pg_stat_activity as of a transaction's start.
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with setup.engine.connect() as watch:
        for _ in range(6000):
            seen = watch.execute(waiting).scalar_one()
            watch.rollback()
            if seen >= 1:
                break
            threading.Event().wait(0.01)
        else:
            pytest.fail("the submit never waited for the save")
    go_on.set()
    saving.join(60)
    submitting.join(60)
    assert isinstance(outcome["save"], activity_service.ActivityView), outcome
    assert isinstance(outcome["submit"], submissions.SubmissionView), outcome
    with setup.read() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.submission_id == sid)
            .where(AuditEntry.action.in_(["activity.save", "submission.submit"]))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["activity.save", "submission.submit"]
    assert [v.year for v in activity_service.list_activity(world.ent_a, setup, sid)] == [2025]


def test_batch_rows_and_cli_json_inputs_refuse_crafted_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same number rules hold for `score --batch` rows, `cert render` records, `report
    export --benchmark` files and database exports: a message, never a ValueError traceback."""
    rows = tmp_path / "rows.jsonl"
    huge = "9" * 5000
    rows.write_text(
        '{"standard": "gbt37393-2019", "profile": "digital-workshop", "gates": {"digital-equipment-share": '
        + huge
        + "}}\n",
        encoding="utf-8",
    )
    assert main(["score", "--batch", str(rows)]) in (0, 1)
    printed = capsys.readouterr()
    assert "a whole number of 5,000 digits is too large" in printed.out + printed.err
    assert "Traceback" not in printed.out + printed.err
    record = tmp_path / "record.json"
    record.write_text('{"number": NaN}', encoding="utf-8")
    assert main(["cert", "render", str(record), "--out", str(tmp_path / "c.pdf")]) == 1
    err = capsys.readouterr().err
    assert "record.json:1:" in err
    assert "NaN" in err


def test_print_json_refuses_a_nan_that_slipped_through() -> None:
    from assessment.cli.output import print_json  # noqa: PLC0415

    with pytest.raises(ValueError, match="Out of range float"):
        print_json({"L": float("nan")})
