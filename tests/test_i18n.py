"""The interface catalogs: both languages have the same keys and the same {placeholders}, every
key the pages use exists, and the Chinese catalog really is Chinese."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from ui.i18n import LANGUAGES, catalog, placeholders, translate

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [*sorted((ROOT / "ui").rglob("*.py")), ROOT / "streamlit_app.py"]


def used_keys() -> tuple[set[str], set[str]]:
    """Literal keys passed to t(...) / page(..., key, ...), and the prefixes of f-string keys."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            args = (
                node.args[:1]
                if node.func.id == "t"
                else node.args[1:2]
                if node.func.id == "page"
                else []
            )
            for arg in args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    literal.add(arg.value)
                elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                    prefixes.add(str(arg.values[0].value))
    return literal, prefixes


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert sorted(set(zh) - set(en)) == []
    assert sorted(set(en) - set(zh)) == []
    different = {k: (zh[k], en[k]) for k in zh if placeholders(zh[k]) != placeholders(en[k])}
    assert different == {}


def test_every_key_the_pages_use_exists() -> None:
    literal, prefixes = used_keys()
    assert len(literal) > 300
    for lang in LANGUAGES:
        keys = catalog(lang)
        assert sorted(k for k in literal if k not in keys) == [], lang
        assert sorted(p for p in prefixes if not any(k.startswith(p) for k in keys)) == [], lang


def test_chinese_texts_are_chinese() -> None:
    """Every Chinese entry has a CJK character, unless it is only a format (e.g. '#{id} · …')."""
    english_only = {
        k: v
        for k, v in catalog("zh").items()
        if not re.search(r"[\u4e00-\u9fff]", v) and re.sub(r"\{\w+\}|[\W\d_]", "", v)
    }
    assert english_only == {}


def test_missing_keys_raise_under_tests() -> None:
    with pytest.raises(KeyError, match=r"no text for 'nope\.nope'"):
        translate("zh", "nope.nope")
    assert translate("en", "q.points", p="5") == "5 pts"
    assert translate("zh", "q.points", p="5") == "5 分"
