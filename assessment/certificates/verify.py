"""Check a certificate PDF offline: signature, issuer key, validity dates and (when a registry is
available) revocation.

Order of checks, first failure wins: the PDF carries a zhizao envelope → the envelope names a key
the verifier trusts → the Ed25519 signature holds over the signed bytes → the signed record reads
→ the registry (if any) knows the number and has not revoked it → the date is within validity.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assessment.certificates.envelope import EnvelopeError, parse_envelope, read_json
from assessment.certificates.keys import fingerprint, public_key_from_b64, signature_valid
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


def verify_envelope(
    raw: bytes,
    trusted_keys: Iterable[Ed25519PublicKey],
    *,
    on: dt.date,
    registry: Registry | None = None,
) -> Verdict:
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
    if registry is not None:
        entry = registry(record.number)
        if entry is None:
            return _fail(
                UNKNOWN,
                f"the issuer's registry has no certificate {record.number}",
                record,
                claimed,
            )
        if entry.revoked:
            when = f" on {entry.revoked_on.isoformat()}" if entry.revoked_on else ""
            why = f": {entry.reason}" if entry.reason else ""
            return _fail(
                REVOKED, f"certificate {record.number} was revoked{when}{why}", record, claimed
            )
        digest = hashlib.sha256(signed).hexdigest()
        if entry.record_sha256 is not None and digest != entry.record_sha256:
            return _fail(
                MISMATCH,
                f"the registry holds a different record for {record.number}",
                record,
                claimed,
            )
    if on < record.issued_on:
        return _fail(
            NOT_YET_VALID,
            f"issued on {record.issued_on.isoformat()}, after the checking date {on.isoformat()}",
            record,
            claimed,
        )
    if on > record.expires_on:
        basis = "" if record.validity_official else " (platform default validity, unofficial)"
        return _fail(
            EXPIRED,
            f"expired on {record.expires_on.isoformat()}{basis}; checked on {on.isoformat()}",
            record,
            claimed,
        )
    scope = "signature, key and dates" + (", registry" if registry else "")
    return Verdict(
        True,
        VALID,
        f"certificate {record.number} is valid ({scope} checked on {on.isoformat()})",
        record,
        claimed,
    )


def verify_pdf(
    pdf: bytes,
    trusted_keys: Iterable[Ed25519PublicKey],
    *,
    on: dt.date,
    registry: Registry | None = None,
) -> Verdict:
    """Verify a certificate PDF. Without a registry only signature, key and dates are checked."""
    if not pdf.startswith(b"%PDF-"):
        return _fail(NOT_A_CERTIFICATE, "not a PDF file")
    raw = find_envelope(pdf)
    if raw is None:
        return _fail(
            NOT_A_CERTIFICATE,
            "no signed zhizao certificate record is embedded in this PDF "
            "(a self-assessment report is never a certificate)",
        )
    return verify_envelope(raw, trusted_keys, on=on, registry=registry)


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
