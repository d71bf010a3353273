"""Public certificate verification (no sign-in): by number, from the QR link /?verify=NUMBER, or
by uploading the certificate file (both its PDF signature and its signed record are checked).

By number, it shows what the issuer's registry holds — status valid / expired / revoked / unknown, the facts of
the signed record, whether the stored signature holds under the issuer's public key, and that key's
fingerprint. Nothing else about the firm or other certificates is shown.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assessment.certificates.issue import china_date
from assessment.certificates.issuer import trusted_certificates, trusted_public_keys
from assessment.certificates.lookup import looks_like_number, normalise_number, verify_number
from assessment.certificates.registry import database_registry
from assessment.certificates.verify import Verdict, verify_pdf
from assessment.storage.db import utcnow
from ui.parts import plain
from ui.parts.common import db, md, number, t, when

STATUS_STYLE = {"valid": "success", "expired": "warning", "revoked": "error", "unknown": "error"}
SIGNATURE_STYLE = {
    "valid": "success",
    "invalid": "error",
    "unsigned": "warning",
    "no_key": "warning",
}


MAX_FILE_MB = 5  # a certificate is about 50 KB; anything far larger is not one


def render() -> None:
    st.title(t("verify.title"))
    st.caption(t("verify.intro"))
    by_number()
    st.divider()
    by_file()


def _part(label: str, holds: bool | None) -> str:
    state = "part_unchecked" if holds is None else ("part_ok" if holds else "part_failed")
    # Material icons ship with Streamlit; emoji would need a font many machines lack.
    icon = {
        "part_ok": ":green[:material/check_circle:]",
        "part_failed": ":red[:material/cancel:]",
        "part_unchecked": ":gray[:material/help:]",
    }[state]
    return f"{icon} **{label}**：{t(f'verify.{state}')}"


def show_file_verdict(verdict: Verdict) -> None:
    if verdict.ok and verdict.record is not None:
        st.success(t("verify.file_ok", number=verdict.record.number))
    else:
        st.error(t("verify.file_failed", why=t(f"verify.reason.{verdict.reason}")))
    check = verdict.pdf
    pdf_holds = None if check is None else check.ok
    record_holds = verdict.record_signed if verdict.record is not None else None
    if verdict.reason in ("bad_signature", "untrusted_key", "malformed"):
        record_holds = False
    st.markdown(
        _part(t("verify.file_pdf"), pdf_holds)
        + "  \n"
        + _part(t("verify.file_record"), record_holds)
    )
    if check is not None and check.signer:
        moment = when(check.signed_at) if check.signed_at else "—"
        st.caption(t("verify.file_signer", signer=md(check.signer), when=moment))


def by_file() -> None:
    st.subheader(t("verify.file_title"))
    st.caption(t("verify.file_intro"))
    upload = st.file_uploader(t("verify.file_label"), type=["pdf"], key="verify_file")
    if upload is None:
        return
    if upload.size > MAX_FILE_MB * 1024 * 1024:
        st.error(t("verify.file_too_large", limit=MAX_FILE_MB))
        return
    verdict = verify_pdf(
        upload.getvalue(),
        trusted_public_keys(),
        trusted_certificates=trusted_certificates(),
        on=china_date(utcnow()),
        registry=database_registry(db()),
    )
    show_file_verdict(verdict)


def by_number() -> None:
    given = st.query_params.get("verify", "")
    if given and st.session_state.get("verify_from_link") != given:
        st.session_state["verify_number"] = given
        st.session_state["verify_from_link"] = given
    with st.form("verify_form", border=False, enter_to_submit=True):
        entered = st.text_input(
            t("verify.number"), key="verify_number", placeholder="ZZ-XXXX-XXXX-XXXX"
        )
        st.form_submit_button(t("verify.check"), type="primary")
    text = (entered or "").strip()
    if not text:
        return
    if not looks_like_number(text):
        st.error(t("verify.malformed", number=md(text)))
        return
    check = verify_number(db(), normalise_number(text), dt.datetime.now(dt.UTC))
    style = STATUS_STYLE[check.status]
    getattr(st, style)(f"**{t(f'verify.status.{check.status}')}** · {check.number}")
    if check.record is None:
        st.caption(t("verify.unknown_hint"))
        return
    r = check.record
    tier = (
        r.get("tier_name_zh")
        if st.session_state.get("lang", "zh") == "zh"
        else r.get("tier_name_en")
    )
    title = (
        r.get("standard_title_zh")
        if st.session_state.get("lang", "zh") == "zh"
        else r.get("standard_title_en")
    )
    facts = [
        (t("verify.fact.firm"), r.get("firm_name")),
        (t("verify.fact.credit_code"), r.get("credit_code")),
        (
            t("verify.fact.standard"),
            f"{title} ({r.get('standard_id')} {r.get('standard_edition')})",
        ),
        (
            t("verify.fact.result"),
            tier or (t("verify.level", n=r.get("level")) if r.get("level") else "—"),
        ),
        (t("verify.fact.score"), f"{number(r.get('score'))} / {number(r.get('max_score'))}"),
        (t("verify.fact.issued"), r.get("issued_on")),
        (
            t("verify.fact.expires"),
            str(check.expires_on or r.get("expires_on"))
            + ("" if r.get("validity_official", True) else " *"),
        ),
        (t("verify.fact.reviewed_by"), r.get("reviewed_by") or "—"),
        (t("verify.fact.issuer"), r.get("issuer")),
    ]
    st.table(
        {
            t("verify.fact_col"): [f for f, _ in facts],
            t("verify.value_col"): [str(v) for _, v in facts],
        }
    )
    if not r.get("validity_official", True):
        st.caption(t("verify.validity_unofficial"))
    if check.status == "revoked":
        st.error(
            t("verify.revoked", when=when(check.revoked_at), reason=md(check.revoked_reason or "—"))
        )
    if r.get("unofficial"):
        entries = [str(u) for u in r["unofficial"]]
        # The signed record names each unofficial encoding by code ('tier_rule: INFERRED'); the
        # page says what each means and leaves the codes to evaluators and administrators.
        sentences = "".join(f"\n- {md(s)}" for s in plain.unofficial_sentences(entries))
        st.warning(t("verify.unofficial", labels=sentences))
        if plain.is_insider(plain.viewer()):
            with st.expander(t("plain.details"), key="verify-codes"):
                st.markdown("\n".join(f"- `{md(e)}`" for e in entries))
    sig = check.signature
    getattr(st, SIGNATURE_STYLE[sig])(t(f"verify.signature.{sig}"))
    st.markdown(f"**{t('verify.fingerprint')}**")
    st.code(check.key_fingerprint or "—", language=None, wrap_lines=True)  # whole on a phone
    if check.trusted_fingerprints and check.key_fingerprint not in check.trusted_fingerprints:
        st.caption(
            t("verify.trusted", keys=", ".join(k[:16] + "…" for k in check.trusted_fingerprints))
        )


if __name__ == "__main__":
    render()
