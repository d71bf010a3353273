"""Administrator: the certificate registry. Issue the certificate of an approved submission that
has no valid one, download or revoke one certificate (with a reason; the result stays approved),
and revoke an approved result (its certificates are revoked with it). The public verification
page reports a revocation at once."""

from __future__ import annotations

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.issuer import configured_issuer
from assessment.certificates.keys import KeyProblem
from assessment.certificates.records import CertificateView
from assessment.errors import LifecycleError
from ui.parts import auth
from ui.parts.common import db, flash, labeller, lang, md, show_error, show_flashes, t, when
from ui.parts.downloads import certificate_button, status_of, verify_link

STATUS_COLOUR = {"valid": "green", "expired": "orange", "revoked": "red"}


def registry(certs: list[CertificateView]) -> None:
    st.subheader(t("certs.issued"))
    if not certs:
        st.info(t("certs.none"))
        return
    st.dataframe(
        [
            {
                t("certs.number"): c.number,
                "#": c.submission_id,
                t("certs.firm"): c.record.get("firm_name"),
                t(
                    "certs.standard"
                ): f"{c.record.get('standard_id')} {c.record.get('standard_edition')}",
                t("certs.status"): t(f"verify.status.{status_of(c)}"),
                t("certs.issued_at"): c.record.get("issued_on") or when(c.issued_at),
                t("certs.expires"): c.record.get("expires_on") or "—",
                t("certs.revoked_reason"): c.revoked_reason or "—",
            }
            for c in reversed(certs)
        ],
        hide_index=True,
        width="stretch",
        key="certs_table",
    )


def issue_section(actor: Principal, certs: list[CertificateView]) -> None:
    st.subheader(t("certs.issue_title"))
    st.caption(t("certs.issue_intro"))
    try:
        issuer = configured_issuer()
    except KeyProblem as exc:
        st.warning(t("certs.issuer_problem", problem=md(exc.text(lang()))))
        issuer = None
    else:
        if issuer is None:
            st.warning(t("certs.no_issuer"))
        elif issuer.demo:
            st.caption(t("certs.issuer_demo", fingerprint=issuer.fingerprint[:16]))
        else:
            st.caption(t("certs.issuer", name=md(issuer.name), fingerprint=issuer.fingerprint[:16]))
    waiting = certificates.awaiting_certificate(actor, db())
    if not waiting:
        st.info(t("certs.none_to_issue"))
        return
    by_id = {s.id: s for s in reversed(waiting)}
    ids = list(by_id)
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    sid = left.selectbox(
        t("certs.issue_pick"),
        ids,
        format_func=labeller(
            ids, lambda i: f"#{i} · {by_id[i].organisation_name} · {by_id[i].standard_id}"
        ),
        key=f"issue_pick-{lang()}",
    )
    if right.button(
        t("certs.issue"),
        type="primary",
        key="issue_button",
        icon=":material/workspace_premium:",
        disabled=issuer is None,
    ):
        try:
            issued = certificates.issue_certificate(actor, db(), sid)
        except LifecycleError as exc:
            show_error(exc)
        else:
            flash(t("certs.issued_ok", id=sid, number=issued.record.number))
            st.session_state["cert_pick"] = issued.record.number
            st.rerun()


def certificate_section(actor: Principal, certs: list[CertificateView]) -> None:
    if not certs:
        return
    st.subheader(t("certs.manage_title"))
    by_number = {c.number: c for c in reversed(certs)}
    numbers = list(by_number)
    if st.session_state.get("cert_pick") not in numbers:
        st.session_state["cert_pick"] = numbers[0]
    number = st.selectbox(
        t("certs.pick"),
        numbers,
        format_func=labeller(
            numbers,
            lambda n: (
                f"{n} · #{by_number[n].submission_id} · {by_number[n].record.get('firm_name')}"
                f" · {t(f'verify.status.{status_of(by_number[n])}')}"
            ),
        ),
        key="cert_pick",
    )
    cert = by_number[number]
    state = status_of(cert)
    st.markdown(
        f":{STATUS_COLOUR[state]}-badge[{t(f'verify.status.{state}')}] **{cert.number}** · "
        f"{t('certs.valid_from_to', issued=cert.record.get('issued_on'), expires=cert.record.get('expires_on'))}"
        f" · {verify_link(cert.number)}"
    )
    if cert.status == "revoked":
        st.caption(
            t(
                "certs.already_revoked",
                when=when(cert.revoked_at),
                reason=md(cert.revoked_reason or "—"),
            )
        )
        return
    certificate_button(actor, cert, key=f"cert-{cert.number}")
    with st.form("cert_revoke_form"):
        st.caption(t("certs.cert_revoke_intro"))
        reason = st.text_area(t("certs.cert_reason"), key="cert_revoke_reason")
        if st.form_submit_button(t("certs.cert_revoke")):
            try:
                certificates.revoke_certificate(actor, db(), cert.number, reason)
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("certs.cert_revoked", number=cert.number))
                st.rerun()


def result_section(actor: Principal) -> None:
    st.subheader(t("certs.revoke_title"))
    st.caption(t("certs.revoke_intro"))
    approved = submissions.list_submissions(actor, db(), status=submissions.APPROVED)
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
                submissions.revoke(
                    actor, db(), sid, reason=reason, expected_version=by_id[sid].version
                )
            except LifecycleError as exc:
                show_error(exc)
            else:
                flash(t("certs.revoked", id=sid))
                st.rerun()


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("certs.title"))
    certs = records.list_certificates(actor, db())
    registry(certs)
    issue_section(actor, certs)
    certificate_section(actor, certs)
    st.divider()
    result_section(actor)


if __name__ == "__main__":
    render()
