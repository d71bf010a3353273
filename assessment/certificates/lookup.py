"""Public certificate verification by number (the `/?verify=NUMBER` page; no login).

Reads only the `certificates` table: whether the number exists, its status and dates, the facts of
its signed record (what the certificate itself states), and whether the stored Ed25519 signature
holds over the record's canonical JSON under a public key this installation trusts
(`assessment.issuer.trusted_public_keys`). Nothing about other certificates or submissions is read.

`verify_number(db, number, now)` is the service the page calls; `check_certificate` does the work
for a given date.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from assessment.certificates.issuer import trusted_public_keys
from assessment.certificates.keys import (
    PUBLIC_NAME,
    KeyProblem,
    fingerprint,
    load_public_key,
    signature_valid,
)
from assessment.certificates.record import NUMBER_PATTERN
from assessment.storage.db import CHINA, Database
from assessment.storage.tables import Certificate
from standards import canonical_json

Status = Literal["valid", "expired", "revoked", "unknown"]
Signature = Literal["valid", "invalid", "unsigned", "no_key"]


@dataclass(frozen=True)
class VerificationView:
    """What the public may learn about a certificate number."""

    number: str
    status: Status
    signature: Signature
    record: dict[str, Any] | None = None
    issued_at: dt.datetime | None = None
    expires_on: dt.date | None = None
    revoked_at: dt.datetime | None = None
    revoked_reason: str | None = None
    key_fingerprint: str | None = None  # of the issuer key the record names
    trusted_fingerprints: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Valid today and signed by a trusted issuer key."""
        return self.status == "valid" and self.signature == "valid"


PublicCheck = VerificationView  # the name the first version of the page used


def normalise_number(text: str) -> str:
    """Upper-case, trimmed; common misreadings of Crockford base32 (O→0, I/L→1) corrected."""
    cleaned = text.strip().upper().replace(" ", "")
    if cleaned.startswith("ZZ-"):
        body = cleaned[3:].replace("O", "0").replace("I", "1").replace("L", "1")
        cleaned = "ZZ-" + body
    return cleaned


def looks_like_number(text: str) -> bool:
    return bool(NUMBER_PATTERN.match(normalise_number(text)))


def issuer_keys(directory: Path | None = None) -> list[Ed25519PublicKey]:
    """The issuer public keys this installation trusts (`assessment.issuer`), or the public key
    in `directory`."""
    if directory is None:
        return trusted_public_keys()
    path = directory / PUBLIC_NAME
    if not path.exists():
        return []
    try:
        return [load_public_key(path)]
    except KeyProblem:
        return []


def expiry_date(expires_at: dt.datetime | None, record: Mapping[str, Any]) -> dt.date | None:
    """The last valid day of a certificate: its `expires_at` column, else the record's."""
    if expires_at is not None:
        return expires_at.date()
    if record.get("expires_on"):
        try:
            return dt.date.fromisoformat(str(record["expires_on"]))
        except ValueError:
            return None
    return None


def status_on(stored: str, expires: dt.date | None, on: dt.date) -> Status:
    """valid / expired / revoked on a date (in China) of a certificate row with this status."""
    if stored == "revoked":
        return "revoked"
    if expires is not None and on > expires:
        return "expired"
    return "valid"


def certificate_status(
    stored: str, expires_at: dt.datetime | None, record: Mapping[str, Any], now: dt.datetime
) -> Status:
    """The status the public check gives a certificate row at `now` (its date in China decides
    expiry), without reading the database: for lists of certificates already read."""
    return status_on(stored, expiry_date(expires_at, record), now.astimezone(CHINA).date())


def check_certificate(
    db: Database,
    number: str,
    *,
    on: dt.date,
    trusted_keys: Iterable[Ed25519PublicKey] | None = None,
) -> VerificationView:
    """Status (valid / expired / revoked / unknown) and signature check of a certificate number."""
    wanted = normalise_number(number)
    keys = {fingerprint(k): k for k in (issuer_keys() if trusted_keys is None else trusted_keys)}
    trusted = tuple(sorted(keys))
    with db.read() as session:
        cert = session.scalars(select(Certificate).where(Certificate.number == wanted)).first()
        if cert is None:
            return VerificationView(wanted, "unknown", "unsigned", trusted_fingerprints=trusted)
        record = dict(cert.record or {})
        claimed = str(record.get("issuer_key_fingerprint") or "") or None
        signature: Signature
        if not cert.signature:
            signature = "unsigned"
        elif record.get("number") != cert.number:
            signature = "invalid"  # a record moved to another number
        elif claimed is None or claimed not in keys:
            signature = "no_key"
        else:
            try:
                raw = base64.b64decode(cert.signature, validate=True)
            except (ValueError, binascii.Error):
                raw = b""
            signed = canonical_json(record).encode("utf-8")
            signature = (
                "valid" if raw and signature_valid(keys[claimed], raw, signed) else "invalid"
            )
        expires = expiry_date(cert.expires_at, record)
        status = status_on(cert.status, expires, on)
        return VerificationView(
            number=cert.number,
            status=status,
            signature=signature,
            record=record,
            issued_at=cert.issued_at,
            expires_on=expires,
            revoked_at=cert.revoked_at,
            revoked_reason=cert.revoked_reason,
            key_fingerprint=claimed,
            trusted_fingerprints=trusted,
        )


def verify_number(
    db: Database,
    number: str,
    now: dt.datetime | dt.date,
    *,
    trusted_keys: Iterable[Ed25519PublicKey] | None = None,
) -> VerificationView:
    """The public check of a certificate number at `now` (its date in China, UTC+8, decides
    expiry): status valid / expired / revoked / unknown, the record's public facts, the signature
    check under the trusted issuer keys and the fingerprint of the key the record names."""
    on = now.astimezone(CHINA).date() if isinstance(now, dt.datetime) else now
    return check_certificate(db, number, on=on, trusted_keys=trusted_keys)
