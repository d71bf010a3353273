"""Download buttons of the pages: report and certificate PDFs, Excel exports and templates.

Every file is made by a service of assessment/ when the actor clicks: the installed Streamlit's
`st.download_button` takes a callable as `data`, runs it in a worker thread at the click, and with
`on_click="ignore"` does not rerun the page, so opening a page builds no PDF and no workbook. The callable may not
use Streamlit, so it is given everything it needs when the button is drawn (the account, the
database, the page's language) and re-reads the account, as every run does, before acting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from assessment.accounts.identity import principal_for
from assessment.accounts.principal import Principal
from assessment.certificates import issue as certificates
from assessment.certificates import records
from assessment.certificates.lookup import certificate_status
from assessment.certificates.records import CertificateView
from assessment.errors import LifecycleError
from assessment.excel.service import export_submission, template_for_submission
from assessment.storage.db import Database
from ui.parts.common import db, lang, show_error, t, when

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _acting(actor: Principal, database: Database) -> Principal:
    """The account as it is now (deactivated or its password changed meanwhile:
    AuthenticationFailed, no file)."""
    if actor.user_id is None:
        return actor
    return principal_for(database, actor.user_id, credential_version=actor.credential_version)


def _button(
    label: str,
    make: Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    key: str,
    icon: str,
    help: str | None = None,
    primary: bool = False,
) -> None:
    st.download_button(
        label,
        data=make,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=icon,
        help=help,
        type="primary" if primary else "secondary",
    )


def report_button(actor: Principal, submission_id: int, status: str, *, key: str) -> None:
    """The report PDF from the stored results: evaluated once approved, otherwise the
    self-assessment report (watermarked 自评结果，仅供参考 by the renderer)."""
    database = db()
    evaluated = certificates.report_is_evaluated(status)

    def make() -> bytes:
        return certificates.report_pdf(_acting(actor, database), database, submission_id).pdf

    _button(
        t("docs.report_evaluated" if evaluated else "docs.report_self"),
        make,
        file_name=f"zhizao-report-{submission_id}.pdf",
        mime=PDF,
        key=key,
        icon=":material/picture_as_pdf:",
        help=t("docs.report_evaluated_help" if evaluated else "docs.report_self_help"),
    )


def export_button(actor: Principal, submission_id: int, *, key: str) -> None:
    """The submission as a workbook (answers, results, points, decisions, gates, receipts)."""
    database, language = db(), lang()

    def make() -> bytes:
        return export_submission(_acting(actor, database), database, submission_id, lang=language)

    _button(
        t("docs.export"),
        make,
        file_name=f"zhizao-submission-{submission_id}.xlsx",
        mime=XLSX,
        key=key,
        icon=":material/table_view:",
        help=t("docs.export_help"),
    )


def template_button(actor: Principal, submission_id: int, *, key: str) -> None:
    """The blank questionnaire of a submission: its standard snapshot, profile, industry type."""
    database, language = db(), lang()

    def make() -> bytes:
        return template_for_submission(
            _acting(actor, database), database, submission_id, lang=language
        )

    _button(
        t("xl.template"),
        make,
        file_name=f"zhizao-template-{submission_id}.xlsx",
        mime=XLSX,
        key=key,
        icon=":material/download:",
    )


def certificate_button(actor: Principal, view: CertificateView, *, key: str) -> bool:
    """The PDF of a stored certificate. The stored record and signature are checked now (cheap),
    so a row that cannot be exported says why instead of offering a broken button; the PDF itself
    is rendered at the click. False when nothing was offered."""
    if view.status == "revoked":
        return False
    try:
        certificates.signed_record(view)
    except LifecycleError as exc:
        show_error(exc)
        return False
    database = db()

    def make() -> bytes:
        return certificates.certificate_pdf(_acting(actor, database), database, view.number)[1]

    _button(
        t("docs.certificate"),
        make,
        file_name=f"zhizao-certificate-{view.number}.pdf",
        mime=PDF,
        key=key,
        icon=":material/workspace_premium:",
        primary=True,
    )
    return True


def status_of(view: CertificateView) -> str:
    """valid / expired / revoked today, as the public verification page says."""
    return certificate_status(view.status, view.expires_at, view.record, dt.datetime.now(dt.UTC))


def current_certificates(actor: Principal) -> dict[int, CertificateView]:
    """Per submission the newest certificate that is not revoked (one query for a whole page)."""
    found: dict[int, CertificateView] = {}
    for view in records.list_certificates(actor, db()):
        if view.status != "revoked":
            found[view.submission_id] = view  # ordered by id: the newest wins
    return found


def verify_link(number: str) -> str:
    """Markdown link to the public verification page of a number, opened in a new tab.

    Relative to the app's address (`./?verify=…`), so it works behind a base path too; a new tab
    has no session, so it shows exactly what the public sees."""
    return f"[{t('docs.verify_link')} ↗](./?verify={number})"


def certificate_line(actor: Principal, submission_id: int, status: str) -> CertificateView | None:
    """For a firm's results: the certificate of this submission (status, number, validity, a
    link to the public check), or why there is none. Returns the certificate to offer as a PDF."""
    views = [v for v in records.list_certificates(actor, db()) if v.submission_id == submission_id]
    current = next((v for v in reversed(views) if v.status != "revoked"), None)
    if current is None:
        revoked = views[-1] if views else None
        if revoked is not None:
            st.caption(
                t(
                    "docs.cert_revoked",
                    number=revoked.number,
                    when=when(revoked.revoked_at),
                    reason=revoked.revoked_reason or "—",
                )
            )
        elif certificates.report_is_evaluated(status):
            st.caption(t("docs.cert_none_yet"))
        return None
    state = status_of(current)
    colour = {"valid": "green", "expired": "orange"}.get(state, "red")
    expires = current.record.get("expires_on") or "—"
    st.markdown(
        f":{colour}-badge[:material/workspace_premium: {t(f'verify.status.{state}')}] "
        f"{t('docs.cert_number')} **{current.number}** · "
        f"{t('docs.cert_valid_until', date=expires)} · {verify_link(current.number)}"
    )
    return current
