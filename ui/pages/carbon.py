"""Enterprise carbon accounting: a year of energy data stored with the submission; emissions,
intensities, the 碳效码 grade, and how the figures feed the green-factory score."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Role
from assessment.errors import Conflict, LifecycleError
from assessment.submissions import activity, appdata
from scoring.carbon import CarbonResult, green_figures, known_keys
from standards import bundled_library
from ui.parts import auth, plain
from ui.parts.common import (
    db,
    flash,
    labeller,
    lang,
    md,
    number,
    show_error,
    show_flashes,
    standard_title,
    t,
    tr,
)
from ui.parts.widgets import pick_submission

MAIN_KEYS = (
    "electricity_kwh",
    "green_electricity_kwh",
    "self_generated_renewable_kwh",
    "exported_electricity_kwh",
    "natural_gas_m3",
    "diesel_t",
    "gasoline_t",
    "raw_coal_t",
    "purchased_heat_gj",
)


UNITS = {"kwh": "kWh", "gj": "GJ", "m3": "m³", "t": "t", "tco2": "tCO₂"}
SPECIAL_KEYS = ("exported_electricity", "green_electricity", "exported_heat", "process_emissions")


def _energy_names() -> dict[str, str]:
    """Activity key → localised energy name with its unit (from the factor library)."""
    factors = bundled_library().factors
    names: dict[str, str] = {}
    if factors is None:
        return names
    energies = {e.id: e for e in factors.energies}
    for key in known_keys(factors):
        base, _, suffix = key.rpartition("_")
        unit = UNITS.get(suffix, suffix)
        energy = energies.get(base)
        if energy is not None:
            names[key] = f"{tr(energy.name)} ({unit})"
        elif base in SPECIAL_KEYS:
            names[key] = t(f"carbon.key.{base}", unit=unit)
        else:
            names[key] = key
    return names


def _float(value: Any) -> float | None:
    """Stored numbers may be whole (YAML 2025 → int); number inputs need one type."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def activity_form(sid: int, stored: dict[str, Any] | None, editable: bool) -> dict[str, Any] | None:
    data = stored or {}
    names = _energy_names()
    with st.form(f"activity-{sid}", border=True):
        c1, c2, c3 = st.columns(3)
        year = c1.number_input(
            t("carbon.year"),
            min_value=1990,
            max_value=2100,
            step=1,
            value=int(data.get("year") or dt.date.today().year - 1),
        )
        region = c2.text_input(
            t("carbon.region"), value=str(data.get("region") or ""), help=t("carbon.region_help")
        )
        sector = c3.number_input(
            t("carbon.sector_average"),
            min_value=0.0,
            value=_float(data.get("sector_average_L")),
            format="%.4f",
            help=t("carbon.sector_help"),
        )
        c4, c5 = st.columns(2)
        output = c4.number_input(
            t("carbon.output"), min_value=0.0, value=_float(data.get("output_value_10k_yuan"))
        )
        added = c5.number_input(
            t("carbon.value_added"), min_value=0.0, value=_float(data.get("value_added_10k_yuan"))
        )
        product = data.get("product_output") or {}
        c6, c7 = st.columns(2)
        quantity = c6.number_input(
            t("carbon.product_quantity"), min_value=0.0, value=_float(product.get("quantity"))
        )
        unit = c7.text_input(t("carbon.product_unit"), value=product.get("unit") or "")
        choices = ["grid_region", "province", "national"]
        grid_factor = st.radio(
            t("carbon.grid_factor"),
            choices,
            index=choices.index(data.get("grid_factor", "grid_region")),
            format_func=labeller(choices, lambda c: t(f"carbon.grid_factor_{c}")),
            horizontal=True,
            help=t("carbon.grid_factor_help"),
            key=f"grid-factor-{sid}-{lang()}",
        )
        st.markdown(f"**{t('carbon.energy')}**")
        energy = dict(data.get("energy") or {})
        keys = list(MAIN_KEYS) + [k for k in names if k not in MAIN_KEYS and k in energy]
        others = [k for k in names if k not in keys]
        cols = st.columns(3)
        values: dict[str, Any] = {}
        for index, key in enumerate(keys):
            values[key] = cols[index % 3].number_input(
                names.get(key, key),
                min_value=0.0,
                value=_float(energy.get(key)),
                key=f"energy-{sid}-{key}",
            )
        with st.expander(t("carbon.more_energy")):
            cols = st.columns(3)
            for index, key in enumerate(others):
                values[key] = cols[index % 3].number_input(
                    names.get(key, key),
                    min_value=0.0,
                    value=_float(energy.get(key)),
                    key=f"energy-{sid}-{key}",
                )
        saved = st.form_submit_button(t("carbon.save"), type="primary", disabled=not editable)
    if not saved:
        return None
    found: dict[str, Any] = {"year": int(year)}
    if region.strip():
        found["region"] = region.strip()
    for name, value in (
        ("output_value_10k_yuan", output),
        ("value_added_10k_yuan", added),
        ("sector_average_L", sector),
    ):
        if value:
            found[name] = value
    if quantity and unit.strip():
        found["product_output"] = {"quantity": quantity, "unit": unit.strip()}
    if grid_factor != "grid_region":
        found["grid_factor"] = grid_factor
    found["energy"] = {k: v for k, v in values.items() if v}
    return found


def show_result(result: CarbonResult) -> None:
    st.subheader(t("carbon.results"))
    top = st.columns(2)
    top[0].metric(t("carbon.energy_tce"), f"{number(result.energy_tce, 1)} tce")
    top[1].metric(
        t("carbon.total"),
        f"{number(result.total_tco2, 1)} tCO₂",
        t("carbon.market", v=number(result.total_market_tco2, 1)),
        delta_color="off",
        delta_arrow="off",
    )
    bottom = st.columns(2)
    bottom[0].metric(t("carbon.scope1"), f"{number(result.scope1_tco2, 1)} tCO₂")
    bottom[1].metric(t("carbon.scope2"), f"{number(result.scope2_location_tco2, 1)} tCO₂")
    i = result.intensity
    rows = [
        {
            t("carbon.indicator"): t("carbon.per_output"),
            "tCO₂": round(i.tco2_per_10k_yuan_output, 4),
            "tce": round(i.tce_per_10k_yuan_output, 4),
        },
        {
            t("carbon.indicator"): t("carbon.per_value_added"),
            "tCO₂": round(i.tco2_per_10k_yuan_value_added, 4),
            "tce": round(i.tce_per_10k_yuan_value_added, 4),
        },
    ]
    if i.per_product is not None:
        p = i.per_product
        rows.append(
            {
                t("carbon.indicator"): t("carbon.per_product", unit=p.unit),
                "tCO₂": round(p.tco2_per_unit, 6),
                "tce": round(p.tce_per_unit, 6),
            }
        )
    st.markdown(f"**{t('carbon.intensities')}**")
    st.dataframe(rows, hide_index=True, width="stretch", key="intensities")
    c = result.carbon_efficiency
    st.markdown(f"**{t('carbon.efficiency')}**")
    text = t("carbon.L", L=number(c.L, 4), band=tr(c.band_name))
    if c.K is not None and c.grade is not None and c.grade_name is not None:
        text += " · " + t("carbon.K", K=number(c.K, 4), grade=c.grade, name=tr(c.grade_name))
    else:
        text += " · " + t("carbon.no_K")
    st.info(text)
    st.caption(plain.label_sentence(c.label, "carbon_method"))
    with st.expander(t("carbon.factors")):
        st.dataframe(
            [
                {
                    t("carbon.factor"): f.name,
                    t("carbon.value"): f.value,
                    t("carbon.unit"): f.unit,
                    t("carbon.factor_year"): f.year,
                    t("results.label"): ("⚠ " if f.flagged else "") + plain.label_name(f.label),
                    t("carbon.source"): plain.label_sentence(f.label, "factor"),
                }
                for f in result.factors
            ],
            hide_index=True,
            width="stretch",
            key="factors",
        )
    if result.unofficial_labels:
        names = [plain.label_name(x) for x in result.unofficial_labels]
        st.warning(t("carbon.unofficial", labels="、".join(names)))


def green_section(actor: Any, sub: submissions.SubmissionView, result: CarbonResult) -> None:
    st.subheader(t("carbon.green"))
    figures = green_figures(result)
    units = {
        "carbon_intensity_output": "kgCO₂/万元",
        "energy_intensity_output": "kgce/万元",
        "renewable_share": "%",
    }
    st.dataframe(
        [
            {
                t("carbon.figure_col"): t(f"carbon.figure.{k}"),
                t("carbon.value"): round(v, 3),
                t("carbon.unit"): units.get(k, ""),
            }
            for k, v in figures.items()
        ],
        hide_index=True,
        width="stretch",
        key="green_figures",
    )
    std = appdata.submission_standard(actor, db(), sub.id)
    derived = activity.derived_items(std)
    if not derived:
        st.caption(t("carbon.green_other"))
        return
    items = {i.id: i for i in std.items}
    st.caption(t("carbon.green_feeds", items=", ".join(tr(items[i].title) for i in derived)))
    if sub.status not in submissions.EDITABLE_STATES:
        return
    if st.button(t("carbon.apply"), key="carbon_apply", type="primary"):
        answers = activity.green_answers(std, result, sub.answers)
        try:
            submissions.save_answers(
                actor, db(), sub.id, expected_version=sub.version, answers=answers
            )
        except Conflict:
            st.error(t("q.conflict"))
        except LifecycleError as exc:
            show_error(exc)
        else:
            st.session_state.pop(f"qstate::{sub.id}", None)
            flash(t("carbon.applied", n=len(answers)))
            st.rerun()


def render() -> None:
    actor = auth.require_role(Role.ENTERPRISE)
    show_flashes()
    st.title(t("carbon.title"))
    st.caption(t("carbon.intro"))
    sub = pick_submission(actor, key="c_pick", prefer=submissions.EDITABLE_STATES)
    if sub is None:
        st.info(t("common.no_submissions"))
        return
    std = appdata.submission_standard(actor, db(), sub.id)
    st.caption(f"#{sub.id} · {standard_title(std)}")
    editable = sub.status in submissions.EDITABLE_STATES
    stored = activity.latest_activity(actor, db(), sub.id)
    if not editable:
        st.info(t("carbon.read_only"))
    data = activity_form(sub.id, stored.data if stored else None, editable)
    if data is not None:
        try:
            activity.save_activity(actor, db(), sub.id, data)
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("carbon.saved", year=data["year"]))
            st.rerun()
    if stored is None:
        st.caption(t("carbon.none_yet"))
        return
    result, problems = activity.account_data(stored.data)
    if result is None:
        st.error("\n".join(f"- {md(p.text(lang()))}" for p in problems))
        return
    show_result(result)
    green_section(actor, sub, result)


if __name__ == "__main__":
    render()
