"""The criteria library, as encoded (public): which standards there are, what evidence each rests
on (with a plain flag where an unofficial encoding is used), and for one standard its node tree with
items, options and their descriptors. Every number and text shown is read from the library YAML.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from assessment.library.summary import summary
from scoring.applicability import item_applicability
from standards import Sourced, Standard, bundled_library
from standards.models import (
    Applicability,
    ChoiceRule,
    Gate,
    Item,
    MultiRule,
    Node,
    QuantityRule,
    SatisfactionRule,
    YesNoRule,
)
from ui.parts import plain
from ui.parts.common import lang, md, t, tr
from ui.parts.widgets import thresholds_checklist


def num(value: float | int | str | bool | None) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def unofficial_labels(std: Standard) -> list[str]:
    return list(summary(std)["unofficial_labels"])


def label_names(labels: Iterable[str]) -> str:
    return ("、" if lang() == "zh" else ", ").join(plain.label_name(label) for label in labels)


# --- the library table ---------------------------------------------------------------------------


def library_table(standards: list[Standard]) -> None:
    rows = []
    for std in standards:
        info = summary(std)
        flagged = unofficial_labels(std)
        rows.append(
            {
                t("library.col_id"): std.id,
                t("library.col_edition"): std.edition,
                t("library.col_title"): tr(std.title),
                t("library.col_items"): info["items"],
                t("library.col_questions"): info["questions"],
                t("library.col_label"): plain.label_name(std.provenance.label),
                t("library.col_flag"): ("⚠ " + label_names(flagged)) if flagged else "—",
            }
        )
    # A static table: long titles and flag lists wrap instead of being cut at 1366 px.
    st.table(rows, border="horizontal", hide_index=True)


# --- one standard --------------------------------------------------------------------------------


def standard_header(std: Standard, insider: bool) -> None:
    st.header(tr(std.title))
    st.caption(f"`{std.id}` · {std.edition}" + (f" · {md(tr(std.summary))}" if std.summary else ""))
    st.markdown(f"**{t('library.source')}**")
    plain.provenance(std.provenance, "standard", insider=insider, key=f"std-{std.id}")
    if std.item_provenance is not None and std.item_provenance.label.is_flagged:
        plain.provenance(std.item_provenance, "items", insider=insider, key=f"items-{std.id}")
    flagged = unofficial_labels(std)
    if flagged:
        st.warning(t("library.unofficial", labels=label_names(flagged)))
    else:
        st.success(t("library.official"))
    if std.profiles:
        names = " · ".join(tr(p.name) for p in std.profiles)
        st.markdown(f"**{t('library.profiles')}:** {md(names)}")
    if std.tiers:
        tiers = " · ".join(tr(x.name) for x in sorted(std.tiers, key=lambda x: x.rank))
        st.markdown(f"**{t('library.tiers')}:** {md(tiers)}")


def scoring_parameters(std: Standard, insider: bool) -> None:
    found: list[tuple[str, Sourced]] = [("scoring.not_applicable", std.scoring.not_applicable)]
    if std.scoring.node_weights is not None:
        found.append(("scoring.node_weights", std.scoring.node_weights))
    rule = std.scoring.tier_rule
    if rule is not None:
        for name in ("mandatory_share", "min_percent", "pass_threshold", "final_score"):
            value = getattr(rule, name)
            if value is not None:
                found.append((f"tier_rule.{name}", value))
    found.extend((f"parameters.{k}", v) for k, v in std.parameters.items())
    rows = [
        {
            t("library.param"): plain.subject_name(name),
            t("library.value"): t("library.not_found") if value.value is None else num(value.value),
            t("library.used"): "—" if value.effective is None else num(value.effective),
            t("library.col_meaning"): ("⚠ " if value.flagged else "")
            + plain.label_sentence(value.effective_provenance.label, name),
        }
        for name, value in found
    ]
    st.subheader(t("library.parameters"))
    st.dataframe(rows, hide_index=True, width="stretch", key="parameters")
    if insider:
        with st.expander(t("plain.details"), key="parameters-details"):
            for name, value in found:
                lines = plain.detail_lines(value.effective_provenance)
                if value.value is None and value.default is not None:
                    lines = [*plain.detail_lines(value.provenance), *lines]
                st.markdown(f"**`{name}`**\n" + "\n".join(lines))


def scales_used(std: Standard) -> None:
    library = bundled_library()
    used = {i.rule.scale for i in std.items if isinstance(i.rule, SatisfactionRule)}
    for scale in library.scales.scales if library.scales else []:
        if scale.id in used:
            grades = " · ".join(f"{tr(g.text)} = {num(g.value)}" for g in scale.grades)
            st.markdown(
                f"**{md(t('library.scale', name=tr(scale.name)))}** "
                f"({plain.label_name(scale.provenance.label)}): "
                f"{md(grades)}"
            )


def option_lines(std: Standard, item: Item) -> list[str]:
    tiers = {x.id: tr(x.name) for x in std.tiers}
    rule = item.rule
    lines: list[str] = []
    if isinstance(rule, ChoiceRule | MultiRule):
        if isinstance(rule, MultiRule):
            lines.append(f"*{md(t('library.multi', cap=num(rule.cap)))}*")
            if rule.exclusive:
                lines.append(f"*{md(t('library.exclusive', keys=', '.join(rule.exclusive)))}*")
        for option in rule.options:
            tier = f" · {md(tiers.get(option.tier, option.tier))}" if option.tier else ""
            head = f"- **{option.key}** · {t('library.points', p=num(option.points))}{tier} — "
            if option.text_by_industry:  # the public library shows both variants, named
                lines.append(head)
                lines += [
                    f"    - {t(f'library.industry_{kind.value}')}: {md(tr(text))}"
                    for kind, text in option.text_by_industry.items()
                ]
            else:
                lines.append(head + md(tr(option.text)))
            lines += [f"    - {md(line)}" for line in thresholds_checklist(option)]
    elif isinstance(rule, YesNoRule):
        tier = f" · {md(tiers.get(rule.tier, rule.tier))}" if rule.tier else ""
        lines.append(f"- {t('library.yes', p=num(rule.points))}{tier}")
        lines.append(f"- {t('library.no')}")
    elif isinstance(rule, QuantityRule):

        def bound(value: Sourced | None) -> str:
            if value is None or value.effective is None:
                return t("library.per_answer")
            return f"{num(value.effective)} ({plain.label_name(value.effective_provenance.label)})"

        text = t(
            "library.quantity",
            direction=t(f"library.{rule.direction.value}"),
            base=bound(rule.baseline),
            lead=bound(rule.leading),
            unit=rule.unit,
            p=num(rule.points),
        )
        lines.append(f"- {md(text)}")
    elif isinstance(rule, SatisfactionRule):
        library = bundled_library()
        scales = {s.id: s for s in library.scales.scales} if library.scales else {}
        name = tr(scales[rule.scale].name) if rule.scale in scales else rule.scale
        lines.append(f"- {md(t('library.satisfaction', name=name))}")
    return lines


def item_block(std: Standard, item: Item) -> str:
    title = f"{item.number} {tr(item.title)}" if item.number else tr(item.title)
    heading = f"**{md(title)}**"
    facts = [f"`{item.id}`"]
    if item.industry is not None:
        facts.append(t(f"library.industry_{item.industry.value}"))
    if item.level is not None:
        facts.append(t("library.level", n=item.level))
    if item.applicability:
        facts.append(
            " / ".join(
                tr(p.name)
                + " "
                + t(
                    "library."
                    + (
                        item_applicability(std, item, p.id, None) or Applicability.NOT_APPLICABLE
                    ).value
                )
                for p in std.profiles
            )
        )
    if item.provenance is not None and item.provenance.label.is_flagged:
        facts.append(f"⚠ {plain.label_name(item.provenance.label)}")
    lines = [heading, "", " · ".join(facts)]
    if item.help is not None:
        lines += ["", f"*{md(tr(item.help))}*"]
    for industry, text in item.text_by_industry.items():
        lines += ["", f"{t(f'library.industry_{industry.value}')}: {md(tr(text))}"]
    lines += ["", *option_lines(std, item)]
    if item.evidence:
        lines += ["", f"{t('library.evidence')}: " + "; ".join(md(tr(e)) for e in item.evidence)]
    return "\n".join(lines)


def node_tree(std: Standard) -> None:
    st.subheader(t("library.structure"))
    if not std.items:
        st.info(t("library.no_items"))
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
        with st.expander(f"{title} · {t('library.items_in', n=len(members))}", key=f"node-{key}"):
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
        items_expander(t("library.all_items"), std.items, "all")


def threshold(value: Sourced, unit: str | None) -> str:
    if value.value is None:
        if value.effective is not None:
            used = plain.label_name(value.effective_provenance.label)
            return t(
                "library.not_found_used",
                value=f"{num(value.effective)} {unit or ''}".rstrip(),
                label=used,
            )
        return t("library.not_found")
    return f"{num(value.value)} {unit or ''}".rstrip()


def gate_lines(std: Standard, gate: Gate) -> str:
    clause = plain.clause(gate.clause)
    head = f"**{md(tr(gate.title))}**" + (f" · {md(clause)}" if clause else "")
    head += f" · {plain.label_name(gate.provenance.label)}"
    if gate.veto:
        head += f" · {t('library.gate_veto')}"
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
                f"{tr(gate.variants[v]) if v in gate.variants else t('library.variant_default')}: "
                f"{threshold(s, gate.unit)}"
                for v, s in by_variant.items()
            )
        bullets.append(f"- {md(profiles.get(profile, profile))}: {md(values)}")
        explanations = {tr(v.explanation) for v in by_variant.values() if v.explanation}
        bullets += [f"    - {md(text)}" for text in sorted(explanations)]
    if gate.minimum is not None:
        bullets.append(f"- {gate.standard} {gate.metric} ≥ {md(threshold(gate.minimum, None))}")
    if bullets:
        lines += ["", *bullets]
    return "\n".join(lines)


def gates(std: Standard) -> None:
    if not std.gates:
        return
    st.subheader(t("library.gates"))
    for gate in std.gates:
        st.markdown(gate_lines(std, gate))


# --- page ----------------------------------------------------------------------------------------


def render() -> None:
    st.title(t("library.title"))
    st.caption(t("library.intro"))

    standards = sorted(bundled_library().standards.values(), key=lambda s: s.id)
    st.subheader(t("library.library"))
    library_table(standards)

    # One selectbox per language: its option labels are localised titles, and a widget whose
    # labels change under it keeps showing the old label. The choice itself lives in
    # "chosen_standard", so switching the language keeps the chosen standard.
    by_id = {s.id: s for s in standards}
    ids = list(by_id)
    current = lang()
    remembered = st.session_state.get("chosen_standard")
    chosen = st.selectbox(
        t("library.choose"),
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=lambda key: f"{by_id[key].title.get(current)} ({key})",
        key=f"standard-{current}",
    )
    st.session_state["chosen_standard"] = chosen
    std = by_id[chosen]
    insider = plain.is_insider(plain.viewer())
    standard_header(std, insider)
    scoring_parameters(std, insider)
    scales_used(std)
    node_tree(std)
    gates(std)


if __name__ == "__main__":
    render()
