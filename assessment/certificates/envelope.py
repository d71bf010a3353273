"""The signed envelope a certificate PDF carries as its embedded file ``zhizao-certificate.json``.

The envelope keeps the exact signed text (`record_json`, canonical JSON of the record) next to the
signature, so a verifier in any language checks the signature over those bytes without having to
reproduce our canonicalisation first.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from assessment.certificates.keys import ALGORITHM, IssuerKey, public_key_b64
from assessment.certificates.record import CertificateRecord
from standards.problems import Problem, ProblemError
from standards.yamlsafe import DocumentError, parse_json

ENVELOPE_FORMAT = "zhizao.signed-certificate/1"
ATTACHMENT_NAME = "zhizao-certificate.json"


class EnvelopeError(ProblemError, ValueError):
    """An embedded envelope that cannot be read (or a record that does not fit the key); `problem`
    says what is wrong, `str()` in English."""


@dataclass(frozen=True)
class SignedRecord:
    record: CertificateRecord
    record_json: str
    signature: bytes
    public_key: str  # base64 of the 32 raw bytes
    key_fingerprint: str

    def envelope(self) -> dict[str, Any]:
        return {
            "format": ENVELOPE_FORMAT,
            "algorithm": ALGORITHM,
            "key_fingerprint": self.key_fingerprint,
            "public_key": self.public_key,
            "record_json": self.record_json,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    def to_bytes(self) -> bytes:
        text = json.dumps(self.envelope(), ensure_ascii=False, indent=2, sort_keys=True)
        return (text + "\n").encode("utf-8")


def sign_record(record: CertificateRecord, key: IssuerKey) -> SignedRecord:
    """Sign the canonical JSON of `record`; the record must name this key's fingerprint."""
    if record.issuer_key_fingerprint != key.fingerprint:
        raise EnvelopeError(
            Problem(
                (), "certificates.record_names_other_key",
                {"named": record.issuer_key_fingerprint[:16], "path": str(key.path),
                 "actual": key.fingerprint[:16]},
            )
        )  # fmt: skip
    data = record.canonical()
    return SignedRecord(
        record=record,
        record_json=data.decode("utf-8"),
        signature=key.sign(data),
        public_key=public_key_b64(key.public),
        key_fingerprint=key.fingerprint,
    )


def read_json(text: str) -> Any:
    """Strict JSON (no NaN, no infinities, no numbers too large for a float); EnvelopeError says
    where the first problem is."""
    try:
        return parse_json(text, "envelope")
    except DocumentError as exc:
        first = exc.issues[0]
        raise EnvelopeError(
            Problem(
                (),
                "certificates.json_at",
                {"line": first.line, "column": first.column, "problem": first},
            )
        ) from None


def parse_envelope(raw: bytes) -> dict[str, Any]:
    """The envelope's fields, checked for shape (not for validity: see verify.py)."""
    try:
        data = read_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise EnvelopeError(
            Problem((), "certificates.envelope_not_utf8", {"detail": str(exc)})
        ) from exc
    except EnvelopeError as exc:
        raise EnvelopeError(
            Problem((), "certificates.envelope_not_json", {"problem": exc.problem})
        ) from None
    if not isinstance(data, dict) or data.get("format") != ENVELOPE_FORMAT:
        raise EnvelopeError(
            Problem((), "certificates.not_an_envelope", {"format": ENVELOPE_FORMAT})
        )
    for name in ("algorithm", "key_fingerprint", "public_key", "record_json", "signature"):
        if not isinstance(data.get(name), str):
            raise EnvelopeError(Problem((), "certificates.envelope_field", {"name": name}))
    if data["algorithm"] != ALGORITHM:
        raise EnvelopeError(
            Problem((), "certificates.envelope_algorithm", {"given": data["algorithm"]})
        )
    return data
