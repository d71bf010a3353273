"""Administrator: browse the append-only audit log, each action and change in words."""

from __future__ import annotations

import streamlit as st

from assessment.accounts import audit, audit_text, organisations
from assessment.accounts.principal import Role
from ui.parts import auth
from ui.parts.common import db, labeller, lang, t, when

ROLES = {r.value for r in Role}
ANY = ""


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    st.title(t("audit.title"))
    here = lang()
    c1, c2, c3 = st.columns(3)
    submission = c1.number_input(
        t("audit.submission"), min_value=1, step=1, value=None, key="audit_sub"
    )
    codes = [ANY, *sorted(audit_text.ACTIONS, key=lambda c: audit_text.action_text(c, here))]
    action = c2.selectbox(
        t("audit.action"),
        codes,
        format_func=labeller(
            codes, lambda c: t("audit.any_action") if c == ANY else audit_text.action_text(c, here)
        ),
        key=f"audit_action-{here}",
    )
    limit = c3.number_input(
        t("audit.limit"), min_value=10, max_value=5000, value=500, step=50, key="audit_limit"
    )
    entries = audit.audit_trail(
        actor, db(), submission_id=int(submission) if submission else None, limit=100_000
    )
    if action != ANY:
        entries = [e for e in entries if e.action == action]
    entries = entries[-int(limit) :][::-1]
    # Entries name people by id (an assigned evaluator); the page names them by e-mail.
    names = {u.id: u.email for u in organisations.list_users(actor, db())}
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
                t("audit.action"): audit_text.action_text(e.action, here),
                t("audit.entity"): audit_text.entity_text(e.entity, e.entity_id, here),
                t("audit.submission"): str(e.submission_id) if e.submission_id else "—",
                t("audit.change"): audit_text.change_text(e, here, names).replace("\n", "；"),
            }
            for e in entries
        ],
        hide_index=True,
        width="stretch",
        column_config={t("audit.change"): st.column_config.TextColumn(width="large")},
        key="audit_table",
    )


if __name__ == "__main__":
    render()
