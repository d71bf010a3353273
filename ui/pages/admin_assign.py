"""Administrator: assign an evaluator to submitted work."""

from __future__ import annotations

import streamlit as st

from assessment import submissions
from assessment.accounts import organisations
from assessment.accounts.principal import Role
from assessment.errors import LifecycleError
from assessment.submissions import appdata
from standards import bundled_library
from ui.parts import auth
from ui.parts.common import db, flash, lang, show_error, show_flashes, status_label, t, tr, when


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("assign.title"))
    st.caption(t("assign.intro"))
    rows = appdata.review_queue(actor, db(), statuses=sorted(submissions.ASSIGNABLE_STATES))
    if not rows:
        st.info(t("assign.empty"))
        return
    library = bundled_library()
    evaluators = [u for u in organisations.list_users(actor, db(), role=Role.EVALUATOR) if u.active]
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
    evaluator = c2.selectbox(
        t("assign.evaluator"),
        list(names),
        format_func=names.__getitem__,
        key=f"assign_eval-{lang()}",
    )
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
