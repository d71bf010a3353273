"""Every file of the bad-input corpus (tests/corpus/<kind>/) through every entry point that takes it.

Each file is refused everywhere it can arrive — the command line, the service the app calls, and
the app's own upload where there is one — with a message that says where (file, line and column;
sheet and row; the file name) and what is wrong (the substring `expected.yaml` records), never a
traceback, and the stored data are exactly what they were before.

| kind | command line | service | app upload |
|---|---|---|---|
| standards | `zhizao standards validate` | `library_check.check_upload` | 标准库管理 |
| answers | `zhizao score` | `submissions.save_answers` (the parsed data) | — |
| activity | `zhizao carbon` | `activity.save_activity` (the parsed data) | — |
| workbooks | `zhizao import` | `excel.service.check_for_submission` | 问卷填报 › Excel |
| evidence | — | `evidence.add_evidence` | 问卷填报 › 证明材料 |

A file that is not even readable YAML or JSON (a crafted number, a bad tag) cannot become the data
a service is given: for those, the command line's located message is the check.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from app_support import *  # noqa: F403 - the fixtures
from app_support import World, run
from lifecycle_support import snapshot

from assessment import submissions
from assessment.accounts.principal import Principal
from assessment.cli.main import main
from assessment.errors import InvalidInput
from assessment.excel.service import check_for_submission
from assessment.library import check as library_check
from assessment.submissions import activity, evidence
from standards import DocumentError
from standards.yamlsafe import parse_file

CORPUS = Path(__file__).resolve().parent / "corpus"
KINDS = ("standards", "answers", "activity", "workbooks", "evidence")


def corpus(kind: str) -> list[tuple[Path, str]]:
    expected = yaml.safe_load((CORPUS / kind / "expected.yaml").read_text(encoding="utf-8"))
    return [(CORPUS / kind / name, entry["expect"]) for name, entry in sorted(expected.items())]


CASES = [(kind, path, expect) for kind in KINDS for path, expect in corpus(kind)]
IDS = [f"{kind}-{path.name}" for kind, path, _ in CASES]


def test_every_corpus_file_is_listed_and_every_listing_exists() -> None:
    for kind in KINDS:
        listed = {path.name for path, _ in corpus(kind)}
        present = {
            p.name for p in (CORPUS / kind).iterdir() if p.is_file() and p.name != "expected.yaml"
        }
        assert listed == present, kind
    assert len(CASES) >= 45


def located(text: str, path: Path) -> bool:
    """The message says where: the file with a line and column, a sheet, row or zip part, or the
    path of the value in the data (`answers.FF-001:`, `energy.electricity_kwh:`)."""
    return bool(
        re.search(rf"{re.escape(path.stem)}[\w.]*:\d+:\d+", text)
        or re.search(r"sheet|row \d|xl/|part", text)
        or re.search(r"(^|[\s/])(answers|gates|energy|[a-z_]+)(\.[\w\-.]+)*: ", text, re.M)
    )


def cli(kind: str, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    command = {
        "standards": ["standards", "validate", str(path)],
        "answers": ["score", str(path)],
        "activity": ["carbon", str(path)],
        "workbooks": ["import", str(path)],
    }[kind]
    code = main(command)
    out = capsys.readouterr()
    printed = out.out + out.err
    assert code == 1, printed
    assert "Traceback" not in printed
    return printed


def draft_for(world: World, document: dict[str, Any] | None, kind: str) -> int:
    """A fresh draft of the demo firm to give the file to (its standard, profile, industry)."""
    firm = world.user("firm")
    if kind in ("answers",) and document is not None:
        standard = str(document.get("standard"))
        profile = str(document.get("profile"))
        industry = document.get("industry_type")
    elif kind == "workbooks":  # the hostile workbooks are built from this template
        standard, profile, industry = "gbt37393-2019", "digital-workshop", None
    else:
        standard, profile, industry = "zj-future-factory", "sf", "discrete"
    sub = submissions.create_submission(
        firm, world.db, org_id=firm.org_id or 0, standard_id=standard, profile=profile,
        industry_type=industry if isinstance(industry, str) else None,
    )  # fmt: skip
    return sub.id


def service(world: World, kind: str, path: Path) -> str | None:
    """The service's refusal, or None when the file cannot become a service's input at all."""
    firm = world.user("firm")
    admin = Principal.system("corpus")
    if kind == "standards":
        result = library_check.check_upload(admin, path.name, path.read_bytes())
        assert not result.ok
        return "\n".join(str(i) for i in result.issues)
    if kind == "evidence":
        sid = draft_for(world, None, kind)
        with pytest.raises(InvalidInput) as caught:
            evidence.add_evidence(firm, world.db, sid, filename=path.name, data=path.read_bytes())
        return f"{path.name}: {caught.value}"
    if kind == "workbooks":
        sid = draft_for(world, None, kind)
        report = check_for_submission(firm, world.db, sid, path.read_bytes())
        assert report.problems
        return "\n".join(str(p) for p in report.problems)
    try:
        document = parse_file(path).data
    except DocumentError:
        return None
    sid = draft_for(world, document, kind)
    if kind == "answers":
        version = submissions.get_submission(firm, world.db, sid).version
        with pytest.raises(InvalidInput) as caught:
            submissions.save_answers(
                firm, world.db, sid, expected_version=version,
                answers=document.get("answers"), gates=document.get("gates"),
            )  # fmt: skip
    else:
        with pytest.raises(InvalidInput) as caught:
            activity.save_activity(firm, world.db, sid, document)
    return str(caught.value)


# The types each upload offers (the browser's file dialog shows only these; Streamlit refuses any
# other extension itself, before the page sees the file).
CJK = re.compile(r"[\u4e00-\u9fff]")
UPLOAD_TYPES = {"standards": (".yaml", ".yml"), "workbooks": (".xlsx",),
                "evidence": tuple(f".{e}" for e in evidence.ACCEPTED_EXTENSIONS)}  # fmt: skip


def app_upload(world: World, kind: str, path: Path, lang: str = "en") -> str | None:
    """What the app shows after uploading the file where the app takes such files."""
    if path.suffix.lower() not in UPLOAD_TYPES.get(kind, ()):
        return None
    if kind == "standards":
        at = run(world.app("admin", lang=lang))
        run(at.switch_page("ui/pages/admin_library.py"))
        key = "library_upload"
    elif kind in ("workbooks", "evidence"):
        sid = draft_for(world, None, kind)
        at = world.app("firm", lang=lang)
        at.session_state["current_submission"] = sid
        run(at.switch_page("ui/pages/questionnaire.py"))
        if kind == "workbooks":
            key = f"xl_upload::{sid}::0"
        else:
            key = next(u.key for u in at.file_uploader if u.key and "::upload::" in u.key)
    else:
        return None
    uploader = at.file_uploader(key=key)
    at = run(uploader.set_value((path.name, path.read_bytes(), "application/octet-stream")))
    parts = [str(e.value) for e in at.error] + [str(w.value) for w in at.warning]
    parts += [frame.value.to_string() for frame in at.dataframe]
    parts += [str(e.value) for e in at.exception]
    return "\n".join(parts)


@pytest.mark.parametrize(("kind", "path", "expect"), CASES, ids=IDS)
def test_a_bad_file_is_refused_everywhere_with_a_located_message(
    app_world: World, capsys: pytest.CaptureFixture[str], kind: str, path: Path, expect: str
) -> None:
    if kind != "evidence":
        printed = cli(kind, path, capsys)
        assert expect in printed, printed
        assert located(printed, path), printed
    before = snapshot(app_world.db)
    refused = service(app_world, kind, path)
    if refused is not None:
        assert expect in refused, refused
        assert located(refused, path) or kind == "evidence", refused
    shown = app_upload(app_world, kind, path)
    if shown is not None:
        assert expect in shown, shown
        # the Chinese page says the same in Chinese: the catalogue's sentence, not the English
        chinese = app_upload(app_world, kind, path, lang="zh") or ""
        assert CJK.search(chinese), chinese
        assert expect not in chinese, chinese
    after = snapshot(app_world.db)
    # Only the fresh drafts the test made itself (and their snapshots) may have been added.
    for table in ("answers", "evidence_files", "evidence_blobs", "submission_activities",
                  "comments", "certificates", "organisations", "users"):  # fmt: skip
        assert after.get(table) == before.get(table), table
