"""Small widgets shared by several pages."""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from assessment import workflow
from assessment.errors import NotFound
from assessment.identity import Principal
from ui.common import db, lang, standard, submission_label, t, when

CURRENT = "current_submission"


def pick_submission(
    user: Principal,
    *,
    key: str,
    statuses: Iterable[str] | None = None,
    prefer: Iterable[str] = (),
) -> workflow.SubmissionView | None:
    """Choose one of the submissions the user may see; remembers the choice across pages.

    Newest first, those in a `prefer`red state (e.g. still editable) before the others."""
    wanted = set(statuses or [])
    first = set(prefer)
    found = [s for s in workflow.list_submissions(user, db()) if not wanted or s.status in wanted]
    if not found:
        return None
    ids = [s.id for s in sorted(found, key=lambda s: (s.status not in first, -s.id))]
    labels = {s.id: submission_label(standard(s.standard_id), s) for s in found}
    remembered = st.session_state.get(CURRENT)
    chosen = st.selectbox(
        t("common.choose_submission"),
        ids,
        index=ids.index(remembered) if remembered in ids else 0,
        format_func=labels.__getitem__,
        key=f"{key}-{lang()}",
    )
    st.session_state[CURRENT] = chosen
    try:
        return workflow.get_submission(user, db(), chosen)
    except NotFound:
        st.session_state.pop(CURRENT, None)
        return None


def open_submission(submission_id: int, page: str) -> None:
    st.session_state[CURRENT] = submission_id
    st.switch_page(page)


def comments_box(
    user: Principal, submission_id: int, *, title_key: str = "common.comments"
) -> None:
    comments = workflow.list_comments(user, db(), submission_id)
    if not comments:
        return
    st.subheader(t(title_key))
    for c in comments:
        mark = t("common.internal") if c.visibility == "internal" else t("common.public")
        item = f" · {c.item_id}" if c.item_id else ""
        with st.container(border=True):
            st.caption(f"{when(c.created_at)} · {mark}{item}")
            st.text(c.body)
