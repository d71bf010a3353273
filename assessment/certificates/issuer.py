"""Which key signs this installation's certificates, and which public keys its verification trusts.

- The issuer key is the one in the key folder (`$ZHIZAO_KEY_DIR`, else `~/.config/zhizao/keys`;
  create it with `zhizao keys init`). Certificates name the issuer `$ZHIZAO_ISSUER` (default
  "智造评估 zhizao").
- Without one, a **demo issuer key** may sign instead: `zhizao demo seed` creates it in the data
  folder (`data/demo-issuer-key/`, ignored by git) so that `make run` shows real, verifiable
  certificates on a fresh machine. Its certificates name the issuer 智造评估演示签发 (DEMO) and list
  "issuer: DEMO" among their unofficial points. A real key always takes precedence.
- Trusted for verification: every `*.pub.pem` in the key folder (keep the public keys of retired
  keys there, under any other name, and their certificates keep verifying) and the demo public key
  when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
from assessment.certificates.record import default_issuer
from assessment.storage.db import data_dir
from standards.problems import Problem

DEMO_KEY_FOLDER = "demo-issuer-key"
DEMO_ISSUER = "智造评估演示签发 zhizao DEMO issuer"
DEMO_FLAG = (
    "issuer: DEMO — signed with the demo key that `zhizao demo seed` created; "
    "not a certificate of any real issuer"
)


@dataclass(frozen=True)
class Issuer:
    """The signing key and the issuer name certificates carry. `repr` never shows the key."""

    key: IssuerKey
    name: str
    demo: bool = False

    @property
    def fingerprint(self) -> str:
        return self.key.fingerprint


def demo_key_dir() -> Path:
    return data_dir() / DEMO_KEY_FOLDER


def configured_issuer() -> Issuer | None:
    """The issuer key of this installation: the key folder's, else the demo key, else None.

    Raises KeyProblem when a key file exists but cannot be used (unsafe mode, not Ed25519 …).
    """
    if (default_key_dir() / PRIVATE_NAME).is_file():
        return Issuer(load_private_key(default_key_dir()), default_issuer())
    if (demo_key_dir() / PRIVATE_NAME).is_file():
        return Issuer(load_private_key(demo_key_dir()), DEMO_ISSUER, demo=True)
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
    paths = sorted(default_key_dir().glob("*.pub.pem")) if default_key_dir().is_dir() else []
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
    _, _, made = init_keys(demo_key_dir(), allow_git_ignored=True)
    return demo_key_dir(), made
