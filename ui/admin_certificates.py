"""Administrator: certificates and approved results; revoke an approved result (its certificates
are revoked with it, and the public verification page says so at once)."""

from __future__ import annotations

import streamlit as st

from assessment import records, workflow
from assessment.errors import LifecycleError
from assessment.identity import Role
from ui import auth
from ui.common import db, flash, show_error, show_flashes, t, when


def render() -> None:
    user = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("certs.title"))
    certs = records.list_certificates(user, db())
    st.subheader(t("certs.issued"))
    if certs:
        st.dataframe(
            [
                {
                    t("certs.number"): c.number,
                    "#": c.submission_id,
                    t("certs.firm"): c.record.get("firm_name"),
                    t("certs.status"): t(f"verify.status.{c.status}"),
                    t("certs.issued_at"): when(c.issued_at),
                    t("certs.expires"): when(c.expires_at),
                    t("certs.revoked_reason"): c.revoked_reason or "—",
                }
                for c in certs
            ],
            hide_index=True,
            width="stretch",
            key="certs_table",
        )
    else:
        st.info(t("certs.none"))
    st.subheader(t("certs.revoke_title"))
    st.caption(t("certs.revoke_intro"))
    approved = workflow.list_submissions(user, db(), status=workflow.APPROVED)
    if not approved:
        st.info(t("certs.no_approved"))
        return
    by_id = {s.id: s for s in approved}
    with st.form("revoke_form"):
        sid = st.selectbox(
            t("certs.submission"),
            list(by_id),
            format_func=lambda i: f"#{i} · {by_id[i].organisation_name} · {by_id[i].standard_id}",
            key="revoke_pick",
        )
        reason = st.text_area(t("certs.reason"), key="revoke_reason")
        if st.form_submit_button(t("certs.revoke"), type="primary"):
            try:
                workflow.revoke(user, db(), sid, reason=reason, expected_version=by_id[sid].version)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("certs.revoked", id=sid))
                st.rerun()


if __name__ == "__main__":
    render()
