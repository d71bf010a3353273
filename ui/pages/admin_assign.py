"""Administrator: assign an evaluator to submitted work, by hand or by rules (region, industry,
the evaluators' load) applied on submit."""

from __future__ import annotations

import streamlit as st

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.classifications import divisions, regions
from assessment.accounts.principal import Role
from assessment.errors import LifecycleError
from assessment.submissions import appdata, assignment
from assessment.submissions.assignment import region_scope
from standards import bundled_library
from ui.parts import auth
from ui.parts.common import (
    db,
    flash,
    labeller,
    lang,
    show_error,
    show_flashes,
    status_label,
    t,
    tr,
    when,
)


def region_label(prefix: str) -> str:
    if not prefix:
        return t("rules.any_region")
    known = regions()
    code = prefix.ljust(6, "0")
    return f"{prefix} {known[code].name}" if code in known else prefix


def industry_label(division: str) -> str:
    if not division:
        return t("rules.any_industry")
    names = divisions()
    return f"{division} {names[division].name}" if division in names else division


def rules_section(actor: auth.Principal, evaluators: list[organisations.UserView]) -> None:
    """Automatic assignment: the switch, the rules, and the evaluators' load they balance."""
    st.subheader(t("rules.title"))
    st.caption(t("rules.intro"))
    on = assignment.auto_enabled(db())
    wanted = st.toggle(t("rules.auto"), value=on, key="rules_auto")
    if wanted != on:
        try:
            assignment.set_auto(actor, db(), wanted)
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("rules.auto_on" if wanted else "rules.auto_off"))
            st.rerun()
    rules = assignment.list_rules(actor, db())
    if rules:
        st.dataframe(
            [
                {
                    "#": r.id,
                    t("rules.region"): region_label(r.region_prefix),
                    t("rules.industry"): industry_label(r.industry_division),
                    t("rules.evaluator"): r.evaluator_name
                    + ("" if r.evaluator_active else f" {t('rules.inactive')}"),
                }
                for r in rules
            ],
            hide_index=True,
            width="stretch",
            key="rules_table",
        )
    else:
        st.caption(t("rules.none"))
    known = regions()
    scopes = ["", *sorted({region_scope(c) for c in known})]
    divs = ["", *sorted(divisions())]
    names = {u.id: f"{u.display_name} <{u.email}>" for u in evaluators}
    if names:
        with st.form("rule_form"):
            c1, c2, c3 = st.columns(3)
            region = c1.selectbox(
                t("rules.region"),
                scopes,
                format_func=labeller(scopes, region_label),
                key=f"rule_region-{lang()}",
            )
            industry = c2.selectbox(
                t("rules.industry"),
                divs,
                format_func=labeller(divs, industry_label),
                key=f"rule_industry-{lang()}",
            )
            evaluator = c3.selectbox(
                t("rules.evaluator"),
                list(names),
                format_func=names.__getitem__,
                key=f"rule_evaluator-{lang()}",
            )
            if st.form_submit_button(t("rules.add"), type="primary"):
                try:
                    assignment.add_rule(
                        actor, db(), region_prefix=region, industry_division=industry,
                        evaluator_id=evaluator,
                    )  # fmt: skip
                except LifecycleError as exc:
                    show_error(exc)
                else:
                    flash(t("rules.added"))
                    st.rerun()
    if rules:
        labels = {
            r.id: t(
                "rules.rule_label",
                region=region_label(r.region_prefix),
                industry=industry_label(r.industry_division),
                evaluator=r.evaluator_name,
            )
            for r in rules
        }
        d1, d2 = st.columns([3, 1], vertical_alignment="bottom")
        gone = d1.selectbox(
            t("rules.remove_pick"), list(labels), format_func=labels.__getitem__,
            key=f"rule_remove-{lang()}",
        )  # fmt: skip
        if d2.button(t("rules.remove"), key="rule_remove_button"):
            try:
                assignment.remove_rule(actor, db(), gone)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("rules.removed"))
                st.rerun()
    load = assignment.workload(actor, db())
    if load:
        st.caption(t("rules.workload"))
        st.dataframe(
            [
                {
                    t("rules.evaluator"): f"{w.name} <{w.email}>",
                    t("rules.open_reviews"): w.open_reviews,
                }
                for w in load
            ],
            hide_index=True,
            width="stretch",
            key="workload_table",
        )


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("assign.title"))
    st.caption(t("assign.intro"))
    evaluators = [u for u in organisations.list_users(actor, db(), role=Role.EVALUATOR) if u.active]
    assign_section(actor, evaluators)
    st.divider()
    rules_section(actor, evaluators)


def assign_section(actor: auth.Principal, evaluators: list[organisations.UserView]) -> None:
    rows = appdata.review_queue(actor, db(), statuses=sorted(submissions.ASSIGNABLE_STATES))
    if not rows:
        st.info(t("assign.empty"))
        return
    library = bundled_library()
    st.dataframe(
        [
            {
                "#": r.id,
                t("queue.firm"): r.organisation_name,
                t("queue.standard"): tr(
                    library.standards[r.standard_id].short_title
                    or library.standards[r.standard_id].title
                )
                if r.standard_id in library.standards
                else r.standard_id,
                t("queue.status"): status_label(r.status),
                t("assign.evaluator"): r.evaluator or t("assign.nobody"),
                t("queue.submitted"): when(r.submitted_at),
            }
            for r in rows
        ],
        hide_index=True,
        width="stretch",
        key="assign_table",
    )
    if not evaluators:
        st.warning(t("assign.no_evaluators"))
        return
    by_id = {r.id: r for r in rows}
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    sid = c1.selectbox(
        t("assign.submission"),
        list(by_id),
        format_func=lambda i: f"#{i} · {by_id[i].organisation_name}",
        key=f"assign_sub-{lang()}",
    )
    names = {u.id: f"{u.display_name} <{u.email}>" for u in evaluators}
    # The rules' choice is preselected whenever another submission is chosen (an administrator
    # may still pick another evaluator for it).
    suggested = assignment.suggestion(actor, db(), sid)
    key = f"assign_eval-{lang()}"
    if st.session_state.get("assign_eval_for") != sid:
        st.session_state["assign_eval_for"] = sid
        if suggested in names:
            st.session_state[key] = suggested
    evaluator = c2.selectbox(
        t("assign.evaluator"), list(names), format_func=names.__getitem__, key=key
    )
    if suggested in names:
        c1.caption(t("rules.suggested", name=names[suggested]))
    if c3.button(t("assign.assign"), type="primary", key="assign_button"):
        try:
            submissions.assign_evaluator(
                actor, db(), sid, evaluator, expected_version=by_id[sid].version
            )
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("assign.done", id=sid, name=names[evaluator]))
            st.rerun()


if __name__ == "__main__":
    render()
