"""The issuer's Ed25519 key pair: create, load, fingerprint, sign.

Keys live OUTSIDE any git work tree: ``$ZHIZAO_KEY_DIR`` or ``~/.config/zhizao/keys``. The private
key file is created with mode 0600 (its folder 0700) and is never printed or logged; only the
public key and its fingerprint (SHA-256 of the 32 raw public-key bytes, hex) are shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from assessment.certificates.pdf_identity import create_self_signed
from assessment.certificates.record import default_issuer
from assessment.certificates.secret_files import write_private_file
from standards.problems import Problem, ProblemError

ENV_KEY_DIR = "ZHIZAO_KEY_DIR"
PRIVATE_NAME = "issuer-ed25519.pem"
PUBLIC_NAME = "issuer-ed25519.pub.pem"
ALGORITHM = "Ed25519"


class KeyProblem(ProblemError, RuntimeError):
    """A key that cannot be created or read; `problem` names the file and what to do, and
    `str()` is its English (`text(lang)` in another language)."""


def default_key_dir() -> Path:
    raw = os.environ.get(ENV_KEY_DIR, "").strip()
    if raw:
        return Path(raw).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config).expanduser() if config else Path.home() / ".config"
    return base / "zhizao" / "keys"


def git_work_tree(path: Path) -> Path | None:
    """The git work tree that contains `path` (existing or not), if any."""
    current = path.expanduser().absolute()
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def git_ignored(path: Path, tree: Path) -> bool:
    """True when git itself says `path` is ignored in the work tree `tree` (so never committed)."""
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            ["git", "-C", str(tree), "check-ignore", "-q", "--no-index", str(path)],  # noqa: S607
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class IssuerKey:
    """A loaded private key and where it came from. `repr` never shows the key."""

    private: Ed25519PrivateKey
    path: Path

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)

    def __repr__(self) -> str:
        return f"IssuerKey(path={str(self.path)!r}, fingerprint={self.fingerprint!r})"


def init_keys(
    directory: Path | None = None,
    *,
    force: bool = False,
    allow_git_ignored: bool = False,
    issuer_name: str | None = None,
) -> tuple[Path, Path, str]:
    """Create a key pair in `directory`, and beside it the PDF signature's P-256 key with a
    self-signed certificate naming `issuer_name` (default: the configured issuer); return
    (private path, public path, fingerprint) of the record key.

    Refuses a folder inside a git work tree (keys must never be committed) — unless
    `allow_git_ignored` and git confirms the folder is ignored (the demo key under `data/`) — and
    an existing key unless `force`.
    """
    folder = (directory or default_key_dir()).expanduser().absolute()
    tree = git_work_tree(folder)
    if tree is not None and not (allow_git_ignored and git_ignored(folder, tree)):
        raise KeyProblem(
            Problem(
                (), "certificates.key_in_git",
                {"folder": str(folder), "tree": str(tree), "default": str(default_key_dir())},
            )
        )  # fmt: skip
    private_path = folder / PRIVATE_NAME
    public_path = folder / PUBLIC_NAME
    if private_path.exists() and not force:
        raise KeyProblem(Problem((), "certificates.key_exists", {"path": str(private_path)}))
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder, 0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private_file(private_path, pem)
    public_path.write_bytes(public_pem(key.public_key()))
    os.chmod(public_path, 0o644)
    create_self_signed(folder, issuer_name or default_issuer(), now=dt.datetime.now(dt.UTC))
    return private_path, public_path, fingerprint(key.public_key())


def load_private_key(directory: Path | None = None) -> IssuerKey:
    folder = (directory or default_key_dir()).expanduser()
    path = folder / PRIVATE_NAME
    if not path.is_file():
        raise KeyProblem(Problem((), "certificates.no_key_file", {"path": str(path)}))
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyProblem(
            Problem((), "certificates.key_readable_by_others", {"path": str(path), "mode": mode})
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise KeyProblem(
            Problem((), "certificates.not_a_pem_private_key", {"path": str(path)})
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(
            Problem((), "certificates.not_an_ed25519_private_key", {"path": str(path)})
        )
    return IssuerKey(private=key, path=path)


def load_public_key(path: Path) -> Ed25519PublicKey:
    """A public key from a PEM file, or from the private-key file's folder."""
    path = path.expanduser()
    if path.is_dir():
        path = path / PUBLIC_NAME
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError as exc:
        raise KeyProblem(
            Problem((), "certificates.no_public_key_file", {"path": str(path)})
        ) from exc
    except ValueError as exc:
        raise KeyProblem(
            Problem((), "certificates.not_a_pem_public_key", {"path": str(path)})
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyProblem(Problem((), "certificates.not_an_ed25519_public_key", {"path": str(path)}))
    return key


def signature_valid(public_key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
