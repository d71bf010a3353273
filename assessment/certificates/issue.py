"""Certificates of approved submissions: issue, revoke, export; report PDFs from stored results.

An approved submission becomes a certificate when it is **issued**: in one write transaction the
final (evaluated) result stored at approval becomes a `CertificateRecord` (firm name and
统一社会信用代码 from the organisation, the standard, tier/level/score, issue date and expiry by
the standard's validity or the platform default, the evaluator of the approving review, the score
receipt), the issuer key signs its canonical JSON, the record is rendered once (a record the
certificate cannot print — a missing glyph, a name too long — is refused), and the `certificates`
row and its audit entry are written. When anything fails, nothing is stored.

Rules:

- only administrators issue and revoke (the evaluator who approved a result does not also sign in
  the issuer's name). With an issuer key configured, `submissions.approve` issues automatically right
  after the approval commits, as the platform (`system:issuer`, audited with the approving
  evaluator); if that fails the approval stands and an administrator issues later
  (`zhizao cert issue SUBMISSION`).
- only approved, non-synthetic submissions; at most one valid certificate per submission. A
  certificate revoked on its own (`revoke_certificate`: a misprinted name, a renamed firm) leaves
  the submission approved, and issuing again gives a new number. Revoking the submission
  (`submissions.revoke`) revokes its certificates and the result with them.
- every read goes through the tenant filters: a firm sees and exports its own certificates only.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from assessment import submissions
from assessment.accounts import audit
from assessment.accounts.access import load_submission, require_admin, submission_filter
from assessment.accounts.principal import Clock, Principal
from assessment.certificates.envelope import EnvelopeError, SignedRecord, sign_record
from assessment.certificates.issuer import (
    Issuer,
    configured_issuer,
    issuer_from_key,
    public_key_for,
    require_issuer,
)
from assessment.certificates.keys import IssuerKey, KeyProblem, public_key_b64, signature_valid
from assessment.certificates.pdf import LayoutError, render_certificate
from assessment.certificates.pdf_identity import IdentityProblem, PdfIdentity
from assessment.certificates.pdf_signature import sign_pdf
from assessment.certificates.record import (
    DEFAULT_BASE_URL,
    DEMO_FLAG,
    ENV_PUBLIC_URL,
    CertificateRecord,
    RecordError,
    new_certificate_number,
    public_url,
    record_from_result,
)
from assessment.certificates.records import CertificateView, get_certificate
from assessment.certificates.records import (
    _cert_view as certificate_view,  # the same view records.py gives
)
from assessment.certificates.registry import record_sha256
from assessment.errors import (
    InvalidInput,
    InvalidTransition,
    LifecycleError,
    NotFound,
)
from assessment.pdf.fonts import (
    ENV_FONT,
    FontError,
    MissingGlyphError,
    describe_char,
    register_fonts,
)
from assessment.reports.data import ReportData, build_report_data, final_adjustments
from assessment.reports.pdf import render_report
from assessment.storage.db import CHINA, Database, utcnow
from assessment.storage.tables import (
    Answer,
    Certificate,
    Comment,
    Organisation,
    Review,
    Submission,
    SubmissionActivity,
    User,
)
from assessment.submissions import (
    APPROVED,
    SubmissionSummary,
    SubmissionView,
    answer_document,
    inbox,
    score_document,
    snapshot_standard,
)
from assessment.submissions.activity import account_data
from assessment.text import MAX_NOTE, clean_text
from scoring import Result
from standards import canonical_json
from standards.problems import Problem, loc_text

log = logging.getLogger(__name__)

ISSUER_PRINCIPAL = Principal.system("issuer")


class IssuerUnavailable(LifecycleError):
    """No usable issuer key (or public key) for this installation; the message says what to do."""


class NotCertifiable(InvalidInput):
    """The approved result certifies nothing (incomplete, a failed veto gate, no tier reached) or
    cannot be put on a certificate (e.g. a credit code that fails the GB 32100 check)."""


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: CertificateView
    record: CertificateRecord
    pdf: bytes
    demo: bool


def china_date(at: dt.datetime) -> dt.date:
    """The calendar date in China (UTC+8) at an instant: the date a certificate states."""
    return at.astimezone(CHINA).date()


def expires_at(expires_on: dt.date) -> dt.datetime:
    """The `certificates.expires_at` of a record: the end of its last valid day in China (so its
    UTC date is still `expires_on`, as the registry readers expect)."""
    return dt.datetime.combine(expires_on, dt.time(23, 59, 59), CHINA).astimezone(dt.UTC)


def _issuer(keys: Issuer | IssuerKey | None) -> Issuer:
    if isinstance(keys, Issuer):
        return keys
    if isinstance(keys, IssuerKey):
        return issuer_from_key(keys)
    try:
        return require_issuer()
    except KeyProblem as exc:
        raise IssuerUnavailable(
            Problem((), "certificates.issuer_unavailable", {"problem": exc.problem})
        ) from None


def _identity(issuer: Issuer) -> PdfIdentity:
    try:
        return issuer.require_identity()
    except IdentityProblem as exc:
        raise IssuerUnavailable(
            Problem((), "certificates.issuer_unavailable", {"problem": exc.problem})
        ) from None


def signed_file(signed: SignedRecord, identity: PdfIdentity, issuer: str) -> bytes:
    """The certificate page with its embedded record, then the PDF signature over the whole."""
    pdf = render_certificate(signed)
    return sign_pdf(
        pdf, identity, number=signed.record.number, issuer=issuer, demo=signed.record.demo
    )


def _lock(session: Session, sub: Submission) -> None:
    """Serialise issuers of one submission (PostgreSQL row lock; SQLite writers queue anyway)."""
    session.execute(select(Submission.id).where(Submission.id == sub.id).with_for_update())
    session.refresh(sub)


def _valid_certificate(session: Session, submission_id: int) -> Certificate | None:
    return session.scalars(
        select(Certificate)
        .where(Certificate.submission_id == submission_id, Certificate.status == "valid")
        .order_by(Certificate.id.desc())
    ).first()


def _approving_evaluator(session: Session, sub: Submission) -> str | None:
    review = session.scalars(
        select(Review)
        .where(Review.submission_id == sub.id, Review.outcome == "approved")
        .order_by(Review.round.desc())
    ).first()
    if review is None:
        return None
    user = session.get(User, review.evaluator_id)
    return user.display_name if user is not None else None


def _stored_result(data: object, sub: Submission, which: str) -> Result:
    """The stored result `which` ("final" or "self-assessed", named by `field.result.<which>`)."""
    if not isinstance(data, dict):
        raise InvalidInput(
            Problem((), "certificates.no_stored_result", {"submission": sub.id, "which": which})
        )
    try:
        return Result.from_dict(data)
    except ValueError as exc:
        raise InvalidInput(
            Problem(
                (), "certificates.stored_result_unreadable",
                {"submission": sub.id, "which": which, "detail": str(exc)},
            )
        ) from None  # fmt: skip


def _flat(problem: Problem) -> Problem:
    """A problem to be named inside another's sentence (which shows no `loc`): its place, if any,
    becomes part of its own sentence (`credit_code: …`)."""
    if not problem.loc:
        return problem
    field = loc_text(problem.loc)
    return Problem(
        (),
        "certificates.record_field",
        {"field": field, "problem": dataclasses.replace(problem, loc=())},
    )


def _within(code: str, problems: list[Problem], **params: object) -> list[Problem]:
    """One problem `code` for each of `problems`, which it names as its `problem`."""
    return [Problem((), code, {**params, "problem": _flat(p)}) for p in problems]


def _print_problem(exc: Exception, number: str) -> Problem:
    """What keeps a certificate from being printed, as a problem."""
    if isinstance(exc, LayoutError | EnvelopeError):
        return exc.problem
    if isinstance(exc, MissingGlyphError):
        chars = [describe_char(c) for c in exc.chars]
        return Problem(
            (), "certificates.missing_glyphs", {"number": number, "chars": chars, "env": ENV_FONT}
        )
    if isinstance(exc, FontError):
        return exc.problem
    raise TypeError(f"not a printing problem: {exc!r}")


def _fresh_number(session: Session) -> str:
    while True:
        number = new_certificate_number()
        if session.scalars(select(Certificate.id).where(Certificate.number == number)).first():
            continue  # 60 random bits: practically never
        return number


def issue_certificate(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    keys: Issuer | IssuerKey | None = None,
    clock: Clock = utcnow,
    base_url: str | None = None,
    approved_by: str | None = None,
) -> IssuedCertificate:
    """Issue the certificate of an approved submission (administrators; see the module notes).

    `keys`: the issuer (default: this installation's, `assessment.issuer`); `base_url`: of the
    public verification page the QR code opens (default `$ZHIZAO_PUBLIC_URL`; a real issuer
    refuses to print a QR code that leads nowhere, the demo key falls back to the local app).
    `approved_by` is set by the automatic issue after an approval, for the audit entry.
    """
    issuer = _issuer(keys)  # before any transaction: no key, nothing touched
    identity = _identity(issuer)
    base_url = base_url or public_url()
    if base_url is None:
        if not issuer.demo:
            raise IssuerUnavailable(
                Problem((), "certificates.no_public_url", {"name": ENV_PUBLIC_URL})
            )
        base_url = DEFAULT_BASE_URL
    register_fonts()  # once per process, outside the write transaction
    now = clock()
    with db.write() as session:
        sub = load_submission(session, actor, submission_id)
        require_admin(actor, "issue a certificate")
        _lock(session, sub)
        if sub.synthetic:
            raise InvalidInput(Problem((), "certificates.synthetic", {"submission": sub.id}))
        if sub.status != APPROVED:
            raise InvalidTransition(
                Problem(
                    ("issue a certificate",), "certificates.not_approved",
                    {"submission": sub.id, "status": sub.status},
                )
            )  # fmt: skip
        existing = _valid_certificate(session, sub.id)
        if existing is not None:
            raise InvalidTransition(
                Problem(
                    (), "certificates.already_issued",
                    {"submission": sub.id, "number": existing.number,
                     "issued": china_date(existing.issued_at).isoformat()},
                )
            )  # fmt: skip
        result = _stored_result(sub.final_result, sub, "final")
        standard, _ = snapshot_standard(session, sub.standard_sha256)
        org = session.get(Organisation, sub.organisation_id)
        if org is None:  # pragma: no cover - a foreign key guards it
            raise NotFound(
                Problem((), "accounts.organisation_not_found", {"id": sub.organisation_id})
            )
        if issuer.demo and not org.demo:
            raise IssuerUnavailable(
                Problem((), "certificates.demo_key_real_firm", {"submission": sub.id})
            )
        if org.demo and not issuer.demo:
            raise InvalidInput(
                Problem((), "certificates.real_key_demo_firm", {"submission": sub.id})
            )
        reviewer = _approving_evaluator(session, sub)
        if reviewer is None:
            raise InvalidInput(
                Problem((), "certificates.no_approving_review", {"submission": sub.id})
            )
        try:
            record = record_from_result(
                result,
                standard,
                firm_name=org.name,
                credit_code=org.credit_code,
                issued_on=china_date(now),
                reviewed_by=reviewer,
                issuer_key_fingerprint=issuer.fingerprint,
                number=_fresh_number(session),
                verify_base_url=base_url,
                issuer=issuer.name,
            )
            if issuer.demo:
                record = dataclasses.replace(record, unofficial=(*record.unofficial, DEMO_FLAG))
            signed = sign_record(record, issuer.key)
            pdf = signed_file(signed, identity, issuer.name)
        except RecordError as exc:
            raise NotCertifiable(
                _within("certificates.not_certifiable", exc.problems, submission=sub.id)
            ) from None
        except (MissingGlyphError, LayoutError, FontError, EnvelopeError) as exc:
            raise InvalidInput(
                Problem(
                    (), "certificates.unprintable",
                    {"submission": sub.id, "problem": _print_problem(exc, record.number)},
                )
            ) from None  # fmt: skip
        cert = Certificate(
            number=record.number,
            submission_id=sub.id,
            issued_at=now,
            expires_at=expires_at(record.expires_on),
            status="valid",
            record=record.to_dict(),
            signature=base64.b64encode(signed.signature).decode("ascii"),
            pdf=pdf,
        )
        session.add(cert)
        session.flush()
        audit.record(
            session, actor, "certificate.issue", "certificate", cert.id, at=now,
            submission_id=sub.id,
            after={
                "number": record.number, "issued_on": record.issued_on,
                "expires_on": record.expires_on, "validity_official": record.validity_official,
                "key_fingerprint": issuer.fingerprint, "demo_issuer": issuer.demo,
                "signing_certificate": identity.fingerprint,
                "record_sha256": record_sha256(record.to_dict()),
                "result_sha256": record.receipt.result_sha256,
                **({"on_approval_by": approved_by} if approved_by else {}),
            },
        )  # fmt: skip
        inbox.on_certificate(session, actor, sub, "certificate_issued", record.number, now)
        view = certificate_view(cert)
    return IssuedCertificate(view, record, pdf, issuer.demo)


def issue_on_approval(
    db: Database, submission_id: int, *, approved_by: str, clock: Clock = utcnow
) -> IssuedCertificate | None:
    """Issue right after an approval when an issuer key is configured; never raises.

    Without a key (or when issuing fails) the approval stands and an administrator issues later.
    """
    try:
        issuer = configured_issuer()
    except KeyProblem as exc:
        log.warning("approval of submission %s: no certificate issued: %s", submission_id, exc)
        return None
    if issuer is None:
        return None
    try:
        return issue_certificate(
            ISSUER_PRINCIPAL, db, submission_id, keys=issuer, clock=clock, approved_by=approved_by
        )
    except NotCertifiable as exc:  # an approved result that certifies nothing: not a fault
        log.info("approval of submission %s: %s", submission_id, exc)
        return None
    except LifecycleError as exc:
        log.warning("approval of submission %s: no certificate issued: %s", submission_id, exc)
        return None


def awaiting_certificate(actor: Principal, db: Database) -> list[SubmissionSummary]:
    """Approved submissions the actor may see that hold no valid certificate (the ones an
    administrator may issue), oldest first — the one place that says which wait."""
    with db.read() as session:
        holding = set(
            session.scalars(select(Certificate.submission_id).where(Certificate.status == "valid"))
        )
    return [
        s for s in submissions.list_submissions(actor, db, status=APPROVED) if s.id not in holding
    ]


def approve(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    expected_version: int,
    clock: Clock = utcnow,
) -> SubmissionView:
    """The evaluator's approval (`submissions.approve`), then — with an issuer key configured — the
    certificate, issued right after the approval commits. Without a key, or if issuing fails, the
    approval stands and an administrator issues later."""
    approved = submissions.approve(
        actor, db, submission_id, expected_version=expected_version, clock=clock
    )
    issue_on_approval(db, approved.id, approved_by=actor.name, clock=clock)
    return approved


def revoke_certificate(
    actor: Principal, db: Database, number: str, reason: str, *, clock: Clock = utcnow
) -> CertificateView:
    """Revoke one certificate at once (administrators, with a reason). The submission stays
    approved; issuing again gives a new number. The public check and `zhizao cert verify` report
    the revocation from the next request on."""
    text = clean_text(reason or "", ("revoke", "reason"), max_length=MAX_NOTE, multiline=True)
    now = clock()
    with db.write() as session:
        cert = session.scalars(
            select(Certificate)
            .join(Submission, Submission.id == Certificate.submission_id)
            .where(Certificate.number == number, submission_filter(actor))
        ).first()
        if cert is None:
            raise NotFound(Problem((), "certificates.not_found", {"number": number}))
        require_admin(actor, "revoke a certificate")
        if not text:
            raise InvalidInput(Problem(("revoke a certificate: reason",), "text.blank"))
        changed = session.execute(
            update(Certificate)
            .where(Certificate.id == cert.id, Certificate.status == "valid")
            .values(status="revoked", revoked_at=now, revoked_reason=text)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(cert)
            raise InvalidTransition(
                Problem(
                    (), "certificates.already_revoked",
                    {"number": number, "on": china_date(cert.revoked_at or now).isoformat(),
                     "reason": cert.revoked_reason},
                )
            )  # fmt: skip
        session.refresh(cert)
        session.add(
            Comment(submission_id=cert.submission_id, author_id=actor.user_id,
                    visibility="public", body=f"证书 {number} 已撤销 Certificate revoked: {text}",
                    created_at=now)
        )  # fmt: skip
        audit.record(
            session, actor, "certificate.revoke", "certificate", cert.id, at=now,
            submission_id=cert.submission_id, before={"status": "valid"},
            after={"status": "revoked", "reason": text, "number": number},
        )  # fmt: skip
        sub = session.get(Submission, cert.submission_id)
        if sub is not None:
            inbox.on_certificate(session, actor, sub, "certificate_revoked", number, now, text)
        return certificate_view(cert)


def signed_record(view: CertificateView) -> SignedRecord:
    """The stored record and signature as the envelope a PDF embeds; the signature is checked
    against the issuer's public key first (an altered row is refused)."""
    try:
        record = CertificateRecord.from_dict(view.record)
    except RecordError as exc:
        raise InvalidInput(
            _within("certificates.stored_record_unreadable", exc.problems, number=view.number)
        ) from None
    text = canonical_json(view.record)
    if record.number != view.number or text.encode("utf-8") != record.canonical():
        raise InvalidInput(
            Problem((), "certificates.stored_record_inconsistent", {"number": view.number})
        )
    try:
        signature = base64.b64decode(view.signature or "", validate=True)
    except (ValueError, binascii.Error):
        signature = b""
    if not signature:
        raise InvalidInput(Problem((), "certificates.unsigned", {"number": view.number}))
    public = public_key_for(record.issuer_key_fingerprint)
    if public is None:
        raise IssuerUnavailable(
            Problem(
                (), "certificates.public_key_missing",
                {"number": view.number, "key": record.issuer_key_fingerprint[:16]},
            )
        )  # fmt: skip
    if not signature_valid(public, signature, text.encode("utf-8")):
        raise InvalidInput(Problem((), "certificates.signature_altered", {"number": view.number}))
    return SignedRecord(
        record=record,
        record_json=text,
        signature=signature,
        public_key=public_key_b64(public),
        key_fingerprint=record.issuer_key_fingerprint,
    )


def certificate_pdf(actor: Principal, db: Database, number: str) -> tuple[CertificateView, bytes]:
    """The certificate PDF of a stored certificate the actor may see (its own firm's, for a
    firm). A revoked certificate is not exported."""
    view = get_certificate(actor, db, number)
    if view.status == "revoked":
        when = china_date(view.revoked_at).isoformat() if view.revoked_at else "?"
        raise InvalidTransition(
            Problem(
                (), "certificates.revoked_not_exported",
                {"number": number, "on": when, "reason": view.revoked_reason},
            )
        )  # fmt: skip
    with db.read() as session:
        stored = session.scalars(
            select(Certificate.pdf).where(Certificate.number == number)
        ).first()
    if stored:
        return view, stored
    # Issued before files were kept: sign the re-made page now (the record's signature is checked
    # first, so only what was issued is signed).
    signed = signed_record(view)
    issuer = _issuer(None)
    return view, signed_file(signed, _identity(issuer), signed.record.issuer)


# --- reports --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionReport:
    submission_id: int
    status: str
    data: ReportData
    pdf: bytes


def report_is_evaluated(status: str) -> bool:
    """Whether `report_pdf` gives the evaluated report for a submission in this state (approved);
    in any other state it gives the self-assessment report, watermarked 自评结果，仅供参考."""
    return status == APPROVED


def report_pdf(
    actor: Principal,
    db: Database,
    submission_id: int,
    *,
    on: dt.date | None = None,
    clock: Clock = utcnow,
    benchmark: dict[str, object] | None = None,
) -> SubmissionReport:
    """The report of a submission the actor may see, from the stored results.

    Approved: the self-assessed and the evaluated result side by side, the evaluator and the valid
    certificate's number. Any other state: the self-assessment report (titled and watermarked
    自评结果，仅供参考) of the submitted answers — or, for a draft never submitted, of its live
    answers. The newest stored year of energy data adds the carbon summary.
    """
    with db.read() as session:
        sub = load_submission(session, actor, submission_id)
        standard, _ = snapshot_standard(session, sub.standard_sha256)
        org = session.get(Organisation, sub.organisation_id)
        if org is None:  # pragma: no cover
            raise NotFound(
                Problem((), "accounts.organisation_not_found", {"id": sub.organisation_id})
            )
        if sub.self_result is not None:
            self_result = _stored_result(sub.self_result, sub, "self-assessed")
        else:
            answers: dict[str, object] = {}
            gates: dict[str, object] = {}
            for row in session.scalars(select(Answer).where(Answer.submission_id == sub.id)):
                (answers if row.kind == "item" else gates)[row.key] = row.value
            self_result = score_document(session, sub, answer_document(sub, answers, gates))
        evaluated = reviewer = number = decisions = None
        if report_is_evaluated(sub.status):
            evaluated = _stored_result(sub.final_result, sub, "final")
            decisions = final_adjustments(session, sub.id)
            reviewer = _approving_evaluator(session, sub)
            cert = _valid_certificate(session, sub.id)
            number = cert.number if cert is not None else None
        latest = session.scalars(
            select(SubmissionActivity)
            .where(SubmissionActivity.submission_id == sub.id)
            .order_by(SubmissionActivity.year.desc())
        ).first()
        status = sub.status
        firm, code = org.name, org.credit_code
    carbon = None
    if latest is not None:
        carbon, problems = account_data(latest.data)
        if problems:
            log.warning("submission %s: carbon summary left out: %s", submission_id, problems)
    data = build_report_data(
        standard,
        self_result,
        evaluated=evaluated,
        firm_name=firm,
        credit_code=code,
        generated_on=on or china_date(clock()),
        carbon=carbon,
        benchmark=benchmark,
        certificate_number=number,
        reviewed_by=reviewer,
        decisions=decisions,
    )
    return SubmissionReport(submission_id, status, data, render_report(data))


def certificate_json(view: CertificateView) -> dict[str, object]:
    """A certificate row as plain JSON (for `zhizao cert list --json`)."""
    record = view.record or {}
    return {
        "number": view.number,
        "submission_id": view.submission_id,
        "status": view.status,
        "issued_at": view.issued_at.isoformat(),
        "issued_on": record.get("issued_on"),
        "expires_on": record.get("expires_on"),
        "revoked_at": view.revoked_at.isoformat() if view.revoked_at else None,
        "revoked_on": china_date(view.revoked_at).isoformat() if view.revoked_at else None,
        "revoked_reason": view.revoked_reason,
        "firm_name": record.get("firm_name"),
        "credit_code": record.get("credit_code"),
        "standard": f"{record.get('standard_id')} {record.get('standard_edition')}",
        "result": record.get("tier_name_zh")
        or (f"level {record['level']}" if record.get("level") else None),
        "score": record.get("score"),
        "max_score": record.get("max_score"),
        "issuer": record.get("issuer"),
        "key_fingerprint": record.get("issuer_key_fingerprint"),
        "verify_url": f"{str(record.get('verify_base_url', '')).rstrip('/')}/?verify={view.number}",
    }


__all__ = [
    "IssuedCertificate",
    "IssuerUnavailable",
    "NotCertifiable",
    "SubmissionReport",
    "approve",
    "awaiting_certificate",
    "certificate_json",
    "certificate_pdf",
    "china_date",
    "expires_at",
    "issue_certificate",
    "issue_on_approval",
    "report_is_evaluated",
    "report_pdf",
    "revoke_certificate",
    "signed_record",
]
