"""The parsed-library cache: a start-up short cut that must never change what is loaded."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from standards import DocumentError, bundled_library, load_library, parsecache
from standards.loader import LIBRARY_DIR


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Loading a copy checks its crosswalks against the bundled library: load that first, so the
    # test's cache folder holds only the copy's entries.
    bundled_library()
    folder = tmp_path / "cache"
    monkeypatch.setenv(parsecache.CACHE_ENV, str(folder))
    return folder


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(LIBRARY_DIR, tmp_path / "library"))


def entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("library-*.json"))


def no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the YAML was parsed although the cache holds it")

    monkeypatch.setattr("standards.loader.load_document", refuse)


def test_a_cached_load_is_the_same_library_without_parsing_yaml(
    cache: Path, library_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = load_library([library_copy])
    first = load_library([library_copy], cached=True)
    assert len(entries(cache)) == 1
    no_yaml(monkeypatch)
    second = load_library([library_copy], cached=True)
    assert first == parsed
    assert second == parsed
    # A table by year keeps its integer keys through JSON.
    assert second.factors is not None
    assert all(type(year) is int for series in second.factors.grid_series for year in series.values)


def test_a_changed_file_is_parsed_again_and_only_the_newest_entries_are_kept(
    cache: Path, library_copy: Path
) -> None:
    scales = library_copy / "scales.yaml"
    seen = []
    for edit in range(6):
        scales.write_text(scales.read_text(encoding="utf-8") + f"\n# edit {edit}\n", "utf-8")
        library = load_library([library_copy], cached=True)
        assert library == load_library([library_copy])
        newest = max(entries(cache), key=lambda p: p.stat().st_mtime_ns)
        assert newest not in seen  # a new key for every edit
        seen.append(newest)
    assert entries(cache) == sorted(seen[-4:])


def test_a_corrupt_or_tampered_entry_is_not_trusted(cache: Path, library_copy: Path) -> None:
    expected = load_library([library_copy])
    load_library([library_copy], cached=True)
    [entry] = entries(cache)
    entry.write_text("{not json", encoding="utf-8")
    assert load_library([library_copy], cached=True) == expected

    # An entry whose data no longer validates: the YAML is read instead.
    stored = json.loads(entry.read_text(encoding="utf-8"))
    for data in stored["documents"].values():
        if data.get("document") == "scales":
            data["document"] = "no such kind"
    entry.write_text(json.dumps(stored), encoding="utf-8")
    assert load_library([library_copy], cached=True) == expected


def test_problems_are_reported_from_the_yaml_with_their_lines(
    cache: Path, library_copy: Path
) -> None:
    scales = library_copy / "scales.yaml"
    scales.write_text(
        scales.read_text(encoding="utf-8").replace("document: scales", "document: scale"),
        encoding="utf-8",
    )
    with pytest.raises(DocumentError) as uncached:
        load_library([library_copy])
    with pytest.raises(DocumentError) as cached:
        load_library([library_copy], cached=True)
    assert cached.value.issues == uncached.value.issues
    assert cached.value.issues[0].line > 1
    assert entries(cache) == []


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, library_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(parsecache.CACHE_ENV, "")
    monkeypatch.chdir(tmp_path)
    assert load_library([library_copy], cached=True) == load_library([library_copy])
    assert list(tmp_path.rglob("library-*.json")) == []


def test_an_unwritable_cache_is_ignored(
    tmp_path: Path, library_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv(parsecache.CACHE_ENV, str(blocked / "cache"))
    assert load_library([library_copy], cached=True) == load_library([library_copy])


def test_data_json_cannot_bring_back_is_not_cached(cache: Path) -> None:
    parsecache.write("k", {"a.yaml": {"value": float("nan")}})
    parsecache.write("k", {"a.yaml": {"\0pairs": [[1, "looks like a stored table"]]}})
    assert entries(cache) == []
    parsecache.write("k", {"a.yaml": {2021: 0.5, "2021": "text", None: [1.0, True]}})
    assert parsecache.read("k") == {"a.yaml": {2021: 0.5, "2021": "text", None: [1.0, True]}}
