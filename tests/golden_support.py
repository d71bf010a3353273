"""The previous edition of the future-factory file (2025-trial), kept as it was released.

Submissions stored against it keep their snapshot, and its golden results stay byte for byte what
they were; the library itself now holds 2025-trial-r2.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from standards import Standard, load_library

PREVIOUS_FF = Path(__file__).resolve().parent / "golden" / "zj-future-factory-2025-trial.yaml"


@cache
def previous_ff_edition() -> Standard:
    return load_library([PREVIOUS_FF]).standard("zj-future-factory", "2025-trial")
