"""Interface text catalogs: `zh.yaml` (the default) and `en.yaml`, one flat key per string.

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
    data = yaml.safe_load((HERE / f"{lang}.yaml").read_text(encoding="utf-8")) or {}
    flat: dict[str, str] = {}
    _flatten(data, "", flat)
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
