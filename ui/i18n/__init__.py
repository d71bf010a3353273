"""Interface text catalogs: `zh.yaml` (the default) and `en.yaml`, one flat key per string.

A catalog may be split by area: `ui/i18n/<area>/zh.yaml` and `ui/i18n/<area>/en.yaml` are merged
into the language's catalog; a key given by two files is an error that names both.

Domain text (titles, options, descriptors) is not here: it comes from the standards' YAML
`{zh, en}`. Both catalogs must have the same keys and the same `{placeholders}`
(tests/test_i18n.py). A key missing from the chosen language falls back to English, then to the
key itself — except under tests (`ZHIZAO_I18N_STRICT=1` or pytest running), where it raises.
"""

from __future__ import annotations

import os
import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
HERE = Path(__file__).resolve().parent


@cache
def catalog(lang: str) -> dict[str, str]:
    """The flat catalog of one language (keys like `home.title`)."""
    if lang not in LANGUAGES:
        raise KeyError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
    flat: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for path in [HERE / f"{lang}.yaml", *sorted(HERE.glob(f"*/{lang}.yaml"))]:
        part: dict[str, str] = {}
        _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "", part)
        for key in part.keys() & flat.keys():
            raise KeyError(f"i18n: {key!r} is in both {origin[key]} and {path}")
        flat.update(part)
        origin.update(dict.fromkeys(part, path))
    return flat


def _flatten(node: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _flatten(value, f"{prefix}{key}." if isinstance(value, dict) else f"{prefix}{key}", out)
        return
    out[prefix] = str(node)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _strict() -> bool:
    return os.environ.get("ZHIZAO_I18N_STRICT") == "1" or "PYTEST_CURRENT_TEST" in os.environ


def translate(lang: str, key: str, **values: Any) -> str:
    """The text for `key` in `lang`, formatted with `values`."""
    lang = lang if lang in LANGUAGES else DEFAULT
    text = catalog(lang).get(key)
    if text is None:
        if _strict():
            raise KeyError(f"i18n: no text for {key!r} in {lang}.yaml")
        text = catalog("en").get(key, key)
    return text.format(**values) if values else text
