"""The signed revocation list: which certificates the issuer has revoked, checkable offline.

The installation publishes it at `<public URL>/certificates/revocations.json` (ui/server.py) and
`zhizao cert revocations --out FILE` writes it; `zhizao cert verify --revocations FILE` checks a
certificate against it without any database. Like a certificate's record, the list is canonical
JSON signed with the issuer's Ed25519 key and wrapped in an envelope:

    {"format": "zhizao.signed-revocation-list/1", "algorithm": "Ed25519",
     "key_fingerprint": "…", "public_key": "…", "list_json": "{…}", "signature": "…"}

`list_json` holds the issuer, `issued_at`, `next_update` (after which a verifier must fetch a new
list: an old list cannot show a revocation made since) and `revoked`, one entry per certificate
(number, date in China, reason), sorted by number.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from assessment.certificates.keys import (
    ALGORITHM,
    IssuerKey,
    fingerprint,
    public_key_b64,
    public_key_from_b64,
    signature_valid,
)
from assessment.certificates.verify import Registry, RegistryEntry
from assessment.storage.db import CHINA, Database
from assessment.storage.tables import Certificate
from standards import canonical_json
from standards.problems import Problem, ProblemError

ENVELOPE_FORMAT = "zhizao.signed-revocation-list/1"
LIST_FORMAT = "zhizao.revocation-list/1"
ENV_HOURS = "ZHIZAO_REVOCATIONS_HOURS"
DEFAULT_HOURS = 24
PUBLIC_PATH = "/certificates/revocations.json"


class RevocationListError(ProblemError, ValueError):
    """A revocation list that does not read, is not signed by a trusted key, or is out of date."""


@dataclass(frozen=True)
class Revoked:
    number: str
    revoked_on: dt.date | None
    reason: str | None


@dataclass(frozen=True)
class RevocationList:
    issuer: str
    issued_at: dt.datetime
    next_update: dt.datetime
    revoked: tuple[Revoked, ...]
    key_fingerprint: str

    def registry(self) -> Registry:
        """A registry that knows revocations only: a number not listed counts as not revoked
        (a list can revoke, not vouch)."""
        by_number = {r.number: r for r in self.revoked}

        def lookup(number: str) -> RegistryEntry:
            entry = by_number.get(number)
            if entry is None:
                return RegistryEntry(number)
            return RegistryEntry(
                number, revoked=True, reason=entry.reason, revoked_on=entry.revoked_on
            )

        return lookup


def validity_hours() -> int:
    raw = os.environ.get(ENV_HOURS, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_HOURS


def _stamp(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_revocation_list(
    revoked: Iterable[Revoked],
    key: IssuerKey,
    *,
    issuer: str,
    now: dt.datetime,
    hours: int | None = None,
) -> bytes:
    """The signed list (UTF-8 JSON bytes) of `revoked`, issued `now`, due `hours` later."""
    body = {
        "format": LIST_FORMAT,
        "issuer": issuer,
        "issued_at": _stamp(now),
        "next_update": _stamp(now + dt.timedelta(hours=hours or validity_hours())),
        "revoked": [
            {
                "number": r.number,
                "revoked_on": r.revoked_on.isoformat() if r.revoked_on else None,
                "reason": r.reason,
            }
            for r in sorted(revoked, key=lambda r: r.number)
        ],
    }
    text = canonical_json(body)
    envelope = {
        "format": ENVELOPE_FORMAT,
        "algorithm": ALGORITHM,
        "key_fingerprint": key.fingerprint,
        "public_key": public_key_b64(key.public),
        "list_json": text,
        "signature": base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii"),
    }
    return (json.dumps(envelope, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def revoked_in(db: Database) -> list[Revoked]:
    """Every revoked certificate of the registry (what the public check shows of each anyway)."""
    with db.read() as session:
        rows = session.execute(
            select(Certificate.number, Certificate.revoked_at, Certificate.revoked_reason).where(
                Certificate.status == "revoked"
            )
        ).all()
    return [
        Revoked(number, at.astimezone(CHINA).date() if at else None, reason)
        for number, at, reason in rows
    ]


def _malformed(source: str, detail: str) -> RevocationListError:
    return RevocationListError(
        Problem((), "certificates.revocations_malformed", {"file": source, "detail": detail})
    )


def _time(value: Any, field: str, source: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _malformed(source, f"{field} is not a time: {value!r}") from None


def read_revocation_list(
    raw: bytes, trusted_keys: Iterable[Ed25519PublicKey], *, now: dt.datetime, source: str
) -> RevocationList:
    """The list in `raw`, once its signature holds under a trusted key and it is not overdue."""
    try:
        envelope = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _malformed(source, f"not JSON: {exc}") from None
    if not isinstance(envelope, dict) or envelope.get("format") != ENVELOPE_FORMAT:
        raise _malformed(source, f"format is not {ENVELOPE_FORMAT}")
    try:
        claimed = str(envelope["key_fingerprint"])
        embedded = public_key_from_b64(str(envelope["public_key"]))
        signature = base64.b64decode(str(envelope["signature"]), validate=True)
        text = str(envelope["list_json"])
    except (KeyError, ValueError, binascii.Error) as exc:
        raise _malformed(source, f"missing or unreadable field: {exc}") from None
    trusted = {fingerprint(k): k for k in trusted_keys}
    key = trusted.get(claimed)
    if key is None or fingerprint(embedded) != claimed:
        raise RevocationListError(
            Problem((), "certificates.revocations_untrusted", {"file": source, "key": claimed[:16]})
        )
    if not signature_valid(key, signature, text.encode("utf-8")):
        raise RevocationListError(
            Problem((), "certificates.revocations_bad_signature", {"file": source})
        )
    try:
        body = json.loads(text)
        entries = tuple(
            Revoked(
                str(e["number"]),
                dt.date.fromisoformat(e["revoked_on"]) if e.get("revoked_on") else None,
                e.get("reason"),
            )
            for e in body["revoked"]
        )
        issuer = str(body["issuer"])
    except (KeyError, TypeError, ValueError, json.JSONDecodeError) as exc:
        raise _malformed(source, f"the signed list does not read: {exc}") from None
    if body.get("format") != LIST_FORMAT:
        raise _malformed(source, f"format is not {LIST_FORMAT}")
    issued_at = _time(body.get("issued_at"), "issued_at", source)
    next_update = _time(body.get("next_update"), "next_update", source)
    if now > next_update:
        raise RevocationListError(
            Problem(
                (), "certificates.revocations_stale",
                {"file": source, "next_update": _stamp(next_update), "now": _stamp(now)},
            )
        )  # fmt: skip
    return RevocationList(issuer, issued_at, next_update, entries, claimed)
