"""智造评估 zhizao — Streamlit entry point (first page: the criteria library).

Shows the library as it is encoded: which standards there are, what evidence each rests on (and a
plain flag where an unofficial encoding is used), and for one standard its node tree with items,
options and their descriptors. The full app (role-based navigation, assessments, reviews,
certificates) replaces this single page later. No rules live here: every number and text shown is
read from the library YAML through `standards`.

Run: `make run`, or `python -m streamlit run streamlit_app.py`.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from assessment.commands.standards import summary
from standards import Sourced, Standard, bundled_library
from standards.models import (
    ChoiceRule,
    Gate,
    Item,
    MultiRule,
    Node,
    QuantityRule,
    SatisfactionRule,
    Text,
    YesNoRule,
)

LANGUAGES = {"zh": "中文", "en": "English"}

# Interface strings. Domain text (titles, options, descriptors) comes from the YAML in both languages.
UI: dict[str, dict[str, str]] = {
    "zh": {
        "page": "智造评估 · 标准库",
        "title": "智造评估 · 标准库",
        "intro": "评估所依据的标准，按库中编码如实展示。证据标签：OFFICIAL 官方原文，NEWS 新闻报道，"
        "THIRD-PARTY 第三方资料，UNVERIFIED 未核实，INFERRED 推断，NOT FOUND 未找到。"
        "带 ⚠ 的标准使用了非官方编码。",
        "library": "标准库",
        "col_id": "标识",
        "col_edition": "版本",
        "col_title": "名称",
        "col_items": "条目数",
        "col_questions": "题数",
        "col_label": "证据标签",
        "col_flag": "非官方编码",
        "col_source": "来源",
        "choose": "选择标准",
        "source": "来源",
        "unofficial": "⚠ 本标准使用了非官方编码（{labels}）：相关结果须注明，不能视为官方评定。",
        "official": "条目均来自官方原文。",
        "profiles": "评定目标",
        "tiers": "等级",
        "parameters": "评分参数",
        "param": "参数",
        "value": "取值",
        "used": "采用值",
        "not_found": "未找到",
        "scale": "评分量表：{name}",
        "structure": "结构与条目",
        "items_in": "{n} 项",
        "no_items": "本标准没有计分条目，只有资格条件。",
        "all_items": "全部条目",
        "gates": "资格与否决条件",
        "gate_veto": "否决项",
        "variant_default": "一般",
        "points": "{p} 分",
        "multi": "多选，最高 {cap} 分",
        "exclusive": "“{keys}”不可与其他选项同时勾选",
        "yes": "是：{p} 分",
        "no": "否：0 分",
        "quantity": "定量（{direction}）：基准值 {base} → 引领值 {lead} {unit}，满分 {p} 分",
        "positive": "越大越好",
        "negative": "越小越好",
        "per_answer": "由企业按行业填报",
        "satisfaction": "按「{name}」评分",
        "level": "{n} 级",
        "evidence": "常见证据",
        "industry_discrete": "离散型",
        "industry_process": "流程型",
        "mandatory": "必答",
        "optional": "可选",
        "not_applicable": "不适用",
    },
    "en": {
        "page": "zhizao · Standards library",
        "title": "zhizao · Standards library",
        "intro": "The standards that assessments use, shown exactly as encoded. Evidence labels: "
        "OFFICIAL (official text), NEWS (news reports), THIRD-PARTY (third-party material), "
        "UNVERIFIED, INFERRED, NOT FOUND. A ⚠ marks a standard that uses unofficial encodings.",
        "library": "Library",
        "col_id": "id",
        "col_edition": "edition",
        "col_title": "title",
        "col_items": "items",
        "col_questions": "questions",
        "col_label": "evidence label",
        "col_flag": "unofficial encodings",
        "col_source": "source",
        "choose": "Choose a standard",
        "source": "Source",
        "unofficial": "⚠ This standard uses unofficial encodings ({labels}): results resting on "
        "them must say so and are not an official rating.",
        "official": "Every item comes from the official text.",
        "profiles": "Targets",
        "tiers": "Tiers",
        "parameters": "Scoring parameters",
        "param": "parameter",
        "value": "value",
        "used": "value used",
        "not_found": "not found",
        "scale": "Rating scale: {name}",
        "structure": "Structure and items",
        "items_in": "{n} items",
        "no_items": "This standard has no scored items, only eligibility conditions.",
        "all_items": "All items",
        "gates": "Eligibility and veto conditions",
        "gate_veto": "veto",
        "variant_default": "default",
        "points": "{p} pts",
        "multi": "tick all that apply, at most {cap} pts",
        "exclusive": "'{keys}' cannot be ticked with other options",
        "yes": "yes: {p} pts",
        "no": "no: 0 pts",
        "quantity": "quantity ({direction}): baseline {base} → leading {lead} {unit}, "
        "full marks {p} pts",
        "positive": "larger is better",
        "negative": "smaller is better",
        "per_answer": "given by the firm for its sector",
        "satisfaction": "rated on the scale '{name}'",
        "level": "level {n}",
        "evidence": "Usual evidence",
        "industry_discrete": "discrete",
        "industry_process": "process",
        "mandatory": "mandatory",
        "optional": "optional",
        "not_applicable": "not applicable",
    },
}


def lang() -> str:
    value = st.session_state.get("lang")
    return value if value in LANGUAGES else "zh"


def t(key: str, **values: object) -> str:
    return UI[lang()][key].format(**values)


def tr(text: Text | None) -> str:
    return text.get(lang()) if text is not None else ""


_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>$~|#"})


def md(text: str) -> str:
    """Escape text taken from the YAML so that Markdown shows it literally."""
    return text.translate(_MARKDOWN_SPECIAL)


def number(value: float | int | str | bool | None) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def unofficial_labels(std: Standard) -> list[str]:
    return list(summary(std)["unofficial_labels"])


# --- the library table ---------------------------------------------------------------------------


def library_table(standards: list[Standard]) -> None:
    rows = []
    for std in standards:
        info = summary(std)
        flagged = unofficial_labels(std)
        rows.append(
            {
                t("col_id"): std.id,
                t("col_edition"): std.edition,
                t("col_title"): tr(std.title),
                t("col_items"): info["items"],
                t("col_questions"): info["questions"],
                t("col_label"): std.provenance.label.value,
                t("col_flag"): ("⚠ " + ", ".join(flagged)) if flagged else "—",
            }
        )
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        key="library",
        column_config={
            t("col_title"): st.column_config.TextColumn(width="large"),
            t("col_flag"): st.column_config.TextColumn(width="medium"),
        },
    )


# --- one standard --------------------------------------------------------------------------------


def standard_header(std: Standard) -> None:
    st.header(tr(std.title))
    st.caption(f"`{std.id}` · {std.edition}" + (f" · {md(tr(std.summary))}" if std.summary else ""))
    st.markdown(f"**{t('source')}:** `{std.provenance.label.value}` — {md(std.provenance.source)}")
    flagged = unofficial_labels(std)
    if flagged:
        st.warning(t("unofficial", labels=", ".join(flagged)))
    else:
        st.success(t("official"))
    if std.profiles:
        names = " · ".join(tr(p.name) for p in std.profiles)
        st.markdown(f"**{t('profiles')}:** {md(names)}")
    if std.tiers:
        tiers = " · ".join(tr(x.name) for x in sorted(std.tiers, key=lambda x: x.rank))
        st.markdown(f"**{t('tiers')}:** {md(tiers)}")


def scoring_parameters(std: Standard) -> None:
    found: list[tuple[str, Sourced]] = [("not_applicable", std.scoring.not_applicable)]
    if std.scoring.node_weights is not None:
        found.append(("node_weights", std.scoring.node_weights))
    rule = std.scoring.tier_rule
    if rule is not None:
        for name in ("mandatory_share", "min_percent", "pass_threshold", "final_score"):
            value = getattr(rule, name)
            if value is not None:
                found.append((f"tier_rule.{name}", value))
    found.extend((f"parameters.{k}", v) for k, v in std.parameters.items())
    rows = [
        {
            t("param"): name,
            t("value"): t("not_found") if value.value is None else number(value.value),
            t("used"): "—" if value.effective is None else number(value.effective),
            t("col_label"): ("⚠ " if value.flagged else "")
            + value.effective_provenance.label.value,
            t("col_source"): value.provenance.source,
        }
        for name, value in found
    ]
    st.subheader(t("parameters"))
    st.dataframe(rows, hide_index=True, width="stretch", key="parameters")


def scales_used(std: Standard) -> None:
    library = bundled_library()
    used = {i.rule.scale for i in std.items if isinstance(i.rule, SatisfactionRule)}
    for scale in library.scales.scales if library.scales else []:
        if scale.id in used:
            grades = " · ".join(f"{tr(g.text)} = {number(g.value)}" for g in scale.grades)
            st.markdown(
                f"**{md(t('scale', name=tr(scale.name)))}** ({scale.provenance.label.value}): "
                f"{md(grades)}"
            )


def option_lines(std: Standard, item: Item) -> list[str]:
    tiers = {x.id: tr(x.name) for x in std.tiers}
    rule = item.rule
    lines: list[str] = []
    if isinstance(rule, ChoiceRule | MultiRule):
        if isinstance(rule, MultiRule):
            lines.append(f"*{md(t('multi', cap=number(rule.cap)))}*")
            if rule.exclusive:
                lines.append(f"*{md(t('exclusive', keys=', '.join(rule.exclusive)))}*")
        for option in rule.options:
            tier = f" · {md(tiers.get(option.tier, option.tier))}" if option.tier else ""
            lines.append(
                f"- **{option.key}** · {t('points', p=number(option.points))}{tier} — "
                f"{md(tr(option.text))}"
            )
    elif isinstance(rule, YesNoRule):
        tier = f" · {md(tiers.get(rule.tier, rule.tier))}" if rule.tier else ""
        lines.append(f"- {t('yes', p=number(rule.points))}{tier}")
        lines.append(f"- {t('no')}")
    elif isinstance(rule, QuantityRule):

        def bound(value: Sourced | None) -> str:
            if value is None or value.effective is None:
                return t("per_answer")
            return f"{number(value.effective)} ({value.effective_provenance.label.value})"

        text = t(
            "quantity",
            direction=t(rule.direction.value),
            base=bound(rule.baseline),
            lead=bound(rule.leading),
            unit=rule.unit,
            p=number(rule.points),
        )
        lines.append(f"- {md(text)}")
    elif isinstance(rule, SatisfactionRule):
        library = bundled_library()
        scales = {s.id: s for s in library.scales.scales} if library.scales else {}
        name = tr(scales[rule.scale].name) if rule.scale in scales else rule.scale
        lines.append(f"- {md(t('satisfaction', name=name))}")
    return lines


def item_block(std: Standard, item: Item) -> str:
    title = f"{item.number} {tr(item.title)}" if item.number else tr(item.title)
    heading = f"**{md(title)}**"
    facts = [f"`{item.id}`"]
    if item.industry is not None:
        facts.append(t(f"industry_{item.industry.value}"))
    if item.level is not None:
        facts.append(t("level", n=item.level))
    if item.applicability:
        facts.append(
            " / ".join(
                f"{tr(p.name)} {t(item.applicability.get(p.id, std.default_applicability).value)}"
                for p in std.profiles
            )
        )
    if item.provenance is not None and item.provenance.label.is_flagged:
        facts.append(f"⚠ {item.provenance.label.value}")
    lines = [heading, "", " · ".join(facts)]
    if item.help is not None:
        lines += ["", f"*{md(tr(item.help))}*"]
    for industry, text in item.text_by_industry.items():
        lines += ["", f"{t(f'industry_{industry.value}')}: {md(tr(text))}"]
    lines += ["", *option_lines(std, item)]
    if item.evidence:
        lines += ["", f"{t('evidence')}: " + "; ".join(md(tr(e)) for e in item.evidence)]
    return "\n".join(lines)


def node_tree(std: Standard) -> None:
    st.subheader(t("structure"))
    if not std.items:
        st.info(t("no_items"))
        return
    children: dict[str | None, list[Node]] = {}
    for node in std.nodes:
        children.setdefault(node.parent, []).append(node)
    items: dict[str, list[Item]] = {}
    for item in std.items:
        items.setdefault(item.node, []).append(item)

    def label(node: Node) -> str:
        return f"{node.number} {tr(node.name)}" if node.number else tr(node.name)

    def items_expander(title: str, members: Iterable[Item], key: str) -> None:
        members = list(members)
        with st.expander(f"{title} · {t('items_in', n=len(members))}", key=f"node-{key}"):
            for item in members:
                st.markdown(item_block(std, item))

    def walk(nodes: list[Node], depth: int) -> None:
        for node in nodes:
            below = children.get(node.id, [])
            if below:
                marks = "####" if depth == 0 else "#####"
                st.markdown(f"{marks} {md(label(node))}")
                walk(below, depth + 1)
            else:
                items_expander(label(node), items.get(node.id, []), node.id)

    if std.nodes:
        walk(children.get(None, []), 0)
    else:
        items_expander(t("all_items"), std.items, "all")


def threshold(value: Sourced, unit: str | None) -> str:
    if value.value is None:
        return f"{t('not_found')} ({value.provenance.label.value})"
    return f"{number(value.value)} {unit or ''}".rstrip()


def gate_lines(std: Standard, gate: Gate) -> str:
    head = f"**{md(tr(gate.title))}** · {md(gate.clause)} · `{gate.provenance.label.value}`"
    if gate.veto:
        head += f" · {t('gate_veto')}"
    lines = [head]
    if gate.question is not None:
        lines += ["", f"*{md(tr(gate.question))}*"]
    profiles = {p.id: tr(p.name) for p in std.profiles}
    bullets = []
    for profile, by_variant in gate.thresholds.items():
        if list(by_variant) == ["default"]:
            values = threshold(by_variant["default"], gate.unit)
        else:
            values = ", ".join(
                f"{tr(gate.variants[v]) if v in gate.variants else t('variant_default')}: "
                f"{threshold(s, gate.unit)}"
                for v, s in by_variant.items()
            )
        bullets.append(f"- {md(profiles.get(profile, profile))}: {md(values)}")
    if gate.minimum is not None:
        bullets.append(f"- {gate.standard} {gate.metric} ≥ {md(threshold(gate.minimum, None))}")
    if bullets:
        lines += ["", *bullets]
    return "\n".join(lines)


def gates(std: Standard) -> None:
    if not std.gates:
        return
    st.subheader(t("gates"))
    for gate in std.gates:
        st.markdown(gate_lines(std, gate))


# --- page ----------------------------------------------------------------------------------------


def main() -> None:
    st.set_page_config(page_title=UI["zh"]["page"], page_icon="🏭", layout="wide")
    with st.sidebar:
        st.segmented_control(
            "语言 / Language",
            list(LANGUAGES),
            format_func=LANGUAGES.__getitem__,
            default="zh",
            required=True,
            key="lang",
            bind="query-params",
        )
    st.title(t("title"))
    st.caption(t("intro"))

    standards = sorted(bundled_library().standards.values(), key=lambda s: s.id)
    st.subheader(t("library"))
    library_table(standards)

    # One selectbox per language: its option labels are localised titles, and a widget whose
    # labels change under it keeps showing the old label. The choice itself lives in
    # "chosen_standard", so switching the language keeps the chosen standard.
    by_id = {s.id: s for s in standards}
    ids = list(by_id)
    current = lang()
    remembered = st.session_state.get("chosen_standard")
    chosen = st.selectbox(
        t("choose"),
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=lambda key: f"{by_id[key].title.get(current)} ({key})",
        key=f"standard-{current}",
    )
    st.session_state["chosen_standard"] = chosen
    std = by_id[chosen]
    standard_header(std)
    scoring_parameters(std)
    scales_used(std)
    node_tree(std)
    gates(std)


main()
