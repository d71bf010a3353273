"""Every option of the future-factory file states exactly the question bank's criteria.

A firm picks a letter by reading its descriptor, so each descriptor must carry the facts of the bank's
option (tests/reference/future-factory-options.csv, THIRD-PARTY): the same points and tier, every
numeric threshold (as data and in the Chinese text, with number, unit and comparator), the
"builds on" link (as data and in both texts), every named system, and for the options the bank words
differently for discrete and process plants, one text per industry type.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from golden_support import previous_ff_edition

from standards import bundled_library
from standards.models import (
    ChoiceRule,
    IndustryType,
    Label,
    MultiRule,
    Option,
    Standard,
    Threshold,
    ThresholdOp,
)

ROOT = Path(__file__).resolve().parents[1]
FACTS = ROOT / "tests" / "reference" / "future-factory-options.csv"
WORKSPACE_FACTS = ROOT.parent / "shared" / "reference" / "future-factory-options.csv"
TIERS = {"——": None, "数字化车间": "dws", "智能工厂": "sf", "未来工厂": "ff"}
CHINESE_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


@dataclass(frozen=True)
class Fact:
    item: str
    option: str
    points: float
    tier: str | None
    builds_on: str | None
    thresholds: tuple[str, ...]
    named: dict[str | None, tuple[str, ...]]  # None: every variant; "discrete"/"process"
    split: bool


def _named(cell: str) -> dict[str | None, tuple[str, ...]]:
    found: dict[str | None, list[str]] = {None: [], "discrete": [], "process": []}
    prefixes = {"离散:": "discrete", "流程:": "process"}
    for part in (p.strip() for p in cell.split(";") if p.strip()):
        prefix = next((p for p in prefixes if part.startswith(p)), "")
        names = part.removeprefix(prefix)
        found[prefixes.get(prefix)] += [n.strip() for n in names.split(",") if n.strip()]
    return {k: tuple(v) for k, v in found.items()}


def _facts() -> list[Fact]:
    with FACTS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Fact(
            item=r["item_id"],
            option=r["option"],
            points=float(r["points"]),
            tier=TIERS[r["tier"]],
            builds_on=r["builds_on"] or None,
            thresholds=tuple(t.strip() for t in r["thresholds"].split(";") if t.strip()),
            named=_named(r["named_things"]),
            split=any(m in r["scope"] + r["named_things"] for m in ("离散:", "流程:")),
        )
        for r in rows
    ]


def _number(text: str) -> float:
    return float(CHINESE_NUMERALS[text]) if text in CHINESE_NUMERALS else float(text)


def parse_threshold(text: str) -> tuple[str, ThresholdOp, float, float | None, str]:
    """'新一代信息技术≥4种' → (what, op, value, upper, unit), as the facts table writes them."""
    num = r"(\d+(?:\.\d+)?|[一二两三四五])"
    if m := re.fullmatch(rf"(.+?)=近{num}(.+)", text):
        return m[1], ThresholdOp.WITHIN_LAST, _number(m[2]), None, m[3]
    if m := re.fullmatch(rf"(.+?)前{num}", text):
        return m[1], ThresholdOp.TOP, _number(m[2]), None, ""
    if m := re.fullmatch(rf"(.+?)(≥|>){num}(.*)", text):
        op = ThresholdOp.AT_LEAST if m[2] == "≥" else ThresholdOp.MORE_THAN
        return m[1], op, _number(m[3]), None, m[4]
    if m := re.fullmatch(rf"(.+?){num}-{num}(.+)", text):
        return m[1], ThresholdOp.BETWEEN, _number(m[2]), _number(m[3]), m[4]
    if m := re.fullmatch(rf"(.+?){num}(.+)", text):
        return m[1], ThresholdOp.EXACTLY, _number(m[2]), None, m[3]
    raise AssertionError(f"unreadable threshold {text!r}")


def _numerals(value: float) -> list[str]:
    forms = [f"{value:g}"]
    forms += [c for c, n in CHINESE_NUMERALS.items() if n == value]
    return forms


def zh_forms(t: Threshold) -> list[str]:
    """The ways a Chinese descriptor may state a threshold (spaces removed)."""
    unit = t.unit.zh if t.unit else ""
    forms: list[str] = []
    for v in _numerals(t.value):
        match t.op:
            case ThresholdOp.AT_LEAST:
                forms += [f"不少于{v}{unit}", f"{v}{unit}及以上", f"{v}{unit}以上", f"≥{v}{unit}",
                          f"至少{v}{unit}"]  # fmt: skip
            case ThresholdOp.MORE_THAN:
                forms += [f"超过{v}{unit}", f"多于{v}{unit}", f">{v}{unit}", f"＞{v}{unit}"]
            case ThresholdOp.EXACTLY:
                forms += [f"{v}{unit}"]
            case ThresholdOp.BETWEEN:
                assert t.upper is not None
                forms += [f"{v}{sep}{u}{unit}" for u in _numerals(t.upper)
                          for sep in ("-", "–", "至", "~", "～")]  # fmt: skip
            case ThresholdOp.TOP:
                forms += [f"前{v}"]
            case ThresholdOp.WITHIN_LAST:
                forms += [f"近{v}{unit}", f"最近{v}{unit}"]
    return forms


def en_forms(t: Threshold) -> list[str]:
    v = f"{t.value:g}"
    match t.op:
        case ThresholdOp.AT_LEAST:
            return [f"at least {v}", f"{v} or more"]
        case ThresholdOp.MORE_THAN:
            return [f"more than {v}"]
        case ThresholdOp.EXACTLY:
            return [f"{v} "]
        case ThresholdOp.BETWEEN:
            u = f"{t.upper:g}"
            return [f"{v}–{u}", f"{v}-{u}", f"{v} to {u}"]
        case ThresholdOp.TOP:
            return [f"top {v}"]
        case ThresholdOp.WITHIN_LAST:
            return [f"last {v} years", f"past {v} years"]
    raise AssertionError(t.op)


LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /+.\-]*[A-Za-z0-9]|[A-Za-z]")


def option_problems(std: Standard, facts: list[Fact]) -> list[str]:
    """Every way the standard's options differ from the facts (empty when faithful)."""
    options: dict[tuple[str, str], Option] = {}
    for item in std.items:
        if isinstance(item.rule, ChoiceRule | MultiRule):
            options.update({(item.id, o.key): o for o in item.rule.options})
    problems: list[str] = []
    if set(options) != {(f.item, f.option) for f in facts}:
        problems.append("the options are not the bank's options")
    for fact in facts:
        option = options.get((fact.item, fact.option))
        where = f"{fact.item} {fact.option}"
        if option is None:
            problems.append(f"{where}: missing")
            continue
        if abs(option.points - fact.points) > 1e-9 or option.tier != fact.tier:
            problems.append(f"{where}: points/tier {option.points:g}/{option.tier}, bank "
                            f"{fact.points:g}/{fact.tier}")  # fmt: skip
        if option.builds_on != fact.builds_on:
            problems.append(f"{where}: builds_on {option.builds_on!r}, bank {fact.builds_on!r}")
        wanted = [parse_threshold(t) for t in fact.thresholds]
        have = [(t.what.zh, t.op, t.value, t.upper, t.unit.zh if t.unit else "")
                for t in option.thresholds]  # fmt: skip
        if have != wanted:
            problems.append(f"{where}: thresholds {have}, bank {wanted}")
        if option.provenance is None or option.provenance.label is not Label.THIRD_PARTY:
            problems.append(f"{where}: provenance must name the bank row (THIRD-PARTY)")
        elif f"option {fact.option}" not in option.provenance.source:
            problems.append(f"{where}: provenance {option.provenance.source!r} names another row")
        if fact.split != bool(option.text_by_industry):
            problems.append(f"{where}: the bank has {'two' if fact.split else 'one'} text(s)")
        variants = (
            [(k.value, option.text_by_industry.get(k)) for k in IndustryType]
            if fact.split
            else [(None, option.text)]
        )
        for variant, text in variants:
            w = f"{where}{' ' + variant if variant else ''}"
            if text is None:
                problems.append(f"{w}: no text")
                continue
            zh = re.sub(r"\s+", "", text.zh)
            if fact.builds_on:
                if f"在{fact.builds_on}的基础上" not in zh:
                    problems.append(f"{w}: zh does not say 在{fact.builds_on}的基础上")
                if not re.search(rf"[Bb]uilding on {fact.builds_on}\b", text.en):
                    problems.append(f"{w}: en does not say 'building on {fact.builds_on}'")
            elif re.search(r"在[A-F]的基础上", zh):
                problems.append(f"{w}: zh states a builds-on link the bank does not have")
            for t in option.thresholds:
                if not any(form in zh for form in zh_forms(t)):
                    problems.append(f"{w}: zh lacks {t.describe('zh')}")
                if not any(form in text.en.lower() for form in en_forms(t)):
                    problems.append(f"{w}: en lacks {t.describe('en')}")
            for name in fact.named[None] + fact.named.get(variant or "", ()):
                if name not in text.zh:
                    problems.append(f"{w}: zh does not name {name}")
                for latin in LATIN.findall(name):
                    if latin not in text.en:
                        problems.append(f"{w}: en lacks {latin!r} (of {name})")
    return problems


@pytest.fixture(scope="module")
def facts() -> list[Fact]:
    return _facts()


def test_the_facts_table_is_the_workspace_copy() -> None:
    if WORKSPACE_FACTS.exists():  # in a checkout inside the project workspace
        assert FACTS.read_bytes() == WORKSPACE_FACTS.read_bytes()
    assert len(_facts()) == 490


def test_every_option_states_the_banks_criteria(facts: list[Fact]) -> None:
    problems = option_problems(bundled_library().standard("zj-future-factory"), facts)
    assert problems == [], "\n".join(problems[:40])


def test_the_previous_edition_fails_the_same_check(facts: list[Fact]) -> None:
    """The 2025-trial descriptors were written without the bank: the check must catch them."""
    old = previous_ff_edition()
    problems = option_problems(old, facts)
    builds_on = [p for p in problems if "builds_on" in p]
    thresholds = [p for p in problems if ": thresholds " in p]
    assert len(builds_on) == 121
    assert len(thresholds) == 23  # options with thresholds (28 thresholds in all)


def test_threshold_parsing_reads_every_form() -> None:
    assert parse_threshold("新一代信息技术≥一种") == (
        "新一代信息技术",
        ThresholdOp.AT_LEAST,
        1,
        None,
        "种",
    )
    assert parse_threshold("实验室检测装备自动采集比例≥50%")[2:] == (50, None, "%")
    assert parse_threshold("实用新型专利1-5项")[1:] == (ThresholdOp.BETWEEN, 1, 5, "项")
    assert parse_threshold("实用新型专利>5项")[1:3] == (ThresholdOp.MORE_THAN, 5)
    assert parse_threshold("发明专利1项")[1:3] == (ThresholdOp.EXACTLY, 1)
    assert parse_threshold("国内市场占有率前10")[1:3] == (ThresholdOp.TOP, 10)
    assert parse_threshold("统计期=近五年") == ("统计期", ThresholdOp.WITHIN_LAST, 5, None, "年")


def test_counts_of_the_encoding(facts: list[Fact]) -> None:
    std = bundled_library().standard("zj-future-factory")
    options = [o for i in std.items if isinstance(i.rule, ChoiceRule | MultiRule)
               for o in i.rule.options]  # fmt: skip
    assert len(options) == 490
    assert sum(1 for o in options if o.builds_on) == 121
    assert sum(len(o.thresholds) for o in options) == 28
    assert sum(1 for o in options if o.thresholds) == 23
    assert sum(1 for o in options if o.text_by_industry) == 6  # 35E 40E 42D 44D 58D 58E
    assert std.changes is not None
    assert sum(len(c.options) for c in std.changes.meaning_changed) == 193


@pytest.mark.parametrize(
    ("industry", "marker"),
    [(IndustryType.DISCRETE, "滚动排产"), (IndustryType.PROCESS, "生产管控一体化平台")],
)
def test_a_firm_reads_the_text_of_its_industry(industry: IndustryType, marker: str) -> None:
    std = bundled_library().standard("zj-future-factory")
    item = next(i for i in std.items if i.id == "FF-035")
    assert isinstance(item.rule, ChoiceRule)
    e = next(o for o in item.rule.options if o.key == "E")
    assert marker in e.text_for(industry).zh
    other = "生产管控一体化平台" if industry is IndustryType.DISCRETE else "滚动排产"
    assert other not in e.text_for(industry).zh
    # without an industry (the public library) both variants are shown
    assert "滚动排产" in e.text_for(None).zh
    assert "生产管控一体化平台" in e.text_for(None).zh


def test_standards_show_prints_options_with_links_and_thresholds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from assessment.cli.main import main  # noqa: PLC0415 - the command line, as a user runs it

    assert (
        main(["standards", "show", "zj-future-factory", "--item", "FF-094", "--item", "FF-035"])
        == 0
    )
    out = capsys.readouterr().out
    assert "  C  3.33 · 未来工厂" in out
    assert "☐ 国际市场占有率前10" in out
    assert "☐ 国内市场占有率前5" in out
    assert "  D  3.75 · 未来工厂 · builds on C" in out
    assert "[discrete] 在D的基础上" in out.replace("\n       ", "")
    assert "[process] 在D的基础上" in out.replace("\n       ", "")
    assert "question bank 未来工厂评分表, question 94 option B" in out
    assert main(["standards", "show", "zj-future-factory", "--item", "FF-007", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "☐ counting period: the last 5 years" in out
    assert main(["standards", "show", "zj-future-factory", "--item", "FF-999"]) == 1
