"""The issuer's certificate registry, read from the `certificates` table.

Public verification needs no login: anyone holding a certificate number may learn whether it
exists, whether it was revoked and which record it was issued with. Nothing else is read.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from assessment.certificates.verify import Registry, RegistryEntry
from assessment.storage.db import CHINA, Database
from assessment.storage.tables import Certificate
from standards import canonical_json


def record_sha256(record: dict[str, Any]) -> str:
    """SHA-256 of a stored record's canonical JSON — the exact bytes a certificate signs."""
    return hashlib.sha256(canonical_json(record).encode("utf-8")).hexdigest()


def database_registry(db: Database) -> Registry:
    """A registry lookup backed by the `certificates` table (status, revocation, record)."""

    def lookup(number: str) -> RegistryEntry | None:
        with db.read() as session:
            cert = session.scalars(select(Certificate).where(Certificate.number == number)).first()
            if cert is None:
                return None
            return RegistryEntry(
                number=cert.number,
                revoked=cert.status == "revoked",
                reason=cert.revoked_reason,
                revoked_on=cert.revoked_at.astimezone(CHINA).date() if cert.revoked_at else None,
                record_sha256=record_sha256(cert.record) if cert.record else None,
            )

    return lookup
