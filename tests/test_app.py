"""The criteria library page (public, ui/pages/library.py), run headless with AppTest: the library in
Chinese by default, one standard's tree with its options and descriptors, and the switch to
English."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from standards import bundled_library
from standards.models import ChoiceRule

APP = Path(__file__).resolve().parents[1] / "streamlit_app.py"
FF = "zj-future-factory"


def start() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.switch_page("ui/pages/library.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose(at: AppTest, standard_id: str) -> AppTest:
    at.selectbox(key="standard-zh").select(standard_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_chinese_by_default_and_the_library_is_listed() -> None:
    at = start()
    assert at.segmented_control(key="lang").value == "zh"
    assert [t.value for t in at.title] == ["智造评估 · 标准库"]
    table = at.table[0].value
    assert list(table.columns) == [
        "标识",
        "版本",
        "名称",
        "条目数",
        "题数",
        "证据标签",
        "非官方编码",
    ]
    rows = {row["标识"]: row for row in table.to_dict("records")}
    assert set(rows) == set(bundled_library().standards)
    ff = rows[FF]
    assert ff["版本"] == "2025-trial-r2"
    assert ff["名称"] == '浙江省"未来工厂"分级建设要求（试行）'
    assert ff["条目数"] == 105
    assert ff["题数"] == 100
    assert ff["证据标签"] == "第三方资料"
    assert ff["非官方编码"] == "⚠ 第三方资料、本系统推定、尚未找到"


def test_future_factory_tree_shows_items_options_and_descriptors() -> None:
    at = choose(start(), FF)
    assert [h.value for h in at.header] == ['浙江省"未来工厂"分级建设要求（试行）']
    labels = [e.label for e in at.expander]
    assert len(labels) == 44, "one expander per sub-domain"
    assert labels[0] == "1 新一代信息技术 · 3 项"
    text = markdown_text(at)
    assert "#### 1 赋能保障" in text
    assert "##### 1 技术支撑" in text
    item = bundled_library().standard(FF).items[0]
    assert isinstance(item.rule, ChoiceRule)
    assert f"**1 {item.title.zh}**" in text
    for option in item.rule.options:
        assert option.text.zh in text
    assert "- **B** · 1 分 · 省级数字化车间 — " in text
    assert "`FF-004-D` · 离散型 · 数字化车间 必答 / 智能工厂 必答 / 未来工厂 必答" in text
    assert "多选，最高 5 分" in text
    [warning] = at.warning
    assert "第三方资料" in warning.value
    assert "非官方编码" in warning.value


def test_not_found_parameters_and_gates_are_shown_plainly() -> None:
    at = choose(start(), FF)
    params = {row["参数"]: row for row in at.dataframe[0].value.to_dict("records")}
    share = params["必选项达标比例"]
    assert share["取值"] == "未找到"
    assert share["采用值"] == "1"
    assert share["说明"] == "⚠ 必选项达标比例尚无官方文本，采用本系统的推定比例。"
    text = markdown_text(at)
    assert "**软硬件投资额**" in text
    assert "- 数字化车间: 一般: 2000 万元, 山区海岛县: 1500 万元" in text
    assert "- 未来工厂: 一般: 未找到, 山区海岛县: 未找到" in text
    assert "暂为“待定”" in text  # why, in plain words, and who can set it
    assert "- 未来工厂: 3 级" in text


def test_maturity_standard_shows_levels_and_its_scale() -> None:
    at = choose(start(), "gbt39116-2020")
    assert len(at.expander) == 20
    text = markdown_text(at)
    assert "评分量表：要求满足程度" in text
    assert "全部满足 = 1 · 大部分满足 = 0.8 · 部分满足 = 0.5 · 不满足 = 0" in text
    assert "1 级" in text
    assert "按「要求满足程度」评分" in text


@pytest.mark.parametrize("standard_id", sorted(bundled_library().standards))
def test_every_standard_renders(standard_id: str) -> None:
    at = choose(start(), standard_id)
    std = bundled_library().standard(standard_id)
    assert [h.value for h in at.header] == [std.title.zh]


def test_switch_to_english() -> None:
    at = choose(start(), FF)
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["zhizao · Standards library"]
    assert [h.value for h in at.header] == ["Zhejiang future factory grading requirements (trial)"]
    table = at.table[0].value
    assert "title" in table.columns
    assert at.expander[0].label == "1 New-generation information technology · 3 items"
    item = bundled_library().standard(FF).items[0]
    assert isinstance(item.rule, ChoiceRule)
    text = markdown_text(at)
    for option in item.rule.options:
        assert option.text.en in text
    assert "- **B** · 1 pts · Provincial digital workshop — " in text
    assert "tick all that apply, at most 5 pts" in text
    assert (
        "unofficial encodings (third-party material, inferred by zhizao, not found yet)"
        in at.warning[0].value
    )
    assert "新一代信息技术" not in text
    chooser = at.selectbox(key="standard-en")
    assert chooser.value == FF, "switching the language keeps the chosen standard"
    assert (
        "Zhejiang future factory grading requirements (trial) (zj-future-factory)"
        in chooser.options
    )
    # ... and back.
    at.segmented_control(key="lang").set_value("zh").run()
    assert [t.value for t in at.title] == ["智造评估 · 标准库"]
    assert at.selectbox(key="standard-zh").value == FF
    assert [h.value for h in at.header] == ['浙江省"未来工厂"分级建设要求（试行）']
