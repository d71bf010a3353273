"""Which key signs this installation's certificates, and which public keys its verification trusts.

- The issuer key is the one in the key folder (`$ZHIZAO_KEY_DIR`, else `~/.config/zhizao/keys`;
  create it with `zhizao keys init`). Certificates name the issuer `$ZHIZAO_ISSUER` (default
  "智造评估 zhizao").
- Without one, a **demo issuer key** may sign instead: `zhizao demo seed` creates it in the data
  folder (`data/demo-issuer-key/`, ignored by git) so that `make run` shows real, verifiable
  certificates on a fresh machine. Its certificates name the issuer 智造评估演示签发 (DEMO) and list
  "issuer: DEMO" among their unofficial points. A real key always takes precedence.
- Each key folder also holds the X.509 identity of the PDF signature (`pdf_identity.py`): a P-256
  key and its certificate, self-signed by `zhizao keys init` or imported from a CA.
- Trusted for verification: every `*.pub.pem` and `*.cert.pem` in the key folder and in its
  `retired/` folders (where `rotate` puts the outgoing key: trusted for verification only, never
  used to sign), and the demo key's when there is one.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from assessment.certificates.keys import (
    PRIVATE_NAME,
    PUBLIC_NAME,
    IssuerKey,
    KeyProblem,
    default_key_dir,
    fingerprint,
    init_keys,
    load_private_key,
    load_public_key,
)
from assessment.certificates.pdf_identity import (
    CERT_NAME,
    PDF_KEY_NAME,
    RETIRED_FOLDER,
    IdentityProblem,
    PdfIdentity,
    PdfPrivateKey,
    certificates_in,
    create_self_signed,
    has_identity,
    install_identity,
    load_identity,
)
from assessment.certificates.record import default_issuer
from assessment.storage.db import data_dir
from standards.problems import Problem

DEMO_KEY_FOLDER = "demo-issuer-key"
DEMO_ISSUER = "智造评估演示签发 zhizao DEMO issuer"


@dataclass(frozen=True)
class Issuer:
    """The signing key and the issuer name certificates carry. `repr` never shows the key."""

    key: IssuerKey
    name: str
    demo: bool = False
    identity: PdfIdentity | None = None  # the PDF signature's key and certificate

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint

    def require_identity(self) -> PdfIdentity:
        if self.identity is None:
            raise IdentityProblem(
                Problem((), "certificates.no_identity", {"folder": str(self.key.path.parent)})
            )
        return self.identity


def _identity_of(folder: Path, name: str, *, create: bool) -> PdfIdentity | None:
    """The folder's PDF identity; with `create`, a self-signed one is made when it has none (the
    demo folder, whose keys are ours to make)."""
    if has_identity(folder):
        return load_identity(folder)
    if create:
        return create_self_signed(folder, name, now=dt.datetime.now(dt.UTC))
    return None


def issuer_from_key(key: IssuerKey, name: str | None = None, *, demo: bool = False) -> Issuer:
    """An issuer for a loaded record key, with the PDF identity of the key's folder if it has one."""
    return Issuer(
        key, name or default_issuer(), demo, _identity_of(key.path.parent, "", create=False)
    )


def demo_key_dir() -> Path:
    return data_dir() / DEMO_KEY_FOLDER


def configured_issuer() -> Issuer | None:
    """The issuer key of this installation: the key folder's, else the demo key, else None.

    Raises KeyProblem when a key file exists but cannot be used (unsafe mode, not Ed25519 …).
    """
    real, demo = default_key_dir(), demo_key_dir()
    if (real / PRIVATE_NAME).is_file():
        return Issuer(
            load_private_key(real), default_issuer(), identity=_identity_of(real, "", create=False)
        )
    if (demo / PRIVATE_NAME).is_file():
        return Issuer(
            load_private_key(demo), DEMO_ISSUER, demo=True,
            identity=_identity_of(demo, DEMO_ISSUER, create=True),
        )  # fmt: skip
    return None


def require_issuer() -> Issuer:
    issuer = configured_issuer()
    if issuer is None:
        raise KeyProblem(
            Problem(
                (), "certificates.no_issuer_key", {"path": str(default_key_dir() / PRIVATE_NAME)}
            )
        )
    return issuer


def trusted_public_keys() -> list[Ed25519PublicKey]:
    """Every issuer public key this installation trusts (unreadable files are skipped)."""
    folder = default_key_dir()
    paths = (
        sorted(folder.glob("*.pub.pem")) + sorted(folder.glob(f"{RETIRED_FOLDER}/*/*.pub.pem"))
        if folder.is_dir()
        else []
    )
    demo = demo_key_dir() / PUBLIC_NAME
    if demo.is_file():
        paths.append(demo)
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            key = load_public_key(path)
        except KeyProblem:
            continue
        keys.setdefault(fingerprint(key), key)
    return list(keys.values())


def trusted_certificates() -> list[x509.Certificate]:
    """Every issuer certificate this installation trusts for the PDF signature."""
    return certificates_in(default_key_dir()) + certificates_in(demo_key_dir())


def public_key_for(key_fingerprint: str) -> Ed25519PublicKey | None:
    """The trusted public key with this fingerprint, if this installation has it."""
    for key in trusted_public_keys():
        if fingerprint(key) == key_fingerprint:
            return key
    return None


def ensure_demo_issuer() -> tuple[Path, str] | None:
    """Create the demo key pair when this installation has no issuer key at all.

    Returns (folder, fingerprint) when a key was created; None when a key (real or demo) exists.
    The folder is under the data folder; inside a git work tree it must be ignored by git.
    """
    if (default_key_dir() / PRIVATE_NAME).is_file() or (demo_key_dir() / PRIVATE_NAME).is_file():
        return None
    _, _, made = init_keys(demo_key_dir(), allow_git_ignored=True, issuer_name=DEMO_ISSUER)
    return demo_key_dir(), made


def rotate(
    folder: Path | None = None,
    *,
    now: dt.datetime,
    incoming: tuple[PdfPrivateKey, tuple[x509.Certificate, ...]] | None = None,
) -> Path:
    """Retire the folder's keys and make new ones; returns the retired folder.

    The outgoing public key and certificate move to `retired/<date>-<fingerprint>/`, where
    verification keeps trusting them, so certificates signed before still verify. The outgoing
    private keys are deleted: a retired key verifies, it never signs again. `incoming` (from
    `pdf_identity.read_identity`) is a CA-issued key and chain to sign with from now on; without
    it the new certificate is self-signed. Either way no moment passes with no usable identity.
    """
    folder = (folder or default_key_dir()).expanduser().absolute()
    outgoing = load_private_key(folder)  # refuses a missing or unsafe key before anything moves
    retired = folder / RETIRED_FOLDER / f"{now:%Y%m%dT%H%M%SZ}-{outgoing.fingerprint[:16]}"
    retired.mkdir(parents=True, mode=0o700)
    for name in (PUBLIC_NAME, CERT_NAME):
        if (folder / name).is_file():
            shutil.move(str(folder / name), str(retired / name))
    for name in (PRIVATE_NAME, PDF_KEY_NAME):
        (folder / name).unlink(missing_ok=True)
    init_keys(folder, issuer_name=default_issuer())
    if incoming is not None:
        install_identity(folder, *incoming)
    return retired
