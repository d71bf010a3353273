"""The benchmark page (ui/pages/benchmark.py) in AppTest, on its own: a firm's position with its charts,
table and CSV, a cohort too small to show with the wider one it suggests, English labels, the
administrators' view without any firm, and nothing for a visitor who is not signed in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, texts
from lifecycle_support import FixedClock
from streamlit.testing.v1 import AppTest

from assessment.benchmark.service import Query, firm_benchmark
from assessment.demo.seed import synthetic_cohort


def _page() -> None:
    from ui.pages.benchmark import render  # noqa: PLC0415 - AppTest runs this function's source

    render()


@pytest.fixture
def bench_world(app_world: World) -> World:
    clock = FixedClock(datetime.now(UTC))
    synthetic_cohort(app_world.db, 120, seed=21, clock=clock, years=2)
    return app_world


def page(world: World, who: str | None, lang: str = "zh") -> AppTest:
    at = AppTest.from_function(_page, default_timeout=60)
    if who is not None:
        world.sign_in(at, who)
    at.session_state["lang"] = lang
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def test_a_firm_sees_where_it_stands(bench_world: World) -> None:
    at = run(page(bench_world, "firm"))
    shown = texts(at)
    assert "对标分析" in shown
    assert "合成示例企业" in shown  # the synthetic cohort is labelled
    assert "数据截至更新点" in shown  # the figures are those of the last refresh point
    firm = bench_world.user("firm")
    expected = firm_benchmark(firm, bench_world.db, firm.org_id or 0, Query())
    assert metric(at, "群体企业数") == str(expected.cohort_size)
    assert metric(at, "本企业百分位") == str(round(expected.total.percentile or 0))
    assert len(at.get("vega_lite_chart")) == 3  # distribution, profile, scatter
    table = next(df.value for df in at.dataframe if "指标" in df.value.columns)
    assert table["指标"].iloc[0] == "得分率 (%)"
    assert len(table) == 16  # total, 14 domains, L
    assert "优于" in shown
    assert "碳效码等级" in shown
    # only cohorts the firm belongs to are offered
    assert at.selectbox(key="bm_region.zh").options == [
        "全部地区",
        "330000 浙江省",
        "330200 宁波市",
        "330206 北仑区",
    ]
    assert not [s for s in at.selectbox if s.key == "bm_org.zh"]


def test_a_small_cohort_is_not_shown_and_a_wider_one_is_offered(bench_world: World) -> None:
    at = run(page(bench_world, "firm"))
    at.selectbox(key="bm_region.zh").select("330206")
    at.selectbox(key="bm_size.zh").select("large")
    at = run(at)
    shown = texts(at)
    assert "不足 5 家企业" in shown or "仅相差不足 5 家企业" in shown
    assert "建议改用更宽的群体" in shown
    assert not at.metric
    assert not at.dataframe
    button = next(b for b in at.button if b.key == "bm_use_suggestion")
    at = button.click().run()
    assert not at.exception
    assert at.metric
    assert at.selectbox(key="bm_region.zh").value != "330206" or (
        at.selectbox(key="bm_size.zh").value != "large"
    )


def test_english_labels(bench_world: World) -> None:
    at = run(page(bench_world, "firm", lang="en"))
    shown = texts(at)
    assert "Benchmark" in shown
    assert "synthetic demo firms" in shown
    assert at.selectbox(key="bm_region.en").options[0] == "All regions"
    assert any(m.label == "Firm's percentile rank" for m in at.metric)


def test_administrators_see_a_region_without_any_firm(bench_world: World) -> None:
    at = run(page(bench_world, "admin"))
    assert at.selectbox(key="bm_region.zh").options[:2] == ["全部地区", "110000 北京市"]
    labels = [m.label for m in at.metric]
    assert "群体企业数" in labels
    assert "本企业百分位" not in labels
    table = next(df.value for df in at.dataframe if "指标" in df.value.columns)
    assert "本企业" not in table.columns
    at.selectbox(key="bm_region.zh").select("330200")
    at = run(at)
    assert "宁波市" in texts(at)


def test_a_visitor_sees_nothing(bench_world: World) -> None:
    at = run(page(bench_world, None))
    assert "请先登录" in texts(at) or at.warning
    assert not at.metric


def test_csv_download_holds_the_aggregates(bench_world: World) -> None:
    at = run(page(bench_world, "firm"))
    downloads = at.get("download_button")
    assert downloads
    assert "下载汇总数据" in downloads[0].proto.label
