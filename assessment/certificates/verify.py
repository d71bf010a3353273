"""Check a certificate PDF offline: both signatures, the issuer's keys, validity dates and (when a
registry or a signed revocation list is available) revocation.

Order of checks, first failure wins:

1. the record — the PDF carries a zhizao envelope → it names a key the verifier trusts → the
   Ed25519 signature holds over the signed bytes → the signed record reads;
2. the PDF signature (`pdf_signature.py`) — the file is signed → the record the reader sees is the
   one that was signed (not swapped in by a later update) → the signature is intact → it covers the
   whole file (nothing appended) → its signer certificate is one this installation trusts;
3. the standing — the registry (if any) knows the number and has not revoked it → the date is
   within validity.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assessment.certificates.envelope import EnvelopeError, parse_envelope, read_json
from assessment.certificates.keys import fingerprint, public_key_from_b64, signature_valid
from assessment.certificates.pdf_signature import (
    BROKEN,
    MODIFIED,
    UNSIGNED,
    UNTRUSTED,
    PdfSignatureCheck,
    attachments,
    check_pdf_signature,
)
from assessment.certificates.record import CertificateRecord, RecordError
from assessment.pdf.pdffile import embedded_files

# Reasons, stable strings for scripts and tests.
VALID = "valid"
NOT_A_CERTIFICATE = "not_a_certificate"
MALFORMED = "malformed"
UNTRUSTED_KEY = "untrusted_key"
BAD_SIGNATURE = "bad_signature"
UNKNOWN = "unknown_certificate"
REVOKED = "revoked"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
MISMATCH = "registry_mismatch"
PDF_UNSIGNED = "pdf_unsigned"
RECORD_REPLACED = "record_replaced"
PDF_BROKEN = "pdf_signature_invalid"
PDF_MODIFIED = "modified_after_signing"
PDF_UNTRUSTED = "untrusted_signer"


@dataclass(frozen=True)
class RegistryEntry:
    """What the issuer's registry says about a certificate number (database or published list)."""

    number: str
    revoked: bool = False
    reason: str | None = None
    revoked_on: dt.date | None = None
    record_sha256: str | None = None  # sha256 of the record's canonical JSON, when known


Registry = Callable[[str], RegistryEntry | None]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str
    message: str
    record: CertificateRecord | None = None
    key_fingerprint: str | None = None
    pdf: PdfSignatureCheck | None = None  # the PDF signature, when the file was checked for one
    record_signed: bool = False  # the record's Ed25519 signature holds under a trusted key


def _fail(
    reason: str,
    message: str,
    record: CertificateRecord | None = None,
    key: str | None = None,
) -> Verdict:
    return Verdict(False, reason, message, record, key)


def find_envelope(pdf: bytes) -> bytes | None:
    """The raw zhizao envelope embedded in `pdf`, if any."""
    for data in embedded_files(pdf):
        if b"zhizao.signed-certificate/" in data:
            return data
    return None


def _check_record(raw: bytes, trusted_keys: Iterable[Ed25519PublicKey]) -> Verdict:
    """The record's own signature: ok (reason VALID) when it holds under a trusted key."""
    try:
        envelope = parse_envelope(raw)
    except EnvelopeError as exc:
        return _fail(MALFORMED, str(exc))
    trusted = {fingerprint(k): k for k in trusted_keys}
    claimed = envelope["key_fingerprint"]
    try:
        embedded_key = public_key_from_b64(envelope["public_key"])
        signature = base64.b64decode(envelope["signature"], validate=True)
    except (ValueError, binascii.Error) as exc:
        return _fail(MALFORMED, f"the envelope's key or signature is not valid base64 ({exc})")
    if fingerprint(embedded_key) != claimed:
        return _fail(
            BAD_SIGNATURE,
            "the embedded public key does not match the fingerprint the envelope claims: tampered",
        )
    key = trusted.get(claimed)
    if key is None:
        known = ", ".join(f[:16] + "…" for f in trusted) or "none given"
        return _fail(
            UNTRUSTED_KEY,
            f"signed by key {claimed[:16]}…, which is not a trusted issuer key (trusted: {known}); "
            "pass the issuer's public key with --public-key",
            key=claimed,
        )
    signed = envelope["record_json"].encode("utf-8")
    if not signature_valid(key, signature, signed):
        return _fail(
            BAD_SIGNATURE,
            "the Ed25519 signature does not match the signed record: the record was changed "
            "after signing (or the signature is corrupt)",
            key=claimed,
        )
    try:
        record = CertificateRecord.from_dict(read_json(envelope["record_json"]))
    except (EnvelopeError, RecordError, TypeError) as exc:
        return _fail(MALFORMED, f"the signed record does not read: {exc}", key=claimed)
    if record.issuer_key_fingerprint != claimed:
        return _fail(
            BAD_SIGNATURE,
            "the record names another issuer key than the one that signed it",
            record,
            claimed,
        )
    return Verdict(True, VALID, "", record, claimed, record_signed=True)


def _check_standing(signed: Verdict, on: dt.date, registry: Registry | None, scope: str) -> Verdict:
    """Registry and dates of a record whose signature holds."""
    record, claimed = signed.record, signed.key_fingerprint
    assert record is not None  # noqa: S101 - only called after _check_record passed
    extra = {"pdf": signed.pdf, "record_signed": True}
    if registry is not None:
        entry = registry(record.number)
        if entry is None:
            return Verdict(
                False, UNKNOWN, f"the issuer's registry has no certificate {record.number}",
                record, claimed, **extra,
            )  # fmt: skip
        if entry.revoked:
            when = f" on {entry.revoked_on.isoformat()}" if entry.revoked_on else ""
            why = f": {entry.reason}" if entry.reason else ""
            return Verdict(
                False, REVOKED, f"certificate {record.number} was revoked{when}{why}",
                record, claimed, **extra,
            )  # fmt: skip
        digest = hashlib.sha256(record.canonical()).hexdigest()
        if entry.record_sha256 is not None and digest != entry.record_sha256:
            return Verdict(
                False, MISMATCH, f"the registry holds a different record for {record.number}",
                record, claimed, **extra,
            )  # fmt: skip
    if on < record.issued_on:
        return Verdict(
            False, NOT_YET_VALID,
            f"issued on {record.issued_on.isoformat()}, after the checking date {on.isoformat()}",
            record, claimed, **extra,
        )  # fmt: skip
    if on > record.expires_on:
        basis = "" if record.validity_official else " (platform default validity, unofficial)"
        return Verdict(
            False, EXPIRED,
            f"expired on {record.expires_on.isoformat()}{basis}; checked on {on.isoformat()}",
            record, claimed, **extra,
        )  # fmt: skip
    scope += ", registry" if registry else ""
    return Verdict(
        True, VALID,
        f"certificate {record.number} is valid ({scope} checked on {on.isoformat()})",
        record, claimed, **extra,
    )  # fmt: skip


def verify_envelope(
    raw: bytes,
    trusted_keys: Iterable[Ed25519PublicKey],
    *,
    on: dt.date,
    registry: Registry | None = None,
) -> Verdict:
    """The record alone (as the registry's stored copy is checked): no PDF signature."""
    signed = _check_record(raw, trusted_keys)
    if not signed.ok:
        return signed
    return _check_standing(signed, on, registry, "signature, key and dates")


_PDF_FAILURES = {
    BROKEN: (
        PDF_BROKEN,
        "the PDF signature does not match the file: its bytes were changed after signing "
        "(the page may not show what was signed)",
    ),
    MODIFIED: (
        PDF_MODIFIED,
        "the file was modified after signing: an update appended after the PDF signature "
        "changes what a reader shows (the signed part alone is intact)",
    ),
    UNTRUSTED: (
        PDF_UNTRUSTED,
        "the PDF signature is intact, but its signer certificate is not one this installation "
        "trusts (an issuer certificate of the key folder, current or retired)",
    ),
}


def _envelope_in(pdf: bytes) -> bytes | None:
    for data in attachments(pdf):
        if b"zhizao.signed-certificate/" in data:
            return data
    return None


def verify_pdf(
    pdf: bytes,
    trusted_keys: Iterable[Ed25519PublicKey],
    *,
    trusted_certificates: Iterable[x509.Certificate],
    on: dt.date,
    registry: Registry | None = None,
) -> Verdict:
    """Verify a certificate PDF: its record, its PDF signature, then (with a registry or a
    revocation list) revocation, and the dates. The verdict carries both parts (`record_signed`,
    `pdf`) whatever failed first."""
    if not pdf.startswith(b"%PDF-"):
        return _fail(NOT_A_CERTIFICATE, "not a PDF file")
    # The newest revision's attachment is the one a reader opens; the byte scan finds one in a
    # file pyHanko cannot parse, whose PDF signature then fails anyway.
    raw = _envelope_in(pdf) or find_envelope(pdf)
    if raw is None:
        return _fail(
            NOT_A_CERTIFICATE,
            "no signed zhizao certificate record is embedded in this PDF "
            "(a self-assessment report is never a certificate)",
        )
    pdf_check = check_pdf_signature(pdf, trusted_certificates)
    signed = dataclasses.replace(_check_record(raw, trusted_keys), pdf=pdf_check)
    if not signed.ok:
        return signed
    record = signed.record
    assert record is not None  # noqa: S101 - _check_record passed

    def failed(reason: str, message: str) -> Verdict:
        return dataclasses.replace(signed, ok=False, reason=reason, message=message)

    if pdf_check.status == UNSIGNED:
        return failed(
            PDF_UNSIGNED,
            "the PDF itself is not signed: the record is, but nothing binds the page to it "
            f"(export the certificate again: zhizao cert export {record.number})",
        )
    signed_part = pdf[: pdf_check.signed_end] if pdf_check.signed_end else pdf
    if _envelope_in(signed_part) != raw:
        return failed(
            RECORD_REPLACED,
            "the embedded record is not the one the PDF signature covers: another record was "
            "put in after signing",
        )
    if pdf_check.status in _PDF_FAILURES:
        return failed(*_PDF_FAILURES[pdf_check.status])
    return _check_standing(signed, on, registry, "both signatures, keys and dates")


def revocation_list(text: str) -> Registry:
    """A registry from a published revocation list: one ``NUMBER [reason]`` per line, ``#`` comments.

    Numbers not listed count as known and not revoked: a list can revoke, not vouch.
    """
    revoked: dict[str, str | None] = {}
    for line in text.splitlines():
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        number, _, reason = body.partition(" ")
        revoked[number] = reason.strip() or None

    def lookup(number: str) -> RegistryEntry:
        if number in revoked:
            return RegistryEntry(number, revoked=True, reason=revoked[number])
        return RegistryEntry(number)

    return lookup
