"""The issuer's X.509 identity for the PDF signature: a private key and its certificate chain.

A certificate PDF carries two signatures. The embedded record is signed with the issuer's Ed25519
key (`keys.py`); the whole file is signed as a PDF (PAdES, `pdf_signature.py`) with the key held
here, whose X.509 certificate a PDF reader shows. The PDF key is ECDSA P-256, not Ed25519: poppler
(`pdfsig`, through NSS) does not validate Ed25519 signatures in PDFs, and neither do the common
desktop readers, while P-256 with SHA-256 is understood everywhere (docs/certificates.md).

Files, in the key folder beside the Ed25519 pair:

- `issuer-pdf.key.pem` — PKCS#8 private key, mode 0600 (never printed or logged);
- `issuer-pdf.cert.pem` — the signing certificate first, then any CA certificates of its chain.

`create_self_signed` makes a self-signed certificate (what `zhizao keys init` does);
`import_identity` takes a key and certificate a CA issued (PKCS#12, or a PEM key and chain) — the
path for a real issuer. `retire` moves an identity out of use; its certificate stays trusted for
verification only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from assessment.certificates.secret_files import write_private_file
from standards.problems import Problem, ProblemError

PDF_KEY_NAME = "issuer-pdf.key.pem"
CERT_NAME = "issuer-pdf.cert.pem"
CERT_GLOB = "*.cert.pem"
RETIRED_FOLDER = "retired"
SELF_SIGNED_YEARS = 10

PdfPrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


class IdentityProblem(ProblemError, RuntimeError):
    """A PDF signing key or certificate that cannot be made, read or used; `problem` names the
    file and what to do."""


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER bytes, hex (what `openssl x509 -fingerprint -sha256` shows,
    without the colons)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def subject_text(cert: x509.Certificate) -> str:
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else cert.subject.rfc4514_string()


@dataclass(frozen=True)
class PdfIdentity:
    """A loaded PDF signing key and its chain (signing certificate first). `repr` never shows
    the key."""

    key: PdfPrivateKey
    chain: tuple[x509.Certificate, ...]
    folder: Path

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)

    @property
    def self_signed(self) -> bool:
        return self.certificate.issuer == self.certificate.subject

    def __repr__(self) -> str:
        return (
            f"PdfIdentity(folder={str(self.folder)!r}, subject={subject_text(self.certificate)!r}, "
            f"fingerprint={self.fingerprint!r})"
        )


def _write_private(path: Path, key: PdfPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(path, pem)


def _write_chain(path: Path, chain: Iterable[x509.Certificate]) -> None:
    path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    os.chmod(path, 0o644)


def _save(folder: Path, key: PdfPrivateKey, chain: tuple[x509.Certificate, ...]) -> PdfIdentity:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_private(folder / PDF_KEY_NAME, key)
    _write_chain(folder / CERT_NAME, chain)
    return PdfIdentity(key, chain, folder)


def create_self_signed(
    folder: Path, issuer_name: str, *, now: dt.datetime, years: int = SELF_SIGNED_YEARS
) -> PdfIdentity:
    """A new P-256 key and a self-signed certificate naming `issuer_name`, valid `years` from now.

    Key usage digitalSignature and nonRepudiation (what a document signature asserts); it is also
    its own trust anchor, so it says CA:TRUE with no path below it.
    """
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer_name[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, issuer_name[:64]),
        ]
    )
    start = now.astimezone(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start.replace(year=start.year + years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # nonRepudiation
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _save(folder, key, (cert,))


def _usable(key: object, chain: list[x509.Certificate], source: str, now: dt.datetime) -> None:
    """Refuse a key and chain that a PDF reader could not accept as a document signature."""
    if not chain:
        raise IdentityProblem(Problem((), "certificates.identity_no_certificate", {"file": source}))
    if not isinstance(key, PdfPrivateKey):
        raise IdentityProblem(
            Problem(
                (), "certificates.identity_key_type", {"file": source, "type": type(key).__name__}
            )
        )
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size < 2048:
        raise IdentityProblem(
            Problem(
                (),
                "certificates.identity_key_type",
                {"file": source, "type": f"RSA-{key.key_size}"},
            )
        )
    leaf = chain[0]
    mine = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    theirs = leaf.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if mine != theirs:
        raise IdentityProblem(Problem((), "certificates.identity_key_mismatch", {"file": source}))
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise IdentityProblem(
            Problem(
                (), "certificates.identity_not_current",
                {"file": source, "start": leaf.not_valid_before_utc.date().isoformat(),
                 "end": leaf.not_valid_after_utc.date().isoformat()},
            )
        )  # fmt: skip
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise IdentityProblem(Problem((), "certificates.identity_usage", {"file": source}))


def read_identity(
    *,
    now: dt.datetime,
    pkcs12_data: bytes | None = None,
    password: bytes | None = None,
    key_pem: bytes | None = None,
    chain_pem: bytes | None = None,
    source: str = "",
) -> tuple[PdfPrivateKey, tuple[x509.Certificate, ...]]:
    """A CA-issued key and chain from a PKCS#12 bundle, or from a PEM key and a PEM chain (signing
    certificate first), once the key matches the certificate, which must be current and allow
    digital signatures. Nothing is written."""
    if pkcs12_data is not None:
        try:
            key, cert, extra = pkcs12.load_key_and_certificates(pkcs12_data, password)
        except ValueError as exc:
            raise IdentityProblem(
                Problem(
                    (), "certificates.identity_unreadable", {"file": source, "detail": str(exc)}
                )
            ) from None
        chain = ([cert] if cert is not None else []) + list(extra)
    else:
        try:
            key = serialization.load_pem_private_key(key_pem or b"", password=password)
            chain = x509.load_pem_x509_certificates(chain_pem or b"")
        except (ValueError, TypeError) as exc:
            raise IdentityProblem(
                Problem(
                    (), "certificates.identity_unreadable", {"file": source, "detail": str(exc)}
                )
            ) from None
    _usable(key, chain, source, now)
    assert isinstance(key, PdfPrivateKey)  # noqa: S101 - _usable checked it
    return key, tuple(chain)


def install_identity(
    folder: Path, key: PdfPrivateKey, chain: tuple[x509.Certificate, ...]
) -> PdfIdentity:
    """Write a key and chain `read_identity` accepted into the key folder (replacing any)."""
    return _save(folder, key, chain)


def import_identity(folder: Path, *, now: dt.datetime, **given: Any) -> PdfIdentity:
    """`read_identity`, then `install_identity`: the path for a real issuer's CA certificate."""
    key, chain = read_identity(now=now, **given)
    return install_identity(folder, key, chain)


def has_identity(folder: Path) -> bool:
    return (folder / PDF_KEY_NAME).is_file() and (folder / CERT_NAME).is_file()


def load_identity(folder: Path) -> PdfIdentity:
    key_path, cert_path = folder / PDF_KEY_NAME, folder / CERT_NAME
    if not key_path.is_file() or not cert_path.is_file():
        raise IdentityProblem(Problem((), "certificates.no_identity", {"folder": str(folder)}))
    mode = stat.S_IMODE(key_path.stat().st_mode)
    if mode & 0o077:
        raise IdentityProblem(
            Problem(
                (), "certificates.key_readable_by_others", {"path": str(key_path), "mode": mode}
            )
        )
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        chain = tuple(x509.load_pem_x509_certificates(cert_path.read_bytes()))
    except (ValueError, TypeError) as exc:
        raise IdentityProblem(
            Problem(
                (), "certificates.identity_unreadable", {"file": str(folder), "detail": str(exc)}
            )
        ) from None
    if not isinstance(key, PdfPrivateKey) or not chain:
        raise IdentityProblem(
            Problem(
                (), "certificates.identity_unreadable", {"file": str(folder), "detail": "key type"}
            )
        )
    return PdfIdentity(key, chain, folder)


def certificates_in(folder: Path) -> list[x509.Certificate]:
    """The signing certificates (first of each file) of `folder` and its retired identities;
    unreadable files are skipped."""
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob(CERT_GLOB)) + sorted(folder.glob(f"{RETIRED_FOLDER}/*/{CERT_GLOB}"))
    found: list[x509.Certificate] = []
    for path in paths:
        try:
            chain = x509.load_pem_x509_certificates(path.read_bytes())
        except (OSError, ValueError):
            continue
        if chain:
            found.append(chain[0])
    return found
