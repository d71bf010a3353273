"""Broken library files get clear, located and complete messages.

Every problem is reported as `path:line:column: message`, the line points at the offending text,
and every problem of a file is reported at once (for the schema and the semantic checks; a YAML
syntax error stops the parser, so it is reported alone). Semantic cases are built by loading the
real future-factory file and changing small pieces of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import standards
from assessment.cli.main import main
from standards import DocumentError, Problem, yamlsafe
from standards.loader import LIBRARY_DIR, schema_problem
from standards.models import ChoiceRule
from standards.problems import catalogue

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "standards" / "library"
FF_FILE = LIBRARY / "zj-future-factory-2025.yaml"
ISSUE_FORMAT = re.compile(
    r"^(?P<file>.+):(?P<line>[1-9][0-9]*):(?P<column>[1-9][0-9]*): (?P<msg>.+)$"
)


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _bundle_loaded() -> None:
    """Load the bundled library once up front: single files are checked against its units and
    scales, and timing or monkeypatching below must not include that first load."""
    standards.bundled_library()


@pytest.fixture(scope="module")
def ff_text() -> str:
    """The future-factory file without its trailing `changes` list: the cases below rename items
    and options, which that list would report a second time (it has tests of its own)."""
    text = FF_FILE.read_text(encoding="utf-8")
    head, marker, _ = text.partition("\nchanges:\n")
    assert marker, "the future-factory file ends with its `changes` list"
    return head + "\n"


def test_changes_name_known_items_and_options(tmp_path: Path) -> None:
    text = FF_FILE.read_text(encoding="utf-8")
    text = text.replace(
        "    - {item: FF-001, options: [C, E]}",
        "    - {item: FF-001, options: [C, X]}\n    - {item: FF-999, options: [A]}",
    )
    issues = load_issues(write(tmp_path / "changes.yaml", text))
    assert [i.text() for i in issues] == ["FF-001 has no option 'X'", "unknown item 'FF-999'"]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load_issues(path: Path) -> list[Problem]:
    """Load a (broken) file and return its issues, checking the shared format on each."""
    with pytest.raises(DocumentError) as info:
        standards.load_library([path])
    issues = info.value.issues
    assert issues, "a DocumentError must carry at least one issue"
    for issue in issues:
        match = ISSUE_FORMAT.match(str(issue))
        assert match, f"not `path:line:column: message`: {issue}"
        assert match["file"] == str(path) == issue.file
    assert str(info.value) == "\n".join(str(i) for i in issues)
    return issues


def line_at(path: Path, issue: Problem) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert 1 <= issue.line <= len(lines), f"line {issue.line} is outside the file: {issue}"
    return lines[issue.line - 1]


def mutate(text: str, anchor: str, old: str, new: str) -> str:
    """Replace `old` by `new` inside the list entry (or top-level block) that starts at `anchor`.

    The block ends at the next list entry of the same indentation or the next top-level key;
    `old` must occur exactly once in it, so a change to the library cannot silently move a test.
    """
    start = text.index(anchor)
    ends = [
        text.find(stop, start + 1)
        for stop in ("\n  - ", *(f"\n{c}" for c in "abcdefghijklmnopqrstuvwxyz#"))
    ]
    end = min((e for e in ends if e != -1), default=len(text))
    block = text[start:end]
    assert block.count(old) == 1, f"{old!r} occurs {block.count(old)} times after {anchor!r}"
    return text[:start] + block.replace(old, new) + text[end:]


# --- YAML level: bombs, size, encoding, shape ----------------------------------------------------


def billion_laughs(levels: int = 10) -> str:
    lines = ['lol0: &lol0 "lol"']
    for level in range(1, levels):
        refs = ", ".join([f"*lol{level - 1}"] * 10)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    # Expanded, this would be 10**9 strings; the loader must refuse aliases instead.
    path = write(tmp_path / "bomb.yaml", billion_laughs())
    # Expanding it would exhaust memory; refusing the first alias returns at once.
    [issue] = load_issues(path)
    assert issue.text() == "alias *lol0 is not allowed in zhizao files; write the value out"
    assert "*lol0" in line_at(path, issue)


def test_alias_inside_a_standard_is_refused(tmp_path: Path, ff_text: str) -> None:
    text = mutate(ff_text, "  - id: FF-001\n", "    effort: 2\n", "    effort: &e 2\n")
    text = mutate(text, "  - id: FF-002\n", "    effort: 2\n", "    effort: *e\n")
    path = write(tmp_path / "alias.yaml", text)
    [issue] = load_issues(path)
    assert "is not allowed in zhizao files" in issue.text()
    assert "effort: &e 2" in line_at(path, issue) or "effort: *e" in line_at(path, issue)


def test_alias_is_reported_where_it_is_used(tmp_path: Path, ff_text: str) -> None:
    text = mutate(ff_text, "  - id: FF-001\n", "    effort: 2\n", "    effort: &e 2\n")
    text = mutate(text, "  - id: FF-002\n", "    effort: 2\n", "    effort: *e\n")
    path = write(tmp_path / "alias.yaml", text)
    [issue] = load_issues(path)
    assert "effort: *e" in line_at(path, issue)


def test_a_50_mb_file_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:  # sparse: instant, and no 50 MB written to disk
        handle.seek(50 * 1024 * 1024 - 1)
        handle.write(b"\n")

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file over the size limit was read or parsed")

    monkeypatch.setattr(yamlsafe, "parse_bytes", must_not_parse)
    monkeypatch.setattr(yamlsafe, "parse_text", must_not_parse)
    [issue] = load_issues(path)
    assert (issue.line, issue.column) == (1, 1)
    assert issue.text() == "file is 52,428,800 bytes; the limit is 4,194,304 bytes"


def test_size_limit_is_configurable(tmp_path: Path, ff_text: str) -> None:
    path = write(tmp_path / "ff.yaml", ff_text)
    with pytest.raises(DocumentError, match=r"the limit is 1,000 bytes"):
        standards.load_library([path], max_bytes=1000)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "logo.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00")
    [issue] = load_issues(path)
    assert (issue.line, issue.column) == (1, 1)
    assert issue.text() == "not a YAML text file (binary content)"


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    # A Chinese file saved as GBK (a common editor default on Windows) instead of UTF-8.
    path = tmp_path / "gbk.yaml"
    path.write_bytes(
        "schema_version: 1\ndocument: standard\ntitle:\n  zh: 未来工厂\n".encode("gbk")
    )
    [issue] = load_issues(path)
    assert (issue.line, issue.column) == (4, 1)
    assert "not UTF-8 text" in issue.text()
    assert "save the file as UTF-8" in issue.text()


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path, ff_text: str) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + ff_text.encode("utf-8"))
    library = standards.load_library([path])
    assert library.standard("zj-future-factory").edition == "2025-trial-r2"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("- zj-future-factory\n- gbt39116-2020\n", "list"),
        ("just a sentence\n", "str"),
        ("42\n", "int"),
        ("", "empty"),
        ("# only a comment\n", "empty"),
    ],
    ids=["list", "string", "number", "empty", "comment-only"],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str, found: str) -> None:
    path = write(tmp_path / "shape.yaml", text)
    [issue] = load_issues(path)
    assert (issue.line, issue.column) == (1, 1)
    assert issue.text() == f"expected a mapping at the top level, found {found}"


@pytest.mark.parametrize(
    ("text", "found"),
    [("schema_version: 1\ndocument: standrd\n", "'standrd'"), ("schema_version: 1\n", "None")],
    ids=["misspelt", "missing"],
)
def test_unknown_document_kind(tmp_path: Path, text: str, found: str) -> None:
    path = write(tmp_path / "kind.yaml", text)
    [issue] = load_issues(path)
    assert (
        "`document` must be one of ['classifications', 'crosswalk', 'factors', 'scales', 'standard', 'units']"
        in (issue.text())
    )
    assert issue.text().endswith(f"found {found}")
    if found != "None":
        assert "document: standrd" in line_at(path, issue)


def test_duplicate_key_is_refused_at_its_second_occurrence(tmp_path: Path, ff_text: str) -> None:
    text = mutate(
        ff_text, "  - id: FF-002\n", '    number: "2"\n', '    number: "2"\n    number: "3"\n'
    )
    path = write(tmp_path / "dup.yaml", text)
    [issue] = load_issues(path)
    assert "duplicate key 'number'" in issue.text()
    assert line_at(path, issue) == '    number: "3"'
    assert issue.column == 5


def test_duplicate_top_level_key(tmp_path: Path, ff_text: str) -> None:
    text = ff_text.replace(
        'edition: "2025-trial-r2"\n', 'edition: "2025-trial-r2"\nedition: "2026"\n', 1
    )
    path = write(tmp_path / "dup.yaml", text)
    [issue] = load_issues(path)
    assert "duplicate key 'edition'" in issue.text()
    assert line_at(path, issue) == 'edition: "2026"'


def test_every_duplicate_key_of_a_file_is_reported(tmp_path: Path, ff_text: str) -> None:
    text = mutate(
        ff_text, "  - id: FF-002\n", '    number: "2"\n', '    number: "2"\n    number: "3"\n'
    )
    text = mutate(text, "  - id: FF-003\n", "    effort: 2\n", "    effort: 2\n    effort: 3\n")
    issues = load_issues(write(tmp_path / "dups.yaml", text))
    assert len(issues) == 2


def test_yaml_syntax_error_is_located(tmp_path: Path, ff_text: str) -> None:
    text = mutate(
        ff_text,
        "  - id: FF-003\n",
        '    number: "3"\n',
        '    number: "3"\n    evidence: [{zh: 清单, en: list}\n',
    )
    path = write(tmp_path / "syntax.yaml", text)
    [issue] = load_issues(path)
    assert issue.text().startswith("not valid YAML: ")
    lines = path.read_text(encoding="utf-8").splitlines()
    bad = lines.index("    evidence: [{zh: 清单, en: list}") + 1
    assert bad <= issue.line <= bad + 1, f"{issue} should point at line {bad}"


def test_tab_indentation_is_located(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tab.yaml", "schema_version: 1\ndocument: units\nunits:\n\t- {id: kWh}\n"
    )
    [issue] = load_issues(path)
    assert (issue.line, issue.column) == (4, 1)
    assert issue.text().startswith("not valid YAML: ")


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    [issue] = load_issues(path)
    assert issue.text().startswith("cannot read file:")


# --- YAML 1.1 surprises stay off ------------------------------------------------------------------


def test_yes_no_on_off_and_dates_stay_strings() -> None:
    parsed = yamlsafe.parse_text(
        "a: yes\nb: no\nc: on\nd: off\ne: Yes\nf: NO\ng: 2024-01-01\nh: 2024-01-01 10:00:00\n"
        "i: true\nj: False\nk: ~\n",
        "inline.yaml",
    )
    assert parsed.data == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": "off",
        "e": "Yes",
        "f": "NO",
        "g": "2024-01-01",
        "h": "2024-01-01 10:00:00",
        "i": True,
        "j": False,
        "k": None,
    }


def test_option_keys_like_no_and_on_and_unquoted_dates_survive_a_real_load(
    tmp_path: Path, ff_text: str
) -> None:
    text = mutate(ff_text, "  - id: FF-001\n", "        - key: E\n", "        - key: No\n")
    text = mutate(text, "  - id: FF-001\n", "        - key: F\n", "        - key: on\n")
    # F builds on E: the link follows the renamed key
    text = mutate(
        text, "        - key: on\n", "          builds_on: E\n", "          builds_on: No\n"
    )
    text = mutate(text, "  - id: notice-2025-174\n", 'issued: "2025"', "issued: 2025-06-30")
    library = standards.load_library([write(tmp_path / "yes-no.yaml", text)])
    std = library.standard("zj-future-factory")
    rule = std.items[0].rule
    assert isinstance(rule, ChoiceRule)
    assert [o.key for o in rule.options] == ["A", "B", "C", "D", "No", "on"]
    assert std.documents[1].issued == "2025-06-30"


# --- the direct builder gives what PyYAML's constructor gives ----------------------------------

TRICKY_DOCUMENTS = [
    "a: 1_000\nb: -017\nc: +3\nd: 1.5e3\ne: .inf\nf: -.INF\ng: .5\nh: 1_0.2_5\ni: 1:20\n",
    "a: ~\nb: null\nc: NULL\nd:\ne: ''\nf: 'null'\ng: true\nh: TRUE\ni: yes\n",
    "list: [1, two, 3.0, [4], {five: 5}]\nnested:\n  - a: 1\n    b: [x, y]\n  - {}\n  - []\n",
    "标题: 未来工厂\n'quoted key': \"tab\\there\"\nmulti: |\n  line one\n  line two\n",
    "1: int key\n'1': str key\n1.0: float key\ntrue: bool key\nnull: null key\n",
    "a: 1\nb: 2\na: 3\nouter:\n  x: 1\n  x: 2\n",  # duplicates, reported alike
    "a: !!str 1\nb: !!float 2\nc: !!binary aGVsbG8=\n",  # explicit tags: PyYAML builds it
    "base: {x: 1}\nmerged:\n  <<: {y: 2}\n  z: 3\n",  # a merge key: PyYAML builds it
    "? [a, b]\n: complex key\n",  # PyYAML refuses it, as before
    "just a scalar\n",
    "- a\n- 2\n",
    "",
]


@pytest.mark.parametrize("text", TRICKY_DOCUMENTS)
def test_the_direct_builder_builds_what_pyyaml_builds(text: str) -> None:
    def build(direct: bool) -> tuple[str, list[str]]:
        loader = yamlsafe._StrictSafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                data = None
            elif direct:
                data = yamlsafe._construct(loader, root)
            else:
                data = loader.construct_document(root)
            shown = repr(data)  # repr tells 1 from 1.0 and True, and nan from nan
        except Exception as exc:  # the same refusal is expected from both
            shown = f"{type(exc).__name__}: {exc}"
        finally:
            loader.dispose()
        return shown, sorted(
            f"{mark.line}:{mark.column} {message}" for mark, message in loader.duplicates
        )

    assert build(direct=True) == build(direct=False)


def test_every_bundled_file_builds_the_same_either_way() -> None:
    for path in sorted(LIBRARY_DIR.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        loader = yamlsafe._StrictSafeLoader(text)
        root = loader.get_single_node()
        assert root is not None
        assert repr(yamlsafe._construct(loader, root)) == repr(loader.construct_document(root)), (
            path
        )
        loader.dispose()


# --- schema (pydantic) problems: all of them, each on its line -----------------------------------


def test_every_schema_problem_is_reported_with_its_line(tmp_path: Path, ff_text: str) -> None:
    text = mutate(ff_text, "  - id: FF-001\n", "    effort: 2\n", "    effrot: 2\n")
    text = mutate(text, "  - id: FF-002\n", "      kind: choice\n", "      kind: chioce\n")
    text = mutate(
        text, "  - id: FF-004-D\n", "          points: 1.67\n", "          points: lots\n"
    )
    text = mutate(text, "  - id: FF-006\n", "    node: S03\n", "")
    path = write(tmp_path / "schema.yaml", text)
    issues = load_issues(path)
    assert len(issues) == 4, "\n".join(map(str, issues))
    unknown, tag, number, missing = issues  # sorted by line
    assert unknown.text().startswith("items.0.effrot: unknown field")
    assert "effrot: 2" in line_at(path, unknown)
    assert tag.text().startswith("items.1.rule: Input tag 'chioce'")
    assert "kind: chioce" in line_at(path, tag)
    assert number.text().startswith(
        "items.3.rule.choice.options.1.points: Input should be a valid number"
    )
    assert "(got 'lots')" in number.text()
    assert "points: lots" in line_at(path, number)
    assert missing.text() == "items.7.node: required field is missing"
    assert "- id: FF-006" in line_at(path, missing)


# --- semantic problems (standards/checks.py) ------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One small change to the real future-factory file and the issue(s) it must cause."""

    name: str
    anchor: str
    old: str
    new: str
    message: str  # a fragment of the expected message
    on_line: str  # text that the reported line must contain
    count: int = 1


SEMANTIC_CASES = [
    Case(
        "duplicate-item-id",
        "  - id: FF-004-P\n", "id: FF-004-P", "id: FF-004-D",
        "duplicate item id 'FF-004-D'", "- id: FF-004-D", count=2,
    ),
    Case(
        "duplicate-gate-id",
        "  - id: compliance\n", "id: compliance", "id: legal-form",
        "duplicate gate id 'legal-form'", "- id: legal-form", count=2,
    ),
    Case(
        "duplicate-dependency-id",
        "  - id: dep-034-035\n", "id: dep-034-035", "id: dep-032-033",
        "duplicate dependency id", "- id: dep-032-033", count=2,
    ),
    Case(
        "unknown-node",
        "  - id: FF-003\n", "node: S01", "node: S99",
        "unknown node 'S99'", "node: S99",
    ),
    Case(
        "unknown-parent",
        "  - {id: S44,", "parent: D14", "parent: D15",
        "unknown parent node 'D15'", "parent: D15",
    ),
    Case(
        "unknown-option-tier-tag",
        "  - id: FF-001\n", "          tier: dws\n", "          tier: dwz\n",
        "unknown tier tag 'dwz'; known: ['dws', 'ff', 'sf']", "tier: dwz",
    ),
    Case(
        "unknown-profile-tier",
        "  - {id: sf, tier: sf,", "tier: sf,", "tier: sg,",
        "unknown tier 'sg'", "{id: sf, tier: sg,",
    ),
    Case(
        "unknown-applicability-profile",
        "  - id: FF-011\n", "{dws: mandatory,", "{dwx: mandatory,",
        "unknown profile 'dwx'; known: ['dws', 'ff', 'sf']", "applicability: {dwx: mandatory",
    ),
    Case(
        "unknown-gate-profile",
        "  - id: pilot-route\n", "profiles: [ff]", "profiles: [fff]",
        "unknown profile 'fff'", "profiles: [fff]",
    ),
    Case(
        "unknown-dependency-item",
        "  - id: dep-044-045\n", "item: FF-044", "item: FF-404",
        "unknown item 'FF-404'", "when: {item: FF-404",
    ),
    Case(
        "unknown-dependency-option",
        "  - id: dep-049-050\n", "then: {item: FF-050, in: [A]}", "then: {item: FF-050, in: [Z]}",
        "item 'FF-050' has no option 'Z'", "in: [Z]",
    ),
    Case(
        "max-total-mismatch",
        "scoring:\n", "max_total: 500", "max_total: 501",
        "items add up to 500 points but max_total says 501", "max_total: 501",
    ),
    Case(
        "points-not-monotone",
        "  - id: FF-012\n", "          points: 2.5\n", "          points: 1\n",
        "option points must not decrease along the ladder: C = 1 after B = 1.25", "points: 1",
    ),
    Case(
        "tier-tag-goes-down",
        "  - id: FF-002\n", "key: E\n          points: 4\n          tier: ff",
        "key: E\n          points: 4\n          tier: dws",
        "tier tags must not go down the ladder: E (dws) after D (ff)", "tier: dws",
    ),
    Case(
        "unknown-unit",
        "  - id: investment\n", 'unit: "万元"\n    variants', 'unit: "万圆"\n    variants',
        "unknown unit '万圆'", 'unit: "万圆"',
    ),
    Case(
        "not-found-value-not-null",
        "  - id: investment\n", "ff:\n        default:\n          value: null", "ff:\n        default:\n          value: 5000",
        "a NOT FOUND value must be null (never invent it)", "value: 5000",
    ),
    Case(
        "null-value-not-labelled-not-found",
        "  - id: digitalisation-level\n", "ff:\n        default: {value: 3.0", "ff:\n        default: {value: null",
        "value is null but its provenance is OFFICIAL; use label NOT FOUND", "value: null",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def all_cases_file(tmp_path_factory: pytest.TempPathFactory, ff_text: str) -> Path:
    text = ff_text
    for case in SEMANTIC_CASES:
        text = mutate(text, case.anchor, case.old, case.new)
    return write(tmp_path_factory.mktemp("semantic") / "ff-broken.yaml", text)


@pytest.fixture(scope="module")
def all_cases_issues(all_cases_file: Path) -> list[Problem]:
    """Every case applied to one file, loaded once: all problems must come back together."""
    return load_issues(all_cases_file)


@pytest.mark.parametrize("case", SEMANTIC_CASES, ids=[c.name for c in SEMANTIC_CASES])
def test_semantic_problem_is_reported_on_its_line(
    case: Case, all_cases_file: Path, all_cases_issues: list[Problem]
) -> None:
    found = [i for i in all_cases_issues if case.message in i.text()]
    assert len(found) == case.count, (
        f"expected {case.count} issue(s) with {case.message!r}, got:\n"
        + "\n".join(map(str, all_cases_issues))
    )
    for issue in found:
        assert case.on_line in line_at(all_cases_file, issue), (
            f"{issue} points at {line_at(all_cases_file, issue)!r}"
        )


def test_all_semantic_problems_are_reported_together_and_nothing_else(
    all_cases_issues: list[Problem],
) -> None:
    expected = sum(c.count for c in SEMANTIC_CASES)
    unexplained = [
        i for i in all_cases_issues if not any(c.message in i.text() for c in SEMANTIC_CASES)
    ]
    assert not unexplained, "\n".join(map(str, unexplained))
    assert len(all_cases_issues) == expected
    assert all_cases_issues == sorted(all_cases_issues, key=Problem.sort_key), (
        "issues are listed in file order"
    )


@pytest.mark.parametrize("case", SEMANTIC_CASES[:3], ids=[c.name for c in SEMANTIC_CASES[:3]])
def test_a_single_change_causes_only_its_own_issue(
    tmp_path: Path, ff_text: str, case: Case
) -> None:
    path = write(tmp_path / "one.yaml", mutate(ff_text, case.anchor, case.old, case.new))
    issues = load_issues(path)
    assert len(issues) == case.count, "\n".join(map(str, issues))
    assert all(case.message in i.text() for i in issues)


def test_duplicate_dependency_message_is_spelt_right(tmp_path: Path, ff_text: str) -> None:
    text = mutate(ff_text, "  - id: dep-034-035\n", "id: dep-034-035", "id: dep-032-033")
    issues = load_issues(write(tmp_path / "dep.yaml", text))
    assert all("duplicate dependency id 'dep-032-033'" in i.text() for i in issues)


def test_items_without_provenance_are_each_reported(tmp_path: Path, ff_text: str) -> None:
    start = ff_text.index("item_provenance:\n")
    end = ff_text.index("industry_types:")
    path = write(tmp_path / "no-provenance.yaml", ff_text[:start] + ff_text[end:])
    issues = load_issues(path)
    assert len(issues) == 105
    for issue in issues:
        assert issue.text() == (
            "the item carries points but has no provenance (and the standard has no item_provenance)"
        )
        assert re.search(r"- id: FF-\d{3}(-[DP])?$", line_at(path, issue)), str(issue)


def test_own_provenance_is_enough_for_an_item(tmp_path: Path, ff_text: str) -> None:
    start = ff_text.index("item_provenance:\n")
    end = ff_text.index("industry_types:")
    text = ff_text[:start] + ff_text[end:]
    text = mutate(
        text,
        "  - id: FF-001\n",
        '    number: "1"\n',
        '    number: "1"\n    provenance: {label: THIRD-PARTY, source: "question bank row 1"}\n',
    )
    issues = load_issues(write(tmp_path / "one-sourced.yaml", text))
    assert len(issues) == 104
    assert not any("FF-001" in line_at(tmp_path / "one-sourced.yaml", i) for i in issues)


def test_problems_in_several_files_are_all_reported(tmp_path: Path, ff_text: str) -> None:
    broken = write(
        tmp_path / "a.yaml", mutate(ff_text, "scoring:\n", "max_total: 500", "max_total: 5")
    )
    shape = write(tmp_path / "b.yaml", "- not a mapping\n")
    with pytest.raises(DocumentError) as info:
        standards.load_library([broken, shape])
    files = [i.file for i in info.value.issues]
    assert files == sorted([str(broken), str(shape)])


def test_a_second_copy_of_a_standard_is_refused(tmp_path: Path, ff_text: str) -> None:
    first = write(tmp_path / "a.yaml", ff_text)
    second = write(tmp_path / "b.yaml", ff_text)
    with pytest.raises(DocumentError) as info:
        standards.load_library([first, second])
    [issue] = info.value.issues
    assert issue.file == str(second)
    assert f"standard id 'zj-future-factory' is already defined in {first}" in issue.text()
    assert line_at(second, issue) == "id: zj-future-factory"


# --- the command line -----------------------------------------------------------------------------


def test_cli_validate_broken_file_exits_1_with_issues_on_stderr(
    all_cases_file: Path, all_cases_issues: list[Problem], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["standards", "validate", str(all_cases_file)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[:-1] == [str(i) for i in all_cases_issues]
    assert lines[-1] == f"{len(all_cases_issues)} problems found"


def test_cli_validate_reports_one_problem_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path / "list.yaml", "- a\n")
    assert main(["standards", "validate", str(path)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:1:1: expected a mapping at the top level, found list",
        "1 problem found",
    ]


def test_cli_validate_bundled_library(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "validate"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    for path in sorted(LIBRARY.glob("*.yaml")):
        assert re.search(rf"^ok  {re.escape(path.name)} ", captured.out, re.MULTILINE), path.name
    assert re.search(r"^\d+ documents valid \(\d+ standards\)$", captured.out, re.MULTILINE)


def test_cli_validate_a_single_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "validate", str(FF_FILE)]) == 0
    assert "ok  zj-future-factory-2025.yaml" in capsys.readouterr().out


def test_cli_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert isinstance(rows, list)
    assert rows
    for row in rows:
        assert {"id", "edition", "title", "items"} <= set(row)
        assert set(row["title"]) == {"zh", "en"}
        assert isinstance(row["items"], int)
    by_id = {row["id"]: row for row in rows}
    assert by_id["zj-future-factory"]["edition"] == "2025-trial-r2"
    assert by_id["zj-future-factory"]["items"] == 105
    assert by_id["zj-future-factory"]["questions"] == 100
    assert by_id["gbt39116-2020"]["items"] == 200
    assert [row["id"] for row in rows] == sorted(by_id)


def test_cli_list_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^zj-future-factory\s+2025-trial-r2\s+105\s+浙江省", out, re.MULTILINE)


def test_cli_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "show", "zj-future-factory"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('浙江省"未来工厂"分级建设要求（试行） / Zhejiang future factory')
    assert "unofficial encodings used: THIRD-PARTY, INFERRED, NOT FOUND" in out
    assert "新一代信息技术 / New-generation information technology  (3 items)" in out
    assert "gate investment: 软硬件投资额" in out
    assert out.rstrip().endswith("105 items, max total 500.0")


def test_cli_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "show", "gbt39116-2020", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"] == "gbt39116-2020"
    assert len(data["items"]) == 200


def test_cli_show_unknown_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "show", "no-such-standard"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: unknown standard 'no-such-standard'; known: ")
    assert "zj-future-factory" in captured.err


# --- problems in both languages ---------------------------------------------------------------

CODE_LITERAL = re.compile(
    r'"((?:document|library|schema|standard|crosswalk|factors|classifications|setting)'
    r'\.[a-z0-9_]+)"'
)


def test_every_code_the_standards_floor_names_has_an_entry() -> None:
    """Codes held in tables (not written inside `Problem(...)`) have entries too."""
    files = [
        *(ROOT / "standards").glob("*.py"),
        ROOT / "assessment" / "library" / "check.py",
    ]
    named = {code for path in files for code in CODE_LITERAL.findall(path.read_text("utf-8"))}
    assert named
    assert sorted(named - set(catalogue())) == []


def test_schema_problems_have_their_own_code_and_read_in_chinese(
    tmp_path: Path, ff_text: str
) -> None:
    text = mutate(ff_text, "  - id: FF-001\n", "    effort: 2\n", "    effrot: 2\n")
    text = mutate(text, "  - id: FF-002\n", "      kind: choice\n", "      kind: chioce\n")
    text = mutate(
        text, "  - id: FF-004-D\n", "          points: 1.67\n", "          points: lots\n"
    )
    text = mutate(text, "  - id: FF-006\n", "    node: S03\n", "")
    text = mutate(text, "  - id: FF-007\n", "    effort: 1\n", "    effort: 9\n")
    issues = load_issues(write(tmp_path / "schema.yaml", text))
    assert [i.code for i in issues] == [
        "schema.extra_forbidden",
        "schema.union_tag_invalid",
        "schema.float_parsing_got",
        "schema.missing",
        "schema.less_than_equal_got",
    ]
    assert issues[4].text() == "items.8.effort: Input should be less than or equal to 5 (got 9)"
    assert issues[4].text("zh") == "题目 › 8 › 工作量：应小于或等于 5（实际为 9）"
    assert issues[3].text("zh") == "题目 › 7 › 所属节点：缺少必填字段"


def test_a_type_without_an_entry_keeps_pydantic_sentence() -> None:
    detail = {"type": "date_type", "loc": ("issued",), "msg": "Input should be a valid date"}
    problem = schema_problem({**detail, "input": "soon"})
    assert problem.code == "schema.invalid"
    assert problem.text() == "issued: Input should be a valid date (got 'soon')"
    assert (
        problem.text("zh") == "发布日期：不符合文件格式：Input should be a valid date (got 'soon')"
    )


def test_semantic_problems_read_in_chinese(all_cases_issues: list[Problem]) -> None:
    by_code = {i.code: i for i in all_cases_issues}
    assert by_code["standard.max_total_mismatch"].text("zh") == (
        "各题目分值合计为 500 分，但 max_total（满分）写的是 501"
    )
    assert by_code["standard.unknown_unit_no_hint"].text("zh") == "没有单位“万圆”"
    assert all(i.loc == () and i.line for i in all_cases_issues)
