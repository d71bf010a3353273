"""The PDF signature over a whole certificate file (PAdES), made and checked with pyHanko.

Signing happens after the page and the embedded record are written, as one incremental update: a
signature field `zhizao-certificate` whose CMS signature (ETSI.CAdES.detached, PAdES baseline B-B;
B-T when `$ZHIZAO_TSA_URL` names an RFC 3161 time-stamp authority) covers every byte of the file
except the signature value itself. Any later change shows: a changed byte breaks the digest, and an
update appended after signing leaves the signature covering only its own revision.

`check_pdf_signature` reports what a PDF reader would: is there a signature, is it intact, does it
cover the whole file, is its signer certificate one this installation trusts, and when it was made.
Trust is by pinning: the signer certificate itself must be one of the installation's issuer
certificates (current or retired), so a certificate another CA issued to someone else never counts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
import os
from collections.abc import Coroutine, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from assessment.certificates.pdf_identity import PdfIdentity, certificate_fingerprint, subject_text

T = TypeVar("T")
ENV_TSA_URL = "ZHIZAO_TSA_URL"
FIELD_NAME = "zhizao-certificate"

# pyHanko logs the expected outcome of its modification analysis (an update after signing) as an
# error with a traceback; the verdict below reports it, so the log would only alarm a reader.
for _name in ("pyhanko.sign.validation", "pyhanko.sign.diff_analysis", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

# What a check found, stable strings for scripts and tests.
SIGNED = "signed"  # intact, covers the whole file, trusted signer
UNSIGNED = "unsigned"
BROKEN = "broken"  # the digest or the signature does not hold
MODIFIED = "modified_after_signing"  # intact, but bytes were appended after it
UNTRUSTED = "untrusted_signer"


@dataclass(frozen=True)
class PdfSignatureCheck:
    status: str
    signer: str | None = None
    signer_fingerprint: str | None = None
    signed_at: dt.datetime | None = None
    reason: str | None = None
    timestamped: bool = False
    signed_end: int | None = None  # bytes the signature covers: pdf[:signed_end] is that revision

    @property
    def ok(self) -> bool:
        return self.status == SIGNED


def _complete(work: Coroutine[Any, Any, T]) -> T:
    """Run pyHanko's coroutine to its end from synchronous code. Its synchronous wrappers call
    asyncio.run, which fails on a thread whose event loop is running (a web server's, a test
    driver's); there the coroutine runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _signer(identity: PdfIdentity) -> signers.SimpleSigner:
    key = asn1_keys.PrivateKeyInfo.load(
        identity.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    chain = [_asn1(c) for c in identity.chain]
    return signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs(chain),
    )


def signature_reason(number: str, issuer: str, *, demo: bool) -> str:
    if demo:
        return f"示例证书 DEMO · 非真实签发机构 not a real issuer · {number} · {issuer}"
    return f"智能制造评估证书 Certificate {number} · {issuer}"


def sign_pdf(
    pdf: bytes,
    identity: PdfIdentity,
    *,
    number: str,
    issuer: str,
    demo: bool,
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """`pdf` with a PAdES signature over the whole file, appended as one incremental update."""
    if timestamper is None:
        url = os.environ.get(ENV_TSA_URL, "").strip()
        timestamper = timestamps.HTTPTimeStamper(url) if url else None
    meta = PdfSignatureMetadata(
        field_name=FIELD_NAME,
        reason=signature_reason(number, issuer, demo=demo),
        name=issuer,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    # Room for the CMS signature, sized from what goes in it: pyHanko would otherwise sign once
    # more only to measure it (a third of the cost of signing).
    reserved = 4096 + sum(len(c.public_bytes(serialization.Encoding.DER)) for c in identity.chain)
    reserved += reserved % 2  # hex digits come in pairs
    reserved += 12288 if timestamper is not None else 0
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    out = _complete(
        signers.async_sign_pdf(
            writer, meta, signer=_signer(identity), timestamper=timestamper,
            bytes_reserved=reserved,
        )
    )  # fmt: skip
    return out.getvalue()  # type: ignore[no-any-return]


def check_pdf_signature(pdf: bytes, trusted: Iterable[x509.Certificate]) -> PdfSignatureCheck:
    """What the file's zhizao PDF signature says (see the module notes)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = [s for s in reader.embedded_signatures if s.field_name == FIELD_NAME]
    except (PdfError, ValueError, KeyError, TypeError):
        return PdfSignatureCheck(UNSIGNED)
    if not embedded:
        return PdfSignatureCheck(UNSIGNED)
    signature = embedded[-1]
    claimed_time = signature.self_reported_timestamp
    pinned = {certificate_fingerprint(c): c for c in trusted}
    signer_cert = x509.load_der_x509_certificate(signature.signer_cert.dump())
    signer_fp = certificate_fingerprint(signer_cert)
    roots = [_asn1(pinned[signer_fp])] if signer_fp in pinned else []
    try:
        # Judged at the signing time: a retired issuer certificate that has since expired still
        # vouches for what it signed while it was current.
        context = ValidationContext(trust_roots=roots, moment=claimed_time, allow_fetching=False)
        status = _complete(async_validate_pdf_signature(signature, context))
    except (PdfError, ValueError, KeyError, TypeError):
        return PdfSignatureCheck(BROKEN, subject_text(signer_cert), signer_fp)
    reason = signature.sig_object.get("/Reason")
    stamp = status.timestamp_validity
    byte_range = list(signature.sig_object["/ByteRange"])
    facts = {
        "signer": subject_text(signer_cert),
        "signer_fingerprint": signer_fp,
        "signed_at": status.signer_reported_dt,
        "reason": str(reason) if reason is not None else None,
        # an intact token whose digest matches; the authority's own trust is the reader's call
        "timestamped": stamp is not None and stamp.intact and stamp.valid,
        "signed_end": int(byte_range[2]) + int(byte_range[3]),
    }
    if not (status.intact and status.valid):
        return PdfSignatureCheck(BROKEN, **facts)  # type: ignore[arg-type]
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return PdfSignatureCheck(MODIFIED, **facts)  # type: ignore[arg-type]
    if signer_fp not in pinned or not status.trusted:
        return PdfSignatureCheck(UNTRUSTED, **facts)  # type: ignore[arg-type]
    return PdfSignatureCheck(SIGNED, **facts)  # type: ignore[arg-type]


def _name_tree_values(node: object) -> Iterable[object]:
    data = node.get_object()  # type: ignore[attr-defined]
    if "/Names" in data:
        yield from list(data["/Names"])[1::2]
    if "/Kids" in data:
        for kid in data["/Kids"]:
            yield from _name_tree_values(kid)


def attachments(pdf: bytes) -> list[bytes]:
    """The embedded files the file's newest revision lists (what a PDF reader shows), in order.
    An update appended after signing may list other files than the signed revision did."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        root = reader.root
        if "/Names" not in root or "/EmbeddedFiles" not in root["/Names"]:
            return []
        tree = root["/Names"]["/EmbeddedFiles"]
        found = []
        for spec in _name_tree_values(tree):
            stream = spec.get_object()["/EF"]["/F"].get_object()  # type: ignore[attr-defined]
            found.append(bytes(stream.data))
        return found
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return []
