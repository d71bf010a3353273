"""Benchmark: where a firm stands among its peers — the distribution with the firm's marker, the
profile by domain against the peers' median and P25–P75 band, intelligence × carbon with the
cohort's quadrants and the firm's movement over the years, the K grade, and a CSV of the figures.

Every number comes from `assessment.benchmark` (which applies the k = 5 and differencing rule);
this page only chooses the cohort and draws. Administrators also get a view of a region or
industry without any single firm.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from assessment.accounts import organisations
from assessment.accounts.classifications import divisions, regions
from assessment.accounts.principal import Principal, Role
from assessment.benchmark.service import (
    FirmFacts,
    Query,
    cohort_benchmark,
    csv_text,
    editions,
    firm_benchmark,
    firm_facts,
    lattice,
    with_suggestion,
)
from assessment.errors import LifecycleError
from assessment.storage.db import Database
from scoring.benchmark import MIN_COHORT, PEER_POINTS, QUADRANTS, Benchmark, Cohort, Figure
from standards import bundled_library
from ui.i18n import LANGUAGES
from ui.parts import plain
from ui.parts.common import db, lang, number, show_error, t, tier_name, tr

FIRM_COLOUR = "#d62728"
PEER_COLOUR = "#9e9e9e"
BAND_COLOUR = "#c6dbef"


ALL = ""  # the "all" choice of a filter (Streamlit's selectbox reads None as no choice)


def _industry_label(code: str | None) -> str:
    if not code:
        return t("bench.all_industries")
    division = divisions().get(code[:2])
    if len(code) == 2 and division is not None:
        return f"{code} {division.name}"
    return f"{code} ({t('bench.group')})"


def _region_label(code: str | None) -> str:
    if not code:
        return t("bench.all_regions")
    region = regions().get(code)
    return f"{code} {region.name}" if region else code


def _size_label(size: str | None) -> str:
    return t(f"size.{size}") if size else t("bench.all_sizes")


def cohort_text(cohort: Cohort) -> str:
    basis = t("bench.basis_self") if cohort.include_self else t("bench.basis_approved")
    return " · ".join(
        [
            _industry_label(cohort.industry),
            _region_label(cohort.region),
            _size_label(cohort.size),
            basis,
        ]
    )


def _standard_label(standard_id: str, edition: str) -> str:
    standard = bundled_library().standards.get(standard_id)
    title = tr(standard.short_title or standard.title) if standard else standard_id
    return f"{title} ({edition})"


def _fmt(value: float | None, digits: int = 1) -> str:
    return number(None if value is None else round(value, digits), digits)


# --- choosing the cohort -----------------------------------------------------------------------


def _keyed(name: str) -> str:
    """The widget key of a choice in the current language: Streamlit keeps the option labels of
    a keyed widget, so each language has its own widget; the value itself lives under `name`."""
    return f"{name}.{lang()}"


def _sync_language() -> None:
    """After a language switch, the widgets of the new language start from the kept values."""
    if st.session_state.get("bm.lang") != lang():
        suffixes = tuple(f".{language}" for language in LANGUAGES)
        for key in [k for k in st.session_state if str(k).startswith("bm_")]:
            if str(key).endswith(suffixes):
                del st.session_state[key]
        st.session_state["bm.lang"] = lang()


def _choose(
    widget: Any, label: str, options: list[Any], name: str, fallback: Any, **kwargs: Any
) -> Any:
    key = _keyed(name)
    current = st.session_state.get(name, fallback)
    if current not in options:
        current = fallback if fallback in options else options[0]
    if st.session_state.get(key) not in options:
        st.session_state[key] = current
    value = widget(label, options, key=key, **kwargs)
    st.session_state[name] = value
    return value


def _apply_suggestion(query: Query) -> None:
    """Button callback (runs before the page): move the filters to the suggested cohort."""
    for name, value in (
        ("bm_industry", query.industry),
        ("bm_region", query.region),
        ("bm_size", query.size),
    ):
        st.session_state[name] = value or ALL
        st.session_state.pop(_keyed(name), None)


def _filters(options: dict[str, list[Any]]) -> tuple[str | None, str | None, str | None]:
    """Three selectboxes; the choices are lattice codes, ALL standing for "all"."""
    options = {key: [value or ALL for value in values] for key, values in options.items()}
    a, b, c = st.columns(3)
    with a:
        industry = _choose(
            st.selectbox, t("bench.industry"), options["industry"], "bm_industry", ALL,
            format_func=_industry_label,
        )  # fmt: skip
    with b:
        region = _choose(
            st.selectbox, t("bench.region"), options["region"], "bm_region", ALL,
            format_func=_region_label,
        )  # fmt: skip
    with c:
        size = _choose(
            st.selectbox, t("bench.size"), options["size"], "bm_size", ALL,
            format_func=_size_label,
        )  # fmt: skip
    return industry or None, region or None, size or None


def _firm_options(facts: FirmFacts) -> dict[str, list[Any]]:
    return {
        "industry": facts.industry_chain,
        "region": facts.region_chain,
        "size": [None, facts.size_class] if facts.size_class else [None],
    }


def _region_options() -> dict[str, list[Any]]:
    lat = lattice()
    found = sorted(code for code in regions() if _is_level(code))
    return {
        "industry": [None, *sorted(divisions())],
        "region": [None, *found],
        "size": [None, *lat.sizes],
    }


def _is_level(code: str) -> bool:
    try:
        lattice().region.level_of(code)
    except ValueError:
        return False
    return True


def _edition_choice(database: Database) -> tuple[str, str, int] | None:
    found = editions(database)
    if not found:
        return None
    pairs = [(e.standard_id, e.edition) for e in found]
    default = next((i for i, p in enumerate(pairs) if p[0] == "zj-future-factory"), 0)
    left, right = st.columns([3, 1])
    with left:
        chosen = _choose(
            st.selectbox, t("bench.standard"), list(range(len(pairs))), "bm_standard", default,
            format_func=lambda i: _standard_label(*pairs[i]),
        )  # fmt: skip
    years = found[chosen].years
    with right:
        year = _choose(st.selectbox, t("bench.year"), years, f"bm_year_{chosen}", years[0])
    return pairs[chosen][0], pairs[chosen][1], int(year)


# --- drawing ---------------------------------------------------------------------------------


def distribution_chart(result: Benchmark) -> alt.LayerChart | alt.FacetChart | None:
    d = result.total.distribution
    if not result.histogram or d is None:
        return None
    bars = pd.DataFrame(
        [
            {"from": b["from"], "to": b["to"], "count": b["count"],
             "range": f"{_fmt(b['from'], 1)}–{_fmt(b['to'], 1)}"}
            for b in result.histogram
        ]
    )  # fmt: skip
    x_title = tr(result.total.name)
    scale = alt.Scale(domain=[bars["from"].min(), bars["to"].max()])
    band = (
        alt.Chart(pd.DataFrame([{"p25": d.p25, "p75": d.p75}]))
        .mark_rect(color=BAND_COLOUR, opacity=0.6)
        .encode(x=alt.X("p25:Q", scale=scale), x2="p75:Q")
    )
    histogram = (
        alt.Chart(bars)
        .mark_bar(color="#4c78a8", opacity=0.85)
        .encode(
            x=alt.X("from:Q", title=x_title, scale=scale, bin="binned"),
            x2="to:Q",
            y=alt.Y("count:Q", title=t("bench.count")),
            tooltip=[
                alt.Tooltip("range:N", title=t("bench.range_label")),
                alt.Tooltip("count:Q", title=t("bench.count")),
            ],
        )
    )
    median = (
        alt.Chart(pd.DataFrame([{"median": d.median}]))
        .mark_rule(strokeDash=[4, 3], color="#333333")
        .encode(x="median:Q")
    )
    layers: list[Any] = [band, histogram, median]
    if result.total.firm is not None:
        layers.append(
            alt.Chart(pd.DataFrame([{"firm": result.total.firm, "label": t("bench.firm_value")}]))
            .mark_rule(color=FIRM_COLOUR, size=3)
            .encode(x="firm:Q", tooltip=[alt.Tooltip("firm:Q", format=".1f", title=" ")])
        )
    return alt.layer(*layers).properties(height=260)


def profile_chart(result: Benchmark) -> alt.LayerChart | alt.FacetChart | None:
    rows = []
    for figure in result.domains:
        d = figure.distribution
        if d is None:
            continue
        rows.append(
            {
                "domain": f"{figure.id} {tr(figure.name)}",
                "p25": d.p25,
                "p75": d.p75,
                "median": d.median,
                "firm": figure.firm,
                # the firm's weakest domains (against the median) first; domains it is not
                # scored on last
                "gap": (figure.firm - d.median) if figure.firm is not None else 1000.0,
                "n": d.n,
                "percentile": figure.percentile,
            }
        )
    if not rows:
        return None
    frame = pd.DataFrame(rows).sort_values("gap")
    order = list(frame["domain"])
    y = alt.Y("domain:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    x_scale = alt.Scale(domain=[0, 100])
    tooltip = [
        alt.Tooltip("domain:N", title=t("bench.domain")),
        alt.Tooltip("p25:Q", format=".1f", title="P25"),
        alt.Tooltip("median:Q", format=".1f", title=t("bench.median")),
        alt.Tooltip("p75:Q", format=".1f", title="P75"),
        alt.Tooltip("firm:Q", format=".1f", title=t("bench.firm_value")),
        alt.Tooltip("percentile:Q", format=".0f", title=t("bench.percentile")),
        alt.Tooltip("n:Q", title=t("bench.n")),
    ]
    base = alt.Chart(frame)
    band = base.mark_bar(color=BAND_COLOUR, height=14).encode(
        x=alt.X("p25:Q", title=tr(result.total.name), scale=x_scale), x2="p75:Q", y=y,
        tooltip=tooltip,
    )  # fmt: skip
    median = base.mark_tick(color="#333333", thickness=2, size=18).encode(
        x="median:Q", y=y, tooltip=tooltip
    )
    layers: list[Any] = [band, median]
    if frame["firm"].notna().any():
        layers.append(
            base.transform_filter("isValid(datum.firm)")
            .mark_point(color=FIRM_COLOUR, filled=True, size=80)
            .encode(x="firm:Q", y=y, tooltip=tooltip)
        )
    return alt.layer(*layers).properties(height=alt.Step(26))


def scatter_chart(result: Benchmark) -> alt.LayerChart | alt.FacetChart | None:
    quads = result.quadrants
    if quads.suppression.suppressed or quads.metric_median is None or quads.l_median is None:
        return None
    metric_title = tr(result.total.name)
    l_title = t("bench.carbon_L")
    peers = pd.DataFrame(
        [{"metric": m, "L": max(big_l, 0.005), "self": s} for m, big_l, s in quads.peers]
    )
    x = alt.X("metric:Q", title=metric_title)
    y = alt.Y("L:Q", title=l_title, scale=alt.Scale(type="log"))
    layers: list[Any] = [
        alt.Chart(peers)
        .mark_circle(color=PEER_COLOUR, opacity=0.45, size=22)
        .encode(x=x, y=y, shape=alt.Shape("self:N", legend=None)),
        alt.Chart(pd.DataFrame([{"v": quads.metric_median}]))
        .mark_rule(strokeDash=[5, 4], color="#555555")
        .encode(x="v:Q"),
        alt.Chart(pd.DataFrame([{"v": quads.l_median}]))
        .mark_rule(strokeDash=[5, 4], color="#555555")
        .encode(y=alt.Y("v:Q", scale=alt.Scale(type="log"))),
    ]
    path = [
        {"year": str(m.year), "metric": m.metric, "L": m.L}
        for m in result.trajectory
        if m.metric is not None and m.L is not None and m.L > 0
    ]
    if path:
        track = pd.DataFrame(path)
        layers += [
            alt.Chart(track)
            .mark_line(color=FIRM_COLOUR, strokeWidth=2)
            .encode(x="metric:Q", y=alt.Y("L:Q", scale=alt.Scale(type="log")), order="year:O"),
            alt.Chart(track)
            .mark_point(color=FIRM_COLOUR, filled=True, size=90)
            .encode(
                x="metric:Q",
                y=alt.Y("L:Q", scale=alt.Scale(type="log")),
                tooltip=[
                    alt.Tooltip("year:N", title=t("bench.year_col")),
                    alt.Tooltip("metric:Q", format=".1f", title=metric_title),
                    alt.Tooltip("L:Q", format=".2f", title="L"),
                ],
            ),
            alt.Chart(track)
            .mark_text(color=FIRM_COLOUR, dy=-12, fontWeight="bold")
            .encode(x="metric:Q", y=alt.Y("L:Q", scale=alt.Scale(type="log")), text="year:N"),
        ]
    return alt.layer(*layers).properties(height=380)


def _figure_row(figure: Figure) -> dict[str, Any]:
    d = figure.distribution
    message = figure.suppression.message
    digits = 2 if figure.id == "L" else 1
    name = tr(figure.name) if figure.id in ("total", "L") else f"{figure.id} {tr(figure.name)}"
    return {
        t("bench.figure"): name,
        t("bench.n"): str(d.n) if d else "—",
        "P25": _fmt(d.p25 if d else None, digits),
        t("bench.median"): _fmt(d.median if d else None, digits),
        "P75": _fmt(d.p75 if d else None, digits),
        "IQR": _fmt(d.iqr if d else None, digits),
        t("bench.spread"): f"{_fmt(d.min, digits)}–{_fmt(d.max, digits)}" if d else "—",
        t("bench.firm_value"): _fmt(figure.firm, digits),
        t("bench.percentile"): _fmt(figure.percentile, 0),
        t("bench.reason"): tr(message) if figure.suppression.suppressed and message else "",
    }


def _signed(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:+.{digits}f}"


def _suppressed(result: Benchmark, query: Query) -> None:
    verdict = result.suppression
    st.warning(tr(verdict.message) if verdict.message else t("bench.suppressed"))
    wider = with_suggestion(query, result)
    if wider is None or verdict.suggestion is None:
        st.info(t("bench.no_suggestion"))
        return
    st.info(t("bench.suggest", cohort=cohort_text(verdict.suggestion)))
    st.button(
        t("bench.use_suggestion"),
        key="bm_use_suggestion",
        on_click=_apply_suggestion,
        args=(wider,),
        icon=":material/zoom_out_map:",
    )


def show(result: Benchmark, query: Query, *, with_firm: bool) -> None:
    """Draw a benchmark result (a firm's, or a cohort's without any firm)."""
    st.caption(t("bench.cohort_label", cohort=cohort_text(result.cohort)))
    if result.suppressed:
        _suppressed(result, query)
        return
    for note in result.notes:
        st.info(tr(note), icon=":material/info:")
    total = result.total
    d = total.distribution
    cols = st.columns(4 if with_firm else 3)
    cols[0].metric(
        t("bench.cohort_size"),
        str(result.cohort_size),
        help=t("bench.synthetic_badge") if result.synthetic else None,
    )
    if with_firm:
        cols[1].metric(
            t("bench.percentile"),
            _fmt(total.percentile, 0) if total.percentile is not None else "—",
            help=t("bench.percentile_help"),
        )
    cols[-2].metric(t("bench.median"), _fmt(d.median) if d else "—")
    cols[-1].metric(t("bench.iqr"), f"{_fmt(d.p25)}–{_fmt(d.p75)}" if d else "—")
    if with_firm and total.firm is None:
        st.caption(t("bench.no_firm_result"))
    elif with_firm and not result.firm_in_cohort:
        st.caption(t("bench.not_member"))

    left, right = st.columns([1, 1])
    with left:
        st.subheader(t("bench.distribution"))
        chart = distribution_chart(result)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
            st.caption(
                t("bench.distribution_legend" if with_firm else "bench.distribution_legend_peers")
            )
        if result.tiers:
            standard = bundled_library().standards.get(result.standard)
            tiers = ", ".join(
                f"{t('bench.tier_none') if name == 'none' or standard is None else tier_name(standard, name)} {count}"
                for name, count in result.tiers.items()
            )
            st.caption(f"{t('bench.tiers')}: {tiers}")
    with right:
        st.subheader(t("bench.profile"))
        st.caption(t("bench.profile_legend" if with_firm else "bench.profile_legend_peers"))
        chart = profile_chart(result)
        if chart is not None:
            st.altair_chart(chart, width="stretch")
        hidden = [f"{f.id} {tr(f.name)}" for f in result.domains if f.distribution is None]
        if hidden:
            st.caption(t("bench.hidden_domains", domains="、".join(hidden)))

    st.subheader(t("bench.scatter"))
    chart = scatter_chart(result)
    carbon = result.carbon
    if chart is None:
        st.info(tr(carbon.suppression.message) if carbon.suppression.message else "—")
    else:
        a, b = st.columns([3, 1])
        with a:
            st.altair_chart(chart, width="stretch")
            st.caption(
                t(
                    "bench.scatter_caption" if with_firm else "bench.scatter_caption_peers",
                    n=PEER_POINTS,
                )
            )
        with b:
            quads = result.quadrants
            if quads.firm:
                st.caption(t("bench.quadrant"))
                st.markdown(f"### {tr(QUADRANTS[quads.firm])}")
            st.caption(t("bench.quadrant_counts"))
            for key, name in QUADRANTS.items():
                st.write(f"{tr(name)}: {quads.counts.get(key, 0)}")
    _carbon(result, with_firm)
    if with_firm and len(result.trajectory) > 0:
        st.subheader(t("bench.trajectory"))
        standard = bundled_library().standards.get(result.standard)
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t("bench.year_col"): str(m.year),
                        tr(total.name): _fmt(m.metric),
                        t("bench.change"): _signed(m.metric_change),
                        "L": _fmt(m.L, 2),
                        "ΔL": _signed(m.L_change, 2),
                        t("bench.tier"): (
                            tier_name(standard, m.tier) if standard else m.tier or "—"
                        )
                        + (t("bench.self_marker") if m.self_assessed else ""),
                    }
                    for m in result.trajectory
                ]
            ),
            hide_index=True,
        )
    st.subheader(t("bench.table"))
    rows = [_figure_row(f) for f in [total, *result.domains, carbon]]
    if not with_firm:
        rows = [
            {
                k: v
                for k, v in row.items()
                if k not in (t("bench.firm_value"), t("bench.percentile"))
            }
            for row in rows
        ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, height=38 + 35 * len(rows))
    st.download_button(
        t("bench.download"),
        data=csv_text(result, lang()),
        file_name=f"benchmark-{result.standard}-{result.year}.csv",
        mime="text/csv",
        key="bm_download",
        icon=":material/download:",
    )


def _carbon(result: Benchmark, with_firm: bool) -> None:
    carbon = result.carbon
    d = carbon.distribution
    st.subheader(t("bench.carbon"))
    cols = st.columns(3)
    if d is not None:
        cols[0].metric(t("bench.median") + " L", _fmt(d.median, 2))
        cols[1].metric(t("bench.iqr"), f"{_fmt(d.p25, 2)}–{_fmt(d.p75, 2)}")
    if with_firm:
        if carbon.firm is None:
            st.caption(t("bench.no_carbon_firm"))
        elif carbon.percentile is not None:
            cols[2].metric(
                t("bench.firm_value") + " L",
                _fmt(carbon.firm, 2),
                help=t("bench.better_than", p=_fmt(100 - carbon.percentile, 0)),
            )
            st.caption(t("bench.better_than", p=_fmt(100 - carbon.percentile, 0)))
    grade = result.carbon_grade
    if with_firm and grade is not None:
        if grade.sector_average_L is None:
            reason = tr(grade.suppression.message) if grade.suppression.message else ""
            st.caption(t("bench.kgrade_none", reason=reason))
        elif grade.K is not None:
            st.markdown(
                f"**{t('bench.kgrade')}** · "
                + t(
                    "bench.kgrade_value",
                    k=_fmt(grade.K, 2),
                    grade=grade.grade,
                    name=tr(grade.grade_name),
                    sector=_industry_label(grade.sector),
                    avg=_fmt(grade.sector_average_L, 3),
                )
            )
            st.caption(t("bench.kgrade_method", label=plain.label_name(grade.label)))


# --- the page --------------------------------------------------------------------------------


def render(principal: Principal | None = None, lang: str | None = None) -> None:
    """The benchmark page for the signed-in actor (or the principal given, e.g. in tests)."""
    from ui.parts import auth  # noqa: PLC0415 - the page may be drawn on its own in tests

    if lang is not None:
        st.session_state["lang"] = lang
    actor = principal or auth.current_user()
    st.title(t("bench.title"))
    if actor is None:
        st.warning(t("auth.sign_in_first"))
        return
    st.caption(t("bench.intro", k=MIN_COHORT, m=MIN_COHORT - 1))
    database = db()
    _sync_language()
    chosen = _edition_choice(database)
    if chosen is None:
        st.info(t("bench.no_data"))
        return
    standard_id, edition, year = chosen

    firm_view = True
    org_id = actor.org_id
    if actor.role is Role.ADMINISTRATOR:
        view = _choose(
            st.segmented_control, t("bench.view"), ["region", "firm"], "bm_view", "region",
            format_func=lambda v: t(f"bench.view_{v}"), required=True,
        )  # fmt: skip
        firm_view = view == "firm"
    if firm_view and actor.role is not Role.ENTERPRISE:
        orgs = [o for o in organisations.list_organisations(actor, database) if not o.synthetic]
        if not orgs:
            st.info(t("bench.no_data"))
            return
        names = {o.id: o.name for o in orgs}
        org_id = _choose(
            st.selectbox, t("bench.firm"), list(names), "bm_org", next(iter(names)),
            format_func=names.__getitem__,
        )  # fmt: skip
    try:
        if firm_view:
            if org_id is None:
                st.info(t("bench.no_data"))
                return
            facts = firm_facts(
                actor, database, org_id, Query(standard=standard_id, edition=edition, year=year)
            )
            options = _firm_options(facts)
        else:
            options = _region_options()
        industry, region, size = _filters(options)
        include_self = st.checkbox(t("bench.include_self"), key="bm_include_self")
        query = Query(
            standard=standard_id, edition=edition, year=year, industry=industry, region=region,
            size=size, include_self=include_self,
        )  # fmt: skip
        if firm_view and org_id is not None:
            result = firm_benchmark(actor, database, org_id, query)
        else:
            result = cohort_benchmark(actor, database, query)
    except LifecycleError as exc:
        show_error(exc)
        return
    show(result, query, with_firm=firm_view)


if __name__ == "__main__":
    render()
