"""Enterprise results: the report PDF and the certificate (number, status, public check, PDF),
profile by domain (Altair), gates, gaps, the path to the next tier, the derived views of the
crosswalks (marked as derived) and the unofficial encodings the score rests on.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Role
from assessment.submissions import appdata, progress
from scoring import Result
from standards import Standard, bundled_library
from standards.models import ChoiceRule, MultiRule
from ui.parts import auth, plain
from ui.parts.common import (
    count,
    db,
    gain,
    lang,
    md,
    number,
    points,
    profile_name,
    score_of,
    share,
    standard_title,
    status_label,
    t,
    tier_name,
    tr,
)
from ui.parts.downloads import certificate_button, certificate_line, report_button
from ui.parts.widgets import (
    comments_box,
    level_badge,
    maximum_sentences,
    option_text,
    pick_submission,
    target_tier,
    tier_badge,
)


def _item_title(std: Standard, item_id: str) -> str:
    item = next((i for i in std.items if i.id == item_id), None)
    if item is None:
        return item_id
    return f"{item.number} {tr(item.title)}" if item.number else tr(item.title)


def _option_text(std: Standard, item_id: str, key: object, industry: str | None) -> str:
    item = next((i for i in std.items if i.id == item_id), None)
    if item is not None and isinstance(item.rule, ChoiceRule | MultiRule) and isinstance(key, str):
        option = next((o for o in item.rule.options if o.key == key), None)
        if option is not None:
            return f"{key} · {option_text(option, industry)}"
    if isinstance(key, bool) or key in ("yes", "no"):
        return t("common.yes") if key in (True, "yes") else t("common.no")
    if isinstance(key, list):
        return ", ".join(map(str, key)) or "—"
    if isinstance(key, dict):
        return number(key.get("value")) if isinstance(key.get("value"), int | float) else "—"
    return "—" if key is None else str(key)


def domain_chart(std: Standard, results: dict[str, Result]) -> alt.Chart | None:
    rows = []
    levels = {n.level.value for n in std.nodes}
    level = "domain" if "domain" in levels else "element"
    names = {n.id: f"{n.number or ''} {tr(n.name)}".strip() for n in std.nodes}
    for series, result in results.items():
        for node in result.nodes:
            if node.level == level and node.percent is not None:
                rows.append(
                    {
                        "domain": names.get(node.id, node.id),
                        "percent": node.percent,
                        "series": series,
                        "points": score_of(node.points, node.max_points),
                    }
                )
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    order = list(dict.fromkeys(frame["domain"]))
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("domain:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("percent:Q", title=t("results.percent_axis"), scale=alt.Scale(domain=[0, 100])),
            yOffset="series:N",
            color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom")),
            tooltip=[
                alt.Tooltip("domain:N", title=t("results.domain")),
                alt.Tooltip("series:N", title=" "),
                alt.Tooltip("percent:Q", format=".1f", title="%"),
                alt.Tooltip("points:N", title=t("results.points")),
            ],
        )
        .properties(height=alt.Step(22))
    )


def summary(std: Standard, result: Result, title: str) -> None:
    st.subheader(title)
    if std.tiers:
        target = target_tier(std, result.profile)
        st.markdown(
            f"{t('results.tier')}: {tier_badge(std, result.tier, target)} · "
            f"{t('q.target', tier=tier_name(std, target))}"
        )
    if result.level is not None:
        st.markdown(
            f"{t('results.level')}: {level_badge(result.level, None)} · "
            f"{points(result.maturity_score)}"
        )
    most = progress.maximum(result)
    cols = st.columns(3)
    cols[0].metric(
        t("results.total"),
        score_of(result.total, most.full),
        t("scores.share", share=share(result.percent)) if result.percent is not None else None,
        delta_color="off",
        delta_arrow="off",
    )
    cols[1].metric(
        t("results.complete"),
        t("common.yes") if result.complete else t("results.missing", n=len(result.missing)),
    )
    eligible = {
        True: t("results.eligible"),
        False: t("results.not_eligible"),
        None: t("results.eligibility_open"),
    }[result.eligible]
    cols[2].metric(t("results.gates"), eligible)
    st.caption(" ".join(maximum_sentences(most)))


def adjusted_items(actor: auth.Principal, submission_id: int) -> None:
    """What the evaluator changed and why: the firm reads the reasons where it reads the result."""
    rows = appdata.adjustments(actor, db(), submission_id)
    if not rows:
        return
    st.subheader(t("results.adjusted_title"))
    st.caption(t("results.adjusted_intro", n=len(rows)))
    st.dataframe(
        [
            {
                t(
                    "results.adjusted_item"
                ): f"{r.number} {r.title_zh if lang() == 'zh' else r.title_en}",
                t("results.adjusted_self"): r.self_answer,
                t("results.adjusted_final"): r.evaluated_answer,
                t("results.adjusted_reason"): r.reason,
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        key="adjusted_items",
    )


def render() -> None:
    actor = auth.require_role(Role.ENTERPRISE)
    st.title(t("results.title"))
    sub = pick_submission(actor, key="r_pick")
    if sub is None:
        st.info(t("common.no_submissions"))
        return
    std = appdata.submission_standard(actor, db(), sub.id)
    st.caption(
        f"{standard_title(std)} · {std.edition} · {profile_name(std, sub.profile)} · {status_label(sub.status)}"
    )
    live = appdata.live_result(actor, db(), sub.id)
    self_result = appdata.result_for(actor, db(), sub.id, "self")
    final = appdata.result_for(actor, db(), sub.id, "final")
    if final is not None:
        main, title = final, t("results.evaluated")
        st.success(t("results.evaluated_banner"))
    elif self_result is not None:
        main, title = self_result, t("results.self")
        st.info(t("results.self_banner"))
    else:
        main, title = live, t("results.live")
        st.info(t("results.live_banner"))
    if sub.status == submissions.REVOKED:
        st.error(t("results.revoked"))
    # A bordered box once there is a certificate to speak of; a draft has the report button only.
    with st.container(
        border=sub.status in (submissions.APPROVED, submissions.REVOKED), key="documents"
    ):
        cert = certificate_line(actor, sub.id, sub.status)
        with st.container(horizontal=True):
            report_button(actor, sub.id, sub.status, key=f"report-{sub.id}")
            if cert is not None:
                certificate_button(actor, cert, key=f"cert-{cert.number}")
    summary(std, main, title)
    if final is not None:
        adjusted_items(actor, sub.id)
    series: dict[str, Result] = {}
    if self_result is not None:
        series[t("results.series_self")] = self_result
    if final is not None:
        series[t("results.series_final")] = final
    if not series:
        series[t("results.series_live")] = live
    st.subheader(t("results.by_domain"))
    chart = domain_chart(std, series)
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    else:
        st.caption(t("results.no_domains"))
    if main.gates:
        st.subheader(t("results.gates_title"))
        state = {True: t("q.gate_pass"), False: t("q.gate_fail"), None: t("q.gate_open")}
        names = {g.id: tr(g.title) for g in std.gates}
        st.dataframe(
            [
                {
                    t("results.gate"): names.get(g.id, g.id),
                    t("results.state"): state[g.passed],
                    t("results.clause"): plain.clause(g.clause),
                    t("results.veto"): t("common.yes") if g.veto else t("common.no"),
                    t("results.label"): plain.label_name(g.label),
                }
                for g in main.gates
            ],
            hide_index=True,
            width="stretch",
            key="gates_table",
        )
    if main.next_tier is not None:
        nxt = main.next_tier
        st.subheader(t("results.next_tier", tier=tier_name(std, nxt.tier)))
        st.caption(t("results.next_reachable") if nxt.reachable else t("results.next_unreachable"))
        if nxt.upgrades:
            st.table(
                [
                    {
                        t("results.item"): _item_title(std, u.item),
                        t("results.current"): _option_text(
                            std, u.item, u.current, sub.industry_type
                        ),
                        t("results.to"): _option_text(std, u.item, u.to, sub.industry_type),
                        t("results.gain"): gain(u.points_gain),
                        t("results.effort"): count(u.effort),
                    }
                    for u in nxt.upgrades
                ],
                border="horizontal",
                hide_index=True,
            )
    if main.gaps:
        st.subheader(t("results.gaps"))
        st.table(
            [
                {
                    t("results.item"): _item_title(std, g.item),
                    t("results.answer"): _option_text(std, g.item, g.answer, sub.industry_type),
                    t("results.best"): _option_text(std, g.item, g.best, sub.industry_type),
                    t("results.lost"): points(g.points_lost),
                }
                for g in main.gaps[:10]
            ],
            border="horizontal",
            hide_index=True,
        )
    if main.derived:
        st.subheader(t("results.derived"))
        st.caption(t("results.derived_note"))
        library = bundled_library()
        for view in main.derived:
            target = library.standards.get(view.standard)
            name = tr(target.title) if target else view.standard
            with st.container(border=True):
                st.markdown(
                    f":violet-badge[{t('results.derived_badge')}] :orange-badge[{plain.label_name(view.label)}] **{md(name)}**"
                )
                st.dataframe(
                    [
                        {
                            t("results.node"): n.name_zh if lang() == "zh" else n.name_en,
                            t("results.points"): score_of(n.points, n.max_points),
                            "%": share(n.percent),
                            t("results.items_linked"): len(n.items),
                        }
                        for n in view.nodes
                    ],
                    hide_index=True,
                    width="stretch",
                    key=f"derived-{view.crosswalk}",
                )
    if main.flags:
        st.subheader(t("results.flags"))
        st.warning(t("results.flags_note"))
        st.table(plain.flag_rows(main.flags), border="horizontal", hide_index=True)
    comments_box(actor, sub.id)
    with st.expander(t("results.receipt")):
        r = main.receipt
        st.code(
            f"standard {r.standard_id} {r.edition}\nstandard sha256 {r.standard_sha256}\nanswers sha256  {r.answers_sha256}\nengine {r.engine_version}",
            language=None,
        )


if __name__ == "__main__":
    render()
