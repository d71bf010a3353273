"""Shared output helpers for the command line."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(value: Any) -> None:
    # allow_nan=False: a NaN or an infinity that slipped past the checks fails here, loudly,
    # instead of printing JSON no other program can read.
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
    sys.stdout.write("\n")


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
