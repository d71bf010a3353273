"""`make bench` runs every speed script under bench/ (and not the answer-set generator)."""

from __future__ import annotations

import re

from conftest import ROOT


def test_make_bench_lists_every_bench_script() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^BENCHES := (.+)$", makefile, flags=re.MULTILINE)
    assert found, "Makefile has no BENCHES list"
    listed = set(found.group(1).split())
    scripts = {f"bench/{p.name}" for p in (ROOT / "bench").glob("*.py")} - {
        "bench/make_answers.py",
        "bench/__init__.py",
    }
    assert listed == scripts
