"""The certificate record: the plain data a certificate PDF shows and the issuer signs.

A record does not depend on the database. The storage layer keeps one row per record; the PDF
embeds the record, its canonical JSON and an Ed25519 signature over that JSON, so anyone holding
the issuer's public key can check a certificate offline.

Never invented: when a standard declares no certificate validity (`validity_years` is null), the
record says so (`validity_official = False`) and uses a configured default, which every rendering
labels as unofficial.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from assessment.accounts.classifications import credit_code_problem
from scoring import Result
from standards import Standard, canonical_json, sha256_of
from standards.problems import Problem

RECORD_FORMAT = "zhizao.certificate/1"
ENV_PUBLIC_URL = "ZHIZAO_PUBLIC_URL"
# The name the setting had before it covered every public link; still read, after the new one.
ENV_BASE_URL = "ZHIZAO_BASE_URL"
ENV_VALIDITY = "ZHIZAO_CERT_VALIDITY_YEARS"
ENV_ISSUER = "ZHIZAO_ISSUER"
DEFAULT_BASE_URL = "http://localhost:8501"
DEFAULT_VALIDITY_YEARS = 3
DEFAULT_ISSUER = "智造评估 zhizao"
# What a certificate signed with the demo issuer key lists among its unofficial points; a record
# that carries it prints 示例 DEMO across its page (it is part of what the key signs).
DEMO_FLAG = (
    "issuer: DEMO — signed with the demo key that `zhizao demo seed` created; "
    "not a certificate of any real issuer"
)

# Crockford base32 without I, L, O, U: nothing to misread on paper or over the phone.
_NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_PATTERN = re.compile(
    r"^ZZ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"
)


class RecordError(ValueError):
    """A certificate record that cannot be issued or read; `problems` name the field and what is
    wrong, and `str()` is their English, joined by "; " (`text(lang)` in another language)."""

    def __init__(self, problems: Problem | Sequence[Problem]) -> None:
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.text())

    def text(self, lang: str = "en") -> str:
        return "; ".join(p.text(lang) for p in self.problems)


def new_certificate_number() -> str:
    """An opaque, random certificate number: ``ZZ-XXXX-XXXX-XXXX`` (60 random bits)."""
    chars = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(12))
    return f"ZZ-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def add_years(start: dt.date, years: int) -> dt.date:
    """`start` plus whole years (29 February falls back to 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def default_validity_years() -> int:
    raw = os.environ.get(ENV_VALIDITY, "").strip()
    if not raw:
        return DEFAULT_VALIDITY_YEARS
    if not raw.isdigit() or int(raw) < 1:
        raise RecordError(
            Problem((), "certificates.validity_setting", {"name": ENV_VALIDITY, "given": raw})
        )
    return int(raw)


def public_url() -> str | None:
    """The address people reach this installation at (`$ZHIZAO_PUBLIC_URL`): every QR code and
    link printed on a certificate or a report starts with it. None when it is not configured."""
    for name in (ENV_PUBLIC_URL, ENV_BASE_URL):
        value = os.environ.get(name, "").strip()
        if value:
            return value.rstrip("/")
    return None


def default_base_url() -> str:
    """The configured public URL, else the local app's address (for offline and demo records)."""
    return public_url() or DEFAULT_BASE_URL


def default_issuer() -> str:
    return os.environ.get(ENV_ISSUER, "").strip() or DEFAULT_ISSUER


@dataclass(frozen=True)
class ReceiptHashes:
    """The score receipt a certificate rests on: anyone can re-score and compare."""

    standard_sha256: str
    answers_sha256: str
    result_sha256: str
    engine_version: str


@dataclass(frozen=True)
class CertificateRecord:
    number: str
    firm_name: str
    credit_code: str
    standard_id: str
    standard_edition: str
    standard_title_zh: str
    standard_title_en: str
    profile: str
    tier: str | None
    tier_name_zh: str | None
    tier_name_en: str | None
    level: int | None
    score: float
    max_score: float
    percent: float | None
    issued_on: dt.date
    expires_on: dt.date
    validity_years: int
    validity_official: bool
    evaluator_reviewed: bool
    reviewed_by: str | None
    verify_base_url: str
    issuer: str
    issuer_key_fingerprint: str
    receipt: ReceiptHashes
    unofficial: tuple[str, ...] = ()
    format: str = field(default=RECORD_FORMAT)

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise RecordError(problems)

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if self.format != RECORD_FORMAT:
            out.append(
                Problem(("format",), "certificates.record_format",
                        {"given": self.format, "expected": RECORD_FORMAT})
            )  # fmt: skip
        if not NUMBER_PATTERN.match(self.number):
            out.append(Problem(("number",), "certificates.record_number", {"given": self.number}))
        if not self.firm_name.strip():
            out.append(Problem(("firm_name",), "certificates.record_empty"))
        code_problem = credit_code_problem(self.credit_code)
        if code_problem:
            out.append(code_problem.under("credit_code"))
        if self.expires_on < self.issued_on:
            out.append(
                Problem(("expires_on",), "certificates.record_expires_first",
                        {"expires": self.expires_on.isoformat(), "issued": self.issued_on.isoformat()})
            )  # fmt: skip
        if not re.match(r"^https?://[^\s?#]+$", self.verify_base_url):
            out.append(
                Problem(("verify_base_url",), "certificates.record_url",
                        {"given": self.verify_base_url})
            )  # fmt: skip
        if not re.match(r"^[0-9a-f]{64}$", self.issuer_key_fingerprint):
            out.append(Problem(("issuer_key_fingerprint",), "certificates.record_fingerprint"))
        if self.evaluator_reviewed and not (self.reviewed_by or "").strip():
            out.append(Problem(("reviewed_by",), "certificates.record_no_evaluator"))
        return out

    @property
    def demo(self) -> bool:
        return DEMO_FLAG in self.unofficial

    @property
    def verify_url(self) -> str:
        return f"{self.verify_base_url.rstrip('/')}/?verify={self.number}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["issued_on"] = self.issued_on.isoformat()
        data["expires_on"] = self.expires_on.isoformat()
        data["unofficial"] = list(self.unofficial)
        return data

    def canonical(self) -> bytes:
        """The exact bytes that are signed: canonical JSON (sorted keys, UTF-8, no spaces)."""
        return canonical_json(self.to_dict()).encode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CertificateRecord:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise RecordError(
                Problem((), "certificates.record_unknown_fields", {"fields": unknown})
            )
        required = {
            f.name
            for f in fields(cls)
            if f.name not in ("unofficial", "format")  # fields with defaults
        }
        missing = sorted(required - set(data))
        if missing:
            raise RecordError(
                Problem((), "certificates.record_missing_fields", {"fields": missing})
            )
        values = dict(data)
        try:
            values["issued_on"] = dt.date.fromisoformat(str(data["issued_on"]))
            values["expires_on"] = dt.date.fromisoformat(str(data["expires_on"]))
        except ValueError as exc:
            raise RecordError(
                Problem(("issued_on/expires_on",), "certificates.record_date", {"detail": str(exc)})
            ) from exc
        receipt = data["receipt"]
        if not isinstance(receipt, Mapping):
            raise RecordError(Problem(("receipt",), "certificates.record_receipt_shape"))
        try:
            values["receipt"] = ReceiptHashes(**receipt)
        except TypeError as exc:
            raise RecordError(
                Problem(("receipt",), "certificates.record_receipt", {"detail": str(exc)})
            ) from exc
        values["unofficial"] = tuple(str(u) for u in data.get("unofficial", ()))
        _check_types(values)
        return cls(**values)


_TYPES: dict[str, tuple[type, ...]] = {
    "number": (str,),
    "firm_name": (str,),
    "credit_code": (str,),
    "standard_id": (str,),
    "standard_edition": (str,),
    "standard_title_zh": (str,),
    "standard_title_en": (str,),
    "profile": (str,),
    "tier": (str, type(None)),
    "tier_name_zh": (str, type(None)),
    "tier_name_en": (str, type(None)),
    "level": (int, type(None)),
    "score": (int, float),
    "max_score": (int, float),
    "percent": (int, float, type(None)),
    "validity_years": (int,),
    "validity_official": (bool,),
    "evaluator_reviewed": (bool,),
    "reviewed_by": (str, type(None)),
    "verify_base_url": (str,),
    "issuer": (str,),
    "issuer_key_fingerprint": (str,),
    "format": (str,),
}


def _check_types(values: Mapping[str, Any]) -> None:
    for name, types in _TYPES.items():
        if name not in values:
            continue
        value = values[name]
        bad_bool = isinstance(value, bool) and bool not in types
        if bad_bool or not isinstance(value, types):
            expected = ["null" if t is type(None) else t.__name__ for t in types]
            raise RecordError(
                Problem((name,), "certificates.record_type", {"expected": expected, "given": value})
            )


def result_sha256(result: Result) -> str:
    """SHA-256 of the canonical JSON of a whole scoring result."""
    return sha256_of(result.to_dict())


def validity_for(standard: Standard, default_years: int | None = None) -> tuple[int, bool]:
    """(years, official): the standard's declared validity, else the configured default."""
    if standard.validity_years is not None:
        return standard.validity_years, True
    return (default_years if default_years is not None else default_validity_years()), False


def record_from_result(
    result: Result,
    standard: Standard,
    *,
    firm_name: str,
    credit_code: str,
    issued_on: dt.date,
    reviewed_by: str,
    issuer_key_fingerprint: str,
    number: str | None = None,
    verify_base_url: str | None = None,
    issuer: str | None = None,
    default_years: int | None = None,
) -> CertificateRecord:
    """The certificate record of an evaluator-reviewed result.

    Refuses results that certify nothing: incomplete, failed gates, no tier reached where the
    standard has tiers, or a result scored against another standard.
    """
    if result.standard_id != standard.id or result.edition != standard.edition:
        raise RecordError(
            Problem(
                (), "certificates.other_standard",
                {"given": result.standard_id, "given_edition": result.edition,
                 "id": standard.id, "edition": standard.edition},
            )
        )  # fmt: skip
    if not result.complete:
        raise RecordError(Problem((), "certificates.incomplete", {"count": len(result.missing)}))
    if result.eligible is False:
        failed = [g.id for g in result.gates if g.passed is False and g.veto]
        raise RecordError(Problem((), "certificates.gates_failed", {"gates": failed}))
    if result.method == "maturity":
        if not result.level:
            raise RecordError(Problem((), "certificates.no_level"))
    elif standard.tiers and result.tier is None:
        raise RecordError(Problem((), "certificates.no_tier"))
    tier = next((t for t in standard.tiers if t.id == result.tier), None)
    years, official = validity_for(standard, default_years)
    receipt = result.receipt
    return CertificateRecord(
        number=number or new_certificate_number(),
        firm_name=firm_name.strip(),
        credit_code=credit_code.strip().upper(),
        standard_id=standard.id,
        standard_edition=standard.edition,
        standard_title_zh=standard.title.zh,
        standard_title_en=standard.title.en,
        profile=result.profile,
        tier=result.tier,
        tier_name_zh=tier.name.zh if tier else None,
        tier_name_en=tier.name.en if tier else None,
        level=result.level,
        score=result.total,
        max_score=result.max_total,
        percent=round(result.percent, 1) if result.percent is not None else None,
        issued_on=issued_on,
        expires_on=add_years(issued_on, years) - dt.timedelta(days=1),
        validity_years=years,
        validity_official=official,
        evaluator_reviewed=True,
        reviewed_by=reviewed_by,
        verify_base_url=(verify_base_url or default_base_url()).rstrip("/"),
        issuer=issuer or default_issuer(),
        issuer_key_fingerprint=issuer_key_fingerprint,
        receipt=ReceiptHashes(
            standard_sha256=receipt.standard_sha256,
            answers_sha256=receipt.answers_sha256,
            result_sha256=result_sha256(result),
            engine_version=receipt.engine_version,
        ),
        unofficial=tuple(f"{f.what}: {f.label}" for f in result.flags),
    )
