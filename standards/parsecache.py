"""The bundled library's parsed YAML, kept as JSON so that start-up can skip the YAML parser.

Every `zhizao` command, batch worker pool and app start loads the bundled library; parsing its
YAML is most of that time, while reading the same data back from JSON is a tenth of it.

* The key is the SHA-256 of the YAML reading rules (`yamlsafe.py`) and of every file's path and
  bytes, so a changed file or changed rules make a new key: a stale entry is never read.
* Plain JSON, never pickle: a cache file cannot run code. A mapping with keys other than text
  (a table by year, say) is stored as a list of pairs, so it comes back with its keys' types;
  data that would still not come back exactly as parsed is not cached.
* Only parsing is skipped: every document is still validated and checked on every load, and the
  loader reads the YAML itself whenever it must point at a line.
* The cache is an optimisation only: a missing, unreadable, corrupt or unwritable cache is
  ignored. `ZHIZAO_CACHE_DIR` moves it; set to an empty value, it turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from standards import yamlsafe

CACHE_ENV = "ZHIZAO_CACHE_DIR"
_FORMAT = "zhizao parsed library 1"
_PREFIX = "library-"
_KEEP = 4  # entries kept, newest first


def cache_dir() -> Path | None:
    """Where the cache lives: $ZHIZAO_CACHE_DIR, else $XDG_CACHE_HOME/zhizao or ~/.cache/zhizao."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured) if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zhizao"


def key_of(files: list[Path]) -> str | None:
    """The cache key of these files as they are now (None when one cannot be read)."""
    digest = hashlib.sha256(_FORMAT.encode())
    try:
        digest.update(Path(yamlsafe.__file__).read_bytes())
        for path in files:
            raw = path.read_bytes()
            digest.update(f"\0{path}\0{len(raw)}\0".encode())
            digest.update(raw)
    except OSError:
        return None
    return digest.hexdigest()


def read(key: str) -> dict[str, Any] | None:
    """The parsed data of each file (by path), as stored under `key`; None when there is none."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        text = (directory / f"{_PREFIX}{key}.json").read_text(encoding="utf-8")
        stored = json.loads(text, object_hook=_decode_mapping)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None
    documents = stored.get("documents")
    return documents if isinstance(documents, dict) else None


def write(key: str, documents: Mapping[str, Any]) -> None:
    """Store parsed data by file path under `key`, keeping the newest few; errors are ignored."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        encoded = {"key": key, "documents": _encode(documents)}
        text = json.dumps(encoded, ensure_ascii=False, allow_nan=False)
        if json.loads(text, object_hook=_decode_mapping)["documents"] != documents:
            return  # would not come back exactly as parsed: parse the YAML each time instead
    except (TypeError, ValueError):
        return  # not plain data (e.g. NaN)
    target = directory / f"{_PREFIX}{key}.json"
    temporary: Path | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        temporary = Path(name)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, target)  # readers see the old file or the whole new one
        # Keep a few: two checkouts (or versions) on one machine should not evict each other.
        entries = sorted(
            directory.glob(f"{_PREFIX}*.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in entries[_KEEP:]:
            if old != target:  # never this one, even if clocks tie
                old.unlink(missing_ok=True)
    except OSError:
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


_PAIRS = "\0pairs"  # marks a mapping stored as [key, value] pairs


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        if all(type(k) is str for k in value):
            return {k: _encode(v) for k, v in value.items()}
        return {_PAIRS: [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode_mapping(mapping: dict[str, Any]) -> Any:
    if len(mapping) == 1 and _PAIRS in mapping:
        return dict(mapping[_PAIRS])
    return mapping
