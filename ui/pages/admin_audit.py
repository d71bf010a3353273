"""Administrator: browse the append-only audit log."""

from __future__ import annotations

import json

import streamlit as st

from assessment.accounts import audit
from assessment.accounts.principal import Role
from ui.parts import auth
from ui.parts.common import db, t, when

ROLES = {r.value for r in Role}


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    st.title(t("audit.title"))
    c1, c2, c3 = st.columns(3)
    submission = c1.number_input(
        t("audit.submission"), min_value=1, step=1, value=None, key="audit_sub"
    )
    action = c2.text_input(t("audit.action"), key="audit_action", placeholder="submission.approve")
    limit = c3.number_input(
        t("audit.limit"), min_value=10, max_value=5000, value=500, step=50, key="audit_limit"
    )
    entries = audit.audit_trail(
        actor, db(), submission_id=int(submission) if submission else None, limit=100_000
    )
    if action.strip():
        entries = [e for e in entries if action.strip() in e.action]
    entries = entries[-int(limit) :][::-1]
    st.caption(t("audit.count", n=len(entries)))
    st.dataframe(
        [
            {
                "#": e.id,
                t("audit.at"): when(e.at),
                t("audit.actor"): e.actor,
                t("audit.role"): t(f"role.{e.actor_role}")
                if e.actor_role in ROLES
                else e.actor_role,
                t("audit.action"): e.action,
                t("audit.entity"): f"{e.entity} {e.entity_id or ''}".strip(),
                t("audit.submission"): e.submission_id or "—",
                t("audit.change"): json.dumps(e.after, ensure_ascii=False, default=str)[:300]
                if e.after is not None
                else "",
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
        key="audit_table",
    )


if __name__ == "__main__":
    render()
