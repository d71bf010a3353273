"""Administrator: the certificate registry. Issue the certificate of an approved submission that
has no valid one, download or revoke one certificate (with a reason; the result stays approved),
and revoke an approved result (its certificates are revoked with it). The public verification
page reports a revocation at once.

A revocation cannot be undone, so each one asks first, in a dialog that names the firm and the
certificate number, and takes the reason there. The result to revoke is never chosen for the
administrator: its selector starts empty. Selectors are told their value before each run
(ui/parts/choice.py), so after a revocation they say 已撤销, as the registry does."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assessment import submissions
from assessment.accounts.principal import Principal, Role
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.issuer import Issuer, configured_issuer
from assessment.certificates.keys import KeyProblem
from assessment.certificates.pdf_identity import IdentityProblem, subject_text
from assessment.certificates.record import DEFAULT_BASE_URL, ENV_PUBLIC_URL, public_url
from assessment.certificates.records import CertificateView
from assessment.certificates.revocations import PUBLIC_PATH as REVOCATIONS_PATH
from assessment.errors import LifecycleError
from ui.parts import auth
from ui.parts.choice import choose, current_choice
from ui.parts.common import db, flash, labeller, lang, md, show_error, show_flashes, t, when
from ui.parts.downloads import certificate_button, status_of, verify_link

STATUS_COLOUR = {"valid": "green", "expired": "orange", "revoked": "red"}
ASKED = "revoke_asked"  # the revocation waiting for its confirmation: (kind, number or id)


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
    if issuer is not None:
        pdf_identity(issuer)
    public_address(issuer)
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
            choose("cert_pick", issued.record.number)
            st.rerun()


def certificate_section(actor: Principal, certs: list[CertificateView]) -> None:
    if not certs:
        return
    st.subheader(t("certs.manage_title"))
    by_number = {c.number: c for c in reversed(certs)}
    numbers = list(by_number)
    number = current_choice(
        t("certs.pick"),
        numbers,
        {
            n: f"{n} · #{c.submission_id} · {c.record.get('firm_name')}"
            f" · {t(f'verify.status.{status_of(c)}')}"
            for n, c in by_number.items()
        },
        key="cert_pick",
    )
    cert = by_number[number]
    state = status_of(cert)
    st.markdown(
        f":{STATUS_COLOUR[state]}-badge[{t(f'verify.status.{state}')}] **{cert.number}** · "
        f"{md(cert.record.get('firm_name'))} · "
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
    st.caption(t("certs.cert_revoke_intro"))
    if st.button(t("certs.cert_revoke") + "…", key="cert_revoke_open", icon=":material/block:"):
        st.session_state[ASKED] = ("certificate", cert.number)


def forget() -> None:
    st.session_state.pop(ASKED, None)


def confirm_certificate(actor: Principal, cert: CertificateView) -> None:
    """Ask before revoking one certificate: whose, which number, why."""
    st.markdown(
        t("revoke_confirm.cert_question", firm=md(cert.record.get("firm_name")), number=cert.number)
    )
    st.caption(t("revoke_confirm.public"))
    reason = st.text_area(t("certs.cert_reason"), key="cert_revoke_reason")
    yes, no = st.columns(2)
    if yes.button(
        t("revoke_confirm.confirm"), type="primary", key="cert_revoke_confirm", width="stretch"
    ):
        try:
            certificates.revoke_certificate(actor, db(), cert.number, reason)
        except LifecycleError as exc:
            show_error(exc)
        else:
            forget()
            flash(t("certs.cert_revoked", number=cert.number))
            st.rerun()
    if no.button(t("revoke_confirm.cancel"), key="cert_revoke_cancel", width="stretch"):
        forget()
        st.rerun()


def result_section(actor: Principal, certs: list[CertificateView]) -> None:
    st.subheader(t("certs.revoke_title"))
    st.caption(t("certs.revoke_intro"))
    approved = submissions.list_submissions(actor, db(), status=submissions.APPROVED)
    if not approved:
        st.info(t("certs.no_approved"))
        return
    by_id = {s.id: s for s in approved}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        sid = current_choice(
            t("certs.submission"),
            list(by_id),
            {i: f"#{i} · {s.organisation_name} · {s.standard_id}" for i, s in by_id.items()},
            key="revoke_pick",
            placeholder=t("revoke_confirm.pick_placeholder"),
        )
    if right.button(
        t("revoke_confirm.open"),
        type="primary",
        key="revoke_open",
        icon=":material/block:",
        disabled=sid is None,
        width="stretch",
    ):
        st.session_state[ASKED] = ("result", sid)


def confirm_result(
    actor: Principal, sub: submissions.SubmissionSummary, certs: list[CertificateView]
) -> None:
    """Ask before revoking a result: whose, which submission, which certificates go with it."""
    st.markdown(t("revoke_confirm.result_question", firm=md(sub.organisation_name), id=sub.id))
    valid = [c.number for c in certs if c.submission_id == sub.id and c.status == "valid"]
    st.markdown(
        t("revoke_confirm.result_certs", numbers="、".join(f"**{n}**" for n in valid))
        if valid
        else t("revoke_confirm.result_no_certs")
    )
    st.caption(t("revoke_confirm.public"))
    reason = st.text_area(t("certs.reason"), key="revoke_reason")
    yes, no = st.columns(2)
    if yes.button(
        t("revoke_confirm.confirm"), type="primary", key="revoke_confirm", width="stretch"
    ):
        try:
            submissions.revoke(actor, db(), sub.id, reason=reason, expected_version=sub.version)
        except LifecycleError as exc:
            show_error(exc)
        else:
            forget()
            choose("revoke_pick", None)
            flash(t("certs.revoked", id=sub.id))
            st.rerun()
    if no.button(t("revoke_confirm.cancel"), key="revoke_cancel", width="stretch"):
        forget()
        st.rerun()


def dialog(title: str, body: Callable[..., None]) -> Callable[..., None]:
    """`body` as a dialog titled in the page's language (a decorator fixes its title when it
    runs, so it runs here, on each drawing)."""
    return st.dialog(t(title), on_dismiss=forget, icon=":material/warning:")(body)


def ask(actor: Principal, certs: list[CertificateView]) -> None:
    """The confirmation asked for, drawn on every run until it is answered or dismissed (a
    button inside the dialog reruns it; a whole-page run must show it again)."""
    asked = st.session_state.get(ASKED)
    if asked is None:
        return
    kind, which = asked
    if kind == "certificate":
        cert = next((c for c in certs if c.number == which and c.status == "valid"), None)
        if cert is not None:
            dialog("revoke_confirm.cert_title", confirm_certificate)(actor, cert)
            return
    else:
        found = submissions.list_submissions(actor, db(), status=submissions.APPROVED)
        sub = next((s for s in found if s.id == which), None)
        if sub is not None:
            dialog("revoke_confirm.result_title", confirm_result)(actor, sub, certs)
            return
    forget()  # revoked meanwhile (another tab, another administrator): nothing left to ask


def pdf_identity(issuer: Issuer) -> None:
    """The certificate that signs each file, and whether readers will recognise it."""
    try:
        identity = issuer.require_identity()
    except IdentityProblem as exc:
        st.warning(t("certs.issuer_problem", problem=md(exc.text(lang()))))
        return
    cert = identity.certificate
    kind = (
        t("certs.pdf_identity_self")
        if identity.self_signed
        else t("certs.pdf_identity_ca", ca=md(cert.issuer.rfc4514_string()))
    )
    st.caption(
        t(
            "certs.pdf_identity", subject=md(subject_text(cert)), kind=kind,
            until=f"{cert.not_valid_after_utc:%Y-%m-%d}", fingerprint=identity.fingerprint[:16],
        )
    )  # fmt: skip
    base = public_url()
    if base:
        st.caption(t("certs.pdf_revocations", url=f"{base.rstrip('/')}{REVOCATIONS_PATH}"))


def public_address(issuer: Issuer | None) -> None:
    """The address every QR code and link starts with; a real issuer cannot issue without it."""
    url = public_url()
    if url is not None:
        st.caption(t("certs.public_url", url=url, name=ENV_PUBLIC_URL))
    elif issuer is not None and issuer.demo:
        st.caption(t("certs.public_url_demo", name=ENV_PUBLIC_URL, default=DEFAULT_BASE_URL))
    else:
        st.warning(t("certs.public_url_missing", name=ENV_PUBLIC_URL))


def render() -> None:
    actor = auth.require_role(Role.ADMINISTRATOR)
    show_flashes()
    st.title(t("certs.title"))
    certs = records.list_certificates(actor, db())
    registry(certs)
    issue_section(actor, certs)
    certificate_section(actor, certs)
    st.divider()
    result_section(actor, certs)
    ask(actor, certs)


if __name__ == "__main__":
    render()
