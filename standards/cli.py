"""Validation entry point shared by `python -m standards` and `zhizao standards validate`."""

from __future__ import annotations

import sys
from pathlib import Path

from standards.loader import load_library
from standards.yamlsafe import DocumentError


def validate_main(args: list[str]) -> int:
    """Validate the given files/folders (default: the bundled library); print every problem."""
    paths = [Path(a) for a in args] or None
    try:
        library = load_library(paths)
    except DocumentError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        count = len(exc.issues)
        print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return 1
    for key, path in sorted(library.files.items()):
        print(f"ok  {path.name:<36} {key}")
    documents = len(library.files)
    standards = len(library.standards)
    print(
        f"{documents} document{'s' if documents != 1 else ''} valid "
        f"({standards} standard{'s' if standards != 1 else ''})"
    )
    return 0
