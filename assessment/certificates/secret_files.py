"""Writing a private key to disk: created with mode 0600, never readable by anyone else, not even
for a moment (the mode is set when the file is created, not after)."""

from __future__ import annotations

import os
from pathlib import Path


def write_private_file(path: Path, data: bytes) -> None:
    """Write `data` to `path` (replacing it) with mode 0600."""
    if path.exists():
        path.unlink()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)  # an umask cannot loosen it, but a pre-set ACL default could
