"""Evaluator queue: the submissions assigned to me, found by firm name, credit code or number, and
filtered by status, standard, region, industry."""

from __future__ import annotations

import streamlit as st

from assessment.accounts.classifications import divisions, regions
from assessment.accounts.principal import Role
from assessment.submissions import appdata
from assessment.submissions.states import Status
from standards import bundled_library
from ui.parts import auth
from ui.parts.choice import current_choice
from ui.parts.common import (
    db,
    labeller,
    lang,
    md,
    number,
    show_flashes,
    status_label,
    t,
    tr,
    when,
)
from ui.parts.widgets import open_submission

STATUSES = tuple(str(s) for s in Status if s is not Status.DRAFT)  # an evaluator never sees drafts


def render() -> None:
    actor = auth.require_role(Role.EVALUATOR)
    show_flashes()
    st.title(t("queue.title"))
    library = bundled_library()
    search = st.text_input(
        t("queue_search.label"),
        placeholder=t("queue_search.placeholder"),
        key="queue_search",
        icon=":material/search:",
        max_chars=100,
    ).strip()
    c1, c2, c3, c4 = st.columns(4)
    statuses = c1.multiselect(
        t("queue.status"),
        STATUSES,
        default=[str(Status.SUBMITTED), str(Status.IN_REVIEW)],
        format_func=labeller(STATUSES, status_label),
        key=f"queue_status-{lang()}",
    )
    standards = ["", *sorted(library.standards)]
    standard = c2.selectbox(
        t("queue.standard"),
        standards,
        format_func=labeller(
            standards,
            lambda s: (
                tr(library.standards[s].short_title or library.standards[s].title)
                if s
                else t("queue.all")
            ),
        ),
        key=f"queue_standard-{lang()}",
    )
    places = ["", *sorted(c for c, r in regions().items() if r.level in ("province", "city"))]
    known = regions()
    region = c3.selectbox(
        t("queue.region"),
        places,
        format_func=labeller(places, lambda c: f"{known[c].name} ({c})" if c else t("queue.all")),
        key=f"queue_region-{lang()}",
    )
    sectors = ["", *sorted(divisions())]
    names = divisions()
    industry = c4.selectbox(
        t("queue.industry"),
        sectors,
        format_func=labeller(sectors, lambda c: f"{c} {names[c].name}" if c else t("queue.all")),
        key=f"queue_industry-{lang()}",
    )
    prefix = region.rstrip("0") if region else None
    if prefix and len(prefix) % 2:
        prefix += "0"
    rows = appdata.review_queue(
        actor,
        db(),
        statuses=statuses,
        standard_id=standard or None,
        region_prefix=prefix,
        industry_code=industry or None,
        search=search or None,
    )
    if not rows:
        st.info(t("queue_search.no_match", text=md(search)) if search else t("queue.empty"))
        return
    st.caption(t("queue.count", n=len(rows)))
    table = [
        {
            "#": r.id,
            t("queue.firm"): r.organisation_name,
            t("queue_search.credit_code"): r.credit_code,
            t("queue.standard"): tr(
                library.standards[r.standard_id].short_title
                or library.standards[r.standard_id].title
            )
            if r.standard_id in library.standards
            else r.standard_id,
            t("queue.status"): status_label(r.status),
            t("queue.region"): f"{known[r.region_code].name}"
            if r.region_code in known
            else r.region_code,
            t("queue.industry"): f"{r.industry_code} {names[r.industry_code].name}"
            if r.industry_code in names
            else r.industry_code,
            t("queue.submitted"): when(r.submitted_at)[:10],
            t("queue.self_total"): number(r.self_total),
        }
        for r in rows
    ]
    st.dataframe(table, hide_index=True, width="stretch", key="queue_table")
    ids = [r.id for r in rows]
    labels = {r.id: f"#{r.id} · {r.organisation_name} · {status_label(r.status)}" for r in rows}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        chosen = current_choice(t("queue.open"), ids, labels, key="queue_pick")
    if right.button(
        t("queue.review"), type="primary", key="queue_open", icon=":material/rate_review:"
    ):
        open_submission(chosen, "ui/pages/review.py")


if __name__ == "__main__":
    render()
