"""Check an uploaded library document (a corrected standard, crosswalk, scales …) without
installing it: every problem comes back with its line and column, as `zhizao standards check`
reports it. The upload is written to a private temporary folder under its own (sanitised) name,
loaded through `standards.load_library` — with the bundled units and scales — and removed again.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from assessment.accounts.access import require_admin
from assessment.accounts.principal import Principal
from standards import DocumentError, Library, Problem, load_library
from standards.yamlsafe import DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class LibraryCheck:
    """The outcome of a check: every problem (placed at `filename`, line and column), or the
    library the upload makes."""

    filename: str
    issues: list[Problem]
    library: Library | None

    @property
    def ok(self) -> bool:
        return not self.issues


def _safe_name(filename: str) -> str:
    name = PurePath(filename.replace("\\", "/")).name.strip() or "upload.yaml"
    name = re.sub(r"[^\w.\-]+", "_", name)
    return name if name.lower().endswith((".yaml", ".yml")) else f"{name}.yaml"


def check_upload(actor: Principal, filename: str, data: bytes) -> LibraryCheck:
    """Validate one uploaded YAML document (administrators)."""
    require_admin(actor, "check a library document")
    name = _safe_name(filename)
    if len(data) > DEFAULT_MAX_BYTES:
        issue = Problem(
            (), "document.too_large", {"size": len(data), "limit": DEFAULT_MAX_BYTES},
            file=name, line=1, column=1,
        )  # fmt: skip
        return LibraryCheck(name, [issue], None)
    with tempfile.TemporaryDirectory(prefix="zhizao-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            library = load_library([path])
        except DocumentError as exc:
            issues = [i.placed(file=name) for i in exc.issues]
            return LibraryCheck(name, issues, None)
    return LibraryCheck(name, [], library)
